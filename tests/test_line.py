"""The front line: known lines, lengths, displacements and bands on boxes.

The boxes lie north of 48°N, away from the sea: the line is measured against
their outline minus the embedded sea mask, which has no sea there, so their
outer edge is "border and coast". Where a line meets that edge, the model
closes the strips narrower than ``STRIP_M`` along it, which rounds a right
angle into the edge with a radius of ``STRIP_M / 2``: each such junction adds
:data:`FILLET_KM` (0.14 km) to the length.
"""

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
from frontline.tolerance import STRIP_M, Tolerance, without_sea

from .conftest import shared_file

GEOD = Geod(ellps="WGS84")
A = 6378137.0
E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
#: A right-angled junction with the edge, rounded with a radius of
#: STRIP_M / 2: a quarter circle instead of the two radii (km).
FILLET_KM = (math.pi / 2 - 1) * STRIP_M / 2 / 1000


def with_fillets(expected_km, junctions):
    """``expected_km`` plus a rounded right-angled junction per ``junctions``."""
    return pytest.approx(expected_km + junctions * FILLET_KM, abs=0.01)


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
            shapely.box(36, 48, 37, 49),
            shapely.box(37, 48, 38, 49),
            shapely.box(38, 48, 39, 49),
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
    """Russian-held from ``west`` to 39°E, with a jagged coast around 48°N.

    The coast alternates ``first * amplitude`` and ``-first * amplitude``
    (degrees of latitude) about the boundaries' coast, every 0.05° of
    longitude, and meets it at both ends.
    """
    xs = np.round(np.arange(39, west - 1e-9, -0.05), 6)
    ys = [
        48 + (0 if i in (0, len(xs) - 1) else first * amplitude * (-1) ** (i + 1))
        for i in range(len(xs))
    ]
    coast = list(zip(xs, ys, strict=True))
    return shapely.Polygon([(west, 49), (39, 49), *coast])


# -- the line ------------------------------------------------------------------


def test_straight_line_across_a_region(boxes):
    control = layer(("occupied", shapely.box(37.5, 48, 39, 49)))
    line = front_line(control, boundaries=boxes)
    assert list(line.columns) == LINE_COLUMNS
    assert line.region_id.tolist() == ["UA-14"]
    assert not line.river.any()
    expected = meridian_km(37.5, 48, 49)
    # The line reaches the coast and the border, rounded into each.
    assert line.length_km.sum() == with_fillets(expected, 2)
    assert line.attrs["length_km"] == with_fillets(expected, 2)
    geom = line.geometry.iloc[0]
    straight = shapely.LineString([(37.5, 48), (37.5, 49)])
    # Off the straight line only in the rounded ends (radius 250 m); else
    # within a millimetre (the tolerance works on a 1 mm grid).
    assert shapely.hausdorff_distance(geom, straight) < 0.0035
    inner = shapely.box(37.49, 48.01, 37.51, 48.99)
    assert shapely.hausdorff_distance(
        shapely.intersection(geom, inner), shapely.intersection(straight, inner)
    ) == pytest.approx(0, abs=2e-8)
    assert line.crs == "EPSG:4326"
    attrs = line.attrs
    assert attrs["kind"] == "front_line"
    assert attrs["tolerance"] == Tolerance().to_attrs()
    assert attrs["tolerance_caption"] == Tolerance().caption()
    assert attrs["tolerance_km"] == 5
    assert attrs["boundaries"] == "boxes"
    assert attrs["date"] == "2024-11-20"
    assert "coast" in attrs["definition"]


def test_staircase_split_by_region(boxes):
    stair = shapely.Polygon(
        [(36.5, 48), (39, 48), (39, 49), (37.5, 49), (37.5, 48.5), (36.5, 48.5)]
    )
    line = front_line(layer(("occupied", stair)), boundaries=boxes)
    lengths = line.groupby("region_id").length_km.sum()
    expected_23 = meridian_km(36.5, 48, 48.5) + parallel_km(48.5, 0.5)
    expected_14 = parallel_km(48.5, 0.5) + meridian_km(37.5, 48.5, 49)
    assert lengths["UA-23"] == with_fillets(expected_23, 1)
    assert lengths["UA-14"] == with_fillets(expected_14, 1)
    assert "UA-09" not in lengths  # all of it Russian-held, no front
    table = line_lengths(line)
    assert table.region_id.tolist() == ["UA-14", "UA-23", "total"]
    assert table.set_index("region_id").loc["total", "length_km"] == with_fillets(
        expected_23 + expected_14, 2
    )


@pytest.mark.parametrize("first", [1, -1], ids=["inland-first", "seaward-first"])
@pytest.mark.parametrize("amplitude", [0.0, 0.02])
def test_coarse_coast_is_not_front(boxes, amplitude, first):
    # The layer's coast zigzags up to 0.02° (2.2 km) inland and out to sea of
    # the boundaries' coast: the teeth inland are pockets 1.7 km thick, under
    # border_m (5 km), so none of it is front.
    control = layer(("occupied", zigzag_coast_polygon(37.5, amplitude, first)))
    line = front_line(control, boundaries=boxes)
    assert line.length_km.sum() == with_fillets(meridian_km(37.5, 48, 49), 2)
    assert line.region_id.tolist() == ["UA-14"]


@pytest.mark.parametrize(
    "offset", [0.003, -0.003, -0.02], ids=["short-330m", "over-330m", "over-2.2km"]
)
def test_offset_coast_is_not_front(boxes, offset):
    # A coast drawn 330 m inland is a strip narrower than strip_m: closed.
    # One drawn out at sea is cut to the boundaries' coast.
    control = layer(("occupied", shapely.box(37.5, 48 + offset, 39, 49)))
    line = front_line(control, boundaries=boxes)
    along = shapely.box(37.6, 47.9, 39.1, 48.1)
    assert shapely.intersection(line.geometry.union_all(), along).is_empty
    assert line.length_km.sum() == pytest.approx(meridian_km(37.5, 48, 49), abs=0.3)


def test_a_coast_drawn_wide_of_the_edge_is_front(boxes):
    # A strip of land 2.2 km wide, open to the rest of the country, between
    # the layer's coast and the boundaries': wider than strip_m, so the
    # layer's edge along it is front (it is Ukrainian-held land).
    control = layer(("occupied", shapely.box(37.5, 48.02, 39, 49)))
    line = front_line(control, boundaries=boxes)
    expected = meridian_km(37.5, 48.02, 49) + parallel_km(48.02, 1.5)
    assert line.length_km.sum() == pytest.approx(expected, abs=0.3)


def test_tolerance_decides_what_is_coast(boxes):
    control = layer(("occupied", zigzag_coast_polygon(37.5, 0.02, 1)))
    tight = front_line(control, tolerance=Tolerance(border_m=1000), boundaries=boxes)
    # With 1 km the teeth of the coast (1.7 km thick) become "front".
    assert tight.length_km.sum() > meridian_km(37.5, 48, 49) + 10
    assert tight.attrs["tolerance"]["border_m"] == 1000
    assert "pockets at the border 1 km" in tight.attrs["tolerance_caption"]


def test_tolerance_km_is_deprecated_for_border_m(boxes):
    control = layer(("occupied", zigzag_coast_polygon(37.5, 0.02, 1)))
    with pytest.warns(FutureWarning, match=r"Tolerance\(border_m=1000\)") as rec:
        old = front_line(control, tolerance_km=1, boundaries=boxes)
    assert rec[0].filename == __file__  # points at the caller's line
    new = front_line(control, tolerance=Tolerance(border_m=1000), boundaries=boxes)
    assert old.attrs["length_km"] == new.attrs["length_km"]
    assert old.attrs["tolerance_km"] == 1
    with pytest.raises(fl.OptionError, match="got both tolerance="):
        front_line(control, tolerance=Tolerance(), tolerance_km=1, boundaries=boxes)
    with pytest.raises(
        fl.OptionError, match=r"must be a frontline\.tolerance\.Tolerance"
    ):
        front_line(control, tolerance=3, boundaries=boxes)  # type: ignore[arg-type]


def test_enclave_is_a_closed_front(boxes):
    # A Russian-held pocket inside Ukrainian-held land: its whole ring.
    pocket = shapely.box(36.3, 48.3, 36.6, 48.6)
    line = front_line(layer(("occupied", pocket)), boundaries=boxes)
    expected = (
        2 * meridian_km(36.3, 48.3, 48.6)
        + parallel_km(48.3, 0.3)
        + parallel_km(48.6, 0.3)
    )
    assert line.length_km.sum() == pytest.approx(expected, rel=1e-6)
    assert line.geometry.iloc[0].is_closed


def test_both_occupied_statuses_dissolve_and_contested_is_not_russian(boxes):
    control = layer(
        ("occupied", shapely.box(37.5, 48, 38.5, 49)),
        ("occupied_before_2022", shapely.box(38.5, 48, 39, 49)),
        ("contested", shapely.box(37.2, 48, 37.5, 49)),
    )
    line = front_line(control, boundaries=boxes)
    # No line at 38.5 between the two Russian-held statuses; the line is the
    # Russian-held edge at 37.5, not the contested one at 37.2.
    assert line.length_km.sum() == with_fillets(meridian_km(37.5, 48, 49), 2)


def test_hairline_seam_between_statuses_is_no_front(boxes):
    # The two statuses 0.4 m apart (as on DeepState's raw maps): the seam is
    # closed by gap_m, not traced twice.
    gap = 0.000005
    control = layer(
        ("occupied", shapely.box(37.5, 48.2, 38.5, 48.8)),
        ("occupied_before_2022", shapely.box(38.5 + gap, 48.2, 39, 48.8)),
    )
    line = front_line(control, boundaries=boxes)
    expected = meridian_km(37.5, 48.2, 48.8)
    expected += parallel_km(48.2, 1.5) + parallel_km(48.8, 1.5)
    assert line.length_km.sum() == with_fillets(expected, 2)
    seamed = front_line(control, tolerance=Tolerance(gap_m=0), boundaries=boxes)
    seam = 2 * meridian_km(38.5, 48.2, 48.8)
    assert seamed.attrs["length_km"] == pytest.approx(
        line.attrs["length_km"] + seam, abs=0.01
    )


def test_no_russian_held_area_no_line(boxes):
    line = front_line(
        layer(("contested", shapely.box(37, 48, 38, 49))), boundaries=boxes
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
    # The two sides run south from the river to the real coast (the box's
    # south is sea in the embedded mask), where they are rounded into it.
    sides = shapely.intersection(
        shapely.MultiLineString(
            [[(x, 46.0), (x, y)] for x, y in (river[0], river[-1])]
        ),
        without_sea(kherson.geometry.iloc[0]),
    )
    sides_km = fl.line._length_km([sides])[0]
    assert 100 < sides_km < meridian_km(0, 46.0, 46.8) * 2
    exact = front_line(control, river_km=0.001, boundaries=kherson)
    by_flag = exact.groupby("river").length_km.sum()
    assert by_flag[True] == pytest.approx(section, rel=1e-7)
    assert by_flag[False] == pytest.approx(sides_km, abs=0.5)
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
    control = layer(("occupied", shapely.box(37.5, 48, 39, 49)))
    with pytest.raises(fl.OptionError, match="tolerance_km must be a non-negative"):
        front_line(control, tolerance_km=-1, boundaries=boxes)
    with pytest.raises(fl.OptionError, match="river_km must be a non-negative"):
        front_line(control, river_km=-1, boundaries=boxes)
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
        layer(("occupied", shapely.box(37.5, 48, 39, 49))), boundaries=boxes
    )
    table = line_lengths(line, "four").set_index("region_id")
    assert table.index.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65", "four"]
    assert table.loc["UA-65", "length_km"] == 0
    assert table.loc["four", "length_km"] == with_fillets(meridian_km(37.5, 48, 49), 2)
    assert table.loc["four", "length_excl_river_km"] == table.loc["four", "length_km"]


# -- displacement --------------------------------------------------------------


@pytest.mark.slow
def test_line_change_between_parallel_lines(boxes):
    before = layer(("occupied", shapely.box(37.5, 48, 39, 49)))
    after = layer(("occupied", shapely.box(37.6, 48, 39, 49)), date="2024-12-01")
    change = line_change(before, after, boundaries=boxes).set_index("region_id")
    assert change.index.tolist() == ["UA-14", "total"]
    # Parallel meridians 0.1° apart: the gap is widest at 48°N.
    assert change.loc["UA-14", "max_displacement_km"] == pytest.approx(
        parallel_km(48, 0.1), rel=1e-3
    )
    mean = np.mean([parallel_km(lat, 0.1) for lat in np.linspace(48, 49, 201)])
    assert change.loc["UA-14", "mean_displacement_km"] == pytest.approx(mean, rel=1e-3)
    assert change.loc["total", "after_length_km"] == with_fillets(
        meridian_km(37.6, 48, 49), 2
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
    control = layer(("occupied", shapely.box(37.5, 48, 39, 49)))
    length = meridian_km(37.5, 48, 49)
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
    # The 0.5° west of the line is 37.6 km: UA-23 only from 37.6 km out
    # (a little more where the line's ends are rounded into the edge).
    assert t.loc[("UA-23", "0–10 km"), "area_km2"] == 0
    assert t.loc[("UA-23", "10–40 km"), "area_km2"] == pytest.approx(
        (40 - parallel_km(48.5, 0.5)) * length, abs=2
    )
    assert bands.attrs["tolerance"] == Tolerance().to_attrs()
    assert "UA-09" not in bands.region_id.tolist()  # Russian side, all of it
    area_14 = fl.area_km2(shapely.box(37, 48, 38, 49))
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


@pytest.mark.slow
@pytest.mark.shared
def test_real_line_lengths_in_published_range(deepstate_20241120, deepstate_2026):
    # Published: about 1,040 km "active" in 2024, 1,200-1,300 km in 2025-26,
    # depending on what is counted (the Dnipro among it).
    line24 = front_line(deepstate_20241120)
    line26 = front_line(deepstate_2026)
    assert 1_000 < line24.attrs["length_km"] < 1_300
    assert 1_100 < line26.attrs["length_km"] < 1_300
    # Measured with the tolerance model (frontline.tolerance): 1,146.0 and
    # 1,196.7 km, 289.3 km of it along the Dnipro on both dates. Before it,
    # 1,162.9 and 1,188.4 km: phantom stretches along the Russian border and
    # the Azov coast counted (Luhansk 106.5 → 81.0 km in 2024), while patches
    # held within 3 km of the Kharkiv border lost their inland edge (Kharkiv
    # 203.5 → 228.2 km in 2026).
    assert line24.attrs["length_km"] == pytest.approx(1_146.0, rel=5e-3)
    assert line26.attrs["length_km"] == pytest.approx(1_196.7, rel=5e-3)
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
