"""An ArcGIS REST client: the current features of a polygon layer.

ISW/CTP publish their assessment as ArcGIS feature layers; this module reads
the layer's description, pages through its features (by object id when the
server caps the page size) and stores them as one GeoJSON file in the cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from frontline._http import (
    cache_location,
    check_timeout,
    check_url,
    download_bytes,
    download_lock,
)
from frontline._io import write_text
from frontline.errors import (
    DownloadError,
    OptionError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from pathlib import Path


__all__ = ["fetch_arcgis"]

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------
# ArcGIS REST layers (ISW/CTP and others)

#: Object ids asked for per ``objectIds=`` request (keeps query URLs short).
_ID_CHUNK: Final = 250
#: Empty pages flagged ``exceededTransferLimit`` accepted in a row at one offset.
_MAX_EMPTY_PAGES: Final = 3
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
            download_bytes(url, timeout=self.timeout, advice="url"),
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
    is short and not flagged ``exceededTransferLimit``; an empty page that is
    flagged is asked for again (Esri's rule: keep paging while the flag is
    set), up to three times in a row. A layer that cannot
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
    check_timeout(timeout)
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
        body = download_bytes(meta_url, timeout=timeout, advice="url")
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
    with download_lock(target, url=layer.url, timeout=timeout):
        if target.exists() and not refresh:
            log.info("ArcGIS layer %r unchanged: cached %s", layer.name, target.name)
            return target
        client = _ArcGISClient(layer, folder, timeout)
        merge = _arcgis_features(client, where, fields, page_size, max_features)
        doc = _feature_collection(layer, merge, where, fields, fetched)
        write_text(target, json.dumps(doc, ensure_ascii=False))
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
    check_url(base, allow_http=False)
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
        empty = 0
        while True:
            page, exceeded = client.page(
                {
                    **base,
                    "orderByFields": f"{layer.oid_field} ASC",
                    "resultOffset": str(offset),
                    "resultRecordCount": str(size),
                }
            )
            if not page and exceeded:
                # Esri: keep paging while the flag is set, even after an empty
                # page (a server may send one while it is busy); ask again.
                empty += 1
                if empty > _MAX_EMPTY_PAGES:
                    raise DownloadError(
                        f"the layer {layer.url} sent {empty} empty pages in a row "
                        f"at offset {offset:,}, each flagged exceededTransferLimit "
                        "(more to come); the server is not paging. Nothing was "
                        "cached; try again later",
                        url=layer.url,
                    )
                log.info(
                    "%s: empty page flagged exceededTransferLimit at offset %d; "
                    "asking again",
                    layer.url,
                    offset,
                )
                continue
            empty = 0
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
