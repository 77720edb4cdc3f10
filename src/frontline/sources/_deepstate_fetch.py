"""Where DeepState's maps live and how to fetch them by date.

Two public archives: the daily union archive of
``cyterat/deepstate-map-data`` on GitHub (one MultiPolygon of Russian-held
land per day) and DeepState's own map history API (all classes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any, Final

from frontline._http import download_bytes, retrieve
from frontline._io import write_text
from frontline.errors import (
    DownloadError,
    SnapshotNotFoundError,
    UnsupportedFormatError,
)
from frontline.sources.deepstate import LATE_PUBLICATION_HOURS, situation_date

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "DEEPSTATE_API_URL",
    "UNION_ARCHIVE_START",
    "UNION_ARCHIVE_URL",
    "fetch_deepstate",
    "fetch_union",
]

log = logging.getLogger(__name__)

#: DeepState daily union archive (cyterat/deepstate-map-data on GitHub).
UNION_ARCHIVE_URL = (
    "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data"
)
#: Evening shown by the archive's first file (``deepstatemap_data_20240708``).
UNION_ARCHIVE_START: Final = dt.date(2024, 7, 7)
#: DeepState map history API (unofficial; see :func:`frontline.fetch_control`).
DEEPSTATE_API_URL = "https://deepstatemap.live/api/history"


def fetch_union(
    day: dt.date, folder: Path, *, known_hash: str | None, timeout: float
) -> Path:
    if day < UNION_ARCHIVE_START:
        raise SnapshotNotFoundError(
            f"the DeepState union archive starts with the evening of "
            f"{UNION_ARCHIVE_START.isoformat()}; {day.isoformat()} is earlier. Use "
            "source='deepstate' (DeepState's own history) for earlier dates"
        )
    name = f"deepstatemap_data_{day + dt.timedelta(days=1):%Y%m%d}.geojson"
    url = f"{UNION_ARCHIVE_URL}/{name}"
    try:
        return retrieve(url, folder / name, known_hash=known_hash, timeout=timeout)
    except DownloadError as exc:
        if exc.status == 404:
            raise SnapshotNotFoundError(
                f"the DeepState union archive has no file for the evening of "
                f"{day.isoformat()} ({name}: HTTP 404 at {url}); the archive has "
                "gaps and today's file appears at about 03:00 UTC tomorrow. Try an "
                "adjacent date or source='deepstate'"
            ) from exc
        raise


def fetch_deepstate(
    day: dt.date, folder: Path, *, known_hash: str | None, timeout: float
) -> Path:

    marker = folder / f"{day.isoformat()}.json"
    if marker.exists():
        try:
            chosen = folder / str(json.loads(marker.read_text("utf-8"))["file"])
        except (ValueError, KeyError, TypeError):
            chosen = None
        if chosen is not None and chosen.parent == folder and chosen.exists():
            log.debug("DeepState %s: cached %s", day, chosen.name)
            return chosen
    versions = _deepstate_versions(folder, timeout=timeout)
    same_day = [
        (when, ident) for when, ident in versions if situation_date(when) == day
    ]
    if not same_day:
        shown = sorted({situation_date(when) for when, _ in versions})
        before = [d.isoformat() for d in shown if d < day][-2:]
        after = [d.isoformat() for d in shown if d > day][:2]
        raise SnapshotNotFoundError(
            f"DeepState published no map version showing {day.isoformat()} "
            f"(nearest dates with a version: {', '.join(before + after) or 'none'})"
        )
    when, ident = max(same_day)
    name = f"deepstate_{when:%Y%m%dT%H%M%S}Z_{ident}.geojson"
    path = retrieve(
        f"{DEEPSTATE_API_URL}/{ident}/geojson",
        folder / name,
        known_hash=known_hash,
        timeout=timeout,
    )
    final = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(LATE_PUBLICATION_HOURS + 6), dt.UTC
    )
    if dt.datetime.now(dt.UTC) >= final:
        write_text(marker, json.dumps({"file": name, "id": ident}))
    return path


def _deepstate_versions(
    folder: Path, *, timeout: float
) -> list[tuple[dt.datetime, str]]:
    """Read DeepState's list of map versions: (publication time UTC, id)."""
    url = f"{DEEPSTATE_API_URL}/public"
    text = download_bytes(url, timeout=timeout)
    try:
        entries = json.loads(text)
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        raise UnsupportedFormatError(
            f"unexpected answer from {url}: expected a JSON array of map versions "
            f"({{'id': …, 'createdAt': …}}), got {text[:80]!r}. The DeepState API is "
            "unofficial and may have changed; use source='deepstate-union'"
        )
    versions: list[tuple[dt.datetime, str]] = []
    for entry in entries:
        parsed = _version(entry)
        if parsed is not None:
            versions.append(parsed)
    return versions


def _version(entry: Any) -> tuple[dt.datetime, str] | None:
    if not isinstance(entry, dict):
        return None
    ident = str(entry.get("id", ""))
    if not re.fullmatch(r"\d{1,20}", ident):
        return None
    if re.fullmatch(r"\d{10}", ident):
        return dt.datetime.fromtimestamp(int(ident), tz=dt.UTC), ident
    for key in ("createdAt", "datetime"):
        text = entry.get(key)
        if isinstance(text, str):
            try:
                when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            return when.astimezone(dt.UTC), ident
    return None
