"""fetch_arcgis against a local server that imitates the ArcGIS REST API.

The server (``FakeLayer`` on the ``LocalServer`` of test_fetch.py) answers the
layer's metadata (``<layer>?f=json``) and ``<layer>/query`` with
``returnCountOnly``, ``returnIdsOnly``, ``objectIds``, paging
(``resultOffset``/``resultRecordCount``, ``exceededTransferLimit``) and ArcGIS
error bodies. Nothing here touches the internet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

import shapely

import frontline as fl
from frontline.errors import OptionError, UnsupportedFormatError
from frontline.fetch import DownloadError, fetch_arcgis, fetch_control

from .conftest import shared_file
from .test_fetch import LocalServer, data_files, send

if TYPE_CHECKING:
    from pathlib import Path

SERVICE = "/arcgis/rest/services/RussiaCoTinUkraine/FeatureServer"
LAYER = f"{SERVICE}/2"
NAME = "Assessed Russian-controlled Ukrainian Territory"
#: 2024-11-25T01:30:00Z: an edit in the US evening of 24 November.
LAST_EDIT_MS = 1_732_498_200_000


def polygons() -> list[Any]:
    """Eleven disjoint polygons in Donetsk oblast, one of them a MultiPolygon."""
    geoms: list[Any] = [
        shapely.box(37.0 + 0.12 * i, 47.9, 37.1 + 0.12 * i, 48.0) for i in range(10)
    ]
    geoms.append(
        shapely.MultiPolygon(
            [shapely.box(37.0, 48.1, 37.1, 48.2), shapely.box(37.2, 48.1, 37.3, 48.2)]
        )
    )
    return geoms


def arcgis_features(
    geoms: list[Any], *, nulls: int = 2, extra: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """GeoJSON features as ArcGIS sends them: ``id`` = OBJECTID (1, 2, …)."""
    out = []
    for i, geom in enumerate([*geoms, *([None] * nulls)], start=1):
        out.append(
            {
                "type": "Feature",
                "id": i,
                "geometry": None
                if geom is None
                else json.loads(shapely.to_geojson(geom)),
                "properties": {
                    "OBJECTID": i,
                    "Name": "north" if i % 2 else "south",
                    "CreationDate": LAST_EDIT_MS - 86_400_000,
                    **(extra or {}),
                },
            }
        )
    return out


@dataclasses.dataclass
class FakeLayer:
    """One ArcGIS layer: metadata, queries, faults. ``requests``: query params."""

    features: list[dict[str, Any]]
    name: str = NAME
    max_records: int = 4
    paging: bool = True
    last_edit: int | None = LAST_EDIT_MS
    geometry_type: str = "esriGeometryPolygon"
    formats: str = "JSON, geoJSON, PBF"
    capabilities: str = "Query"
    flag_at_top: bool = False  # exceededTransferLimit at top level, not properties
    overlap: bool = False  # later pages start one feature early (shifted order)
    meta_error: dict[str, Any] | None = None
    query_error: dict[str, Any] | None = None
    fail_offset: int | None = None  # HTTP 500 for this resultOffset
    ignore_offset: bool = False  # claims paging, always sends the first page
    count_delta: int = 0  # a count that disagrees with the features
    requests: list[dict[str, str]] = dataclasses.field(default_factory=list)

    def install(self, server: LocalServer, path: str = LAYER) -> str:
        server.routes[path] = self.metadata
        server.routes[f"{path}/query"] = self.query
        return server.url(path)

    def metadata(self, h: Any) -> None:
        if self.meta_error is not None:
            return send_json(h, {"error": self.meta_error})
        meta: dict[str, Any] = {
            "name": self.name,
            "type": "Feature Layer",
            "geometryType": self.geometry_type,
            "objectIdField": "OBJECTID",
            "maxRecordCount": self.max_records,
            "supportedQueryFormats": self.formats,
            "capabilities": self.capabilities,
            "advancedQueryCapabilities": {
                "supportsPagination": self.paging,
                "supportsOrderBy": True,
            },
            "fields": [
                {"name": "OBJECTID", "type": "esriFieldTypeOID"},
                {"name": "Name", "type": "esriFieldTypeString"},
                {"name": "CreationDate", "type": "esriFieldTypeDate"},
            ],
        }
        if self.last_edit is not None:
            meta["editingInfo"] = {"lastEditDate": self.last_edit}
        return send_json(h, meta)

    def query(self, h: Any) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(h.path).query).items()}
        self.requests.append(params)
        feats = self.select(params.get("where", ""))
        if params.get("returnCountOnly") == "true":
            return send_json(h, {"count": len(feats) + self.count_delta})
        if params.get("returnIdsOnly") == "true":
            ids = [f["properties"]["OBJECTID"] for f in feats]
            return send_json(h, {"objectIdFieldName": "OBJECTID", "objectIds": ids})
        if self.query_error is not None:
            return send_json(h, {"error": self.query_error})
        assert params["f"] == "geojson"
        assert params["outSR"] == "4326"
        if "objectIds" in params:
            wanted = {int(i) for i in params["objectIds"].split(",")}
            feats = [f for f in feats if f["properties"]["OBJECTID"] in wanted]
        start, size = 0, self.max_records
        if "resultOffset" in params:
            assert self.paging, "paged query sent to a layer that cannot page"
            offset = int(params["resultOffset"])
            if offset == self.fail_offset:
                return send(h, b"<html>Internal Server Error</html>", 500)
            start = max(0, offset - 1) if self.overlap and offset else offset
            start = 0 if self.ignore_offset else start
            size = min(int(params["resultRecordCount"]), self.max_records)
        page = feats[start : start + size]
        doc: dict[str, Any] = {"type": "FeatureCollection", "features": page}
        if start + size < len(feats):
            if self.flag_at_top:
                doc["exceededTransferLimit"] = True
            else:
                doc["properties"] = {"exceededTransferLimit": True}
        return send_json(h, doc)

    def select(self, where: str) -> list[dict[str, Any]]:
        if where == "1=1":
            return self.features
        match = re.fullmatch(r"(\w+)\s*=\s*'([^']*)'", where)
        assert match, f"the fake server does not understand where={where!r}"
        field, value = match.groups()
        return [f for f in self.features if f["properties"].get(field) == value]

    def count(self, **params: str) -> int:
        """How many queries had all these parameters."""
        return sum(all(r.get(k) == v for k, v in params.items()) for r in self.requests)


def send_json(h: Any, doc: Any) -> None:
    send(h, json.dumps(doc).encode())


@pytest.fixture
def server():
    srv = LocalServer()
    yield srv
    srv.close()


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def km2(geoms: list[Any]) -> float:
    return float(sum(fl.area_km2(geoms)))


# ----------------------------------------------------------------------------
# Paging, merging, the file


@pytest.mark.parametrize("flag_at_top", [False, True])
def test_pages_are_merged_without_duplicates(server, tmp_path, flag_at_top):
    layer = FakeLayer(
        arcgis_features(polygons()), overlap=True, flag_at_top=flag_at_top
    )
    url = layer.install(server)
    path = fetch_arcgis(url, cache_dir=tmp_path)

    assert path.parent == tmp_path / "control" / "arcgis"
    assert re.fullmatch(
        r"russiacotinukraine_2_[a-z]{8}_20241125T013000Z\.geojson", path.name
    )
    doc = load(path)
    assert doc["type"] == "FeatureCollection"
    ids = [f["id"] for f in doc["features"]]
    assert ids == list(range(1, 12))  # 13 served: 11 polygons, 2 without geometry
    assert all(f["properties"]["layer"] == NAME for f in doc["features"])
    meta = doc["frontline"]
    assert meta == {
        "url": url,
        "service": "RussiaCoTinUkraine",
        "layer_id": 2,
        "name": NAME,
        "where": "1=1",
        "out_fields": "*",
        "last_edit_date": "2024-11-25T01:30:00Z",
        "fetched_at": meta["fetched_at"],
        "feature_count": 11,
        "duplicates_dropped": 1,
        "without_geometry": 2,
    }
    fetched = dt.datetime.fromisoformat(meta["fetched_at"])
    assert abs(dt.datetime.now(dt.UTC) - fetched) < dt.timedelta(minutes=1)
    # 1 count + 4 pages of 4; the second repeats feature 4 (served from
    # offset 3), the last is short.
    pages = [r for r in layer.requests if "resultOffset" in r]
    assert [r["resultOffset"] for r in pages] == ["0", "4", "8", "12"]
    assert all(r["resultRecordCount"] == "4" for r in pages)
    assert all(r["orderByFields"] == "OBJECTID ASC" for r in pages)
    assert all(r["returnGeometry"] == "true" and r["outFields"] == "*" for r in pages)
    assert layer.count(returnCountOnly="true") == 1
    assert server.hits[LAYER] == 1
    assert server.hits[f"{LAYER}/query"] == 5
    assert data_files(tmp_path) == [f"control/arcgis/{path.name}"]


def test_result_reads_as_isw_with_the_area_served(server, tmp_path):
    geoms = polygons()
    path = fetch_arcgis(
        FakeLayer(arcgis_features(geoms), max_records=3).install(server),
        cache_dir=tmp_path,
    )
    layer = fl.read_control(path, source="isw")
    assert set(layer.status) == {"occupied"}
    assert set(layer.isw_class) == {"control"}
    assert km2(list(layer.geometry)) == pytest.approx(km2(geoms), rel=1e-9)
    # The date in the file name: the UTC day of the layer's last edit ...
    assert layer.attrs["date"] == dt.date(2024, 11, 25)
    assert layer.attrs["source"] == "ISW/CTP control of terrain"
    # ... so pass the assessment date.
    dated = fl.read_control(path, source="isw", date="2024-11-24")
    assert dated.attrs["date"] == dt.date(2024, 11, 24)
    # Auto-detection finds ISW through the layer name.
    assert fl.read_control(path).attrs["source"] == "ISW/CTP control of terrain"


def test_shared_isw_layer_served_as_arcgis_keeps_its_area(server, tmp_path):
    original = shared_file(
        "control", "isw_control_map_simplified", "2024-11-24.geojson"
    )
    served = json.loads(original.read_text(encoding="utf-8"))["features"]
    # An ArcGIS layer has its own fields, not the export's layer_type/date.
    features = [
        {
            "type": "Feature",
            "id": i,
            "geometry": f["geometry"],
            "properties": {"OBJECTID": i, "Shape__Area": f["properties"]["area_km2"]},
        }
        for i, f in enumerate(served, start=1)
    ]
    url = FakeLayer(features, max_records=3).install(server)
    path = fetch_arcgis(url, cache_dir=tmp_path)
    assert load(path)["frontline"]["without_geometry"] == sum(
        f["geometry"] is None for f in served
    )
    # The export's invalid polygons are repaired alike in both files.
    with pytest.warns(fl.FrontlineWarning, match="repaired 2 invalid feature"):
        fetched = fl.read_control(path, source="isw", date="2024-11-24")
    with pytest.warns(fl.FrontlineWarning, match="repaired 2 invalid feature"):
        reference = fl.read_control(original)
    assert km2(list(fetched.geometry)) == pytest.approx(
        km2(list(reference.geometry)), rel=1e-9
    )
    table = fl.control_table(fetched, "four")
    assert table.loc[table.region_id == "four", "occupied_km2"].iloc[0] > 75_000


def test_without_pagination_reads_by_object_ids(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), paging=False, max_records=4)
    path = fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert [f["id"] for f in load(path)["features"]] == list(range(1, 12))
    assert layer.count(returnCountOnly="true") == 1
    assert layer.count(returnIdsOnly="true") == 1
    chunks = [r["objectIds"] for r in layer.requests if "objectIds" in r]
    assert chunks == ["1,2,3,4", "5,6,7,8", "9,10,11,12", "13"]
    assert not any("resultOffset" in r for r in layer.requests)


def test_without_pagination_a_small_layer_takes_one_query(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()[:3], nulls=0), paging=False)
    path = fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert load(path)["frontline"]["feature_count"] == 3
    assert len(layer.requests) == 2  # count, then the features
    assert layer.count(returnIdsOnly="true") == 0


def test_features_without_id_member_are_deduplicated_by_object_id(server, tmp_path):
    features = [
        {k: v for k, v in f.items() if k != "id"} for f in arcgis_features(polygons())
    ]
    layer = FakeLayer(features, overlap=True)
    doc = load(fetch_arcgis(layer.install(server), cache_dir=tmp_path))
    assert [f["properties"]["OBJECTID"] for f in doc["features"]] == list(range(1, 12))
    assert doc["frontline"]["duplicates_dropped"] == 1


def test_page_size_and_its_cap(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), max_records=5)
    url = layer.install(server)
    fetch_arcgis(url, cache_dir=tmp_path, page_size=3)
    assert {r["resultRecordCount"] for r in layer.requests if "resultOffset" in r} == {
        "3"
    }
    layer.requests.clear()
    fetch_arcgis(url, cache_dir=tmp_path, page_size=50, refresh=True)
    assert {r["resultRecordCount"] for r in layer.requests if "resultOffset" in r} == {
        "5"
    }


def test_where_and_out_fields_are_sent_and_key_the_cache(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons(), nulls=0))
    url = layer.install(server)
    everything = fetch_arcgis(url, cache_dir=tmp_path)
    north = fetch_arcgis(
        url, cache_dir=tmp_path, where="Name='north'", out_fields=["Name"]
    )
    assert north != everything
    assert north.name.startswith("russiacotinukraine_2_")
    doc = load(north)
    assert doc["frontline"]["feature_count"] == 6
    assert {f["properties"]["Name"] for f in doc["features"]} == {"north"}
    assert doc["frontline"]["out_fields"] == "Name"
    pages = [r for r in layer.requests if r.get("where") == "Name='north'"]
    assert {r.get("outFields") for r in pages if "resultOffset" in r} == {
        "OBJECTID,Name"
    }


@pytest.mark.parametrize(
    "suffix", ["", "/", "/query", "/query?where=1%3D1&f=pjson", "?f=pjson#map"]
)
def test_url_forms_are_normalised(server, tmp_path, suffix):
    layer = FakeLayer(arcgis_features(polygons()[:2], nulls=0))
    url = layer.install(server)
    path = fetch_arcgis(url + suffix, cache_dir=tmp_path)
    assert load(path)["frontline"]["url"] == url
    assert fetch_arcgis(url, cache_dir=tmp_path) == path
    assert server.hits[LAYER] == 2


# ----------------------------------------------------------------------------
# The cache and offline use


def test_cached_file_is_reused_while_the_last_edit_is_unchanged(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()))
    url = layer.install(server)
    first = fetch_arcgis(url, cache_dir=tmp_path)
    queries = server.hits[f"{LAYER}/query"]
    assert fetch_arcgis(url, cache_dir=tmp_path) == first
    assert server.hits[LAYER] == 2  # the metadata only
    assert server.hits[f"{LAYER}/query"] == queries
    # refresh=True downloads the same version again.
    assert fetch_arcgis(url, cache_dir=tmp_path, refresh=True) == first
    assert server.hits[f"{LAYER}/query"] == 2 * queries
    # A new edit gives a new file; the old version stays.
    layer.last_edit = LAST_EDIT_MS + 86_400_000
    second = fetch_arcgis(url, cache_dir=tmp_path)
    assert second.name.endswith("_20241126T013000Z.geojson")
    assert sorted(p.name for p in first.parent.glob("*.geojson")) == [
        first.name,
        second.name,
    ]


def test_layer_without_last_edit_is_named_by_the_download_time(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), last_edit=None)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    path = fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    stamp = re.search(r"_(\d{8}T\d{6}Z)\.geojson$", path.name)
    assert stamp is not None
    when = dt.datetime.strptime(stamp[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert before <= when <= dt.datetime.now(dt.UTC)
    assert load(path)["frontline"]["last_edit_date"] is None


def test_offline_returns_the_newest_cached_copy(server, tmp_path, caplog):
    layer = FakeLayer(arcgis_features(polygons()))
    url = layer.install(server)
    fetch_arcgis(url, cache_dir=tmp_path)
    layer.last_edit = LAST_EDIT_MS + 3_600_000
    newest = fetch_arcgis(url, cache_dir=tmp_path)
    server.close()
    with caplog.at_level(logging.WARNING, logger="frontline.fetch"):
        assert fetch_arcgis(url, cache_dir=tmp_path) == newest
    assert "using the cached copy" in caplog.text
    # Another query of the same layer has no cached copy.
    with pytest.raises(DownloadError, match=r"cannot connect to 127\.0\.0\.1"):
        fetch_arcgis(url, cache_dir=tmp_path, where="Name='north'")


def test_offline_without_a_cached_copy(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=r"cannot connect .* are you offline"):
        fetch_arcgis(f"http://127.0.0.1:{port}{LAYER}", cache_dir=tmp_path)
    assert data_files(tmp_path) == []


# ----------------------------------------------------------------------------
# Errors


def test_token_required_error_body(server, tmp_path):
    error = {"code": 499, "message": "Token Required", "details": []}
    url = FakeLayer(arcgis_features(polygons()), meta_error=error).install(server)
    with pytest.raises(
        DownloadError, match=r"error 499: 'Token Required'; the layer is not public"
    ) as info:
        fetch_arcgis(url, cache_dir=tmp_path)
    assert info.value.status == 499
    assert server.hits[f"{LAYER}/query"] == 0
    assert data_files(tmp_path) == []


def test_error_body_on_a_page(server, tmp_path):
    error = {
        "code": 400,
        "message": "Unable to complete operation.",
        "details": ["Invalid query parameters."],
    }
    layer = FakeLayer(arcgis_features(polygons()), query_error=error)
    with pytest.raises(
        DownloadError,
        match=r"error 400: 'Unable to complete operation.' \(Invalid query "
        r"parameters.\); check where= and out_fields=",
    ):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert data_files(tmp_path) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"geometry_type": "esriGeometryPoint"},
            r"has geometry type 'esriGeometryPoint'; expected 'esriGeometryPolygon'"
            r".*lists its layers at http://127\.0\.0\.1:\d+/arcgis/rest/services/"
            r"RussiaCoTinUkraine/FeatureServer\?f=json",
        ),
        ({"formats": "JSON, AMF"}, r"cannot answer queries in GeoJSON"),
        ({"capabilities": "Map"}, r"does not allow queries"),
    ],
)
def test_layers_that_cannot_be_read(server, tmp_path, change, message):
    layer = dataclasses.replace(FakeLayer(arcgis_features(polygons())), **change)
    with pytest.raises(UnsupportedFormatError, match=message):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert server.hits[f"{LAYER}/query"] == 0


def test_answer_that_is_not_arcgis(server, tmp_path):
    server.serve(LAYER, b"<html>Sign in</html>")
    with pytest.raises(
        UnsupportedFormatError, match="is this the address of an ArcGIS"
    ):
        fetch_arcgis(server.url(LAYER), cache_dir=tmp_path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"https://example.com{SERVICE}",
            r"ending in /FeatureServer/<n> or /MapServer/<n> \(e\.g\. 'https://"
            r".*got 'https://example.com/arcgis.*This is a service address: "
            r"append the number of the layer \(the service lists its layers at "
            r"https://example.com/arcgis/rest/services/RussiaCoTinUkraine/"
            r"FeatureServer\?f=json\)",
        ),
        ("https://example.com/map.html", r"got 'https://example.com/map.html'\.$"),
        (f"https://example.com{SERVICE}/layers", "got 'https://example.com/arcgis"),
        (f"https://example.com{SERVICE}/0/query/extra", "got 'https://"),
        (
            "https://www.arcgis.com/home/item.html?id=abc",
            "open the layer in the map's legend",
        ),
        ("example.com/arcgis/rest/services/X/MapServer/0", "got 'example.com"),
        ("", "got ''"),
        (42, "got 42"),
        (
            f"http://example.com{SERVICE}/0",
            "only https URLs are followed",
        ),
    ],
)
def test_bad_urls(tmp_path, url, message):
    with pytest.raises(OptionError, match=message):
        fetch_arcgis(url, cache_dir=tmp_path)
    assert data_files(tmp_path) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"where": ""}, "where must be a non-empty SQL filter"),
        ({"out_fields": ["Name", 3]}, "out_fields must be"),
        ({"out_fields": "Name,,x"}, "out_fields must be"),
        ({"page_size": 0}, "page_size must be a positive integer, got 0"),
        ({"max_features": True}, "max_features must be a positive integer"),
    ],
)
def test_bad_options(server, tmp_path, kwargs, message):
    url = FakeLayer(arcgis_features(polygons())).install(server)
    with pytest.raises(OptionError, match=message):
        fetch_arcgis(url, cache_dir=tmp_path, **kwargs)
    assert sum(server.hits.values()) == 0


def test_http_500_on_one_page_caches_nothing(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), fail_offset=8)
    with pytest.raises(DownloadError, match=r"HTTP 500 .*Nothing was cached") as info:
        fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert info.value.status == 500
    assert [r["resultOffset"] for r in layer.requests if "resultOffset" in r] == [
        "0",
        "4",
        "8",
    ]
    assert data_files(tmp_path) == []
    # An HTTP error is not "offline": no cached copy is offered instead.
    layer.fail_offset = None
    path = fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    server.routes[LAYER] = lambda h: send(h, b"", 503)
    with pytest.raises(DownloadError, match="HTTP 503"):
        fetch_arcgis(server.url(LAYER), cache_dir=tmp_path)
    assert path.exists()


@pytest.mark.parametrize("paging", [True, False])
def test_max_features(server, tmp_path, paging):
    layer = FakeLayer(arcgis_features(polygons()), paging=paging)
    with pytest.raises(
        DownloadError,
        match=r"has 13 features matching where='1=1', more than max_features=12; "
        r"pass a larger max_features=",
    ):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path, max_features=12)
    assert len(layer.requests) == 1  # the count only
    assert data_files(tmp_path) == []
    assert fetch_arcgis(server.url(LAYER), cache_dir=tmp_path, max_features=13).exists()


def test_layer_that_grows_past_max_features_while_paging(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), count_delta=-5)
    with pytest.raises(
        DownloadError,
        match=r"sent more features matching where='1=1', more than max_features=12",
    ):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path, max_features=12)
    assert data_files(tmp_path) == []


def test_count_that_disagrees_with_the_features(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), count_delta=1)
    with pytest.raises(
        DownloadError, match=r"counted 14 features but sent 13 .* changed during"
    ):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert data_files(tmp_path) == []


def test_server_that_ignores_the_offset_stops_and_fails(server, tmp_path):
    layer = FakeLayer(arcgis_features(polygons()), ignore_offset=True)
    with pytest.raises(DownloadError, match="counted 13 features but sent 4"):
        fetch_arcgis(layer.install(server), cache_dir=tmp_path)
    assert [r["resultOffset"] for r in layer.requests if "resultOffset" in r] == [
        "0",
        "4",
    ]
    assert data_files(tmp_path) == []


def test_fetch_control_isw_points_to_latest(tmp_path):
    with pytest.raises(
        OptionError,
        match=r"ISW maps cannot be fetched by date \(got '2024-11-20'\).*"
        r"Use 'latest' \(fetch_isw, frontline fetch isw\)",
    ):
        fetch_control("isw", "2024-11-20", cache_dir=tmp_path)
