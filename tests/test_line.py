"""The front line: known lines, lengths, displacements and bands on boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import geopandas as gpd
import shapely
from pyproj import Geod

import frontline as fl
from frontline.line import (
    DNIPRO,
    LINE_COLUMNS,
    distance_bands,
    front_line,
    line_change,
    line_lengths,
)

from .conftest import shared_file

GEOD = Geod(ellps="WGS84")
A = 6378137.0
E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)


def meridian_km(lon, lat0, lat1):
    """Length of a meridian arc (a geodesic)."""
    return GEOD.inv(lon, lat0, lon, lat1)[2] / 1000


def parallel_km(lat, dlon):
    """Length of an arc of a parallel: prime-vertical radius × cos(lat) × Δλ."""
    phi = math.radians(lat)
    n = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    return n * math.cos(phi) * math.radians(dlon) / 1000


@pytest.fixture(scope="module")
def boxes():
    """Three fake 'oblasts' in a row and one apart; their outer edge is 'border
    and coast'."""
    raw = gpd.GeoDataFrame(
        {"id": ["UA-23", "UA-14", "UA-09", "UA-65"]},
        geometry=[
            shapely.box(36, 47, 37, 48),
            shapely.box(37, 47, 38, 48),
            shapely.box(38, 47, 39, 48),
            shapely.box(33, 46, 34, 47),
        ],
        crs="EPSG:4326",
    )
    return fl.from_geodataframe(raw, column="id", source="boxes")


def layer(*features, date="2024-11-20"):
    statuses, geoms = zip(*features, strict=True)
    gdf = gpd.GeoDataFrame({"status": list(statuses)}, geometry=list(geoms), crs=4326)
    return fl.read_control(gdf, date=date)


def zigzag_coast_polygon(west, amplitude, first):
    """Russian-held from ``west`` to 39°E, with a jagged coast around 47°N.

    The coast alternates ``first * amplitude`` and ``-first * amplitude``
    (degrees of latitude) about the boundaries' coast, every 0.05° of
    longitude, and meets it at both ends.
    """
    xs = np.round(np.arange(39, west - 1e-9, -0.05), 6)
    ys = [
        47 + (0 if i in (0, len(xs) - 1) else first * amplitude * (-1) ** (i + 1))
        for i in range(len(xs))
    ]
    coast = list(zip(xs, ys, strict=True))
    return shapely.Polygon([(west, 48), (39, 48), *coast])


# -- the line ------------------------------------------------------------------


def test_straight_line_across_a_region(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 39, 48)))
    line = front_line(control, boundaries=boxes)
    assert list(line.columns) == LINE_COLUMNS
    assert line.region_id.tolist() == ["UA-14"]
    assert not line.river.any()
    expected = meridian_km(37.5, 47, 48)
    # The line reaches the coast and the border: not cut tolerance_km short.
    assert line.length_km.sum() == pytest.approx(expected, rel=1e-9)
    assert line.attrs["length_km"] == pytest.approx(expected, abs=1e-3)
    geom = line.geometry.iloc[0]
    assert shapely.hausdorff_distance(
        geom, shapely.LineString([(37.5, 47), (37.5, 48)])
    ) == pytest.approx(0, abs=1e-9)
    assert line.crs == "EPSG:4326"
    attrs = line.attrs
    assert attrs["kind"] == "front_line"
    assert attrs["tolerance_km"] == 3
    assert attrs["boundaries"] == "boxes"
    assert attrs["date"] == "2024-11-20"
    assert "coast" in attrs["definition"]


def test_staircase_split_by_region(boxes):
    stair = shapely.Polygon(
        [(36.5, 47), (39, 47), (39, 48), (37.5, 48), (37.5, 47.5), (36.5, 47.5)]
    )
    line = front_line(layer(("occupied", stair)), boundaries=boxes)
    lengths = line.groupby("region_id").length_km.sum()
    expected_23 = meridian_km(36.5, 47, 47.5) + parallel_km(47.5, 0.5)
    expected_14 = parallel_km(47.5, 0.5) + meridian_km(37.5, 47.5, 48)
    assert lengths["UA-23"] == pytest.approx(expected_23, rel=1e-6)
    assert lengths["UA-14"] == pytest.approx(expected_14, rel=1e-6)
    assert "UA-09" not in lengths  # all of it Russian-held, no front
    table = line_lengths(line)
    assert table.region_id.tolist() == ["UA-14", "UA-23", "total"]
    assert table.set_index("region_id").loc["total", "length_km"] == pytest.approx(
        expected_23 + expected_14, rel=1e-6
    )


@pytest.mark.parametrize("first", [1, -1], ids=["inland-first", "seaward-first"])
@pytest.mark.parametrize("amplitude", [0.0, 0.02])
def test_coarse_coast_is_not_front(boxes, amplitude, first):
    # The layer's coast zigzags up to 0.02° (2.2 km) inland and out to sea of
    # the boundaries' coast: none of it is front with tolerance_km=3.
    control = layer(("occupied", zigzag_coast_polygon(37.5, amplitude, first)))
    line = front_line(control, boundaries=boxes)
    assert line.length_km.sum() == pytest.approx(meridian_km(37.5, 47, 48), rel=1e-9)
    assert line.region_id.tolist() == ["UA-14"]


@pytest.mark.parametrize("offset", [0.02, -0.02])
def test_offset_coast_line_ends_at_a_coast(boxes, offset):
    # A coast drawn 2.2 km inland ends the line there; one drawn 2.2 km out at
    # sea is clipped to the boundaries' coast.
    control = layer(("occupied", shapely.box(37.5, 47 + offset, 39, 48)))
    line = front_line(control, boundaries=boxes)
    start = max(47.0, 47 + offset)
    assert line.length_km.sum() == pytest.approx(meridian_km(37.5, start, 48), rel=1e-9)


def test_tolerance_decides_what_is_coast(boxes):
    control = layer(("occupied", zigzag_coast_polygon(37.5, 0.02, 1)))
    tight = front_line(control, tolerance_km=1, boundaries=boxes)
    # With 1 km the 2.2 km inland teeth of the coast become "front".
    assert tight.length_km.sum() > meridian_km(37.5, 47, 48) + 10


def test_enclave_is_a_closed_front(boxes):
    # A Russian-held pocket inside Ukrainian-held land: its whole ring.
    pocket = shapely.box(36.3, 47.3, 36.6, 47.6)
    line = front_line(layer(("occupied", pocket)), boundaries=boxes)
    expected = (
        2 * meridian_km(36.3, 47.3, 47.6)
        + parallel_km(47.3, 0.3)
        + parallel_km(47.6, 0.3)
    )
    assert line.length_km.sum() == pytest.approx(expected, rel=1e-6)
    assert line.geometry.iloc[0].is_closed


def test_both_occupied_statuses_dissolve_and_contested_is_not_russian(boxes):
    control = layer(
        ("occupied", shapely.box(37.5, 47, 38.5, 48)),
        ("occupied_before_2022", shapely.box(38.5, 47, 39, 48)),
        ("contested", shapely.box(37.2, 47, 37.5, 48)),
    )
    line = front_line(control, boundaries=boxes)
    # No line at 38.5 between the two Russian-held statuses; the line is the
    # Russian-held edge at 37.5, not the contested one at 37.2.
    assert line.length_km.sum() == pytest.approx(meridian_km(37.5, 47, 48), rel=1e-9)


def test_no_russian_held_area_no_line(boxes):
    line = front_line(
        layer(("contested", shapely.box(37, 47, 38, 48))), boundaries=boxes
    )
    assert len(line) == 0
    assert list(line.columns) == LINE_COLUMNS
    assert line.attrs["length_km"] == 0
    with pytest.raises(fl.EmptyLayerError, match="before layer has no front line"):
        line_change(line, line)


def test_river_stretches_flagged_and_dropped():
    # A Kherson 'oblast' box whose Russian-held part reaches the Dnipro guide
    # line between 32.645°E and 33.357°E.
    raw = gpd.GeoDataFrame(
        {"id": ["UA-65"]}, geometry=[shapely.box(32.0, 46.0, 34.0, 47.5)], crs=4326
    )
    kherson = fl.from_geodataframe(raw, column="id")
    river = DNIPRO[1:6]
    poly = shapely.Polygon([(river[0][0], 46.0), *river, (river[-1][0], 46.0)])
    control = layer(("occupied", poly))
    section = fl.line._length_km([shapely.LineString(river)])[0]
    sides = meridian_km(river[0][0], 46.0, river[0][1]) + meridian_km(
        river[-1][0], 46.0, river[-1][1]
    )
    exact = front_line(control, river_km=0.001, boundaries=kherson)
    by_flag = exact.groupby("river").length_km.sum()
    assert by_flag[True] == pytest.approx(section, rel=1e-9)
    assert by_flag[False] == pytest.approx(sides, rel=1e-9)
    wide = front_line(control, boundaries=kherson)
    river_km = wide.loc[wide.river, "length_km"].sum()
    # 10 km of perpendicular distance reach 10-13 km down the two sides,
    # which meet the guide line at 20-37 degrees.
    assert section + 20 <= river_km <= section + 26
    dropped = front_line(control, include_river=False, boundaries=kherson)
    assert not dropped.river.any()
    assert dropped.attrs["length_km"] == pytest.approx(
        wide.attrs["length_km"] - river_km, abs=2e-3
    )
    assert dropped.attrs["include_river"] is False


def test_bad_options(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 39, 48)))
    with pytest.raises(fl.OptionError, match="tolerance_km must be a non-negative"):
        front_line(control, tolerance_km=-1, boundaries=boxes)
    with pytest.raises(fl.OptionError, match="expected the output of"):
        line_lengths(control)
    with pytest.raises(fl.OptionError, match="spacing_km must be positive"):
        line_change(control, control, spacing_km=0, boundaries=boxes)
    with pytest.raises(fl.OptionError, match="unknown side 'north'"):
        distance_bands(control, side="north", boundaries=boxes)  # type: ignore[arg-type]
    with pytest.raises(fl.OptionError, match="edges_km must be at least two"):
        distance_bands(control, edges_km=(0, 40, 10), boundaries=boxes)


def test_line_lengths_with_a_group(boxes):
    line = front_line(
        layer(("occupied", shapely.box(37.5, 47, 39, 48))), boundaries=boxes
    )
    table = line_lengths(line, "four").set_index("region_id")
    assert table.index.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65", "four"]
    assert table.loc["UA-65", "length_km"] == 0
    assert table.loc["four", "length_km"] == pytest.approx(meridian_km(37.5, 47, 48))
    assert table.loc["four", "length_excl_river_km"] == table.loc["four", "length_km"]


# -- displacement --------------------------------------------------------------


def test_line_change_between_parallel_lines(boxes):
    before = layer(("occupied", shapely.box(37.5, 47, 39, 48)))
    after = layer(("occupied", shapely.box(37.6, 47, 39, 48)), date="2024-12-01")
    change = line_change(before, after, boundaries=boxes).set_index("region_id")
    assert change.index.tolist() == ["UA-14", "total"]
    # Parallel meridians 0.1° apart: the gap is widest at 47°N.
    assert change.loc["UA-14", "max_displacement_km"] == pytest.approx(
        parallel_km(47, 0.1), rel=1e-3
    )
    mean = np.mean([parallel_km(lat, 0.1) for lat in np.linspace(47, 48, 201)])
    assert change.loc["UA-14", "mean_displacement_km"] == pytest.approx(mean, rel=1e-3)
    assert change.loc["total", "after_length_km"] == pytest.approx(
        meridian_km(37.6, 47, 48), rel=1e-9
    )
    assert change.attrs["before_date"] == "2024-11-20"
    assert change.attrs["after_date"] == "2024-12-01"
    # Lines can be given instead of layers.
    lines = [front_line(x, boundaries=boxes) for x in (before, after)]
    again = line_change(*lines, boundaries=boxes).set_index("region_id")
    assert again.loc["UA-14", "max_displacement_km"] == pytest.approx(
        change.loc["UA-14", "max_displacement_km"]
    )


# -- distance bands --------------------------------------------------------------


def test_distance_bands_on_both_sides(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 39, 48)))
    length = meridian_km(37.5, 47, 48)
    bands = distance_bands(control, boundaries=boxes)
    assert bands.band.unique().tolist() == ["0–10 km", "10–40 km", "40–80 km"]
    total = bands.groupby("band", sort=False).area_km2.sum()
    # A strip of width w along a meridian arc of length L: w × L.
    assert total["0–10 km"] == pytest.approx(10 * length, rel=1e-3)
    assert total["10–40 km"] == pytest.approx(30 * length, rel=1e-3)
    assert total["40–80 km"] == pytest.approx(40 * length, rel=1e-3)
    t = bands.set_index(["region_id", "band"])
    assert t.loc[("UA-14", "0–10 km"), "area_km2"] == pytest.approx(
        10 * length, rel=1e-3
    )
    # The 0.5° west of the line is 37.6 km: UA-23 only from 37.6 km out.
    assert t.loc[("UA-23", "0–10 km"), "area_km2"] == 0
    assert t.loc[("UA-23", "10–40 km"), "area_km2"] == pytest.approx(
        (40 - parallel_km(47.5, 0.5)) * length, rel=2e-3
    )
    assert "UA-09" not in bands.region_id.tolist()  # Russian side, all of it
    area_14 = fl.area_km2(shapely.box(37, 47, 38, 48))
    assert t.loc[("UA-14", "0–10 km"), "share_pct"] == pytest.approx(
        100 * 10 * length / area_14, rel=1e-3
    )
    russian = distance_bands(
        control, edges_km=(0, 10), side="russian", regions="four", boundaries=boxes
    ).set_index(["region_id", "band"])
    assert russian.loc[("UA-14", "0–10 km"), "area_km2"] == pytest.approx(
        10 * length, rel=1e-3
    )
    assert russian.loc[("four", "0–10 km"), "area_km2"] == pytest.approx(
        10 * length, rel=1e-3
    )
    both = distance_bands(control, edges_km=(0, 10), side="both", boundaries=boxes)
    assert both.area_km2.sum() == pytest.approx(20 * length, rel=1e-3)


# -- real data: plausibility ------------------------------------------------------

UNION = ("control", "deepstate_occupied_union")


@pytest.fixture(scope="module")
def deepstate_2026():
    return fl.read_control(shared_file(*UNION, "deepstatemap_data_20260801.geojson"))


@pytest.mark.shared
def test_real_line_lengths_in_published_range(deepstate_20241120, deepstate_2026):
    # Published: about 1,040 km "active" in 2024, 1,200-1,300 km in 2025-26,
    # depending on what is counted (the Dnipro among it).
    line24 = front_line(deepstate_20241120)
    line26 = front_line(deepstate_2026)
    assert 1_000 < line24.attrs["length_km"] < 1_300
    assert 1_100 < line26.attrs["length_km"] < 1_300
    # Measured 2026-11-29: 1,162.9 and 1,188.4 km, 289.3 km of it along the
    # Dnipro on both dates.
    assert line24.attrs["length_km"] == pytest.approx(1_162.9, rel=5e-3)
    assert line26.attrs["length_km"] == pytest.approx(1_188.4, rel=5e-3)
    assert line24.attrs["river_length_km"] == pytest.approx(289.3, rel=5e-3)
    by_region = line24.groupby("region_id").length_km.sum()
    assert set(by_region.index) == {"UA-09", "UA-14", "UA-23", "UA-63", "UA-65"}
    assert by_region.idxmax() == "UA-14"  # Donetsk holds the longest stretch
    river = line24.loc[line24.river].groupby("region_id").length_km.sum()
    assert set(river.index) == {"UA-23", "UA-65"}
    # The Dnipro stretch did not move between the two dates.
    change = line_change(line24, line26).set_index("region_id")
    assert change.loc["UA-65", "max_displacement_km"] < 0.5
    assert 1 < change.loc["total", "mean_displacement_km"] < 30
