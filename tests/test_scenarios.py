"""Ceasefire scenarios: what changes hands, on boxes and on the real layers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod

import frontline as fl
from frontline.control import is_normalised
from frontline.line import front_line
from frontline.scenarios import (
    BASELINE_COLUMN,
    STEP_COLUMN,
    buffer_zone,
    cede,
    freeze,
    scenario_changes,
    scenario_table,
    withdraw,
)
from frontline.tolerance import STRIP_M, Tolerance

GEOD = Geod(ellps="WGS84")


def box_area(*bounds):
    return fl.area_km2(shapely.box(*bounds))


@pytest.fixture(scope="module")
def boxes():
    """The six regions as 1°×1° boxes, tagged with real ids."""
    raw = gpd.GeoDataFrame(
        {"id": ["UA-23", "UA-14", "UA-09", "UA-65", "UA-63", "UA-48"]},
        geometry=[
            shapely.box(36, 47, 37, 48),
            shapely.box(37, 47, 38, 48),
            shapely.box(38, 47, 39, 48),
            shapely.box(35, 47, 36, 48),
            shapely.box(37, 48, 38, 49),
            shapely.box(34, 47, 35, 48),
        ],
        crs="EPSG:4326",
    )
    return fl.from_geodataframe(raw, column="id", source="boxes")


@pytest.fixture
def control():
    """Russian-held east of 37.5°E, a grey strip west of it, a Kharkiv patch."""
    gdf = gpd.GeoDataFrame(
        {
            "status": ["occupied", "contested", "occupied"],
            "name": ["east", "grey", "kharkiv"],
        },
        geometry=[
            shapely.box(37.5, 47, 39, 48),
            shapely.box(37.25, 47, 37.5, 48),
            shapely.box(37.5, 48, 38, 48.25),
        ],
        crs=4326,
    )
    return fl.read_control(gdf, date="2024-11-20")


def test_withdraw_returns_the_russian_held_area(boxes, control):
    original = control.copy()
    before = fl.control_table(control, "six", boundaries=boxes).set_index("region_id")
    after_layer = withdraw(control, "Kharkiv", boundaries=boxes)
    assert is_normalised(after_layer)
    assert_geodataframe_equal(control, original)  # the input is not modified
    table = scenario_table(after_layer, "six", boundaries=boxes).set_index("region_id")
    assert table.loc["UA-63", "to_held_km2"] == pytest.approx(
        before.loc["UA-63", "occupied_km2"], rel=1e-9
    )
    assert table.loc["UA-63", "to_held_km2"] == pytest.approx(
        box_area(37.5, 48, 38, 48.25), rel=1e-9
    )
    assert table.loc["UA-63", "after_occupied_km2"] == pytest.approx(0, abs=1e-9)
    assert table.loc["UA-14", "to_held_km2"] == 0  # other regions untouched
    assert table.loc["UA-63", "to_held_pct"] == pytest.approx(
        100 * box_area(37.5, 48, 38, 48.25) / box_area(37, 48, 38, 49), rel=1e-9
    )
    # Every other function reads the result as a control layer.
    after = fl.control_table(after_layer, "UA-63", boundaries=boxes)
    assert after.liberated_km2[0] == pytest.approx(box_area(37.5, 48, 38, 48.25))
    assert after.held_pct[0] == pytest.approx(100)
    assert after.attrs["date"] == "2024-11-20"
    changes = scenario_changes(after_layer, boundaries=boxes)
    assert changes[["region_id", "from", "to"]].values.tolist() == [
        ["UA-63", "occupied", "held"]
    ]
    moved = after_layer[after_layer[STEP_COLUMN].notna()]
    assert moved.status.tolist() == ["liberated"]
    assert moved[BASELINE_COLUMN].tolist() == ["occupied"]
    assert moved.name.tolist() == ["kharkiv"]  # the feature's columns are kept


def test_withdraw_leaves_contested_area_contested(boxes, control):
    after = withdraw(control, "Donetsk", boundaries=boxes)
    t = scenario_table(after, "UA-14", boundaries=boxes).set_index("region_id")
    assert t.loc["UA-14", "to_held_km2"] == pytest.approx(
        box_area(37.5, 47, 38, 48), rel=1e-9
    )
    assert t.loc["UA-14", "after_contested_km2"] == pytest.approx(
        t.loc["UA-14", "before_contested_km2"], rel=1e-12
    )


def test_cede_hands_over_held_and_contested_area(boxes, control):
    after = cede(control, "UA-14", boundaries=boxes)
    changes = scenario_changes(after, "UA-14", boundaries=boxes)
    flows = changes.set_index(["from", "to"]).area_km2
    assert flows[("held", "occupied")] == pytest.approx(
        box_area(37, 47, 37.25, 48), rel=1e-9
    )
    assert flows[("contested", "occupied")] == pytest.approx(
        box_area(37.25, 47, 37.5, 48), rel=1e-9
    )
    t = fl.control_table(after, "UA-14", boundaries=boxes)
    assert t.occupied_pct[0] == pytest.approx(100, rel=1e-9)
    table = scenario_table(after, "UA-14", boundaries=boxes)
    assert table.to_occupied_km2[0] == pytest.approx(
        table.before_held_km2[0] + table.before_contested_km2[0], rel=1e-9
    )


def test_scenarios_compose(boxes, control):
    settled = cede(
        withdraw(control, "Kharkiv", boundaries=boxes), "four", boundaries=boxes
    )
    steps = settled.attrs["scenario"]["steps"]
    assert [s["step"] for s in steps] == ["withdraw", "cede"]
    assert steps[1]["regions"] == ["UA-14", "UA-09", "UA-23", "UA-65"]
    assert settled.attrs["scenario"]["baseline_date"] == "2024-11-20"
    t = scenario_table(settled, "six", boundaries=boxes).set_index("region_id")
    assert t.loc["UA-63", "to_held_km2"] == pytest.approx(box_area(37.5, 48, 38, 48.25))
    four_area = sum(box_area(x, 47, x + 1, 48) for x in (35, 36, 37, 38))
    assert t.loc["four", "after_occupied_km2"] == pytest.approx(four_area, rel=1e-9)
    assert t.loc["four", "to_occupied_km2"] == pytest.approx(
        t.loc["four", "before_held_km2"] + t.loc["four", "before_contested_km2"],
        rel=1e-9,
    )
    # The settled layer has a front line of its own: the four boxes' edge
    # against Ukrainian-held Kharkiv (north of 37-38°E) and Mykolaiv (35°E),
    # each end rounded into the outline's edge (radius STRIP_M / 2), and no
    # seam where the old line ran at 37.5°E.
    line = front_line(settled, boundaries=boxes)
    phi = math.radians(48)
    parallel = 6378137 / math.sqrt(1 - 0.00669437999014 * math.sin(phi) ** 2)
    parallel *= math.cos(phi) * math.radians(1) / 1000  # 1° of the 48°N parallel
    fillet = (math.pi / 2 - 1) * STRIP_M / 2 / 1000
    assert line.length_km.sum() == pytest.approx(
        GEOD.inv(35, 47, 35, 48)[2] / 1000 + parallel + 4 * fillet, abs=0.02
    )
    old_front = shapely.box(37.4, 47.01, 37.6, 47.99)
    assert shapely.intersection(line.geometry.union_all(), old_front).is_empty
    # "Before" is the original layer, not the state after the first step.
    base = fl.control_table(control, "six", boundaries=boxes).set_index("region_id")
    pd.testing.assert_series_equal(
        t.before_occupied_km2, base.occupied_km2, check_names=False
    )


def test_withdraw_then_cede_the_same_region_nets_out(boxes, control):
    back = cede(
        withdraw(control, "Kharkiv", boundaries=boxes), "Kharkiv", boundaries=boxes
    )
    flows = scenario_changes(back, "UA-63", boundaries=boxes).set_index(["from", "to"])
    # The patch went back to where it started; only Ukrainian land changed hands.
    assert ("occupied", "held") not in flows.index
    assert flows.loc[("held", "occupied"), "area_km2"] == pytest.approx(
        box_area(37, 48, 38, 49) - box_area(37.5, 48, 38, 48.25), rel=1e-9
    )


def test_freeze_changes_nothing(boxes, control):
    frozen = freeze(control)
    table = scenario_table(frozen, "four", boundaries=boxes)
    for side in ("occupied", "contested", "held"):
        pd.testing.assert_series_equal(
            table[f"before_{side}_km2"], table[f"after_{side}_km2"], check_names=False
        )
        assert (table[f"to_{side}_km2"] == 0).all()
    assert len(scenario_changes(frozen, boundaries=boxes)) == 0


@pytest.mark.parametrize(
    ("side", "from_held", "from_occupied"),
    [("both", 5, 5), ("ukrainian", 10, 0), ("russian", 0, 10)],
)
def test_buffer_zone_per_side(side, from_held, from_occupied):
    # A row of boxes north of the sea: the line x=37.5 runs from edge to edge.
    raw = gpd.GeoDataFrame(
        {"id": ["UA-23", "UA-14", "UA-09"]},
        geometry=[shapely.box(x, 48, x + 1, 49) for x in (36, 37, 38)],
        crs="EPSG:4326",
    )
    boxes = fl.from_geodataframe(raw, column="id")
    control = fl.read_control(
        gpd.GeoDataFrame(geometry=[shapely.box(37.5, 48, 39, 49)], crs=4326),
        date="2024-11-20",
    )
    length = GEOD.inv(37.5, 48, 37.5, 49)[2] / 1000
    zone = buffer_zone(control, 10, side=side, boundaries=boxes)
    flows = scenario_changes(zone, "UA-14", boundaries=boxes).set_index(["from", "to"])
    got_held = flows.area_km2.get(("held", "contested"), 0.0)
    got_occupied = flows.area_km2.get(("occupied", "contested"), 0.0)
    assert got_held == pytest.approx(from_held * length, rel=1e-3, abs=1e-9)
    assert got_occupied == pytest.approx(from_occupied * length, rel=1e-3, abs=1e-9)
    table = scenario_table(zone, "UA-14", boundaries=boxes)
    assert table.to_contested_km2[0] == pytest.approx(10 * length, rel=1e-3)
    step = zone.attrs["scenario"]["steps"][0]
    assert step["width_km"] == 10
    assert step["side"] == side
    assert step["tolerance"] == Tolerance().to_attrs()
    # The zone is contested in the report table.
    assert fl.control_table(zone, "UA-14", boundaries=boxes).contested_km2[
        0
    ] == pytest.approx(10 * length, rel=1e-3)


def test_official_basis_scales_flows(boxes, control):
    after = withdraw(control, "Kharkiv", boundaries=boxes)
    geo = scenario_table(after, "UA-63", boundaries=boxes)
    off = scenario_table(after, "UA-63", basis="official", boundaries=boxes)
    scale = off.area_km2[0] / geo.area_km2[0]
    assert off.area_km2[0] == 31_415  # Kharkiv's official area
    assert off.to_held_km2[0] == pytest.approx(geo.to_held_km2[0] * scale, rel=1e-9)
    assert off.to_held_pct[0] == pytest.approx(geo.to_held_pct[0], rel=1e-9)


def test_bad_options(boxes, control):
    with pytest.raises(fl.OptionError, match="unknown side 'middle'"):
        buffer_zone(control, 10, side="middle", boundaries=boxes)  # type: ignore[arg-type]
    with pytest.raises(fl.OptionError, match="width_km must be a positive number"):
        buffer_zone(control, 0, boundaries=boxes)
    with pytest.raises(fl.OptionError, match="expected the result of a scenario"):
        scenario_changes(control)
    with pytest.raises(fl.OptionError, match="expected the result of a scenario"):
        scenario_table(control)
    with pytest.raises(fl.OptionError, match="unknown basis 'area'"):
        scenario_changes(freeze(control), basis="area")  # type: ignore[arg-type]
    with pytest.raises(fl.RegionNotFoundError, match="unknown region 'Narnia'"):
        withdraw(control, "Narnia", boundaries=boxes)


# -- real layers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "which", ["sample", pytest.param("deepstate", marks=pytest.mark.shared)]
)
def test_withdraw_from_kharkiv_returns_its_russian_held_km2(which, request):
    if which == "sample":
        layer = fl.load_sample()
    else:
        layer = request.getfixturevalue("deepstate_20241120")
    report = fl.control_table(layer, "six").set_index("region_id")
    after = withdraw(layer, "Kharkiv")
    table = scenario_table(after, "six").set_index("region_id")
    # Equal but for the rounding of two different overlays (a few m²).
    assert table.loc["UA-63", "to_held_km2"] == pytest.approx(
        report.loc["UA-63", "occupied_km2"], rel=1e-8
    )
    assert table.loc["UA-63", "to_held_km2"] > 500  # a real patch, not nothing
    assert table.loc["UA-48", "to_held_km2"] == 0  # Mykolaiv not named
    # Ceding the four regions hands over exactly what Ukraine holds there.
    settled = cede(after, "four")
    t = scenario_table(settled, "four").set_index("region_id")
    assert t.loc["four", "to_occupied_km2"] == pytest.approx(
        report.loc["four", "held_km2"] + report.loc["four", "contested_km2"], rel=1e-6
    )


@pytest.mark.slow
@pytest.mark.shared
def test_real_buffer_zone_is_plausible(deepstate_20241120):
    zone = buffer_zone(deepstate_20241120, 15)
    table = scenario_table(zone, "six").set_index("region_id")
    line_km = zone.attrs["scenario"]["steps"][0]["line_length_km"]
    # A 15 km strip along ~1,160 km of line: about 15 × length, less where the
    # strip is cut by the coast, the border and the line's bends.
    total = table.loc["six", "to_contested_km2"]
    assert 0.7 * 15 * line_km < total < 15 * line_km
    assert (
        table.loc["UA-48", "to_contested_km2"] < table.loc["UA-14", "to_contested_km2"]
    )
