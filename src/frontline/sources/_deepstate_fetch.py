"""Where DeepState's maps live and how to fetch them by date.

Two public archives: the daily union archive of
``cyterat/deepstate-map-data`` on GitHub (one MultiPolygon of Russian-held
land per day) and DeepState's own map history API (all classes). Their base
addresses are read from the environment at each call
(:data:`UNION_ENV`, :data:`API_ENV`), for mirrors and tests.

Each function here handles one evening and returns a :class:`FetchedMap`;
:mod:`frontline.fetch` strings them into dates, ranges and ``latest``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, Final

from frontline._http import download_bytes, retrieve, url_allowed
from frontline._io import write_text
from frontline.errors import (
    DownloadError,
    OptionError,
    SnapshotNotFoundError,
    UnsupportedFormatError,
)
from frontline.sources._union_manifest import (
    UnionFile,
    best_file,
    file_matches,
    last_evening,
    nearest_evenings,
)
from frontline.sources.deepstate import (
    LATE_PUBLICATION_HOURS,
    UNION_RULE,
    situation_date,
)

__all__ = [
    "API_ENV",
    "API_URL",
    "UNION_ARCHIVE_START",
    "UNION_ENV",
    "UNION_URL",
    "DeepStateVersion",
    "FetchedMap",
    "api_url",
    "choose_version",
    "deepstate_day",
    "deepstate_versions",
    "union_day",
    "union_plan",
    "union_url",
]

log = logging.getLogger(__name__)

#: Environment variable that replaces :data:`UNION_URL` (a mirror, a test server).
UNION_ENV: Final = "FRONTLINE_DEEPSTATE_UNION_URL"
#: The union archive's repository on raw.githubusercontent.com; files are at
#: ``<base>/<commit>/data/<file>`` (pinned) or ``<base>/main/data/<file>``.
UNION_URL: Final = "https://raw.githubusercontent.com/cyterat/deepstate-map-data"
#: Environment variable that replaces :data:`API_URL`.
API_ENV: Final = "FRONTLINE_DEEPSTATE_API_URL"
#: DeepState's map history API (``/public``, ``/<id>/geojson``).
API_URL: Final = "https://deepstatemap.live/api/history"
#: Evening shown by the archive's first file (``deepstatemap_data_20240708``).
UNION_ARCHIVE_START: Final = dt.date(2024, 7, 7)
#: DeepState's terms for its data and API.
DEEPSTATE_TERMS: Final = "https://deepstatemap.live/license-en.html"


@dataclasses.dataclass(frozen=True)
class FetchedMap:
    """One map asked for: where it is, which evening it shows, and how we know.

    Attributes
    ----------
    source : str
        ``deepstate-union``, ``deepstate``, ``isw`` or a boundary set's name.
    date : datetime.date or None
        The evening shown (the situation date); None for boundaries.
    path : pathlib.Path or None
        The file, or None when there is no map for that evening.
    status : str
        ``downloaded`` (just now), ``present`` (already there, nothing
        downloaded) or ``missing``.
    basis : str
        How the date is known: ``checked`` (the union manifest matched the
        file to a DeepState version), ``rule`` (the archive's rule, file D
        shows D − 1: the manifest could not check it, or the file is newer
        than the manifest), ``published`` (a DeepState version's publication
        time), ``last-edit`` (an ArcGIS layer's last edit) or ``""``.
    version_id, published : str or None
        The DeepState version shown and its publication time (ISO, UTC).
    url : str or None
        Where the file comes from.
    note : str
        Why a map is missing, or what to know about its date.
    pinned : bool
        Whether the file is the union manifest's (pinned commit and sha256).
    """

    source: str
    date: dt.date | None
    path: Path | None
    status: str
    basis: str = ""
    version_id: str | None = None
    published: str | None = None
    url: str | None = None
    note: str = ""
    pinned: bool = False

    @property
    def beyond_manifest(self) -> bool:
        """Whether this is a union file newer than the shipped manifest."""
        return (
            self.source == "deepstate-union"
            and self.path is not None
            and not self.pinned
        )


def _base(env: str, default: str) -> str:
    """Return a base URL from the environment (read at each call), or the default."""
    text = os.environ.get(env, "").strip().rstrip("/")
    if not text:
        return default
    if not url_allowed(text):
        raise OptionError(
            f"{env}={text!r} is not a usable address: only https URLs are "
            f"followed (plain http only on localhost). Set it to a mirror such "
            f"as {default}, or unset it"
        )
    return text


def union_url() -> str:
    """Return the union archive's base address (``$FRONTLINE_DEEPSTATE_UNION_URL``)."""
    return _base(UNION_ENV, UNION_URL)


def api_url() -> str:
    """Return DeepState's history API address (``$FRONTLINE_DEEPSTATE_API_URL``)."""
    return _base(API_ENV, API_URL)


# ----------------------------------------------------------------------------
# The union archive


@dataclasses.dataclass(frozen=True)
class _UnionPlan:
    day: dt.date
    file: str
    url: str
    sha256: str | None
    entry: UnionFile | None


def union_plan(day: dt.date) -> _UnionPlan:
    """Return the file that shows the evening ``day`` and its address.

    Within the manifest: the file that really shows it, at its pinned
    commit, with its sha256. After it: the rule's file (named ``day + 1``) on
    ``main``, unverified.

    Raises
    ------
    SnapshotNotFoundError
        Before the archive starts, or on an evening no file of the manifest
        shows (the message names the nearest evenings that have one).
    """
    if day < UNION_ARCHIVE_START:
        raise SnapshotNotFoundError(
            f"the DeepState union archive starts with the evening of "
            f"{UNION_ARCHIVE_START.isoformat()}; {day.isoformat()} is earlier. Use "
            "source 'deepstate' (DeepState's own history) for earlier dates"
        )
    base = union_url()
    if day <= last_evening():
        entry = best_file(day)
        if entry is None:
            before, after = nearest_evenings(day)
            near = ", ".join(d.isoformat() for d in [*before, *after])
            raise SnapshotNotFoundError(
                f"no file of the DeepState union archive shows the evening of "
                f"{day.isoformat()} (per the shipped manifest: a gap in the "
                "archive, or files one DeepState version behind); nearest "
                f"evenings with a file: {near or 'none'}. Use source 'deepstate' "
                "(DeepState's own history) for that evening"
            )
        return _UnionPlan(
            day,
            entry.file,
            f"{base}/{entry.commit}/data/{entry.file}",
            entry.sha256,
            entry,
        )
    name = f"deepstatemap_data_{day + dt.timedelta(days=1):%Y%m%d}.geojson"
    return _UnionPlan(day, name, f"{base}/main/data/{name}", None, None)


def union_present(plan: _UnionPlan, folder: Path) -> Path | None:
    """Return the planned file if it is in ``folder`` already (right bytes)."""
    target = folder / plan.file
    if plan.entry is not None:
        return target if file_matches(target, plan.entry) else None
    return target if target.is_file() else None


def union_day(
    day: dt.date,
    folder: Path,
    *,
    known_hash: str | None = None,
    timeout: float,
    lock_dir: Path | None = None,
) -> FetchedMap:
    """Fetch the union file that shows the evening ``day`` into ``folder``.

    Raises
    ------
    SnapshotNotFoundError
        See :func:`union_plan`; also for a file after the manifest that the
        archive does not have (HTTP 404).
    DownloadError, ChecksumError
        If the download fails or the bytes are not the manifest's.
    """
    plan = union_plan(day)
    present = union_present(plan, folder)
    if present is not None and known_hash is None:
        return _union_result(plan, present, "present")
    try:
        path = retrieve(
            plan.url,
            folder / plan.file,
            known_hash=known_hash or plan.sha256,
            timeout=timeout,
            lock_dir=lock_dir,
        )
    except DownloadError as exc:
        if exc.status == 404 and plan.entry is None:
            raise SnapshotNotFoundError(
                f"the DeepState union archive has no file for the evening of "
                f"{day.isoformat()} ({plan.file}: HTTP 404 at {plan.url}); the "
                "archive has gaps, and the file of an evening appears at about "
                "03:00 UTC the next day. Try an adjacent date or source 'deepstate'"
            ) from exc
        if exc.status == 404:
            raise DownloadError(
                f"the pinned file {plan.file} is missing at {plan.url} (HTTP 404); "
                f"if {UNION_ENV} points to a mirror, it lacks commit "
                f"{plan.entry.commit if plan.entry else ''}; unset it to use GitHub",
                url=plan.url,
                status=404,
            ) from exc
        raise
    return _union_result(plan, path, "downloaded")


def _union_result(plan: _UnionPlan, path: Path, status: str) -> FetchedMap:
    entry = plan.entry
    if entry is None:
        return FetchedMap(
            "deepstate-union",
            plan.day,
            path,
            status,
            basis="rule",
            url=plan.url,
            note=f"newer than the shipped manifest (its last evening is "
            f"{last_evening()}): dated by the archive's rule, {UNION_RULE}, "
            "unchecked",
        )
    ruled = entry.file_date - dt.timedelta(days=1)
    note = ""
    if entry.situation_date != ruled:
        note = (
            f"{entry.file} shows the evening of {entry.situation_date}, not "
            f"{ruled} as the archive's rule says"
        )
    return FetchedMap(
        "deepstate-union",
        entry.situation_date,
        path,
        status,
        basis=entry.basis,
        version_id=entry.version_id,
        published=None if entry.published is None else entry.published.isoformat(),
        url=plan.url,
        note=note,
        pinned=True,
    )


# ----------------------------------------------------------------------------
# DeepState's history API


@dataclasses.dataclass(frozen=True)
class DeepStateVersion:
    """One published map version from ``/public``."""

    published: dt.datetime
    ident: str
    #: ``updatedAt``: later than ``published`` when the version was edited.
    updated: dt.datetime | None = None

    @property
    def day(self) -> dt.date:
        """The evening it shows."""
        return situation_date(self.published)

    @property
    def file(self) -> str:
        """Its file name (the raw adapter reads the id, hence the date, from it)."""
        return f"deepstate_{self.published:%Y%m%dT%H%M%S}Z_{self.ident}.geojson"

    @property
    def updated_iso(self) -> str | None:
        return None if self.updated is None else self.updated.isoformat()


def deepstate_versions(*, timeout: float) -> list[DeepStateVersion]:
    """Read DeepState's list of map versions (``/public``), published ones only.

    Entries with ``status: false`` (drafts, never published) are skipped;
    ``updatedAt`` is kept (a version edited after publication is downloaded
    again).
    """
    url = f"{api_url()}/public"
    text = download_bytes(url, timeout=timeout)
    try:
        entries = json.loads(text)
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        raise UnsupportedFormatError(
            f"unexpected answer from {url}: expected a JSON array of map versions "
            f"({{'id': …, 'createdAt': …}}), got {text[:80]!r}. The DeepState API is "
            "unofficial and may have changed; use source 'deepstate-union'"
        )
    versions = [v for v in map(_version, entries) if v is not None]
    skipped = sum(isinstance(e, dict) and e.get("status") is False for e in entries)
    if skipped:
        log.info("DeepState /public: skipped %d unpublished version(s)", skipped)
    return versions


def choose_version(
    versions: list[DeepStateVersion], day: dt.date
) -> DeepStateVersion | None:
    """Return the last published version that shows the evening ``day``."""
    same = [v for v in versions if v.day == day]
    return max(same, key=lambda v: (v.published, v.ident)) if same else None


def _parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _version(entry: Any) -> DeepStateVersion | None:
    if not isinstance(entry, dict) or entry.get("status") is False:
        return None
    ident = str(entry.get("id", ""))
    if not re.fullmatch(r"\d{1,20}", ident):
        return None
    updated = _parse_time(entry.get("updatedAt"))
    if re.fullmatch(r"\d{10}", ident):
        published = dt.datetime.fromtimestamp(int(ident), tz=dt.UTC)
        return DeepStateVersion(published, ident, updated)
    for key in ("createdAt", "datetime"):
        when = _parse_time(entry.get(key))
        if when is not None:
            return DeepStateVersion(when, ident, updated)
    return None


def _marker(markers: Path, day: dt.date) -> dict[str, Any] | None:
    path = markers / f"{day.isoformat()}.json"
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    name = doc.get("file") if isinstance(doc, dict) else None
    if not isinstance(name, str) or Path(name).name != name or not name:
        return None
    return dict(doc)


def deepstate_known(day: dt.date, folder: Path, markers: Path) -> FetchedMap | None:
    """Return the remembered version of a final date, if its file is here."""
    doc = _marker(markers, day)
    if doc is None or not doc.get("final"):
        return None
    path = folder / str(doc["file"])
    if not path.is_file():
        return None
    return _deepstate_result(day, path, "present", str(doc.get("id") or ""), doc)


def _is_final(day: dt.date) -> bool:
    final = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(LATE_PUBLICATION_HOURS + 6), dt.UTC
    )
    return dt.datetime.now(dt.UTC) >= final


def deepstate_day(
    day: dt.date,
    versions: list[DeepStateVersion],
    folder: Path,
    markers: Path,
    *,
    known_hash: str | None = None,
    timeout: float,
    lock_dir: Path | None = None,
) -> FetchedMap:
    """Fetch the DeepState version that shows the evening ``day`` into ``folder``.

    The choice is remembered in ``markers/<day>.json`` (once the date is
    final, after 12:00 UTC the next day, the list of versions is not read
    again for it). A version whose ``updatedAt`` is later than the copy
    here is downloaded again.

    Raises
    ------
    SnapshotNotFoundError
        If no published version shows that evening.
    """
    chosen = choose_version(versions, day)
    if chosen is None:
        shown = sorted({v.day for v in versions})
        before = [d.isoformat() for d in shown if d < day][-2:]
        after = [d.isoformat() for d in shown if d > day][:2]
        raise SnapshotNotFoundError(
            f"DeepState published no map version showing {day.isoformat()} "
            f"(nearest dates with a version: {', '.join(before + after) or 'none'})"
        )
    target = folder / chosen.file
    doc = _marker(markers, day) or {}
    stale = (
        target.is_file()
        and chosen.updated is not None
        and doc.get("file") == chosen.file
        and (doc.get("updated_at") or "") < chosen.updated.isoformat()
    )
    present = target.is_file() and not stale and known_hash is None
    url = f"{api_url()}/{chosen.ident}/geojson"
    if not present:
        if stale:
            log.info("DeepState version %s was edited; downloading it again", chosen)
        retrieve(
            url,
            target,
            known_hash=known_hash,
            timeout=timeout,
            lock_dir=lock_dir,
            refresh=stale,
        )
    record = {
        "file": chosen.file,
        "id": chosen.ident,
        "published": chosen.published.isoformat(),
        "updated_at": chosen.updated_iso if not present else doc.get("updated_at"),
        "final": _is_final(day),
    }
    if present and doc.get("file") != chosen.file:
        record["updated_at"] = chosen.updated_iso
    if record != {k: doc.get(k) for k in record}:
        with contextlib.suppress(OSError):
            markers.mkdir(parents=True, exist_ok=True)
            write_text(markers / f"{day.isoformat()}.json", json.dumps(record))
    return _deepstate_result(
        day, target, "present" if present else "downloaded", chosen.ident, record
    )


def _deepstate_result(
    day: dt.date, path: Path, status: str, ident: str, doc: dict[str, Any]
) -> FetchedMap:
    published = doc.get("published")
    if not isinstance(published, str) and re.fullmatch(r"\d{10}", ident):
        published = dt.datetime.fromtimestamp(int(ident), tz=dt.UTC).isoformat()
    edited = doc.get("updated_at")
    note = ""
    if isinstance(edited, str) and isinstance(published, str) and edited > published:
        note = f"edited after publication (updatedAt {edited})"
    return FetchedMap(
        "deepstate",
        day,
        path,
        status,
        basis="published",
        version_id=ident or None,
        published=published if isinstance(published, str) else None,
        url=f"{api_url()}/{ident}/geojson" if ident else None,
        note=note,
    )
