"""basis="land": each unit's polygon minus sea water (embedded mask or water=)."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal

import frontline as fl
from frontline._water import WATER_SOURCE, land_units, water_mask
from frontline.cli import main
from frontline.errors import (
    CRSError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
)
from frontline.series import timeseries

from .conftest import shared_file

#: A strip of "sea" over the south of the UA-14 and UA-09 boxes of conftest.
SEA = shapely.box(37.5, 46.5, 38.5, 47.3)


def sea_frame(*geoms, crs="EPSG:4326"):
    return gpd.GeoDataFrame(geometry=list(geoms or [SEA]), crs=crs)


def layer_of(*pairs, date="2024-11-20"):
    statuses, geoms = zip(*pairs, strict=True)
    gdf = gpd.GeoDataFrame({"status": list(statuses)}, geometry=list(geoms), crs=4326)
    return fl.read_control(gdf, date=date)


@pytest.fixture(scope="module")
def layer():
    return layer_of(
        ("occupied", shapely.box(37.2, 46.8, 38.6, 47.6)),
        ("contested", shapely.box(37.2, 47.6, 38.6, 47.8)),
    )


# -- the land basis on synthetic units -------------------------------------


def test_land_takes_the_sea_out_of_area_and_statuses(boxes, layer):
    land = fl.control_table(
        layer, "four", basis="land", boundaries=boxes, water=sea_frame()
    ).set_index("region_id")
    geometry = fl.control_table(layer, "four", boundaries=boxes).set_index("region_id")
    donetsk = shapely.box(37, 47, 38, 48)
    wet = shapely.intersection(donetsk, SEA)
    held = shapely.box(37.2, 46.8, 38.6, 47.6)
    assert land.loc["UA-14", "area_km2"] == pytest.approx(
        fl.area_km2(donetsk) - fl.area_km2(wet), rel=1e-12
    )
    assert land.loc["UA-14", "occupied_km2"] == pytest.approx(
        fl.area_km2(shapely.intersection(shapely.difference(donetsk, SEA), held)),
        rel=1e-9,
    )
    # The sea held in the geometry basis is exactly what the land basis loses.
    lost = geometry.occupied_km2 - land.occupied_km2
    in_sea = fl.area_km2(shapely.intersection(shapely.intersection(held, SEA), donetsk))
    assert lost["UA-14"] == pytest.approx(in_sea, rel=1e-9)
    # Units the sea does not reach are unchanged.
    for rid in ("UA-23", "UA-65"):
        assert land.loc[rid, "area_km2"] == geometry.loc[rid, "area_km2"]
    # Conservation on land.
    total = land.occupied_km2 + land.contested_km2 + land.held_km2
    np.testing.assert_allclose(total, land.area_km2, rtol=1e-12)


def test_land_attrs_record_the_mask(boxes, layer):
    table = fl.control_table(
        layer, "four", basis="land", boundaries=boxes, water=sea_frame()
    )
    assert table.attrs["basis"] == "land"
    assert table.attrs["water"] == "user-supplied water mask (GeoDataFrame)"
    removed = table.attrs["water_removed_km2"]
    assert removed["UA-23"] == 0
    assert removed["UA-14"] == pytest.approx(
        fl.area_km2(shapely.intersection(shapely.box(37, 47, 38, 48), SEA)), abs=1e-3
    )
    assert "water taken out" in table.caption()
    embedded = fl.control_table(layer, "four", basis="land", boundaries=boxes)
    assert embedded.attrs["water"] == WATER_SOURCE


def test_geometry_and_official_tables_have_no_water(layer):
    for basis in ("geometry", "official"):
        table = fl.control_table(layer, "four", basis=basis)
        assert "water" not in table.attrs


def test_timeseries_equals_control_table_under_land(boxes, layer):
    later = layer_of(
        ("occupied", shapely.box(37.1, 46.7, 38.7, 47.7)), date="2024-11-21"
    )
    water = sea_frame()
    series = timeseries(
        [layer, later],
        "four",
        boundaries=boxes,
        basis="land",
        water=water,
        progress=False,
    )
    assert series.attrs["basis"] == "land"
    assert series.attrs["water"] == "user-supplied water mask (GeoDataFrame)"
    for snap in (layer, later):
        table = fl.control_table(
            snap, "four", basis="land", boundaries=boxes, water=water
        ).set_index("region_id")
        day = series[
            (series.date == pd.Timestamp(snap.attrs["date"]))
            & (series.status == "russian_held")
        ].set_index("region_id")
        np.testing.assert_allclose(
            day.area_km2, table.occupied_km2.loc[day.index], rtol=1e-9, atol=1e-6
        )
        np.testing.assert_allclose(
            day.share_pct, table.occupied_pct.loc[day.index], rtol=1e-9, atol=1e-9
        )
    assert series.attrs["region_area_km2"]["UA-14"] == pytest.approx(
        fl.control_table(
            layer, "four", basis="land", boundaries=boxes, water=water
        ).area_km2.iloc[0]
    )


def test_timeseries_official_basis_scales_km2_not_shares(boxes, layer):
    geometry = timeseries([layer], "four", boundaries=boxes, progress=False)
    official = timeseries(
        [layer], "four", boundaries=boxes, basis="official", progress=False
    )
    units = official.region_id != "four"  # a group's share mixes scales
    np.testing.assert_allclose(
        official.share_pct[units], geometry.share_pct[units], rtol=1e-12
    )
    assert official.attrs["region_area_km2"]["UA-14"] == 26_517
    table = fl.control_table(layer, "four", basis="official", boundaries=boxes)
    held = official[official.status == "russian_held"].set_index("region_id")
    np.testing.assert_allclose(
        held.area_km2, table.set_index("region_id").occupied_km2.loc[held.index]
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda lyr, w: fl.compare_sources(
            {"A": lyr, "B": lyr}, "four", basis="land", water=w
        ),
        lambda lyr, w: (
            fl.check_claim(
                lyr, "four", occupied_pct=(0, 100), basis="land", water=w
            ).meta
        ),
        lambda lyr, w: fl.scenario_table(fl.freeze(lyr), "four", basis="land", water=w),
        lambda lyr, w: fl.scenario_changes(
            fl.withdraw(fl.freeze(lyr), "Donetsk"), "four", basis="land", water=w
        ),
    ],
    ids=["compare", "claim", "scenario_table", "scenario_changes"],
)
def test_every_analysis_takes_the_land_basis(layer, call):
    result = call(layer, sea_frame())
    attrs = result if isinstance(result, dict) else result.attrs
    assert attrs["basis"] == "land"
    assert attrs["water"] == "user-supplied water mask (GeoDataFrame)"


def test_claim_verdict_names_the_mask(layer):
    check = fl.check_claim(layer, "four", occupied_pct=(0, 100), basis="land")
    assert "basis land (sea mask: Natural Earth" in check.verdict()


# -- the embedded mask -----------------------------------------------------


def test_embedded_mask_is_sea_only():
    sea = fl.load_water()
    assert sea.crs.equals("EPSG:4326")
    geom = sea.geometry.iloc[0]
    assert geom.is_valid
    # No water in the former Kakhovka reservoir: its bed stays land.
    assert fl.area_km2(shapely.clip_by_rect(geom, 33.4, 46.75, 35.2, 47.84)) == 0
    # The Syvash is land in Natural Earth (a known limit, see data/water).
    assert not geom.contains(shapely.Point(34.6, 45.9))
    # The Dnipro-Buh estuary and the Sea of Azov are sea.
    assert geom.contains(shapely.Point(31.9, 46.57))
    assert geom.contains(shapely.Point(36.5, 46.0))


def test_embedded_units_lose_little_to_the_embedded_mask():
    """The embedded units are Natural Earth land already: < 20 km² each."""
    units = fl.load_regions("all")
    removed = land_units(units).attrs["water_removed_km2"]
    assert max(removed.values()) < 20
    inland = [
        r
        for r in units.region_id
        if r not in {"UA-14", "UA-23", "UA-40", "UA-43", "UA-48", "UA-51", "UA-65"}
    ]
    assert all(removed[r] == 0 for r in inland)


def test_land_units_do_not_mutate_and_are_cached(boxes):
    before = boxes.copy()
    first = land_units(boxes, sea_frame())
    second = land_units(boxes, sea_frame())
    assert_geodataframe_equal(boxes, before)
    assert first.geometry.iloc[0] is second.geometry.iloc[0]
    assert first.attrs["boundary_source"] == boxes.attrs["boundary_source"]


# -- checking a user's mask ------------------------------------------------


def test_mask_file_in_another_crs_is_reprojected(tmp_path, boxes, layer):
    path = tmp_path / "sea.gpkg"
    sea_frame().to_crs("EPSG:3857").to_file(path)
    mask = water_mask(path)
    assert "reprojected from EPSG:3857" in mask.source
    a = fl.control_table(layer, "four", basis="land", boundaries=boxes, water=path)
    b = fl.control_table(
        layer, "four", basis="land", boundaries=boxes, water=sea_frame()
    )
    np.testing.assert_allclose(a.area_km2, b.area_km2, rtol=1e-6)


@pytest.mark.parametrize(
    ("water", "error", "match"),
    [
        (sea_frame(crs=None), CRSError, "has no CRS"),
        (sea_frame().to_crs("EPSG:3857"), CRSError, r"must be in EPSG:4326.*to_crs"),
        (
            sea_frame(shapely.LineString([(37, 46), (38, 47)])),
            GeometryError,
            "expected polygons of sea water, got LineString",
        ),
        (
            sea_frame(shapely.box(-10, 50, -9, 51)),
            GeometryError,
            "do not reach Ukraine",
        ),
        (
            sea_frame(shapely.box(20, 40, 45, 55)),
            GeometryError,
            r"covers 100 % of Ukraine's land.*Land polygons",
        ),
        (
            sea_frame(shapely.box(3_000_000, 5_000_000, 3_100_000, 5_100_000)),
            CRSError,
            "not longitudes and latitudes",
        ),
        (sea_frame(shapely.Polygon()), GeometryError, "no geometry"),
        (shapely.box(37, 46, 38, 47), OptionError, "got Polygon"),
        ("no/such/sea.geojson", InputFileNotFoundError, "water file .* does not"),
    ],
    ids=[
        "no-crs",
        "projected-frame",
        "lines",
        "far-away",
        "land",
        "bad-coordinates",
        "empty",
        "bare-geometry",
        "missing-file",
    ],
)
def test_bad_masks_are_refused(water, error, match):
    with pytest.raises(error, match=match):
        fl.load_water(water)


def test_file_without_crs_is_refused(tmp_path):
    path = tmp_path / "sea.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio: no CRS given
        sea_frame(crs=None).to_file(path)
    with pytest.raises(CRSError, match=r"sea\.gpkg has no CRS"):
        water_mask(path)


def test_invalid_polygons_are_repaired_with_a_warning():
    bowtie = shapely.Polygon([(37, 46), (38, 47), (38, 46), (37, 47), (37, 46)])
    with pytest.warns(FrontlineWarning, match="1 invalid polygon"):
        mask = water_mask(sea_frame(bowtie))
    assert mask.geometry.is_valid
    assert fl.area_km2(mask.geometry) > 0


def test_a_mask_that_drains_kakhovka_warns():
    reservoir = shapely.box(33.6, 46.9, 34.8, 47.5)
    with pytest.warns(FrontlineWarning, match="former Kakhovka reservoir"):
        water_mask(sea_frame(SEA, reservoir))


def test_sea_only_masks_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        water_mask(sea_frame())
        water_mask(None)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"basis": "sea"}, "unknown basis 'sea'"),
        ({"water": "sea.geojson"}, "water= applies to basis='land' only"),
        ({"basis": "official", "water": "sea.geojson"}, "basis='official'"),
    ],
)
def test_basis_and_water_options_are_checked(layer, options, match):
    with pytest.raises(OptionError, match=match):
        fl.control_table(layer, "four", **options)
    with pytest.raises(OptionError, match=match):
        timeseries([layer], "four", progress=False, **options)


# -- the command line --------------------------------------------------------


@pytest.fixture
def files(tmp_path, layer):
    control = tmp_path / "control.geojson"
    dated = layer[["status", "geometry"]].copy()
    dated["date"] = "2024-11-20"
    dated.to_file(control)
    water = tmp_path / "sea.geojson"
    sea_frame().to_file(water)
    return control, water


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_report_land_basis(capsys, files):
    control, water = files
    code, out, _ = run(
        capsys,
        "report",
        control,
        "--basis",
        "land",
        "--water",
        water,
        "--format",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    expected = fl.control_table(control, "four", basis="land", water=water)
    np.testing.assert_allclose(table.area_km2, expected.area_km2, atol=1e-3)
    code, out, _ = run(capsys, "report", control, "--basis", "land")
    assert code == 0
    assert "basis: land" in out
    assert "water taken out: sea mask: Natural Earth 10m land" in out


def test_cli_water_needs_the_land_basis(capsys, files):
    control, water = files
    code, _, err = run(capsys, "report", control, "--water", water)
    assert code == 1
    assert "water= applies to basis='land' only" in err


def test_cli_check_compare_scenario_timeseries_land(capsys, files):
    control, water = files
    code, out, _ = run(
        capsys,
        "check",
        control,
        "--occupied-pct",
        "0:100",
        "--basis",
        "land",
        "--water",
        water,
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["meta"]["basis"] == "land"
    assert doc["meta"]["water"].startswith("water mask: sea.geojson")

    code, out, _ = run(
        capsys,
        "compare",
        f"A={control}",
        f"B={control}",
        "--basis",
        "land",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["meta"]["water"] == WATER_SOURCE

    code, out, _ = run(
        capsys,
        "scenario",
        control,
        "--withdraw",
        "Donetsk",
        "--regions",
        "four",
        "--basis",
        "land",
        "--water",
        water,
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["meta"]["basis"] == "land"
    assert doc["meta"]["water"].startswith("water mask: sea.geojson")

    code, out, _ = run(
        capsys,
        "timeseries",
        control,
        "--regions",
        "four",
        "--basis",
        "land",
        "--water",
        water,
        "--format",
        "csv",
    )
    assert code == 0
    series = pd.read_csv(io.StringIO(out))
    table = fl.control_table(control, "four", basis="land", water=water)
    held = series[series.status == "russian_held"].set_index("region_id")
    np.testing.assert_allclose(
        held.area_km2,
        table.set_index("region_id").occupied_km2.loc[held.index],
        atol=1e-3,
    )


# -- captions ----------------------------------------------------------------


def test_plot_captions_name_the_water(boxes, layer):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontline.plot import plot_map, plot_shares

    table = fl.control_table(layer, "four", basis="land")
    ax = plot_shares(table)
    caption = next(t.get_text() for t in ax.texts if t.get_gid() == "caption")
    assert "Land basis: sea water taken out" in " ".join(caption.split())
    assert "Natural Earth (10m land" in " ".join(caption.split())
    ax = plot_map(layer, "four", line=False, basis="land", water=sea_frame())
    caption = next(t.get_text() for t in ax.texts if t.get_gid() == "caption")
    assert "user-supplied water mask" in " ".join(caption.split())
    plt.close("all")


# -- DeepState's published shares (issue 14, Done means) ---------------------

PUBLISHED = {
    "UA-09": 99.6,
    "UA-14": 78.1,
    "UA-23": 74.8,
    "UA-65": 72.0,
    "UA-63": 4.7,
    "UA-59": 1.0,
    "UA-12": 0.6,
}


@pytest.fixture(scope="module")
def deepstate_20260101():
    path = shared_file(
        "control", "deepstate_occupied_union", "deepstatemap_data_20260101.geojson"
    )
    return fl.read_control(path)


@pytest.fixture(scope="module")
def minregion_units():
    path = shared_file("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    return fl.read_boundaries(path)


@pytest.mark.shared
def test_minregion_land_embedded_mask_reproduces_deepstate(
    deepstate_20260101, minregion_units
):
    table = fl.control_table(
        deepstate_20260101, list(PUBLISHED), basis="land", boundaries=minregion_units
    ).set_index("region_id")
    diff = {rid: table.loc[rid, "occupied_pct"] - pct for rid, pct in PUBLISHED.items()}
    assert abs(diff["UA-23"]) <= 0.1
    assert abs(diff["UA-65"]) <= 0.6
    for rid in ("UA-09", "UA-14", "UA-63", "UA-59", "UA-12"):
        assert abs(diff[rid]) <= 0.1, (rid, diff[rid])
    # Without the land basis Zaporizhzhia and Kherson are off (the gap).
    geometry = fl.control_table(
        deepstate_20260101, ["UA-23", "UA-65"], boundaries=minregion_units
    ).set_index("region_id")
    assert geometry.loc["UA-23", "occupied_pct"] - 74.8 < -0.4
    assert geometry.loc["UA-65", "occupied_pct"] - 72.0 < -1.7


@pytest.mark.shared
def test_minregion_land_osm_mask_reproduces_deepstate(
    deepstate_20260101, minregion_units
):
    osm = shared_file("water", "osm_sea_ukraine.geojson")
    table = fl.control_table(
        deepstate_20260101,
        list(PUBLISHED),
        basis="land",
        boundaries=minregion_units,
        water=osm,
    ).set_index("region_id")
    for rid, pct in PUBLISHED.items():
        assert abs(table.loc[rid, "occupied_pct"] - pct) <= 0.1, rid
    assert table.attrs["water"].startswith("water mask: osm_sea_ukraine.geojson")


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.filterwarnings("ignore:the series has 1 gap:frontline.FrontlineWarning")
def test_timeseries_equals_control_table_under_land_on_real_data(minregion_units):
    folder = "deepstate_occupied_union"
    paths = [
        shared_file("control", folder, f"deepstatemap_data_{d}.geojson")
        for d in ("20250102", "20250201", "20260101")
    ]
    osm = shared_file("water", "osm_sea_ukraine.geojson")
    for water in (None, osm):
        series = timeseries(
            paths,
            "all",
            boundaries=minregion_units,
            basis="land",
            water=water,
            progress=False,
        )
        for path in paths:
            table = fl.control_table(
                path, "all", basis="land", boundaries=minregion_units, water=water
            ).set_index("region_id")
            layer_date = pd.Timestamp(fl.read_control(path).attrs["date"])
            day = series[
                (series.date == layer_date) & (series.status == "russian_held")
            ].set_index("region_id")
            np.testing.assert_allclose(
                day.area_km2, table.occupied_km2.loc[day.index], rtol=1e-9, atol=1e-6
            )
            np.testing.assert_allclose(
                day.share_pct, table.occupied_pct.loc[day.index], atol=1e-9
            )


def test_a_mask_that_swallows_a_unit_is_refused(boxes, layer):
    with pytest.raises(GeometryError, match=r"covers all of \['UA-14'\]"):
        fl.control_table(
            layer,
            "four",
            basis="land",
            boundaries=boxes,
            water=sea_frame(shapely.box(36.9, 46.9, 38.05, 48.1)),
        )
