"""Zone sets checked and put in shape: ids, names, parents, geometry, overlaps.

The rules are those of :mod:`frontline.zones` (its docstring lists them);
this module applies them to a layer already read.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline._units import embedded_units, resolve_region, ukraine_outline
from frontline.areas import _km2, _polygon_parts
from frontline.errors import (
    CRSError,
    FrontlineWarning,
    GeometryError,
    OptionError,
    RegionNotFoundError,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely import Geometry

__all__ = ["SLIVER_KM2", "columns_of", "cyrillic", "normalise_zones"]

log = logging.getLogger(__name__)

#: Overlaps and gaps smaller than this (km², here 1 m²) are rounding noise
#: between shared edges; they are counted in ``attrs`` but not warned about.
SLIVER_KM2: Final = 1e-6
#: Area outside Ukraine's outline (share of the zones' area) that is warned
#: about: shares are of each zone's whole area, sea or abroad included.
_OUTSIDE_WARN: Final = 0.01
_RESERVED: Final = ("region_id", "name", "geometry")


def columns_of(gdf: gpd.GeoDataFrame) -> list[str]:
    """Return the attribute columns of a layer (not its geometry)."""
    return [str(c) for c in gdf.columns if c != gdf.geometry.name]


#: Latin letters that look like Cyrillic ones, and those Cyrillic letters.
_LOOKALIKES: Final = str.maketrans(
    "aceiopxyABCEHIKMOPTX",
    "\u0430\u0441\u0435\u0456\u043e\u0440\u0445\u0443"
    "\u0410\u0412\u0421\u0415\u041d\u0406\u041a\u041c\u041e\u0420\u0422\u0425",
)
_CYRILLIC: Final = re.compile(r"[Ѐ-ӿ]")
_WORD: Final = re.compile(r"\w+")


def cyrillic(value: Any) -> Any:
    """Replace Latin look-alike letters inside words that are Cyrillic."""
    if not isinstance(value, str) or not _CYRILLIC.search(value):
        return value
    return _WORD.sub(
        lambda m: (
            m.group(0).translate(_LOOKALIKES)
            if _CYRILLIC.search(m.group(0))
            else m.group(0)
        ),
        value,
    )


def _text(value: Any) -> str | None:
    """Return an id or a name as text; None when missing."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (np.floating, np.integer)):
        return _text(value.item())
    text = str(value)
    return text if text.strip() else None


def normalise_zones(
    raw: gpd.GeoDataFrame,
    *,
    zone_id: str,
    zone_name: str | None,
    zone_parent: list[str],
    what: str,
    source: str,
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if zone_name is None and zone_id != "name" and "name" in raw.columns:
        zone_name = "name"
    for label, col in (
        ("zone_id", zone_id),
        ("zone_name", zone_name),
        *(("zone_parent", p) for p in zone_parent),
    ):
        if col is not None and col not in raw.columns:
            raise OptionError(
                f"{what}: {label} column {col!r} not found; the layer has "
                f"{columns_of(raw)}"
            )
    if raw.crs is None:
        raise CRSError(
            f"{what} have no CRS; set it (gdf.set_crs(...), or a .prj / CRS in "
            "the file) so that the zones can be reprojected to EPSG:4326"
        )
    crs = raw.crs.to_string()
    if not raw.crs.equals("EPSG:4326"):
        log.info("%s: reprojected from %s to EPSG:4326", what, crs)
        raw = raw.to_crs("EPSG:4326")
    checks: dict[str, Any] = {"features": len(raw)}
    geoms = np.asarray(raw.geometry.values, dtype=object)
    ids = [_text(v) for v in raw[zone_id]]
    missing = [i for i, v in enumerate(ids) if v is None]
    if missing:
        shown = ", ".join(map(str, missing[:10]))
        raise OptionError(
            f"{what}: {len(missing)} feature(s) have no {zone_id!r} (features "
            f"{shown}); every zone needs an id: fill them in or drop them"
        )
    keep = _usable(geoms, what, checks)
    geoms = _repaired(geoms, keep, what, checks)
    rows = np.flatnonzero(keep)
    names = [_text(v) for v in raw[zone_name]] if zone_name is not None else list(ids)
    levels = [[_text(v) for v in raw[p]] for p in zone_parent]
    order: dict[str, list[int]] = {}
    for i in rows.tolist():
        order.setdefault(str(ids[i]), []).append(i)
    merged = {k: v for k, v in order.items() if len(v) > 1}
    zone_ids = list(order)
    out_geoms = np.array(
        [
            geoms[v[0]] if len(v) == 1 else shapely.union_all(geoms[v])
            for v in order.values()
        ],
        dtype=object,
    )
    if merged:
        shown = ", ".join(f"{k!r} ({len(v)})" for k, v in list(merged.items())[:5])
        checks["merged"] = {k: len(v) for k, v in merged.items()}
        _warn(
            f"{what}: {len(merged)} id(s) appear on several features, merged into "
            f"one zone each: {shown}"
        )
    data: dict[str, Any] = {
        "region_id": zone_ids,
        "name": [names[v[0]] or k for k, v in order.items()],
    }
    parent_columns, group_names = _levels(
        [[lv[v[0]] for v in order.values()] for lv in levels],
        zone_parent,
        set(zone_ids),
        what,
    )
    data.update(parent_columns)
    out = gpd.GeoDataFrame(data, geometry=list(out_geoms), crs="EPSG:4326")
    checks["zones"] = len(out)
    checks.update(_geometry_checks(out_geoms, zone_ids, what))
    out.attrs["zones"] = {
        "n": len(out),
        "source": source,
        "id_column": zone_id,
        "name_column": zone_name,
        "parent_columns": list(zone_parent),
        "parents": list(parent_columns),
        "group_names": group_names,
        "group_sizes": {
            column: _counts(values) for column, values in parent_columns.items()
        },
        "crs": crs,
        "checks": checks,
    }
    out.attrs["boundary_source"] = source
    return out


def _counts(values: list[str | None]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        if v is not None:
            out[v] = out.get(v, 0) + 1
    return out


def _warn(message: str) -> None:
    log.info(message)
    warnings.warn(message, FrontlineWarning, stacklevel=4)


def _usable(geoms: Any, what: str, checks: dict[str, Any]) -> Any:
    """Mask of the features with polygons; refuse points and lines."""
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    present = np.flatnonzero(~empty)
    _, owner = _polygon_parts(geoms[present])
    has_area = np.zeros(len(geoms), dtype=bool)
    has_area[present[np.unique(owner)]] = True
    not_area = np.flatnonzero(~empty & ~has_area)
    if len(not_area):
        kinds = sorted(set(shapely.get_type_id(geoms[not_area]).tolist()))
        raise GeometryError(
            f"{what}: {len(not_area)} feature(s) are not polygons (features "
            f"{', '.join(map(str, not_area[:10].tolist()))}; shapely type ids "
            f"{kinds}); a zone must be an area: buffer points or lines first"
        )
    if empty.any():
        checks["dropped_empty"] = int(empty.sum())
        _warn(f"{what}: dropped {int(empty.sum())} feature(s) without geometry")
    if not (~empty).any():
        raise GeometryError(f"{what} hold no polygon; expected zones with an area")
    return ~empty


def _repaired(geoms: Any, keep: Any, what: str, checks: dict[str, Any]) -> Any:
    """Polygonal parts only, invalid polygons made valid (reported)."""
    out = geoms.copy()
    rows = np.flatnonzero(keep)
    kinds = shapely.get_type_id(out[rows])
    mixed = rows[(kinds != 3) & (kinds != 6)]  # collections: keep the polygons
    for i in mixed.tolist():
        polys, _ = _polygon_parts(np.array([out[i]], dtype=object))
        out[i] = shapely.multipolygons(polys)
    invalid = rows[~shapely.is_valid(out[rows])]
    if len(invalid):
        before = float(_km2(out[invalid]).sum())
        for i in invalid.tolist():
            polys, _ = _polygon_parts(np.array([shapely.make_valid(out[i])]))
            out[i] = shapely.multipolygons(polys)
        after = float(_km2(out[invalid]).sum())
        checks["repaired"] = len(invalid)
        _warn(
            f"{what}: repaired {len(invalid)} invalid polygon(s) with make_valid; "
            f"their area went from {before:,.1f} to {after:,.1f} km²"
        )
    return out


def _levels(
    values: list[list[str | None]],
    columns: list[str],
    zone_ids: set[str],
    what: str,
) -> tuple[dict[str, list[str | None]], dict[str, str]]:
    """Group ids per parent level (finest first) and the groups' names."""
    names: dict[str, str] = {}
    keyed = [_key_level(level, names) for level in values]
    # A value under two parents of the next level is two groups.
    for k in range(len(keyed) - 1):
        keyed[k] = _split_shared(keyed[k], keyed[k + 1], names)
    _check_group_ids(keyed, columns, zone_ids, what)
    out: dict[str, list[str | None]] = {}
    for column, level in zip(columns, keyed, strict=True):
        key = column if column not in _RESERVED else f"parent_{column}"
        out[key] = level
    return out, names


def _key_level(level: list[str | None], names: dict[str, str]) -> list[str | None]:
    """ISO ids for a level whose values all name Ukrainian units, else as is."""
    present = {v for v in level if v is not None}
    try:
        iso = {v: resolve_region(v) for v in present}
    except RegionNotFoundError:
        names.update({v: v for v in present})
        return list(level)
    unit = embedded_units().set_index("region_id")["name"]
    names.update({rid: str(unit[rid]) for rid in iso.values()})
    return [iso[v] if v is not None else None for v in level]


def _split_shared(
    level: list[str | None], above: list[str | None], names: dict[str, str]
) -> list[str | None]:
    """Key a value found under several parents as ``"value (parent)"``."""
    parents: dict[str, set[str | None]] = {}
    for v, up in zip(level, above, strict=True):
        if v is not None:
            parents.setdefault(v, set()).add(up)
    split = {v for v, ups in parents.items() if len(ups) > 1}
    if not split:
        return level
    out = [
        f"{v} ({up})" if v in split else v for v, up in zip(level, above, strict=True)
    ]
    for v, old, up in zip(out, level, above, strict=True):
        if v is not None and v not in names:
            names[v] = f"{old} ({names.get(str(up), up)})"
    return out


def _check_group_ids(
    keyed: list[list[str | None]], columns: list[str], zone_ids: set[str], what: str
) -> None:
    clash = sorted({v for level in keyed for v in level if v is not None} & zone_ids)
    if clash:
        raise OptionError(
            f"{what}: parent value(s) {clash[:5]} are also zone ids; group rows and "
            "zone rows would share a region_id. Rename them or drop that parent"
        )
    seen: dict[str, int] = {}
    for k, level in enumerate(keyed):
        for v in {v for v in level if v is not None}:
            if seen.setdefault(v, k) != k:
                raise OptionError(
                    f"{what}: {v!r} is a group of two parent levels "
                    f"({columns[seen[v]]!r} and {columns[k]!r}); rename it"
                )


def _geometry_checks(geoms: Any, ids: list[str], what: str) -> dict[str, Any]:
    """Overlaps, gaps and area outside Ukraine (reported, never fatal)."""
    checks: dict[str, Any] = {}
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    pairs = pairs[:, pairs[0] < pairs[1]]
    # Interiors that meet in an area (not along an edge or at a point).
    pairs = pairs[
        :, shapely.relate_pattern(geoms[pairs[0]], geoms[pairs[1]], "2********")
    ]
    overlap = _km2(shapely.intersection(geoms[pairs[0]], geoms[pairs[1]]))
    real = overlap >= SLIVER_KM2
    checks["overlaps"] = {
        "pairs": int(real.sum()),
        "km2": float(overlap[real].sum()),
        "largest": [
            {"zones": [ids[pairs[0][k]], ids[pairs[1][k]]], "km2": float(overlap[k])}
            for k in np.argsort(-overlap)[: min(5, int(real.sum()))].tolist()
        ],
        "slivers": int((~real).sum()),
    }
    if real.any():
        top = checks["overlaps"]["largest"][0]
        _warn(
            f"{what}: {int(real.sum())} pair(s) of zones overlap, "
            f"{float(overlap[real].sum()):,.3f} km² in all (largest: "
            f"{top['zones'][0]!r} and {top['zones'][1]!r}, {top['km2']:,.3f} km²); "
            "each zone is measured in full, so their figures overlap too"
        )
    union = shapely.union_all(geoms)
    holes = _holes(union)
    hole_km2 = _km2(holes)
    real = hole_km2 >= SLIVER_KM2
    checks["gaps"] = {
        "count": int(real.sum()),
        "km2": float(hole_km2[real].sum()),
        "largest_km2": float(hole_km2.max()) if real.any() else 0.0,
        "slivers": int((~real).sum()),
    }
    if real.any():
        biggest = holes[int(np.argmax(hole_km2))]
        x, y = biggest.representative_point().coords[0]
        _warn(
            f"{what}: the zones leave {int(real.sum())} gap(s) between them "
            f"(holes in no zone), {float(hole_km2[real].sum()):,.3f} km² in all; "
            f"the largest, {float(hole_km2.max()):,.3f} km², at {y:.4f} N "
            f"{x:.4f} E"
        )
    total = float(_km2(np.array([union], dtype=object))[0])
    beyond = shapely.difference(union, ukraine_outline())
    outside = float(_km2(np.array([beyond], dtype=object))[0])
    checks["area_km2"] = total
    checks["outside_ukraine_km2"] = outside
    if total > 0 and outside > _OUTSIDE_WARN * total:
        _warn(
            f"{what}: {outside:,.1f} km² of the zones ({100 * outside / total:.1f} "
            "%) lie outside Ukraine's outline (sea, abroad); shares are of each "
            "zone's whole area"
        )
    return checks


def _holes(geom: Geometry) -> Any:
    """Return the holes of a (multi)polygon, as polygons."""
    polys, _ = _polygon_parts(np.array([geom], dtype=object))
    if len(polys) == 0:
        return np.zeros(0, dtype=object)
    n_holes = shapely.get_num_interior_rings(polys)
    rings = shapely.get_rings(polys)
    first = np.concatenate([[0], np.cumsum(n_holes + 1)[:-1]])
    inner = np.ones(len(rings), dtype=bool)
    inner[first] = False
    return np.asarray(shapely.polygons(rings[inner]), dtype=object)
