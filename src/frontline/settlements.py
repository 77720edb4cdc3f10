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

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from frontline import _validate
from frontline._dates import parse_date
from frontline._messages import quote
from frontline._places import (
    ATTRIBUTION,
    DOMINANCE,
    GAZETTEER_SOURCE,
    LICENCE,
    PLACE_COLUMNS,
    POPULATION_CAVEAT,
    RANK,
    ZONES,
    Zone,
    distance_km,
    find_settlement,
    gazetteer_attrs,
    layer_date,
    line_geometry,
    load_settlements,
    select_places,
    status_of,
    zones_of,
)
from frontline.control import as_layer
from frontline.errors import (
    AmbiguousSettlementError,
    OptionError,
    SettlementLookupError,
    SettlementNotFoundError,
)
from frontline.zones import select_units, zone_of_points

if TYPE_CHECKING:
    import datetime as dt
    import os
    from collections.abc import Sequence

    from numpy.typing import NDArray

    import geopandas as gpd
    import shapely

__all__ = [
    "ATTRIBUTION",
    "DOMINANCE",
    "GAZETTEER_SOURCE",
    "LICENCE",
    "POPULATION_CAVEAT",
    "ZONES",
    "AmbiguousSettlementError",
    "Direction",
    "SettlementLookupError",
    "SettlementNotFoundError",
    "Zone",
    "find_settlement",
    "load_settlements",
    "settlements_change_dates",
    "settlements_changed",
    "settlements_status",
]

log = logging.getLogger(__name__)


def settlements_status(
    control: str | Path | gpd.GeoDataFrame,
    *,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    line: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
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
        The front line (lon/lat lines, e.g. from
        :func:`frontline.line.front_line`, traced through the geometric
        tolerance, so that no phantom line along a seam between two classes
        or along the border makes a town in the rear look close to the
        front); when given, ``distance_to_line_km`` is each place's geodesic
        distance to it.
    settlements : GeoDataFrame, optional
        Points to use instead of the shipped gazetteer (columns ``name``,
        ``region_id``, ``population``; EPSG:4326); the filters above apply.
    zones : GeoDataFrame, str or path, optional
        List the places inside these zones (see
        :func:`frontline.zones.read_zones`); ``regions`` then selects zones
        (default: every zone). Each place goes to the first zone, in the
        set's order, whose polygon holds its point (boundary included).
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place: ``geonameid``, ``name``, ``region_id``,
        ``region_name`` (with zones, then ``zone_id`` and ``zone_name``),
        ``population``, ``part_of``, ``date``, ``status``
        (the layer's status at the place's point, missing outside every
        polygon), ``zone`` (``russian_held``, ``contested`` or
        ``ukrainian_held``), ``distance_to_line_km`` (NaN without ``line``),
        ``geometry``. ``attrs`` records the layer's date and source, the
        gazetteer's source, licence, attribution and population caveat, and
        with a :func:`~frontline.line.front_line` result its tolerance
        (``line_tolerance``).

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
    zoned = None
    if zones is not None:
        zoned = select_units(
            regions,
            default="all",
            zones=zones,
            zone_id=zone_id,
            zone_name=zone_name,
            zone_parent=zone_parent,
        )
        regions = "all"
    places = select_places(settlements, regions, min_population, include_parts)
    zone_row = None
    if zoned is not None:
        zone_row = zone_of_points(places.geometry.values, zoned.frame)
        places = places.loc[zone_row >= 0].reset_index(drop=True)
        zone_row = zone_row[zone_row >= 0]
    points = np.asarray(places.geometry.values, dtype=object)
    status = status_of(points, layer)
    distance = (
        distance_km(points, line_geometry(line))
        if line is not None
        else np.full(len(points), np.nan)
    )
    date = layer_date(layer)
    table = pd.DataFrame(places[PLACE_COLUMNS])
    if zoned is not None and zone_row is not None:
        at = list(table.columns).index("region_name") + 1
        table.insert(at, "zone_id", zoned.frame.region_id.to_numpy()[zone_row])
        table.insert(at + 1, "zone_name", zoned.frame.name.to_numpy()[zone_row])
    table["date"] = date
    table["status"] = status
    table["zone"] = zones_of(status)
    table["distance_to_line_km"] = distance
    result = gpd.GeoDataFrame(table, geometry=places.geometry.values, crs="EPSG:4326")
    result.attrs.clear()
    result.attrs.update(
        {
            "date": date.isoformat() if date else None,
            "source": layer.attrs.get("source"),
            **gazetteer_attrs(),
            **(zoned.attrs() if zoned is not None else {}),
        }
    )
    line_attrs = getattr(line, "attrs", None) or {}
    if "tolerance" in line_attrs:
        result.attrs["line_tolerance"] = dict(line_attrs["tolerance"])
    return result


Direction = Literal["russian_advance", "ukrainian_advance"]


def _direction(before: NDArray[Any], after: NDArray[Any]) -> NDArray[Any]:
    rank_before = np.array([RANK[z] for z in before], dtype=int)
    rank_after = np.array([RANK[z] for z in after], dtype=int)
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
    ...     gpd.GeoDataFrame(geometry=[shapely.box(35.5, 47.5, 35.6, 47.6)], crs=4326),
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
    d0, d1 = layer_date(first), layer_date(second)
    if d0 is not None and d1 is not None and d0 > d1:
        raise OptionError(
            f"'before' shows {d0.isoformat()} and 'after' {d1.isoformat()}: the "
            "earlier layer goes first; swap them"
        )
    places = select_places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    s0, s1 = status_of(points, first), status_of(points, second)
    z0, z1 = zones_of(s0), zones_of(s1)
    changed = z0 != z1
    table = pd.DataFrame(places[PLACE_COLUMNS]).loc[changed]
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
            **gazetteer_attrs(),
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
            "or a mapping date -> layer), got the single path "
            f"{quote(str(layers), 160)}"
        )
    items = _validate.sequence(
        layers,
        "layers",
        what="control layers (paths or GeoDataFrames), or a mapping date -> layer",
        example="[before, after]",
    )
    return [(None, v) for v in items]


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
    >>> far = shapely.box(35.5, 47.5, 35.6, 47.6)  # in Zaporizhzhia
    >>> layer = lambda g: gpd.GeoDataFrame(geometry=[g], crs=4326)
    >>> dates = settlements_change_dates(
    ...     {"2024-10-01": layer(far), "2024-10-15": layer(far),
    ...      "2024-10-31": layer(town.buffer(0.02))},
    ...     regions="Donetsk")
    >>> dates[["name", "changed_after", "changed_on"]].astype(str).values.tolist()
    [['Selydove', '2024-10-15', '2024-10-31']]
    """
    import geopandas as gpd

    places = select_places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    dated: list[tuple[dt.date, NDArray[Any], Any]] = []
    for i, (date, item) in enumerate(_series(layers)):
        layer = as_layer(item)
        when = date if date is not None else layer_date(layer)
        if when is None:
            what = str(item) if isinstance(item, (str, Path)) else f"layer #{i}"
            raise OptionError(
                f"{what} has no date; pass a mapping {{date: layer}} or read the "
                "layers with read_control(..., date=...)"
            )
        ranks = np.array([RANK[z] for z in zones_of(status_of(points, layer))])
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
    table = pd.DataFrame(places[PLACE_COLUMNS]).loc[changed]
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
            **gazetteer_attrs(),
        }
    )
    return result
