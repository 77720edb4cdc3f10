"""Change between snapshots: gained and lost territory, pair by pair.

Consecutive snapshots (or the last of each calendar period) are compared by
geometry, streamed in date order or planned and measured in parallel.
"""

from __future__ import annotations

import functools
import itertools
import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely

from frontline._runners import (
    Jobs,
    Overlay,
    progress_bar,
    run_chunks,
    split_chunks,
    tile_engine,
    worker_count,
)
from frontline._series_base import (
    CHANGE_COLUMNS,
    METHOD,
    RUSSIAN_HELD_STATUS,
    period_of,
    too_few_periods,
)
from frontline._snapshots import Key, Snap, read_snapshot
from frontline.tolerance import denoise_change

if TYPE_CHECKING:
    import datetime as dt

    import geopandas as gpd
    from shapely import Geometry

    from frontline.tolerance import Tolerance
    from frontline.zones import UnitSet

__all__ = [
    "UnsortedError",
    "change_table",
    "difference",
    "pair_rows",
    "parallel_changes",
    "polygonal_part",
    "stream_changes",
]

log = logging.getLogger(__name__)


def difference(a: Geometry | None, b: Geometry | None) -> Geometry | None:
    if a is None or a.is_empty:
        return None
    if b is None or b.is_empty:
        return a
    return shapely.difference(a, b)


def polygonal_part(geom: Geometry | None) -> Geometry | None:
    """Return the polygonal part of an overlay result as a MultiPolygon, or None."""
    from frontline.areas import _polygon_parts

    if geom is None or geom.is_empty:
        return None
    polys, _ = _polygon_parts(np.array([geom], dtype=object))
    if len(polys) == 0:
        return None
    return shapely.multipolygons(shapely.orient_polygons(polys))


def noise_of(geom: Geometry | None, tol: Tolerance) -> Geometry | None:
    """Return the part of gained or lost area narrower than ``tol.sliver_m``."""
    if geom is None or geom.is_empty:
        return None
    noise = denoise_change(geom, tol=tol).noise
    return None if noise.is_empty else noise


def pair_rows(
    engine: Overlay,
    first: Snap,
    second: Snap,
    statuses: tuple[str, ...],
    period: dt.date,
    *,
    tol: Tolerance,
) -> list[dict[str, Any]]:
    """km² before/after, gained and lost (and their noise) per region and status."""
    rows = []
    days = (second.date - first.date).days
    for name in statuses:
        old, new = first.geometry(name), second.geometry(name)
        if old is None and new is None and name != RUSSIAN_HELD_STATUS:
            continue
        gained, lost = difference(new, old), difference(old, new)
        rows.append(
            {
                "period": period,
                "date_before": first.date,
                "date_after": second.date,
                "days": days,
                "status": name,
                "before": engine.tiles.measure(old, f"{name}:state"),
                "after": engine.tiles.measure(new, f"{name}:state"),
                "gained": engine.tiles.measure(gained, f"{name}:+"),
                "lost": engine.tiles.measure(lost, f"{name}:-"),
                "gained_noise": engine.tiles.measure(
                    noise_of(gained, tol), f"{name}:+noise"
                ),
                "lost_noise": engine.tiles.measure(
                    noise_of(lost, tol), f"{name}:-noise"
                ),
            }
        )
    return rows


def change_table(
    rows: list[dict[str, Any]],
    selection: UnitSet,
    statuses: tuple[str, ...],
) -> pd.DataFrame:
    units, groups = selection.frame, selection.groups
    ids = list(units.region_id)
    names = [*units.name, *(selection.label(g) for g in groups)]
    position = {rid: i for i, rid in enumerate(ids)}
    members = [np.array([position[m] for m in groups[g]]) for g in groups]
    if not rows:
        table = pd.DataFrame(columns=[c for c in CHANGE_COLUMNS if c not in _DERIVED])
    else:
        # All rows at once: members along the last axis give the same
        # (pairwise) group sums as one row at a time.
        n, width = len(rows), len(ids) + len(groups)
        each = np.repeat(np.arange(n), width)
        block = {}
        for key in ("before", "after", "gained", "lost", "gained_noise", "lost_noise"):
            values = np.zeros((n, width))
            values[:, : len(ids)] = np.stack([row[key] for row in rows])
            for g, m in enumerate(members):
                values[:, len(ids) + g] = np.ascontiguousarray(values[:, m]).sum(-1)
            block[f"{key}_km2"] = values.reshape(-1)

        def per_row(key: str, cast: Any = None) -> Any:
            items = [row[key] if cast is None else cast(row[key]) for row in rows]
            return pd.Series(items).take(each).array

        labels = np.tile(np.arange(width), n)
        table = pd.DataFrame(
            {
                "period": per_row("period", pd.Timestamp),
                "date_before": per_row("date_before", pd.Timestamp),
                "date_after": per_row("date_after", pd.Timestamp),
                "days": per_row("days"),
                "region_id": pd.Series([*ids, *groups]).take(labels).array,
                "name": pd.Series(names).take(labels).array,
                "status": per_row("status"),
                **block,
            }
        )
    table["net_km2"] = table["gained_km2"] - table["lost_km2"]
    table["km2_per_day"] = table["net_km2"] / table["days"].where(table["days"] > 0)
    table = table[CHANGE_COLUMNS]
    table.attrs.update(
        regions=ids,
        groups={g: list(m) for g, m in groups.items()},
        statuses=list(statuses),
        method=METHOD,
        boundaries=selection.source,
        **selection.attrs(),
    )
    return table


#: Columns change_table computes from the others.
_DERIVED: Final = ("net_km2", "km2_per_day")


class UnsortedError(Exception):
    """Snapshots given out of date order (internal: triggers a sorted pass)."""


def stream_changes(
    items: list[Any],
    order: list[int] | None,
    *,
    units: gpd.GeoDataFrame,
    freq: str,
    statuses: tuple[str, ...],
    tol: Tolerance,
    bar: Any,
    read_ahead: bool = True,
) -> tuple[list[dict[str, Any]], list[dt.date]]:
    """Change rows between the last snapshots of consecutive periods.

    Snapshots are read one at a time in ``order`` (default: as given); the
    last of each period is compared with the previous period's last. Of two
    snapshots of one date the one published last (else given last) is kept.
    Raises UnsortedError when a date goes backwards and no order was given.
    """
    rows: list[dict[str, Any]] = []
    dates: list[dt.date] = []
    previous: Snap | None = None
    pending: Snap | None = None
    indices = order if order is not None else range(len(items))
    measure = functools.partial(pair_rows, tol=tol)
    with tile_engine(units) as engine, Jobs(background=read_ahead) as jobs:
        for index in indices:
            snap = read_snapshot(items[index], index)
            bar.update(1)
            if pending is not None and snap.date < pending.date:
                raise UnsortedError
            if pending is not None and snap.date == pending.date:
                keep_new = (snap.published or "", snap.index) >= (
                    pending.published or "",
                    pending.index,
                )
                log.info(
                    "two snapshots show %s; kept %s (published last, else given last)",
                    snap.date,
                    (snap if keep_new else pending).label,
                )
                if keep_new:
                    pending = snap
                continue
            dates.append(snap.date)
            if pending is not None and period_of(pending.date, freq) != period_of(
                snap.date, freq
            ):
                if previous is not None:
                    period = period_of(pending.date, freq)
                    for done in jobs.submit(
                        measure, engine, previous, pending, statuses, period
                    ):
                        rows += done
                previous = pending
            pending = snap
        if pending is not None and previous is not None:
            period = period_of(pending.date, freq)
            for done in jobs.submit(
                measure, engine, previous, pending, statuses, period
            ):
                rows += done
        for done in jobs.drain():
            rows += done
    if previous is None:
        raise too_few_periods(freq, len(items), dates)
    return rows, dates


def _dates_chunk(chunk: list[tuple[int, Any]]) -> list[Key]:
    """Worker: the date (and publication time) of each snapshot of a chunk."""
    out = []
    for index, item in chunk:
        snap = read_snapshot(item, index)
        out.append((index, snap.date, snap.published))
    return out


def _plan_changes(
    keys: list[Key], freq: str, n_items: int
) -> tuple[list[tuple[dt.date, int, int]], list[dt.date]]:
    """Choose the pairs to compare from the snapshots' dates alone.

    The same rules as :func:`stream_changes`: of several snapshots of one
    date the one published last (else given last) is kept; each period's
    last situation is compared with the previous period's last. Returns
    ``(period, index before, index after)`` per pair, and the dates.
    """
    kept: dict[dt.date, Key] = {}
    for key in sorted(keys, key=lambda k: (k[1], k[2] or "", k[0])):
        if key[1] in kept:
            log.info(
                "two snapshots show %s; kept #%d (published last, else given last)",
                key[1],
                key[0],
            )
        kept[key[1]] = key  # the last in this order wins
    dates = sorted(kept)
    lasts: list[Key] = []
    for day in dates:
        if lasts and period_of(lasts[-1][1], freq) == period_of(day, freq):
            lasts[-1] = kept[day]
        else:
            lasts.append(kept[day])
    if len(lasts) < 2:
        raise too_few_periods(freq, n_items, dates)
    pairs = [(period_of(b[1], freq), a[0], b[0]) for a, b in itertools.pairwise(lasts)]
    return pairs, dates


def _pairs_chunk(
    chunk: list[tuple[dt.date, tuple[int, Any], tuple[int, Any]]],
    units: gpd.GeoDataFrame,
    statuses: tuple[str, ...],
    tol: Tolerance,
) -> list[dict[str, Any]]:
    """Worker: change rows of a run of consecutive pairs (each map read once)."""
    rows: list[dict[str, Any]] = []
    last: tuple[int, Snap] | None = None
    with tile_engine(units) as engine:
        for period, (i_before, before), (i_after, after) in chunk:
            if last is not None and last[0] == i_before:
                first = last[1]
            else:
                first = read_snapshot(before, i_before)
            second = read_snapshot(after, i_after)
            rows += pair_rows(engine, first, second, statuses, period, tol=tol)
            last = (i_after, second)
    return rows


def parallel_changes(
    items: list[Any],
    units: gpd.GeoDataFrame,
    runner: Any,
    *,
    freq: str,
    statuses: tuple[str, ...],
    tol: Tolerance,
    progress: bool,
) -> tuple[list[dict[str, Any]], list[dt.date]]:
    """Change rows on local processes or Dask: dates first, then the pairs."""
    workers = worker_count(runner)
    with progress_bar(len(items), progress, "changes: dates") as bar:
        found = run_chunks(runner, _dates_chunk, split_chunks(items, workers), (), bar)
    pairs, dates = _plan_changes(
        [k for chunk in found for k in chunk], freq, len(items)
    )
    work = [(period, (a, items[a]), (b, items[b])) for period, a, b in pairs]
    chunks = [[pair for _, pair in chunk] for chunk in split_chunks(work, workers)]
    with progress_bar(len(work), progress, "changes") as bar:
        done = run_chunks(runner, _pairs_chunk, chunks, (units, statuses, tol), bar)
    return [row for chunk in done for row in chunk], dates
