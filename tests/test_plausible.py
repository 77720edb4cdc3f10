"""The plausibility gate, the property normaliser, NZZ types, dates, CRSs."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline._plausible import check_extent, outside_km2
from frontline._union import make_valid, union_polygons

from .conftest import shared_file


def layer(*geoms, **columns):
    return gpd.GeoDataFrame(columns or None, geometry=list(geoms), crs=4326)


def arr(*geoms):
    return np.array(geoms, dtype=object)


BOX = shapely.box(37, 47, 38, 48)  # Donetsk / Zaporizhzhia


# The gate


def test_a_map_of_ukraine_passes_untouched():
    assert check_extent(arr(BOX), "'x'") == {"outside_km2": 0.0, "outside_share": 0.0}


@pytest.mark.parametrize(
    "geom",
    [
        shapely.box(-180, -90, 180, 90),
        shapely.Polygon([(179, 47), (-179, 47), (-179, 48), (179, 48)]),
    ],
)
def test_features_spanning_the_world_are_refused(geom):
    with pytest.raises(fl.GeometryError, match=r"more than 180° of longitude"):
        fl.read_control(layer(geom))


def test_polygons_far_away_are_refused_with_a_swap_hint():
    swapped = shapely.box(47, 35.2, 47.6, 35.8)  # a box of Ukraine, lat/lon swapped
    with pytest.raises(fl.GeometryError, match=r"far from Ukraine.*swap them"):
        fl.read_control(layer(BOX, swapped))
    with pytest.raises(fl.GeometryError, match=r"far from Ukraine.*check that"):
        fl.read_control(layer(BOX, shapely.box(140, -30, 141, -29)))


def test_a_sliver_far_away_is_logged_not_refused(caplog):
    # A real DeepState map of 2023 carries 527 km² in the Arabian Sea (0.35 %).
    sliver = shapely.box(64.0, 14.0, 64.05, 14.05)
    big = shapely.box(35, 47, 39, 49)
    with caplog.at_level("INFO", logger="frontline._plausible"):
        fl.read_control(layer(big, sliver))
    assert "far from Ukraine" in caplog.text


@pytest.mark.parametrize(
    "box",
    [(21, 44, 22, 45), (41, 50, 41.8, 51), (31, 43.2, 33, 44)],  # Romania, Russia, sea
)
def test_a_layer_wholly_outside_ukraine_is_refused(box):
    with pytest.raises(fl.GeometryError, match=r"\(100%\) lie more than 25 km"):
        fl.read_control(layer(shapely.box(*box)))


def test_a_layer_mostly_outside_by_more_than_100000_km2_is_refused():
    with pytest.raises(fl.GeometryError, match="not a control layer of Ukraine"):
        fl.read_control(layer(shapely.box(10, 35, 60, 70)))


def test_much_area_outside_is_warned_about():
    russia = shapely.box(40.5, 50, 41.9, 53)  # 32,400 km² beyond the border
    with pytest.warns(fl.FrontlineWarning, match=r"km² .* lie more than 25 km outside"):
        fl.read_control(layer(shapely.box(34, 47, 38, 50), russia))


def test_a_layer_straddling_the_border_is_read_as_it_is():
    straddling = shapely.box(39.5, 47.5, 41.0, 48.5)
    out, total = outside_km2(arr(straddling))
    assert 0 < out < total
    read = fl.read_control(layer(straddling))
    assert fl.area_km2(read).sum() == pytest.approx(fl.area_km2(straddling))


def test_real_maps_pass_the_gate_silently():
    # One file of each source of the validation data (the margins over all 965
    # files are in docs/control.md).
    names = [
        ("deepstate_union_archive", "deepstatemap_data_20241121.geojson"),
        ("deepstate_raw_multiclass", "20230227T233421Z_1677540861.geojson.gz"),
        ("deepstate_raw_multiclass", "20240831T204653Z_1725137213.geojson.gz"),
    ]
    for folder, name in names:
        path = shared_file("control", folder, name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read = fl.read_control(path)
        assert not [w for w in caught if "outside Ukraine" in str(w.message)]
        outside, total = outside_km2(shapely.get_parts(np.asarray(read.geometry)))
        assert outside / total < 0.004


# Batched unions and repairs


def test_batched_union_equals_union_all():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 10, size=(2000, 2))
    boxes = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + 0.1, xy[:, 1] + 0.1)
    batched, plain = union_polygons(boxes), shapely.union_all(boxes)
    assert shapely.is_valid(batched)
    assert batched.area == pytest.approx(plain.area, rel=1e-12)
    assert shapely.symmetric_difference(batched, plain).area < 1e-9


def test_large_invalid_polygons_are_repaired_by_structure():
    k = np.arange(6000)
    zig = np.column_stack([37 + k / 6000, np.where(k % 2, 47.0, 48.0)])
    ring = np.vstack([zig, zig[::-1], zig[:1]])
    small = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # a bow-tie
    fixed = make_valid(arr(small, shapely.Polygon(np.vstack([ring] * 2))))
    assert fixed[0].area == pytest.approx(0.5)
    assert shapely.is_valid(fixed).all()


# Property values


def test_arrays_and_objects_become_text(tmp_path):
    path = tmp_path / "tags.geojson"
    feature = {
        "type": "Feature",
        "properties": {"status": "occupied", "tags": ["front", 2024], "m": {"a": 1}},
        "geometry": json.loads(shapely.to_geojson(BOX)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    read = fl.read_control(path)
    assert read.tags.iloc[0] == '["front", 2024]'
    assert read.m.iloc[0] == '{"a": 1}'


@pytest.mark.parametrize(
    ("value", "match"),
    [(["occupied"], r"'\[\"occupied\"\]'"), (b"occupied", "b'occupied'")],
)
def test_a_status_that_is_a_list_or_bytes_is_refused(value, match):
    frame = layer(BOX)
    frame["status"] = pd.Series([value], dtype=object, index=frame.index)
    with pytest.raises(fl.UnknownStatusError, match=match):
        fl.read_control(frame)


def test_a_5_mib_label_is_quoted_capped():
    with pytest.raises(fl.UnknownStatusError) as info:
        fl.read_control(layer(BOX, status=["x" * (5 << 20)]))
    assert len(str(info.value)) < 400
    assert "5,242,880 characters" in str(info.value)


def test_a_date_that_is_an_object_gives_no_date():
    assert fl.read_control(layer(BOX, date=[{"y": 2024}])).attrs["date"] is None


# NZZ


def nzz(tmp_path, *features):
    path = tmp_path / "2024-11-21.json"
    path.write_text(
        json.dumps({"value": {"type": "FeatureCollection", "features": features}})
    )
    return path


def nzz_feature(kind, geom=BOX):
    props = {"date": "2024-11-20"} if kind is None else {"type": kind}
    return {
        "type": "Feature",
        "properties": {"date": "2024-11-20", **props},
        "geometry": json.loads(shapely.to_geojson(geom)),
    }


@pytest.mark.parametrize(
    ("kind", "match"),
    [(None, "1 feature.* have no 'type'"), ("stable", "'stable', which are not")],
)
def test_nzz_types_are_checked(tmp_path, kind, match):
    path = nzz(tmp_path, nzz_feature("nochange"), nzz_feature(kind))
    with pytest.raises(fl.UnknownStatusError, match=match):
        fl.read_control(path)


def test_nzz_forced_on_a_file_without_types(tmp_path):
    path = tmp_path / "plain.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    frame = layer(BOX, status=["occupied"])
    with pytest.raises(fl.UnknownStatusError, match="no 'type' column"):
        fl.read_control(frame, source="nzz")


def test_an_nzz_layer_of_losses_only_is_warned_about(tmp_path):
    path = nzz(tmp_path, nzz_feature("losses"))
    with pytest.warns(fl.FrontlineWarning, match=r"no 'nochange' part.*losses as"):
        read = fl.read_control(path)
    assert set(read.status) == {"liberated"}


# Dates in file names


@pytest.mark.parametrize("stamp", ["20241131", "20230229", "00000101", "20241300"])
def test_impossible_union_dates_give_no_date_and_a_warning(tmp_path, stamp):
    path = tmp_path / f"deepstatemap_data_{stamp}.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": json.loads(shapely.to_geojson(BOX)),
                    }
                ],
            }
        )
    )
    with pytest.warns(fl.FrontlineWarning, match="not a date on the calendar"):
        read = fl.read_control(path)
    assert read.attrs["date"] is None


def test_raw_stamps_that_are_no_time_give_no_date(tmp_path):
    path = tmp_path / "20221131T222403Z.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "Окуповано /// Occupied /// geoJSON.status.occupied"},
        "geometry": json.loads(shapely.to_geojson(BOX)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.warns(fl.FrontlineWarning, match="not a time on the calendar"):
        assert fl.read_control(path).attrs["date"] is None


def test_valid_union_dates_are_unchanged(tmp_path):
    path = tmp_path / "deepstatemap_data_20240301.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    from frontline.sources.deepstate import union_dating

    assert union_dating(path)["date"] == dt.date(2024, 2, 29)


# CRSs


@pytest.mark.parametrize(
    ("crs", "match"),
    [
        ("IAU_2015:49900", "Mars.*not the Earth"),
        ("IAU_2015:30100", "Moon.*not the Earth"),
        ("EPSG:5773", "Vertical CRS"),
    ],
)
def test_crss_off_the_earth_are_refused(crs, match):
    with pytest.raises(fl.CRSError, match=match):
        fl.read_control(layer(BOX).set_crs(crs, allow_override=True))


# Time series of a folder


def union_file(path, geom=BOX):
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": json.loads(shapely.to_geojson(geom)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_one_bad_file_does_not_sink_a_folder(tmp_path):
    for day in (1, 2, 3):
        union_file(tmp_path / f"deepstatemap_data_2024110{day}.geojson")
    (tmp_path / "deepstatemap_data_20241104.geojson").write_bytes(b"\0garbage")
    union_file(
        tmp_path / "deepstatemap_data_20241105.geojson", shapely.box(-180, -90, 180, 90)
    )
    with pytest.warns(fl.FrontlineWarning, match=r"skipped 2 of 5 map\(s\)"):
        series = fl.timeseries(tmp_path, "four", progress=False)
    assert series.date.nunique() == 3
    skipped = series.attrs["skipped"]
    assert [s["file"] for s in skipped] == [
        "deepstatemap_data_20241104.geojson",
        "deepstatemap_data_20241105.geojson",
    ]
    assert "180°" in skipped[1]["error"]


def test_a_bad_file_named_by_the_user_is_an_error(tmp_path):
    good = union_file(tmp_path / "deepstatemap_data_20241101.geojson")
    bad = tmp_path / "deepstatemap_data_20241102.geojson"
    bad.write_bytes(b"\0garbage")
    with pytest.raises(fl.UnsupportedFormatError, match="20241102"):
        fl.timeseries([good, bad], "four", progress=False)


def test_a_folder_of_bad_files_is_an_error(tmp_path):
    for day in (1, 2, 3):
        (tmp_path / f"deepstatemap_data_2024110{day}.geojson").write_bytes(b"")
    with pytest.raises(fl.OptionError, match=r"none of the 3 map\(s\).*and 1 more"):
        fl.timeseries(tmp_path, "four", progress=False)
