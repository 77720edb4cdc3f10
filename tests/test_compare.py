"""Tests for :func:`frontline.compare.compare_sources`.

Synthetic layers are boxes that lie entirely inside one oblast, so every
expected km² is the geodesic area of a shapely construction; the real check
puts DeepState, ISW and NZZ of late November 2024 side by side.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import FrontlineWarning, OptionError, RegionNotFoundError, area_km2
from frontline.compare import COMPARE_COLUMNS, KINDS, compare_sources

from .conftest import shared_file

if TYPE_CHECKING:
    from pathlib import Path

REL = 1e-9

# All inside Donetsk (UA-14) ...
A = shapely.box(37.3, 47.9, 37.6, 48.1)
B = shapely.box(37.4, 47.9, 37.7, 48.1)
C = shapely.box(37.35, 47.95, 37.65, 48.05)
GREY = shapely.box(37.6, 47.9, 37.7, 48.0)
# ... inside Zaporizhzhia (UA-23), Crimea (UA-43) and Luhansk (UA-09).
ZAP = shapely.box(35.5, 47.2, 35.8, 47.4)
CRIMEA = shapely.box(33.9, 44.8, 34.6, 45.4)
LUHANSK = shapely.box(39.0, 48.4, 39.4, 48.7)


def km2(geom: Any) -> float:
    return float(area_km2(geom))


def layer(
    occupied: list[Any],
    contested: tuple[Any, ...] = (),
    *,
    date: str = "2024-11-20",
    coverage: dict[str, bool] | None = None,
) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"status": ["occupied"] * len(occupied) + ["contested"] * len(contested)},
        geometry=[*occupied, *contested],
        crs=4326,
    )
    out = fl.read_control(gdf, date=date)
    if coverage is not None:
        out.attrs["coverage"] = coverage
    return out


FULL = {"crimea": True, "pre_2022_donbas": True}


def cell(table: pd.DataFrame, rid: str, kind: str, source: str, other: Any = None):
    rows = table[
        (table.region_id == rid) & (table.kind == kind) & (table.source == source)
    ]
    if other is not None:
        rows = rows[rows.other == other]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_two_sources_known_disagreement() -> None:
    a, b = layer([A], (GREY,), coverage=FULL), layer([B], date="2024-11-21")
    b.attrs["coverage"] = FULL
    table = compare_sources({"A": a, "B": b}, "Donetsk")
    assert list(table.columns) == COMPARE_COLUMNS
    assert table.kind.tolist() == [
        "source",
        "source",
        "any",
        "all",
        "disagreement",
        "only",
        "only",
    ]
    expected = {
        ("source", "A", None): km2(A),
        ("source", "B", None): km2(B),
        ("any", "any", None): km2(shapely.union(A, B)),
        ("all", "all", None): km2(shapely.intersection(A, B)),
        ("disagreement", "disagreement", None): km2(shapely.symmetric_difference(A, B)),
        ("only", "A", "B"): km2(shapely.difference(A, B)),
        ("only", "B", "A"): km2(shapely.difference(B, A)),
    }
    got = {(r.kind, r.source, r.other): r.occupied_km2 for r in table.itertuples()}
    assert got == pytest.approx(expected, rel=1e-8)
    a_row = cell(table, "UA-14", "source", "A")
    # GREY overlaps A: the reader gave that part to occupied (precedence).
    assert a_row.contested_km2 == pytest.approx(km2(GREY.difference(A)), rel=1e-8)
    assert a_row.date == "2024-11-20"
    assert cell(table, "UA-14", "source", "B").date == "2024-11-21"
    assert np.isnan(cell(table, "UA-14", "any", "any").contested_km2)
    assert table.occupied_pct.tolist() == pytest.approx(
        (100 * table.occupied_km2 / table.area_km2).tolist()
    )
    assert table.coverage_complete.all()
    assert table.attrs["sources"]["B"]["date"] == "2024-11-21"
    assert table.attrs["regions"] == ["UA-14"]


def test_three_sources_and_group_rows() -> None:
    layers = {
        "A": layer([A, ZAP], coverage=FULL),
        "B": layer([B], coverage=FULL),
        "C": layer([C, ZAP], coverage=FULL),
    }
    table = compare_sources(layers, "four")
    assert table.region_id.unique().tolist() == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "four",
    ]
    union, inter = shapely.union_all([A, B, C]), shapely.intersection_all([A, B, C])
    assert cell(table, "UA-14", "any", "any").occupied_km2 == pytest.approx(
        km2(union), rel=1e-8
    )
    assert cell(table, "UA-14", "all", "all").occupied_km2 == pytest.approx(
        km2(inter), rel=1e-8
    )
    # ZAP is in A and C, not in B: all of it is disagreement.
    assert cell(table, "UA-23", "disagreement", "disagreement").occupied_km2 == (
        pytest.approx(km2(ZAP), rel=1e-8)
    )
    assert cell(table, "UA-23", "only", "A", "B").occupied_km2 == pytest.approx(
        km2(ZAP), rel=1e-8
    )
    assert cell(table, "UA-23", "only", "A", "C").occupied_km2 == pytest.approx(0)
    assert len(table[(table.region_id == "UA-14") & (table.kind == "only")]) == 6
    # Group rows are the sums of their members.
    members = table[table.region_id != "four"]
    for (kind, source, other), rows in table[table.region_id == "four"].groupby(
        ["kind", "source", "other"], dropna=False
    ):
        part = members[
            (members.kind == kind)
            & (members.source == source)
            & (members.other.isna() if pd.isna(other) else members.other == other)
        ]
        assert rows.occupied_km2.item() == pytest.approx(part.occupied_km2.sum())
        assert rows.area_km2.item() == pytest.approx(part.area_km2.sum())


def test_source_rows_match_control_table() -> None:
    layers = {"A": layer([A, ZAP], (GREY,)), "B": layer([B])}
    table = compare_sources(layers, "four")
    report = fl.control_table(layers["A"], "four").set_index("region_id")
    rows = table[(table.kind == "source") & (table.source == "A")].set_index(
        "region_id"
    )
    for col in ("area_km2", "occupied_km2", "contested_km2", "occupied_pct"):
        assert rows[col].to_numpy() == pytest.approx(report[col].to_numpy(), rel=1e-9)


def test_official_basis_scales_km2_not_shares() -> None:
    layers = {"A": layer([A]), "B": layer([B])}
    geometry = compare_sources(layers, "Donetsk")
    official = compare_sources(layers, "Donetsk", basis="official")
    ratio = fl.load_regions("Donetsk").official_area_km2.item() / geometry.area_km2[0]
    assert official.occupied_km2.to_numpy() == pytest.approx(
        geometry.occupied_km2.to_numpy() * ratio, rel=1e-9
    )
    assert official.occupied_pct.to_numpy() == pytest.approx(
        geometry.occupied_pct.to_numpy(), rel=1e-9
    )
    assert official.attrs["basis"] == "official"


def test_user_boundaries() -> None:
    units = fl.load_regions("four")
    units = units.assign(
        geometry=units.geometry.intersection(shapely.box(37.5, 47, 40, 50))
    )
    layers = {"A": layer([A]), "B": layer([B])}
    table = compare_sources(layers, "Donetsk", boundaries=units)
    assert cell(table, "UA-14", "source", "A").occupied_km2 == pytest.approx(
        km2(A.intersection(shapely.box(37.5, 47, 40, 50))), rel=1e-8
    )


def test_paths_are_read(tmp_path: Path) -> None:
    paths = {}
    for name, geom in (("a", A), ("b", B)):
        paths[name] = tmp_path / f"{name}.geojson"
        gpd.GeoDataFrame({"status": ["occupied"]}, geometry=[geom], crs=4326).to_file(
            paths[name]
        )
    table = compare_sources(paths, "Donetsk")
    assert cell(table, "UA-14", "source", "a").occupied_km2 == pytest.approx(
        km2(A), rel=1e-8
    )
    assert table.attrs["sources"]["a"]["source"] == "a.geojson"


def test_coverage_warning_and_flags() -> None:
    full = layer([A, LUHANSK, CRIMEA], coverage=FULL)
    partial = layer(
        [A], coverage={"crimea": False, "pre_2022_donbas": False}, date="2024-11-21"
    )
    with pytest.warns(
        FrontlineWarning,
        match=r"NZZ does not map pre-2022 Donbas \(ORDLO\), which DeepState includes",
    ):
        table = compare_sources({"DeepState": full, "NZZ": partial}, "four")
    flags = table[table.kind != "only"].set_index(["region_id", "source"])
    flags = flags.coverage_complete
    assert not flags["UA-14", "NZZ"]
    assert not flags["UA-09", "disagreement"]
    assert flags["UA-23", "NZZ"]
    assert flags["UA-14", "DeepState"]
    assert not flags["four", "NZZ"]
    only = table[table.kind == "only"].set_index(["region_id", "source", "other"])
    assert not only.coverage_complete["UA-14", "DeepState", "NZZ"]
    assert only.coverage_complete["UA-23", "DeepState", "NZZ"]
    with pytest.warns(FrontlineWarning, match="does not map Crimea"):
        compare_sources({"DeepState": full, "NZZ": partial}, "UA-43")
    # No pre-2022 area in the selection: no warning (warnings are errors here).
    table = compare_sources({"DeepState": full, "NZZ": partial}, "Zaporizhzhia")
    assert table.coverage_complete.all()


def test_coverage_from_geometry_when_not_stated() -> None:
    donbas = shapely.box(37.6, 47.9, 39.5, 48.7)  # covers Donetsk and Luhansk
    with pytest.warns(FrontlineWarning, match="B does not map pre-2022 Donbas"):
        table = compare_sources({"A": layer([donbas]), "B": layer([A])}, "Luhansk")
    assert table.attrs["sources"]["A"]["coverage"] == {
        "crimea": False,
        "pre_2022_donbas": True,
    }


@pytest.mark.parametrize(
    ("layers", "options", "error", "match"),
    [
        ({"A": "a"}, {}, OptionError, r"at least two layers, got 1 \(\['A'\]\)"),
        ({}, {}, OptionError, "at least two layers, got 0"),
        (None, {"basis": "sea"}, OptionError, "unknown basis 'sea'"),
        (None, {"water": "sea.geojson"}, OptionError, "applies to basis='land'"),
        (None, {"regions": "Atlantis"}, RegionNotFoundError, "Atlantis"),
    ],
)
def test_errors(
    layers: dict[str, Any] | None,
    options: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    if layers is None:
        layers = {"A": layer([A]), "B": layer([B])}
    with pytest.raises(error, match=match):
        compare_sources(layers, **options)


# --------------------------------------------------------------------------
# Late November 2024, real files

LATE_NOVEMBER = {
    "DeepState": ("deepstate_raw_multiclass", "20241120T213037Z_1732138237.geojson.gz"),
    "ISW": ("isw_control_map_simplified", "2024-11-24.geojson"),
    "NZZ": ("nzz_liveuamap", "2024-11-21.json.gz"),
}


@pytest.fixture(scope="module")
def late_november() -> dict[str, gpd.GeoDataFrame]:
    paths = {k: shared_file("control", *v) for k, v in LATE_NOVEMBER.items()}
    with pytest.warns(FrontlineWarning):  # repairs and tiny overlaps, documented
        return {name: fl.read_control(path) for name, path in paths.items()}


@pytest.mark.shared
def test_late_november_2024(late_november: dict[str, gpd.GeoDataFrame]) -> None:
    with pytest.warns(FrontlineWarning, match="NZZ does not map pre-2022 Donbas"):
        table = compare_sources(late_november, "four")
    dates = table[table.kind == "source"].groupby("source").date.first().to_dict()
    assert dates == {
        "DeepState": "2024-11-20",
        "ISW": "2024-11-24",
        "NZZ": "2024-11-21",
    }
    four = table[table.region_id == "four"].set_index(["kind", "source", "other"])
    held = four.occupied_km2
    # Each source on its own agrees with the report table.
    for name, source_layer in late_november.items():
        report = fl.control_table(source_layer, "four").set_index("region_id")
        assert held["source", name, None] == pytest.approx(
            report.occupied_km2["four"], rel=1e-9
        )
    # Measured on the embedded boundaries (see the report for the numbers).
    assert held["source", "DeepState", None] == pytest.approx(81_558, abs=5)
    assert held["source", "ISW", None] == pytest.approx(80_599, abs=5)
    assert held["source", "NZZ", None] == pytest.approx(65_394, abs=5)
    assert held["disagreement", "disagreement", None] == pytest.approx(
        held["any", "any", None] - held["all", "all", None], rel=1e-6
    )
    # NZZ lacks pre-2022 Donbas, so it alone accounts for most of the spread in
    # Donetsk and Luhansk; DeepState and ISW agree to within ~1 % of the four.
    assert held["only", "DeepState", "ISW"] + held["only", "ISW", "DeepState"] < 1_500
    rows = table.set_index(["region_id", "kind", "source"])
    assert not rows.coverage_complete["UA-14", "source", "NZZ"]
    assert rows.coverage_complete["UA-23", "source", "NZZ"]
    # Where all three map everything (Zaporizhzhia, Kherson) they differ by
    # a few percent of the oblast at most.
    for rid in ("UA-23", "UA-65"):
        assert rows.occupied_pct[rid, "disagreement", "disagreement"] < 5


@pytest.mark.shared
def test_deepstate_raw_equals_union_archive_of_next_day() -> None:
    raw = shared_file(
        "control", "deepstate_raw_multiclass", "20241120T213037Z_1732138237.geojson.gz"
    )
    union = shared_file(
        "control", "deepstate_occupied_union", "deepstatemap_data_20241121.geojson"
    )
    with pytest.warns(FrontlineWarning, match="more than one status"):
        layers = {"raw": fl.read_control(raw), "union": fl.read_control(union)}
    assert layers["raw"].attrs["date"] == layers["union"].attrs["date"]
    table = compare_sources(layers, "all")
    ukraine = table[table.region_id == "all"].set_index(["kind", "source"])
    # Same evening, same map: they differ by slivers (PROVENANCE.md: 0.03 km²).
    assert ukraine.occupied_km2["disagreement", "disagreement"] < 0.1
    assert ukraine.occupied_km2["source", "raw"] == pytest.approx(
        ukraine.occupied_km2["source", "union"], abs=0.1
    )
    assert set(ukraine.index.get_level_values(0)) == set(KINDS)
    assert dt.date.fromisoformat(table.date.dropna().iloc[0]) == dt.date(2024, 11, 20)
