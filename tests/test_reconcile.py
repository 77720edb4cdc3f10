"""reconcile: one map's shares beside published ones, every difference explained."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import boundaries as boundary_sets
from frontline.cli import main
from frontline.errors import (
    ChecksumError,
    DownloadError,
    OptionError,
    RegionNotFoundError,
)
from frontline.reconcile import RECONCILE_COLUMNS, parse_published, reconcile

from .conftest import shared_file

SEA = shapely.box(37.5, 46.5, 38.5, 47.3)


@pytest.fixture(scope="module")
def layer():
    gdf = gpd.GeoDataFrame(
        {"status": ["occupied", "contested"]},
        geometry=[
            shapely.box(37.2, 46.8, 38.6, 47.6),
            shapely.box(37.2, 47.6, 38.6, 47.8),
        ],
        crs=4326,
    )
    return fl.read_control(gdf, date="2024-11-20")


@pytest.fixture(scope="module")
def shifted(boxes):
    """The boxes with UA-14 moved 0.1° east: a border strip against them."""
    moved = boxes.copy()
    moved.loc[moved.region_id == "UA-14", "geometry"] = shapely.box(37.1, 47, 38.1, 48)
    moved.attrs["boundary_source"] = "shifted boxes"
    return moved


def test_rows_and_columns(layer, boxes):
    table = reconcile(
        layer, "four", published={"Donetsk": 10.0, "four": 5.0}, boundaries=[boxes]
    )
    assert list(table.columns) == RECONCILE_COLUMNS
    assert table.region_id.unique().tolist() == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "four",
    ]
    first = table[table.region_id == "UA-14"]
    assert first[["boundaries", "basis"]].values.tolist() == [
        ["natural-earth", "geometry"],
        ["natural-earth", "official"],
        ["natural-earth", "land"],
        ["boundaries-1", "geometry"],
        ["boundaries-1", "official"],
        ["boundaries-1", "land"],
    ]
    assert table.attrs["boundaries"]["boundaries-1"] == "boxes"
    assert table.attrs["published"] == {"UA-14": 10.0, "four": 5.0}
    assert table.attrs["notes"] == []
    assert table.published_pct.notna().sum() == 12


def test_shares_are_the_control_tables(layer, boxes):
    water = gpd.GeoDataFrame(geometry=[SEA], crs=4326)
    table = reconcile(layer, "four", boundaries={"boxes": boxes}, water=water)
    for basis in ("geometry", "official", "land"):
        expected = fl.control_table(
            layer,
            "four",
            basis=basis,
            boundaries=boxes,
            water=water if basis == "land" else None,
        ).set_index("region_id")
        rows = table[(table.boundaries == "boxes") & (table.basis == basis)]
        rows = rows.set_index("region_id")
        np.testing.assert_allclose(
            rows.share_pct, expected.occupied_pct.loc[rows.index], rtol=1e-12
        )
        np.testing.assert_allclose(
            rows.area_km2, expected.area_km2.loc[rows.index], rtol=1e-12
        )


def test_water_columns_explain_the_land_share(layer, boxes):
    water = gpd.GeoDataFrame(geometry=[SEA], crs=4326)
    table = reconcile(layer, "four", boundaries={"boxes": boxes}, water=water)
    rows = table[table.boundaries == "boxes"].set_index(["region_id", "basis"])
    for rid in ("UA-14", "UA-09", "four"):
        geo = rows.loc[(rid, "geometry")]
        land = rows.loc[(rid, "land")]
        expected = (geo.occupied_km2 - geo.water_held_km2) / (
            geo.area_km2 - geo.water_km2
        )
        assert land.share_pct == pytest.approx(100 * expected, rel=1e-9)
    box = shapely.box(37, 47, 38, 48)
    assert rows.loc[("UA-14", "official"), "water_km2"] == pytest.approx(
        fl.area_km2(shapely.intersection(box, SEA)), rel=1e-9
    )
    held = shapely.box(37.2, 46.8, 38.6, 47.6)
    assert rows.loc[("UA-14", "land"), "water_held_km2"] == pytest.approx(
        fl.area_km2(shapely.intersection(shapely.intersection(box, SEA), held)),
        rel=1e-9,
    )


def test_border_strip_against_natural_earth(layer, boxes, shifted):
    table = reconcile(layer, "UA-14", boundaries={"boxes": boxes, "moved": shifted})
    rows = table[table.basis == "geometry"].set_index("boundaries")
    assert (table[table.boundaries == "natural-earth"].strip_added_km2 == 0).all()
    ne = fl.load_regions("UA-14").geometry.iloc[0]
    box = shapely.box(37, 47, 38, 48)
    assert rows.loc["boxes", "strip_added_km2"] == pytest.approx(
        fl.area_km2(shapely.difference(box, ne)), rel=1e-9
    )
    assert rows.loc["boxes", "strip_dropped_km2"] == pytest.approx(
        fl.area_km2(shapely.difference(ne, box)), rel=1e-9
    )
    held = shapely.box(37.2, 46.8, 38.6, 47.6)
    moved = shapely.box(37.1, 47, 38.1, 48)
    expected = fl.area_km2(
        shapely.intersection(shapely.difference(moved, ne), held)
    ) - fl.area_km2(shapely.intersection(shapely.difference(ne, moved), held))
    assert rows.loc["moved", "strip_held_km2"] == pytest.approx(expected, rel=1e-9)


def test_grey_zone_treatment(layer, boxes):
    excluded = reconcile(layer, "UA-14", boundaries=[boxes])
    included = reconcile(layer, "UA-14", boundaries=[boxes], grey_zone="included")
    assert (excluded.grey_zone_pct > 0).any()
    np.testing.assert_allclose(
        included.share_pct, excluded.share_pct + excluded.grey_zone_pct
    )
    assert (included.grey_zone == "included").all()
    assert "not Russian-held" in excluded.attrs["grey_zone"]
    with pytest.raises(OptionError, match="unknown grey_zone 'maybe'"):
        reconcile(layer, "UA-14", grey_zone="maybe")


def test_difference_and_closest_row(layer, boxes):
    geometry = fl.control_table(layer, "UA-14", boundaries=boxes)
    target = float(geometry.occupied_pct.iloc[0]) + 0.01
    table = reconcile(layer, published={"UA-14": target}, boundaries=[boxes])
    assert table.region_id.unique().tolist() == ["UA-14"]  # regions from published
    np.testing.assert_allclose(table.difference_pct, table.share_pct - target)
    best = table[table.closest]
    assert best[["boundaries", "basis"]].values.tolist() == [
        ["boundaries-1", "geometry"]
    ]


def test_offline_boundary_set_is_skipped_with_a_note(layer, monkeypatch, caplog):
    def offline(entry, cache_dir, timeout):
        raise DownloadError("cannot connect (test)", url=entry.urls[0])

    monkeypatch.setattr(boundary_sets, "_fetch_boundary_file", offline)
    boundary_sets._boundaries.cache_clear()
    table = reconcile(layer, "UA-14", boundaries=["minregion-2020"])
    assert table.boundaries.unique().tolist() == ["natural-earth"]
    assert len(table.attrs["notes"]) == 1
    assert "'minregion-2020' skipped" in table.attrs["notes"][0]
    assert "cannot connect (test)" in caplog.text


def test_checksum_errors_are_not_skipped(layer, monkeypatch):
    def corrupt(entry, cache_dir, timeout):
        raise ChecksumError("sha256 mismatch (test)", url=entry.urls[0])

    monkeypatch.setattr(boundary_sets, "_fetch_boundary_file", corrupt)
    boundary_sets._boundaries.cache_clear()
    with pytest.raises(ChecksumError, match="mismatch"):
        reconcile(layer, "UA-14", boundaries="minregion-2020")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Donetsk=78.1,Luhansk=99.6", {"UA-14": 78.1, "UA-09": 99.6}),
        (" Zaporozhye = 74.8% , ", {"UA-23": 74.8}),
        ({"Херсонська область": 72}, {"UA-65": 72.0}),
        ("all=19.3,four=76", {"all": 19.3, "four": 76.0}),
        (None, {}),
    ],
)
def test_parse_published(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("Donetsk 78.1", OptionError, "expected NAME=PERCENT pairs"),
        ("Donetsk=lots", OptionError, "is 'lots'; expected a percentage"),
        ("Donetsk=178", OptionError, "between 0 and 100"),
        ("Donetsk=1,UA-14=2", OptionError, "two published figures for UA-14"),
        ("Atlantis=1", RegionNotFoundError, "Atlantis"),
        (42, OptionError, "got int"),
    ],
)
def test_parse_published_errors(text, error, match):
    with pytest.raises(error, match=match):
        parse_published(text)


def test_published_region_outside_the_selection(layer):
    with pytest.raises(RegionNotFoundError, match=r"published figures for \['UA-65'\]"):
        reconcile(layer, "UA-14", published={"Kherson": 72.0})


def test_duplicate_labels_and_bad_boundaries(layer, boxes):
    with pytest.raises(OptionError, match="both labelled 'natural-earth'"):
        reconcile(layer, "UA-14", boundaries={"natural-earth": boxes})
    with pytest.raises(OptionError, match="got int"):
        reconcile(layer, "UA-14", boundaries=3)


def test_cli_reconcile(capsys, tmp_path, layer):
    control = tmp_path / "control.geojson"
    dated = layer[["status", "geometry"]].copy()
    dated["date"] = "2024-11-20"
    dated.to_file(control)
    water = tmp_path / "sea.geojson"
    gpd.GeoDataFrame(geometry=[SEA], crs=4326).to_file(water)
    code = main(
        [
            "reconcile",
            str(control),
            "--published",
            "Donetsk=20,Luhansk=5",
            "--water",
            str(water),
            "--format",
            "csv",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == RECONCILE_COLUMNS
    assert set(table.region_id) == {"UA-14", "UA-09"}
    assert len(table) == 6
    code = main(["reconcile", str(control), "--published", "Donetsk=20"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "Reconciliation, 2024-11-20" in out
    assert "grey zone: counted as not Russian-held" in out
    assert "strip_added_km2: in this boundary set's region" in out
    code = main(
        ["reconcile", str(control), "--format", "json", "--grey-zone", "included"]
    )
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    assert doc["meta"]["grey_zone"] == "counted as Russian-held"
    assert {r["region_id"] for r in doc["rows"]} == {
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "four",
    }
    code = main(["reconcile", str(control), "--published", "Donetsk=lots"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "expected a percentage" in err


# -- the measured table of docs/boundaries.md (1 Jan 2026) --------------------

PUBLISHED = (
    "Luhansk=99.6,Donetsk=78.1,Zaporizhzhia=74.8,Kherson=72.0,Kharkiv=4.7,Sumy=1.0,"
    "Dnipropetrovsk=0.6"
)


@pytest.mark.shared
def test_deepstate_2026_minregion_land_is_closest():
    control = shared_file(
        "control", "deepstate_occupied_union", "deepstatemap_data_20260101.geojson"
    )
    minregion = shared_file(
        "reference_regions", "ukraine_oblasts_minregion_2020.geojson"
    )
    table = reconcile(control, published=PUBLISHED, boundaries={"minregion": minregion})
    rows = table.set_index(["region_id", "boundaries", "basis"])
    land = rows.xs(("minregion", "land"), level=("boundaries", "basis"))
    assert (
        land.difference_pct.abs()
        .loc[["UA-09", "UA-14", "UA-23", "UA-63", "UA-59", "UA-12"]]
        .max()
        <= 0.1
    )
    assert abs(land.difference_pct["UA-65"]) <= 0.6
    # The water explains the Minregion gap in Zaporizhzhia and Kherson.
    geometry = rows.xs(("minregion", "geometry"), level=("boundaries", "basis"))
    assert geometry.loc["UA-23", "water_km2"] == pytest.approx(261.1, abs=0.1)
    assert geometry.loc["UA-65", "water_km2"] == pytest.approx(1220.7, abs=0.1)
    assert geometry.loc["UA-65", "water_held_km2"] == pytest.approx(256.4, abs=0.1)
    # The border strip explains the Natural Earth gap in Luhansk.
    ne = rows.xs(("natural-earth", "geometry"), level=("boundaries", "basis"))
    assert ne.loc["UA-09", "difference_pct"] < -0.7
    assert geometry.loc["UA-09", "strip_held_km2"] > 500
