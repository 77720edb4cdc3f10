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

import contextlib
import datetime as dt
import functools
import glob
import importlib
import itertools
import logging
import math
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, get_args

import numpy as np
import pandas as pd

import shapely

from frontline._tiles import TILE_DEG, TileOverlay
from frontline.areas import _km2
from frontline.control import _read_layer, as_layer, is_normalised
from frontline.errors import (
    FrontlineWarning,
    InputFileNotFoundError,
    OptionError,
    UnknownStatusError,
)
from frontline.regions import (
    BOUNDARY_SOURCE,
    group_label,
    load_regions,
    resolve_regions,
)
from frontline.status import PRECEDENCE, RUSSIAN_HELD

if TYPE_CHECKING:
    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

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

Snapshot: TypeAlias = "str | Path | gpd.GeoDataFrame"
Freq = Literal["D", "W", "MS"]
Parallel = Literal["serial", "processes", "dask"]

#: Calendar periods understood by :func:`changes`, :func:`resample` and
#: :func:`rate`: every date, weeks (Monday to Sunday, labelled by their Monday)
#: and calendar months (labelled by their first day). ``M`` and ``ME`` are
#: accepted for ``MS``.
FREQUENCIES: Final = ("D", "W", "MS")
_FREQ_ALIASES: Final = {"M": "MS", "ME": "MS", "W-SUN": "W", "W-MON": "W"}
_RANGE: Final = {"W": "W-MON", "MS": "MS"}

#: The derived status of Russian-held area (``occupied`` + ``occupied_before_2022``).
RUSSIAN_HELD_STATUS: Final = "russian_held"
_ALL_STATUSES: Final = (*PRECEDENCE, RUSSIAN_HELD_STATUS)

#: Columns of the :func:`timeseries` table, in order.
TIMESERIES_COLUMNS: Final = ["date", "region_id", "status", "area_km2", "share_pct"]
#: Columns of the :func:`change` / :func:`changes` tables, in order.
CHANGE_COLUMNS: Final = [
    "period",
    "date_before",
    "date_after",
    "days",
    "region_id",
    "name",
    "status",
    "before_km2",
    "after_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "km2_per_day",
]
#: File types a folder is scanned for (every format read_control reads).
_SUFFIXES: Final = (
    ".geojson",
    ".json",
    ".gz",
    ".kml",
    ".kmz",
    ".gpkg",
    ".shp",
    ".zip",
    ".fgb",
    ".parquet",
    ".geoparquet",
)
#: The progress bar appears only after this many seconds (short runs show none).
_PROGRESS_DELAY_S: Final = 2.0
_METHOD: Final = (
    "km² on the WGS84 ellipsoid (exact for edges straight in lon/lat), control "
    "clipped to each region through a tiled overlay"
)


# -- public API ------------------------------------------------------------
def timeseries(
    snapshots: Snapshot | Iterable[Snapshot],
    regions: str | Iterable[str] = "six",
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    parallel: Parallel | Any | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Measure many control snapshots: km² and share per region, status and date.

    Parameters
    ----------
    snapshots : path, GeoDataFrame or iterable of them
        Control maps: file paths, a folder (every vector file in it, sorted
        by name), a glob pattern (``"maps/*.geojson"``) or layers already read
        with :func:`frontline.read_control`. Each is read with
        ``read_control(path)`` (source auto-detected) and takes its date from
        its adapter. An iterator is consumed one layer at a time.
    regions : str or iterable of str, default "six"
        A group (``four``, ``six``, ``all``), names or ids; see
        :func:`frontline.resolve_regions`.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded ones (see
        :func:`frontline.regions.from_geodataframe`).
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
        (date → source), ``duplicates``, ``gaps``, ``method``, ``boundaries``.

    Raises
    ------
    OptionError
        For an unknown ``parallel``, no snapshots, or a snapshot without date.
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
    selection = resolve_regions(regions)
    runner = _runner(parallel)
    units = load_regions(selection.ids, boundaries=boundaries)
    in_process = _in_process(runner)
    items = _expand(snapshots, lazy=in_process)
    if in_process:
        records = _serial(items, units, progress, read_ahead=runner is None)
    else:
        records = _parallel(list(items), units, runner, progress)
    return _series_table(records, units, selection.groups, boundaries)


def change(
    before: Snapshot,
    after: Snapshot,
    regions: str | Iterable[str] = "six",
    *,
    status: str = RUSSIAN_HELD_STATUS,
    boundaries: gpd.GeoDataFrame | None = None,
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

    Returns
    -------
    pandas.DataFrame
        One row per region then per group (and per status with
        ``status="all"``), columns :data:`CHANGE_COLUMNS`: ``period`` (the
        later date), ``date_before``, ``date_after``, ``days``,
        ``region_id``, ``name``, ``status``, ``before_km2``, ``after_km2``,
        ``gained_km2``, ``lost_km2``, ``net_km2``, ``km2_per_day``.

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
    statuses = _check_change_status(status)
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    first, second = _snapshot(_as_layer(before)), _snapshot(_as_layer(after))
    if second.date < first.date:
        first, second = second, first
    with _engine(units) as engine:
        rows = _pair_rows(engine, first, second, statuses, second.date)
    return _change_table(rows, units, selection.groups, statuses)


def change_polygons(
    before: Snapshot,
    after: Snapshot,
    regions: str | Iterable[str] | None = None,
    *,
    status: str = RUSSIAN_HELD_STATUS,
    boundaries: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Return the polygons gained and lost between two control layers.

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

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``change`` (``gained`` or ``lost``), ``status``,
        ``region_id``, ``area_km2`` (on the ellipsoid) and ``geometry`` (EPSG:4326,
        one MultiPolygon per row); empty changes give no row. ``attrs`` has
        ``date_before`` and ``date_after``.

    Raises
    ------
    UnknownStatusError
        For a status outside the vocabulary.

    Examples
    --------
    >>> import geopandas as gpd, shapely, frontline
    >>> def layer(x, date):
    ...     gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47.5, x, 48)], crs=4326)
    ...     return frontline.read_control(gdf, date=date)
    >>> moved = change_polygons(layer(37.5, "2024-11-17"), layer(37.6, "2024-11-24"))
    >>> moved[["change", "status"]].values.tolist()
    [['gained', 'russian_held']]
    >>> moved.geometry.iloc[0].bounds
    (37.5, 47.5, 37.6, 48.0)
    """
    import geopandas as gpd

    statuses = _check_change_status(status)
    first, second = _snapshot(_as_layer(before)), _snapshot(_as_layer(after))
    if second.date < first.date:
        first, second = second, first
    units = None
    if regions is not None:
        units = load_regions(resolve_regions(regions).ids, boundaries=boundaries)
    rows: list[dict[str, Any]] = []
    for name in statuses:
        old, new = first.geometry(name), second.geometry(name)
        for kind, geom in (
            ("gained", _difference(new, old)),
            ("lost", _difference(old, new)),
        ):
            if geom is None:
                continue
            if units is None:
                pieces = [(None, geom)]
            else:
                cut = shapely.intersection(
                    np.asarray(units.geometry.values, dtype=object), geom
                )
                pieces = list(zip(units.region_id, cut, strict=True))
            for rid, piece in pieces:
                polys = _polygonal(piece)
                if polys is not None:
                    rows.append(
                        {"change": kind, "status": name, "region_id": rid, "g": polys}
                    )
    geoms = np.asarray([r.pop("g") for r in rows], dtype=object)
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["change", "status", "region_id"]),
        geometry=list(geoms),
        crs="EPSG:4326",
    )
    out.insert(3, "area_km2", _km2(geoms) if len(geoms) else [])
    out.attrs.update(
        date_before=first.date.isoformat(), date_after=second.date.isoformat()
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

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`, one block of rows per period:
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
    freq = _check_freq(freq)
    statuses = _check_change_status(status)
    selection = resolve_regions(regions)
    if isinstance(snapshots, pd.DataFrame) and not _is_geoframe(snapshots):
        return _table_changes(snapshots, freq, statuses)
    runner = _runner(parallel)
    units = load_regions(selection.ids, boundaries=boundaries)
    items = list(_expand(snapshots, lazy=False))
    if not _in_process(runner):
        rows, dates = _parallel_changes(
            items, units, runner, freq=freq, statuses=statuses, progress=progress
        )
    else:
        with _bar(len(items), progress, "changes") as bar:
            stream = functools.partial(
                _stream_changes,
                items,
                units=units,
                freq=freq,
                statuses=statuses,
                bar=bar,
                read_ahead=runner is None,
            )
            try:
                rows, dates = stream(None)
            except _UnsortedError:
                log.info("snapshots are not in date order; reading their dates first")
                keys = []
                for index, item in enumerate(items):
                    snap = _read(item, index)
                    keys.append((snap.date, snap.published or "", index))
                rows, dates = stream([k[2] for k in sorted(keys)])
    table = _change_table(rows, units, selection.groups, statuses)
    table.attrs["gaps"] = _report_gaps(sorted(set(dates)), freq)
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
    freq = _check_freq(freq)
    table = _check_series(series)
    dates = pd.DatetimeIndex(table["date"].unique()).sort_values()
    periods = pd.Series([_period(d.date(), freq) for d in dates], index=dates)
    last = periods.groupby(periods).apply(lambda s: s.index.max())
    out = table[table["date"].isin(pd.DatetimeIndex(last.to_numpy()))].copy()
    out.insert(0, "period", [pd.Timestamp(_period(d.date(), freq)) for d in out.date])
    out = out.reset_index(drop=True)
    out.attrs = dict(series.attrs)
    out.attrs["freq"] = freq
    out.attrs["gaps"] = _report_gaps([d.date() for d in dates], freq)
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
    table = _table_changes(series, _check_freq(freq), _check_change_status(status))
    return table.drop(columns=["name", "gained_km2", "lost_km2"])


# -- inputs ----------------------------------------------------------------
def _is_geoframe(obj: object) -> bool:
    import geopandas as gpd

    return isinstance(obj, gpd.GeoDataFrame)


def _expand(snapshots: Any, *, lazy: bool) -> Iterable[Any]:
    """Paths, folders, globs and layers → a flat sequence of paths and layers."""
    if isinstance(snapshots, (str, Path)) or _is_geoframe(snapshots):
        items: Iterable[Any] = [snapshots]
    elif isinstance(snapshots, pd.DataFrame):
        raise OptionError(
            "got a table, not control maps; a table from timeseries() goes to "
            "changes(), resample() or rate()"
        )
    elif isinstance(snapshots, Iterable):
        items = snapshots
    else:
        raise OptionError(
            f"expected paths, a folder, a glob or control layers, got "
            f"{type(snapshots).__name__}"
        )
    flat = (leaf for item in items for leaf in _expand_one(item))
    if lazy and not isinstance(items, Sized):
        return _nonempty(flat)  # an iterator: consume it one layer at a time
    out = list(flat)
    if not out:
        raise OptionError("no snapshots given; pass files, a folder, a glob or layers")
    return out


def _nonempty(items: Iterator[Any]) -> Iterator[Any]:
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        raise OptionError("no snapshots given; pass files, a folder, a glob or layers")


def _is_json_table(path: Path) -> bool:
    """Whether a .json file in a folder is a JSON array (a table, not a map).

    Folders of maps often hold such side tables (ISW's ``daily_areas.json``);
    a map is always a JSON object, so arrays are skipped when scanning.
    """
    if path.suffix.lower() != ".json":
        return False
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        log.info("skipping %s: a JSON array, not a map", path.name)
        return True
    return False


def _expand_one(item: Any) -> list[Any]:
    if _is_geoframe(item):
        return [item]
    if not isinstance(item, (str, Path)):
        raise OptionError(
            f"expected a path or a control layer (GeoDataFrame), got "
            f"{type(item).__name__} {item!r:.80}"
        )
    path = Path(item)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and p.suffix.lower() in _SUFFIXES
            and not _is_json_table(p)
        )
        if not files:
            raise InputFileNotFoundError(
                f"folder {str(path)!r} holds no control file (looked for "
                f"{', '.join(_SUFFIXES)})"
            )
        return files
    if path.exists():
        return [path]
    if glob.has_magic(str(item)):
        matches = sorted(Path(p) for p in glob.glob(str(item)))
        files = [p for p in matches if p.is_file()]
        if not files:
            raise InputFileNotFoundError(f"glob {str(item)!r} matches no file")
        return files
    raise InputFileNotFoundError(
        f"snapshot {str(item)!r} does not exist; check the path (current "
        f"directory: {Path.cwd()})"
    )


def _as_layer(item: Any) -> gpd.GeoDataFrame:
    if isinstance(item, (str, Path)) or _is_geoframe(item):
        return as_layer(item)
    raise OptionError(
        f"expected a path or a control layer (GeoDataFrame), got {type(item).__name__}"
    )


def _describe(item: Any, index: int) -> str:
    if isinstance(item, (str, Path)):
        return Path(item).name
    return f"layer #{index}"


class _Snap:
    """One snapshot reduced to what the series needs: date and status unions."""

    def __init__(
        self,
        index: int,
        label: str,
        date: dt.date,
        *,
        source: str | None,
        published: str | None,
        geoms: dict[str, Geometry],
        coverage: Any = None,
    ):
        self.index = index
        self.coverage = coverage
        self.label = label
        self.date = date
        self.source = source
        self.published = published
        self.geoms = geoms

    def geometry(self, status: str) -> Geometry | None:
        """Union of the given status (``russian_held``: both occupied ones)."""
        if status == RUSSIAN_HELD_STATUS:
            parts = [self.geoms[s] for s in RUSSIAN_HELD if s in self.geoms]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else shapely.union_all(parts)
        return self.geoms.get(status)


def _snapshot(layer: gpd.GeoDataFrame, index: int = 0, label: str = "") -> _Snap:
    return _snap(
        layer["status"].to_numpy(),
        np.asarray(layer.geometry.values, dtype=object),
        layer.attrs,
        index,
        label,
    )


def _snap(
    status: NDArray[np.object_],
    geoms: NDArray[np.object_],
    attrs: dict[str, Any],
    index: int,
    label: str,
    *,
    unions: dict[str, Geometry] | None = None,
) -> _Snap:
    """Reduce a layer to its date and one geometry per status.

    ``unions`` are the per-status unions the reader made while resolving
    overlaps (over the same rows, plus rows it emptied, which add nothing);
    they are used instead of computing the unions again.
    """
    date = attrs.get("date")
    if not isinstance(date, dt.date):
        raise OptionError(
            f"snapshot {label or f'#{index}'} has no date (attrs['date'] is "
            f"{date!r}); give each snapshot its date: a file whose source "
            "adapter knows its date, a single-valued 'date' column in the file, "
            "or, in Python, read_control(..., date='YYYY-MM-DD')"
        )
    if isinstance(date, dt.datetime):
        date = date.date()
    out: dict[str, Geometry] = {}
    for name in PRECEDENCE:
        mask = status == name
        if mask.any():
            sel = geoms[mask]
            if len(sel) == 1:
                out[name] = sel[0]
            elif unions is not None and name in unions:
                out[name] = unions[name]
            else:
                out[name] = shapely.union_all(sel)
    published = attrs.get("published")
    return _Snap(
        index,
        label,
        date,
        source=attrs.get("source"),
        published=str(published) if published is not None else None,
        geoms=out,
        coverage=attrs.get("coverage"),
    )


def _read(item: Any, index: int) -> _Snap:
    """Read one snapshot; files and raw layers skip the GeoDataFrame output."""
    label = _describe(item, index)
    if isinstance(item, (str, Path)) or (
        _is_geoframe(item) and not is_normalised(item)
    ):
        layer = _read_layer(
            item,
            status=None,
            status_column=None,
            status_map=None,
            date=None,
            source="auto",
            layer=None,
            frame=False,
        )
        return _snap(
            layer.status, layer.geoms, layer.attrs, index, label, unions=layer.unions
        )
    return _snapshot(_as_layer(item), index, label)


# -- measuring -------------------------------------------------------------
class _Overlay:
    """The tiled overlay of the selected units, one stream per status."""

    def __init__(self, tiles: TileOverlay):
        self.tiles = tiles

    def measure(self, snap: _Snap) -> dict[str, NDArray[np.float64]]:
        out = {name: self.tiles.measure(g, name) for name, g in snap.geoms.items()}
        held = [out[s] for s in RUSSIAN_HELD if s in out]
        if held:
            out[RUSSIAN_HELD_STATUS] = np.sum(held, axis=0)
        return out


@contextlib.contextmanager
def _engine(units: gpd.GeoDataFrame) -> Iterator[_Overlay]:
    """Yield the overlay of ``units``, kept between calls (TileOverlay.shared)."""
    geoms = np.asarray(units.geometry.values, dtype=object)
    with TileOverlay.shared(geoms, TILE_DEG) as tiles:
        yield _Overlay(tiles)


def _unit_km2(units: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """km² of each unit, from the kept overlay when there is one."""
    with _engine(units) as engine:
        return engine.tiles.region_km2()


#: (input index, label, date, source, published, km² by status, coverage)
_Record = tuple[int, str, dt.date, str | None, str | None, dict[str, Any], Any]


def _record(snap: _Snap, km2: dict[str, NDArray[np.float64]]) -> _Record:
    return (
        snap.index,
        snap.label,
        snap.date,
        snap.source,
        snap.published,
        km2,
        snap.coverage,
    )


def _serial(
    items: Iterable[Any],
    units: gpd.GeoDataFrame,
    progress: bool,
    *,
    read_ahead: bool = True,
) -> list[_Record]:
    total = len(items) if isinstance(items, list) else None
    records = []
    with (
        _engine(units) as engine,
        _bar(total, progress, "timeseries") as bar,
        _Jobs(background=read_ahead) as jobs,
    ):
        for index, item in enumerate(items):
            snap = _read(item, index)
            for record in jobs.submit(_measure_one, engine, snap):
                records.append(record)
                bar.update(1)
            del snap  # hold one layer (two with the measuring thread)
        for record in jobs.drain():
            records.append(record)
            bar.update(1)
    return records


def _measure_one(engine: _Overlay, snap: _Snap) -> _Record:
    return _record(snap, engine.measure(snap))


class _Jobs:
    """Measuring jobs, run in order in one background thread, one at a time.

    The calling thread reads snapshot k + 1 while job k measures (GDAL's
    parse and GEOS release the GIL, so the two overlap on two cores). Reading
    stays on the calling thread: it uses ``warnings.catch_warnings`` (GDAL's
    remarks; shapely's ``is_valid`` and ``total_bounds``), whose state
    Python shares between threads before 3.14, so two threads entering it
    could leave the filters changed. The measuring code never touches the
    warnings state. With ``background=False`` every job runs at once, here.
    """

    def __init__(self, *, background: bool):
        self._pool: Any = None
        if background:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="frontline-measure")
        self._pending: Any = None

    def submit(self, fn: Any, *args: Any) -> list[Any]:
        """Queue a job; return the result of the previous one (if any), in order."""
        done = self.drain()
        if self._pool is None:
            return [*done, fn(*args)]
        self._pending = self._pool.submit(fn, *args)
        return done

    def drain(self) -> list[Any]:
        """Wait for the job in flight; return its result (or raise its error)."""
        if self._pending is None:
            return []
        future, self._pending = self._pending, None
        return [future.result()]

    def __enter__(self) -> _Jobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _measure_chunk(
    chunk: list[tuple[int, Any]], units: gpd.GeoDataFrame
) -> list[_Record]:
    """Worker: measure a chunk of consecutive snapshots with one overlay."""
    out = []
    with _engine(units) as engine:
        for index, item in chunk:
            snap = _read(item, index)
            out.append(_record(snap, engine.measure(snap)))
    return out


def _in_process(runner: Any) -> bool:
    """Tell whether a runner from :func:`_runner` measures in this process."""
    return runner is None or (isinstance(runner, str) and runner == "serial")


def _runner(parallel: Any) -> Any:
    if parallel is None:
        return None
    if isinstance(parallel, str):
        if parallel in ("serial", "processes"):
            return parallel
        if parallel == "dask":
            return _default_client()
        raise OptionError(
            f"unknown parallel={parallel!r}; expected None, 'serial', "
            "'processes', 'dask' or a dask.distributed.Client"
        )
    if hasattr(parallel, "submit") and hasattr(parallel, "scatter"):
        return parallel
    raise OptionError(
        f"parallel must be None, 'serial', 'processes', 'dask' or a "
        "dask.distributed.Client, "
        f"got {type(parallel).__name__}"
    )


def _default_client() -> Any:
    distributed = _import_distributed()
    try:
        return distributed.default_client()
    except ValueError as exc:
        raise OptionError(
            "parallel='dask' needs a running dask.distributed Client; start one "
            "(Client() for a local cluster, Client('tcp://scheduler:8786')) or "
            "pass it as parallel=client"
        ) from exc


def _import_distributed() -> Any:
    try:
        # Imported by name: an optional extra, absent from minimal installs.
        return importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "parallel='dask' needs dask.distributed: pip install 'frontline[dask]'"
        ) from exc


def _chunks(items: list[Any], n_workers: int) -> list[list[tuple[int, Any]]]:
    """Consecutive chunks, two per worker (tiles are reused inside one).

    Each chunk starts a fresh tiled overlay, so fewer, longer chunks reuse
    more; two per worker leave some room to balance uneven workers.
    """
    n = len(items)
    size = max(1, math.ceil(n / max(1, 2 * n_workers)))
    indexed = list(enumerate(items))
    return [indexed[i : i + size] for i in range(0, n, size)]


def _parallel(
    items: list[Any], units: gpd.GeoDataFrame, runner: Any, progress: bool
) -> list[_Record]:
    with _bar(len(items), progress, "timeseries") as bar:
        done = _run_chunks(
            runner, _measure_chunk, _chunks(items, _workers(runner)), (units,), bar
        )
    return [record for chunk in done for record in chunk]


def _workers(runner: Any) -> int:
    if isinstance(runner, str):  # "processes"
        return os.cpu_count() or 1
    return max(1, len(runner.scheduler_info().get("workers", {})))


def _run_chunks(
    runner: Any,
    fn: Any,
    chunks: list[Any],
    args: tuple[Any, ...],
    bar: Any,
) -> list[Any]:
    """Run ``fn(chunk, *args)`` for every chunk on local processes or Dask.

    Returns the results in chunk order; the bar advances by each chunk's
    length as it completes.
    """
    out: list[Any] = [None] * len(chunks)
    if isinstance(runner, str) and runner == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=_workers(runner), mp_context=ctx) as pool:
            futures = {
                pool.submit(fn, chunk, *args): i for i, chunk in enumerate(chunks)
            }
            for future in as_completed(futures):
                out[futures[future]] = future.result()
                bar.update(len(chunks[futures[future]]))
        return out
    distributed = _import_distributed()
    # The boundaries go to every worker once; small arguments go as they are
    # (a tuple would be scattered element by element).
    shared = tuple(
        runner.scatter(arg, broadcast=True) if _is_geoframe(arg) else arg
        for arg in args
    )
    dask_futures = [runner.submit(fn, chunk, *shared, pure=False) for chunk in chunks]
    index = {future.key: i for i, future in enumerate(dask_futures)}
    for future in distributed.as_completed(dask_futures):
        i = index[future.key]
        out[i] = future.result()
        bar.update(len(chunks[i]))
    return out


class _NoBar:
    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _bar(total: int | None, progress: bool, what: str) -> Any:
    """Return a tqdm bar on stderr, only in a terminal and only on long runs."""
    if not progress or not sys.stderr.isatty():
        return _NoBar()
    tqdm = importlib.import_module("tqdm").tqdm
    return tqdm(
        total=total,
        desc=what,
        unit="snapshot",
        delay=_PROGRESS_DELAY_S,
        file=sys.stderr,
        leave=False,
    )


# -- the series table ------------------------------------------------------
def _dedupe(records: list[_Record]) -> tuple[list[_Record], list[dict[str, Any]]]:
    """One record per date: the last published, else the last given."""
    by_date: dict[dt.date, list[_Record]] = {}
    for rec in records:
        by_date.setdefault(rec[2], []).append(rec)
    kept: list[_Record] = []
    duplicates: list[dict[str, Any]] = []
    for date in sorted(by_date):
        group = sorted(by_date[date], key=lambda r: (r[4] or "", r[0]))
        kept.append(group[-1])
        if len(group) > 1:
            dropped = [r[1] for r in group[:-1]]
            duplicates.append(
                {"date": date.isoformat(), "kept": group[-1][1], "dropped": dropped}
            )
            log.info(
                "%d snapshots show %s; kept %s (published last, else given last), "
                "dropped %s",
                len(group),
                date,
                group[-1][1],
                dropped,
            )
    return kept, duplicates


def _series_table(
    records: list[_Record],
    units: gpd.GeoDataFrame,
    groups: dict[str, tuple[str, ...]],
    boundaries: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    kept, duplicates = _dedupe(records)
    present = {s for rec in kept for s in rec[5]}
    statuses = [s for s in _ALL_STATUSES if s in present]
    ids = list(units.region_id)
    area = _unit_km2(units)
    # Group rows: sums of their members.
    members = [np.array([ids.index(m) for m in groups[g]]) for g in groups]
    row_ids = [*ids, *groups]
    row_area = np.concatenate([area, [area[m].sum() for m in members]])
    n_rows = len(row_ids)
    blocks = []
    for rec in kept:
        values = np.zeros((n_rows, len(statuses)))
        for j, status in enumerate(statuses):
            km2 = rec[5].get(status)
            if km2 is not None:
                values[: len(ids), j] = km2
                for g, m in enumerate(members):
                    values[len(ids) + g, j] = km2[m].sum()
        blocks.append(values)
    n = len(kept)
    data = np.stack(blocks) if blocks else np.zeros((0, n_rows, len(statuses)))
    table = pd.DataFrame(
        {
            "date": pd.to_datetime(
                np.repeat([rec[2] for rec in kept], n_rows * len(statuses))
            ),
            "region_id": np.tile(np.repeat(row_ids, len(statuses)), n),
            "status": np.tile(statuses, n * n_rows),
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
            | {g: group_label(g) for g in groups},
            "region_area_km2": dict(zip(row_ids, row_area.tolist(), strict=True)),
            "sources": sources,
            "duplicates": duplicates,
            "coverage_changes": coverage_changes,
            "gaps": _report_gaps(dates, None),
            "method": _METHOD,
            "boundaries": units.attrs.get("boundary_source", BOUNDARY_SOURCE),
        }
    )
    return table


def _coverage_changes(kept: list[_Record]) -> list[dict[str, Any]]:
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


def _report_gaps(dates: list[dt.date], freq: str | None) -> list[dict[str, Any]]:
    """Gaps between sorted dates (``freq`` None: spacing rule; else periods)."""
    gaps: list[dict[str, Any]] = []
    if len(dates) < 2:
        return gaps
    if freq is None or freq == "D":
        steps = np.diff(np.array(dates, dtype="datetime64[D]")).astype(int)
        limit = 1.5 * float(np.median(steps))
        for a, b, step in zip(dates[:-1], dates[1:], steps.tolist(), strict=True):
            if step > limit:
                gaps.append(
                    {"after": a.isoformat(), "before": b.isoformat(), "days": step}
                )
        what = f"spacing over {limit:g} days (1.5 × the median spacing)"
    else:
        have = {_period(d, freq) for d in dates}
        start, end = min(have), max(have)
        missing = [
            p.date()
            for p in pd.date_range(start, end, freq=_RANGE[freq])
            if p.date() not in have
        ]
        gaps = [{"period": p.isoformat()} for p in missing]
        what = f"{_freq_word(freq)}s without a snapshot"
    if gaps:
        shown = ", ".join(
            g.get("period") or f"{g['after']}…{g['before']}" for g in gaps[:5]
        )
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        message = (
            f"the series has {len(gaps)} gap(s), {what}: {shown}{more}; they are "
            "not filled (see attrs['gaps'])"
        )
        log.info(message)
        warnings.warn(message, FrontlineWarning, stacklevel=4)
    return gaps


# -- changes ---------------------------------------------------------------
def _check_change_status(status: str) -> tuple[str, ...]:
    if status == "all":
        return _ALL_STATUSES
    if status in _ALL_STATUSES:
        return (status,)
    raise UnknownStatusError(
        f"unknown status {status!r}; expected one of {', '.join(_ALL_STATUSES)} "
        "or 'all'"
    )


def _check_freq(freq: str) -> str:
    freq = _FREQ_ALIASES.get(str(freq).upper(), str(freq).upper())
    if freq not in get_args(Freq):
        raise OptionError(
            f"unknown freq {freq!r}; expected one of {', '.join(FREQUENCIES)} "
            "(every date, weeks, calendar months)"
        )
    return freq


def _freq_word(freq: str) -> str:
    return {"D": "date", "W": "week", "MS": "month"}[freq]


def _period(date: dt.date, freq: str) -> dt.date:
    """Label the period holding ``date``: itself, its Monday or its 1st."""
    if freq == "W":
        return date - dt.timedelta(days=date.weekday())
    if freq == "MS":
        return date.replace(day=1)
    return date


def _difference(a: Geometry | None, b: Geometry | None) -> Geometry | None:
    if a is None or a.is_empty:
        return None
    if b is None or b.is_empty:
        return a
    return shapely.difference(a, b)


def _polygonal(geom: Geometry | None) -> Geometry | None:
    """Return the polygonal part of an overlay result as a MultiPolygon, or None."""
    from frontline.areas import _polygon_parts

    if geom is None or geom.is_empty:
        return None
    polys, _ = _polygon_parts(np.array([geom], dtype=object))
    if len(polys) == 0:
        return None
    return shapely.multipolygons(shapely.orient_polygons(polys))


def _pair_rows(
    engine: _Overlay,
    first: _Snap,
    second: _Snap,
    statuses: tuple[str, ...],
    period: dt.date,
) -> list[dict[str, Any]]:
    """km² before/after, gained and lost per region for each status."""
    rows = []
    days = (second.date - first.date).days
    for name in statuses:
        old, new = first.geometry(name), second.geometry(name)
        if old is None and new is None and name != RUSSIAN_HELD_STATUS:
            continue
        rows.append(
            {
                "period": period,
                "date_before": first.date,
                "date_after": second.date,
                "days": days,
                "status": name,
                "before": engine.tiles.measure(old, f"{name}:state"),
                "after": engine.tiles.measure(new, f"{name}:state"),
                "gained": engine.tiles.measure(_difference(new, old), f"{name}:+"),
                "lost": engine.tiles.measure(_difference(old, new), f"{name}:-"),
            }
        )
    return rows


def _change_table(
    rows: list[dict[str, Any]],
    units: gpd.GeoDataFrame,
    groups: dict[str, tuple[str, ...]],
    statuses: tuple[str, ...],
) -> pd.DataFrame:
    ids = list(units.region_id)
    names = [*units.name, *(group_label(g) for g in groups)]
    members = [np.array([ids.index(m) for m in groups[g]]) for g in groups]
    out = []
    for row in rows:
        block = {}
        for key in ("before", "after", "gained", "lost"):
            v = row[key]
            block[f"{key}_km2"] = np.concatenate([v, [v[m].sum() for m in members]])
        frame = pd.DataFrame(
            {
                "period": pd.Timestamp(row["period"]),
                "date_before": pd.Timestamp(row["date_before"]),
                "date_after": pd.Timestamp(row["date_after"]),
                "days": row["days"],
                "region_id": [*ids, *groups],
                "name": names,
                "status": row["status"],
                **block,
            }
        )
        out.append(frame)
    table = (
        pd.concat(out, ignore_index=True)
        if out
        else pd.DataFrame(columns=CHANGE_COLUMNS[:-2])
    )
    table["net_km2"] = table["gained_km2"] - table["lost_km2"]
    table["km2_per_day"] = table["net_km2"] / table["days"].where(table["days"] > 0)
    table = table[CHANGE_COLUMNS]
    table.attrs.update(
        regions=ids,
        groups={g: list(m) for g, m in groups.items()},
        statuses=list(statuses),
        method=_METHOD,
    )
    return table


class _UnsortedError(Exception):
    """Snapshots given out of date order (internal: triggers a sorted pass)."""


def _stream_changes(
    items: list[Any],
    order: list[int] | None,
    *,
    units: gpd.GeoDataFrame,
    freq: str,
    statuses: tuple[str, ...],
    bar: Any,
    read_ahead: bool = True,
) -> tuple[list[dict[str, Any]], list[dt.date]]:
    """Change rows between the last snapshots of consecutive periods.

    Snapshots are read one at a time in ``order`` (default: as given); the
    last of each period is compared with the previous period's last. Of two
    snapshots of one date the one published last (else given last) is kept.
    Raises _UnsortedError when a date goes backwards and no order was given.
    """
    rows: list[dict[str, Any]] = []
    dates: list[dt.date] = []
    previous: _Snap | None = None
    pending: _Snap | None = None
    indices = order if order is not None else range(len(items))
    with _engine(units) as engine, _Jobs(background=read_ahead) as jobs:
        for index in indices:
            snap = _read(items[index], index)
            bar.update(1)
            if pending is not None and snap.date < pending.date:
                raise _UnsortedError
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
            if pending is not None and _period(pending.date, freq) != _period(
                snap.date, freq
            ):
                if previous is not None:
                    period = _period(pending.date, freq)
                    for done in jobs.submit(
                        _pair_rows, engine, previous, pending, statuses, period
                    ):
                        rows += done
                previous = pending
            pending = snap
        if pending is not None and previous is not None:
            period = _period(pending.date, freq)
            for done in jobs.submit(
                _pair_rows, engine, previous, pending, statuses, period
            ):
                rows += done
        for done in jobs.drain():
            rows += done
    if previous is None:
        raise _too_few_periods(freq, len(items), dates)
    return rows, dates


def _too_few_periods(freq: str, n_items: int, dates: list[dt.date]) -> OptionError:
    return OptionError(
        f"changes need snapshots of at least two different {_freq_word(freq)}s; "
        f"got {n_items} snapshot(s) for dates "
        f"{sorted({d.isoformat() for d in dates})}"
    )


#: (input index, date, published) of one snapshot.
_Key = tuple[int, dt.date, str | None]


def _dates_chunk(chunk: list[tuple[int, Any]]) -> list[_Key]:
    """Worker: the date (and publication time) of each snapshot of a chunk."""
    out = []
    for index, item in chunk:
        snap = _read(item, index)
        out.append((index, snap.date, snap.published))
    return out


def _plan_changes(
    keys: list[_Key], freq: str, n_items: int
) -> tuple[list[tuple[dt.date, int, int]], list[dt.date]]:
    """Choose the pairs to compare from the snapshots' dates alone.

    The same rules as :func:`_stream_changes`: of several snapshots of one
    date the one published last (else given last) is kept; each period's
    last situation is compared with the previous period's last. Returns
    ``(period, index before, index after)`` per pair, and the dates.
    """
    kept: dict[dt.date, _Key] = {}
    for key in sorted(keys, key=lambda k: (k[1], k[2] or "", k[0])):
        if key[1] in kept:
            log.info(
                "two snapshots show %s; kept #%d (published last, else given last)",
                key[1],
                key[0],
            )
        kept[key[1]] = key  # the last in this order wins
    dates = sorted(kept)
    lasts: list[_Key] = []
    for day in dates:
        if lasts and _period(lasts[-1][1], freq) == _period(day, freq):
            lasts[-1] = kept[day]
        else:
            lasts.append(kept[day])
    if len(lasts) < 2:
        raise _too_few_periods(freq, n_items, dates)
    pairs = [(_period(b[1], freq), a[0], b[0]) for a, b in itertools.pairwise(lasts)]
    return pairs, dates


def _pairs_chunk(
    chunk: list[tuple[dt.date, tuple[int, Any], tuple[int, Any]]],
    units: gpd.GeoDataFrame,
    statuses: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Worker: change rows of a run of consecutive pairs (each map read once)."""
    rows: list[dict[str, Any]] = []
    last: tuple[int, _Snap] | None = None
    with _engine(units) as engine:
        for period, (i_before, before), (i_after, after) in chunk:
            if last is not None and last[0] == i_before:
                first = last[1]
            else:
                first = _read(before, i_before)
            second = _read(after, i_after)
            rows += _pair_rows(engine, first, second, statuses, period)
            last = (i_after, second)
    return rows


def _parallel_changes(
    items: list[Any],
    units: gpd.GeoDataFrame,
    runner: Any,
    *,
    freq: str,
    statuses: tuple[str, ...],
    progress: bool,
) -> tuple[list[dict[str, Any]], list[dt.date]]:
    """Change rows on local processes or Dask: dates first, then the pairs."""
    workers = _workers(runner)
    with _bar(len(items), progress, "changes: dates") as bar:
        found = _run_chunks(runner, _dates_chunk, _chunks(items, workers), (), bar)
    pairs, dates = _plan_changes(
        [k for chunk in found for k in chunk], freq, len(items)
    )
    work = [(period, (a, items[a]), (b, items[b])) for period, a, b in pairs]
    chunks = [[pair for _, pair in chunk] for chunk in _chunks(work, workers)]
    with _bar(len(work), progress, "changes") as bar:
        done = _run_chunks(runner, _pairs_chunk, chunks, (units, statuses), bar)
    return [row for chunk in done for row in chunk], dates


def _check_series(series: pd.DataFrame) -> pd.DataFrame:
    missing = [
        c for c in ("date", "region_id", "status", "area_km2") if c not in series
    ]
    if missing:
        raise OptionError(
            f"expected a table from timeseries() with columns {TIMESERIES_COLUMNS}; "
            f"missing {missing}"
        )
    table = series.copy()
    table["date"] = pd.to_datetime(table["date"])
    return table


def _table_changes(
    series: pd.DataFrame, freq: str, statuses: tuple[str, ...]
) -> pd.DataFrame:
    """Net changes from a timeseries table (no geometry: no gains/losses)."""
    if freq == "D":
        table = _check_series(series)
        table.insert(0, "period", table["date"])
        dates = sorted({d.date() for d in table["date"]})
        table.attrs["gaps"] = _report_gaps(dates, "D")
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
            f"changes need at least two {_freq_word(freq)}s; the table has {len(wide)}"
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
                }
            )
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out.attrs.update(statuses=list(statuses), gaps=table.attrs.get("gaps", []))
    return out
