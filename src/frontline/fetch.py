"""Download public control maps and official-grade boundary sets into a cache.

Everything frontline downloads goes through one path: :func:`fetch_file`.
It stores files in a cache directory (``FRONTLINE_CACHE_DIR``, else the
platform's cache folder, e.g. ``~/.cache/frontline`` on Linux), verifies the
sha256 where it is known, writes atomically (a temporary file in the cache
folder, verified, then renamed: the cache never holds a partial or wrong
file), and holds a lock per file so that two processes fetching the same
file at once do not corrupt it (the second waits and reuses the first one's
file). Downloads use `pooch <https://www.fatiando.org/pooch>`_ for the cache
and hash checks, `requests` for HTTP, and `filelock` for the lock.

Network policy:

* Only ``https`` URLs, except on the loopback interface (``localhost``,
  ``127.0.0.0/8``, ``::1``: tests) or with ``allow_http=True``.
* Redirects are followed on the same host only; a redirect to another host is
  refused unless that host is listed in ``allow_redirect_hosts``, and a
  redirect to plain ``http`` is refused like an ``http`` URL.
* Every request has a timeout (no byte for ``timeout`` seconds) and every
  transfer a deadline and a size cap; a transfer shorter than its
  ``Content-Length`` is an error.
* Failures raise :class:`DownloadError` (also a :class:`ConnectionError`);
  a wrong sha256 raises :class:`ChecksumError` (also a :class:`ValueError`).
  Offline, files already in the cache are still served.

What can be fetched: control maps by date (:func:`fetch_control`), the
current features of an ArcGIS REST polygon layer such as ISW/CTP's
(:func:`fetch_arcgis`), and boundary sets by name (:data:`BOUNDARY_SETS`,
:func:`fetch_boundaries`).
:func:`resolve_boundaries` turns any boundary specification (``None``, a
GeoDataFrame, a registered name, a file on disk) into frontline's schema; it
is what ``load_regions(..., boundaries=...)`` calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import ipaddress
import json
import logging
import math
import os
import re
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args
from urllib.parse import urljoin, urlsplit

from frontline.errors import (
    ChecksumError,
    DownloadError,
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
    SnapshotNotFoundError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    import requests

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "BOUNDARY_SETS",
    "CACHE_ENV",
    "BoundarySet",
    "ChecksumError",
    "DownloadError",
    "SnapshotNotFoundError",
    "cache_location",
    "fetch_arcgis",
    "fetch_boundaries",
    "fetch_control",
    "fetch_file",
    "read_boundaries",
    "resolve_boundaries",
]

log = logging.getLogger(__name__)


#: Environment variable that overrides the cache directory.
CACHE_ENV: Final = "FRONTLINE_CACHE_DIR"
#: Largest download accepted (bytes); adjustable, e.g. ``fetch.MAX_BYTES = 2**31``.
MAX_BYTES = 512 * 2**20
#: Seconds a process waits for another one's download beyond its own deadline.
LOCK_SLACK = 30.0
#: Redirects followed at most per download.
MAX_REDIRECTS: Final = 5

#: DeepState daily union archive (cyterat/deepstate-map-data on GitHub).
UNION_ARCHIVE_URL = (
    "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data"
)
#: Evening shown by the archive's first file (``deepstatemap_data_20240708``).
UNION_ARCHIVE_START: Final = dt.date(2024, 7, 7)
#: DeepState map history API (unofficial; see :func:`fetch_control`).
DEEPSTATE_API_URL = "https://deepstatemap.live/api/history"

ControlSource = Literal["deepstate-union", "deepstate"]
Clip = Literal["minregion", "natural-earth", "none"]


# ----------------------------------------------------------------------------
# Cache and download


def cache_location(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the cache directory frontline downloads into.

    Parameters
    ----------
    cache_dir : str or path, optional
        Use this directory. Default: ``$FRONTLINE_CACHE_DIR`` if set, else the
        platform's user cache folder for ``frontline``
        (``pooch.os_cache("frontline")``).

    Returns
    -------
    pathlib.Path
        The directory (not created here).

    Examples
    --------
    >>> cache_location("/tmp/fl-cache").as_posix()
    '/tmp/fl-cache'
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("frontline"))


def fetch_file(
    url: str,
    *,
    known_hash: str | None = None,
    fname: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    allow_http: bool = False,
    allow_redirect_hosts: Iterable[str] = (),
    timeout: float = 30.0,
    deadline: float = 600.0,
) -> Path:
    """Download ``url`` into the cache (once) and return the cached file.

    Parameters
    ----------
    url : str
        An ``https`` URL (``http`` only on the loopback interface or with
        ``allow_http=True``).
    known_hash : str, optional
        The file's sha256 (hex, optionally prefixed ``sha256:``). A cached
        file whose hash differs is downloaded again; a download whose hash
        differs raises :class:`ChecksumError` and is not kept. Without it, a
        cached file is reused as it is.
    fname : str, optional
        File name in the cache's ``files/`` folder. Default: a name made of
        the URL's hash and its last path segment.
    cache_dir : str or path, optional
        See :func:`cache_location`.
    allow_http : bool, default False
        Accept plain ``http`` URLs (and redirects to them) on any host.
    allow_redirect_hosts : iterable of str, default ()
        Hosts other than the URL's own that a redirect may lead to.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.
    deadline : float, default 600
        Seconds the whole transfer may take (checked between chunks, so the
        bound is ``deadline + timeout``).

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    OptionError
        If the URL is not ``https`` (see above) or ``known_hash`` is not a
        sha256.
    DownloadError
        If the host cannot be reached (offline), answers with an HTTP error,
        is too slow, sends less than it announced or more than
        :data:`MAX_BYTES`, or redirects to another host or to plain http.
    ChecksumError
        If the downloaded file's sha256 differs from ``known_hash``.

    Notes
    -----
    A process that finds another one downloading the same file waits for it
    (up to ``deadline + timeout + LOCK_SLACK`` seconds) and then uses its file.
    """
    import pooch

    if fname is None:
        fname = pooch.utils.unique_file_name(url)
    _check_fname(fname)
    target = cache_location(cache_dir) / "files" / fname
    return _retrieve(
        url,
        target,
        known_hash=known_hash,
        allow_http=allow_http,
        redirect_hosts=allow_redirect_hosts,
        timeout=timeout,
        deadline=deadline,
        advice="options",
    )


def _lock_timeout(target: Path, lock: Any, url: str) -> DownloadError:
    return DownloadError(
        f"another process has been downloading {target.name} for more than "
        f"{lock.timeout:g} s (lock {lock.lock_file}); wait for it or, if no "
        "frontline process is running, delete the lock file",
        url=url,
    )


def _check_fname(fname: str) -> None:
    if not fname or fname in {".", ".."} or "/" in fname or "\\" in fname:
        raise OptionError(
            f"fname must be a plain file name, got {fname!r}; drop any directory "
            "part (use cache_dir= to choose the folder)"
        )


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _scheme_allowed(url: str, allow_http: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (allow_http or _is_loopback(parts.hostname))


def _check_url(url: str, allow_http: bool) -> None:
    if not _scheme_allowed(url, allow_http):
        raise OptionError(
            f"refusing to download {url!r}: only https URLs are followed (plain "
            "http only on localhost); use the https address, or pass "
            "allow_http=True if you trust the network"
        )


def _normalise_hash(known_hash: str | None) -> str | None:
    if known_hash is None:
        return None
    value = known_hash.strip().lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise OptionError(
            f"known_hash must be a sha256 (64 hex digits, optionally prefixed "
            f"'sha256:'), got {known_hash!r}"
        )
    return f"sha256:{value}"


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Keep pooch's INFO lines off stderr: the library never prints."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _retrieve(
    url: str,
    target: Path,
    *,
    known_hash: str | None,
    allow_http: bool = False,
    redirect_hosts: Iterable[str] = (),
    timeout: float = 30.0,
    deadline: float = 600.0,
    advice: Literal["options", "fetch_file", "url"] = "fetch_file",
) -> Path:
    """Download ``url`` to ``target`` under a lock, verified, atomically."""
    import filelock
    import pooch

    _check_url(url, allow_http)
    expected = _normalise_hash(known_hash)
    downloader = _Downloader(
        allow_http=allow_http,
        redirect_hosts=frozenset(h.lower() for h in redirect_hosts),
        timeout=timeout,
        deadline=deadline,
        max_bytes=MAX_BYTES,
        advice=advice,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(f"{target}.lock", timeout=deadline + timeout + LOCK_SLACK)
    try:
        with lock, _quiet_pooch():
            cached = target.exists()
            path = pooch.retrieve(
                url,
                known_hash=expected,
                fname=target.name,
                path=target.parent,
                downloader=downloader,
                progressbar=False,
            )
    except filelock.Timeout as exc:
        raise _lock_timeout(target, lock, url) from exc
    except DownloadError:
        raise
    except ValueError as exc:  # pooch: hash mismatch (the file was not kept)
        raise ChecksumError(
            f"the file downloaded from {url} is not the expected one: {exc} Nothing "
            f"was cached. The source may have changed the file, or the transfer was "
            "tampered with; do not use it without checking",
            url=url,
        ) from exc
    log.debug("%s %s -> %s", "cache hit" if cached else "downloaded", url, path)
    return Path(path)


@dataclasses.dataclass(frozen=True)
class _Downloader:
    """A pooch downloader that enforces frontline's network policy."""

    allow_http: bool
    redirect_hosts: frozenset[str]
    timeout: float
    deadline: float
    max_bytes: int
    #: How the caller can allow a redirect or wait longer: "options" (it has
    #: allow_redirect_hosts= and deadline=, like fetch_file), "fetch_file"
    #: (it has not; fetch_file has), "url" (pass the final address instead).
    advice: Literal["options", "fetch_file", "url"] = "options"

    def _redirect_advice(self, host: str, target: str) -> str:
        if self.advice == "options":
            return f"pass allow_redirect_hosts=[{host!r}] if you trust it"
        if self.advice == "url":
            return f"if you trust it, pass that address ({target}) as url"
        return (
            "if you trust it, download the file with frontline.fetch.fetch_file("
            f"url, allow_redirect_hosts=[{host!r}])"
        )

    def _deadline_advice(self) -> str:
        if self.advice == "options":
            return "Try again later or pass a longer deadline="
        if self.advice == "url":
            return "Try again later"
        return (
            "Try again later, or download the file with "
            "frontline.fetch.fetch_file(url, deadline=...)"
        )

    def __call__(self, url: str, output_file: str, _pooch: object) -> None:
        import requests

        start = time.monotonic()
        current = url
        with requests.Session() as session:
            session.headers["User-Agent"] = _user_agent()
            for _ in range(MAX_REDIRECTS + 1):
                host = urlsplit(current).hostname
                # A loopback address never goes through a proxy.
                session.trust_env = not _is_loopback(host)
                response = self._get(session, url, current)
                with response:
                    if response.is_redirect:
                        current = self._redirect(url, current, response)
                        continue
                    if response.status_code >= 400:
                        raise DownloadError(
                            f"HTTP {response.status_code} {response.reason} for "
                            f"{current}"
                            + (f" (redirected from {url})" if current != url else "")
                            + "; the file is missing or the server failed. Nothing "
                            "was cached",
                            url=url,
                            status=response.status_code,
                        )
                    if response.status_code != 200:
                        raise DownloadError(
                            f"unexpected HTTP {response.status_code} "
                            f"{response.reason} for {current}; expected 200 with the "
                            "file. Nothing was cached",
                            url=url,
                            status=response.status_code,
                        )
                    self._save(response, output_file, url, start)
                    return
        raise DownloadError(
            f"more than {MAX_REDIRECTS} redirects downloading {url}; the server "
            "loops. Nothing was cached",
            url=url,
        )

    def _get(
        self, session: requests.Session, url: str, current: str
    ) -> requests.Response:
        import requests

        host = urlsplit(current).hostname
        try:
            return session.get(
                current, stream=True, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout as exc:
            raise DownloadError(
                f"no answer from {host} within {self.timeout:g} s downloading "
                f"{url}; the server is slow or unreachable. Try again later or "
                "pass a longer timeout=",
                url=url,
            ) from exc
        except requests.ConnectionError as exc:
            raise DownloadError(
                f"cannot connect to {host} to download {url} ({_short(exc)}); are "
                "you offline? Files already in the cache are used without a "
                f"connection (cache: {cache_location()})",
                url=url,
            ) from exc
        except requests.RequestException as exc:
            raise DownloadError(
                f"cannot download {url}: {_short(exc)}", url=url
            ) from exc

    def _redirect(self, url: str, current: str, response: requests.Response) -> str:
        target = urljoin(current, response.headers["location"])
        origin = (urlsplit(url).hostname or "").lower()
        host = (urlsplit(target).hostname or "").lower()
        if host != origin and host not in self.redirect_hosts:
            raise DownloadError(
                f"refusing the redirect from {current} to another host, {host!r} "
                f"({target}); {self._redirect_advice(host, target)}. "
                "Nothing was cached",
                url=url,
                status=response.status_code,
            )
        if not _scheme_allowed(target, self.allow_http):
            raise DownloadError(
                f"refusing the redirect from {current} to plain http ({target}); "
                "only https is followed. Nothing was cached",
                url=url,
                status=response.status_code,
            )
        log.debug("redirect %s -> %s", current, target)
        return target

    def _save(
        self, response: requests.Response, output_file: str, url: str, start: float
    ) -> None:

        announced = response.headers.get("Content-Length")
        expected = int(announced) if announced and announced.isdigit() else None
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        if expected is not None and not encoded and expected > self.max_bytes:
            raise DownloadError(
                f"{url} announces {expected:,} bytes, more than the limit of "
                f"{self.max_bytes:,}; raise frontline.fetch.MAX_BYTES if you expect "
                "such a file",
                url=url,
            )
        written = 0
        with Path(output_file).open("wb") as out:
            for chunk in _chunks(response, url, expected):
                written += len(chunk)
                if written > self.max_bytes:
                    raise DownloadError(
                        f"{url} sent more than {self.max_bytes:,} bytes; stopped. "
                        "Raise frontline.fetch.MAX_BYTES if you expect such a file. "
                        "Nothing was cached",
                        url=url,
                    )
                if time.monotonic() - start > self.deadline:
                    raise DownloadError(
                        f"downloading {url} took more than {self.deadline:g} s "
                        f"({written:,} bytes received); the server is too slow. "
                        f"{self._deadline_advice()}. Nothing was cached",
                        url=url,
                    )
                out.write(chunk)
        if expected is not None and not encoded and written != expected:
            raise DownloadError(
                f"truncated download: {url} announced {expected:,} bytes and sent "
                f"{written:,}. Nothing was cached; try again",
                url=url,
            )


def _chunks(
    response: requests.Response, url: str, expected: int | None
) -> Iterator[bytes]:
    """Yield the body as it arrives (each read waits at most the timeout)."""
    import requests
    import urllib3

    raw = response.raw
    # urllib3 >= 2 returns what has arrived; iter_content would wait for a full
    # chunk, so a trickling server could stretch one read far past the deadline.
    read1 = getattr(raw, "read1", None)
    pieces = response.iter_content(1 << 16) if read1 is None else iter(())
    received = 0
    while True:
        try:
            if read1 is not None:
                chunk = bytes(read1(1 << 16, decode_content=True))
            else:  # pragma: no cover - urllib3 < 2
                chunk = next(pieces, b"")
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            OSError,
        ) as exc:
            raise DownloadError(
                f"the transfer of {url} broke off after {received:,} bytes"
                + (f" of {expected:,}" if expected is not None else "")
                + f" ({_short(exc)}). Nothing was cached; try again",
                url=url,
            ) from exc
        if not chunk:
            return
        received += len(chunk)
        yield chunk


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


@lru_cache(maxsize=1)
def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("frontline")
    except PackageNotFoundError:  # pragma: no cover - source checkout
        release = "unknown"
    return f"frontline/{release} (+https://github.com/frontline-dev/frontline)"


def _download_bytes(
    url: str,
    folder: Path,
    *,
    timeout: float,
    deadline: float = 600.0,
    advice: Literal["options", "fetch_file", "url"] = "fetch_file",
) -> bytes:
    """GET ``url`` under the network policy and return its body.

    For answers read once and not cached as they are (lists, metadata, pages):
    the body goes through a temporary file in ``folder``, removed afterwards.
    """
    _check_url(url, allow_http=False)
    downloader = _Downloader(
        allow_http=False,
        redirect_hosts=frozenset(),
        timeout=timeout,
        deadline=deadline,
        max_bytes=MAX_BYTES,
        advice=advice,
    )
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download.")
    os.close(fd)
    try:
        downloader(url, tmp, None)
        return Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, then rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)


# ----------------------------------------------------------------------------
# Control maps


def fetch_control(
    source: ControlSource | str,
    date: dt.date | str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    known_hash: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the control map a public source published for one date.

    ``read_control(fetch_control(source, date))`` reads it; its
    ``attrs["date"]`` is ``date``.

    Parameters
    ----------
    source : {"deepstate-union", "deepstate"}
        ``deepstate-union``: the DeepState daily union archive (one
        MultiPolygon of Russian-held land incl. Crimea and the pre-2022 areas;
        no grey zone), ``raw.githubusercontent.com/cyterat/deepstate-map-data/
        main/data/deepstatemap_data_YYYYMMDD.geojson``. The file named D is
        downloaded at about 03:00 UTC on D and shows the evening of D − 1, so
        ``date`` D is fetched from the file named D + 1. The archive starts
        with the evening of 2024-07-07 and has gaps (e.g. the files of
        2024-08-18/19, 2025-01-01 and 2025-04-01 are missing).

        ``deepstate``: DeepState's own map history (all classes: occupied,
        pre-2022, grey zone, liberated), from ``deepstatemap.live/api/
        history``. The list of versions (``/public``) is read first; the last
        version whose situation date (publication time − 6 h, see
        :mod:`frontline.sources.deepstate`) is ``date`` is then downloaded
        from ``/<id>/geojson`` and cached as
        ``deepstate_<YYYYMMDDTHHMMSSZ>_<id>.geojson``. **This API is
        unofficial and undocumented.** The validation data's provenance notes
        document only ``/api/history/last`` (the endpoint the union archive
        is built from); the shape assumed for ``/public`` (a JSON array of
        ``{"id", "createdAt", …}``, ``id`` the Unix publication time) and for
        ``/<id>/geojson`` (a GeoJSON FeatureCollection) is taken from public
        client code and could not be verified here. Once a date is final
        (after 12:00 UTC the next day) its choice is remembered in the cache,
        so a cached date needs no connection.

        ``isw`` is refused: ISW/CTP's ArcGIS layers show the current
        assessment only (no date parameter), and their service addresses
        change. Download the current layer with :func:`fetch_arcgis` (its
        REST address, ``…/FeatureServer/<n>``) and read it with
        ``read_control(path, source="isw", date=...)``, or pass a downloaded
        ISW export to :func:`frontline.read_control`.
    date : datetime.date or str
        The date of the situation (the evening, Kyiv time), e.g.
        ``"2024-11-20"``.
    cache_dir : str or path, optional
        See :func:`cache_location`. Files go to ``control/<source>/``.
    known_hash : str, optional
        The sha256 of the file, if you know it (the archive publishes none).
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    OptionError
        For an unknown source, ``isw`` (see above) or an unreadable date.
    SnapshotNotFoundError
        If the source has no map for that date (before the archive starts, in
        the future, a gap in the archive, or no DeepState version that day).
    DownloadError
        If the download fails (offline, HTTP error, timeout…); see
        :func:`fetch_file`.
    UnsupportedFormatError
        If the DeepState API's list of versions is not what it used to be.
    """
    from frontline.control import _parse_date

    if source == "isw":
        raise OptionError(
            f"fetch_control cannot fetch ISW maps by date (got {date!r}): ISW's "
            "ArcGIS layers show the current assessment only, with no date "
            "parameter. Download the current layer with "
            "frontline.fetch.fetch_arcgis(layer_url), where layer_url is the "
            "layer's REST address ending in /FeatureServer/<n> or /MapServer/<n>, "
            "and read it with frontline.read_control(path, source='isw', "
            "date=...); or pass a downloaded ISW export (GeoJSON/KMZ) to "
            "frontline.read_control"
        )
    if source not in get_args(ControlSource):
        raise OptionError(
            f"unknown control source {source!r}; expected one of "
            f"{list(get_args(ControlSource))}"
        )
    day = _parse_date(date)
    today = dt.datetime.now(dt.UTC).date()
    if day > today:
        raise SnapshotNotFoundError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} UTC); "
            "no source has a map for it yet"
        )
    folder = cache_location(cache_dir) / "control" / source
    if source == "deepstate-union":
        return _fetch_union(day, folder, known_hash=known_hash, timeout=timeout)
    return _fetch_deepstate(day, folder, known_hash=known_hash, timeout=timeout)


def _fetch_union(
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
        return _retrieve(url, folder / name, known_hash=known_hash, timeout=timeout)
    except DownloadError as exc:
        if exc.status == 404:
            raise SnapshotNotFoundError(
                f"the DeepState union archive has no file for the evening of "
                f"{day.isoformat()} ({name}: HTTP 404 at {url}); the archive has "
                "gaps and today's file appears at about 03:00 UTC tomorrow. Try an "
                "adjacent date or source='deepstate'"
            ) from exc
        raise


def _fetch_deepstate(
    day: dt.date, folder: Path, *, known_hash: str | None, timeout: float
) -> Path:
    from frontline.sources.deepstate import LATE_PUBLICATION_HOURS, situation_date

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
    path = _retrieve(
        f"{DEEPSTATE_API_URL}/{ident}/geojson",
        folder / name,
        known_hash=known_hash,
        timeout=timeout,
    )
    final = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(LATE_PUBLICATION_HOURS + 6), dt.UTC
    )
    if dt.datetime.now(dt.UTC) >= final:
        _replace_text(marker, json.dumps({"file": name, "id": ident}))
    return path


def _deepstate_versions(
    folder: Path, *, timeout: float
) -> list[tuple[dt.datetime, str]]:
    """Read DeepState's list of map versions: (publication time UTC, id)."""
    url = f"{DEEPSTATE_API_URL}/public"
    text = _download_bytes(url, folder, timeout=timeout)
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


# ----------------------------------------------------------------------------
# ArcGIS REST layers (ISW/CTP and others)

#: Object ids asked for per ``objectIds=`` request (keeps query URLs short).
_ID_CHUNK: Final = 250
#: Records per page when a layer states no ``maxRecordCount``.
_DEFAULT_PAGE: Final = 1000
_LAYER_PATH: Final = re.compile(
    r"(?P<base>.*/(?P<service>[^/]+)/(?:FeatureServer|MapServer)/(?P<layer>\d+))"
    r"(?:/query)?/*",
    re.IGNORECASE,
)
_SERVICE_PATH: Final = re.compile(r".*/(?:FeatureServer|MapServer)/*", re.IGNORECASE)
_STAMP_NAME: Final = re.compile(r"_(\d{8}T\d{6}Z)\.geojson")
_LAYER_EXAMPLE: Final = (
    "https://services.arcgis.com/<org>/arcgis/rest/services/<service>/FeatureServer/0"
)


@dataclasses.dataclass(frozen=True)
class _ArcGISLayer:
    """A layer's normalised URL and what its metadata says."""

    url: str
    service: str
    layer_id: int
    name: str = ""
    oid_field: str = "OBJECTID"
    max_records: int | None = None
    paging: bool = False
    last_edit: dt.datetime | None = None


@dataclasses.dataclass
class _ArcGISClient:
    """Sends the queries of one download and counts them."""

    layer: _ArcGISLayer
    folder: Path
    timeout: float
    requests: int = 0

    def get(self, url: str, what: str) -> dict[str, Any]:
        self.requests += 1
        return _arcgis_json(
            _download_bytes(url, self.folder, timeout=self.timeout, advice="url"),
            url,
            what,
        )

    def query(self, params: dict[str, str], what: str) -> dict[str, Any]:
        from urllib.parse import urlencode

        return self.get(f"{self.layer.url}/query?{urlencode(params)}", what)

    def page(self, params: dict[str, str]) -> tuple[list[Any], bool]:
        """Query one page of GeoJSON features: (features, exceededTransferLimit)."""
        doc = self.query(params, "features")
        features = doc.get("features")
        if doc.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise UnsupportedFormatError(
                f"expected a GeoJSON FeatureCollection from {self.layer.url}/query "
                f"(f=geojson), got an object with keys {sorted(doc)[:8]}; the "
                "server may not support GeoJSON output"
            )
        props = doc.get("properties")
        exceeded = bool(doc.get("exceededTransferLimit")) or (
            isinstance(props, dict) and bool(props.get("exceededTransferLimit"))
        )
        return features, exceeded


@dataclasses.dataclass
class _Merge:
    """Pages merged into one list: repeated object ids and empty features out."""

    oid_field: str
    max_features: int
    where: str
    features: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    seen: set[str] = dataclasses.field(default_factory=set)
    received: int = 0
    duplicates: int = 0
    without_geometry: int = 0

    def add(self, page: list[Any], url: str) -> None:
        for feature in page:
            if not isinstance(feature, dict):
                raise UnsupportedFormatError(
                    f"{url} answered with a feature that is not a GeoJSON object "
                    f"({str(feature)[:60]!r}); expected GeoJSON features"
                )
            props = feature.get("properties")
            ident = feature.get("id")
            if ident is None and isinstance(props, dict):
                ident = props.get(self.oid_field)
            if ident is not None:
                key = str(ident)
                if key in self.seen:
                    self.duplicates += 1
                    continue
                self.seen.add(key)
            self.received += 1
            if self.received > self.max_features:
                raise _too_many(url, None, self)
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or not geometry.get("coordinates"):
                self.without_geometry += 1
                continue
            self.features.append(feature)


def _too_many(url: str, count: int | None, merge: _Merge) -> DownloadError:
    what = f"has {count:,} features" if count is not None else "sent more features"
    return DownloadError(
        f"the layer {url} {what} matching where={merge.where!r}, more than "
        f"max_features={merge.max_features:,}; pass a larger max_features= if you "
        "expect that many (or a narrower where=). Nothing was cached",
        url=url,
    )


def fetch_arcgis(
    url: str,
    *,
    where: str = "1=1",
    out_fields: str | Sequence[str] = "*",
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
    page_size: int | None = None,
    max_features: int = 200_000,
    refresh: bool = False,
) -> Path:
    """Download the current features of an ArcGIS REST polygon layer into the cache.

    Meant for ISW/CTP's control-of-terrain layers (read the file with
    ``frontline.read_control(path, source="isw")``), but any public
    ``FeatureServer`` or ``MapServer`` polygon layer works.

    Parameters
    ----------
    url : str
        The layer's REST address, ending in ``/FeatureServer/<n>`` or
        ``/MapServer/<n>``, e.g. ``https://services.arcgis.com/<org>/arcgis/
        rest/services/<service>/FeatureServer/0``. A trailing ``/query``, a
        query string or a fragment is dropped (use ``where=`` and
        ``out_fields=`` instead). ``https`` only (plain ``http`` only on the
        loopback interface).
    where : str, default "1=1"
        An SQL filter on the layer's fields; the default takes everything.
    out_fields : str or sequence of str, default "*"
        The attribute fields to keep: ``"*"`` (all), a comma-separated string
        or a list. The object id field is always added.
    cache_dir : str or path, optional
        See :func:`cache_location`. Files go to ``control/arcgis/``.
    timeout : float, default 30
        Seconds to wait for the connection and for each read of each request.
    page_size : int, optional
        Features per request. Default: the layer's ``maxRecordCount`` (1000 if
        it states none); a larger value is lowered to it.
    max_features : int, default 200000
        Refuse layers (or ``where`` selections) with more features.
    refresh : bool, default False
        Download the features again even if this version of the layer is
        cached.

    Returns
    -------
    pathlib.Path
        A GeoJSON FeatureCollection (EPSG:4326), cached as
        ``control/arcgis/<service>_<n>_<query key>_<YYYYMMDDTHHMMSSZ>.geojson``:
        the service name from the URL, the layer number, eight letters that
        identify the address, ``where`` and ``out_fields``, and the layer's
        last edit time (UTC), or the download time if the layer states none.
        Each feature keeps the layer's attributes and gets a ``layer``
        property with the layer's name (unless it has one), which is how the
        ISW reader tells the layers apart. A top-level ``"frontline"`` member
        records ``url``, ``service``, ``layer_id``, ``name``, ``where``,
        ``out_fields``, ``last_edit_date``, ``fetched_at`` (ISO 8601, UTC),
        ``feature_count``, ``duplicates_dropped`` and ``without_geometry``.

    Raises
    ------
    OptionError
        If ``url`` is not a layer address (see above) or not ``https``, or an
        option is invalid.
    DownloadError
        If a request fails (offline with nothing cached, HTTP error,
        timeout…; see :func:`fetch_file`), the server answers with an ArcGIS
        error (e.g. ``499 Token Required`` for a layer that is not public;
        ``status`` is the ArcGIS code), the layer has more than
        ``max_features`` features, or its feature count changed during the
        download. Nothing is cached then.
    UnsupportedFormatError
        If the layer is not a polygon layer, cannot answer queries in
        GeoJSON, or answers with something else than the ArcGIS REST API.

    See Also
    --------
    fetch_control : Control maps by date (DeepState).
    frontline.read_control : Read the file.

    Notes
    -----
    One request reads the layer's metadata (``<url>?f=json``): its name,
    ``maxRecordCount``, ``advancedQueryCapabilities.supportsPagination``,
    ``editingInfo.lastEditDate``, ``supportedQueryFormats`` (must include
    ``geoJSON``) and ``geometryType`` (must be ``esriGeometryPolygon``). If
    a file of the same last edit time, address and query is cached, it is
    returned without downloading the features. Otherwise one request counts
    the features (``returnCountOnly``), then pages of ``page_size`` are read
    in object id order (``resultOffset``/``resultRecordCount``) until a page
    is short and not flagged ``exceededTransferLimit``. A layer that cannot
    page and has more than ``maxRecordCount`` features is read by object id
    (``returnIdsOnly``, then ``objectIds=`` in chunks). Features repeated
    across pages (same object id) are dropped; features without geometry are
    left out (both are counted in the ``"frontline"`` member and logged).
    The merged file is written atomically, under a lock, like every
    download.

    Such layers show the current assessment only: there is no date
    parameter. Each new last edit time gives a new file, so the cache keeps
    the versions you fetched. The ISW reader takes the date from the file
    name, i.e. the UTC day of the layer's last edit, which need not be the
    day of the assessment it shows (a layer edited in the US evening carries
    the next UTC day; an edit may also be a correction): pass
    ``read_control(path, source="isw", date=...)`` with the assessment date.

    If the server cannot be reached (no connection, timeout) and a file of
    this address and query is cached, the newest one is returned and a
    warning is logged.
    """
    layer = _arcgis_layer(url)
    fields = _out_fields(out_fields)
    if not isinstance(where, str) or not where.strip():
        raise OptionError(
            f'where must be a non-empty SQL filter such as "1=1" (everything), '
            f"got {where!r}"
        )
    for name, value in (("page_size", page_size), ("max_features", max_features)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise OptionError(f"{name} must be a positive integer, got {value!r}")
    folder = cache_location(cache_dir) / "control" / "arcgis"
    prefix = (
        f"{_slug(layer.service)}_{layer.layer_id}_{_query_key(layer, where, fields)}"
    )
    meta_url = f"{layer.url}?f=json"
    try:
        body = _download_bytes(meta_url, folder, timeout=timeout, advice="url")
    except DownloadError as exc:
        cached = _newest_cached(folder, prefix) if exc.status is None else None
        if cached is None:
            raise
        log.warning(
            "cannot reach %s (%s); using the cached copy %s", layer.url, exc, cached
        )
        return cached
    layer = _layer_info(layer, _arcgis_json(body, meta_url, "layer metadata"))
    fetched = dt.datetime.now(dt.UTC).replace(microsecond=0)
    target = folder / f"{prefix}_{(layer.last_edit or fetched):%Y%m%dT%H%M%SZ}.geojson"
    with _download_lock(target, url=layer.url, timeout=timeout):
        if target.exists() and not refresh:
            log.info("ArcGIS layer %r unchanged: cached %s", layer.name, target.name)
            return target
        client = _ArcGISClient(layer, folder, timeout)
        merge = _arcgis_features(client, where, fields, page_size, max_features)
        doc = _feature_collection(layer, merge, where, fields, fetched)
        _replace_text(target, json.dumps(doc, ensure_ascii=False))
    log.info(
        "ArcGIS layer %r: %d features in %d requests (%d repeated, %d without "
        "geometry left out) -> %s",
        layer.name,
        len(merge.features),
        client.requests + 1,
        merge.duplicates,
        merge.without_geometry,
        target,
    )
    return target


def _arcgis_layer(url: Any) -> _ArcGISLayer:
    from urllib.parse import urlunsplit

    parts = urlsplit(url) if isinstance(url, str) else None
    match = _LAYER_PATH.fullmatch(parts.path) if parts is not None else None
    if parts is None or match is None or not parts.netloc:
        hint = ""
        if parts is not None and _SERVICE_PATH.fullmatch(parts.path):
            service = urlunsplit(parts._replace(query="", fragment=""))
            hint = (
                " This is a service address: append the number of the layer "
                f"(the service lists its layers at {service.rstrip('/')}?f=json)."
            )
        elif parts is not None and "arcgis.com" in parts.netloc.lower():
            hint = (
                " For a web map or an item page, open the layer in the map's "
                "legend or the item's details and copy its service URL."
            )
        raise OptionError(
            f"expected the REST address of an ArcGIS layer, ending in "
            f"/FeatureServer/<n> or /MapServer/<n> (e.g. {_LAYER_EXAMPLE!r}), got "
            f"{url!r}.{hint}"
        )
    if parts.query or parts.fragment:
        log.info("ignoring the query string of %s; use where= and out_fields=", url)
    base = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), match["base"], "", "")
    )
    _check_url(base, allow_http=False)
    return _ArcGISLayer(
        url=base, service=match["service"], layer_id=int(match["layer"])
    )


def _out_fields(out_fields: Any) -> str:
    if isinstance(out_fields, str):
        names = [f.strip() for f in out_fields.split(",")]
    elif isinstance(out_fields, (list, tuple)) and all(
        isinstance(f, str) for f in out_fields
    ):
        names = [f.strip() for f in out_fields]
    else:
        names = []
    if not names or not all(names):
        raise OptionError(
            f'out_fields must be "*" or field names (a comma-separated string or '
            f"a list of strings), got {out_fields!r}"
        )
    return ",".join(names)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:60] or "layer"


def _query_key(layer: _ArcGISLayer, where: str, fields: str) -> str:
    """Eight letters (no digit, so no date can be read into them) for a query."""
    import hashlib

    digest = hashlib.sha256(f"{layer.url}\n{where}\n{fields}".encode()).digest()
    return "".join(chr(ord("a") + b % 26) for b in digest[:8])


def _newest_cached(folder: Path, prefix: str) -> Path | None:
    found = []
    for path in folder.glob(f"{prefix}_*.geojson"):
        match = _STAMP_NAME.fullmatch(path.name, len(prefix))
        if match:
            found.append((match[1], path))
    return max(found)[1] if found else None


@contextlib.contextmanager
def _download_lock(target: Path, *, url: str, timeout: float) -> Iterator[None]:
    import filelock

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(f"{target}.lock", timeout=600.0 + timeout + LOCK_SLACK)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise _lock_timeout(target, lock, url) from exc
    try:
        yield
    finally:
        lock.release()


def _arcgis_json(body: bytes, url: str, what: str) -> dict[str, Any]:
    """Parse an ArcGIS answer; its ``{"error": …}`` (sent with HTTP 200) raises."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        error = doc["error"]
        code = error.get("code")
        details = [str(d) for d in error.get("details") or [] if d]
        hint = {
            498: "the token is invalid or expired; frontline reads public layers only",
            499: "the layer is not public; frontline reads public layers only. Use "
            "the address of a public layer or view",
            400: "check where= and out_fields= against the layer's fields",
            404: "check the layer address",
        }.get(code if isinstance(code, int) else 0, "check the address and options")
        raise DownloadError(
            f"the ArcGIS server refused the request for the {what} ({url}): error "
            f"{code}: {error.get('message')!r}"
            + (f" ({'; '.join(details)[:300]})" if details else "")
            + f"; {hint}. Nothing was cached",
            url=url,
            status=code if isinstance(code, int) else None,
        )
    if not isinstance(doc, dict):
        raise UnsupportedFormatError(
            f"expected a JSON object ({what}) from {url}, got {body[:80]!r}; is "
            "this the address of an ArcGIS REST layer?"
        )
    return doc


def _layer_info(layer: _ArcGISLayer, meta: dict[str, Any]) -> _ArcGISLayer:
    name = str(meta.get("name") or f"{layer.service} layer {layer.layer_id}")
    geometry = meta.get("geometryType")
    service = layer.url.rsplit("/", 1)[0]
    if geometry != "esriGeometryPolygon":
        raise UnsupportedFormatError(
            f"{layer.url} ({name!r}, {meta.get('type') or 'layer'}) has geometry "
            f"type {geometry!r}; expected 'esriGeometryPolygon' (control of "
            "terrain is polygons). Pick the polygon layer: the service lists its "
            f"layers at {service}?f=json"
        )
    formats = meta.get("supportedQueryFormats")
    if "geojson" not in {f.strip().lower() for f in str(formats or "").split(",")}:
        raise UnsupportedFormatError(
            f"{layer.url} ({name!r}) cannot answer queries in GeoJSON "
            f"(supportedQueryFormats: {formats!r}); frontline needs 'geoJSON' "
            "(ArcGIS Online, or ArcGIS Server 10.4 or later)"
        )
    capabilities = meta.get("capabilities")
    if isinstance(capabilities, str) and "query" not in capabilities.lower():
        raise UnsupportedFormatError(
            f"{layer.url} ({name!r}) does not allow queries (capabilities: "
            f"{capabilities!r}); frontline needs 'Query'"
        )
    oid = meta.get("objectIdField")
    if not isinstance(oid, str) or not oid:
        listed = meta.get("fields")
        fields = listed if isinstance(listed, list) else []
        oid = next(
            (
                str(f.get("name"))
                for f in fields
                if isinstance(f, dict) and f.get("type") == "esriFieldTypeOID"
            ),
            "OBJECTID",
        )
    records = meta.get("maxRecordCount")
    advanced = meta.get("advancedQueryCapabilities")
    editing = meta.get("editingInfo")
    edited = editing.get("lastEditDate") if isinstance(editing, dict) else None
    last_edit = None
    if isinstance(edited, (int, float)) and not isinstance(edited, bool):
        try:
            last_edit = dt.datetime.fromtimestamp(edited / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            log.info("%s: unreadable lastEditDate %r", layer.url, edited)
    return dataclasses.replace(
        layer,
        name=name,
        oid_field=oid,
        max_records=(
            records
            if isinstance(records, int)
            and not isinstance(records, bool)
            and records > 0
            else None
        ),
        paging=isinstance(advanced, dict)
        and advanced.get("supportsPagination") is True,
        last_edit=None if last_edit is None else last_edit.replace(microsecond=0),
    )


def _arcgis_features(
    client: _ArcGISClient,
    where: str,
    fields: str,
    page_size: int | None,
    max_features: int,
) -> _Merge:
    layer = client.layer
    if fields != "*" and layer.oid_field not in fields.split(","):
        fields = f"{layer.oid_field},{fields}"
    size = page_size or layer.max_records or _DEFAULT_PAGE
    if layer.max_records is not None and size > layer.max_records:
        log.info("page_size %d lowered to maxRecordCount %d", size, layer.max_records)
        size = layer.max_records
    merge = _Merge(layer.oid_field, max_features, where)
    counted = client.query(
        {"where": where, "returnCountOnly": "true", "f": "json"}, "feature count"
    ).get("count")
    count = (
        counted if isinstance(counted, int) and not isinstance(counted, bool) else None
    )
    if count is not None and count > max_features:
        raise _too_many(layer.url, count, merge)
    base = {
        "where": where,
        "outFields": fields,
        "outSR": "4326",
        "returnGeometry": "true",
        "f": "geojson",
    }
    if layer.paging:
        offset = 0
        while True:
            page, exceeded = client.page(
                {
                    **base,
                    "orderByFields": f"{layer.oid_field} ASC",
                    "resultOffset": str(offset),
                    "resultRecordCount": str(size),
                }
            )
            before = merge.received
            merge.add(page, layer.url)
            offset += len(page)
            # A page of repeats only: the server ignores the offset; stop (the
            # count check below then tells whether anything is missing).
            if merge.received == before or (len(page) < size and not exceeded):
                break
    else:
        single = count is not None and count <= (layer.max_records or size)
        page, exceeded = client.page(base) if single else ([], True)
        if exceeded:
            merge = _by_object_ids(client, base, size, merge)
        else:
            merge.add(page, layer.url)
    if count is not None and merge.received != count:
        raise DownloadError(
            f"the layer {layer.url} counted {count:,} features but sent "
            f"{merge.received:,} distinct ones; it may have changed during the "
            "download. Nothing was cached; try again",
            url=layer.url,
        )
    return merge


def _by_object_ids(
    client: _ArcGISClient, base: dict[str, str], size: int, merge: _Merge
) -> _Merge:
    """Read a layer that cannot page: its object ids, then features by id."""
    url = client.layer.url
    doc = client.query(
        {"where": base["where"], "returnIdsOnly": "true", "f": "json"}, "object ids"
    )
    ids = doc.get("objectIds") or []
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise UnsupportedFormatError(
            f"expected a list of integer objectIds from {url}/query "
            f"(returnIdsOnly), got {str(ids)[:80]!r}"
        )
    merge = _Merge(merge.oid_field, merge.max_features, merge.where)
    if len(ids) > merge.max_features:
        raise _too_many(url, len(ids), merge)
    ids = sorted(set(ids))
    chunk = min(size, _ID_CHUNK)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        page, _ = client.page({**base, "objectIds": ",".join(map(str, part))})
        merge.add(page, url)
    return merge


def _feature_collection(
    layer: _ArcGISLayer,
    merge: _Merge,
    where: str,
    fields: str,
    fetched: dt.datetime,
) -> dict[str, Any]:
    features = []
    kept_own = 0
    for feature in merge.features:
        props = feature.get("properties")
        props = dict(props) if isinstance(props, dict) else {}
        if "layer" in props:
            kept_own += 1
        else:
            props["layer"] = layer.name
        features.append({**feature, "properties": props})
    if kept_own:
        log.info("%s: %d features keep their own 'layer' property", layer.url, kept_own)

    def iso(when: dt.datetime | None) -> str | None:
        return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "type": "FeatureCollection",
        "frontline": {
            "url": layer.url,
            "service": layer.service,
            "layer_id": layer.layer_id,
            "name": layer.name,
            "where": where,
            "out_fields": fields,
            "last_edit_date": iso(layer.last_edit),
            "fetched_at": iso(fetched),
            "feature_count": len(features),
            "duplicates_dropped": merge.duplicates,
            "without_geometry": merge.without_geometry,
        },
        "features": features,
    }


# ----------------------------------------------------------------------------
# Boundary sets


@dataclasses.dataclass(frozen=True)
class BoundarySet:
    """A downloadable boundary set of Ukraine's 27 first-level units.

    Attributes
    ----------
    title : str
        What it is.
    urls : tuple of str
        Where to download it, tried in order (mirrors after the canonical
        address); every copy is verified against ``sha256``.
    sha256 : str
        The file's sha256.
    filename : str
        Its name in the cache's ``boundaries/`` folder.
    column : str
        The column that names the units.
    licence : str
        The licence, as stated by the source.
    attribution : str
        The credit the licence requires.
    provenance : str
        Where the file comes from.
    territorial_sea : bool
        Whether coastal units include the 12-nmi territorial sea (then
        clipped to land by default, see :func:`fetch_boundaries`).
    """

    title: str
    urls: tuple[str, ...]
    sha256: str
    filename: str
    column: str
    licence: str
    attribution: str
    provenance: str
    territorial_sea: bool = False


_GB_COMMIT: Final = "9469f09592ced973a3448cf66b6100b741b64c0d"
_GB_BASE: Final = (
    "https://media.githubusercontent.com/media/wmgeolab/geoBoundaries/"
    f"{_GB_COMMIT}/releaseData/gbOpen/UKR/ADM1"
)
_GB_MIRROR: Final = "https://raw.githubusercontent.com/zzmy78/maps"
_GB_LICENCE: Final = "ODbL 1.0 (Open Database License; attribution and share-alike)"
_GB_ATTRIBUTION: Final = (
    "geoBoundaries (www.geoboundaries.org; Runfola et al. 2020, PLOS ONE 15(4): "
    "e0231866); boundary data © OpenStreetMap contributors (via Wambacher)"
)
_GB_PROVENANCE: Final = (
    "geoBoundaries gbOpen UKR ADM1, boundary ID UKR-ADM1-14850775, boundary year "
    "2017, source OpenStreetMap via Wambacher; release commit 9469f09 of "
    "wmgeolab/geoBoundaries (mirror: zzmy78/maps)"
)

#: Registered boundary sets, by name: ``load_regions(..., boundaries=NAME)``.
BOUNDARY_SETS: dict[str, BoundarySet] = {
    "minregion-2020": BoundarySet(
        title="Minregion 2020 oblast polygons (27 units, land only)",
        urls=(
            "https://raw.githubusercontent.com/justinelliotmeyers/Ukraine_2020/"
            "3209590ce744c88114395a1e2df0fd439a7dc4f8/oblast.geojson",
        ),
        sha256="ca75e8a2a283a9f2a452137b01f16b43e4ceefeafd43c4fe6c4a9986579ef202",
        filename="minregion-2020-oblast.geojson",
        column="ADMIN_1",
        licence="CC BY-SA (Creative Commons Attribution-ShareAlike; version not "
        "stated by the source)",
        attribution="© Мінрегіон (Ministry for Communities and Territories "
        "Development of Ukraine), www.minregion.gov.ua",
        provenance="atu.decentralization.gov.ua, state after the July 2020 raion "
        "reform; oblast.geojson of justinelliotmeyers/Ukraine_2020 at commit "
        "3209590",
    ),
    "geoboundaries-adm1": BoundarySet(
        title="geoBoundaries UKR ADM1, full resolution (27 units)",
        urls=(
            f"{_GB_BASE}/geoBoundaries-UKR-ADM1.geojson",
            f"{_GB_MIRROR}/d0bda5a3123225bdfb2afffdcb8a44d05d8c20fb/"
            "geoBoundaries-UKR-ADM1.geojson",
        ),
        sha256="b2f9f4ad2e9be5888523219c0bb46a24332ead16b46305409098048fd361a2d6",
        filename="geoBoundaries-UKR-ADM1.geojson",
        column="shapeISO",
        licence=_GB_LICENCE,
        attribution=_GB_ATTRIBUTION,
        provenance=_GB_PROVENANCE,
        territorial_sea=True,
    ),
    "geoboundaries-adm1-simplified": BoundarySet(
        title="geoBoundaries UKR ADM1, simplified (27 units)",
        urls=(
            f"{_GB_BASE}/geoBoundaries-UKR-ADM1_simplified.geojson",
            f"{_GB_MIRROR}/c88664dc8d66f93a7d56c147083a51ff16bae294/"
            "geoBoundaries-UKR-ADM1_simplified.geojson",
        ),
        sha256="4a5947e7497574d51f93255dfa7e03dce0c7acf6ecee52d25773a5205854a399",
        filename="geoBoundaries-UKR-ADM1_simplified.geojson",
        column="shapeISO",
        licence=_GB_LICENCE,
        attribution=_GB_ATTRIBUTION,
        provenance=_GB_PROVENANCE,
        territorial_sea=True,
    ),
}


def _boundary_set(name: str) -> BoundarySet:
    if name not in BOUNDARY_SETS:
        raise RegionNotFoundError(
            f"unknown boundary set {name!r}; choose one of {list(BOUNDARY_SETS)}, or "
            "pass the path of a boundary file"
        )
    return BOUNDARY_SETS[name]


def _fetch_boundary_file(entry: BoundarySet, cache_dir: Path, timeout: float) -> Path:
    target = cache_dir / "boundaries" / entry.filename
    errors: list[DownloadError] = []
    for url in entry.urls:
        try:
            return _retrieve(url, target, known_hash=entry.sha256, timeout=timeout)
        except DownloadError as exc:
            log.info("boundary download from %s failed: %s", url, exc)
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    kind = (
        ChecksumError
        if all(isinstance(e, ChecksumError) for e in errors)
        else DownloadError
    )
    raise kind(
        f"could not download {entry.title} from any of its {len(errors)} "
        "addresses:\n  "
        + "\n  ".join(
            f"{url}: {exc}" for url, exc in zip(entry.urls, errors, strict=True)
        ),
        url=entry.urls[0],
        status=errors[-1].status,
    ) from errors[-1]


def fetch_boundaries(
    name: str,
    *,
    clip: Clip | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> gpd.GeoDataFrame:
    """Download a registered boundary set (once) and return it in frontline's schema.

    ==================================  ===========================================
    name                                set
    ==================================  ===========================================
    ``minregion-2020``                  Minregion 2020 oblast polygons, land only
                                        (CC BY-SA, © Мінрегіон); recommended
    ``geoboundaries-adm1``              geoBoundaries UKR ADM1, full (ODbL 1.0)
    ``geoboundaries-adm1-simplified``   geoBoundaries UKR ADM1, simplified
    ==================================  ===========================================

    geoBoundaries' coastal units include the 12-nmi territorial sea (+18 % for
    Kherson, +60 % for Crimea); they are clipped to land by default.

    Parameters
    ----------
    name : str
        A key of :data:`BOUNDARY_SETS`.
    clip : {"minregion", "natural-earth", "none"}, optional
        How to remove the territorial sea of sets that include it. Default
        ``"minregion"``: intersect with the union of the Minregion 2020
        polygons (downloaded too; the result is then also derived from
        CC BY-SA data). ``"natural-earth"``: intersect with the embedded
        Natural Earth outline (public domain) — coarse: it also cuts 1-3 %
        along land borders and drops the Dnipro and Southern Bug estuaries.
        ``"none"``: keep the sea. Sets without sea accept only the default.
    cache_dir : str or path, optional
        See :func:`cache_location`. Files go to ``boundaries/``.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema of :func:`frontline.load_regions` (names and official
        areas from the embedded table), EPSG:4326, one row per unit.
        ``attrs["boundary_source"]`` names the set, its licence and the
        attribution to show; ``attrs["boundary_set"]`` holds the same as a
        dict (``name``, ``urls``, ``sha256``, ``licence``, ``attribution``,
        ``clip``).

    Raises
    ------
    RegionNotFoundError
        For an unknown name.
    OptionError
        For an unknown ``clip``, or a clip on a land-only set.
    DownloadError
        If no address of the set can be downloaded (offline…).
    ChecksumError
        If the file differs from the registered sha256.
    """
    entry = _boundary_set(name)
    if clip is not None and clip not in get_args(Clip):
        raise OptionError(f"unknown clip {clip!r}; expected one of {get_args(Clip)}")
    if not entry.territorial_sea and clip not in (None, "none"):
        raise OptionError(
            f"boundary set {name!r} is land only; clip={clip!r} applies to sets "
            "that include the territorial sea "
            f"({[k for k, v in BOUNDARY_SETS.items() if v.territorial_sea]})"
        )
    how: Clip = (
        clip if clip is not None else ("minregion" if entry.territorial_sea else "none")
    )
    root = cache_location(cache_dir).resolve()
    return _boundaries(name, entry, how, str(root), timeout).copy()


@lru_cache(maxsize=8)
def _boundaries(
    name: str, entry: BoundarySet, clip: Clip, root: str, timeout: float
) -> gpd.GeoDataFrame:
    from frontline._io import read_vector
    from frontline.regions import BOUNDARY_SOURCE, _ukraine_outline, from_geodataframe

    path = _fetch_boundary_file(entry, Path(root), timeout)
    gdf = from_geodataframe(read_vector(path), column=entry.column)
    licences = [entry.licence]
    credits = [entry.attribution]
    note = ""
    if clip == "minregion":
        minregion = BOUNDARY_SETS["minregion-2020"]
        land = _boundaries("minregion-2020", minregion, "none", root, timeout)
        gdf = _clip_to(gdf, land.geometry.union_all())
        licences.append(minregion.licence)
        credits.append(minregion.attribution)
        note = "; territorial sea removed by clipping to the Minregion 2020 outline"
    elif clip == "natural-earth":
        gdf = _clip_to(gdf, _ukraine_outline())
        note = f"; territorial sea removed by clipping to {BOUNDARY_SOURCE}"
    elif entry.territorial_sea:
        note = "; includes the 12-nmi territorial sea (not clipped)"
    gdf.attrs["boundary_source"] = (
        f"{entry.title} [{name}]{note}. Licence: {'; '.join(licences)}. "
        f"Attribution: {'; '.join(credits)}"
    )
    gdf.attrs["boundary_set"] = {
        "name": name,
        "title": entry.title,
        "urls": list(entry.urls),
        "sha256": entry.sha256,
        "licence": entry.licence,
        "attribution": entry.attribution,
        "provenance": entry.provenance,
        "clip": clip,
    }
    return gdf


def _clip_to(gdf: gpd.GeoDataFrame, outline: Geometry) -> gpd.GeoDataFrame:
    import numpy as np

    import shapely

    clipped = shapely.intersection(np.asarray(gdf.geometry.values), outline)
    polygonal = []
    for geom in clipped:
        parts = shapely.get_parts(geom)
        keep = parts[shapely.get_type_id(parts) == 3]  # polygons only
        polygonal.append(shapely.multipolygons(keep) if len(keep) else None)
    out = gdf.copy()
    out["geometry"] = polygonal
    return out


# ----------------------------------------------------------------------------
# Any boundary specification

_ISO_COLUMNS: Final = ("region_id", "shapeISO", "iso_3166_2", "ISO_3166_2", "iso")
#: A column with more distinct values than this cannot name first-level units.
_MAX_DISTINCT: Final = 200


def read_boundaries(
    path: str | os.PathLike[str], *, column: str | None = None
) -> gpd.GeoDataFrame:
    """Read any boundary file of Ukraine's units into frontline's schema.

    Each feature is resolved to a region id through the alias table (ISO
    3166-2 ids, English names and older transliterations, Ukrainian and
    Russian names, with or without "Oblast"; see
    :func:`frontline.resolve_region`). Several features of one unit are
    dissolved into one.

    Parameters
    ----------
    path : str or path
        Any vector file :func:`frontline.read_control` reads (GeoJSON,
        GeoPackage, Shapefile, KML/KMZ …), in any CRS.
    column : str, optional
        The column that names the units. Default: the first column whose
        values all resolve, trying ISO-code columns (``region_id``,
        ``shapeISO``, ``iso_3166_2`` …) first, then the others in file order.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema of :func:`frontline.load_regions`;
        ``attrs["boundary_source"]`` names the file and the column used.

    Raises
    ------
    InputFileNotFoundError
        If the file does not exist.
    RegionNotFoundError
        If some features resolve to no unit in any column; the message names
        them (feature number and value) for the column that resolves most.
    OptionError
        If the layer has no attribute column, or ``column`` is not in it.
    """
    from frontline._io import read_vector
    from frontline.regions import from_geodataframe

    file = Path(path)
    if not file.exists():
        raise InputFileNotFoundError(
            f"boundary file {str(file)!r} does not exist, and {str(path)!r} is not "
            f"a registered boundary set ({', '.join(BOUNDARY_SETS)}); check the "
            f"path (current directory: {Path.cwd()})"
        )
    raw = read_vector(file)
    name = column if column is not None else _unit_column(raw, file)
    if name not in raw.columns:
        raise OptionError(
            f"column {name!r} not found in {file.name}; it has "
            f"{[c for c in raw.columns if c != raw.geometry.name]}"
        )
    _check_resolves(raw, name, file)
    return from_geodataframe(
        raw,
        column=name,
        source=f"{file.name} (user-supplied boundary file; units from column {name!r})",
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _resolves(value: Any) -> bool:
    from frontline.regions import resolve_region

    if _missing(value):
        return False
    try:
        resolve_region(str(value))
    except RegionNotFoundError:
        return False
    return True


def _unresolved(raw: gpd.GeoDataFrame, column: str) -> list[tuple[int, Any]]:
    values = raw[column].tolist()
    verdict = {str(v): _resolves(v) for v in set(map(str, values))}
    return [(i, v) for i, v in enumerate(values) if _missing(v) or not verdict[str(v)]]


def _unit_column(raw: gpd.GeoDataFrame, file: Path) -> str:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if not columns:
        raise OptionError(
            f"{file.name} has no attribute column to tell which unit each feature "
            "is; add one with the unit names or ISO 3166-2 ids (e.g. 'UA-14')"
        )
    iso = [c for c in columns if c in _ISO_COLUMNS or "iso" in str(c).lower()]
    ordered = iso + [c for c in columns if c not in iso]
    best: tuple[int, str, list[tuple[int, Any]]] | None = None
    for col in ordered:
        if raw[col].astype(str).nunique() > _MAX_DISTINCT:
            continue
        bad = _unresolved(raw, col)
        if not bad:
            return str(col)
        good = len(raw) - len(bad)
        if best is None or good > best[0]:
            best = (good, str(col), bad)
    if best is None or best[0] == 0:
        raise RegionNotFoundError(
            f"no column of {file.name} names Ukrainian units (columns: {columns}); "
            "expected names or ISO 3166-2 ids such as 'Donetsk', 'Донецька "
            "область' or 'UA-14'. Pass column=... or fix the file"
        )
    _raise_unresolved(file, best[1], best[2], len(raw))
    raise AssertionError("unreachable")  # pragma: no cover


def _check_resolves(raw: gpd.GeoDataFrame, column: str, file: Path) -> None:
    bad = _unresolved(raw, column)
    if bad:
        _raise_unresolved(file, column, bad, len(raw))


def _raise_unresolved(
    file: Path, column: str, bad: list[tuple[int, Any]], total: int
) -> None:
    shown = ", ".join(f"feature {i} {v!r}" for i, v in bad[:10])
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    raise RegionNotFoundError(
        f"{file.name}: {len(bad)} of {total} features do not resolve to a Ukrainian "
        f"unit through column {column!r}: {shown}{more}. Fix or drop those "
        "features, or pass column=...; names resolve in English, Ukrainian or "
        "Russian, or as ISO 3166-2 ids (run `frontline regions` to list them)"
    )


def resolve_boundaries(
    spec: gpd.GeoDataFrame | str | os.PathLike[str] | None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Turn any boundary specification into a boundary GeoDataFrame.

    Parameters
    ----------
    spec : None, GeoDataFrame, str or path
        ``None``: the embedded Natural Earth units. A GeoDataFrame: returned
        as it is (it must follow :func:`frontline.regions.from_geodataframe`).
        A key of :data:`BOUNDARY_SETS`: downloaded once, see
        :func:`fetch_boundaries`. Anything else: the path of a boundary file,
        see :func:`read_boundaries`.
    cache_dir : str or path, optional
        See :func:`cache_location`.

    Returns
    -------
    geopandas.GeoDataFrame
        Boundaries with ``region_id``; ``attrs["boundary_source"]`` says
        where they come from.

    Raises
    ------
    OptionError
        If ``spec`` is of another type.
    InputFileNotFoundError, RegionNotFoundError, DownloadError
        From :func:`read_boundaries` and :func:`fetch_boundaries`.

    Examples
    --------
    >>> resolve_boundaries(None).attrs["boundary_source"][:22]
    'Natural Earth 10m admi'
    """
    import geopandas as gpd

    from frontline.regions import BOUNDARY_SOURCE, _embedded

    if spec is None:
        out = _embedded().copy()
        out.attrs["boundary_source"] = BOUNDARY_SOURCE
        return out
    if isinstance(spec, gpd.GeoDataFrame):
        return spec
    if isinstance(spec, str) and spec in BOUNDARY_SETS:
        return fetch_boundaries(spec, cache_dir=cache_dir)
    if isinstance(spec, (str, os.PathLike)):
        return _read_boundaries_cached(Path(spec)).copy()
    raise OptionError(
        "boundaries must be None, a GeoDataFrame, the name of a boundary set "
        f"({', '.join(BOUNDARY_SETS)}) or a file path; got {type(spec).__name__}"
    )


def _read_boundaries_cached(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        return read_boundaries(path)  # raises the documented error
    stat = path.stat()
    return _read_boundaries_key(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_boundaries_key(path: str, mtime_ns: int, size: int) -> gpd.GeoDataFrame:
    return read_boundaries(path)
