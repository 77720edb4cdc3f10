"""The front line: where Russian-held territory meets the rest of Ukraine.

Definition
----------
The front line of a control layer is the boundary of its Russian-held
territory (``occupied`` and ``occupied_before_2022``, dissolved) inside Ukraine,
without Ukraine's state border and without the coast. Real maps are imperfect
polygons, so the line is traced through the geometric tolerance of
:mod:`frontline.tolerance` (a :class:`~frontline.tolerance.Tolerance`, in
metres; defaults measured on the DeepState maps):

1. The Russian-held features, of whatever classes and however they overlap,
   are dissolved into one area, with gaps narrower than ``2 × gap_m`` (5 m)
   between them closed and holes smaller than ``pinhole_km2`` (0.1 km²)
   filled: the seam between two classes is no front.
2. The area is cut to the outline of the boundary set (the union of its
   units, by default the 27 embedded Natural Earth units) minus the sea
   (:func:`frontline.tolerance.without_sea`); where it meets the outline's
   edge, pockets of the other side thinner than ``border_m`` (5 km) and
   strips narrower than ``strip_m`` (500 m) between the area and the edge
   are closed (:func:`frontline.tolerance.front_segments`): a map that draws
   the border or coast its own way draws no phantom line along it.
3. The boundary of the result, where it does not lie on the outline's edge,
   is the front line; it is clipped to the units and cut at their borders.
4. Stretches within ``river_km`` of the lower Dnipro (:data:`DNIPRO`) are
   flagged ``river``; ``include_river=False`` drops them.

Distances are measured in a local azimuthal equidistant projection centred on
the data (error below 0.1 % within 500 km of the centre). Lengths are
geodesic on the WGS84 ellipsoid with edges straight in longitude/latitude,
densified to 0.01° as in :mod:`frontline.areas`; areas come from
:func:`frontline.area_km2` and are never affected by the tolerance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import warnings
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import pandas as pd

import shapely
from pyproj import Geod

from frontline import _validate
from frontline._messages import quote
from frontline._units import ukraine_outline
from frontline.areas import _overlay_km2, area_km2
from frontline.boundaries import check_boundaries
from frontline.control import as_layer, status_union
from frontline.errors import EmptyLayerError, OptionError
from frontline.regions import (
    BOUNDARY_SOURCE,
    group_label,
    load_regions,
    resolve_regions,
)
from frontline.status import RUSSIAN_HELD
from frontline.tolerance import (
    Tolerance,
    check_tolerance,
    close_gaps,
    drop_pinholes,
    front_segments,
    local_projection,
    without_sea,
)
from frontline.zones import cut_lines, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from numpy.typing import NDArray

    import geopandas as gpd
    from pyproj import Transformer
    from shapely import Geometry

__all__ = [
    "DNIPRO",
    "DNIPRO_SOURCE",
    "LINE_COLUMNS",
    "LINE_DEFINITION",
    "Side",
    "distance_bands",
    "front_line",
    "line_change",
    "line_lengths",
]

Side = Literal["ukrainian", "russian", "both"]

#: The lower Dnipro as a guide line for the ``river`` flag (lon, lat), from
#: the mouth upstream: Natural Earth 50m rivers (public domain) from the
#: mouth to the Kakhovka dam and from Zaporizhzhia upstream; across the former
#: Kakhovka reservoir, which Natural Earth leaves without a centre line, the
#: GeoNames positions (CC BY 4.0) of towns on its banks: Hornostaivka,
#: Velyka Lepetykha, Novovorontsovka (right bank, at the northern bend),
#: Velyka Znamianka, Kamianka-Dniprovska, Vodiane, Enerhodar and Dniprorudne.
DNIPRO: Final[tuple[tuple[float, float], ...]] = (
    (32.577991, 46.615605),
    (32.645481, 46.649608),
    (32.933680, 46.717278),
    (33.066644, 46.758748),
    (33.236969, 46.777455),
    (33.356910, 46.785878),
    (33.451271, 46.808797),
    (33.539896, 46.831250),
    (33.729870, 47.011710),
    (33.931470, 47.171380),
    (33.923170, 47.504990),
    (34.350810, 47.445360),
    (34.410260, 47.496290),
    (34.502460, 47.486740),
    (34.661990, 47.490480),
    (35.000650, 47.389930),
    (35.105279, 47.840129),
    (35.129928, 47.971982),
    (35.117629, 48.037585),
)
DNIPRO_SOURCE: Final = (
    "lower Dnipro guide line: Natural Earth 50m rivers (public domain), across "
    "the former Kakhovka reservoir the GeoNames (CC BY 4.0) positions of "
    "towns on its banks"
)
LINE_DEFINITION: Final = (
    "boundary of the dissolved Russian-held area (occupied + "
    "occupied_before_2022; gaps narrower than 2 x gap_m closed, holes smaller "
    "than pinhole_km2 filled) inside the outline of the boundary set minus the "
    "sea, without the stretches on the outline's edge (state border and coast) "
    "once pockets thinner than border_m and strips narrower than strip_m "
    "between the area and the edge are closed; clipped to the units; "
    "stretches within river_km of the lower Dnipro are flagged river"
)
#: The columns of :func:`front_line`'s result, in order.
LINE_COLUMNS: Final = ["region_id", "name", "river", "length_km", "geometry"]

_GEOD: Final = Geod(ellps="WGS84")
#: Vertex spacing (degrees) for flagging the river: about 250 m.
_STEP_DEG: Final = 0.0025
#: Edges are straight in lon/lat; lengths densify them to this (as areas do).
_LENGTH_STEP_DEG: Final = 0.01
_KIND: Final = "front_line"


# -- public API ---------------------------------------------------------------


def front_line(
    control: str | Path | gpd.GeoDataFrame,
    *,
    tolerance: Tolerance | None = None,
    include_river: bool = True,
    river_km: float = 10.0,
    boundaries: gpd.GeoDataFrame | None = None,
    tolerance_km: float | None = None,
) -> gpd.GeoDataFrame:
    """Extract the front line of a control layer, split by region.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    tolerance : Tolerance, optional
        The geometric tolerance (:class:`frontline.tolerance.Tolerance`);
        default :data:`frontline.tolerance.DEFAULT_TOLERANCE`: gaps 5 m,
        pinholes 0.1 km², strips 500 m, pockets at the border 5 km. Raise
        ``border_m`` for a layer drawn with a coarser coast or border.
    include_river : bool, default True
        Keep the stretches along the lower Dnipro (flagged ``river``).
    river_km : float, default 10
        A stretch within this distance of :data:`DNIPRO` is ``river``.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded ones (see
        :func:`frontline.regions.from_geodataframe`). Their union minus the
        sea is the outline whose edge is border or coast, so they should
        cover the country.
    tolerance_km : float, optional
        Deprecated: the border tolerance in km, now
        ``tolerance=Tolerance(border_m=1000 * tolerance_km)``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per region and ``river`` flag with front line in
        it: ``region_id``, ``name``, ``river`` (bool), ``length_km``
        (geodesic) and a (Multi)LineString ``geometry``. ``attrs`` records
        ``kind`` ("front_line"), ``definition``, ``tolerance`` (the
        :meth:`~frontline.tolerance.Tolerance.to_attrs` dict),
        ``tolerance_caption``, ``tolerance_km`` (``border_m`` in km),
        ``include_river``, ``river_km``, ``river_source``, ``boundaries``,
        ``date``, ``source``, ``length_km`` (total) and ``river_length_km``.

    Raises
    ------
    OptionError
        For a ``tolerance_km`` outside 0-100 km or a ``river_km`` outside
        0-1,500 km (no two points of Ukraine are farther apart), a
        ``tolerance`` that is not a :class:`~frontline.tolerance.Tolerance`,
        or both ``tolerance`` and ``tolerance_km``.

    Warns
    -----
    FutureWarning
        When ``tolerance_km`` is given.

    See Also
    --------
    line_lengths : Lengths per region with totals.
    line_change : How far the line moved between two dates.
    distance_bands : Areas within given distances of the line.

    Notes
    -----
    A layer without Russian-held area has no front line: the result is empty
    and ``attrs["length_km"]`` is 0.

    Examples
    --------
    >>> import frontline
    >>> from frontline.line import front_line
    >>> line = front_line(frontline.load_sample())
    >>> sorted(line.columns)
    ['geometry', 'length_km', 'name', 'region_id', 'river']
    >>> bool(700 < line.attrs["length_km"] < 900)
    True
    >>> line.attrs["tolerance"]["gap_m"]
    5.0
    """
    tol = resolve_tolerance(tolerance, tolerance_km)
    _check_km("river_km", river_km)
    layer = as_layer(control)
    units, outline, source = _units_and_outline(boundaries)
    pieces = _trace(layer, outline, tol, river_km)
    if not include_river:
        pieces = [(g, r) for g, r in pieces if not r]
    out = _assign_regions(pieces, units)
    total = float(out.length_km.sum())
    river_total = float(out.loc[out.river, "length_km"].sum())
    date = layer.attrs.get("date")
    out.attrs.update(
        {
            "kind": _KIND,
            "definition": LINE_DEFINITION,
            **tolerance_attrs(tol),
            "include_river": bool(include_river),
            "river_km": float(river_km),
            "river_source": DNIPRO_SOURCE,
            "boundaries": source,
            "date": date.isoformat() if isinstance(date, dt.date) else date,
            "source": layer.attrs.get("source"),
            "length_km": round(total, 3),
            "river_length_km": round(river_total, 3),
        }
    )
    return out


def line_lengths(
    line: gpd.GeoDataFrame,
    regions: str | Iterable[str] | None = None,
    *,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tabulate the geodesic length of a front line per region.

    Parameters
    ----------
    line : GeoDataFrame
        The output of :func:`front_line`.
    regions : str or iterable of str, optional
        Units to report (a group, names or ids; see
        :func:`frontline.resolve_regions`), with zero rows where the line does
        not pass, and a row per named group inside the selection. Default:
        every unit the line passes through, then a ``total`` row.
    zones : GeoDataFrame, str or path, optional
        Report these zones instead (see :func:`frontline.control_table`):
        the line is cut along them, each stretch counted in the first zone
        (in the set's order) that holds it; stretches outside every zone are
        left out. Rows: the zones (``regions`` selects them; default: those
        the line passes through), their parent groups, ``total``.
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns (see :func:`frontline.zones.read_zones`).

    Returns
    -------
    pandas.DataFrame
        Columns ``region_id``, ``name``, ``length_km``, ``river_length_km``
        (along the Dnipro) and ``length_excl_river_km``; ``attrs`` copied
        from the line.

    Raises
    ------
    OptionError
        If ``line`` is not a :func:`front_line` result.

    Examples
    --------
    >>> import frontline
    >>> from frontline.line import front_line, line_lengths
    >>> table = line_lengths(front_line(frontline.load_sample()), "four")
    >>> table.region_id.tolist()
    ['UA-14', 'UA-09', 'UA-23', 'UA-65', 'four']
    """
    _check_line(line)
    attrs = dict(line.attrs)
    labels: dict[str, str] = {"total": "all regions"}
    extra: dict[str, Any] = {}
    names = dict(zip(line.region_id, line.name, strict=True))
    if zones is not None:
        zoned = select_units(
            regions,
            default=None,
            zones=zones,
            zone_id=zone_id,
            zone_name=zone_name,
            zone_parent=zone_parent,
        )
        line = _zone_line(line, zoned.frame)
        ids = list(zoned.ids)
        if regions is None:
            ids = [r for r in ids if r in set(line.region_id)]
        names = dict(zip(zoned.frame.region_id, zoned.frame.name, strict=True))
        groups = {g: m for g, m in zoned.groups.items() if set(m) & set(ids)}
        groups["total"] = tuple(ids)
        labels = {g: zoned.label(g) for g in groups} | {"total": "all zones"}
        extra = {"boundaries": zoned.source, **zoned.attrs()}
    elif regions is None:
        ids = list(dict.fromkeys(line.region_id))
        groups = {"total": tuple(ids)}
    else:
        selection = resolve_regions(regions)
        ids = list(selection.ids)
        groups = dict(selection.groups)
        names.update(dict(zip(*_region_names(ids), strict=True)))
    river = line.loc[line.river].groupby("region_id").length_km.sum()
    total = line.groupby("region_id").length_km.sum()
    rows = [
        {
            "region_id": r,
            "name": names.get(r, r),
            "length_km": float(total.get(r, 0.0)),
            "river_length_km": float(river.get(r, 0.0)),
        }
        for r in ids
    ]
    rows += [
        {
            "region_id": group,
            "name": labels.get(group) or group_label(group),
            "length_km": float(total.reindex(list(members)).fillna(0).sum()),
            "river_length_km": float(river.reindex(list(members)).fillna(0).sum()),
        }
        for group, members in groups.items()
    ]
    out = pd.DataFrame(rows)
    out["length_excl_river_km"] = out.length_km - out.river_length_km
    out.attrs.update(attrs | extra)
    return out


def _zone_line(line: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cut a front line along zones: ``region_id``, ``river``, ``length_km``."""
    rows = []
    for flag in (False, True):
        pieces, owner = cut_lines(line.geometry.values[line.river == flag], zones)
        rows.append(
            pd.DataFrame(
                {
                    "region_id": zones.region_id.to_numpy()[owner],
                    "river": flag,
                    "length_km": _length_km(pieces),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def line_change(
    before: str | Path | gpd.GeoDataFrame,
    after: str | Path | gpd.GeoDataFrame,
    *,
    spacing_km: float = 0.5,
    tolerance: Tolerance | None = None,
    include_river: bool = True,
    boundaries: gpd.GeoDataFrame | None = None,
    tolerance_km: float | None = None,
) -> pd.DataFrame:
    """Measure how far the front line moved between two control layers.

    Both lines are sampled every ``spacing_km``; each sample's distance to
    the other line is its displacement. A region's mean displacement is the
    mean over the samples of both lines inside it (so it is weighted by
    length and symmetric); its maximum is the largest of them (the Hausdorff
    distance between the two lines, within the region).

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Control layers, or :func:`front_line` results (then ``tolerance``
        and ``include_river`` are theirs).
    spacing_km : float, default 0.5
        Distance between samples along each line.
    tolerance, include_river, boundaries, tolerance_km
        As in :func:`front_line`.

    Returns
    -------
    pandas.DataFrame
        One row per region either line passes through, then ``total``:
        ``region_id``, ``name``, ``before_length_km``, ``after_length_km``,
        ``mean_displacement_km``, ``max_displacement_km``. ``attrs`` records
        both dates and the parameters, the tolerance among them.

    Raises
    ------
    EmptyLayerError
        If either layer has no front line.
    OptionError
        For a ``spacing_km`` outside 0.01-1,500 km (finer than the 250 m the
        lines are traced at, or longer than Ukraine).

    Examples
    --------
    >>> import frontline
    >>> from frontline.line import line_change
    >>> sample = frontline.load_sample()
    >>> change = line_change(sample, sample)
    >>> round(float(change.max_displacement_km.max()), 6)
    0.0
    """
    _validate.number(
        spacing_km,
        "spacing_km",
        low=_validate.MIN_SPACING_KM,
        high=_validate.MAX_DISTANCE_KM,
        unit="km",
        why="lines are traced every 250 m; no two points of Ukraine are farther "
        "apart than about 1,400 km",
        example="0.5",
    )
    tol = resolve_tolerance(tolerance, tolerance_km)
    lines = [_line_of(x, tol, include_river, boundaries) for x in (before, after)]
    for which, line in zip(("before", "after"), lines, strict=True):
        if len(line) == 0:
            raise EmptyLayerError(
                f"the {which} layer has no front line (no Russian-held area inside "
                "the boundaries, away from the border and coast); nothing to compare"
            )
    units, _, source = _units_and_outline(boundaries)
    geoms = [shapely.union_all(np.asarray(x.geometry.values)) for x in lines]
    fwd, inv = local_projection(shapely.union(geoms[0], geoms[1]))
    projected = [_project(shapely.segmentize(g, _STEP_DEG), fwd) for g in geoms]
    records = []
    for i in (0, 1):
        samples = _sample(projected[i], spacing_km * 1000.0)
        dist = _nearest_distance(samples, projected[1 - i]) / 1000.0
        lonlat = _project(samples, inv)
        records.append(
            pd.DataFrame(
                {
                    "region_id": _locate(lonlat, units),
                    "displacement_km": dist,
                }
            )
        )
    samples_all = pd.concat(records, ignore_index=True)
    lengths = [x.groupby("region_id").length_km.sum() for x in lines]
    ids = [
        r for r in units.region_id if r in set(lengths[0].index) | set(lengths[1].index)
    ]
    names = dict(zip(units.region_id, units.name, strict=True))
    rows = []
    for rid in [*ids, "total"]:
        part = (
            samples_all if rid == "total" else samples_all[samples_all.region_id == rid]
        )
        rows.append(
            {
                "region_id": rid,
                "name": "all regions" if rid == "total" else names[rid],
                "before_length_km": float(
                    lengths[0].sum() if rid == "total" else lengths[0].get(rid, 0.0)
                ),
                "after_length_km": float(
                    lengths[1].sum() if rid == "total" else lengths[1].get(rid, 0.0)
                ),
                "mean_displacement_km": float(part.displacement_km.mean())
                if len(part)
                else 0.0,
                "max_displacement_km": float(part.displacement_km.max())
                if len(part)
                else 0.0,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        {
            "before_date": lines[0].attrs.get("date"),
            "after_date": lines[1].attrs.get("date"),
            "spacing_km": float(spacing_km),
            "tolerance": lines[1].attrs.get("tolerance"),
            "tolerance_caption": lines[1].attrs.get("tolerance_caption"),
            "tolerance_km": lines[1].attrs.get("tolerance_km"),
            "include_river": lines[1].attrs.get("include_river"),
            "boundaries": source,
            "method": "samples every spacing_km along each line, distance to the "
            "other line in a local azimuthal equidistant projection",
        }
    )
    return out


def distance_bands(
    control: str | Path | gpd.GeoDataFrame,
    *,
    edges_km: Sequence[float] = (0, 10, 40, 80),
    side: Side = "ukrainian",
    regions: str | Iterable[str] | None = None,
    tolerance: Tolerance | None = None,
    include_river: bool = True,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    tolerance_km: float | None = None,
) -> pd.DataFrame:
    """Measure the area within distance bands of the front line, per region.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer.
    edges_km : sequence of float, default (0, 10, 40, 80)
        Increasing band edges in km from the line: ``(0, 10, 40, 80)`` gives
        the bands 0–10, 10–40 and 40–80 km.
    side : {"ukrainian", "russian", "both"}, default "ukrainian"
        Which side of the line to measure: Ukrainian-held (area − Russian-held
        − contested), Russian-held, or both.
    regions : str or iterable of str, optional
        Units to report, with zero rows and group rows (see
        :func:`line_lengths`); default: every unit with area in a band.
    tolerance, include_river, boundaries
        As in :func:`front_line`: the bands are buffers of that line
        (``boundaries`` give the outline whose edge is border or coast, also
        with zones).
    zones : GeoDataFrame, str or path, optional
        Report these zones instead of the regions (see
        :func:`frontline.control_table`), with their parent groups; with
        ``regions`` left out, the zones with area in a band.
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns (see :func:`frontline.zones.read_zones`).
    tolerance_km : float, optional
        Deprecated; see :func:`front_line`.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per region and band, ``region_id``, ``name``, ``band``
        (e.g. ``"10–40 km"``), ``from_km``, ``to_km``, ``area_km2``,
        ``share_pct`` (of the region's area). ``attrs`` records the side,
        the line's parameters (its tolerance among them) and the method.

    Raises
    ------
    OptionError
        For an unknown ``side`` or edges that are not increasing,
        non-negative distances up to 1,500 km.

    Notes
    -----
    Distances are straight-line distances from the nearest point of the line
    (not travel distances), computed as buffers in a local azimuthal
    equidistant projection; their areas measured on the WGS84 ellipsoid.

    Examples
    --------
    >>> import frontline
    >>> from frontline.line import distance_bands
    >>> bands = distance_bands(frontline.load_sample(), regions="UA-23")
    >>> bands.band.tolist()
    ['0–10 km', '10–40 km', '40–80 km']
    """
    if side not in get_args(Side):
        raise OptionError(f"unknown side {side!r}; expected one of {get_args(Side)}")
    example = "(0, 10, 40, 80)"
    edges = [
        _validate.distance_km(e, "each of edges_km", example=example)
        for e in _validate.sequence(
            edges_km, "edges_km", what="distances in km", example=example
        )
    ]
    if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise OptionError(
            f"edges_km must be at least two increasing, non-negative distances such "
            f"as {example}; got {quote(tuple(edges_km))}"
        )
    tol = resolve_tolerance(tolerance, tolerance_km)
    layer = as_layer(control)
    line = front_line(
        layer, tolerance=tol, include_river=include_river, boundaries=boundaries
    )
    units_all, outline, source = _units_and_outline(boundaries)
    russian = shapely.intersection(_russian_held(layer), outline)
    contested = status_union(layer, ("contested",))
    area = {
        "russian": russian,
        "ukrainian": shapely.difference(outline, shapely.union(russian, contested)),
    }
    area["both"] = shapely.union(area["russian"], area["ukrainian"])
    target = area[side]
    labels = [f"{_fmt(a)}–{_fmt(b)} km" for a, b in itertools.pairwise(edges)]
    rings = _band_polygons(line, edges)
    band_geoms = {
        label: shapely.intersection(ring, target)
        for label, ring in zip(labels, rings, strict=True)
    }
    groups: dict[str, tuple[str, ...]] = {}
    group_name = group_label
    if zones is not None:
        zoned = select_units(
            regions,
            default=None,
            zones=zones,
            zone_id=zone_id,
            zone_name=zone_name,
            zone_parent=zone_parent,
        )
        units, groups, group_name = zoned.frame, zoned.groups, zoned.label
    elif regions is None:
        units = units_all
    else:
        selection = resolve_regions(regions)
        units = load_regions(selection.ids, boundaries=boundaries)
        groups = selection.groups
    km2 = _overlay_km2(units, band_geoms)
    region_area = pd.Series(area_km2(units.geometry), index=km2.index, dtype=float)
    rows = []
    for rid, name in zip(units.region_id, units.name, strict=True):
        for label, (lo, hi) in zip(labels, itertools.pairwise(edges), strict=True):
            value = float(km2.loc[rid, label])
            rows.append(
                {
                    "region_id": rid,
                    "name": name,
                    "band": label,
                    "from_km": lo,
                    "to_km": hi,
                    "area_km2": value,
                    "share_pct": 100 * value / float(region_area[rid]),
                }
            )
    out = pd.DataFrame(rows)
    if regions is None:
        keep = out.groupby("region_id").area_km2.transform("sum") > 0
        out = out.loc[keep].reset_index(drop=True)
    if regions is not None or zones is not None:
        for group, members in groups.items():
            part = out[out.region_id.isin(members)]
            if zones is not None and regions is None and part.area_km2.sum() <= 0:
                continue
            sums = part.groupby("band", sort=False).area_km2.sum()
            total_area = float(region_area.loc[list(members)].sum())
            out = pd.concat(
                [
                    out,
                    pd.DataFrame(
                        {
                            "region_id": group,
                            "name": group_name(group),
                            "band": labels,
                            "from_km": edges[:-1],
                            "to_km": edges[1:],
                            "area_km2": [float(sums[b]) for b in labels],
                            "share_pct": [
                                100 * float(sums[b]) / total_area for b in labels
                            ],
                        }
                    ),
                ],
                ignore_index=True,
            )
    out.attrs.update(
        {
            "side": side,
            "edges_km": edges,
            "date": line.attrs.get("date"),
            "source": line.attrs.get("source"),
            **tolerance_attrs(tol),
            "include_river": line.attrs.get("include_river"),
            "line_length_km": line.attrs.get("length_km"),
            "boundaries": source,
            "method": "buffers of the front line in a local azimuthal equidistant "
            "projection, clipped to the side's area, areas on the WGS84 ellipsoid",
        }
    )
    return out


# -- helpers shared with scenarios --------------------------------------------


def _check_km(name: str, value: float) -> None:
    """Check the line's distances: ``tolerance_km`` (≤ 100 km), ``river_km``."""
    if name == "tolerance_km":
        _validate.distance_km(value, name, high=_validate.MAX_TOLERANCE_KM, example="3")
    else:
        _validate.distance_km(value, name, example="10")


def _check_line(line: Any) -> None:
    import geopandas as gpd

    if not (isinstance(line, gpd.GeoDataFrame) and line.attrs.get("kind") == _KIND):
        raise OptionError(
            f"expected the output of frontline.line.front_line(...), got "
            f"{type(line).__name__}; compute the line first"
        )


def _line_of(
    data: str | Path | gpd.GeoDataFrame,
    tol: Tolerance,
    include_river: bool,
    boundaries: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if isinstance(data, gpd.GeoDataFrame) and data.attrs.get("kind") == _KIND:
        return data
    return front_line(
        data, tolerance=tol, include_river=include_river, boundaries=boundaries
    )


def resolve_tolerance(
    tolerance: Tolerance | None, tolerance_km: float | None, stacklevel: int = 3
) -> Tolerance:
    """Return the tolerance a product asks for, the deprecated ``tolerance_km`` too.

    ``tolerance_km`` (the border tolerance in km of the earlier line model)
    becomes ``border_m``, with a :class:`FutureWarning` pointing at the line
    that called the public function (``stacklevel`` frames up).
    """
    tol = check_tolerance(tolerance)
    if tolerance_km is None:
        return tol
    _check_km("tolerance_km", tolerance_km)
    if tolerance is not None:
        raise OptionError(
            f"got both tolerance={tolerance!r} and tolerance_km={tolerance_km!r}; "
            "pass tolerance=Tolerance(border_m=...) only (tolerance_km is "
            "deprecated)"
        )
    warnings.warn(
        "tolerance_km is deprecated: the distance from the border and the coast "
        "is now the border_m of a frontline.tolerance.Tolerance (pockets thinner "
        "than it between the map and the edge are border, not front; default "
        f"5 km); write tolerance=Tolerance(border_m={1000 * tolerance_km:g})",
        FutureWarning,
        stacklevel=stacklevel,
    )
    return dataclasses.replace(tol, border_m=1000.0 * tolerance_km)


def tolerance_attrs(tol: Tolerance) -> dict[str, Any]:
    """Return the ``attrs`` entries that state a product's tolerance."""
    return {
        "tolerance": tol.to_attrs(),
        "tolerance_caption": tol.caption(),
        "tolerance_km": tol.border_m / 1000.0,
    }


def _units_and_outline(
    boundaries: gpd.GeoDataFrame | None,
) -> tuple[gpd.GeoDataFrame, Geometry, str]:
    """All units of the boundary set, their union, and the set's description."""
    if boundaries is None:
        return load_regions("all"), ukraine_outline(), BOUNDARY_SOURCE
    checked = check_boundaries(boundaries)
    units = load_regions(list(checked.region_id), boundaries=checked)
    outline = shapely.union_all(np.asarray(units.geometry.values))
    source = str(checked.attrs.get("boundary_source", "user-supplied boundaries"))
    return units, outline, source


def _region_names(ids: Sequence[str]) -> tuple[list[str], list[str]]:
    names = load_regions(list(ids))
    return list(names.region_id), list(names.name)


def _russian_held(layer: gpd.GeoDataFrame) -> Geometry:
    return status_union(layer, RUSSIAN_HELD)


def _project(geom: Any, transformer: Transformer) -> Any:
    return shapely.transform(
        geom,
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )


def _fmt(value: float) -> str:
    return f"{value:g}"


def _length_km(geoms: Any) -> NDArray[np.float64]:
    """Geodesic length (km) of lon/lat lines, edges straight in lon/lat."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    if len(geoms) == 0:
        return out
    dense = shapely.segmentize(geoms, _LENGTH_STEP_DEG)
    lines, owner = shapely.get_parts(dense, return_index=True)
    keep = np.isin(shapely.get_type_id(lines), (1, 2))  # LineString, LinearRing
    lines, owner = lines[keep], owner[keep]
    if len(lines) == 0:
        return out
    coords, line_idx = shapely.get_coordinates(lines, return_index=True)
    same = line_idx[1:] == line_idx[:-1]
    _, _, dist = _GEOD.inv(
        coords[:-1, 0][same],
        coords[:-1, 1][same],
        coords[1:, 0][same],
        coords[1:, 1][same],
    )
    np.add.at(out, owner[line_idx[1:][same]], np.asarray(dist) / 1000.0)
    return out


# -- the tracing ---------------------------------------------------------------


def _trace(
    layer: gpd.GeoDataFrame, outline: Geometry, tol: Tolerance, river_km: float
) -> list[tuple[Geometry, bool]]:
    """Front-line pieces (lon/lat LineStrings) with their river flag."""
    mask = layer.status.isin(RUSSIAN_HELD).to_numpy()
    area = drop_pinholes(close_gaps(layer.geometry.values[mask], tol=tol), tol=tol)
    if area.is_empty:
        return []
    lines = front_segments(area, without_sea(outline), tol=tol)
    if lines.is_empty:
        return []
    fwd, _ = local_projection(lines)
    river = shapely.STRtree(
        _segments(
            _project(shapely.segmentize(shapely.LineString(DNIPRO), _STEP_DEG), fwd)
        )
    )
    out: list[tuple[Geometry, bool]] = []
    for part in shapely.get_parts(lines):
        lonlat = shapely.get_coordinates(shapely.segmentize(part, _STEP_DEG))
        if len(lonlat) < 2:
            continue
        xy = np.column_stack(fwd.transform(lonlat[:, 0], lonlat[:, 1]))
        on_river = np.zeros(len(lonlat), dtype=bool)
        near, _ = river.query_nearest(
            shapely.points(xy), max_distance=river_km * 1000.0, all_matches=False
        )
        on_river[near] = True
        out.extend(_runs(lonlat, on_river[:-1] & on_river[1:]))
    return out


def _nearest_distance(points: Any, line: Geometry) -> NDArray[np.float64]:
    """Distance from each point to a line, through a tree of its segments."""
    out = np.zeros(len(points))
    if len(points) == 0:
        return out
    tree = shapely.STRtree(_segments(line))
    (i_pt, _), dist = tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    out[i_pt] = dist
    return out


def _segments(line: Geometry) -> NDArray[np.object_]:
    parts = shapely.get_parts(line)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    same = idx[1:] == idx[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    return np.asarray(
        shapely.linestrings(
            np.stack([starts, ends], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(len(starts)), 2),
        ),
        dtype=object,
    )


def _runs(
    lonlat: NDArray[np.float64], river: NDArray[np.bool_]
) -> list[tuple[Geometry, bool]]:
    """Split a line into runs of segments with the same river flag.

    ``river[i]`` flags the segment from vertex ``i`` to ``i + 1``. A closed
    line that is all one kind stays one closed line.
    """
    cuts = np.flatnonzero(river[1:] != river[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(river)]
    return [
        (shapely.LineString(lonlat[i : j + 1]), bool(river[i]))
        for i, j in itertools.pairwise(bounds)
    ]


def _assign_regions(
    pieces: list[tuple[Geometry, bool]], units: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Cut the pieces at region boundaries; each stretch counted once.

    Stretches outside every unit (where the layer's coast lies seaward of the
    boundaries' coast) are dropped: the line ends at the boundaries' coast.
    """
    import geopandas as gpd

    rows: list[dict[str, Any]] = []
    geoms = np.asarray(units.geometry.values, dtype=object)
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    for flag in (False, True):
        lines = [g for g, r in pieces if r is flag]
        if not lines:
            continue
        line = shapely.union_all(np.asarray(lines, dtype=object))
        assigned: Geometry = shapely.LineString()
        per_region: dict[int, Geometry] = {}
        for i in np.sort(tree.query(line, predicate="intersects")):
            part = _linear(shapely.intersection(line, geoms[i]))
            part = _linear(shapely.difference(part, assigned))
            if part.is_empty:
                continue
            per_region[int(i)] = part
            assigned = shapely.union(assigned, part)
        for i, part in per_region.items():
            rows.append(
                {
                    "region_id": units.region_id.iloc[i],
                    "name": units.name.iloc[i],
                    "river": flag,
                    "geometry": shapely.line_merge(part),
                }
            )
    if not rows:
        empty = gpd.GeoDataFrame(
            {
                "region_id": pd.Series(dtype=object),
                "name": pd.Series(dtype=object),
                "river": pd.Series(dtype=bool),
                "length_km": pd.Series(dtype=float),
            },
            geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        )
        return empty[LINE_COLUMNS]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    out["length_km"] = _length_km(out.geometry.values)
    order = {rid: k for k, rid in enumerate(units.region_id)}
    out["_order"] = out.region_id.map(order)
    out = out.sort_values(["_order", "river"], ignore_index=True)
    return out[LINE_COLUMNS]


def _linear(geom: Geometry) -> Geometry:
    """Keep the line parts of an overlay result (points dropped)."""
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type in ("LineString", "MultiLineString")
    ]
    if not parts:
        return shapely.MultiLineString()
    merged = shapely.line_merge(shapely.union_all(np.asarray(parts, dtype=object)))
    return merged


def _sample(line: Geometry, spacing: float) -> NDArray[np.object_]:
    """Points every ``spacing`` (projected units) along each part, ends included."""
    out = []
    for part in shapely.get_parts(line):
        length = part.length
        if length == 0:
            continue
        n = max(int(np.ceil(length / spacing)), 1)
        out.append(shapely.line_interpolate_point(part, np.linspace(0, length, n + 1)))
    return np.concatenate(out) if out else np.empty(0, dtype=object)


def _locate(points: Any, units: gpd.GeoDataFrame) -> list[str]:
    """Region id of each lon/lat point (nearest unit when outside all)."""
    geoms = np.asarray(units.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    ids = units.region_id.to_numpy()
    found = np.full(len(points), -1)
    pt_idx, geom_idx = tree.query(points, predicate="intersects")
    order = np.argsort(pt_idx, kind="stable")[::-1]
    found[pt_idx[order]] = geom_idx[order]  # the first matching unit wins
    missing = np.flatnonzero(found < 0)
    if len(missing):
        found[missing] = tree.query_nearest(points[missing], all_matches=False)[1]
    return [str(ids[i]) for i in found]


def _band_polygons(line: gpd.GeoDataFrame, edges: list[float]) -> list[Geometry]:
    """Lon/lat polygons of the bands between consecutive distance edges."""
    geom = shapely.union_all(np.asarray(line.geometry.values))
    buffers = [_buffer(geom, edge) for edge in edges]
    return [
        outer if inner.is_empty else shapely.difference(outer, inner)
        for inner, outer in itertools.pairwise(buffers)
    ]


def _buffer(geom: Geometry, distance_km: float) -> Geometry:
    """Lon/lat polygon within ``distance_km`` of a lon/lat geometry.

    Buffered in a local azimuthal equidistant projection, densified to 500 m
    and projected back, so its edges are short enough to read as straight in
    lon/lat.
    """
    if geom.is_empty or distance_km <= 0:
        return shapely.Polygon()
    fwd, inv = local_projection(geom)
    projected = _project(shapely.segmentize(geom, _STEP_DEG), fwd)
    buf = shapely.buffer(projected, distance_km * 1000.0, quad_segs=16)
    return _project(shapely.segmentize(buf, 500.0), inv)
