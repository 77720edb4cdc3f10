"""Fetch public control maps by source and date (the public face of downloading).

What can be fetched: control maps by date, ``latest`` or a range of dates
(:func:`fetch_control`, :func:`fetch_map`, :func:`fetch_range`), the current
features of an ArcGIS REST polygon layer such as ISW/CTP's
(:func:`fetch_arcgis`, :func:`fetch_isw`), and boundary sets by name
(:func:`frontline.boundaries.fetch_boundaries`, or the file itself with
:func:`fetch_boundary_file`). Every download goes through one cached,
verified and locked path (:func:`fetch_file`).

**Source URIs** name a map without a file: ``deepstate:2024-11-20``,
``deepstate-union:latest``, ``deepstate:2024-11-01..2024-11-30``,
``isw:latest``. :func:`frontline.read_control` and every command that takes
a control file accept them (:func:`parse_source`, :func:`source_paths`); a
range gives one map per evening. A path that exists is always a path, even
when it is spelled like a URI.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, get_args

from frontline import _validate
from frontline._arcgis import fetch_arcgis
from frontline._dates import parse_date
from frontline._http import (
    CACHE_ENV,
    cache_location,
    check_timeout,
    fetch_file,
    make_folder,
)
from frontline._io import atomic_write
from frontline.boundaries import (
    BOUNDARY_SETS,
    BoundarySet,
    fetch_boundaries,
    fetch_boundary_file,
    read_boundaries,
    resolve_boundaries,
)
from frontline.errors import (
    ChecksumError,
    DownloadError,
    FrontlineWarning,
    OptionError,
    SnapshotNotFoundError,
)
from frontline.sources._deepstate_fetch import (
    API_ENV,
    DEEPSTATE_TERMS,
    UNION_ENV,
    DeepStateVersion,
    FetchedMap,
    deepstate_day,
    deepstate_known,
    deepstate_versions,
    union_day,
    union_plan,
    union_present,
)
from frontline.sources._union_manifest import best_file, last_evening

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "API_ENV",
    "BOUNDARY_SETS",
    "CACHE_ENV",
    "DEEPSTATE_TERMS",
    "ISW_ENV",
    "MAX_DOWNLOADS",
    "SOURCES",
    "UNION_ENV",
    "BoundarySet",
    "ChecksumError",
    "DownloadError",
    "FetchedMap",
    "SnapshotNotFoundError",
    "SourceSpec",
    "cache_location",
    "compact_dates",
    "control_path",
    "fetch_arcgis",
    "fetch_boundaries",
    "fetch_boundary_file",
    "fetch_control",
    "fetch_file",
    "fetch_isw",
    "fetch_map",
    "fetch_range",
    "fetch_source",
    "is_source_uri",
    "parse_source",
    "read_boundaries",
    "resolve_boundaries",
    "source_paths",
]

log = logging.getLogger(__name__)

ControlSource = Literal["deepstate-union", "deepstate", "isw"]
#: Sources of control maps, as named in :func:`fetch_control` and in URIs.
SOURCES: Final = get_args(ControlSource)
#: Environment variable holding the REST address of ISW/CTP's ArcGIS layer.
ISW_ENV: Final = "FRONTLINE_ISW_LAYER_URL"
#: Downloads a range may need without confirmation (``max_downloads=``;
#: ``frontline fetch --yes`` lifts it).
MAX_DOWNLOADS: Final = 400
_URI: Final = re.compile(r"(?P<source>[a-z][a-z0-9-]*):(?P<spec>.*)", re.IGNORECASE)
_RANGE_SEP: Final = ".."

When = dt.date | Literal["latest"]


def _today() -> dt.date:
    """Today in UTC (tests replace it)."""
    return dt.datetime.now(dt.UTC).date()


# ----------------------------------------------------------------------------
# Source URIs


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    """A parsed source URI: ``SOURCE:DATE``, ``SOURCE:latest``, ``SOURCE:A..B``."""

    source: str
    start: When
    #: The end of a range (None for one date).
    end: When | None = None

    @property
    def is_range(self) -> bool:
        """Whether this names many maps."""
        return self.end is not None

    def __str__(self) -> str:
        def text(when: When) -> str:
            return when if isinstance(when, str) else when.isoformat()

        tail = "" if self.end is None else f"{_RANGE_SEP}{text(self.end)}"
        return f"{self.source}:{text(self.start)}{tail}"


def is_source_uri(text: object) -> bool:
    """Tell whether ``text`` is spelled like a source URI (``deepstate:…``).

    Only the prefix is checked (a known source and a colon); a path object
    is never a URI.

    Examples
    --------
    >>> is_source_uri("deepstate-union:2024-11-20"), is_source_uri("map.geojson")
    (True, False)
    """
    if not isinstance(text, str):
        return False
    match = _URI.fullmatch(text.strip())
    return match is not None and match["source"].lower() in SOURCES


def _when(text: str, uri: str) -> When:
    value = text.strip().lower()
    if value == "latest":
        return "latest"
    try:
        return parse_date(value)
    except OptionError:
        raise OptionError(
            f"cannot read the date {text!r} in {uri!r}; expected SOURCE:YYYY-MM-DD, "
            "SOURCE:latest or SOURCE:START..END (e.g. deepstate:2024-11-01.."
            "2024-11-30), with SOURCE one of " + ", ".join(SOURCES)
        ) from None


def parse_source(text: str) -> SourceSpec:
    """Read a source URI.

    Parameters
    ----------
    text : str
        ``SOURCE:DATE``, ``SOURCE:latest`` or ``SOURCE:START..END`` (END may
        be ``latest``, or left out for ``latest``), SOURCE one of
        :data:`SOURCES`.

    Returns
    -------
    SourceSpec

    Raises
    ------
    OptionError
        If ``text`` is not such a URI, or its dates cannot be read.

    Examples
    --------
    >>> parse_source("deepstate:2024-11-01..2024-11-30").is_range
    True
    >>> str(parse_source("deepstate-union:LATEST"))
    'deepstate-union:latest'
    >>> str(parse_source("deepstate:2024-11-01.."))
    'deepstate:2024-11-01..latest'
    """
    match = _URI.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or match["source"].lower() not in SOURCES:
        raise OptionError(
            f"{text!r} is not a source URI; expected SOURCE:DATE, SOURCE:latest or "
            f"SOURCE:START..END with SOURCE one of {', '.join(SOURCES)}"
        )
    source, spec = match["source"].lower(), match["spec"]
    if _RANGE_SEP in spec:
        first, _, last = spec.partition(_RANGE_SEP)
        start = _when(first, text)
        end = _when(last, text) if last.strip() else "latest"
        if start == "latest":
            raise OptionError(
                f"{text!r}: a range cannot start at 'latest'; write "
                f"{source}:YYYY-MM-DD..latest"
            )
        return SourceSpec(source, start, end)
    return SourceSpec(source, _when(spec, text))


# ----------------------------------------------------------------------------
# One map


def fetch_control(
    source: ControlSource | str,
    date: dt.date | str = "latest",
    *,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    known_hash: str | None = None,
    timeout: float = 30.0,
    refresh: bool = False,
) -> Path:
    """Download the control map a public source shows for one evening.

    ``read_control(fetch_control(source, date))`` reads it; its
    ``attrs["date"]`` is the evening shown. :func:`fetch_map` does the same
    and also says how the date is known.

    Parameters
    ----------
    source : {"deepstate-union", "deepstate", "isw"}
        ``deepstate-union``: the DeepState daily union archive (one
        MultiPolygon of Russian-held land incl. Crimea and the pre-2022
        areas; no grey zone), ``cyterat/deepstate-map-data`` on GitHub. The
        file that really shows the evening is taken from the shipped
        manifest (:mod:`frontline.sources._union_manifest`), downloaded by
        its pinned commit and checked against its sha256. For evenings newer
        than the manifest the archive's rule is used (file D shows D − 1,
        fetched from ``main``) and a :class:`~frontline.FrontlineWarning`
        says so. Base address: ``$FRONTLINE_DEEPSTATE_UNION_URL``, else
        ``https://raw.githubusercontent.com/cyterat/deepstate-map-data``.

        ``deepstate``: DeepState's own map history (all classes), from its
        API (``$FRONTLINE_DEEPSTATE_API_URL``, else
        ``https://deepstatemap.live/api/history``): the list of versions
        (``/public``; unpublished entries are skipped) is read, and the last
        version published for that evening (publication time − 6 h, see
        :mod:`frontline.sources.deepstate`) is downloaded from
        ``/<id>/geojson``. Once a date is final (12:00 UTC the next day) its
        choice is remembered in the cache, so it needs no connection again.
        DeepState's terms for its data and API: :data:`DEEPSTATE_TERMS`.

        ``isw``: ISW/CTP's ArcGIS layer as it is now (``date`` must be
        ``latest``); see :func:`fetch_isw`.
    date : datetime.date or str, default "latest"
        The evening (the situation's date, Kyiv time), e.g.
        ``"2024-11-20"``, or ``"latest"``: the newest map the source has.
    folder : str or path, optional
        Put the file there (a local archive) instead of the cache's
        ``control/<source>/`` folder. Lock files stay in the cache.
    cache_dir : str or path, optional
        See :func:`cache_location`.
    known_hash : str, optional
        The file's sha256, if you know it (the manifest's is used otherwise).
    timeout : float, default 30
        Seconds to wait for the connection and for each read.
    refresh : bool, default False
        ``deepstate``: read the list of versions again even for a final date
        (a version edited since it was downloaded is downloaded again);
        ``isw``: download the layer again.

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    OptionError
        For an unknown source, an unreadable date, or ``isw`` with a date.
    SnapshotNotFoundError
        If the source has no map for that evening (before the archive
        starts, in the future, no file of the archive shows it, no DeepState
        version that day); the message names the nearest evenings that have
        one.
    DownloadError
        If the download fails (offline and not here already, HTTP error,
        timeout…); see :func:`fetch_file`.
    ChecksumError
        If a union file's bytes are not the manifest's.
    UnsupportedFormatError
        If the DeepState API's list of versions is not what it used to be.

    See Also
    --------
    fetch_range : every evening of a range, for a local archive.
    """
    return _path(
        fetch_map(
            source,
            date,
            folder=folder,
            cache_dir=cache_dir,
            known_hash=known_hash,
            timeout=timeout,
            refresh=refresh,
        )
    )


def _path(result: FetchedMap) -> Path:
    if result.path is None:  # pragma: no cover - fetch_map raises instead
        raise SnapshotNotFoundError(result.note)
    return result.path


def fetch_map(
    source: ControlSource | str,
    date: dt.date | str = "latest",
    *,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    known_hash: str | None = None,
    timeout: float = 30.0,
    refresh: bool = False,
) -> FetchedMap:
    """Fetch one map, as :func:`fetch_control`, and say how its date is known.

    Returns
    -------
    FetchedMap
        ``path``, ``date`` (the evening shown), ``status`` (``downloaded`` or
        ``present``), ``basis`` (``checked``, ``rule``, ``published`` or
        ``last-edit``), the DeepState ``version_id`` and ``published`` time
        where known, ``url`` and a ``note``.

    Raises
    ------
    OptionError, SnapshotNotFoundError, DownloadError
        As :func:`fetch_control`.
    """
    source = _check_source(source)
    when = _parse_when(date)
    if source == "isw":
        if when != "latest":
            raise _isw_by_date(date)
        return fetch_isw(
            folder=folder, cache_dir=cache_dir, timeout=timeout, refresh=refresh
        )
    ctx = _Context.make(source, folder, cache_dir, timeout)
    if when == "latest":
        result = ctx.latest(refresh=refresh)
    else:
        today = _today()
        if when > today:
            raise SnapshotNotFoundError(
                f"{when.isoformat()} is in the future (today is {today.isoformat()} "
                "UTC); no source has a map for it yet"
            )
        result = ctx.one(when, known_hash=known_hash, refresh=refresh)
    _warn_rule([result])
    return result


def _check_source(source: str) -> str:
    _validate.text(source, "source", example="deepstate-union")
    if source not in SOURCES:
        hint = ""
        if source in BOUNDARY_SETS:
            hint = (
                f"; {source!r} is a boundary set: use fetch_boundary_file or "
                "fetch_boundaries"
            )
        raise OptionError(
            f"unknown control source {source!r}; expected one of {list(SOURCES)}" + hint
        )
    return source


def _parse_when(date: dt.date | str) -> When:
    if isinstance(date, str) and date.strip().lower() == "latest":
        return "latest"
    return parse_date(date)


def _isw_by_date(date: object) -> OptionError:
    return OptionError(
        f"ISW maps cannot be fetched by date (got {date!r}): ISW/CTP's ArcGIS "
        "layers show the current assessment only, with no date parameter. Use "
        "'latest' (fetch_isw, frontline fetch isw), or pass a downloaded ISW "
        "export (GeoJSON/KMZ) to frontline.read_control"
    )


def _warn_rule(results: list[FetchedMap]) -> None:
    """One warning for union maps newer than the manifest (dated by the rule)."""
    ruled = sorted(r.date for r in results if r.beyond_manifest and r.date)
    if not ruled:
        return
    days = (
        ruled[0].isoformat()
        if len(ruled) == 1
        else f"{len(ruled)} evenings, {ruled[0]}…{ruled[-1]}"
    )
    warnings.warn(
        f"deepstate-union: {days} newer than the shipped manifest (last evening "
        f"{last_evening()}); dated by the archive's rule (file D shows D − 1), "
        "unchecked: about one file in five shows D − 2 (attrs['date_basis'] is "
        "'rule')",
        FrontlineWarning,
        stacklevel=3,
    )


@dataclasses.dataclass
class _Context:
    """Where one fetch puts its files and keeps its notes."""

    source: str
    folder: Path
    cache: Path
    lock_dir: Path | None
    timeout: float
    versions: list[DeepStateVersion] | None = None

    @classmethod
    def make(
        cls,
        source: str,
        folder: str | os.PathLike[str] | None,
        cache_dir: str | os.PathLike[str] | None,
        timeout: float,
    ) -> _Context:
        check_timeout(timeout)
        cache = cache_location(cache_dir)
        if folder is None:
            return cls(source, cache / "control" / source, cache, None, timeout)
        folder = _validate.path(folder, "folder", role="folder")
        target = make_folder(folder.expanduser(), "output")
        return cls(source, target, cache, cache / "locks", timeout)

    @property
    def markers(self) -> Path:
        return self.cache / "control" / "deepstate"

    def load_versions(self) -> list[DeepStateVersion]:
        if self.versions is None:
            self.versions = deepstate_versions(timeout=self.timeout)
        return self.versions

    def one(
        self, day: dt.date, *, known_hash: str | None = None, refresh: bool = False
    ) -> FetchedMap:
        if self.source == "deepstate-union":
            return union_day(
                day,
                self.folder,
                known_hash=known_hash,
                timeout=self.timeout,
                lock_dir=self.lock_dir,
            )
        if not refresh and known_hash is None:
            known = deepstate_known(day, self.folder, self.markers)
            if known is not None:
                log.debug("DeepState %s: %s is here", day, known.path)
                return known
        return deepstate_day(
            day,
            self.load_versions(),
            self.folder,
            self.markers,
            known_hash=known_hash,
            timeout=self.timeout,
            lock_dir=self.lock_dir,
        )

    def present(self, day: dt.date) -> bool:
        """Whether the map of ``day`` is here already (nothing to download)."""
        if self.source == "deepstate-union":
            try:
                plan = union_plan(day)
            except SnapshotNotFoundError:
                return True  # nothing to download either
            return union_present(plan, self.folder) is not None
        return deepstate_known(day, self.folder, self.markers) is not None

    def latest(self, *, refresh: bool = False) -> FetchedMap:
        if self.source == "deepstate":
            versions = self.load_versions()
            if not versions:
                raise SnapshotNotFoundError(
                    "DeepState's list of versions holds no published version"
                )
            newest = max(v.day for v in versions)
            return self.one(newest, refresh=refresh)
        # The union archive: the newest file after the manifest, probing back
        # from yesterday's evening (a file here needs no request), else the
        # manifest's newest evening.
        day, last = _today() - dt.timedelta(days=1), last_evening()
        while day > last:
            try:
                return self.one(day)
            except SnapshotNotFoundError:
                log.debug("deepstate-union: no file for the evening of %s", day)
                day -= dt.timedelta(days=1)
        while best_file(day) is None:
            day -= dt.timedelta(days=1)
        return self.one(day)


# ----------------------------------------------------------------------------
# Ranges


def fetch_range(
    source: ControlSource | str,
    start: dt.date | str,
    end: dt.date | str = "latest",
    *,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    max_downloads: int | None = MAX_DOWNLOADS,
    progress: Callable[[FetchedMap], None] | None = None,
) -> list[FetchedMap]:
    """Fetch the map of every evening from ``start`` to ``end`` (a local archive).

    Only what is not there yet is downloaded: a file already in ``folder``
    (with the manifest's bytes, for the union archive) costs no request, so
    a second run downloads nothing and a run that was interrupted resumes
    where it stopped. Every file is written whole or not at all, and lock
    files stay in the cache, so ``folder`` holds maps only.

    Parameters
    ----------
    source : {"deepstate-union", "deepstate"}
        As in :func:`fetch_control` (``isw`` has no history).
    start, end : datetime.date or str
        The first and last evening; ``end`` may be ``"latest"`` (the newest
        map the source has).
    folder : str or path, optional
        The local archive (created if needed); default: the cache.
    cache_dir : str or path, optional
        See :func:`cache_location`.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.
    max_downloads : int or None, default 400
        Refuse a range that needs more downloads (evenings not here yet),
        so that a typo does not start a long download; None: no limit.
    progress : callable, optional
        Called with each :class:`FetchedMap` as it is done (a progress bar).

    Returns
    -------
    list of FetchedMap
        One per evening, in date order; ``status`` ``missing`` (with a
        ``note`` saying why) for evenings the source has no map for.

    Raises
    ------
    OptionError
        For an unknown source, ``isw``, unreadable dates, a reversed range,
        a range ending in the future, or more than ``max_downloads``
        downloads.
    DownloadError
        If a download fails (offline, HTTP error…): the run stops; what was
        fetched stays, and running again resumes.
    """
    source = _check_source(source)
    if source == "isw":
        raise OptionError(
            "ISW/CTP's ArcGIS layers show the current assessment only: there is "
            "no range to fetch; use 'latest' (fetch_isw)"
        )
    first = parse_date(start)
    ctx = _Context.make(source, folder, cache_dir, timeout)
    results: dict[dt.date, FetchedMap] = {}
    last = _range_end(ctx, first, _parse_when(end), results)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    todo = [d for d in days if d not in results and not ctx.present(d)]
    if max_downloads is not None and len(todo) > max_downloads:
        raise OptionError(
            f"{source}:{first}..{last} needs up to {len(todo):,} downloads "
            f"({len(todo):,} of its {len(days):,} evenings are not here yet), more "
            f"than the limit of {max_downloads:,}; confirm with --yes "
            "(frontline fetch) or max_downloads=None, or fetch a shorter range. "
            "For a source URI given to another command, fetch the range once "
            "into a folder (frontline fetch SOURCE START..END -o DIR --yes) and "
            "pass the folder"
        )
    for done, day in enumerate(days):
        result = results.get(day)
        if result is None:
            try:
                result = ctx.one(day)
            except SnapshotNotFoundError as exc:
                result = FetchedMap(source, day, None, "missing", note=str(exc))
            except DownloadError as exc:
                fetched = sum(r.status == "downloaded" for r in results.values())
                raise type(exc)(
                    f"{exc} [stopped at the evening of {day}, {done} of {len(days)} "
                    f"evenings done, {fetched} downloaded; what was fetched is kept: "
                    "run again to resume]",
                    url=exc.url,
                    status=exc.status,
                ) from exc
            results[day] = result
        if progress is not None:
            progress(result)
    out = [results[d] for d in days]
    _warn_rule(out)
    return out


def _range_end(
    ctx: _Context, first: dt.date, end: When, results: dict[dt.date, FetchedMap]
) -> dt.date:
    """Check a range and return its last evening (``latest``: fetched, kept)."""
    if end == "latest":
        newest = ctx.latest()
        if newest.date is None:  # pragma: no cover - DeepState maps are dated
            raise SnapshotNotFoundError("the newest map has no date")
        if newest.date < first:
            raise OptionError(
                f"the range {first}..latest is empty: the newest {ctx.source} map "
                f"shows {newest.date}, before {first}"
            )
        results[newest.date] = newest
        return newest.date
    if end < first:
        raise OptionError(
            f"the range {first}..{end} is reversed: its start is after its end; "
            f"write {end}..{first}"
        )
    today = _today()
    if end > today:
        raise OptionError(
            f"the range {first}..{end} ends in the future (today is {today} UTC); "
            "end it today at the latest, or use 'latest'"
        )
    return end


# ----------------------------------------------------------------------------
# ISW


def fetch_isw(
    *,
    url: str | None = None,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    refresh: bool = False,
) -> FetchedMap:
    """Download ISW/CTP's control-of-terrain layer as it is now.

    ISW and AEI's Critical Threats Project publish their assessment as
    ArcGIS feature layers; their addresses change and are not a documented
    API, so frontline ships none. Give the layer's REST address
    (``…/FeatureServer/<n>``, from the map's ArcGIS item page) as ``url`` or
    in ``$FRONTLINE_ISW_LAYER_URL``.

    Parameters
    ----------
    url : str, optional
        The layer's address (default: ``$FRONTLINE_ISW_LAYER_URL``).
    folder : str or path, optional
        Copy the file there (default: it stays in the cache).
    cache_dir : str or path, optional
        See :func:`cache_location`.
    timeout : float, default 30
        Seconds to wait for each request.
    refresh : bool, default False
        Download the features again even if this version is cached.

    Returns
    -------
    FetchedMap
        ``date`` is the UTC day of the layer's last edit (``basis``
        ``last-edit``), which need not be the assessment's date: read the
        file with ``read_control(path, date=...)`` when you know it.

    Raises
    ------
    OptionError
        If no address is given or set.
    DownloadError, UnsupportedFormatError
        See :func:`fetch_arcgis`.
    """
    layer = url or os.environ.get(ISW_ENV, "").strip()
    if not layer:
        raise OptionError(
            "no address for ISW's layer: ISW/CTP publish their assessment as "
            "ArcGIS layers whose addresses change, so frontline ships none. Find "
            "the layer's REST address (…/FeatureServer/<n>) on the ISW map's "
            f"ArcGIS item page and pass it (--url, url=) or set {ISW_ENV}"
        )
    path = fetch_arcgis(layer, cache_dir=cache_dir, timeout=timeout, refresh=refresh)
    with path.open(encoding="utf-8") as f:
        meta = json.load(f).get("frontline", {})
    edit = meta.get("last_edit_date") or meta.get("fetched_at")
    day = dt.datetime.fromisoformat(str(edit).replace("Z", "+00:00")).date()
    status = "downloaded"
    if folder is not None:
        target = make_folder(Path(folder).expanduser(), "output") / path.name
        if target.is_file() and target.read_bytes() == path.read_bytes():
            status = "present"
        else:
            with atomic_write(target, "wb", what="ISW layer") as out:
                out.write(path.read_bytes())
        path = target
    return FetchedMap(
        "isw",
        day,
        path,
        status,
        basis="last-edit",
        url=str(meta.get("url") or layer),
        note="the layer as it is now; its date is the UTC day of its last edit, "
        "not necessarily the assessment's: pass read_control(..., date=...)",
    )


# ----------------------------------------------------------------------------
# URIs → maps


def fetch_source(
    uri: str | SourceSpec,
    *,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    max_downloads: int | None = MAX_DOWNLOADS,
) -> list[FetchedMap]:
    """Fetch what a source URI names: one map, or one per evening of a range.

    Parameters
    ----------
    uri : str or SourceSpec
        ``deepstate:2024-11-20``, ``deepstate-union:latest``,
        ``deepstate:2024-11-01..2024-11-30``, ``isw:latest``.
    folder, cache_dir, timeout, max_downloads
        As in :func:`fetch_range`.

    Returns
    -------
    list of FetchedMap
        One map for a date; one per evening for a range (``missing`` ones
        included).

    Raises
    ------
    OptionError, SnapshotNotFoundError, DownloadError
        As :func:`fetch_control` and :func:`fetch_range`.
    """
    spec = parse_source(uri) if isinstance(uri, str) else uri
    if spec.end is None:
        return [
            fetch_map(
                spec.source,
                spec.start,
                folder=folder,
                cache_dir=cache_dir,
                timeout=timeout,
            )
        ]
    if spec.start == "latest":  # pragma: no cover - parse_source refuses it
        raise OptionError(f"{spec}: a range cannot start at 'latest'")
    return fetch_range(
        spec.source,
        spec.start,
        spec.end,
        folder=folder,
        cache_dir=cache_dir,
        timeout=timeout,
        max_downloads=max_downloads,
    )


def _is_uri_not_path(item: object) -> bool:
    """Tell whether ``item`` is spelled like a URI and is not an existing path."""
    if not is_source_uri(item):
        return False
    if Path(str(item)).exists():
        log.info(
            "%r exists as a file or folder: read as a path, not as a source URI",
            item,
        )
        return False
    return True


def source_paths(
    item: str | os.PathLike[str], **options: object
) -> list[str | os.PathLike[str]]:
    """Return the files an input stands for: a URI's maps, else the input itself.

    Used wherever a control file is accepted. An existing path is returned
    as it is (even ``deepstate:2024-11-20`` if such a file exists); a URI is
    fetched (:func:`fetch_source`) and gives one file per map, evenings
    without a map left out with one :class:`~frontline.FrontlineWarning`.

    Raises
    ------
    SnapshotNotFoundError
        If a range holds no map at all.
    """
    if not _is_uri_not_path(item):
        return [item]
    spec = parse_source(str(item))
    maps = fetch_source(spec, **options)  # type: ignore[arg-type]
    missing = [m.date for m in maps if m.path is None and m.date is not None]
    found: list[str | os.PathLike[str]] = [m.path for m in maps if m.path is not None]
    if not found:
        raise SnapshotNotFoundError(
            f"{spec} holds no map: {maps[0].note if maps else 'an empty range'}"
        )
    if missing:
        warnings.warn(
            f"{spec}: {len(missing)} of {len(maps)} evenings have no map "
            f"({compact_dates(missing)}); left out, not filled",
            FrontlineWarning,
            stacklevel=3,
        )
    return found


def control_path(item: str) -> Path | None:
    """Return the one file a URI names, for a reader of one map (None: no URI).

    Raises
    ------
    OptionError
        For a range (many maps).
    """
    if not _is_uri_not_path(item):
        return None
    spec = parse_source(item)
    if spec.is_range:
        raise OptionError(
            f"{item!r} names one map per evening; this reads one map. Give one "
            f"date ({spec.source}:YYYY-MM-DD or {spec.source}:latest), or pass the "
            "range to timeseries, changes or map"
        )
    return _path(fetch_map(spec.source, spec.start))


def compact_dates(days: list[dt.date]) -> str:
    """Dates as runs, for messages.

    Examples
    --------
    >>> import datetime as dt
    >>> days = [dt.date(2024, 8, 17), dt.date(2024, 8, 18), dt.date(2024, 9, 13)]
    >>> compact_dates(days)
    '2024-08-17…2024-08-18, 2024-09-13'
    """
    parts: list[str] = []
    for start, stop in _runs(sorted(days)):
        parts.append(str(start) if start == stop else f"{start}…{stop}")
    shown = ", ".join(parts[:6])
    return shown + (f" and {len(parts) - 6} more" if len(parts) > 6 else "")


def _runs(days: list[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    if not days:
        return
    start = prev = days[0]
    for day in days[1:]:
        if (day - prev).days != 1:
            yield start, prev
            start = day
        prev = day
    yield start, prev
