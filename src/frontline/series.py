"""Many snapshots: one tidy table per date, change between dates, rates.

:func:`timeseries` measures every snapshot of a control map (files, a folder,
a glob or already-read layers) inside the selected regions and returns one
tidy table; :func:`change` and :func:`change_polygons` give the territory
gained and lost between two layers, by geometry (not the difference of two
totals); :func:`changes` does it for every consecutive pair or per calendar
period; :func:`resample` keeps the last situation of each week or month, and
:func:`rate` turns a series into km² per day.

Snapshots are streamed: one layer is held at a time, so memory does not grow
with the number of snapshots. Every figure comes from the area engine
(:mod:`frontline.areas`, km² on the WGS84 ellipsoid), through a tiled overlay
that measures only the tiles a snapshot changed (:mod:`frontline._tiles`).

Dates and rules
---------------
* A snapshot's date is what its source adapter says (``attrs["date"]``, the
  date of the situation shown, see :func:`frontline.read_control`).
* **Duplicates:** when several snapshots show the same date, the one published
  last is kept (``attrs["published"]``, when the adapter records it), else the
  one given last (for a folder or glob: the last file name in sorted order).
  The others are dropped, logged and listed in ``attrs["duplicates"]``.
* **Gaps** are reported, never filled: a spacing between consecutive dates
  longer than 1.5 × the series' median spacing (in a daily series, any
  missing day; in a monthly one, a missing month) is listed in
  ``attrs["gaps"]``, logged, and announced by one :class:`FrontlineWarning`.
  Per calendar period (:func:`resample`, :func:`changes` with ``freq`` ``W``
  or ``MS``), a period without any snapshot is a gap.
"""

from __future__ import annotations

import functools
import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import shapely

from frontline._changes import (
    UnsortedError,
    change_table,
    difference,
    pair_rows,
    parallel_changes,
    polygonal_part,
    stream_changes,
)
from frontline._runners import (
    Parallel,
    pick_runner,
    progress_bar,
    report_skipped,
    run_parallel,
    run_serial,
    runs_in_process,
    tile_engine,
    unit_km2,
)
from frontline._series_base import (
    ALL_STATUSES,
    CHANGE_COLUMNS,
    FREQUENCIES,
    METHOD,
    RUSSIAN_HELD_STATUS,
    TIMESERIES_COLUMNS,
    Snapshot,
    check_change_status,
    check_freq,
    check_series,
    freq_word,
    period_of,
    report_gaps,
)
from frontline._series_cache import SeriesCache
from frontline._snapshots import (
    Record,
    Skipped,
    dedupe,
    expand_snapshots,
    is_geoframe,
    read_snapshot,
    snap_of_layer,
    snapshot_layer,
)
from frontline._water import basis_units, check_basis
from frontline.areas import _km2, area_km2
from frontline.errors import (
    FrontlineWarning,
    OptionError,
)
from frontline.report import check_zone_options
from frontline.tolerance import Tolerance, check_tolerance, denoise_change
from frontline.zones import UnitSet, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence

    import geopandas as gpd

    from frontline._water import Basis
    from frontline.zones import ZoneSpec

__all__ = [
    "CHANGE_COLUMNS",
    "FREQUENCIES",
    "RUSSIAN_HELD_STATUS",
    "TIMESERIES_COLUMNS",
    "change",
    "change_polygons",
    "changes",
    "rate",
    "resample",
    "timeseries",
]

log = logging.getLogger(__name__)


# -- public API ------------------------------------------------------------
def timeseries(
    snapshots: Snapshot | Iterable[Snapshot],
    regions: str | Iterable[str] = "six",
    *,
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    basis: Basis = "geometry",
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    parallel: Parallel | Any | None = None,
    progress: bool = True,
    cache: bool = True,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Measure many control snapshots: km² and share per region, status and date.

    Parameters
    ----------
    snapshots : path, source URI, GeoDataFrame or iterable of them
        Control maps: file paths, a folder (every vector file in it, sorted
        by name), a glob pattern (``"maps/*.geojson"``), a source URI
        (``"deepstate-union:2024-11-01..2024-11-30"``: one map per evening,
        downloaded once into the cache, see :func:`frontline.fetch.fetch_range`)
        or layers already read with :func:`frontline.read_control`. Each is
        read with ``read_control(path)`` (source auto-detected) and takes its
        date from its adapter. An iterator is consumed one layer at a time.
    regions : str or iterable of str, default "six"
        A group (``four``, ``six``, ``all``), names or ids; see
        :func:`frontline.resolve_regions`.
    boundaries : GeoDataFrame, str or path, optional
        Boundaries to use instead of the embedded ones: a GeoDataFrame (see
        :func:`frontline.regions.from_geodataframe`), a registered set or a
        boundary file (see :func:`frontline.load_regions`).
    basis : {"geometry", "official", "land"}, default "geometry"
        As in :func:`frontline.control_table`: ``official`` scales each
        region's km² to its official area (shares unchanged); ``land``
        measures each region's polygon minus sea water, for its area and for
        every status (the figures of ``control_table(..., basis="land")``).
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask than the embedded one (see
        :func:`frontline.load_water`).
    parallel : {None, "serial", "processes", "dask"} or dask.distributed.Client
        ``None`` runs in this process on two threads: each snapshot is
        measured in a background thread while the next one is read and parsed
        (GDAL and GEOS release the GIL, so the two overlap on a machine with
        two cores; figures and warnings are the same). ``"serial"`` runs in
        this process on one thread. ``"processes"`` uses a local process
        pool (one worker per core). A ``Client`` (or ``"dask"`` for the
        current default client) runs on a Dask cluster; workers must see the
        same file paths. Snapshots go out in chunks of consecutive inputs so
        that tiles are reused within each chunk (two chunks per worker).
    progress : bool, default True
        Show a progress bar (tqdm, on stderr) on runs longer than two seconds,
        only when stderr is a terminal.
    cache : bool, default True
        Reuse each file's result from earlier runs and keep this run's
        (the series cache, in the download cache's ``series/`` folder, keyed
        by the file's sha256 and name and by the regions, boundaries and
        options; see :mod:`frontline._series_cache`). A second run over the
        same folder reads no geometry; a new day costs one map. Layers given
        as GeoDataFrames are always measured.
    zones : GeoDataFrame, str or path, optional
        Measure these zones instead of the regions (see
        :func:`frontline.control_table`); ``regions`` then selects zones.
        The series cache keys them by their ids and geometries.
    zone_id, zone_name, zone_parent : str, optional
        The zones' id, name and parent columns (see
        :func:`frontline.zones.read_zones`).

    Returns
    -------
    pandas.DataFrame
        Columns ``date, region_id, status, area_km2, share_pct``, sorted by
        date, then region (selection order, then group rows such as ``four``
        and ``six``), then status. Statuses are those present in any snapshot
        (precedence order) plus ``russian_held`` (``occupied`` +
        ``occupied_before_2022``); a status absent from one snapshot is 0
        there. ``share_pct`` is the share of the region's area.
        ``attrs``: ``regions``, ``groups``, ``region_area_km2``, ``sources``
        (date → source), ``duplicates``, ``gaps``, ``method``, ``boundaries``,
        ``basis``, under ``basis="land"``, ``water``, ``cache`` (its file,
        maps taken from it and maps measured), and ``zones`` with zones.

    Raises
    ------
    OptionError
        For an unknown ``parallel`` or ``basis``, ``water`` without
        ``basis="land"``, no snapshots, or a snapshot without date.
    InputFileNotFoundError
        If a path, folder or glob finds no file.
    RegionNotFoundError
        For an unknown region.

    See Also
    --------
    changes : gained and lost territory between consecutive snapshots.
    resample : the last situation of each week or month.

    Notes
    -----
    Duplicated dates and gaps follow the rules in the module docstring.

    Examples
    --------
    >>> import frontline
    >>> from frontline.series import timeseries
    >>> series = timeseries([frontline.load_sample()], "four", progress=False)
    >>> list(series.columns)
    ['date', 'region_id', 'status', 'area_km2', 'share_pct']
    >>> sorted(series.status.unique())
    ['occupied', 'occupied_before_2022', 'russian_held']
    """
    check_basis(basis, water)
    selection = _units(
        regions,
        "six",
        basis=basis,
        boundaries=boundaries,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )
    runner = pick_runner(parallel)
    units = basis_units(selection.frame, basis, water)
    measured = _geometry_only(units)
    in_process = runs_in_process(runner)
    items = expand_snapshots(snapshots, lazy=in_process)
    # The key of the series cache holds the units' ids and geometries: other
    # boundaries, regions, zones or a land basis use other results.
    kept = SeriesCache(measured) if cache else None
    skipped: list[Skipped] = []
    try:
        if in_process:
            records = run_serial(
                items,
                measured,
                progress,
                read_ahead=runner is None,
                cache=kept,
                skipped=skipped,
            )
        else:
            records = run_parallel(
                list(items), measured, runner, progress, cache=kept, skipped=skipped
            )
    finally:
        if kept is not None:
            kept.save()  # also what was measured before an error
    report_skipped(skipped, len(records))
    table = _series_table(records, units, selection, basis)
    if skipped:
        table.attrs["skipped"] = [
            {"file": s.label, "error": s.reason} for s in sorted(skipped)
        ]
    if kept is not None:
        table.attrs["cache"] = kept.summary()
        log.info(
            "series cache: %d map(s) from %s, %d measured",
            kept.hits,
            kept.file,
            kept.stored,
        )
    return table


def change(
    before: Snapshot,
    after: Snapshot,
    regions: str | Iterable[str] = "six",
    *,
    status: str = RUSSIAN_HELD_STATUS,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
) -> pd.DataFrame:
    """Territory gained and lost between two control layers, per region.

    Gains and losses are geometric: ``gained`` is the area that has the
    status in ``after`` but not in ``before``; ``lost`` the reverse; ``net``
    = gained − lost. A front that moved forward here and back there shows
    both, where the difference of two totals would show only their balance.

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Two control layers (anything :func:`frontline.read_control` reads).
    regions : str or iterable of str, default "six"
        A group, names or ids; see :func:`frontline.resolve_regions`.
    status : str, default "russian_held"
        ``russian_held`` (``occupied`` + ``occupied_before_2022``: "taken"
        means newly Russian-held), one status of the vocabulary, or ``all``
        (one row per status and region).
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded ones.
    zones : GeoDataFrame, str or path, optional
        Measure these zones instead of the regions (see
        :func:`frontline.control_table`); ``regions`` then selects zones.
    zone_id, zone_name, zone_parent : str, optional
        The zones' id, name and parent columns (see
        :func:`frontline.zones.read_zones`).
    tolerance : Tolerance, optional
        What counts as noise (:class:`frontline.tolerance.Tolerance`, its
        ``sliver_m``; default 100 m).

    Returns
    -------
    pandas.DataFrame
        One row per region then per group (and per status with
        ``status="all"``), columns :data:`CHANGE_COLUMNS`: ``period`` (the
        later date), ``date_before``, ``date_after``, ``days``,
        ``region_id``, ``name``, ``status``, ``before_km2``, ``after_km2``,
        ``gained_km2``, ``lost_km2``, ``net_km2``, ``km2_per_day``, then
        ``gained_noise_km2`` and ``lost_noise_km2``: the part of the gain and
        of the loss narrower than ``sliver_m`` (the coast or border redrawn
        between versions), which change maps do not draw. They are included
        in ``gained_km2`` and ``lost_km2``. ``attrs["tolerance"]`` states the
        tolerance.

    Raises
    ------
    UnknownStatusError
        For a status outside the vocabulary.
    OptionError
        If a layer has no date.

    See Also
    --------
    change_polygons : the gained and lost polygons themselves.
    changes : every consecutive pair, or per week or month.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> def layer(x, date):
    ...     gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47.5, x, 48)], crs=4326)
    ...     return frontline.read_control(gdf, date=date)
    >>> table = change(layer(37.5, "2024-11-17"), layer(37.6, "2024-11-24"), "UA-14")
    >>> table[["region_id", "gained_km2", "lost_km2", "days"]].round(1).values.tolist()
    [['UA-14', 416.9, 0.0, 7]]
    """
    statuses = check_change_status(status)
    selection = _units(
        regions,
        "six",
        boundaries=boundaries,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )
    units = _geometry_only(selection.frame)
    first, second = (
        snap_of_layer(snapshot_layer(before)),
        snap_of_layer(snapshot_layer(after)),
    )
    if second.date < first.date:
        first, second = second, first
    tol = check_tolerance(tolerance)
    with tile_engine(units) as engine:
        rows = pair_rows(engine, first, second, statuses, second.date, tol=tol)
    table = change_table(rows, selection, statuses)
    table.attrs["tolerance"] = tol.to_attrs()
    return table


def change_polygons(
    before: Snapshot,
    after: Snapshot,
    regions: str | Iterable[str] | None = None,
    *,
    status: str = RUSSIAN_HELD_STATUS,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
) -> gpd.GeoDataFrame:
    """Return the polygons gained and lost between two control layers.

    Parts of the change narrower than the tolerance's ``sliver_m`` (100 m by
    default) are noise: the coast, the border or the line redrawn a few
    metres off between two versions of a map. They are left out of the
    polygons, which are what a map draws, and reported apart in
    ``noise_km2`` (see :func:`frontline.tolerance.denoise_change`): per row,
    ``area_km2 + noise_km2`` is the whole change, to the square metre.

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Two control layers (anything :func:`frontline.read_control` reads).
    regions : str or iterable of str, optional
        Cut the polygons along these regions' boundaries (one row per region
        and piece); ``None`` keeps them whole (``region_id`` is None).
    status : str, default "russian_held"
        As in :func:`change` (``all``: every status separately).
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded ones.
    zones, zone_id, zone_name, zone_parent : optional
        Cut the polygons along these zones instead (see :func:`change`).
    tolerance : Tolerance, optional
        What counts as noise (:class:`frontline.tolerance.Tolerance`); default
        :data:`frontline.tolerance.DEFAULT_TOLERANCE`. ``Tolerance(sliver_m=0)``
        keeps everything.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``change`` (``gained`` or ``lost``), ``status``,
        ``region_id``, ``area_km2`` (of the geometry, on the ellipsoid),
        ``noise_km2`` (the change narrower than the tolerance, not in the
        geometry) and ``geometry`` (EPSG:4326, one MultiPolygon per row, empty
        where all of a region's change is noise); no change gives no row.
        ``attrs`` has ``date_before``, ``date_after`` and ``tolerance``.

    Raises
    ------
    UnknownStatusError
        For a status outside the vocabulary.
    OptionError
        For a ``tolerance`` that is not a :class:`~frontline.tolerance.Tolerance`.

    Notes
    -----
    With ``regions``, each polygon is cut along the regions' boundaries: a
    piece can be thinner than the tolerance where a wide change crosses a
    boundary.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> def layer(x, date):
    ...     gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47.5, x, 48)], crs=4326)
    ...     return frontline.read_control(gdf, date=date)
    >>> moved = change_polygons(layer(37.5, "2024-11-17"), layer(37.6, "2024-11-24"))
    >>> moved[["change", "status", "noise_km2"]].values.tolist()
    [['gained', 'russian_held', 0.0]]
    >>> moved.geometry.iloc[0].bounds
    (37.5, 47.5, 37.6, 48.0)
    """
    import geopandas as gpd

    statuses = check_change_status(status)
    tol = check_tolerance(tolerance)
    first, second = (
        snap_of_layer(snapshot_layer(before)),
        snap_of_layer(snapshot_layer(after)),
    )
    if second.date < first.date:
        first, second = second, first
    units = None
    if regions is not None or zones is not None:
        units = _units(
            regions,
            None,
            boundaries=boundaries,
            zones=zones,
            zone_id=zone_id,
            zone_name=zone_name,
            zone_parent=zone_parent,
        ).frame
    rows: list[dict[str, Any]] = []
    for name in statuses:
        old, new = first.geometry(name), second.geometry(name)
        for kind, geom in (
            ("gained", difference(new, old)),
            ("lost", difference(old, new)),
        ):
            if geom is None:
                continue
            kept, noise = denoise_change(geom, tol=tol)
            if units is None:
                pieces = [(None, kept, noise)]
            else:
                cells = np.asarray(units.geometry.values, dtype=object)
                pieces = list(
                    zip(
                        units.region_id,
                        shapely.intersection(cells, kept),
                        shapely.intersection(cells, noise),
                        strict=True,
                    )
                )
            for rid, drawn, crumbs in pieces:
                polys = polygonal_part(drawn)
                fringe = polygonal_part(crumbs)
                if polys is None and fringe is None:
                    continue
                rows.append(
                    {
                        "change": kind,
                        "status": name,
                        "region_id": rid,
                        "noise_km2": 0.0 if fringe is None else area_km2(fringe),
                        "g": shapely.MultiPolygon() if polys is None else polys,
                    }
                )
    geoms = np.asarray([r.pop("g") for r in rows], dtype=object)
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["change", "status", "region_id", "noise_km2"]),
        geometry=list(geoms),
        crs="EPSG:4326",
    )
    out.insert(3, "area_km2", _km2(geoms) if len(geoms) else [])
    out.attrs.update(
        date_before=first.date.isoformat(),
        date_after=second.date.isoformat(),
        tolerance=tol.to_attrs(),
    )
    return out


def changes(
    snapshots: pd.DataFrame | Snapshot | Iterable[Snapshot],
    freq: str = "D",
    regions: str | Iterable[str] = "six",
    *,
    status: str = RUSSIAN_HELD_STATUS,
    boundaries: gpd.GeoDataFrame | None = None,
    parallel: Parallel | Any | None = None,
    progress: bool = True,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    tolerance: Tolerance | None = None,
) -> pd.DataFrame:
    """Gained, lost and net territory between consecutive dates or periods.

    Parameters
    ----------
    snapshots : paths, folder, glob, layers, or a timeseries table
        Control maps as for :func:`timeseries`; gains and losses are then
        measured by geometry. A table from :func:`timeseries` gives the net
        change only (``gained_km2`` and ``lost_km2`` are NaN: totals cannot
        tell a gain here from a loss there).
    freq : {"D", "W", "MS"}, default "D"
        ``D``: every consecutive pair of dates. ``W`` / ``MS``: the last
        situation of each week (Monday-Sunday) / calendar month against the
        previous period's last situation (DeepState's weekly and monthly
        statements). ``M`` is accepted for ``MS``.
    regions : str or iterable of str, default "six"
        A group, names or ids; see :func:`frontline.resolve_regions`.
    status : str, default "russian_held"
        As in :func:`change`.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded ones.
    parallel : {None, "serial", "processes", "dask"} or dask.distributed.Client
        As in :func:`timeseries`. With processes or Dask, every snapshot is
        first read for its date (in parallel), the pairs to compare are chosen
        from the dates exactly as in this process, and runs of consecutive
        pairs are then measured on the workers; the figures are the same.
    progress : bool, default True
        Show a progress bar on long runs in a terminal.
    zones : GeoDataFrame, str or path, optional
        Measure these zones instead of the regions (see
        :func:`frontline.control_table`); ``regions`` then selects zones.
    zone_id, zone_name, zone_parent : str, optional
        The zones' id, name and parent columns (see
        :func:`frontline.zones.read_zones`).
    tolerance : Tolerance, optional
        What counts as noise, as in :func:`change`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS` (the noise columns as in
        :func:`change`; NaN from a timeseries table), one block of rows per
        period:
        ``period`` (the date with ``D``; the Monday of the week or the first
        of the month otherwise), ``date_before`` and ``date_after`` (the
        snapshots compared), ``days`` between them, ``km2_per_day`` =
        net / days. ``attrs["gaps"]`` lists periods without a snapshot.

    Raises
    ------
    OptionError
        For an unknown ``freq`` or fewer than two dates.
    UnknownStatusError
        For a status outside the vocabulary.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> def layer(x, date):
    ...     gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47.5, x, 48)], crs=4326)
    ...     return frontline.read_control(gdf, date=date)
    >>> layers = [layer(37.5, "2024-11-01"), layer(37.6, "2024-11-02"),
    ...           layer(37.55, "2024-11-03")]
    >>> table = changes(layers, "D", "UA-14", progress=False)
    >>> table.date_after.dt.strftime("%Y-%m-%d").tolist()
    ['2024-11-02', '2024-11-03']
    >>> table[["gained_km2", "lost_km2"]].round(1).values.tolist()
    [[416.9, 0.0], [0.0, 208.4]]
    """
    freq = check_freq(freq)
    statuses = check_change_status(status)
    tol = check_tolerance(tolerance)
    selection = _units(
        regions,
        "six",
        boundaries=boundaries,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )
    if isinstance(snapshots, pd.DataFrame) and not is_geoframe(snapshots):
        return _table_changes(snapshots, freq, statuses)
    runner = pick_runner(parallel)
    units = _geometry_only(selection.frame)
    items = list(expand_snapshots(snapshots, lazy=False))
    if not runs_in_process(runner):
        rows, dates = parallel_changes(
            items,
            units,
            runner,
            freq=freq,
            statuses=statuses,
            tol=tol,
            progress=progress,
        )
    else:
        with progress_bar(len(items), progress, "changes") as bar:
            stream = functools.partial(
                stream_changes,
                items,
                units=units,
                freq=freq,
                statuses=statuses,
                tol=tol,
                bar=bar,
                read_ahead=runner is None,
            )
            try:
                rows, dates = stream(None)
            except UnsortedError:
                log.info("snapshots are not in date order; reading their dates first")
                keys = []
                for index, item in enumerate(items):
                    snap = read_snapshot(item, index)
                    keys.append((snap.date, snap.published or "", index))
                rows, dates = stream([k[2] for k in sorted(keys)])
    table = change_table(rows, selection, statuses)
    table.attrs["gaps"] = report_gaps(sorted(set(dates)), freq)
    table.attrs["tolerance"] = tol.to_attrs()
    return table


def resample(series: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """Keep the last situation of each week or month of a timeseries table.

    Parameters
    ----------
    series : pandas.DataFrame
        A table from :func:`timeseries` (columns ``date, region_id, status,
        area_km2, share_pct``).
    freq : {"D", "W", "MS"}, default "W"
        Weeks run Monday to Sunday; ``MS`` (or ``M``) is the calendar month.

    Returns
    -------
    pandas.DataFrame
        The rows of each period's last date, with a ``period`` column first
        (the Monday of the week, the first of the month). A period without
        any snapshot has no row: it is listed in ``attrs["gaps"]`` (with a
        :class:`FrontlineWarning`), never filled.

    Raises
    ------
    OptionError
        For an unknown ``freq`` or a table without the timeseries columns.

    Examples
    --------
    >>> import pandas as pd
    >>> series = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-11-04", "2024-11-10", "2024-11-11"]),
    ...     "region_id": "UA-14", "status": "occupied",
    ...     "area_km2": [1.0, 2.0, 3.0], "share_pct": [1.0, 2.0, 3.0]})
    >>> weekly = resample(series, "W")
    >>> weekly.period.dt.strftime("%Y-%m-%d").tolist(), weekly.area_km2.tolist()
    (['2024-11-04', '2024-11-11'], [2.0, 3.0])
    """
    freq = check_freq(freq)
    table = check_series(series)
    dates = pd.DatetimeIndex(table["date"].unique()).sort_values()
    periods = pd.Series([period_of(d.date(), freq) for d in dates], index=dates)
    last = periods.groupby(periods).apply(lambda s: s.index.max())
    out = table[table["date"].isin(pd.DatetimeIndex(last.to_numpy()))].copy()
    out.insert(0, "period", [pd.Timestamp(period_of(d.date(), freq)) for d in out.date])
    out = out.reset_index(drop=True)
    out.attrs = dict(series.attrs)
    out.attrs["freq"] = freq
    out.attrs["gaps"] = report_gaps([d.date() for d in dates], freq)
    return out


def rate(
    series: pd.DataFrame, freq: str = "D", *, status: str = RUSSIAN_HELD_STATUS
) -> pd.DataFrame:
    """Net change and speed (km² per day) per region from a timeseries table.

    Parameters
    ----------
    series : pandas.DataFrame
        A table from :func:`timeseries`.
    freq : {"D", "W", "MS"}, default "D"
        Between consecutive dates, or between the last situations of
        consecutive weeks / months.
    status : str, default "russian_held"
        The status whose area is followed (``all``: every status).

    Returns
    -------
    pandas.DataFrame
        Columns ``period, date_before, date_after, days, region_id, status,
        before_km2, after_km2, net_km2, km2_per_day``.

    Raises
    ------
    OptionError
        For an unknown ``freq`` or a table without the timeseries columns.
    UnknownStatusError
        For a status outside the vocabulary.

    Examples
    --------
    >>> import pandas as pd
    >>> series = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-11-01", "2024-11-11"]),
    ...     "region_id": "UA-14", "status": "russian_held",
    ...     "area_km2": [100.0, 150.0], "share_pct": [1.0, 1.5]})
    >>> rate(series).km2_per_day.tolist()
    [5.0]
    """
    table = _table_changes(series, check_freq(freq), check_change_status(status))
    return table.drop(
        columns=["name", "gained_km2", "lost_km2", "gained_noise_km2", "lost_noise_km2"]
    )


def _units(
    regions: str | Iterable[str] | None,
    default: str | None,
    *,
    basis: str = "geometry",
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None,
    zones: ZoneSpec | None,
    zone_id: str | None,
    zone_name: str | None,
    zone_parent: str | Sequence[str] | None,
) -> UnitSet:
    check_zone_options(zones, boundaries, basis=basis)
    return select_units(
        regions,
        default=default,
        boundaries=boundaries,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )


def _geometry_only(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep what the runners need of the units: id, name and geometry.

    Workers get a copy (Dask scatters it), so the zone set's attrs (its
    checks, group names) stay here.
    """
    out = units[["region_id", "name", units.geometry.name]].copy()
    out.attrs = {}
    return out


def _series_table(
    records: list[Record],
    units: gpd.GeoDataFrame,
    selection: UnitSet,
    basis: str,
) -> pd.DataFrame:
    groups = selection.groups
    kept, duplicates = dedupe(records)
    present = {s for rec in kept for s in rec[5]}
    statuses = [s for s in ALL_STATUSES if s in present]
    ids = list(units.region_id)
    area = unit_km2(units)
    # Official basis: every km² of a unit scaled to its official area.
    scale = (
        units.official_area_km2.to_numpy(dtype=float) / area
        if basis == "official"
        else np.ones(len(ids))
    )
    area = area * scale
    # Group rows: sums of their members.
    position = {rid: i for i, rid in enumerate(ids)}
    members = [np.array([position[m] for m in groups[g]]) for g in groups]
    row_ids = [*ids, *groups]
    row_area = np.concatenate([area, [area[m].sum() for m in members]])
    n_rows = len(row_ids)
    n = len(kept)
    data = np.zeros((n, n_rows, len(statuses)))
    for i, rec in enumerate(kept):
        for j, status in enumerate(statuses):
            km2 = rec[5].get(status)
            if km2 is not None:
                data[i, : len(ids), j] = km2 * scale
    for g, m in enumerate(members):
        # Members along the last, contiguous axis: the same (pairwise) sum as
        # km2[m].sum() of each snapshot, for all snapshots at once.
        part = np.ascontiguousarray(data[:, m, :].transpose(0, 2, 1))
        data[:, len(ids) + g, :] = part.sum(axis=-1)
    # Repeating codes, then taking, is several times faster than repeating
    # text or date objects (1,500 zones × 769 dates: 2.3 million rows).
    row_codes = np.tile(np.repeat(np.arange(n_rows), len(statuses)), n)
    table = pd.DataFrame(
        {
            "date": pd.to_datetime([rec[2] for rec in kept]).repeat(
                n_rows * len(statuses)
            ),
            "region_id": pd.Series(row_ids).take(row_codes).array,
            "status": pd.Series(statuses)
            .take(np.tile(np.arange(len(statuses)), n * n_rows))
            .array,
            "area_km2": data.reshape(-1),
        }
    )
    table["share_pct"] = (
        100
        * table["area_km2"].to_numpy()
        / np.tile(np.repeat(row_area, len(statuses)), n)
    )
    dates = [rec[2] for rec in kept]
    sources = {rec[2].isoformat(): rec[3] for rec in kept}
    coverage_changes = _coverage_changes(kept)
    table.attrs.update(
        {
            "regions": ids,
            "groups": {g: list(m) for g, m in groups.items()},
            "region_names": dict(zip(ids, units.name, strict=True))
            | {g: selection.label(g) for g in groups},
            "region_area_km2": dict(zip(row_ids, row_area.tolist(), strict=True)),
            "sources": sources,
            "duplicates": duplicates,
            "coverage_changes": coverage_changes,
            "gaps": report_gaps(dates, None),
            "method": METHOD,
            "boundaries": selection.source,
            "basis": basis,
            **selection.attrs(),
        }
    )
    if basis == "land":
        table.attrs["water"] = units.attrs["water_source"]
    return table


def _coverage_changes(kept: list[Record]) -> list[dict[str, Any]]:
    """Dates where the adapter says the layer covers other territory classes.

    A source that starts or stops including Crimea or the pre-2022 Donbas
    (NZZ dropped the latter in March 2024) makes a step in the series that
    is not a change on the ground; it is reported, and a warning is issued.
    """
    out: list[dict[str, Any]] = []
    last: Any = None
    for rec in kept:
        coverage = rec[6]
        if coverage is None:
            continue
        if last is not None and coverage != last:
            out.append({"date": rec[2].isoformat(), "before": last, "after": coverage})
        last = coverage
    if out:
        shown = "; ".join(
            f"coverage changes on {c['date']}: {c['before']} → {c['after']}"
            for c in out[:3]
        )
        warnings.warn(
            f"the snapshots do not all cover the same territory ({shown}); the "
            "series steps there without a change on the ground "
            "(attrs['coverage_changes'])",
            FrontlineWarning,
            stacklevel=4,
        )
    return out


def _table_changes(
    series: pd.DataFrame, freq: str, statuses: tuple[str, ...]
) -> pd.DataFrame:
    """Net changes from a timeseries table (no geometry: no gains/losses)."""
    if freq == "D":
        table = check_series(series)
        table.insert(0, "period", table["date"])
        dates = sorted({d.date() for d in table["date"]})
        table.attrs["gaps"] = report_gaps(dates, "D")
    else:
        table = resample(series, freq)
    table = table[table["status"].isin(statuses)]
    wide = table.pivot_table(
        index=["period", "date"],
        columns=["status", "region_id"],
        values="area_km2",
        sort=False,
        aggfunc="last",
    ).sort_index()
    if len(wide) < 2:
        raise OptionError(
            f"changes need at least two {freq_word(freq)}s; the table has {len(wide)}"
        )
    names = series.attrs.get("region_names", {})
    rows = []
    values = wide.to_numpy(dtype=float)
    index: list[tuple[pd.Timestamp, pd.Timestamp]] = list(wide.index)
    columns: list[tuple[str, str]] = list(wide.columns)  # type: ignore[arg-type]
    for i in range(1, len(index)):
        (_, d0), (p1, d1) = index[i - 1], index[i]
        days = (d1 - d0).days
        for j, (status, rid) in enumerate(columns):
            before, after = float(values[i - 1, j]), float(values[i, j])
            rows.append(
                {
                    "period": p1,
                    "date_before": d0,
                    "date_after": d1,
                    "days": days,
                    "region_id": rid,
                    "name": names.get(rid, rid),
                    "status": status,
                    "before_km2": before,
                    "after_km2": after,
                    "gained_km2": np.nan,
                    "lost_km2": np.nan,
                    "net_km2": after - before,
                    "km2_per_day": (after - before) / days if days else np.nan,
                    "gained_noise_km2": np.nan,
                    "lost_noise_km2": np.nan,
                }
            )
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out.attrs.update(statuses=list(statuses), gaps=table.attrs.get("gaps", []))
    return out
