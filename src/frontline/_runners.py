"""Where the time series is measured: in this process, on processes, on Dask.

The tile engine (:class:`Overlay`) measures one snapshot; the runners
spread the snapshots over workers in chunks and show a progress bar.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import logging
import math
import os
import sys
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from frontline._messages import quote, warn
from frontline._series_base import RUSSIAN_HELD_STATUS
from frontline._snapshots import (
    FolderPath,
    Record,
    Skipped,
    Snap,
    describe,
    is_geoframe,
    make_record,
    read_snapshot,
)
from frontline._tiles import TILE_DEG, TileOverlay
from frontline.errors import (
    FrontlineError,
    OptionError,
)
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from numpy.typing import NDArray

    import geopandas as gpd

    from frontline._series_cache import SeriesCache

__all__ = [
    "Jobs",
    "Overlay",
    "Parallel",
    "pick_runner",
    "progress_bar",
    "report_skipped",
    "run_chunks",
    "run_parallel",
    "run_serial",
    "runs_in_process",
    "split_chunks",
    "tile_engine",
    "unit_km2",
    "worker_count",
]

log = logging.getLogger(__name__)

Parallel = Literal["serial", "processes", "dask"]


#: The progress bar appears only after this many seconds (short runs show none).
_PROGRESS_DELAY_S: Final = 2.0


# -- measuring -------------------------------------------------------------
class Overlay:
    """The tiled overlay of the selected units, one stream per status."""

    def __init__(self, tiles: TileOverlay):
        self.tiles = tiles

    def measure(self, snap: Snap) -> dict[str, NDArray[np.float64]]:
        out = {name: self.tiles.measure(g, name) for name, g in snap.geoms.items()}
        held = [out[s] for s in RUSSIAN_HELD if s in out]
        if held:
            out[RUSSIAN_HELD_STATUS] = np.sum(held, axis=0)
        return out


@contextlib.contextmanager
def tile_engine(units: gpd.GeoDataFrame) -> Iterator[Overlay]:
    """Yield the overlay of ``units``, kept between calls (TileOverlay.shared)."""
    geoms = np.asarray(units.geometry.values, dtype=object)
    with TileOverlay.shared(geoms, TILE_DEG) as tiles:
        yield Overlay(tiles)


def unit_km2(units: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """km² of each unit, from the kept overlay when there is one."""
    with tile_engine(units) as engine:
        return engine.tiles.region_km2()


def run_serial(
    items: Iterable[Any],
    units: gpd.GeoDataFrame,
    progress: bool,
    *,
    read_ahead: bool = True,
    cache: SeriesCache | None = None,
    skipped: list[Skipped] | None = None,
) -> list[Record]:
    """Measure snapshots in this process (results found in ``cache`` are reused).

    Files of a folder that cannot be read go to ``skipped``.
    """
    total = len(items) if isinstance(items, list) else None
    records: list[Record] = []
    with progress_bar(total, progress, "timeseries") as bar:
        todo = _misses(items, cache, records, bar)
        first = next(todo, None)
        if first is None:  # everything was cached: no overlay, no reading
            return records
        with tile_engine(units) as engine, Jobs(background=read_ahead) as jobs:
            for index, item in itertools.chain([first], todo):
                snap = read_or_skip(item, index)
                if isinstance(snap, Skipped):
                    _skip(snap, skipped, bar)
                    continue
                for record in jobs.submit(_measure_one, engine, snap):
                    _done(record, records, cache, bar)
                del snap  # hold one layer (two with the measuring thread)
            for record in jobs.drain():
                _done(record, records, cache, bar)
    return records


def _misses(
    items: Iterable[Any], cache: SeriesCache | None, records: list[Record], bar: Any
) -> Iterator[tuple[int, Any]]:
    """Yield the snapshots to measure; those in the cache go to ``records``."""
    for index, item in enumerate(items):
        hit = cache.get(item, index) if cache is not None else None
        if hit is None:
            yield index, item
        else:
            records.append(hit)
            bar.update(1)


def _done(
    record: Record, records: list[Record], cache: SeriesCache | None, bar: Any
) -> None:
    records.append(record)
    if cache is not None:
        cache.put(record)
    bar.update(1)


def read_or_skip(item: Any, index: int) -> Snap | Skipped:
    """Read a snapshot; a file found in a folder that cannot be read is Skipped."""
    if not isinstance(item, FolderPath):
        return read_snapshot(item, index)
    try:
        return read_snapshot(item, index)
    except FrontlineError as exc:
        log.info("skipping %s: %s", item.name, exc)
        reason = str(exc).replace(str(item), item.name)
        return Skipped(index, describe(item, index), reason)


def _skip(snap: Skipped, skipped: list[Skipped] | None, bar: Any) -> None:
    if skipped is None:  # pragma: no cover - every caller collects them
        raise OptionError(snap.reason)
    skipped.append(snap)
    bar.update(1)


def _measure_one(engine: Overlay, snap: Snap) -> Record:
    return make_record(snap, engine.measure(snap))


class Jobs:
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

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _measure_chunk(
    chunk: list[tuple[int, Any]], units: gpd.GeoDataFrame
) -> list[Record | Skipped]:
    """Worker: measure a chunk of consecutive snapshots with one overlay."""
    out: list[Record | Skipped] = []
    with tile_engine(units) as engine:
        for index, item in chunk:
            snap = read_or_skip(item, index)
            if isinstance(snap, Skipped):
                out.append(snap)
            else:
                out.append(make_record(snap, engine.measure(snap)))
    return out


def runs_in_process(runner: Any) -> bool:
    """Tell whether a runner from :func:`pick_runner` measures in this process."""
    return runner is None or (isinstance(runner, str) and runner == "serial")


def pick_runner(parallel: Any) -> Any:
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


def split_chunks(
    items: list[Any], n_workers: int, indices: list[int] | None = None
) -> list[list[tuple[int, Any]]]:
    """Consecutive chunks, two per worker (tiles are reused inside one).

    Each chunk starts a fresh tiled overlay, so fewer, longer chunks reuse
    more; two per worker leave some room to balance uneven workers. Items
    are numbered by their position, or by ``indices``.
    """
    n = len(items)
    size = max(1, math.ceil(n / max(1, 2 * n_workers)))
    indexed = list(zip(range(n) if indices is None else indices, items, strict=True))
    return [indexed[i : i + size] for i in range(0, n, size)]


def run_parallel(
    items: list[Any],
    units: gpd.GeoDataFrame,
    runner: Any,
    progress: bool,
    *,
    cache: SeriesCache | None = None,
    skipped: list[Skipped] | None = None,
) -> list[Record]:
    """Measure snapshots on processes or Dask (results in ``cache`` reused)."""
    records: list[Record] = []
    todo: list[tuple[int, Any]] = []
    for index, item in enumerate(items):
        hit = cache.get(item, index) if cache is not None else None
        if hit is None:
            todo.append((index, item))
        else:
            records.append(hit)
    if not todo:
        return records
    with progress_bar(len(todo), progress, "timeseries") as bar:
        done = run_chunks(
            runner,
            _measure_chunk,
            split_chunks(
                [item for _, item in todo],
                worker_count(runner),
                [index for index, _ in todo],
            ),
            (units,),
            bar,
        )
    for chunk in done:
        for record in chunk:
            if isinstance(record, Skipped):
                _skip(record, skipped, _NoBar())
                continue
            records.append(record)
            if cache is not None:
                cache.put(record)
    return records


def worker_count(runner: Any) -> int:
    if isinstance(runner, str):  # "processes"
        return os.cpu_count() or 1
    return max(1, len(runner.scheduler_info().get("workers", {})))


def run_chunks(
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
        with ProcessPoolExecutor(
            max_workers=worker_count(runner), mp_context=ctx
        ) as pool:
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
        runner.scatter(arg, broadcast=True) if is_geoframe(arg) else arg for arg in args
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


def progress_bar(
    total: int | None,
    progress: bool,
    what: str,
    *,
    unit: str = "snapshot",
    delay: float | None = None,
) -> Any:
    """Return a tqdm bar on stderr, only in a terminal.

    The bar shows only on runs longer than ``delay`` seconds (by default
    ``_PROGRESS_DELAY_S``).
    """
    if not progress or not sys.stderr.isatty():
        return _NoBar()
    tqdm = importlib.import_module("tqdm").tqdm
    return tqdm(
        total=total,
        desc=what,
        unit=unit,
        delay=_PROGRESS_DELAY_S if delay is None else delay,
        file=sys.stderr,
        leave=False,
    )


def report_skipped(skipped: list[Skipped], measured: int) -> None:
    """Warn once about the files of a folder that could not be read.

    Raises
    ------
    OptionError
        When no file of the folder could be read.
    """
    if not skipped:
        return
    skipped = sorted(skipped)
    shown = "; ".join(f"{s.label} ({quote(s.reason, 90)})" for s in skipped[:2])
    more = f"; and {len(skipped) - 2} more" if len(skipped) > 2 else ""
    if not measured:
        raise OptionError(
            f"none of the {len(skipped)} map(s) found could be read: {shown}{more}. "
            "Fix or remove them"
        )
    warn(
        f"skipped {len(skipped)} of {len(skipped) + measured} map(s) that cannot "
        f"be read: {shown}{more}; the series has no row for them (attrs"
        "['skipped']). Fix or remove them"
    )
