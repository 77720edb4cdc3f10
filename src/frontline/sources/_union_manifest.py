"""The shipped manifest of the DeepState daily union archive.

``frontline/data/deepstate_union_manifest.csv`` (built by
``data/deepstate/build_union_manifest.py``; see ``data/deepstate/README.md``)
has one row per file of ``cyterat/deepstate-map-data``: the commit that pins
its bytes, their sha256 and size, the DeepState version the file really
shows (where an audit could check it) and the evening it shows. This module
reads it once and answers two questions: which evening does a file show, and
which file shows an evening.

Which file shows an evening: of the files whose ``situation_date`` is that
evening, the one with the latest ``shows_published_utc`` (DeepState's last
version of the evening, as for the raw history), then, on a tie or with
unknown versions, the earliest ``file_date``. On 2025-06-23 this takes
``20250625`` (the evening version, 21:18 UTC) over ``20250624`` (a daytime
version, 15:50 UTC). 46 evenings are shown by no file.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import logging
from importlib.resources import files
from typing import TYPE_CHECKING, Final

from frontline._http import file_sha256

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "MANIFEST_NAME",
    "UnionFile",
    "best_file",
    "entry_for",
    "file_matches",
    "last_evening",
    "manifest_sha256",
    "nearest_evenings",
    "union_manifest",
]

log = logging.getLogger(__name__)

#: The manifest's file name inside the package's ``data`` folder.
MANIFEST_NAME: Final = "deepstate_union_manifest.csv"


@dataclasses.dataclass(frozen=True)
class UnionFile:
    """One file of the union archive, as the manifest describes it."""

    file: str
    file_date: dt.date
    commit: str
    sha256: str
    size: int
    #: The DeepState version shown (its Unix publication time), if checked.
    version_id: str | None
    #: That version's publication time (UTC), if checked.
    published: dt.datetime | None
    #: The evening the file shows.
    situation_date: dt.date
    #: ``checked`` (matched to a DeepState version) or ``rule`` (file D shows
    #: D − 1; the rewritten ``20250805`` shows D − 0).
    basis: str

    def describe(self) -> dict[str, str | None]:
        """Return the row as plain strings (for ``attrs``)."""
        return {
            "file": self.file,
            "commit": self.commit,
            "sha256": self.sha256,
            "shows_version_id": self.version_id,
            "shows_published_utc": None
            if self.published is None
            else self.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "situation_date": self.situation_date.isoformat(),
            "basis": self.basis,
        }


def _text() -> str:
    return (files("frontline") / "data" / MANIFEST_NAME).read_text(encoding="utf-8")


@functools.cache
def union_manifest() -> tuple[UnionFile, ...]:
    """Return every file of the manifest, in file-name order."""
    rows = []
    for rec in csv.DictReader(_text().splitlines()):
        published = rec["shows_published_utc"] or None
        rows.append(
            UnionFile(
                file=rec["file"],
                file_date=dt.date.fromisoformat(rec["file_date"]),
                commit=rec["commit"],
                sha256=rec["sha256"],
                size=int(rec["bytes"]),
                version_id=rec["shows_version_id"] or None,
                published=None
                if published is None
                else dt.datetime.fromisoformat(published.replace("Z", "+00:00")),
                situation_date=dt.date.fromisoformat(rec["situation_date"]),
                basis=rec["basis"],
            )
        )
    return tuple(rows)


@functools.cache
def manifest_sha256() -> str:
    """sha256 of the shipped manifest (changes whenever a date could change)."""
    return hashlib.sha256(_text().encode("utf-8")).hexdigest()


@functools.cache
def _by_file() -> dict[str, UnionFile]:
    return {row.file: row for row in union_manifest()}


@functools.cache
def _by_evening() -> dict[dt.date, tuple[UnionFile, ...]]:
    out: dict[dt.date, list[UnionFile]] = {}
    for row in union_manifest():
        out.setdefault(row.situation_date, []).append(row)
    return {day: tuple(rows) for day, rows in sorted(out.items())}


def entry_for(name: str) -> UnionFile | None:
    """Return the manifest's row of a file name (None: not listed)."""
    return _by_file().get(name)


def last_evening() -> dt.date:
    """Return the newest evening the manifest covers (its last file's)."""
    return max(_by_evening())


def best_file(day: dt.date) -> UnionFile | None:
    """Return the file that shows the evening ``day`` (None: no file shows it).

    The latest version shown wins, then the earliest file.
    """
    rows = _by_evening().get(day)
    if not rows:
        return None
    return max(
        rows,
        key=lambda r: (
            r.published is not None,
            r.published or dt.datetime.min.replace(tzinfo=dt.UTC),
            -r.file_date.toordinal(),
        ),
    )


def nearest_evenings(day: dt.date, n: int = 2) -> tuple[list[dt.date], list[dt.date]]:
    """Up to ``n`` evenings with a file before and after ``day``."""
    shown = list(_by_evening())
    return [d for d in shown if d < day][-n:], [d for d in shown if d > day][:n]


def file_matches(path: Path, entry: UnionFile) -> bool:
    """Tell whether the file at ``path`` has the manifest's bytes (size, sha256)."""
    try:
        info = path.stat()
    except OSError:
        return False
    if info.st_size != entry.size:
        return False
    return file_sha256(path) == entry.sha256
