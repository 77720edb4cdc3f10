"""Zones: any polygons with an id column stand in for the regions (issue 15)."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import io
import json
import sys
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import zones as zmod
from frontline.cli import main
from frontline.errors import (
    ChecksumError,
    CRSError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
    UnsupportedFormatError,
)
from frontline.zones import read_zones, select_units

from .conftest import shared_file

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
NPP = (34.5856, 47.5119)  # Zaporizhzhia nuclear power plant (lon, lat)


# -- fixtures ---------------------------------------------------------------
@pytest.fixture(scope="module")
def hromadas():
    """About 1,500 generated hromada-like zones (benchmarks/hromada_like.py)."""
    spec = importlib.util.spec_from_file_location(
        "hromada_like", ROOT / "benchmarks" / "hromada_like.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hromada_like", module)
    spec.loader.exec_module(module)
    return module.build_zones(1500)


@pytest.fixture(scope="module")
def units():
    return fl.load_regions("all")


@pytest.fixture(scope="module")
def circle():
    """A 30 km circle around the Zaporizhzhia NPP, in EPSG:4326."""
    npp = gpd.GeoSeries([shapely.Point(*NPP)], crs=4326)
    aeqd = f"+proj=aeqd +lat_0={NPP[1]} +lon_0={NPP[0]} +ellps=WGS84"
    ring = npp.to_crs(aeqd).buffer(30_000, quad_segs=64).to_crs(4326)
    return gpd.GeoDataFrame({"zone": ["ZNPP 30 km"]}, geometry=ring)


@pytest.fixture(scope="module")
def sample():
    return fl.load_sample()


def boxes(*specs, crs=4326, **columns):
    return gpd.GeoDataFrame(columns, geometry=[shapely.box(*s) for s in specs], crs=crs)


# -- reading a zone set -------------------------------------------------------
def test_read_zones_schema_and_any_crs():
    raw = boxes((37, 48, 37.5, 48.5), (37.5, 48, 38, 48.5), id=[7, 8], label=["a", "b"])
    projected = raw.to_crs(3857)
    zones = read_zones(projected, zone_id="id", zone_name="label")
    assert zones.columns.tolist() == ["region_id", "name", "geometry"]
    assert zones.region_id.tolist() == ["7", "8"]
    assert zones.name.tolist() == ["a", "b"]
    assert zones.crs.equals("EPSG:4326")
    assert zones.attrs["zones"]["crs"] == "EPSG:3857"
    np.testing.assert_allclose(
        fl.area_km2(zones.geometry), fl.area_km2(raw.geometry), rtol=1e-6
    )
    assert zones.attrs["zones"]["checks"]["overlaps"]["pairs"] == 0
    assert zones.attrs["zones"]["checks"]["gaps"]["count"] == 0
    # already read: returned as it is
    assert read_zones(zones) is zones


def test_read_zones_refuses_what_cannot_be_measured(tmp_path):
    raw = boxes((37, 47, 38, 48), id=["a"])
    with pytest.raises(CRSError, match="have no CRS"):
        read_zones(raw.set_crs(None, allow_override=True), zone_id="id")
    with pytest.raises(OptionError, match=r"zone_id column 'code' not found"):
        read_zones(raw, zone_id="code")
    with pytest.raises(OptionError, match=r"Pass zone_id=COLUMN \(CLI: --zone-id"):
        read_zones(raw)
    holes = boxes((37, 47, 38, 48), (38, 47, 39, 48), id=["a", None])
    with pytest.raises(
        OptionError, match=r"1 feature\(s\) have no 'id' \(features 1\)"
    ):
        read_zones(holes, zone_id="id")
    points = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(37, 47)], crs=4326)
    with pytest.raises(GeometryError, match="a zone must be an area"):
        read_zones(points, zone_id="id")
    with pytest.raises(InputFileNotFoundError, match="is not a registered zone set"):
        read_zones(tmp_path / "nope.gpkg", zone_id="id")
    with pytest.raises(OptionError, match="got int"):
        read_zones(3, zone_id="id")


def test_duplicates_overlaps_gaps_repairs_are_reported_not_fatal():
    bow = shapely.Polygon([(31, 48), (31.5, 48.5), (31.5, 48), (31, 48.5)])
    ring = shapely.box(32, 50, 33, 51).difference(shapely.box(32.4, 50.4, 32.6, 50.6))
    raw = gpd.GeoDataFrame(
        {"id": ["a", "b", "a", "c", "d", "e", "f"]},
        geometry=[
            shapely.box(30, 49, 30.5, 49.5),
            shapely.box(30.4, 49, 31, 49.5),  # overlaps a by 0.1°
            shapely.box(30, 49.5, 30.5, 50),  # a's second part
            bow,  # invalid
            None,  # dropped
            ring,  # a hole ...
            shapely.box(31.8, 50.9, 32, 51.1),  # ... and a neighbour
        ],
        crs=4326,
    )
    with pytest.warns(FrontlineWarning) as caught:
        zones = read_zones(raw, zone_id="id")
    text = " ".join(str(w.message) for w in caught)
    assert "merged into one zone each: 'a' (2)" in text
    assert "repaired 1 invalid polygon" in text
    assert "dropped 1 feature(s) without geometry" in text
    assert "1 pair(s) of zones overlap" in text
    assert "1 gap(s)" in text
    assert zones.region_id.tolist() == ["a", "b", "c", "e", "f"]
    checks = zones.attrs["zones"]["checks"]
    assert checks["merged"] == {"a": 2}
    assert checks["features"] == 7
    assert checks["zones"] == 5
    assert checks["overlaps"]["largest"][0]["zones"] == ["a", "b"]
    assert checks["overlaps"]["km2"] == pytest.approx(
        fl.area_km2(shapely.box(30.4, 49, 30.5, 49.5)), rel=1e-9
    )
    assert checks["gaps"]["km2"] == pytest.approx(
        fl.area_km2(shapely.box(32.4, 50.4, 32.6, 50.6)), rel=1e-9
    )
    assert all(zones.is_valid)


def test_area_outside_ukraine_is_reported():
    sea = boxes((33, 44, 34, 45), id=["z"])  # mostly Black Sea
    with pytest.warns(FrontlineWarning, match=r"lie outside Ukraine's outline"):
        zones = read_zones(sea, zone_id="id")
    assert zones.attrs["zones"]["checks"]["outside_ukraine_km2"] > 5000


def test_parent_levels_iso_oblasts_and_split_names():
    raw = boxes(
        (37, 48, 37.5, 48.5),
        (37.5, 48, 38, 48.5),
        (35, 47.5, 35.5, 48),
        id=["h1", "h2", "h3"],
        raion=["Central", "Central", "Central"],
        oblast=["Донецька область", "Донецька область", "Zaporizhzhia"],
    )
    zones = read_zones(raw, zone_id="id", zone_parent="raion, oblast")
    assert zones.raion.tolist() == [
        "Central (UA-14)",
        "Central (UA-14)",
        "Central (UA-23)",
    ]
    assert zones.oblast.tolist() == ["UA-14", "UA-14", "UA-23"]
    names = zones.attrs["zones"]["group_names"]
    assert names["UA-14"] == "Donetsk"
    assert names["Central (UA-23)"] == "Central (Zaporizhzhia)"
    clash = raw.assign(oblast=["h1", "h1", "h3"])
    with pytest.raises(OptionError, match=r"parent value\(s\) \['h1', 'h3'\] are also"):
        read_zones(clash, zone_id="id", zone_parent="oblast")


def test_select_units_by_id_group_oblast_name(hromadas):
    options = {
        "zones": hromadas,
        "zone_id": "code",
        "zone_parent": ["raion", "oblast_id"],
    }
    every = select_units("four", default="four", **options)
    assert len(every.frame) == len(hromadas)
    donetsk = select_units("Donetsk", default="four", **options)
    assert set(donetsk.frame.region_id.str[:4]) == {"UA14"}
    assert "UA-14" in donetsk.groups
    assert donetsk.label("UA-14") == "Donetsk"
    one = select_units("UA14-0001", default="four", **options)
    assert one.ids == ("UA14-0001",)
    assert one.groups == {}  # partial groups get no row
    raion = hromadas.raion.iloc[0]
    assert set(select_units(raion, default=None, **options).ids) == set(
        hromadas.code[hromadas.raion == raion]
    )
    with pytest.raises(RegionNotFoundError, match="did you mean 'UA14-00"):
        select_units("UA14-001", default="four", **options)
    with pytest.raises(OptionError, match="describe a zone set; pass the zones"):
        select_units("four", default="four", zone_id="code")


# -- the report contract and conservation ---------------------------------------
@pytest.mark.parametrize("column", ["region_id", "name", "name_uk", "number"])
def test_zones_of_the_27_units_give_exactly_the_regions_figures(units, sample, column):
    regions = fl.control_table(sample, "all")
    zoned = units.assign(number=np.arange(len(units)) + 100)
    table = fl.control_table(sample, zones=zoned, zone_id=column)
    assert len(table) == 27
    key = zoned[column].astype(str).to_numpy()
    assert table.region_id.tolist() == key.tolist()
    assert table.columns.tolist() == regions.columns.tolist()
    mine = table.set_index(units.region_id.to_numpy())
    theirs = regions.set_index("region_id").loc[units.region_id]
    numbers = [c for c in regions.columns if c.endswith(("_km2", "_pct"))]
    pd.testing.assert_frame_equal(
        mine[numbers], theirs[numbers], check_exact=True, check_names=False
    )
    assert table.attrs["zones"]["id_column"] == column


def test_zone_rows_then_parent_rows(units, sample):
    zoned = units.assign(half=np.where(units.index < 13, "west", "east"))
    table = fl.control_table(sample, zones=zoned, zone_parent="half")
    assert table.region_id.tolist()[-2:] == ["west", "east"]
    parts = table.iloc[:27].groupby(zoned.half.to_numpy()).sum(numeric_only=True)
    for group in ("west", "east"):
        row = table.set_index("region_id").loc[group]
        assert row.occupied_km2 == pytest.approx(parts.loc[group, "occupied_km2"])
        assert row.area_km2 == pytest.approx(parts.loc[group, "area_km2"])
    with pytest.raises(OptionError, match="basis='official'"):
        fl.control_table(sample, zones=zoned, basis="official")
    with pytest.raises(OptionError, match="boundaries= and zones= both"):
        fl.control_table(sample, zones=zoned, boundaries=units)


def test_circle_around_the_npp(circle, sample):
    table = fl.control_table(sample, zones=circle, zone_id="zone")
    row = table.iloc[0]
    assert row.region_id == row["name"] == "ZNPP 30 km"
    assert row.area_km2 == pytest.approx(np.pi * 30**2, rel=2e-3)
    assert 0 < row.occupied_pct < 100
    assert row.occupied_pct + row.contested_pct + row.held_pct == pytest.approx(100)


def test_timeseries_of_the_27_units_as_zones_is_exact(units, sample):
    moved = fl.read_control(
        gpd.GeoDataFrame(geometry=[shapely.box(37, 47, 38.2, 48.4)], crs=4326),
        date="2024-12-01",
    )
    regions = fl.timeseries([sample, moved], "all", progress=False)
    zoned = fl.timeseries(
        [sample, moved], zones=units, zone_id="name_uk", progress=False
    )
    ids = dict(zip(units.name_uk, units.region_id, strict=True))
    zoned["region_id"] = zoned.region_id.map(ids)
    cols = ["date", "region_id", "status", "area_km2", "share_pct"]
    left = regions[regions.region_id.isin(units.region_id)][cols]
    pd.testing.assert_frame_equal(
        left.sort_values(cols[:3], ignore_index=True),
        zoned[cols].sort_values(cols[:3], ignore_index=True),
        check_exact=True,
    )


@pytest.mark.slow
@pytest.mark.shared
def test_hromada_like_zones_sum_to_the_oblasts_on_real_maps(hromadas):
    folder = shared_file("control", "deepstate_union_archive")
    files = sorted(folder.glob("deepstatemap_data_2025*.geojson"))[::40]
    options = {"zones": hromadas, "zone_id": "code", "zone_parent": "oblast_id"}
    oblasts = fl.timeseries(files, "all", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrontlineWarning)  # gaps between dates
        zoned = fl.timeseries(files, progress=False, **options)
    key = ["date", "region_id", "status"]
    a = oblasts[oblasts.region_id.str.startswith("UA-")].set_index(key).area_km2
    b = zoned.set_index(key).area_km2.reindex(a.index)
    assert np.abs(a - b).max() < 1e-6
    layer = fl.read_control(files[-1])
    table = fl.control_table(layer, **options).set_index("region_id")
    report = fl.control_table(layer, "all").set_index("region_id").iloc[:27]
    for col in ("area_km2", "occupied_km2", "contested_km2", "held_km2"):
        assert np.abs(table.loc[report.index, col] - report[col]).max() < 1e-6


def test_change_and_changes_per_zone(units):
    def layer(x, date):
        gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47.5, x, 48)], crs=4326)
        return fl.read_control(gdf, date=date)

    zoned = units.assign(half=np.where(units.index < 13, "west", "east"))
    before, after = layer(37.5, "2024-11-17"), layer(37.6, "2024-11-24")
    regions = fl.change(before, after, "all")
    table = fl.change(before, after, zones=zoned, zone_parent="half")
    mine = table.set_index("region_id").loc["UA-14"]
    assert mine.gained_km2 == regions.set_index("region_id").loc["UA-14"].gained_km2
    assert table.region_id.tolist()[-2:] == ["west", "east"]
    series = fl.changes(
        [before, after, layer(37.55, "2024-12-01")], "D", zones=zoned, progress=False
    )
    assert series.attrs["zones"]["zones"] == 27
    assert len(series) == 2 * 27
    polys = fl.change_polygons(before, after, zones=zoned)
    assert set(polys.region_id) == {"UA-14"}


def test_dask_local_cluster_gives_the_same_zone_figures(hromadas, tmp_path):
    distributed = pytest.importorskip("distributed")
    files = []
    for day in range(1, 5):
        path = tmp_path / f"map_2024-11-0{day}.geojson"
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-0{day}"]},
            geometry=[shapely.box(37 + 0.05 * day, 47, 38.5, 48.3)],
            crs=4326,
        ).to_file(path)
        files.append(path)
    options = {"zones": hromadas, "zone_id": "code", "zone_parent": "oblast_id"}
    serial = fl.timeseries(files, "UA-14", progress=False, **options)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = fl.timeseries(
            files, "UA-14", parallel=client, progress=False, **options
        )
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)
    assert serial.region_id.iloc[-1] == "UA-14"


# -- lines, scenarios, people ---------------------------------------------------
@pytest.mark.slow
def test_line_lengths_per_zone(units, hromadas, sample):
    line = fl.front_line(sample)
    regions = fl.line_lengths(line)
    zoned = fl.line_lengths(line, zones=units)
    total = zoned.set_index("region_id").loc["total", "length_km"]
    assert total == pytest.approx(line.length_km.sum(), rel=1e-9)
    mine = zoned.set_index("region_id").length_km
    # The line traced through frontline.tolerance runs along the sample's
    # oblast border on the Kakhovka reservoir, a hair (< 1e-9 degrees) off
    # it: the two cuts attribute a few millimetres differently there.
    for rid, km in regions.set_index("region_id").length_km.items():
        assert mine[rid] == pytest.approx(km, rel=1e-9, abs=1e-5), rid
    fine = fl.line_lengths(
        line, zones=hromadas, zone_id="code", zone_parent="oblast_id"
    ).set_index("region_id")
    assert fine.loc["total", "length_km"] == pytest.approx(total, rel=1e-6)
    assert fine.loc["UA-14", "length_km"] == pytest.approx(mine["UA-14"], rel=1e-6)
    assert fine.loc["total", "name"] == "all zones"


@pytest.mark.slow
def test_distance_bands_per_zone(units, sample):
    regions = fl.distance_bands(sample, regions="four")
    zoned = fl.distance_bands(
        sample, zones=units[units.region_id.isin(["UA-14", "UA-23"])]
    ).set_index(["region_id", "band"])
    theirs = regions.set_index(["region_id", "band"])
    for key in zoned.index:
        assert zoned.loc[key, "area_km2"] == theirs.loc[key, "area_km2"]


def test_withdraw_and_cede_by_zone(circle, sample):
    ceded = fl.cede(sample, zones=circle, zone_id="zone")
    row = fl.control_table(ceded, zones=circle, zone_id="zone").iloc[0]
    assert row.occupied_pct == pytest.approx(100)
    assert "ZNPP 30 km" in ceded.attrs["scenario"]["steps"][0]["regions"]
    freed = fl.withdraw(sample, zones=circle, zone_id="zone")
    table = fl.scenario_table(freed, zones=circle, zone_id="zone")
    assert table.after_occupied_km2.iloc[0] == pytest.approx(0, abs=1e-6)
    assert table.to_held_km2.iloc[0] == pytest.approx(table.before_occupied_km2.iloc[0])
    with pytest.raises(OptionError, match="both say what to measure"):
        fl.cede(sample, zones=circle, zone_id="zone", boundaries=fl.load_regions("all"))


def test_places_and_people_per_zone(units, circle, sample):
    regions = fl.population_table(sample, "four")
    four = units[units.region_id.isin(["UA-14", "UA-09", "UA-23", "UA-65"])]
    zoned = fl.population_table(sample, zones=four)
    numbers = [c for c in regions.columns if c not in ("region_id", "name")]
    mine = zoned.set_index("region_id").loc[list(four.region_id), numbers]
    theirs = regions.set_index("region_id").loc[list(four.region_id), numbers]
    pd.testing.assert_frame_equal(mine, theirs)
    places = fl.settlements_status(sample, zones=circle, zone_id="zone")
    assert set(places.zone_id) == {"ZNPP 30 km"}
    assert "Enerhodar" in set(places.name)
    assert places.columns.tolist()[4:6] == ["zone_id", "zone_name"]


# -- maps -------------------------------------------------------------------------
@pytest.mark.slow
def test_choropleth_of_many_zones(hromadas, sample):
    import matplotlib.pyplot as plt

    ax = fl.plot_map(
        sample, "Donetsk", zones=hromadas, zone_id="code", zone_parent="oblast_id"
    )
    fills = [c for c in ax.collections if str(c.get_gid()).startswith("share_")]
    assert fills
    drawn = sum(len(c.get_paths()) for c in fills)
    assert drawn == (hromadas.oblast_id == "UA-14").sum()
    labels = [t for t in ax.texts if t.get_gid() == "region_label"]
    assert labels  # some fit ...
    assert len(labels) < drawn + 1  # ... never more than one per zone
    renderer = ax.figure.canvas.get_renderer()
    zones = read_zones(hromadas, zone_id="code").set_index("name")
    for text in labels:
        box = text.get_window_extent(renderer)
        corners = ax.transData.inverted().transform(
            [[box.x0, box.y0], [box.x1, box.y1]]
        )
        inside = shapely.box(*corners[0], *corners[1])
        assert any(shapely.contains(g, inside) for g in zones.geometry)
    caption = next(t for t in ax.texts if t.get_gid() == "caption").get_text()
    caption = " ".join(caption.split())
    assert "(ids from column 'code')" in caption  # the short caption's credits
    assert ax.get_legend().get_title().get_text() == "Russian-held share (zones)"
    plt.close("all")
    ax = fl.plot_map(
        sample,
        "Donetsk",
        zones=hromadas,
        zone_id="code",
        zone_parent="oblast_id",
        caption="full",
    )
    caption = " ".join(
        next(t for t in ax.texts if t.get_gid() == "caption").get_text().split()
    )
    assert "Russian-held share of each zone's area" in caption
    assert "Labels on the" in caption
    plt.close("all")


@pytest.mark.slow
def test_country_map_of_many_zones_has_no_scattered_labels(hromadas, sample):
    """At country zoom a few zones could take a label: then none does."""
    import matplotlib.pyplot as plt

    ax = fl.plot_map(sample, "all", zones=hromadas, zone_id="code")
    assert not [t for t in ax.texts if t.get_gid() == "region_label"]
    caption = next(t for t in ax.texts if t.get_gid() == "caption").get_text()
    assert "Labels on the" not in caption
    plt.close("all")


@pytest.mark.slow
def test_status_map_of_one_zone_and_explore(circle, sample):
    import matplotlib.pyplot as plt

    pytest.importorskip("folium")
    ax = fl.plot_map(sample, zones=circle, zone_id="zone", choropleth=False)
    assert ax.get_title(loc="left").startswith("Territorial control: ZNPP 30 km")
    label = next(t for t in ax.texts if t.get_gid() == "region_label")
    assert label.get_text().startswith("ZNPP 30 km")
    plt.close("all")
    html = fl.explore(sample, zones=circle, zone_id="zone").get_root().render()
    assert "ZNPP 30 km" in html
    assert "zones: 95 % or more" in html  # the share classes in the legend
    assert "Zones: user-supplied zones" in html


# -- command line ---------------------------------------------------------------
@pytest.fixture(scope="module")
def zone_file(hromadas, tmp_path_factory):
    path = tmp_path_factory.mktemp("zones") / "zones.gpkg"
    hromadas.to_crs(3857).to_file(path)  # another CRS on purpose
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_cli_report_timeseries_change_map_with_zones(
    zone_file, sample, tmp_path, capsys
):
    control = tmp_path / "control.geojson"
    sample.to_file(control)
    dated = {}
    for name, x, day in (("before", 38.2, "2024-11-01"), ("after", 38.4, "2024-11-30")):
        dated[name] = tmp_path / f"{name}.geojson"
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [day]},
            geometry=[shapely.box(37, 47.5, x, 48.5)],
            crs=4326,
        ).to_file(dated[name])
    zones = ["--zones", zone_file, "--zone-id", "code", "--zone-parent", "oblast_id"]
    code, out, _ = run(["report", control, *zones, "--format", "csv"], capsys)
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table.columns[:3].tolist() == ["region_id", "name", "area_km2"]
    assert len(table) == 1500 + 27
    code, out, _ = run(
        ["report", control, *zones, "--regions", "Donetsk", "--format", "json"], capsys
    )
    doc = json.loads(out)
    assert doc["rows"][-1]["region_id"] == "UA-14"
    assert doc["meta"]["zones"]["id_column"] == "code"
    code, out, _ = run(
        ["timeseries", control, "--date", "2024-11-20", *zones, "--format", "csv"],
        capsys,
    )
    assert code == 2  # --date is not an option of timeseries
    code, out, _ = run(
        ["change", dated["before"], dated["after"], *zones, "--regions", "UA-14"],
        capsys,
    )
    assert code == 0, out
    assert "UA14-0001" in out
    png = tmp_path / "map.png"
    code, _, err = run(
        ["map", control, *zones, "--regions", "UA-14", "-o", png], capsys
    )
    assert code == 0, err
    assert png.stat().st_size > 10_000
    code, _, err = run(["map", control, *zones, "-o", tmp_path / "a.gif"], capsys)
    assert code == 1
    assert "animations show the regions" in err
    code, _, err = run(["report", control, "--zones-sha256", "0" * 64], capsys)
    assert code == 1
    assert "needs --zones NAME" in err
    code, _, err = run(["report", control, "--zone-id", "code"], capsys)
    assert code == 1
    assert "pass the zones too" in err


def test_cli_timeseries_with_zones(zone_file, tmp_path, capsys):
    for day in (1, 2):
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-0{day}"]},
            geometry=[shapely.box(37, 47, 37.5 + 0.1 * day, 48)],
            crs=4326,
        ).to_file(tmp_path / f"m{day}.geojson")
    code, out, err = run(
        [
            "timeseries",
            tmp_path / "m1.geojson",
            tmp_path / "m2.geojson",
            "--zones",
            zone_file,
            "--zone-id",
            "code",
            "--regions",
            "UA14-0001,UA14-0002",
            "--format",
            "csv",
        ],
        capsys,
    )
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert set(table.region_id) == {"UA14-0001", "UA14-0002"}
    assert set(table.date) == {"2024-11-01", "2024-11-02"}


# -- named sets, fetched on demand ------------------------------------------------
class _Files:
    """A tiny local HTTP server of fixed files."""

    def __init__(self, files):
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler):
                body = files.get(handler.path)
                handler.send_response(200 if body is not None else 404)
                handler.send_header("Content-Length", str(len(body or b"")))
                handler.end_headers()
                handler.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "cache"))
    zmod._fetched.cache_clear()
    files = {
        "/rayon.geojson": (DATA / "minregion_rayon_fixture.geojson").read_bytes(),
        "/terhromad.geojson": (
            DATA / "minregion_terhromad_fixture.geojson"
        ).read_bytes(),
    }
    server = _Files(files)
    for name, path in (
        ("minregion-2020-raions", "/rayon.geojson"),
        ("minregion-2020-hromadas", "/terhromad.geojson"),
    ):
        entry = dataclasses.replace(
            zmod.ZONE_SETS[name], urls=(server.url(path),), features=(1, 20)
        )
        monkeypatch.setitem(zmod.ZONE_SETS, name, entry)
    yield files
    server.close()
    zmod._fetched.cache_clear()


def test_named_set_unverified_is_marked_and_warned(served):
    body = served["/terhromad.geojson"]
    with pytest.warns(FrontlineWarning, match="is not verified by checksum"):
        zones = fl.fetch_zones("minregion-2020-hromadas")
    meta = zones.attrs["zone_set"]
    assert meta["verified"] is False
    assert meta["sha256"] == hashlib.sha256(body).hexdigest()
    assert "10 features" in meta["integrity"]
    assert "CC BY-SA" in zones.attrs["boundary_source"]
    assert "© Мінрегіон" in zones.attrs["boundary_source"]
    assert len(zones) == 10
    assert zones.region_id.iloc[0] == "UA14120070000012345"  # COD_3
    assert "Лиманська" in set(zones.name)  # the Latin 'a' replaced
    assert set(zones.ADMIN_1) == {"UA-14", "UA-23"}
    table = fl.control_table(fl.load_sample(), zones=zones).set_index("region_id")
    assert table.loc["UA-14", "name"] == "Donetsk"
    assert table.loc["Покровський район", "area_km2"] > 0


def test_named_set_verified_by_known_hash(served):
    body = served["/rayon.geojson"]
    good = hashlib.sha256(body).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zones = fl.fetch_zones("minregion-2020-raions", known_hash=good)
    assert zones.attrs["zone_set"]["verified"] is True
    assert zones.region_id.tolist()[0] == "UA14120000000011111"
    zmod._fetched.cache_clear()
    with pytest.raises(ChecksumError, match="is not the expected one"):
        fl.fetch_zones("minregion-2020-raions", known_hash="0" * 64)


def test_named_set_that_does_not_look_right_is_refused(served, monkeypatch):
    entry = dataclasses.replace(
        zmod.ZONE_SETS["minregion-2020-raions"], features=(120, 160)
    )
    monkeypatch.setitem(zmod.ZONE_SETS, "minregion-2020-raions", entry)
    with pytest.raises(UnsupportedFormatError, match=r"4 features, expected 120–160"):
        fl.fetch_zones("minregion-2020-raions")
    with pytest.raises(RegionNotFoundError, match="unknown zone set 'hromadas'"):
        fl.fetch_zones("hromadas")


def test_zone_sets_record_licence_and_pin_a_commit():
    for name, entry in fl.ZONE_SETS.items():
        assert entry.sha256 is None, name  # none could be established
        assert "CC BY-SA" in entry.licence
        assert "Мінрегіон" in entry.attribution
        assert all("3209590ce744c88114395a1e2df0fd439a7dc4f8" in u for u in entry.urls)


# -- the tile engine keeps km² per piece, not per tile × region ---------------
def test_tile_engine_memory_does_not_scale_with_regions_times_tiles(hromadas):
    from frontline._tiles import TileOverlay

    geoms = np.asarray(hromadas.geometry.values, dtype=object)
    engine = TileOverlay(geoms)
    layer = shapely.box(37, 47, 38, 48)
    got = engine.measure(layer, "occupied")
    want = fl.area_km2(shapely.intersection(geoms, layer))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    dense = engine.nx * engine.ny * len(geoms) * 8
    held = engine._slot_km2.nbytes + sum(v.nbytes for v in engine._km2.values())
    assert held < dense / 100


def test_series_cache_keeps_zones_apart(units, tmp_path):
    files = []
    for day in (1, 2):
        path = tmp_path / f"m{day}.geojson"
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-0{day}"]},
            geometry=[shapely.box(37, 47.5, 37.5 + 0.1 * day, 48)],
            crs=4326,
        ).to_file(path)
        files.append(path)
    halves = units.assign(code=[f"z{i}" for i in range(len(units))])
    first = fl.timeseries(files, zones=halves, zone_id="code", progress=False)
    again = fl.timeseries(files, zones=halves, zone_id="code", progress=False)
    assert first.attrs["cache"]["measured"] == 2
    assert again.attrs["cache"]["cached"] == 2
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    # Same geometries under other ids, or the regions: another cache file.
    regions = fl.timeseries(files, "all", progress=False)
    assert regions.attrs["cache"]["cached"] == 0
    assert regions.attrs["cache"]["file"] != first.attrs["cache"]["file"]


def test_zones_on_the_land_basis(circle, sample):
    land = fl.control_table(sample, zones=circle, zone_id="zone", basis="land")
    geometry = fl.control_table(sample, zones=circle, zone_id="zone")
    assert land.attrs["basis"] == "land"
    assert land.area_km2.iloc[0] <= geometry.area_km2.iloc[0]
    assert land.occupied_km2.iloc[0] <= geometry.occupied_km2.iloc[0] + 1e-9


# -- zones with the geometric tolerance (issue 13) ------------------------------
def test_change_per_zone_reports_noise_as_the_regions_do(units):
    def layer(date, *boxes):
        gdf = gpd.GeoDataFrame(
            {"status": ["occupied"] * len(boxes)},
            geometry=[shapely.box(*b) for b in boxes],
            crs=4326,
        )
        return fl.read_control(gdf, date=date)

    before = layer("2025-08-01", (36.0, 47.3, 37.5, 47.8))
    # The southern edge redrawn 22 m further out (noise) and an advance of
    # 2.3 km (drawn), across two oblasts.
    after = layer(
        "2025-08-08",
        (36.0, 47.3, 37.5, 47.8),
        (36.0, 47.3 - 0.0002, 37.5, 47.3),
        (37.5, 47.4, 37.53, 47.7),
    )
    whole = fl.change_polygons(before, after)
    polys = fl.change_polygons(before, after, zones=units)
    assert set(polys.region_id) == {"UA-14", "UA-23"}
    assert polys.noise_km2.sum() == pytest.approx(whole.noise_km2.sum(), rel=1e-9)
    assert polys.area_km2.sum() == pytest.approx(whole.area_km2.sum(), rel=1e-9)
    jitter = shapely.box(36.0, 47.3 - 0.0002, 37.5, 47.3)
    assert polys.noise_km2.sum() == pytest.approx(fl.area_km2(jitter), rel=1e-6)
    zoned = fl.change(before, after, zones=units).set_index("region_id")
    regions = fl.change(before, after, "all").set_index("region_id")
    for rid in ("UA-14", "UA-23"):
        for col in ("gained_km2", "gained_noise_km2", "lost_noise_km2"):
            assert zoned.loc[rid, col] == regions.loc[rid, col], (rid, col)
        assert zoned.loc[rid, "gained_noise_km2"] == pytest.approx(
            polys.set_index("region_id").loc[rid, "noise_km2"], rel=1e-6
        )
    assert zoned.attrs["tolerance"] == fl.DEFAULT_TOLERANCE.to_attrs()
    series = fl.changes([before, after], "D", zones=units, progress=False)
    assert series.set_index("region_id").loc[
        "UA-23", "gained_noise_km2"
    ] == pytest.approx(zoned.loc["UA-23", "gained_noise_km2"], rel=1e-9)
    assert series.attrs["zones"]["zones"] == 27


@pytest.mark.slow
def test_zone_lines_are_traced_through_the_tolerance(units, sample):
    tol = fl.Tolerance(border_m=8000)
    line = fl.front_line(sample, tolerance=tol)
    lengths = fl.line_lengths(line, zones=units)
    assert lengths.attrs["tolerance"] == tol.to_attrs()
    assert lengths.attrs["zones"]["zones"] == 27
    four = units[units.region_id.isin(["UA-14", "UA-23"])]
    bands = fl.distance_bands(sample, zones=four, tolerance=tol)
    assert bands.attrs["tolerance"] == tol.to_attrs()
    assert set(bands.region_id) == {"UA-14", "UA-23"}
    with pytest.warns(FutureWarning, match="tolerance_km is deprecated"):
        old = fl.distance_bands(sample, zones=four, tolerance_km=8)
    assert old.attrs["tolerance"] == tol.to_attrs()


@pytest.mark.slow
def test_zone_maps_state_the_tolerance_in_full_captions(circle, sample):
    import matplotlib.pyplot as plt

    from frontline.plot._caption import tolerance_text

    pytest.importorskip("folium")
    said = tolerance_text(fl.DEFAULT_TOLERANCE)

    def caption(ax):
        text = next(t for t in ax.texts if t.get_gid() == "caption").get_text()
        return " ".join(text.split())

    for choropleth in (True, False):
        options = {"zones": circle, "zone_id": "zone", "choropleth": choropleth}
        assert said in caption(fl.plot_map(sample, caption="full", **options))
        assert said not in caption(fl.plot_map(sample, **options))
    plt.close("all")
    html = fl.explore(sample, zones=circle, zone_id="zone", caption="full")
    page = html.get_root().render()
    assert said in page and "Zones: user-supplied zones" in page
