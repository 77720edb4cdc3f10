"""The area engine: geodesic areas against known values, and the cross-check."""

from __future__ import annotations

import math

import numpy as np
import pytest

import geopandas as gpd
import shapely
from pyproj import Geod

import frontline as fl

# Reference: the area between two meridians and two parallels on the WGS84
# ellipsoid, from the closed form (authalic integration); a box's edges along
# parallels are not geodesics, so compare with a densified box.
A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)


def _q(lat_deg: float) -> float:
    s = math.sin(math.radians(lat_deg))
    return (1 - E2) * (
        s / (1 - E2 * s * s) - math.log((1 - E * s) / (1 + E * s)) / (2 * E)
    )


def zone_area_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Exact area of a lon/lat rectangle bounded by parallels (km²)."""
    return A * A / 2 * math.radians(lon1 - lon0) * (_q(lat1) - _q(lat0)) / 1e6


def dense_box(lon0, lat0, lon1, lat1, step=0.001):
    """A box whose edges follow the parallels closely (many vertices)."""
    return shapely.segmentize(shapely.box(lon0, lat0, lon1, lat1), step)


@pytest.mark.parametrize(
    "bounds",
    [(37.0, 47.0, 38.0, 48.0), (22.0, 44.0, 40.0, 52.5), (30.0, 50.0, 30.01, 50.01)],
)
def test_geodesic_area_matches_closed_form(bounds):
    expected = zone_area_km2(*bounds)
    got = fl.area_km2(dense_box(*bounds, step=min(0.001, (bounds[2] - bounds[0]) / 50)))
    assert got == pytest.approx(expected, rel=1e-6)


def test_unit_square_at_equator():
    # A 1°×1° cell bounded by the equator, the 1°N parallel and two meridians
    # is 12,308.46 km² (its edges are straight in lon/lat, i.e. parallels).
    assert fl.area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12308.46, abs=0.01)
    assert fl.area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(
        zone_area_km2(0, 0, 1, 1), rel=1e-7
    )


def test_orientation_holes_and_multiparts():
    outer = shapely.box(36, 47, 38, 49)
    hole = shapely.box(36.5, 47.5, 37.0, 48.0)
    donut = outer.difference(hole)
    expected = fl.area_km2(outer) - fl.area_km2(hole)
    assert fl.area_km2(donut) == pytest.approx(expected, rel=1e-12)
    # Reversed rings (clockwise exterior, counter-clockwise hole) measure the same.
    assert fl.area_km2(donut.reverse()) == pytest.approx(expected, rel=1e-12)
    multi = shapely.MultiPolygon([donut, shapely.box(30, 50, 31, 51)])
    assert fl.area_km2(multi) == pytest.approx(
        expected + fl.area_km2(shapely.box(30, 50, 31, 51)), rel=1e-12
    )
    collection = shapely.GeometryCollection([multi, shapely.Point(1, 1)])
    assert fl.area_km2(collection) == pytest.approx(fl.area_km2(multi), rel=1e-12)


def test_empty_none_points_and_lines_have_no_area():
    got = fl.area_km2(
        [
            None,
            shapely.Polygon(),
            shapely.Point(30, 50),
            shapely.LineString([(0, 0), (1, 1)]),
        ]
    )
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0, 0.0])


def test_matches_pyproj_geometry_area_perimeter_on_oriented_input():
    geod = Geod(ellps="WGS84")
    poly = shapely.orient_polygons(
        shapely.Polygon([(30, 46), (36, 46.5), (38, 50), (33, 52), (29, 49)])
    )
    # Geod takes each edge as a geodesic; frontline's "geodesic" method
    # densifies straight lon/lat edges first, so on the densified polygon both
    # integrate the same shape.
    area, _ = geod.geometry_area_perimeter(shapely.segmentize(poly, 0.01))
    assert fl.area_km2(poly, method="geodesic") == pytest.approx(
        abs(area) / 1e6, rel=1e-12
    )
    assert fl.area_km2(poly) == pytest.approx(abs(area) / 1e6, rel=1e-7)


@pytest.mark.parametrize("method", ["geodesic", "equal-area"])
def test_cross_checks_agree_with_the_engine_on_every_unit(method):
    # The engine (exact integral) against pyproj.Geod and against a plain
    # EPSG:6933 projection: the brief asks for 1e-6; they agree to ~1e-7.
    regions = fl.load_regions("all")
    engine = fl.area_km2(regions)
    other = fl.area_km2(regions, method=method)
    np.testing.assert_allclose(other, engine, rtol=2e-7)


@pytest.mark.parametrize("method", ["geodesic", "equal-area"])
def test_cross_checks_agree_on_long_edges(method):
    tri = shapely.Polygon([(22, 45), (40, 46), (31, 52.3)])
    assert fl.area_km2(tri, method=method) == pytest.approx(fl.area_km2(tri), rel=1e-6)


def test_pieces_sum_to_the_whole():
    # Edges are straight in lon/lat, as shapely cuts them: the pieces of a
    # polygon cut anywhere add up to the polygon, to rounding.
    whole = shapely.Polygon([(37, 47), (38.7, 47.2), (38.1, 48.4), (36.9, 48.1)])
    cut = shapely.box(37.3123, 40, 50, 55)
    pieces = [shapely.difference(whole, cut), shapely.intersection(whole, cut)]
    assert sum(fl.area_km2(pieces)) == pytest.approx(fl.area_km2(whole), rel=1e-13)


def test_thin_spike_is_measured_not_split():
    # GEOS' segmentize turns this valid polygon into a MultiPolygon; the engine
    # works on coordinates and measures it as drawn.
    spike = shapely.from_wkt(
        "POLYGON ((37 46.75, 37 46.95, 37.3 46.95, 37.3 46.825, 38 47, 37 46.75))"
    )
    expected = fl.area_km2(spike, method="geodesic")
    assert fl.area_km2(spike) == pytest.approx(expected, rel=1e-6)
    assert fl.area_km2(spike, method="equal-area") == pytest.approx(expected, rel=1e-6)


def test_rejects_projected_geoseries_and_unknown_method():
    series = gpd.GeoSeries([shapely.box(0, 0, 1000, 1000)], crs="EPSG:3857")
    with pytest.raises(fl.CRSError, match=r"EPSG:4326.*to_crs"):
        fl.area_km2(series)
    with pytest.raises(fl.OptionError, match="unknown area method 'degrees'"):
        fl.area_km2(shapely.box(0, 0, 1, 1), method="degrees")  # type: ignore[arg-type]


def test_never_area_in_degrees_warning_is_an_error():
    # The suite turns geopandas' geographic-CRS area warning into an error, so
    # any accidental .area on lon/lat data fails loudly.
    with pytest.raises(UserWarning, match="geographic CRS"):
        _ = gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=4326).area
