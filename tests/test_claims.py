"""Claim checks: claim forms, verdicts on boxes, and the Reuters claim."""

from __future__ import annotations

import json
import math

import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline.claims import Claim, check_claim


def box_area(*bounds):
    return fl.area_km2(shapely.box(*bounds))


@pytest.fixture(scope="module")
def boxes():
    raw = gpd.GeoDataFrame(
        {"id": ["UA-14", "UA-09", "UA-23", "UA-65", "UA-63", "UA-48"]},
        geometry=[shapely.box(x, 47, x + 1, 48) for x in (37, 38, 36, 35, 34, 33)],
        crs="EPSG:4326",
    )
    return fl.from_geodataframe(raw, column="id", source="boxes")


@pytest.fixture(scope="module")
def control():
    """Donetsk and Luhansk boxes fully Russian-held, Zaporizhzhia half."""
    gdf = gpd.GeoDataFrame(
        {"status": ["occupied", "occupied"]},
        geometry=[shapely.box(37, 47, 39, 48), shapely.box(36.5, 47, 37, 48)],
        crs=4326,
    )
    return fl.read_control(gdf, date="2024-11-20")


@pytest.mark.parametrize(
    ("spec", "lo", "hi", "value", "rel"),
    [
        ((70, 80), 70, 80, None, None),
        ([70, 70], 70, 70, None, None),
        ((26000, 0.1), 23400, 28600, 26000, 0.1),
        (76.0, 72.2, 79.8, 76.0, 0.05),
        ("70:80", 70, 80, None, None),
        ("70..80", 70, 80, None, None),
        ("26000~10%", 23400, 28600, 26000, 0.1),
        ("26,000±0.1", 23400, 28600, 26000, 0.1),
        ("26000", 24700, 27300, 26000, 0.05),
        (Claim.between(1, 2), 1, 2, None, None),
    ],
)
def test_claim_forms(spec, lo, hi, value, rel):
    claim = Claim.parse(spec)
    assert claim.lo == pytest.approx(lo)
    assert claim.hi == pytest.approx(hi)
    assert claim.value == value
    assert claim.rel == rel


def test_claim_text():
    assert Claim.parse((70, 80)).text("pct") == "70–80%"
    assert Claim.parse((26000, 0.1)).text("km2") == "26,000 km² ± 10%"
    assert Claim.parse((0.5, 0.75)).text() == "0.5–0.75"
    assert Claim.parse((70, 80)).centre == 75


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ((80, 70), r"cannot read the claim \(80, 70\)"),
        ((1, 2, 3), r"cannot read the claim \(1, 2, 3\)"),
        ("seventy", "cannot read the claim 'seventy'"),
        (("a", 1), "expected a number in the claim, got 'a'"),
        ((math.inf, 1), "expected a finite number"),
        (True, "cannot read the claim True"),
    ],
)
def test_unreadable_claims(spec, message):
    with pytest.raises(fl.OptionError, match=message):
        Claim.parse(spec)


def test_claim_constructors_check_their_input():
    with pytest.raises(fl.OptionError, match="needs lo <= hi, got \\(80, 70\\)"):
        Claim.between(80, 70)
    with pytest.raises(fl.OptionError, match="relative tolerance must be in"):
        Claim.about(100, 1.5)


def test_verdict_on_known_shares(boxes, control):
    four = sum(box_area(x, 47, x + 1, 48) for x in (35, 36, 37, 38))
    russian = box_area(37, 47, 39, 48) + box_area(36.5, 47, 37, 48)
    held = four - russian
    check = check_claim(
        control,
        "four",
        occupied_pct=(70, 80),
        held_km2=(round(held), 0.01),
        boundaries=boxes,
    )
    table = check.table.set_index("quantity")
    pct = 100 * russian / four
    assert table.loc["occupied_pct", "measured"] == pytest.approx(pct, rel=1e-9)
    assert pct < 70  # 62.5 % by construction
    assert not table.loc["occupied_pct", "holds"]
    assert table.loc["occupied_pct", "margin"] == pytest.approx(pct - 70, rel=1e-9)
    assert table.loc["occupied_pct", "deviation"] == pytest.approx(pct - 75, rel=1e-9)
    assert table.loc["held_km2", "holds"]
    assert table.loc["held_km2", "measured"] == pytest.approx(held, rel=1e-9)
    assert table.loc["held_km2", "deviation_pct"] == pytest.approx(
        100 * (held - round(held)) / round(held), rel=1e-6
    )
    assert not check.holds
    assert table.region_id.unique().tolist() == ["four"]
    assert check.meta["boundaries"] == "boxes"
    assert check.meta["basis"] == "geometry"
    assert check.meta["date"] == "2024-11-20"
    text = check.verdict()
    assert text.startswith("claim does not hold")
    assert "Russian-held share 62.5% (claim 70–80%) fails by 7.5 points" in text
    assert "basis geometry; boundaries boxes" in text
    page = check._repr_html_()
    assert "does not hold" in page
    assert "62.5%" in page
    assert repr(check).startswith("ClaimCheck(claim does not hold")
    data = json.loads(json.dumps(check.to_dict()))
    assert data["holds"] is False
    assert [q["quantity"] for q in data["quantities"]] == ["occupied_pct", "held_km2"]


def test_single_region_and_sums(boxes, control):
    one = check_claim(control, "Zaporizhzhia", occupied_pct=50, boundaries=boxes)
    assert one.holds
    assert one.table.region_id[0] == "UA-23"
    assert one.table.measured[0] == pytest.approx(50, rel=1e-9)
    both = check_claim(
        control, ["Donetsk", "Zaporizhzhia"], occupied_pct="70:80", boundaries=boxes
    )
    assert both.table.region_id[0] == "UA-14+UA-23"
    assert both.table.name[0] == "Donetsk, Zaporizhzhia"
    expected = (
        100
        * (box_area(37, 47, 38, 48) + box_area(36.5, 47, 37, 48))
        / (box_area(37, 47, 38, 48) + box_area(36, 47, 37, 48))
    )
    assert both.table.measured[0] == pytest.approx(expected, rel=1e-9)  # 75 %
    assert both.holds
    six = check_claim(control, "six", contested_km2=(0, 1), boundaries=boxes)
    assert six.table.region_id[0] == "six"


def test_official_basis_moves_km2_not_shares(boxes, control):
    # A region's share is unchanged by the basis (a group's is re-weighted).
    geo = check_claim(control, "UA-23", held_km2=1, occupied_pct=1, boundaries=boxes)
    off = check_claim(
        control,
        "UA-23",
        held_km2=1,
        occupied_pct=1,
        basis="official",
        boundaries=boxes,
    )
    g, o = geo.table.set_index("quantity"), off.table.set_index("quantity")
    assert o.loc["held_km2", "measured"] != pytest.approx(g.loc["held_km2", "measured"])
    assert o.loc["occupied_pct", "measured"] == pytest.approx(
        g.loc["occupied_pct", "measured"], rel=1e-9
    )
    assert off.meta["basis"] == "official"


def test_no_claim_is_an_error(control):
    with pytest.raises(fl.OptionError, match="no claim given"):
        check_claim(control, "four")


# -- the Reuters claim, 20 Nov 2024 ----------------------------------------------

# Measured 2026-11-29 on DeepState's union archive (evening of 20 Nov 2024).
REUTERS = {
    ("embedded", "geometry"): (76.82, 24_609.2),
    ("embedded", "official"): (76.80, 25_252.2),
    ("minregion", "geometry"): (76.60, 25_230.1),
    ("minregion", "official"): (76.53, 25_542.7),
}


@pytest.mark.shared
@pytest.mark.parametrize(("bounds", "basis"), list(REUTERS))
def test_reuters_claim(deepstate_20241120, request, bounds, basis):
    boundaries = request.getfixturevalue("minregion") if bounds == "minregion" else None
    check = check_claim(
        deepstate_20241120,
        "four",
        occupied_pct=(70, 80),
        held_km2=(26_000, 0.1),
        basis=basis,
        boundaries=boundaries,
    )
    table = check.table.set_index("quantity")
    pct, held = REUTERS[(bounds, basis)]
    assert table.loc["occupied_pct", "measured"] == pytest.approx(pct, abs=0.01)
    assert table.loc["held_km2", "measured"] == pytest.approx(held, abs=0.5)
    assert check.holds  # both parts hold, for every boundary set and basis
    # "About 26,000" read as ±5 % (a bare value) fails only for the embedded
    # polygons' own areas.
    strict = Claim.parse(26_000)
    holds = strict.lo <= table.loc["held_km2", "measured"] <= strict.hi
    assert holds is not (bounds == "embedded" and basis == "geometry")
