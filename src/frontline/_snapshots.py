"""Snapshots for the time series: what the user gave, expanded and read.

Paths, folders, globs and layers become a flat stream of snapshots; each is
read into the arrays the tile engine measures (:class:`Snap`), with its date
and publication time, and duplicates of a date are resolved.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import numpy as np
import pandas as pd

import shapely

from frontline import _validate
from frontline._messages import quote, warn
from frontline._series_base import RUSSIAN_HELD_STATUS
from frontline._union import union_polygons
from frontline.control import _read_layer, as_layer, is_normalised
from frontline.errors import (
    InputFileNotFoundError,
    OptionError,
)
from frontline.fetch import is_source_uri, source_paths
from frontline.status import PRECEDENCE, RUSSIAN_HELD

if TYPE_CHECKING:
    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "FolderPath",
    "Key",
    "Record",
    "Skipped",
    "Snap",
    "dedupe",
    "describe",
    "expand_snapshots",
    "is_geoframe",
    "make_record",
    "read_snapshot",
    "snap_of_layer",
    "snapshot_layer",
]

log = logging.getLogger(__name__)


class FolderPath(type(Path())):  # type: ignore[misc]
    """A path found by scanning a folder or a glob, not named by the user.

    A file in a folder that cannot be read is skipped, with one warning for
    the whole series: one bad file must not sink a folder of maps. A file
    the user names is read or refused.
    """

    __slots__ = ()


class Skipped(NamedTuple):
    """A snapshot of a folder that could not be read, and why."""

    position: int
    label: str
    reason: str


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


# -- inputs ----------------------------------------------------------------
def is_geoframe(obj: object) -> bool:
    import geopandas as gpd

    return isinstance(obj, gpd.GeoDataFrame)


def expand_snapshots(snapshots: Any, *, lazy: bool) -> Iterable[Any]:
    """Paths, folders, globs and layers → a flat sequence of paths and layers."""
    if isinstance(snapshots, (str, Path)) or is_geoframe(snapshots):
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
    if is_geoframe(item):
        return [item]
    if not isinstance(item, (str, Path)):
        raise OptionError(
            f"expected a path or a control layer (GeoDataFrame), got "
            f"{type(item).__name__} {item!r:.80}"
        )
    path = _validate.path(item, "snapshot")
    if isinstance(item, str) and is_source_uri(item) and not path.exists():
        return [Path(p) for p in source_paths(item)]
    if path.is_dir() and path.suffix.lower() != ".gdb":
        named = sorted(
            p
            for p in path.iterdir()
            if not p.name.startswith(".") and p.suffix.lower() in _SUFFIXES
        )
        files = [p for p in named if p.is_file() and not _is_json_table(p)]
        # Named like a map but not a regular file (a dangling link, a pipe, a
        # device): never opened (a pipe blocks), never skipped silently.
        odd = [p.name for p in named if not p.is_file() and not p.is_dir()]
        if odd:
            warn(
                f"folder {quote(str(path), 160)}: skipped {len(odd)} entr"
                f"{'y' if len(odd) == 1 else 'ies'} named like maps that are not "
                f"regular files ({quote(odd[:5], 120)}): dangling links, pipes "
                "or devices; fix or remove them"
            )
        if not files:
            raise InputFileNotFoundError(
                f"folder {quote(str(path), 160)} holds no control file (looked for "
                f"{', '.join(_SUFFIXES)})"
            )
        return [FolderPath(p) for p in files]
    if path.exists():
        return [path]
    if glob.has_magic(str(item)):
        matches = sorted(Path(p) for p in glob.glob(str(item)))
        files = [p for p in matches if p.is_file()]
        if not files:
            raise InputFileNotFoundError(
                f"glob {quote(str(item), 160)} matches no file; check the pattern and "
                f"the current directory ({quote(str(Path.cwd()), 160)})"
            )
        return [FolderPath(p) for p in files]
    raise InputFileNotFoundError(
        f"snapshot {quote(str(item), 160)} does not exist; check the path (current "
        f"directory: {quote(str(Path.cwd()), 160)})"
    )


def snapshot_layer(item: Any) -> gpd.GeoDataFrame:
    if isinstance(item, (str, Path)) or is_geoframe(item):
        return as_layer(item)
    raise OptionError(
        f"expected a path or a control layer (GeoDataFrame), got {type(item).__name__}"
    )


def describe(item: Any, index: int) -> str:
    """Return a snapshot's label: its file name, or ``layer #<index>``."""
    if isinstance(item, (str, Path)):
        return Path(item).name
    return f"layer #{index}"


class Snap:
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


def snap_of_layer(layer: gpd.GeoDataFrame, index: int = 0, label: str = "") -> Snap:
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
) -> Snap:
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
                out[name] = union_polygons(sel)
    published = attrs.get("published")
    return Snap(
        index,
        label,
        date,
        source=attrs.get("source"),
        published=str(published) if published is not None else None,
        geoms=out,
        coverage=attrs.get("coverage"),
    )


def read_snapshot(item: Any, index: int) -> Snap:
    """Read one snapshot; files and raw layers skip the GeoDataFrame output."""
    label = describe(item, index)
    if isinstance(item, (str, Path)) or (is_geoframe(item) and not is_normalised(item)):
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
    return snap_of_layer(snapshot_layer(item), index, label)


#: (input index, label, date, source, published, km² by status, coverage)
Record = tuple[int, str, dt.date, str | None, str | None, dict[str, Any], Any]


def make_record(snap: Snap, km2: dict[str, NDArray[np.float64]]) -> Record:
    return (
        snap.index,
        snap.label,
        snap.date,
        snap.source,
        snap.published,
        km2,
        snap.coverage,
    )


# -- the series table ------------------------------------------------------
def dedupe(records: list[Record]) -> tuple[list[Record], list[dict[str, Any]]]:
    """One record per date: the last published, else the last given."""
    by_date: dict[dt.date, list[Record]] = {}
    for rec in records:
        by_date.setdefault(rec[2], []).append(rec)
    kept: list[Record] = []
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


#: (input index, date, published) of one snapshot.
Key = tuple[int, dt.date, str | None]
