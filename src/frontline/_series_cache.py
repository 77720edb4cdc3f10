"""The series cache: each map's result in the time series, kept between runs.

A time series over a local archive measures the same maps every morning,
though one map is new. The cache keeps each map's result — its date,
source, publication time, coverage and km² per region and status — in the
download cache's ``series/`` folder, so a run measures only the maps it has
not seen:

* a map is known by the **sha256 of its bytes** and its file name (the
  union archive dates a file by its name): a file that changes is measured
  again;
* the results of one set of **regions, boundaries and options** sit in one
  file, ``series/<key>.json``, ``<key>`` being a hash of the regions' ids
  and boundary geometries, the tile size, the reader options, the shipped
  union manifest (it dates files) and frontline's version. Other regions,
  other boundaries, other options or another release use another file: the
  old results are never used for them;
* ``series/files.json`` remembers each file's sha256 by its path, size and
  modification time, so an unchanged file is not hashed again.

Only files are cached; layers given as GeoDataFrames are measured. Files
are written through the atomic writer; two runs at once may each measure a
map, and the last one to finish keeps its file (the results are the same).
Delete ``series/`` to empty the cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline._http import cache_location, make_folder, sha256_of
from frontline._io import write_text
from frontline._snapshots import Record, describe
from frontline._tiles import TILE_DEG
from frontline.errors import OutputError
from frontline.sources._union_manifest import manifest_sha256

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator

    import geopandas as gpd

__all__ = ["FORMAT", "SeriesCache"]

log = logging.getLogger(__name__)

#: Layout of the cached results; a change makes a new key.
FORMAT: Final = 1


def _release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("frontline")
    except PackageNotFoundError:  # pragma: no cover - source checkout
        return "unknown"


class SeriesCache:
    """Per-map results of one set of regions, boundaries and options.

    Parameters
    ----------
    units : GeoDataFrame
        The regions measured (ids and geometries, in output order).
    cache_dir : str or path, optional
        See :func:`frontline.fetch.cache_location`.
    options : str, default "source=auto"
        The reader options, as text (part of the key).
    """

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        options: str = "source=auto",
    ) -> None:
        key = hashlib.sha256()
        parts = (str(FORMAT), _release(), manifest_sha256(), repr(TILE_DEG), options)
        for part in (*parts, *map(str, units.region_id)):
            key.update(part.encode("utf-8") + b"\0")
        geoms = np.asarray(units.geometry.values, dtype=object)
        for wkb in shapely.to_wkb(geoms, output_dimension=2):
            key.update(wkb)
        self.root = cache_location(cache_dir) / "series"
        self.file = self.root / f"{key.hexdigest()[:32]}.json"
        self.n_units = len(units)
        self.hits = 0
        self.stored = 0
        self._entries: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}
        self._hashes: dict[str, list[Any]] | None = None
        self._new_hashes: dict[str, list[Any]] = {}
        self._keys: dict[int, str] = {}

    # -- keys ----------------------------------------------------------------
    def _sha(self, path: Path) -> str:
        if self._hashes is None:
            self._hashes = _load(self.root / "files.json").get("files", {})
        info = path.stat()
        name = str(path.absolute())
        known = self._hashes.get(name)
        if (
            isinstance(known, list)
            and len(known) == 3
            and known[:2] == [info.st_size, info.st_mtime_ns]
        ):
            return str(known[2])
        digest = sha256_of(path)
        self._new_hashes[name] = [info.st_size, info.st_mtime_ns, digest]
        return digest

    def _key(self, item: Any) -> str | None:
        if not isinstance(item, (str, Path)):
            return None
        path = Path(item)
        try:
            digest = self._sha(path)
        except OSError:
            return None
        return hashlib.sha256(f"{digest}\0{path.name}".encode()).hexdigest()[:40]

    # -- lookups -------------------------------------------------------------
    def get(self, item: Any, index: int) -> Record | None:
        """Return the cached result of a map (None: measure it)."""
        key = self._key(item)
        if key is None:
            return None
        self._keys[index] = key
        if self._entries is None:
            self._entries = _load(self.file).get("entries", {})
        doc = self._entries.get(key)
        record = (
            None if doc is None else self._record(doc, index, describe(item, index))
        )
        if record is not None:
            self.hits += 1
        return record

    def _record(self, doc: Any, index: int, label: str) -> Record | None:
        try:
            km2 = {
                str(status): np.asarray(values, dtype=float)
                for status, values in doc["km2"].items()
            }
            date = dt.date.fromisoformat(doc["date"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if any(v.shape != (self.n_units,) for v in km2.values()):
            return None
        return (
            index,
            label,
            date,
            doc.get("source"),
            doc.get("published"),
            km2,
            doc.get("coverage"),
        )

    def put(self, record: Record) -> None:
        """Remember the result of a map measured in this run."""
        key = self._keys.get(record[0])
        if key is None:
            return
        _, _, date, source, published, km2, coverage = record
        self._new[key] = {
            "date": date.isoformat(),
            "source": source,
            "published": published,
            "coverage": coverage,
            "km2": {s: np.asarray(v, dtype=float).tolist() for s, v in km2.items()},
        }

    def split(self, items: Iterable[Any]) -> Iterator[tuple[int, Any, Record | None]]:
        """Yield ``(index, item, cached record or None)`` for each item."""
        for index, item in enumerate(items):
            yield index, item, self.get(item, index)

    # -- saving --------------------------------------------------------------
    def save(self) -> None:
        """Write the new results (merged with what another run wrote meanwhile)."""
        if not self._new and not self._new_hashes:
            return
        try:
            make_folder(self.root)
            if self._new:
                entries = _load(self.file).get("entries", {})
                entries.update(self._new)
                write_text(
                    self.file,
                    json.dumps({"format": FORMAT, "entries": entries}),
                    what="series cache",
                )
                self.stored += len(self._new)
            if self._new_hashes:
                files = _load(self.root / "files.json").get("files", {})
                files.update(self._new_hashes)
                write_text(
                    self.root / "files.json",
                    json.dumps({"files": files}),
                    what="series cache",
                )
        except (OutputError, OSError) as exc:
            log.info("could not write the series cache (%s); nothing kept", exc)
        self._new, self._new_hashes = {}, {}

    def summary(self) -> dict[str, Any]:
        """Return what the cache did in this run (``attrs["cache"]``)."""
        return {"file": str(self.file), "cached": self.hits, "measured": self.stored}


def _load(path: Path) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        doc = json.loads(path.read_text("utf-8"))
        if isinstance(doc, dict):
            return doc
    return {}
