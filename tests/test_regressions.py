"""Regressions found in review: each once gave a wrong figure or a crash."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline.cli import main


def boxes(**named):
    return fl.from_geodataframe(
        gpd.GeoDataFrame(
            {"region_id": list(named)}, geometry=list(named.values()), crs=4326
        ),
        column="region_id",
    )


def test_feature_with_overlapping_parts_is_counted_once():
    a = shapely.box(37, 47.5, 37.5, 48)
    b = shapely.box(37.25, 47.5, 37.75, 48)
    gdf = gpd.GeoDataFrame(geometry=[shapely.MultiPolygon([a, b])], crs=4326)
    with pytest.warns(fl.FrontlineWarning, match="parts that overlap each other"):
        layer = fl.read_control(gdf, date="2024-11-20")
    assert layer.geometry.is_valid.all()
    union = fl.area_km2(shapely.union(a, b))
    assert fl.area_km2(layer.geometry).sum() == pytest.approx(union, rel=1e-9)
    units = boxes(**{"UA-14": shapely.box(36, 47, 39, 49)})
    table = fl.control_table(layer, "UA-14", boundaries=units)
    series = fl.timeseries([layer], "UA-14", boundaries=units, progress=False)
    occupied = series[(series.region_id == "UA-14") & (series.status == "occupied")]
    assert table.occupied_km2.iloc[0] == pytest.approx(union, rel=1e-9)
    assert occupied.area_km2.iloc[0] == pytest.approx(union, rel=1e-9)


def test_timeseries_with_overlapping_units_gives_each_its_share():
    # A boundary set whose Crimea includes Sevastopol.
    units = boxes(
        **{
            "UA-43": shapely.box(32.5, 44.3, 36.6, 46.2),
            "UA-40": shapely.box(33, 44.5, 34, 45),
        }
    )
    layer = fl.read_control(
        gpd.GeoDataFrame(geometry=[shapely.box(33.1, 44.6, 33.9, 44.9)], crs=4326),
        date="2024-11-20",
    )
    table = fl.control_table(layer, ["UA-43", "UA-40"], boundaries=units).set_index(
        "region_id"
    )
    series = fl.timeseries(
        [layer], ["UA-43", "UA-40"], boundaries=units, progress=False
    )
    got = series[series.status == "occupied"].set_index("region_id").area_km2
    for rid in ("UA-43", "UA-40"):
        assert got[rid] == pytest.approx(table.loc[rid, "occupied_km2"], rel=1e-9)
        assert got[rid] > 2000


def test_boundaries_as_a_path_and_with_region_id_only(tmp_path):
    units = boxes(**{"UA-14": shapely.box(37, 47, 38, 48)})
    path = tmp_path / "units.geojson"
    units[["region_id", "geometry"]].to_file(path)
    layer = fl.read_control(
        gpd.GeoDataFrame(geometry=[shapely.box(37.5, 47, 38, 48)], crs=4326),
        date="2024-11-20",
    )
    expected = fl.area_km2(shapely.box(37.5, 47, 38, 48))
    series = fl.timeseries([layer], "UA-14", boundaries=str(path), progress=False)
    assert series.attrs["boundaries"]
    assert series[series.status == "occupied"].area_km2.iloc[0] == pytest.approx(
        expected, rel=1e-9
    )
    bare = units[["region_id", "geometry"]]
    for basis in ("geometry", "official"):
        table = fl.control_table(layer, "UA-14", boundaries=bare, basis=basis)
        assert table.name.iloc[0] == "Donetsk"
    with pytest.raises(fl.RegionNotFoundError, match="not Ukrainian units"):
        fl.load_regions("UA-14", boundaries=bare.assign(region_id="XX-1"))


def test_change_with_a_status_in_neither_map(capsys, tmp_path):
    a = tmp_path / "a.geojson"
    b = tmp_path / "b.geojson"
    for path, day in ((a, "2024-11-01"), (b, "2024-11-08")):
        gpd.GeoDataFrame(
            {"date": [day]}, geometry=[shapely.box(37.5, 47.5, 38.0, 48.0)], crs=4326
        ).to_file(path)
    code = main(["change", str(a), str(b), "--status", "contested"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "nothing was gained or lost" in out


def test_folder_scan_skips_json_tables(tmp_path):
    gpd.GeoDataFrame(
        {"date": ["2024-11-01"]},
        geometry=[shapely.box(37.5, 47.5, 38.0, 48.0)],
        crs=4326,
    ).to_file(tmp_path / "2024-11-01.geojson")
    (tmp_path / "daily_areas.json").write_text(json.dumps([{"date": "2024-11-01"}]))
    series = fl.timeseries(tmp_path, "UA-14", progress=False)
    assert sorted(set(series.date)) == [pd.Timestamp("2024-11-01")]


def test_output_into_a_missing_directory(capsys, tmp_path):
    code = main(["report", "-o", str(tmp_path / "nodir" / "x.csv")])
    _, err = capsys.readouterr()
    assert code == 1
    assert "does not exist; create it first" in err.splitlines()[-1]


def test_date_column_with_times_of_one_day():
    gdf = gpd.GeoDataFrame(
        {"date": ["2024-11-20T10:00:00", "2024-11-20T18:00:00"]},
        geometry=[shapely.box(37, 47, 37.5, 48), shapely.box(37.5, 47, 38, 48)],
        crs=4326,
    )
    assert fl.read_control(gdf, status="occupied").attrs["date"] == dt.date(
        2024, 11, 20
    )
    gdf.loc[1, "date"] = "2024-11-21T01:00:00"
    assert fl.read_control(gdf, status="occupied").attrs["date"] is None
