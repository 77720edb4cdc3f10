"""Downloads: a cache, verified and locked, under one network policy.

Everything frontline downloads goes through :func:`fetch_file` (or
:func:`retrieve`, its form for callers that name the target). Files are
stored in a cache directory (``FRONTLINE_CACHE_DIR``, else the platform's
cache folder, e.g. ``~/.cache/frontline`` on Linux), verified by sha256 where
it is known, written atomically (a temporary file in the cache folder,
verified, then renamed: the cache never holds a partial or wrong file), and
under a lock per file so that two processes fetching the same file at once do
not corrupt it. Downloads use `requests` for HTTP, `filelock` for the lock
and `pooch <https://www.fatiando.org/pooch>`_ for the cache's location.

Network policy:

* Only ``https`` URLs, except on the loopback interface (``localhost``,
  ``127.0.0.0/8``, ``::1``: tests) or with ``allow_http=True``.
* Redirects are followed on the same host only; a redirect to another host is
  refused unless that host is listed in ``allow_redirect_hosts``, and a
  redirect to plain ``http`` is refused like an ``http`` URL.
* Every request has a timeout (no byte for ``timeout`` seconds) and every
  transfer a deadline and a size cap; a transfer shorter than its
  ``Content-Length`` is an error.
* Failures raise :class:`~frontline.DownloadError` (also a
  :class:`ConnectionError`); a wrong sha256 raises
  :class:`~frontline.ChecksumError` (also a :class:`ValueError`). Offline,
  files already in the cache are still served.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import ipaddress
import logging
import math
import os
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urljoin, urlsplit

from frontline import _validate
from frontline._io import atomic_write
from frontline._messages import quote
from frontline.errors import ChecksumError, DownloadError, OptionError, OutputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests


__all__ = [
    "CACHE_ENV",
    "LOCK_SLACK",
    "MAX_BYTES",
    "MAX_BYTES_ENV",
    "cache_location",
    "check_url",
    "download_bytes",
    "download_lock",
    "fetch_file",
    "file_sha256",
    "lock_path",
    "make_folder",
    "max_bytes",
    "retrieve",
    "sha256_of",
    "sweep_partial",
    "url_allowed",
]

log = logging.getLogger(__name__)

#: Environment variable that overrides the cache directory.
CACHE_ENV: Final = "FRONTLINE_CACHE_DIR"
#: Largest download accepted by default (bytes).
MAX_BYTES: Final = 512 * 2**20
#: Environment variable that overrides it, in megabytes.
MAX_BYTES_ENV: Final = "FRONTLINE_MAX_DOWNLOAD_MB"
#: Seconds a process waits for another one's download beyond its own deadline.
LOCK_SLACK = 30.0
#: Redirects followed at most per download.
MAX_REDIRECTS: Final = 5


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
        return _validate.path(cache_dir, "cache_dir", role="folder").expanduser()
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
        :data:`MAX_BYTES` (or ``FRONTLINE_MAX_DOWNLOAD_MB``), or redirects
        to another host or to plain http.
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
    return retrieve(
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


def url_allowed(url: str, allow_http: bool = False) -> bool:
    """Tell whether the network policy lets frontline download ``url``."""
    return _scheme_allowed(url, allow_http) and bool(urlsplit(url).hostname)


def check_url(url: str, allow_http: bool) -> None:
    if not _scheme_allowed(url, allow_http):
        raise OptionError(
            f"refusing to download {url!r}: only https URLs are followed (plain "
            "http only on localhost); use the https address, or pass "
            "allow_http=True if you trust the network"
        )


def _normalise_hash(known_hash: str | None) -> str | None:
    """Return the sha256 as 64 lower-case hex digits (``sha256:`` dropped)."""
    if known_hash is None:
        return None
    value = known_hash.strip().lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise OptionError(
            f"known_hash must be a sha256 (64 hex digits, optionally prefixed "
            f"'sha256:'), got {known_hash!r}"
        )
    return value


def sha256_of(path: Path) -> str:
    """Return the sha256 (hex) of a file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """Return the sha256 of a file, remembered while its size and time stay the same.

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    info = path.stat()
    return _file_sha256(str(path.absolute()), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=8192)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))


def max_bytes() -> int:
    """Return the largest download accepted (``FRONTLINE_MAX_DOWNLOAD_MB``)."""
    text = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not text:
        return MAX_BYTES
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise OptionError(
            f"{MAX_BYTES_ENV}={text!r} is not a positive number of megabytes; set "
            f"it to e.g. 2048, or unset it for the default ({MAX_BYTES >> 20})"
        )
    return int(value * 2**20)


def make_folder(folder: Path, what: str = "cache") -> Path:
    """Create ``folder`` (and parents) or raise an :class:`OutputError` saying why."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        hint = (
            f"set {CACHE_ENV} to a folder you can write to"
            if what == "cache"
            else "choose a folder you can write to"
        )
        raise OutputError(
            f"cannot use {str(folder)!r} as the {what} folder "
            f"({exc.strerror or type(exc).__name__}); {hint}"
        ) from exc
    return folder


def retrieve(
    url: str,
    target: Path,
    *,
    known_hash: str | None,
    allow_http: bool = False,
    redirect_hosts: Iterable[str] = (),
    timeout: float = 30.0,
    deadline: float = 600.0,
    advice: Literal["options", "fetch_file", "url"] = "fetch_file",
    lock_dir: Path | None = None,
    refresh: bool = False,
) -> Path:
    """Download ``url`` to ``target`` under a lock, verified, atomically.

    A file already at ``target`` is used as it is when no hash is known, and
    when its sha256 is ``known_hash``; otherwise (or with ``refresh``) it is
    downloaded again. The lock file sits beside ``target``, or in
    ``lock_dir`` when given (so that a user's folder gets no lock files).
    Under the lock, temporary files of ``target`` left by a process that was
    killed while writing it are removed.
    """
    import filelock

    check_url(url, allow_http)
    expected = _normalise_hash(known_hash)
    downloader = _Downloader(
        allow_http=allow_http,
        redirect_hosts=frozenset(h.lower() for h in redirect_hosts),
        timeout=timeout,
        deadline=deadline,
        max_bytes=max_bytes(),
        advice=advice,
    )
    make_folder(target.parent, "cache" if lock_dir is None else "output")
    lock = filelock.FileLock(
        lock_path(target, lock_dir), timeout=deadline + timeout + LOCK_SLACK
    )
    try:
        with lock:
            sweep_partial(target)
            if (
                not refresh
                and target.is_file()
                and (expected is None or sha256_of(target) == expected)
            ):
                log.debug("cache hit %s -> %s", url, target)
                return target
            with atomic_write(target, "wb", what="download") as out:
                digest = downloader.download(url, out)
                if expected is not None and digest != expected:
                    raise ChecksumError(
                        f"the file downloaded from {url} is not the expected one: "
                        f"its sha256 is {digest}, expected {expected}. Nothing was "
                        "cached. The source may have changed the file, or the "
                        "transfer was tampered with; do not use it without checking",
                        url=url,
                    )
    except filelock.Timeout as exc:
        raise _lock_timeout(target, lock, url) from exc
    log.debug("downloaded %s -> %s", url, target)
    return target


def lock_path(target: Path, lock_dir: Path | None = None) -> str:
    """Return the lock file of a download: beside ``target``, or in ``lock_dir``."""
    if lock_dir is None:
        return f"{target}.lock"
    make_folder(lock_dir)
    key = hashlib.sha256(str(target.resolve()).encode("utf-8")).hexdigest()[:16]
    return str(lock_dir / f"{key}.{target.name[-100:]}.lock")


#: Temporary files of the atomic writer (frontline._io.atomic_path).
_PARTIAL: Final = re.compile(r"\.~[0-9a-f]{8}\.(?P<name>.+)")


def sweep_partial(target: Path) -> int:
    """Remove temporary files of ``target`` left by a killed download.

    Call it holding ``target``'s lock: any other process writing ``target``
    would hold it, so a temporary file of ``target`` found then belongs to a
    process that died (a lock held through ``fcntl`` is released when its
    process dies, even on SIGKILL). Returns the number removed.
    """
    removed = 0
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _PARTIAL.fullmatch(entry.name)
        if match is not None and match["name"] == target.name[-200:]:
            with contextlib.suppress(OSError):
                entry.unlink()
                removed += 1
                log.info("removed %s, left by an interrupted download", entry.name)
    return removed


@dataclasses.dataclass(frozen=True)
class _Downloader:
    """Downloads one URL under frontline's network policy."""

    allow_http: bool
    redirect_hosts: frozenset[str]
    timeout: float
    deadline: float
    max_bytes: int
    #: How the caller can allow a redirect or wait longer: "options" (it has
    #: allow_redirect_hosts= and deadline=, like fetch_file), "fetch_file"
    #: (it has not; fetch_file has), "url" (pass the final address instead).
    advice: Literal["options", "fetch_file", "url"] = "options"

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        _validate.number(
            self.deadline, "deadline", low=0, low_open=True, unit="seconds"
        )

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

    def download(self, url: str, out: IO[bytes]) -> str:
        """Write the body of ``url`` to ``out``; return its sha256 (hex)."""
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
                    return self._save(response, out, url, start)
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
                current,
                stream=True,
                timeout=None if math.isinf(self.timeout) else self.timeout,
                allow_redirects=False,
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
                f"cannot connect to {host} to download {quote(url, 80)} "
                f"({_short(exc, 80)}); are you offline? Check the connection; files "
                "already in the cache are used without one",
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
        self, response: requests.Response, out: IO[bytes], url: str, start: float
    ) -> str:

        announced = response.headers.get("Content-Length")
        expected = int(announced) if announced and announced.isdigit() else None
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        if expected is not None and not encoded and expected > self.max_bytes:
            raise DownloadError(
                f"{url} announces {expected:,} bytes, more than the limit of "
                f"{self.max_bytes:,}; set FRONTLINE_MAX_DOWNLOAD_MB (megabytes) "
                "if you expect such a file",
                url=url,
            )
        written = 0
        digest = hashlib.sha256()
        for chunk in _chunks(response, url, expected):
            written += len(chunk)
            if written > self.max_bytes:
                raise DownloadError(
                    f"{url} sent more than {self.max_bytes:,} bytes; stopped. "
                    "Set FRONTLINE_MAX_DOWNLOAD_MB (megabytes) if you expect such "
                    "a file. "
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
            digest.update(chunk)
        if expected is not None and not encoded and written != expected:
            raise DownloadError(
                f"truncated download: {url} announced {expected:,} bytes and sent "
                f"{written:,}. Nothing was cached; try again",
                url=url,
            )
        return digest.hexdigest()


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


def _short(exc: BaseException, limit: int = 100) -> str:
    """Return the innermost reason of a requests/urllib3 error, on one line.

    ``HTTPSConnectionPool(...): Max retries exceeded ... (Caused by
    NewConnectionError(...))`` becomes ``Failed to establish a new
    connection: [Errno -2] Name or service not known``.
    """
    reason: BaseException = exc
    for _ in range(6):
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException) and reason.args:
            inner = reason.args[0]
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    text = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
    text = re.sub(r"^(<[^>]*>|\w+\([^)]*\)): ", "", text)  # the connection's repr
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_timeout(timeout: object) -> float:
    """Check a ``timeout=`` option: seconds, positive and not NaN (inf: no limit).

    Raises
    ------
    ArgumentTypeError, OptionError
        For a value that is not a number, or not positive.
    """
    if _validate.is_number(timeout) and timeout == float("inf"):
        return float("inf")
    return _validate.number(
        timeout, "timeout", low=0, low_open=True, unit="seconds", example="30"
    )


@lru_cache(maxsize=1)
def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("frontline")
    except PackageNotFoundError:  # pragma: no cover - source checkout
        release = "unknown"
    return f"frontline/{release} (+https://github.com/frontline-dev/frontline)"


def download_bytes(
    url: str,
    *,
    timeout: float,
    deadline: float = 600.0,
    advice: Literal["options", "fetch_file", "url"] = "fetch_file",
) -> bytes:
    """GET ``url`` under the network policy and return its body.

    For answers read once and not cached as they are (lists, metadata, pages).
    """
    check_url(url, allow_http=False)
    downloader = _Downloader(
        allow_http=False,
        redirect_hosts=frozenset(),
        timeout=timeout,
        deadline=deadline,
        max_bytes=max_bytes(),
        advice=advice,
    )
    buffer = io.BytesIO()
    downloader.download(url, buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def download_lock(
    target: Path, *, url: str, timeout: float, lock_dir: Path | None = None
) -> Iterator[None]:
    import filelock

    check_timeout(timeout)
    make_folder(target.parent, "cache" if lock_dir is None else "output")
    lock = filelock.FileLock(
        lock_path(target, lock_dir), timeout=600.0 + timeout + LOCK_SLACK
    )
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise _lock_timeout(target, lock, url) from exc
    try:
        yield
    finally:
        lock.release()
