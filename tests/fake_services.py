"""A local server that imitates the three public services frontline fetches from.

Filled from the real files in ``../shared`` (read only; tests skip without
them), it serves on ``http://127.0.0.1:<random port>``:

* **the DeepState union archive**, as ``raw.githubusercontent.com/cyterat/
  deepstate-map-data`` does: ``<union_url>/<commit>/data/<file>`` for every
  (commit, file) of the shipped manifest ``frontline/data/
  deepstate_union_manifest.csv``, and ``<union_url>/main/data/<file>`` (the
  latest version). ``union_url`` is what ``FRONTLINE_DEEPSTATE_UNION_URL``
  should be;
* **DeepState's history API**, ``<api_url>`` = ``…/api/history``
  (``FRONTLINE_DEEPSTATE_API_URL``): ``/public`` (a JSON array of
  ``{id, createdAt, updatedAt, datetime, status, description, descriptionEn}``,
  oldest first) built from the 54 raw versions in
  ``deepstate_raw_multiclass/`` (their names hold the publication time and
  id), plus :data:`UNPUBLISHED` entries with ``status: false`` and one entry
  (:data:`EDITED_ID`) whose ``updatedAt`` is later than its ``createdAt``;
  ``/<id>/geojson`` (the raw file, gunzipped; 404 for unpublished ids);
  ``/last`` (``{id, datetime, map}`` of the newest published version); and
  ``/api/history`` alone answers 401, as the real one does;
* **an ArcGIS REST FeatureServer layer**, ``<layer_url>`` =
  ``…/arcgis/rest/services/<service>/FeatureServer/0``, filled from one ISW
  file of ``isw_control_map_simplified/`` (11 features, 3 without geometry,
  OBJECTID 1…11 in file order): ``?f=json`` (layer info: maxRecordCount,
  objectIdField, esriGeometryPolygon, fields, pagination), ``/query`` with
  ``where`` (``1=1`` or ``field = 'value'``), ``outFields``,
  ``returnGeometry``, ``orderByFields``, ``objectIds``, ``returnCountOnly``,
  ``returnIdsOnly``, ``resultOffset``/``resultRecordCount`` and
  ``f=geojson|json|pjson``; errors come as ArcGIS error bodies (HTTP 200).
  **One paged answer is empty but flagged** ``exceededTransferLimit``: the
  first query with ``resultOffset == empty_page_offset`` (default 4, the
  second page) gets no features; asked again at the same offset, the server
  sends the features. Esri's rule is to keep paging on the flag; a client that
  stops at an empty page loses features (``empty_page_offset=None`` turns
  this off).

Knobs, all usable while the server runs:

* ``hits`` (a Counter of paths) and ``requests`` (``(path, params)`` in
  order), ``count(path)``, ``total(prefix)``, ``reset()``: to assert that a
  second run downloads nothing;
* ``drop_after(path, nbytes, times=1)``: send the headers (with the full
  Content-Length) and ``nbytes`` of the body, then cut the connection;
* ``stall(path, nbytes, times=1)``: send the headers and ``nbytes`` of the
  body, then hold the connection open until ``release()`` (or the server
  stops); ``stalled`` (an Event) is set once the bytes are out, so a test can
  kill the client mid-download;
* ``fail(path, status, times=1)``: answer with an HTTP error;
* ``serve(path, body)``: serve other bytes at a path (a rewritten file, a file
  newer than the manifest), ``remove(path)``: answer 404;
* ``versions``: the ``/public`` list itself (append or drop entries);
  ``layer.empty_served``: how many empty flagged pages were sent.

Use it as a context manager or in a fixture::

    @pytest.fixture
    def services(monkeypatch):
        with FakeServices() as srv:
            srv.setenv(monkeypatch)
            yield srv
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from .conftest import shared_file

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    import pytest

__all__ = [
    "API_PATH",
    "EDITED_ID",
    "UNION_PATH",
    "UNPUBLISHED",
    "FakeServices",
    "union_manifest",
]

#: Where the union archive lives on the server (its "repository" path).
UNION_PATH: Final = "/cyterat/deepstate-map-data"
#: Where the history API lives on the server.
API_PATH: Final = "/api/history"
ARCGIS_PATH: Final = "/arcgis/rest/services"
UNION_ENV: Final = "FRONTLINE_DEEPSTATE_UNION_URL"
API_ENV: Final = "FRONTLINE_DEEPSTATE_API_URL"


def _stamp(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


#: Synthetic /public entries with ``status: false`` (never published): one
#: after the 2024-11-20 21:30 version on the same evening (a client that does
#: not skip it picks it as that evening's last version), one on 22 Nov, one
#: after the newest real version.
UNPUBLISHED: Final = (
    _stamp("2024-11-20T22:45:00+00:00"),
    _stamp("2024-11-22T23:30:00+00:00"),
    _stamp("2025-08-04T20:15:00+00:00"),
)
#: The real version (2024-11-21 21:36:47 UTC) whose ``updatedAt`` is later
#: than its ``createdAt``: edited after publication.
EDITED_ID: Final = 1732225007
EDITED_AT: Final = "2024-11-21T23:12:05.000Z"

JSON: Final = "application/json; charset=utf-8"
TEXT: Final = "text/plain; charset=utf-8"
_Answer = tuple[bytes, int, str]
NOT_FOUND: Final[_Answer] = (b"404: Not Found", 404, TEXT)
_RAW_NAME: Final = re.compile(r"(\d{8}T\d{6}Z)_(\d{10})\.geojson\.gz")
_UNION_ROUTE: Final = re.compile(r"/([^/]+)/data/([^/]+)")
_WHERE: Final = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))\s*")
_ESRI_TYPES: Final = {
    str: "esriFieldTypeString",
    float: "esriFieldTypeDouble",
    int: "esriFieldTypeInteger",
}


def union_manifest() -> list[dict[str, str]]:
    """The shipped union-archive manifest, one dict per file."""
    resource = files("frontline") / "data" / "deepstate_union_manifest.csv"
    with resource.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _iso_ms(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _QueryError(Exception):
    """A query the layer refuses (sent back as an ArcGIS error body)."""


class _Stop(Exception):
    """The connection was cut on purpose (fault injection)."""


class FakeServices:
    """DeepState union archive, DeepState history API and an ArcGIS layer.

    Parameters
    ----------
    isw_file : str, default "2024-11-24.geojson"
        The ISW file (in ``isw_control_map_simplified/``) behind the layer.
    service : str, default "RussianControlOfTerrain"
        The ArcGIS service name in the layer's URL.
    max_record_count : int, default 4
        The layer's ``maxRecordCount`` (11 features: three pages).
    pagination : bool, default True
        ``supportsPagination``; without it, ``resultOffset`` is an error and
        clients must use ``returnIdsOnly`` + ``objectIds``.
    empty_page_offset : int or None, default 4
        The ``resultOffset`` whose first ``empty_page_times`` answers are
        empty but flagged ``exceededTransferLimit``; None: never.
    empty_page_times : int, default 1
        How many times that offset answers with the empty page.
    unpublished : bool, default True
        Add the :data:`UNPUBLISHED` (``status: false``) entries to ``/public``.
    """

    def __init__(
        self,
        *,
        isw_file: str = "2024-11-24.geojson",
        service: str = "RussianControlOfTerrain",
        max_record_count: int = 4,
        pagination: bool = True,
        empty_page_offset: int | None = 4,
        empty_page_times: int = 1,
        unpublished: bool = True,
    ) -> None:
        archive = shared_file("control", "deepstate_union_archive")
        raw = shared_file("control", "deepstate_raw_multiclass")
        isw = shared_file("control", "isw_control_map_simplified", isw_file)
        self.manifest = union_manifest()
        self._union: dict[str, Path] = {
            r["file"]: archive / r["file"] for r in self.manifest
        }
        self._pins: dict[str, set[str]] = {}
        for row in self.manifest:
            self._pins.setdefault(row["file"], {"main"}).add(row["commit"])
        self.versions, self._raw = _versions(raw, unpublished=unpublished)
        self.service = service
        self.layer = _Layer(
            isw,
            max_record_count=max_record_count,
            pagination=pagination,
            empty_page_offset=empty_page_offset,
            empty_page_times=empty_page_times,
        )
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._overrides: dict[str, tuple[int, bytes]] = {}
        self._drops: dict[str, list[int]] = {}
        self._fails: dict[str, list[int]] = {}
        self._stalls: dict[str, list[int]] = {}
        self.stalled = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ life

    def start(self) -> FakeServices:
        """Start serving on 127.0.0.1 (a random free port), in a thread."""
        if self._httpd is not None:
            return self
        services = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    services._handle(self)
                except (_Stop, OSError):  # cut on purpose, or the client left
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the server (idempotent)."""
        self._released.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ URLs

    def url(self, path: str = "") -> str:
        """``http://127.0.0.1:<port>`` + ``path``."""
        if self._httpd is None:
            raise RuntimeError("the server is not running; call start() first")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    @property
    def union_url(self) -> str:
        """Stand-in for ``https://raw.githubusercontent.com/cyterat/deepstate-map-data``."""
        return self.url(UNION_PATH)

    @property
    def api_url(self) -> str:
        """Stand-in for ``https://deepstatemap.live/api/history``."""
        return self.url(API_PATH)

    @property
    def service_url(self) -> str:
        """The FeatureServer (its ``?f=json`` lists the layer)."""
        return self.url(f"{ARCGIS_PATH}/{self.service}/FeatureServer")

    @property
    def layer_url(self) -> str:
        """The polygon layer: ``…/FeatureServer/0``."""
        return f"{self.service_url}/0"

    @property
    def environ(self) -> dict[str, str]:
        """The environment variables that point frontline here."""
        return {UNION_ENV: self.union_url, API_ENV: self.api_url}

    def setenv(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Set :attr:`environ` for the test."""
        for key, value in self.environ.items():
            monkeypatch.setenv(key, value)

    @staticmethod
    def union_path(file: str, ref: str = "main") -> str:
        """Server path of an archive file at a commit (or ``main``)."""
        return f"{UNION_PATH}/{ref}/data/{file}"

    def pinned_path(self, file: str) -> str:
        """Server path of an archive file at its manifest commit."""
        row = next(r for r in self.manifest if r["file"] == file)
        return self.union_path(file, row["commit"])

    # ----------------------------------------------------------------- knobs

    def count(self, path: str) -> int:
        """Requests for ``path`` (without the query string)."""
        with self._lock:
            return self.hits[path]

    def total(self, prefix: str = "") -> int:
        """Requests for all paths starting with ``prefix``."""
        with self._lock:
            return sum(n for p, n in self.hits.items() if p.startswith(prefix))

    def reset(self) -> None:
        """Forget the requests counted so far."""
        with self._lock:
            self.hits.clear()
            self.requests.clear()

    def serve(self, path: str, body: bytes, status: int = 200) -> str:
        """Serve ``body`` at ``path`` instead of (or beside) the real content."""
        with self._lock:
            self._overrides[path] = (status, body)
        return self.url(path)

    def remove(self, path: str) -> None:
        """Answer 404 at ``path``."""
        self.serve(path, b"404: Not Found", 404)

    def drop_after(self, path: str, nbytes: int, times: int = 1) -> None:
        """Cut the next ``times`` transfers of ``path`` after ``nbytes`` bytes.

        The headers announce the full length; ``nbytes`` should be less than
        the body's size.
        """
        with self._lock:
            self._drops[path] = [nbytes, times]

    def stall(self, path: str, nbytes: int, times: int = 1) -> None:
        """Hold the next ``times`` transfers of ``path`` after ``nbytes`` bytes."""
        with self._lock:
            self._stalls[path] = [nbytes, times]
        self.stalled.clear()
        self._released.clear()

    def release(self) -> None:
        """Let stalled transfers end (their connections are cut)."""
        self._released.set()

    def fail(self, path: str, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests for ``path`` with ``status``."""
        with self._lock:
            self._fails[path] = [status, times]

    # -------------------------------------------------------------- handling

    def _take(self, table: dict[str, list[int]], path: str) -> int | None:
        with self._lock:
            entry = table.get(path)
            if entry is None or entry[1] <= 0:
                return None
            entry[1] -= 1
            return entry[0]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, params))
        self._send(h, path, *self._answer(path, params))

    def _answer(self, path: str, params: dict[str, str]) -> _Answer:
        """(body, status, content type) for a request."""
        status = self._take(self._fails, path)
        if status is not None:
            return f"HTTP {status}".encode(), status, TEXT
        with self._lock:
            override = self._overrides.get(path)
        if override is not None:
            return override[1], override[0], TEXT
        if path.startswith(f"{UNION_PATH}/"):
            return self._union_file(path)
        if path == API_PATH or path.startswith(f"{API_PATH}/"):
            return self._api(path)
        prefix = f"{ARCGIS_PATH}/{self.service}/FeatureServer"
        arcgis = {
            prefix: self.layer.service_info,
            f"{prefix}/0": self.layer.info,
            f"{prefix}/0/query": lambda: self.layer.query(params),
        }
        handler = arcgis.get(path.rstrip("/"))
        if handler is not None:
            return _json(handler())
        return NOT_FOUND

    def _union_file(self, path: str) -> _Answer:
        match = _UNION_ROUTE.fullmatch(path.removeprefix(UNION_PATH))
        if match is None or match[1] not in self._pins.get(match[2], ()):
            return NOT_FOUND
        return self._union[match[2]].read_bytes(), 200, TEXT

    def _api(self, path: str) -> _Answer:
        rest = path.removeprefix(API_PATH).strip("/")
        if rest == "":
            return _json({"message": "Unauthorized"}, 401)
        if rest == "public":
            return _json(self.versions)
        if rest == "last":
            newest = max(self._raw)
            doc = json.loads(gzip.decompress(self._raw[newest].read_bytes()))
            stamp = _iso_ms(dt.datetime.fromtimestamp(newest, dt.UTC))
            return _json({"id": newest, "datetime": stamp, "map": doc})
        match = re.fullmatch(r"(\d+)/geojson", rest)
        if match is None or int(match[1]) not in self._raw:
            return _json({"message": "Not Found"}, 404)
        return gzip.decompress(self._raw[int(match[1])].read_bytes()), 200, JSON

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        path: str,
        body: bytes,
        status: int,
        content_type: str,
    ) -> None:
        cut = self._take(self._drops, path) if status == 200 else None
        held = self._take(self._stalls, path) if status == 200 else None
        if held is not None:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[:held])
            h.wfile.flush()
            self.stalled.set()
            self._released.wait(60)
            h.connection.shutdown(socket.SHUT_RDWR)
            raise _Stop(path)
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if cut is None:
            h.wfile.write(body)
            h.wfile.flush()
            return
        h.wfile.write(body[:cut])
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)
        raise _Stop(path)


def _json(doc: Any, status: int = 200) -> _Answer:
    return json.dumps(doc).encode(), status, JSON


def _versions(
    folder: Path, *, unpublished: bool
) -> tuple[list[dict[str, Any]], dict[int, Path]]:
    """The /public entries and the raw file of each published id."""
    raw: dict[int, Path] = {}
    entries = []
    for path in sorted(folder.glob("*.geojson.gz")):
        match = _RAW_NAME.fullmatch(path.name)
        if match is None:
            continue
        when = dt.datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        ident = int(match[2])
        if int(when.timestamp()) != ident:
            raise ValueError(f"{path.name}: the stamp and the id disagree")
        raw[ident] = path
        entries.append(_entry(ident, status=True))
    for ident in UNPUBLISHED if unpublished else ():
        entries.append(_entry(ident, status=False))
    for entry in entries:
        if entry["id"] == EDITED_ID:
            entry["updatedAt"] = EDITED_AT
    entries.sort(key=lambda e: (e["createdAt"], e["id"]))
    return entries, raw


def _entry(ident: int, *, status: bool) -> dict[str, Any]:
    stamp = _iso_ms(dt.datetime.fromtimestamp(ident, dt.UTC))
    text = "Map update" if status else "Draft (not published)"
    return {
        "id": ident,
        "description": f"<p>{text}</p>",
        "descriptionEn": f"<p>{text}</p>",
        "datetime": stamp,
        "createdAt": stamp,
        "updatedAt": stamp,
        "status": status,
    }


class _Layer:
    """The ArcGIS layer: metadata and the query operation."""

    name = "Assessed Russian-controlled Ukrainian Territory"
    oid = "OBJECTID"

    def __init__(
        self,
        path: Path,
        *,
        max_record_count: int,
        pagination: bool,
        empty_page_offset: int | None,
        empty_page_times: int,
    ) -> None:
        doc = json.loads(path.read_text(encoding="utf-8"))
        self.features: list[dict[str, Any]] = []
        for oid, feature in enumerate(doc["features"], start=1):
            props = {self.oid: oid, **(feature.get("properties") or {})}
            self.features.append(
                {
                    "type": "Feature",
                    "id": oid,
                    "geometry": feature.get("geometry"),
                    "properties": props,
                }
            )
        self.source = path.name
        self.max_records = max_record_count
        self.pagination = pagination
        self.empty_offset = empty_page_offset
        self.empty_left = empty_page_times
        self.empty_served = 0
        self._lock = threading.Lock()
        day = dt.datetime.fromisoformat(path.stem).replace(hour=22, tzinfo=dt.UTC)
        self.last_edit_ms = int(day.timestamp()) * 1000

    def fields(self) -> list[dict[str, Any]]:
        out = [{"name": self.oid, "type": "esriFieldTypeOID", "alias": self.oid}]
        sample = self.features[0]["properties"]
        for key, value in sample.items():
            if key != self.oid:
                kind = _ESRI_TYPES.get(type(value), "esriFieldTypeString")
                out.append({"name": key, "type": kind, "alias": key})
        return out

    def service_info(self) -> dict[str, Any]:
        return {
            "currentVersion": 11.3,
            "serviceDescription": f"Test layer filled from {self.source}",
            "maxRecordCount": self.max_records,
            "supportedQueryFormats": "JSON, geoJSON, PBF",
            "layers": [
                {"id": 0, "name": self.name, "geometryType": "esriGeometryPolygon"}
            ],
            "tables": [],
        }

    def info(self) -> dict[str, Any]:
        return {
            "currentVersion": 11.3,
            "id": 0,
            "name": self.name,
            "type": "Feature Layer",
            "geometryType": "esriGeometryPolygon",
            "objectIdField": self.oid,
            "maxRecordCount": self.max_records,
            "supportedQueryFormats": "JSON, geoJSON, PBF",
            "capabilities": "Query",
            "advancedQueryCapabilities": {
                "supportsPagination": self.pagination,
                "supportsOrderBy": True,
                "supportsQueryWithResultType": True,
            },
            "editingInfo": {"lastEditDate": self.last_edit_ms},
            "extent": {"spatialReference": {"wkid": 4326, "latestWkid": 4326}},
            "fields": self.fields(),
        }

    def query(self, params: dict[str, str]) -> dict[str, Any]:
        """Answer ``/query``; a bad request gets an ArcGIS error body."""
        try:
            return self._query(params)
        except _QueryError as exc:
            return {"error": {"code": 400, "message": str(exc), "details": []}}

    def _query(self, params: dict[str, str]) -> dict[str, Any]:
        fmt = params.get("f", "html").lower()
        if fmt not in {"json", "pjson", "geojson"}:
            raise _QueryError(f"Invalid or missing output format f={fmt!r}")
        selected = self.select(params.get("where", ""))
        if "objectIds" in params:
            try:
                wanted = {int(i) for i in params["objectIds"].split(",") if i}
            except ValueError:
                raise _QueryError("Invalid objectIds") from None
            selected = [f for f in selected if f["id"] in wanted]
        if params.get("returnCountOnly", "").lower() == "true":
            return {"count": len(selected)}
        if params.get("returnIdsOnly", "").lower() == "true":
            ids = [f["id"] for f in selected]
            return {"objectIdFieldName": self.oid, "objectIds": ids}
        order = params.get("orderByFields", "").split()
        if order:
            selected = sorted(
                selected,
                key=lambda f: f["properties"].get(order[0]),
                reverse=len(order) > 1 and order[1].upper() == "DESC",
            )
        paged = "resultOffset" in params or "resultRecordCount" in params
        if paged and not self.pagination:
            raise _QueryError("Pagination is not supported.")
        try:
            offset = int(params.get("resultOffset", 0))
            asked = int(params.get("resultRecordCount", self.max_records))
        except ValueError:
            raise _QueryError("Invalid resultOffset or resultRecordCount") from None
        size = min(asked, self.max_records)
        if paged and self._empty_page(offset):
            return self.page([], fmt, exceeded=True, params=params)
        page = selected[offset : offset + size]
        exceeded = offset + size < len(selected)
        return self.page(page, fmt, exceeded=exceeded, params=params)

    def _empty_page(self, offset: int) -> bool:
        """Whether this paged query gets the empty, flagged page."""
        with self._lock:
            if offset != self.empty_offset or self.empty_left <= 0:
                return False
            self.empty_left -= 1
            self.empty_served += 1
            return True

    def select(self, where: str) -> list[dict[str, Any]]:
        if where.replace(" ", "") == "1=1":
            return self.features
        match = _WHERE.fullmatch(where)
        if match is None:
            raise _QueryError(f"Unable to complete operation: where={where!r}")
        field, text, number = match.groups()
        value: Any = text if text is not None else float(number)
        return [f for f in self.features if f["properties"].get(field) == value]

    def page(
        self,
        page: list[dict[str, Any]],
        fmt: str,
        *,
        exceeded: bool,
        params: dict[str, str],
    ) -> dict[str, Any]:
        fields = params.get("outFields", "*")
        keep = None if fields.strip() == "*" else {s.strip() for s in fields.split(",")}
        geometry = params.get("returnGeometry", "true").lower() != "false"

        def props(feature: dict[str, Any]) -> dict[str, Any]:
            out = feature["properties"]
            return (
                out
                if keep is None
                else {k: v for k, v in out.items() if k in keep or k == self.oid}
            )

        if fmt == "geojson":
            doc: dict[str, Any] = {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": f["id"],
                        "geometry": f["geometry"] if geometry else None,
                        "properties": props(f),
                    }
                    for f in page
                ],
            }
            if exceeded:
                doc["properties"] = {"exceededTransferLimit": True}
            return doc
        doc = {
            "objectIdFieldName": self.oid,
            "geometryType": "esriGeometryPolygon",
            "spatialReference": {"wkid": 4326, "latestWkid": 4326},
            "fields": [
                f
                for f in self.fields()
                if keep is None or f["name"] in keep or f["name"] == self.oid
            ],
            "features": [
                {
                    "attributes": props(f),
                    **(
                        {"geometry": _esri(f["geometry"])}
                        if geometry and f["geometry"]
                        else {}
                    ),
                }
                for f in page
            ],
        }
        if exceeded:
            doc["exceededTransferLimit"] = True
        return doc


def _esri(geometry: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON (Multi)Polygon -> Esri JSON rings (z dropped)."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    rings = [[pt[:2] for pt in ring] for polygon in polygons for ring in polygon]
    return {"rings": rings}
