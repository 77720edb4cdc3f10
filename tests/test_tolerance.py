"""The tolerance model: one synthetic case per kind of noise, then real maps."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import shapely
from pyproj import Geod

import frontline as fl
from frontline import tolerance
from frontline.errors import FrontlineWarning, GeometryError, OptionError
from frontline.tolerance import (
    BORDER_M,
    DEFAULT_TOLERANCE,
    GAP_M,
    PINHOLE_KM2,
    SLIVER_M,
    STRIP_M,
    Tolerance,
    close_gaps,
    denoise_change,
    drop_pinholes,
    front_segments,
    local_projection,
)

from .conftest import shared_file

GEOD = Geod(ellps="WGS84")
#: A 4° × 4° "country": x = 40 is the state border, y = 46 the coast.
COUNTRY = shapely.box(36, 46, 40, 50)
M_PER_DEG_LAT = 111_200.0
#: Where a front meets the border at a right angle, closing the strips rounds
#: it into the border with a radius of STRIP_M / 2: at most this much longer
#: (measured 0.2–0.27 km at the default).
JUNCTION_KM = 0.6 * STRIP_M / 1000


def about(expected: float, junctions: int = 0):
    """``expected`` km, plus up to JUNCTION_KM for each junction."""
    slack = junctions * JUNCTION_KM / 2
    return pytest.approx(expected + slack, abs=slack + 0.01)


def km(geom) -> float:
    """Geodesic length (km) of lon/lat lines, edges densified."""
    if geom.is_empty:
        return 0.0
    return GEOD.geometry_length(shapely.segmentize(geom, 0.01)) / 1000


def edge_km(x0, y0, x1, y1) -> float:
    return km(shapely.LineString([(x0, y0), (x1, y1)]))


def lon_deg(metres: float, lat: float) -> float:
    return metres / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


# -- the Tolerance record ---------------------------------------------------------


def test_defaults_are_the_named_constants():
    tol = Tolerance()
    assert tol == DEFAULT_TOLERANCE
    assert tol.to_attrs() == {
        "gap_m": GAP_M,
        "sliver_m": SLIVER_M,
        "pinhole_km2": PINHOLE_KM2,
        "strip_m": STRIP_M,
        "border_m": BORDER_M,
    }
    assert all(isinstance(v, float) for v in tol.to_attrs().values())
    assert tol.caption() == (
        f"Tolerance: gaps {GAP_M:g} m, slivers {SLIVER_M:g} m, pinholes "
        f"{PINHOLE_KM2:g} km², strips {STRIP_M:g} m, pockets at the border "
        f"{BORDER_M / 1000:g} km."
    )


def test_tolerance_is_frozen_and_overridable():
    tol = Tolerance(gap_m=10, border_m=800)
    assert tol.gap_m == 10.0 and tol.sliver_m == SLIVER_M
    assert "pockets at the border 800 m" in tol.caption()
    with pytest.raises(dataclasses.FrozenInstanceError):
        tol.gap_m = 1  # type: ignore[misc]
    assert dataclasses.replace(tol, sliver_m=0).sliver_m == 0.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gap_m", -1),
        ("sliver_m", float("nan")),
        ("pinhole_km2", float("inf")),
        ("border_m", "5 km"),
        ("strip_m", None),
        ("gap_m", True),
    ],
)
def test_tolerance_rejects_bad_values(field, value):
    with pytest.raises(OptionError, match=f"{field} must be a non-negative number"):
        Tolerance(**{field: value})


# -- empty and wrong input ---------------------------------------------------------


def test_empty_inputs_give_empty_results():
    assert close_gaps([]).is_empty
    assert close_gaps([None, shapely.Polygon()]).is_empty
    assert drop_pinholes(None).is_empty
    kept, noise = denoise_change(None)
    assert kept.is_empty and noise.is_empty
    assert denoise_change(shapely.Polygon()).noise_km2 == 0.0
    assert front_segments(shapely.Polygon(), COUNTRY).is_empty
    assert front_segments(shapely.box(37, 47, 38, 48), shapely.Polygon()).is_empty


def test_front_segments_wants_the_area_not_its_boundary():
    ring = shapely.box(37, 47, 38, 48).boundary
    with pytest.raises(GeometryError, match="area must be polygonal"):
        front_segments(ring, COUNTRY)


def test_local_projection_needs_a_geometry():
    with pytest.raises(GeometryError, match="empty geometry"):
        local_projection(shapely.Polygon())


def test_close_gaps_takes_a_geoseries():
    import geopandas as gpd

    box = shapely.box(37, 47, 38, 48)
    s = gpd.GeoSeries([box, None], crs="EPSG:4326")
    assert shapely.hausdorff_distance(close_gaps(s.values), box) < 1e-9


# -- 1. a hairline gap between two classes: no seam --------------------------------


def test_hairline_gap_between_classes_draws_no_seam():
    gap = 0.000005  # ≈ 0.37 m, like the raw DeepState maps' seams
    occupied = shapely.box(37, 47, 38, 48)
    before_2022 = shapely.box(38 + gap, 47, 40, 48)  # runs to the border
    area = close_gaps([occupied, before_2022])
    assert area.geom_type == "Polygon"
    line = front_segments(area, COUNTRY)
    seam = shapely.box(38 - 0.001, 47.001, 38 + 0.001, 47.999)
    assert shapely.intersection(line, seam).is_empty
    expected = edge_km(37, 48, 40, 48) + edge_km(37, 47, 40, 47)
    expected += edge_km(37, 47, 37, 48)
    assert km(line) == about(expected, junctions=2)
    # Without the closing the seam is traced twice (both sides of the gap).
    raw = front_segments(
        close_gaps([occupied, before_2022], tol=Tolerance(gap_m=0)), COUNTRY
    )
    assert km(raw) == pytest.approx(expected + 2 * edge_km(38, 47, 38, 48), rel=1e-3)


# -- 2. the map runs past, or stops short of, the border -------------------------------


@pytest.mark.parametrize(
    "east_m",
    [
        pytest.param(230, id="overshoot-230m"),
        pytest.param(-30, id="short-30m"),
        pytest.param(-300, id="short-300m"),
    ],
)
def test_no_phantom_front_along_the_border(east_m):
    # The strip between the map and the border is open at both ends: it is
    # part of the rest of the country, and is closed as a strip.
    east = 40 + lon_deg(east_m, 47.5)
    held = shapely.box(38, 47, east, 48)
    line = front_segments(held, COUNTRY)
    along_border = shapely.box(39.9, 47.01, 40.1, 47.99)
    assert shapely.intersection(line, along_border).is_empty
    expected = edge_km(38, 48, 40, 48) + edge_km(38, 47, 40, 47)
    expected += edge_km(38, 47, 38, 48)
    # The strip is cut across where it opens into the rest of the country.
    assert km(line) == pytest.approx(expected + 0.75, abs=0.75)


def _staircase(depth_m: float):
    """The map held to the border, but drawn ``depth_m`` short of it over
    40 km (an enclosed pocket, like DeepState's Rostov-oblast border)."""
    pocket = shapely.box(40 - lon_deg(depth_m, 47.5), 47.3, 40, 47.66)
    return shapely.box(38, 47, 40, 48).difference(pocket), pocket


def test_pocket_between_the_map_and_the_border_is_closed():
    held, pocket = _staircase(3_000)
    line = front_segments(held, COUNTRY)
    assert shapely.intersection(line, pocket.buffer(0.001)).is_empty
    expected = edge_km(38, 48, 40, 48) + edge_km(38, 47, 40, 47)
    expected += edge_km(38, 47, 38, 48)
    assert km(line) == about(expected, junctions=2)


def test_a_pocket_wider_than_border_m_is_front():
    held, pocket = _staircase(3_000)
    line = front_segments(held, COUNTRY, tol=Tolerance(border_m=2_000))
    along = shapely.intersection(line, pocket.buffer(0.001))
    # Its three inland sides: 3 km, 40 km, 3 km.
    expected = km(pocket.boundary) - edge_km(40, 47.3, 40, 47.66)
    assert km(along) == about(expected, junctions=2)


def test_a_strip_wider_than_strip_m_and_open_is_front():
    held = shapely.box(38, 47, 40 - lon_deg(2_000, 47.5), 48)
    line = front_segments(held, COUNTRY)
    along = shapely.intersection(line, shapely.box(39.9, 47.01, 40.1, 47.99))
    assert km(along) == pytest.approx(edge_km(40, 47.01, 40, 47.99), rel=1e-2)


def test_crumb_of_a_feature_drawn_past_the_border_is_dropped():
    main = shapely.box(38, 47, 39, 48)
    # A patch drawn almost entirely beyond the border: 75 m of it inside.
    crumb = shapely.box(40 - lon_deg(75, 48.5), 48.5, 40.05, 48.6)
    line = front_segments(shapely.union(main, crumb), COUNTRY)
    assert shapely.intersection(line, shapely.box(39.9, 48.4, 40.1, 48.7)).is_empty
    assert km(line) == pytest.approx(km(main.boundary), rel=1e-4)


def test_genuine_patch_at_the_border_keeps_its_inland_edge():
    # Like Vovchansk: a patch held against the border, 3.7 km wide, which is
    # narrower than BORDER_M, all of it inside the country.
    patch = shapely.box(39.95, 48.5, 40.0, 48.55)
    line = front_segments(patch, COUNTRY)
    expected = edge_km(39.95, 48.5, 40, 48.5) + edge_km(39.95, 48.55, 40, 48.55)
    expected += edge_km(39.95, 48.5, 39.95, 48.55)
    assert km(line) == about(expected, junctions=2)
    assert line.bounds[2] == pytest.approx(40.0, abs=1e-9)  # reaches the border


# -- 3. pinholes --------------------------------------------------------------------


def test_pinhole_is_filled_and_a_real_pocket_is_kept():
    pin = shapely.box(37.5, 47.5, 37.5013, 47.5009)  # ≈ 0.01 km²
    pocket = shapely.box(38.2, 47.2, 38.25, 47.25)  # ≈ 21 km²
    area = shapely.box(37, 47, 39, 48).difference(pin).difference(pocket)
    filled = drop_pinholes(area)
    assert len(filled.interiors) == 1
    assert fl.area_km2(filled) == pytest.approx(
        fl.area_km2(area) + fl.area_km2(pin), rel=1e-9
    )
    line = front_segments(filled, COUNTRY)
    assert shapely.intersection(line, pin.buffer(0.001)).is_empty
    assert km(line) == pytest.approx(km(filled.boundary), rel=1e-6)
    assert km(shapely.intersection(line, pocket.buffer(0.001))) == pytest.approx(
        km(pocket.boundary), rel=1e-3
    )
    assert len(drop_pinholes(area, tol=Tolerance(pinhole_km2=0)).interiors) == 2


# -- 4. coastline jitter between two versions -----------------------------------------


def test_coastline_jitter_is_noise_and_the_advance_is_kept():
    before = shapely.box(37, 46, 38, 47)
    jitter = 0.0002  # the coast redrawn ≈ 22 m further out
    advance = shapely.box(38, 46.5, 38.03, 47)  # 2.3 km × 56 km
    after = shapely.union(shapely.box(37, 46 - jitter, 38, 47), advance)
    gained = shapely.difference(after, before)
    result = denoise_change(gained)
    assert result.kept.equals(advance)
    assert result.noise.equals(shapely.box(37, 46 - jitter, 38, 46))
    assert result.kept_km2 + result.noise_km2 == pytest.approx(
        fl.area_km2(gained), rel=1e-12
    )
    assert result.noise_km2 == pytest.approx(1.7, rel=0.05)
    # Without a sliver width nothing is noise.
    assert denoise_change(gained, tol=Tolerance(sliver_m=0)).noise.is_empty


# -- 5. genuine narrow shapes survive -------------------------------------------------


def test_narrow_advance_wider_than_sliver_survives():
    advance = shapely.box(38, 47, 38 + lon_deg(300, 47.5), 47.05)  # 300 m wide
    kept, noise = denoise_change(advance)
    assert kept.equals(advance) and noise.is_empty


def test_narrow_russian_salient_survives():
    base = shapely.box(37, 47, 38, 48)
    salient = shapely.box(38, 47.495, 38.1, 47.505)  # 1.1 km wide, 7.5 km long
    area = close_gaps([base, salient])
    assert fl.area_km2(area) == pytest.approx(fl.area_km2(base.union(salient)), 1e-9)
    line = front_segments(area, COUNTRY)
    assert km(line) == pytest.approx(km(base.union(salient).boundary), rel=1e-4)


def test_narrow_ukrainian_corridor_stays_open():
    corridor = shapely.box(37.5, 47, 37.5 + lon_deg(700, 47.3), 47.6)  # 700 m wide
    area = close_gaps([shapely.box(37, 47.001, 38, 48).difference(corridor)])
    line = front_segments(area, COUNTRY)
    assert km(shapely.intersection(line, corridor.buffer(0.0001))) > 2 * 60


# -- real maps (../shared) ------------------------------------------------------------

UNION = ("control", "deepstate_occupied_union")
RAW = ("control", "deepstate_raw_multiclass")
RUSSIAN = ("occupied", "occupied_before_2022")


def _read(*parts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrontlineWarning)  # raw maps' overlaps
        return fl.read_control(shared_file(*parts))


def _front(layer):
    area = drop_pinholes(close_gaps(layer.loc[layer.status.isin(RUSSIAN)].geometry))
    return front_segments(area, _outline())


def _outline():
    units = fl.load_regions("all")
    return shapely.union_all(np.asarray(units.geometry.values, dtype=object))


def _to_metres(geom, fwd):
    return shapely.transform(
        shapely.segmentize(geom, 0.0025),
        lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])),
    )


def _km_per_region(line) -> pd.Series:
    units = fl.load_regions("all")
    cut = shapely.intersection(np.asarray(units.geometry.values, dtype=object), line)
    return pd.Series([km(g) for g in cut], index=units.region_id.to_numpy())


@pytest.fixture(scope="module")
def raw_20241120():
    return _read(*RAW, "20241120T213037Z_1732138237.geojson.gz")


@pytest.mark.shared
def test_real_raw_and_union_front_lines_agree(deepstate_20241120, raw_20241120):
    # Before: 1,162.9 km (union) vs 1,426.4 km (raw), Luhansk 106.5 vs 316.0.
    union = _km_per_region(_front(deepstate_20241120))
    raw = _km_per_region(_front(raw_20241120))
    assert raw.sum() == pytest.approx(union.sum(), rel=0.02)
    assert 1_050 < union.sum() < 1_250
    for rid in ("UA-09", "UA-14", "UA-23", "UA-63", "UA-65"):
        assert raw[rid] == pytest.approx(union[rid], rel=0.02), rid
    assert set(union[union > 0].index) == {"UA-09", "UA-14", "UA-23", "UA-63", "UA-65"}


@pytest.mark.shared
def test_real_buffer_band_is_the_front_plus_the_kharkiv_patches(deepstate_20241120):
    line = _front(deepstate_20241120)
    fwd, _ = local_projection(_outline())
    band = shapely.intersection(
        shapely.buffer(_to_metres(line, fwd), 7_500), _to_metres(_outline(), fwd)
    )
    parts = shapely.get_parts(band)
    parts = parts[np.argsort(-shapely.area(parts))]
    big = parts[shapely.area(parts) > 10e6]  # 10 km²
    assert len(big) == 3  # before: 10 parts (blobs on the border and in the rear)
    towns = {"Vovchansk": (36.94, 50.29), "Lyptsi": (36.43, 50.20)}
    for name, (lon, lat) in towns.items():
        town = shapely.Point(fwd.transform(lon, lat))
        assert min(shapely.distance(p, town) for p in big[1:]) < 10_000, name
    # What is left is a 5 km² piece of the band across the Dnipro estuary.
    assert len(parts) <= 4


@pytest.mark.shared
def test_real_change_noise_is_reported_not_drawn():
    before = _read(*UNION, "deepstatemap_data_20250801.geojson")
    after = _read(*UNION, "deepstatemap_data_20260801.geojson")
    old, new = (shapely.union_all(x.geometry.values) for x in (before, after))
    units = fl.load_regions("all")
    geoms = np.asarray(units.geometry.values, dtype=object)
    for gained in (shapely.difference(new, old), shapely.difference(old, new)):
        parts = shapely.get_parts(gained)
        kept, noise = denoise_change(gained)
        assert len(shapely.get_parts(kept)) < len(parts) / 3  # before: 357 and 347
        # Nothing moves in the tables: kept + noise is the change, per oblast.
        per_unit = [fl.area_km2(shapely.intersection(geoms, g)) for g in (kept, noise)]
        total = fl.area_km2(shapely.intersection(geoms, gained))
        np.testing.assert_allclose(per_unit[0] + per_unit[1], total, atol=1e-6)
        assert per_unit[1].max() < 1.0  # noise per oblast, reported apart
        # No drawn part is thinner than the tolerance.
        kept_m = _to_metres(shapely.get_parts(kept), local_projection(kept)[0])
        core = shapely.buffer(kept_m, -(SLIVER_M / 2 - 1), join_style="mitre")
        assert not shapely.is_empty(core).any()


@pytest.mark.shared
def test_real_control_table_does_not_go_through_tolerance(raw_20241120, monkeypatch):
    expected = fl.control_table(raw_20241120, "all")
    copy = raw_20241120.copy()

    def boom(*args, **kwargs):
        raise AssertionError("control_table must not use frontline.tolerance")

    for name in ("close_gaps", "drop_pinholes", "denoise_change", "front_segments"):
        monkeypatch.setattr(tolerance, name, boom)
    pd.testing.assert_frame_equal(fl.control_table(raw_20241120, "all"), expected)
    monkeypatch.undo()
    _front(raw_20241120)  # never mutates its input
    pd.testing.assert_frame_equal(raw_20241120, copy)
