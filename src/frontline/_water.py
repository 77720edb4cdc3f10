"""Sea water: the embedded sea mask, a user's finer mask, and land units.

``basis="land"`` measures each unit's polygon minus the sea, for both its
area and the km² of each status inside it. The sea comes from the embedded
mask (Natural Earth 10m land, public domain: the box lon 28–40.5° E, lat
43.5–47.5° N minus the land; built by ``data/water/build_water.py``) or from
a polygon layer the user passes as ``water=`` (an OpenStreetMap-derived
coastline, GSHHG …).

Only sea water is meant. Inland water is not taken out: the drained Kakhovka
reservoir, the Dniester and other limans and the Syvash are land in the
embedded mask, as they are in DeepState's per-oblast shares (a mask that
removes the former Kakhovka bed gets a warning).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import warnings
from collections import OrderedDict
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np

import shapely

from frontline._io import read_vector
from frontline._units import ukraine_outline
from frontline.areas import _km2, _polygon_parts
from frontline.errors import (
    CRSError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "BASES",
    "WATER_SOURCE",
    "Basis",
    "WaterMask",
    "basis_units",
    "check_basis",
    "land_units",
    "load_water",
    "water_mask",
]

log = logging.getLogger(__name__)

#: How each region's km² are measured: ``geometry`` (the boundary polygons),
#: ``official`` (scaled to official areas) or ``land`` (polygons minus sea).
Basis = Literal["geometry", "official", "land"]
BASES: Final = get_args(Basis)

#: Where the embedded sea mask comes from (recorded in attrs and captions).
WATER_SOURCE: Final = (
    "sea mask: Natural Earth 10m land (public domain) via npm world-atlas@2.0.2, "
    "sea = lon 28–40.5° E, lat 43.5–47.5° N minus land; the Syvash, limans and "
    "reservoirs count as land"
)

_DATA = files("frontline") / "data"
#: Ukraine's neighbourhood (lon_min, lat_min, lon_max, lat_max): a mask must
#: reach it.
_NEAR_UKRAINE: Final = (20.0, 43.0, 42.0, 53.0)
#: A mask covering more of Ukraine's land than this is land, not sea.
_MAX_LAND_SHARE: Final = 0.5
#: Around the former Kakhovka reservoir (drained in 2023): no sea reaches
#: this box, so any water in it is the reservoir's bed or the river.
_KAKHOVKA_BOX: Final = (33.4, 46.75, 35.2, 47.84)
_KAKHOVKA_WARN_KM2: Final = 20.0
_POLYGON_TYPES: Final = ("Polygon", "MultiPolygon")


@dataclasses.dataclass(frozen=True, eq=False)
class WaterMask:
    """A checked sea mask: one polygonal geometry in lon/lat (EPSG:4326).

    Attributes
    ----------
    geometry : shapely geometry
        The union of the water polygons (valid, prepared).
    source : str
        What it is, recorded in ``attrs["water"]`` and in captions.
    key : str
        sha256 of the geometry's WKB (caches are keyed on it).
    embedded : bool
        Whether it is frontline's embedded Natural Earth mask.
    """

    geometry: Geometry
    source: str
    key: str
    embedded: bool = False


def check_basis(basis: Any, water: Any = None) -> None:
    """Raise :class:`OptionError` for an unknown basis or a misplaced ``water``."""
    if basis not in BASES:
        raise OptionError(f"unknown basis {basis!r}; expected one of {BASES}")
    if water is not None and basis != "land":
        raise OptionError(
            f"water= applies to basis='land' only, got basis={basis!r}; pass "
            "basis='land' (CLI: --basis land) to take the sea out"
        )


def load_water(
    water: str | os.PathLike[str] | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Load the sea mask used by ``basis="land"``, or check a user's mask.

    Parameters
    ----------
    water : path, GeoDataFrame or GeoSeries, optional
        ``None``: the embedded mask (Natural Earth 10m land, public domain;
        the box lon 28–40.5° E, lat 43.5–47.5° N minus the land). Otherwise
        a finer mask of sea polygons: any vector file (GeoJSON, GeoPackage,
        Shapefile …; reprojected to EPSG:4326 if it has another CRS) or a
        GeoDataFrame/GeoSeries in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        One row, columns ``name`` and ``geometry`` (the union of the water
        polygons, EPSG:4326); ``attrs["water_source"]`` says what it is.

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    CRSError
        If the layer has no CRS, a GeoDataFrame is not in EPSG:4326, or the
        coordinates are not longitudes and latitudes.
    GeometryError
        If the layer holds no polygon, or something else than polygons, does
        not reach Ukraine, or covers most of Ukraine's land (land polygons
        passed instead of the sea).
    OptionError
        For an argument of another type.

    Warns
    -----
    FrontlineWarning
        When invalid polygons were repaired, or when the mask takes out the
        bed of the former Kakhovka reservoir (inland water that DeepState
        keeps in the oblast areas).

    Examples
    --------
    >>> sea = load_water()
    >>> sea.attrs["water_source"][:30]
    'sea mask: Natural Earth 10m la'
    >>> from frontline import area_km2
    >>> sea.geom_type.tolist(), round(area_km2(sea.geometry.iloc[0]))
    (['Polygon'], 202565)
    """
    import geopandas as gpd

    mask = water_mask(water)
    out = gpd.GeoDataFrame({"name": ["sea"]}, geometry=[mask.geometry], crs="EPSG:4326")
    out.attrs["water_source"] = mask.source
    return out


def water_mask(water: Any = None) -> WaterMask:
    """Resolve ``water=`` into a checked :class:`WaterMask` (see :func:`load_water`)."""
    import geopandas as gpd

    if water is None:
        return _embedded()
    if isinstance(water, WaterMask):
        return water
    if isinstance(water, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = water.geometry if isinstance(water, gpd.GeoDataFrame) else water
        if series.crs is None:
            raise CRSError(
                "the water layer has no CRS; set it with .set_crs('EPSG:4326') if "
                "its coordinates are longitudes and latitudes"
            )
        if not series.crs.equals("EPSG:4326"):
            raise CRSError(
                f"the water layer must be in EPSG:4326, got {series.crs}; reproject "
                "it with .to_crs('EPSG:4326')"
            )
        source = str(
            water.attrs.get("water_source")
            or f"user-supplied water mask ({type(water).__name__})"
        )
        return _checked(np.asarray(series.values, dtype=object), source)
    if isinstance(water, (str, os.PathLike)):
        path = Path(water)
        if not path.exists():
            raise InputFileNotFoundError(
                f"water file {str(path)!r} does not exist; expected a polygon file "
                f"of sea water (current directory: {Path.cwd()})"
            )
        stat = path.stat()
        return _read_mask(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    raise OptionError(
        "water must be None (the embedded sea mask), a polygon file, or a "
        f"GeoDataFrame/GeoSeries of sea polygons; got {type(water).__name__}"
    )


@lru_cache(maxsize=1)
def _embedded() -> WaterMask:
    import geopandas as gpd

    with as_file(_DATA / "sea_mask.geojson") as path:
        gdf = gpd.read_file(path, engine="pyogrio")
    geom = shapely.union_all(np.asarray(gdf.geometry.values, dtype=object))
    return _finish(geom, WATER_SOURCE, embedded=True)


@lru_cache(maxsize=4)
def _read_mask(path: str, mtime_ns: int, size: int) -> WaterMask:
    gdf = read_vector(path)
    name = Path(path).name
    if gdf.crs is None:
        raise CRSError(
            f"water file {name} has no CRS; save it with one (GeoJSON is always "
            "EPSG:4326)"
        )
    note = ""
    if not gdf.crs.equals("EPSG:4326"):
        log.info("water file %s: reprojected from %s to EPSG:4326", name, gdf.crs)
        note = f", reprojected from {gdf.crs.to_string()}"
        gdf = gdf.to_crs("EPSG:4326")
    source = f"water mask: {name} (user-supplied{note})"
    return _checked(np.asarray(gdf.geometry.values, dtype=object), source)


def _checked(geoms: Any, source: str) -> WaterMask:
    """Validate user polygons (types, validity, extent) and build the mask."""
    geoms = np.asarray(geoms, dtype=object)
    keep = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    geoms = geoms[keep]
    if len(geoms) == 0:
        raise GeometryError(
            f"{source}: no geometry; expected polygons of sea water around Ukraine"
        )
    other = _non_polygonal(geoms)
    if other:
        raise GeometryError(
            f"{source}: expected polygons of sea water, got {', '.join(other)}; "
            "a coastline drawn as lines must be turned into sea polygons first "
            "(e.g. shapely.polygonize, then keep the sea side)"
        )
    geoms = np.array(
        [g if g.geom_type in _POLYGON_TYPES else _polygonal(g) for g in geoms],
        dtype=object,
    )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = [_polygonal(shapely.make_valid(g)) for g in geoms[invalid]]
        warnings.warn(
            f"{source}: {int(invalid.sum())} invalid polygon(s) repaired with "
            "shapely.make_valid",
            FrontlineWarning,
            stacklevel=4,
        )
    geom = shapely.union_all(geoms)
    _check_extent(geom, source)
    return _finish(geom, source, embedded=False)


def _non_polygonal(geoms: Any) -> list[str]:
    """List the geometry types other than (multi)polygons, in collections too."""
    found: set[str] = set()
    for geom in geoms:
        if geom.geom_type == "GeometryCollection":
            found.update(_non_polygonal(shapely.get_parts(geom)))
        elif geom.geom_type not in _POLYGON_TYPES:
            found.add(geom.geom_type)
    return sorted(found)


def _polygonal(geom: Geometry) -> Geometry:
    """Keep the polygonal part of any geometry, as a (Multi)Polygon."""
    parts, _ = _polygon_parts(np.array([geom], dtype=object))
    if len(parts) == 1:
        return parts[0]
    return shapely.multipolygons(parts)


def _check_extent(geom: Geometry, source: str) -> None:
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise CRSError(
            f"{source}: bounds {tuple(round(v, 1) for v in geom.bounds)} are not "
            "longitudes and latitudes; the layer's CRS is wrong or missing"
        )
    if not geom.intersects(shapely.box(*_NEAR_UKRAINE)):
        raise GeometryError(
            f"{source}: bounds {tuple(round(v, 2) for v in geom.bounds)} do not "
            f"reach Ukraine (lon {_NEAR_UKRAINE[0]}–{_NEAR_UKRAINE[2]}, lat "
            f"{_NEAR_UKRAINE[1]}–{_NEAR_UKRAINE[3]}); are longitude and latitude "
            "swapped, or is it another place?"
        )
    outline = ukraine_outline()
    covered, total = _km2(
        np.array([shapely.intersection(outline, geom), outline], dtype=object)
    )
    if covered > _MAX_LAND_SHARE * total:
        raise GeometryError(
            f"{source}: covers {100 * covered / total:.0f} % of Ukraine's land; "
            "expected sea water (a few % at most). Land polygons were probably "
            "passed: give the sea instead (e.g. a box minus the land)"
        )
    reservoir = _km2(
        np.array([shapely.clip_by_rect(geom, *_KAKHOVKA_BOX)], dtype=object)
    )[0]
    if reservoir > _KAKHOVKA_WARN_KM2:
        warnings.warn(
            f"{source}: takes out {reservoir:,.0f} km² around the former Kakhovka "
            f"reservoir (lon {_KAKHOVKA_BOX[0]}–{_KAKHOVKA_BOX[2]}, lat "
            f"{_KAKHOVKA_BOX[1]}–{_KAKHOVKA_BOX[3]}), inland water drained in 2023. "
            "DeepState keeps its bed in the oblast areas (removing it misses "
            "Zaporizhzhia by 2–3 points); use a sea-only mask to reproduce them",
            FrontlineWarning,
            stacklevel=5,
        )


def _finish(geom: Geometry, source: str, *, embedded: bool) -> WaterMask:
    geom = _polygonal(geom) if geom.geom_type not in _POLYGON_TYPES else geom
    key = hashlib.sha256(shapely.to_wkb(geom)).hexdigest()
    shapely.prepare(geom)
    return WaterMask(geometry=geom, source=source, key=key, embedded=embedded)


# -- land units --------------------------------------------------------------

_LAND_CACHE: OrderedDict[tuple[str, str], Any] = OrderedDict()
_LAND_LOCK = threading.Lock()
_LAND_CACHE_SIZE: Final = 8


def land_units(units: gpd.GeoDataFrame, water: Any = None) -> gpd.GeoDataFrame:
    """Return ``units`` with each polygon minus the sea (a new frame).

    Parameters
    ----------
    units : GeoDataFrame
        Boundaries in frontline's schema (EPSG:4326).
    water : see :func:`load_water`
        The sea mask; default: the embedded one.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns; ``geometry`` is the land part of each unit.
        ``attrs`` keep the units' and add ``water_source`` and
        ``water_removed_km2`` (km² of sea taken out of each unit, by
        ``region_id``).

    Raises
    ------
    GeometryError
        If the mask covers a whole unit (no land left to measure).
    """
    mask = water_mask(water)
    geoms = np.asarray(units.geometry.values, dtype=object)
    digest = hashlib.sha256(str(len(geoms)).encode())
    for wkb in shapely.to_wkb(geoms).tolist():
        data = b"" if wkb is None else wkb
        digest.update(len(data).to_bytes(8, "little") + data)
    key = (digest.hexdigest(), mask.key)
    with _LAND_LOCK:
        known = _LAND_CACHE.get(key)
        if known is not None:
            _LAND_CACHE.move_to_end(key)
    if known is None:
        known = _cut(geoms, mask)
        with _LAND_LOCK:
            _LAND_CACHE[key] = known
            while len(_LAND_CACHE) > _LAND_CACHE_SIZE:
                _LAND_CACHE.popitem(last=False)
    land, removed = known
    ids = units["region_id"] if "region_id" in units.columns else units.index
    swallowed = [str(r) for r, g in zip(ids, land, strict=True) if _no_area(g)]
    if swallowed:
        raise GeometryError(
            f"{mask.source}: covers all of {swallowed}; a sea mask leaves each "
            "unit some land. Check the mask (land passed as water?) and the "
            "boundaries"
        )
    out = units.copy()
    out["geometry"] = land
    out.attrs = dict(units.attrs)
    out.attrs["water_source"] = mask.source
    out.attrs["water_removed_km2"] = {
        str(rid): round(float(km2), 3) for rid, km2 in zip(ids, removed, strict=True)
    }
    return out


def _cut(geoms: Any, mask: WaterMask) -> tuple[Any, Any]:
    """Land part of each geometry, and the km² taken out of each."""
    land = geoms.copy()
    valid = np.array([g is not None for g in geoms], dtype=bool)
    hit = np.zeros(len(geoms), dtype=bool)
    hit[valid] = shapely.intersects(geoms[valid], mask.geometry)
    if hit.any():
        cut = shapely.difference(geoms[hit], mask.geometry)
        land[hit] = [
            _polygonal(g) if g.geom_type not in _POLYGON_TYPES else g for g in cut
        ]
    removed = np.zeros(len(geoms))
    if hit.any():
        removed[hit] = _km2(geoms[hit]) - _km2(land[hit])
    return land, removed


def _no_area(geom: Geometry | None) -> bool:
    return geom is None or geom.is_empty or shapely.area(geom) == 0


def basis_units(
    units: gpd.GeoDataFrame, basis: str, water: Any = None
) -> gpd.GeoDataFrame:
    """Return the units to measure on for a basis: land parts under ``"land"``.

    Raises
    ------
    OptionError
        For an unknown basis, or ``water`` with a basis other than ``land``.
    """
    check_basis(basis, water)
    if basis == "land":
        return land_units(units, water)
    return units
