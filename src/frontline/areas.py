"""The area engine: geodesic areas on the WGS84 ellipsoid, overlay, shares.

Every km² frontline prints is computed here. Areas are geodesic
(:class:`pyproj.Geod` on WGS84, Karney's algorithm); an equal-area projection
(EPSG:6933) is offered as a cross-check. Never an area in degrees.

Edges are read as GeoJSON (RFC 7946) and shapely read them: straight lines in
longitude/latitude. Both methods densify edges longer than 0.01° (about 1 km)
before measuring, so a polygon and the pieces an overlay cuts from it measure
consistently (a 1°-long edge taken as one geodesic would differ by ~5e-5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import pandas as pd

import shapely
from pyproj import Geod

from frontline.errors import CRSError, OptionError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

__all__ = ["EQUAL_AREA_CRS", "AreaMethod", "area_km2"]

AreaMethod = Literal["geodesic", "equal-area"]

#: The equal-area projection used by ``method="equal-area"`` (NSIDC EASE-Grid
#: 2.0 Global, cylindrical equal-area on the WGS84 ellipsoid).
EQUAL_AREA_CRS: Final = "EPSG:6933"
#: Edges are straight lines in lon/lat, as in GeoJSON (RFC 7946) and in every
#: shapely/GEOS overlay; both methods densify them to this length (degrees,
#: about 1 km) so that the ellipsoid sees the shape that was drawn and clipped.
_SEGMENT_DEG: Final = 0.01

_GEOD: Final = Geod(ellps="WGS84")
_POLYGON: Final = 3


def area_km2(
    geometry: Geometry | gpd.GeoSeries | gpd.GeoDataFrame | Iterable[Geometry | None],
    *,
    method: AreaMethod = "geodesic",
) -> float | NDArray[np.float64]:
    """Area of polygons in km² on the WGS84 ellipsoid.

    Parameters
    ----------
    geometry : shapely geometry, GeoSeries, GeoDataFrame or array-like
        Lon/lat geometries (EPSG:4326). A GeoSeries or GeoDataFrame must carry
        that CRS. Non-polygonal parts (points, lines) have no area; ``None``
        and empty geometries give 0. Ring orientation does not matter.
    method : {"geodesic", "equal-area"}, default "geodesic"
        ``geodesic`` integrates on the ellipsoid (pyproj.Geod);
        ``equal-area`` projects to EPSG:6933. Both first densify edges to
        0.01° (straight in lon/lat); they agree to better than 1e-6.

    Returns
    -------
    float or numpy.ndarray
        km², a float for a single geometry, else an array aligned with the input.

    Raises
    ------
    CRSError
        If a GeoSeries/GeoDataFrame is not in EPSG:4326.

    Examples
    --------
    A 1°×1° cell at the equator is about 12,309 km²; orientation, ``None`` and
    empty input are handled:

    >>> import shapely
    >>> round(area_km2(shapely.box(0, 0, 1, 1)), 1)
    12308.5
    >>> round(area_km2(shapely.box(0, 0, 1, 1).reverse()), 1)
    12308.5
    >>> area_km2([None, shapely.Polygon(), shapely.Point(0, 0)]).tolist()
    [0.0, 0.0, 0.0]
    """
    if method not in get_args(AreaMethod):
        raise OptionError(
            f"unknown area method {method!r}; expected one of {get_args(AreaMethod)}"
        )
    scalar = isinstance(geometry, shapely.Geometry)
    geoms = _as_array(geometry)
    result = _geodesic(geoms) if method == "geodesic" else _equal_area(geoms)
    return float(result[0]) if scalar else result


def _as_array(geometry: Any) -> NDArray[np.object_]:
    import geopandas as gpd

    if isinstance(geometry, gpd.GeoDataFrame):
        geometry = geometry.geometry
    if isinstance(geometry, gpd.GeoSeries):
        if geometry.crs is None or not geometry.crs.equals("EPSG:4326"):
            raise CRSError(
                f"areas are computed from lon/lat (EPSG:4326) geometries, got CRS "
                f"{geometry.crs}; call .to_crs('EPSG:4326') first"
            )
        return np.asarray(geometry.values, dtype=object)
    if isinstance(geometry, shapely.Geometry):
        return np.array([geometry], dtype=object)
    return np.asarray(list(geometry), dtype=object)


def _polygon_parts(
    geoms: NDArray[np.object_],
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Flatten (multi)polygons and collections into polygons and owner indices."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    while True:
        nested = shapely.get_num_geometries(parts) > 1
        nested |= shapely.get_type_id(parts) >= 4
        if not nested.any():
            break
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_idx]])
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    return parts[keep], index[keep]


def _geodesic(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    out = np.zeros(len(geoms), dtype=float)
    valid = np.array([g is not None for g in geoms], dtype=bool)
    if not valid.any():
        return out
    polys, owner = _polygon_parts(geoms[valid])
    owner = np.flatnonzero(valid)[owner]
    if len(polys) == 0:
        return out
    polys = shapely.segmentize(polys, _SEGMENT_DEG)
    # Degenerate (zero-area) rings may come back empty: they have no area.
    keep = ~shapely.is_empty(polys)
    polys, owner = polys[keep], owner[keep]
    if len(polys) == 0:
        return out
    n_holes = shapely.get_num_interior_rings(polys)
    rings, ring_owner = shapely.get_rings(polys, return_index=True)
    # get_rings lists each polygon's exterior first, then its holes.
    first = np.concatenate([[0], np.cumsum(n_holes + 1)[:-1]])
    sign = -np.ones(len(rings))
    sign[first] = 1.0
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    bounds = np.searchsorted(coord_ring, np.arange(len(rings) + 1))
    ring_area = np.zeros(len(rings))
    for i in range(len(rings)):
        lo, hi = bounds[i], bounds[i + 1]
        if hi - lo >= 4:  # a closed ring needs 3 distinct points
            area, _ = _GEOD.polygon_area_perimeter(coords[lo:hi, 0], coords[lo:hi, 1])
            ring_area[i] = abs(area)
    np.add.at(out, owner[ring_owner], sign * ring_area)
    return out / 1e6


def _equal_area(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    from pyproj import Transformer

    out = np.zeros(len(geoms), dtype=float)
    valid = np.array([g is not None for g in geoms], dtype=bool)
    if not valid.any():
        return out
    polys, owner = _polygon_parts(geoms[valid])
    if len(polys) == 0:
        return out
    owner = np.flatnonzero(valid)[owner]
    dense = shapely.segmentize(polys, _SEGMENT_DEG)
    to_ea = Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)
    projected = shapely.transform(
        dense, lambda xy: np.column_stack(to_ea.transform(xy[:, 0], xy[:, 1]))
    )
    np.add.at(out, owner, shapely.area(projected))
    return out / 1e6


def _overlay_km2(
    regions: gpd.GeoDataFrame, status_geoms: dict[str, Geometry]
) -> pd.DataFrame:
    """km² of each status inside each region (rows: region_id)."""
    region_geoms = np.asarray(regions.geometry.values, dtype=object)
    shapely.prepare(region_geoms)
    table = pd.DataFrame(
        0.0,
        index=pd.Index(regions.region_id, name="region_id"),
        columns=list(status_geoms),
    )
    for status, geom in status_geoms.items():
        if geom is None or geom.is_empty:
            continue
        hit = shapely.intersects(region_geoms, geom)
        if not hit.any():
            continue
        parts = shapely.intersection(region_geoms[hit], geom)
        table.loc[table.index[hit], status] = _geodesic(np.asarray(parts, dtype=object))
    return table
