"""Downloads and the cache, against a local HTTP server that injects faults.

Nothing here touches the internet: every URL is on 127.0.0.1 (or localhost,
to play "another host"), served by a server the test starts on a random port.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import _http, fetch
from frontline.errors import (
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
    UnsupportedFormatError,
)
from frontline.fetch import (
    ChecksumError,
    DownloadError,
    SnapshotNotFoundError,
    fetch_boundaries,
    fetch_control,
    fetch_file,
    resolve_boundaries,
)

from .conftest import shared_file

if TYPE_CHECKING:
    from collections.abc import Callable


# ----------------------------------------------------------------------------
# The local server


class LocalServer:
    """http.server in a thread on 127.0.0.1; routes are path -> handler."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.hits: Counter[str] = Counter()
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.hits[path] += 1
                route = server.routes.get(path, lambda h: send(h, b"nope", 404))
                try:
                    route(self)
                except OSError:  # the client hung up: expected in fault tests
                    pass

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes) -> str:
        self.routes[path] = lambda h: send(h, body)
        return self.url(path)

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def send(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    status: int = 200,
    *,
    length: int | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with ``body``; ``length`` overrides Content-Length (-1: none)."""
    handler.send_response(status)
    if length != -1:
        handler.send_header(
            "Content-Length", str(len(body) if length is None else length)
        )
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def redirect(
    location: str, status: int = 302
) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda h: send(h, b"", status, headers={"Location": location})


@pytest.fixture
def server():
    srv = LocalServer()
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory, set through FRONTLINE_CACHE_DIR."""
    path = tmp_path / "cache"
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(path))
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_files(root: Path) -> list[str]:
    """Everything in the cache except lock files: data and temporary files."""
    if not root.exists():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".lock")
    )


BODY = os.urandom(40_000)


# ----------------------------------------------------------------------------
# Cache location


def test_cache_dir_from_environment_argument_and_platform(monkeypatch, tmp_path):
    import pooch

    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "env"))
    assert fetch.cache_location() == tmp_path / "env"
    assert fetch.cache_location(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("FRONTLINE_CACHE_DIR")
    assert fetch.cache_location() == pooch.os_cache("frontline")


# ----------------------------------------------------------------------------
# Downloads: success, cache hits, faults


def test_download_is_cached_and_second_call_makes_no_request(server, cache):
    url = server.serve("/f.bin", BODY)
    first = fetch_file(url, known_hash=sha(BODY))
    assert first.read_bytes() == BODY
    assert first.parent == cache / "files"
    second = fetch_file(url, known_hash=f"sha256:{sha(BODY)}")
    assert second == first
    assert server.hits["/f.bin"] == 1
    # Without a known hash the cached file is reused as well.
    fetch_file(url, fname=first.name)
    assert server.hits["/f.bin"] == 1
    assert data_files(cache) == [f"files/{first.name}"]


def test_cached_file_is_served_offline(server, cache):
    url = server.serve("/f.bin", BODY)
    path = fetch_file(url, known_hash=sha(BODY))
    server.close()
    assert fetch_file(url, known_hash=sha(BODY)) == path


def test_checksum_mismatch_raises_and_caches_nothing(server, cache):
    url = server.serve("/f.bin", BODY)
    with pytest.raises(
        ChecksumError, match=r"is not the expected one.*Nothing was cached"
    ):
        fetch_file(url, known_hash=sha(b"another file"))
    assert data_files(cache) == []


def test_checksum_error_is_value_and_connection_error():
    assert issubclass(ChecksumError, ValueError)
    assert issubclass(ChecksumError, DownloadError)
    assert issubclass(DownloadError, ConnectionError)
    assert issubclass(DownloadError, OSError)
    assert issubclass(DownloadError, fl.FrontlineError)


def test_wrong_file_in_cache_is_downloaded_again(server, cache):
    url = server.serve("/f.bin", BODY)
    target = cache / "files" / "f.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"corrupt")
    assert fetch_file(url, known_hash=sha(BODY), fname="f.bin").read_bytes() == BODY
    assert server.hits["/f.bin"] == 1


def test_truncated_transfer_raises_and_caches_nothing(server, cache):
    server.routes["/short"] = lambda h: send(h, BODY[:1000], length=len(BODY))
    with pytest.raises(DownloadError, match=r"broke off after|truncated download"):
        fetch_file(server.url("/short"))
    assert data_files(cache) == []


@pytest.mark.parametrize("status", [404, 500, 503])
def test_http_errors(server, cache, status):
    server.routes["/err"] = lambda h: send(h, b"server says no", status)
    with pytest.raises(
        DownloadError, match=rf"HTTP {status} .*Nothing was cached"
    ) as info:
        fetch_file(server.url("/err"))
    assert info.value.status == status
    assert data_files(cache) == []


def test_unexpected_success_status_is_an_error(server, cache):
    server.routes["/partial"] = lambda h: send(h, BODY[:10], 206)
    with pytest.raises(DownloadError, match="unexpected HTTP 206"):
        fetch_file(server.url("/partial"))
    assert data_files(cache) == []


def test_slow_server_times_out_in_bounded_time(server, cache):
    def stall(h):
        server.stopping.wait(10)
        send(h, BODY)

    server.routes["/slow"] = stall
    start = time.monotonic()
    with pytest.raises(
        DownloadError, match=r"no answer from 127\.0\.0\.1 within 0\.3 s"
    ):
        fetch_file(server.url("/slow"), timeout=0.3)
    assert time.monotonic() - start < 3
    assert data_files(cache) == []


def test_trickling_server_hits_the_deadline(server, cache):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(BODY)))
        h.end_headers()
        for i in range(0, len(BODY), 100):
            if server.stopping.wait(0.05):
                return
            h.wfile.write(BODY[i : i + 100])
            h.wfile.flush()

    server.routes["/trickle"] = trickle
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"took more than 0\.5 s"):
        fetch_file(server.url("/trickle"), timeout=2, deadline=0.5)
    assert time.monotonic() - start < 3
    assert data_files(cache) == []


@pytest.mark.parametrize(
    ("length", "message"),
    [(None, "announces 40,000 bytes, more than the limit"), (-1, "sent more than")],
)
def test_oversized_download_is_stopped(server, cache, monkeypatch, length, message):
    monkeypatch.setenv("FRONTLINE_MAX_DOWNLOAD_MB", str(1000 / 2**20))  # 1,000 bytes
    server.routes["/big"] = lambda h: send(h, BODY, length=length)
    with pytest.raises(DownloadError, match=message):
        fetch_file(server.url("/big"))
    assert data_files(cache) == []


def test_redirect_on_the_same_host_is_followed(server, cache):
    server.serve("/b", BODY)
    server.routes["/a"] = redirect("/b", 301)
    assert fetch_file(server.url("/a")).read_bytes() == BODY
    assert (server.hits["/a"], server.hits["/b"]) == (1, 1)


def test_redirect_to_another_host_is_refused(server, cache):
    server.serve("/b", BODY)
    server.routes["/a"] = redirect(server.url("/b", host="localhost"))
    with pytest.raises(
        DownloadError, match=r"refusing the redirect .* another host, 'localhost'"
    ):
        fetch_file(server.url("/a"))
    assert server.hits["/b"] == 0
    assert data_files(cache) == []
    # ... unless that host is allowed explicitly.
    path = fetch_file(server.url("/a"), allow_redirect_hosts=["LOCALHOST"])
    assert path.read_bytes() == BODY


def test_redirect_to_plain_http_elsewhere_is_refused(server, cache):
    server.routes["/a"] = redirect("http://example.com/b")
    with pytest.raises(DownloadError, match=r"redirect .* to plain http"):
        fetch_file(server.url("/a"), allow_redirect_hosts=["example.com"])


def test_redirect_loop_is_bounded(server, cache):
    server.routes["/a"] = redirect("/a")
    with pytest.raises(DownloadError, match="more than 5 redirects"):
        fetch_file(server.url("/a"))
    assert server.hits["/a"] == 6


@pytest.mark.parametrize(
    "url", ["http://example.com/x.geojson", "ftp://127.0.0.1/x", "file:///etc/passwd"]
)
def test_only_https_outside_localhost(cache, url):
    with pytest.raises(OptionError, match="only https URLs are followed"):
        fetch_file(url)
    assert data_files(cache) == []


def test_offline_gives_a_clear_connection_error(cache):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(
        DownloadError, match=r"cannot connect to 127.0.0.1 .* are you offline"
    ):
        fetch_file(f"http://127.0.0.1:{port}/x.geojson")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"known_hash": "md5:abc"}, "known_hash must be a sha256"),
        ({"fname": "../escape"}, "fname must be a plain file name"),
    ],
)
def test_bad_arguments(server, cache, kwargs, message):
    with pytest.raises(OptionError, match=message):
        fetch_file(server.url("/f.bin"), **kwargs)
    assert server.hits["/f.bin"] == 0


def test_waits_for_another_process_lock_then_gives_up(server, cache, monkeypatch):
    import filelock

    url = server.serve("/f.bin", BODY)
    monkeypatch.setattr(_http, "LOCK_SLACK", 0.0)
    target = cache / "files" / "f.bin"
    target.parent.mkdir(parents=True)
    with (
        filelock.FileLock(f"{target}.lock"),
        pytest.raises(
            DownloadError, match=r"another process has been downloading f.bin"
        ),
    ):
        fetch_file(url, fname="f.bin", timeout=0.1, deadline=0.1)
    assert server.hits["/f.bin"] == 0


_CHILD = """
import sys, time
from frontline.fetch import fetch_file
start = float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
print(fetch_file(sys.argv[1], known_hash=sys.argv[2]))
"""


@pytest.mark.slow
def test_two_processes_fetching_at_once_download_once(server, cache):
    def slow(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(BODY)))
        h.end_headers()
        h.wfile.write(BODY[:100])
        h.wfile.flush()
        server.stopping.wait(1.0)  # both processes are inside fetch_file now
        h.wfile.write(BODY[100:])

    server.routes["/shared.bin"] = slow
    start = time.time() + 2.5  # both children have imported frontline by then
    env = {**os.environ, "FRONTLINE_CACHE_DIR": str(cache)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CHILD,
                server.url("/shared.bin"),
                sha(BODY),
                str(start),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    paths = {out.strip() for out, _ in results}
    assert len(paths) == 1
    (path,) = paths
    assert Path(path).read_bytes() == BODY
    # The lock made the second process wait and reuse the first one's file.
    assert server.hits["/shared.bin"] == 1
    assert data_files(cache) == [f"files/{Path(path).name}"]


# ----------------------------------------------------------------------------
# Control maps


def _union_env(monkeypatch, server) -> str:
    """Point FRONTLINE_DEEPSTATE_UNION_URL at the local server; return its base."""
    base = server.url("/repo")
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_UNION_URL", base)
    return base


def _pinned(name: str) -> str:
    with (
        files("frontline")
        .joinpath("data", "deepstate_union_manifest.csv")
        .open(encoding="utf-8") as f
    ):
        row = next(r for r in csv.DictReader(f) if r["file"] == name)
    return f"/repo/{row['commit']}/data/{name}"


def test_fetch_control_union_archive_reads_with_its_date(server, cache, monkeypatch):
    name = "deepstatemap_data_20241121.geojson"
    body = shared_file("control", "deepstate_occupied_union", name).read_bytes()
    _union_env(monkeypatch, server)
    server.serve(_pinned(name), body)
    path = fetch_control("deepstate-union", "2024-11-20")
    assert path.name == name  # the evening of D is in the file named D + 1
    assert path.parent == cache / "control" / "deepstate-union"
    layer = fl.read_control(path)
    assert layer.attrs["date"] == dt.date(2024, 11, 20)
    assert layer.attrs["date_basis"] == "checked"
    assert "union" in layer.attrs["source"]
    assert fetch_control("deepstate-union", dt.date(2024, 11, 20)) == path
    assert server.hits[_pinned(name)] == 1


def test_union_archive_gap_is_snapshot_not_found(server, cache, monkeypatch):
    _union_env(monkeypatch, server)
    with pytest.raises(
        SnapshotNotFoundError,
        match=r"no file of the DeepState union archive shows the evening of "
        r"2024-08-17 .*nearest evenings with a file: 2024-08-15, 2024-08-16, "
        r"2024-08-19, 2024-08-20",
    ):
        fetch_control("deepstate-union", "2024-08-17")
    assert sum(server.hits.values()) == 0  # the manifest knows: no request
    assert data_files(cache) == []


def test_union_archive_server_error_stays_a_download_error(server, cache, monkeypatch):
    _union_env(monkeypatch, server)
    name = "deepstatemap_data_20241121.geojson"
    server.routes[_pinned(name)] = lambda h: send(h, b"", 502)
    with pytest.raises(DownloadError, match="HTTP 502"):
        fetch_control("deepstate-union", "2024-11-20")


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-07-06", "archive starts with the evening of 2024-07-07"),
        (dt.date.today() + dt.timedelta(days=3), "is in the future"),
    ],
)
def test_dates_without_a_snapshot(server, cache, monkeypatch, date, message):
    _union_env(monkeypatch, server)
    with pytest.raises(SnapshotNotFoundError, match=message):
        fetch_control("deepstate-union", date)
    assert sum(server.hits.values()) == 0


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        ("isw", OptionError, "ISW maps cannot be fetched by date"),
        ("liveuamap", OptionError, "unknown control source 'liveuamap'"),
    ],
)
def test_unsupported_sources(cache, source, error, message):
    with pytest.raises(error, match=message):
        fetch_control(source, "2024-11-20")


def _versions(*stamps: int) -> bytes:
    return json.dumps(
        [
            {
                "id": s,
                "createdAt": dt.datetime.fromtimestamp(s, dt.UTC).isoformat(),
                "descriptionEn": "update",
            }
            for s in stamps
        ]
    ).encode()


def test_fetch_control_deepstate_picks_the_evening_version(server, cache, monkeypatch):
    raw = shared_file(
        "control", "deepstate_raw_multiclass", "20241120T213037Z_1732138237.geojson.gz"
    )
    server.serve("/api/history/1732138237/geojson", gzip.decompress(raw.read_bytes()))
    # 19 Nov evening, 20 Nov morning, 20 Nov evening, 21 Nov evening.
    server.serve(
        "/api/history/public", _versions(1732051800, 1732098600, 1732138237, 1732224600)
    )
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_API_URL", server.url("/api/history"))
    path = fetch_control("deepstate", "2024-11-20")
    assert path.name == "deepstate_20241120T213037Z_1732138237.geojson"
    with pytest.warns(fl.FrontlineWarning, match="covered by more than one status"):
        layer = fl.read_control(path)
    assert layer.attrs["date"] == dt.date(2024, 11, 20)
    assert layer.attrs["source"].startswith("DeepState map")
    # The date is final: its choice is remembered and needs no request.
    assert fetch_control("deepstate", "2024-11-20") == path
    assert server.hits["/api/history/public"] == 1
    assert server.hits["/api/history/1732138237/geojson"] == 1
    assert set(server.hits) == {
        "/api/history/public",
        "/api/history/1732138237/geojson",
    }


def test_deepstate_without_a_version_that_day(server, cache, monkeypatch):
    server.serve("/api/history/public", _versions(1731960000, 1732305600))
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_API_URL", server.url("/api/history"))
    with pytest.raises(
        SnapshotNotFoundError,
        match=r"nearest dates with a version: 2024-11-18, 2024-11-22",
    ):
        fetch_control("deepstate", "2024-11-20")


def test_deepstate_api_that_changed_shape(server, cache, monkeypatch):
    server.serve("/api/history/public", b'{"error": "moved"}')
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_API_URL", server.url("/api/history"))
    with pytest.raises(
        UnsupportedFormatError, match="expected a JSON array of map versions"
    ):
        fetch_control("deepstate", "2024-11-20")
    assert data_files(cache) == []


def test_deepstate_api_must_be_https(cache, monkeypatch):
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_API_URL", "http://example.com/api/history")
    with pytest.raises(
        OptionError,
        match=r"FRONTLINE_DEEPSTATE_API_URL='http://example.com/api/history' is not "
        r"a usable address: only https URLs are followed",
    ):
        fetch_control("deepstate", "2024-11-20")


def test_deepstate_version_ids_cannot_escape_the_cache(server, cache, monkeypatch):
    body = json.dumps([{"id": "../../etc", "createdAt": "2024-11-20T21:00:00Z"}])
    server.serve("/api/history/public", body.encode())
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_API_URL", server.url("/api/history"))
    with pytest.raises(
        SnapshotNotFoundError, match="nearest dates with a version: none"
    ):
        fetch_control("deepstate", "2024-11-20")


# ----------------------------------------------------------------------------
# Boundary sets


def _local_set(monkeypatch, server, name, *paths_and_bodies):
    urls = tuple(server.serve(path, body) for path, body in paths_and_bodies)
    entry = dataclasses.replace(fetch.BOUNDARY_SETS[name], urls=urls)
    monkeypatch.setitem(fetch.BOUNDARY_SETS, name, entry)
    return entry


def test_boundary_set_by_name_served_locally(server, cache, monkeypatch):
    body = shared_file(
        "reference_regions", "ukraine_oblasts_minregion_2020.geojson"
    ).read_bytes()
    _local_set(monkeypatch, server, "minregion-2020", ("/minregion.geojson", body))
    gdf = fetch_boundaries("minregion-2020")
    assert len(gdf) == 27
    assert gdf.crs.equals("EPSG:4326")
    source = gdf.attrs["boundary_source"]
    assert "Minregion 2020" in source
    assert "CC BY-SA" in source
    assert "© Мінрегіон" in source
    assert gdf.attrs["boundary_set"]["sha256"] == sha(body)
    areas = dict(zip(gdf.region_id, fl.area_km2(gdf.geometry.values), strict=True))
    assert areas["UA-23"] == pytest.approx(27_229, abs=1)  # PROVENANCE.md
    regions = fl.load_regions("four", boundaries="minregion-2020")
    assert regions.name.tolist() == ["Donetsk", "Luhansk", "Zaporizhzhia", "Kherson"]
    assert regions.attrs["boundary_source"] == source
    assert server.hits["/minregion.geojson"] == 1


def test_geoboundaries_falls_back_to_mirror_and_is_clipped_to_land(
    server, cache, monkeypatch
):
    minregion = shared_file(
        "reference_regions", "ukraine_oblasts_minregion_2020.geojson"
    )
    simplified = shared_file(
        "reference_regions", "geoBoundaries-UKR-ADM1_simplified.geojson"
    )
    _local_set(
        monkeypatch, server, "minregion-2020", ("/mr.geojson", minregion.read_bytes())
    )
    entry = _local_set(
        monkeypatch,
        server,
        "geoboundaries-adm1-simplified",
        ("/gb.geojson", simplified.read_bytes()),
    )
    # The canonical address fails; the mirror (same sha256) is used.
    monkeypatch.setitem(
        fetch.BOUNDARY_SETS,
        "geoboundaries-adm1-simplified",
        dataclasses.replace(entry, urls=(server.url("/gone.geojson"), *entry.urls)),
    )
    land = fetch_boundaries("geoboundaries-adm1-simplified")
    sea = fetch_boundaries("geoboundaries-adm1-simplified", clip="none")
    coarse = fetch_boundaries("geoboundaries-adm1-simplified", clip="natural-earth")
    assert server.hits["/gone.geojson"] == 1
    assert server.hits["/gb.geojson"] == 1

    def km2(gdf, rid):
        return fl.area_km2(gdf.geometry[gdf.region_id == rid].values)[0]

    # Crimea: +60 % with the territorial sea; within 0.5 % of official on land.
    assert km2(sea, "UA-43") > 40_000
    assert km2(land, "UA-43") == pytest.approx(26_081, rel=0.005)
    assert km2(coarse, "UA-43") < km2(sea, "UA-43")
    assert "clipping to the Minregion 2020 outline" in land.attrs["boundary_source"]
    assert "ODbL 1.0" in land.attrs["boundary_source"]
    assert "CC BY-SA" in land.attrs["boundary_source"]
    assert "territorial sea (not clipped)" in sea.attrs["boundary_source"]
    assert "Natural Earth" in coarse.attrs["boundary_source"]


def test_boundary_set_with_no_good_address(server, cache, monkeypatch):
    _local_set(
        monkeypatch,
        server,
        "geoboundaries-adm1",
        ("/a.geojson", b"not it"),
        ("/b.geojson", b"not it either"),
    )
    with pytest.raises(ChecksumError, match="from any of its 2 addresses"):
        fetch_boundaries("geoboundaries-adm1", clip="none")
    server.routes["/b.geojson"] = lambda h: send(h, b"", 500)
    with pytest.raises(
        DownloadError, match=r"from any of its 2 addresses(.|\n)*HTTP 500"
    ):
        fetch_boundaries("geoboundaries-adm1", clip="none")
    assert data_files(cache) == []


def test_boundary_set_single_address_error_is_passed_on(server, cache, monkeypatch):
    _local_set(monkeypatch, server, "minregion-2020", ("/x.geojson", b"wrong"))
    with pytest.raises(ChecksumError, match="is not the expected one"):
        fetch_boundaries("minregion-2020")


@pytest.mark.parametrize(
    ("name", "clip", "error", "message"),
    [
        (
            "natural-earth",
            None,
            RegionNotFoundError,
            "unknown boundary set 'natural-earth'",
        ),
        ("minregion-2020", "natural-earth", OptionError, "is land only"),
        ("geoboundaries-adm1", "sea", OptionError, "unknown clip 'sea'"),
    ],
)
def test_boundary_set_options(cache, name, clip, error, message):
    with pytest.raises(error, match=message):
        fetch_boundaries(name, clip=clip)


# ----------------------------------------------------------------------------
# Any boundary file


def _write_units(path: Path, labels: list[object], **extra: list[object]) -> Path:
    boxes = [shapely.box(30 + i, 47, 30.5 + i, 47.5) for i in range(len(labels))]
    gdf = gpd.GeoDataFrame({**extra, "label": labels}, geometry=boxes, crs="EPSG:4326")
    gdf.to_file(path, driver="GeoJSON")
    return path


def test_boundary_file_resolves_its_name_column(tmp_path):
    path = _write_units(
        tmp_path / "units.geojson",
        ["Donetsk Oblast", "Луганська область", "UA-23", "Kherson", "Kherson"],
        code=[1, 2, 3, 4, 5],
    )
    gdf = resolve_boundaries(path)
    assert sorted(gdf.region_id) == ["UA-09", "UA-14", "UA-23", "UA-65"]
    assert "units.geojson" in gdf.attrs["boundary_source"]
    assert "'label'" in gdf.attrs["boundary_source"]
    # Two Kherson features are dissolved into one unit.
    kherson = gdf.geometry[gdf.region_id == "UA-65"].iloc[0]
    assert fl.area_km2(kherson) > fl.area_km2(shapely.box(33.5, 47, 34, 47.5)) * 1.9
    regions = fl.load_regions("four", boundaries=str(path))
    assert regions.region_id.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65"]


def test_boundary_file_names_unresolved_features(tmp_path):
    path = _write_units(
        tmp_path / "bad.geojson", ["Donetsk", "Luhansk", "Atlantis", "Gondor"]
    )
    with pytest.raises(
        RegionNotFoundError,
        match=r"2 of 4 features do not resolve .* column 'label': "
        r"feature 2 'Atlantis', feature 3 'Gondor'",
    ):
        fl.load_regions("four", boundaries=path)


def test_boundary_file_explicit_column(tmp_path):
    from frontline.fetch import read_boundaries

    path = _write_units(
        tmp_path / "u.geojson", ["Donetsk", "Luhansk"], other=["x", "y"]
    )
    assert sorted(read_boundaries(path, column="label").region_id) == ["UA-09", "UA-14"]
    with pytest.raises(OptionError, match="column 'nope' not found"):
        read_boundaries(path, column="nope")
    with pytest.raises(RegionNotFoundError, match=r"2 of 2 features .* column 'other'"):
        read_boundaries(path, column="other")


def test_boundary_file_without_unit_names(tmp_path):
    path = _write_units(tmp_path / "n.geojson", ["a", "b"])
    with pytest.raises(
        RegionNotFoundError, match=r"no column of n.geojson names Ukrainian units"
    ):
        resolve_boundaries(path)
    bare = tmp_path / "bare.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(30, 47, 31, 48)], crs="EPSG:4326").to_file(
        bare
    )
    with pytest.raises(OptionError, match="has no attribute column"):
        resolve_boundaries(bare)


def test_missing_boundary_file_or_unknown_name(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="not a registered boundary set"):
        fl.load_regions("four", boundaries="minregion-2021")
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        resolve_boundaries(tmp_path / "absent.gpkg")


def test_resolve_boundaries_other_forms():
    embedded = resolve_boundaries(None)
    assert len(embedded) == 27
    assert embedded.attrs["boundary_source"].startswith("Natural Earth")
    assert resolve_boundaries(embedded) is embedded
    with pytest.raises(OptionError, match="got int"):
        resolve_boundaries(123)  # type: ignore[arg-type]


def test_minregion_file_on_disk_as_boundaries():
    path = shared_file("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    regions = fl.load_regions("six", boundaries=path)
    assert regions.region_id.tolist() == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "UA-63",
        "UA-48",
    ]
    areas = fl.area_km2(regions.geometry.values)
    assert areas[2] == pytest.approx(27_229, abs=1)  # Zaporizhzhia, PROVENANCE.md
    assert "'ADMIN_1'" in regions.attrs["boundary_source"]
