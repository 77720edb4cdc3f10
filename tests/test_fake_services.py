"""The local imitation of the union archive, the DeepState API and ArcGIS.

These test the server itself (tests/fake_services.py), with a plain HTTP
client; the library's fetching is tested against it elsewhere. Skipped without
the validation data in ../shared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

import frontline as fl

from .fake_services import EDITED_ID, UNION_PATH, UNPUBLISHED, FakeServices

UNION_FILE = "deepstatemap_data_20241121.geojson"


@pytest.fixture
def services(monkeypatch):
    with FakeServices() as srv:
        srv.setenv(monkeypatch)
        yield srv


def get(url: str) -> tuple[int, bytes]:
    """GET without proxies or retries; a cut transfer raises IncompleteRead."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get_json(url: str, **params: Any) -> Any:
    status, body = get(f"{url}?{urlencode(params)}" if params else url)
    assert status == 200, body[:200]
    return json.loads(body)


def row(services: FakeServices, name: str) -> dict[str, str]:
    return next(r for r in services.manifest if r["file"] == name)


# ----------------------------------------------------------------------------
# Union archive


def test_union_file_at_its_pinned_commit_has_the_manifest_sha256(services):
    entry = row(services, UNION_FILE)
    status, body = get(services.url(services.pinned_path(UNION_FILE)))
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert len(body) == int(entry["bytes"])
    assert services.environ == {
        "FRONTLINE_DEEPSTATE_UNION_URL": services.union_url,
        "FRONTLINE_DEEPSTATE_API_URL": services.api_url,
    }
    # main serves the latest version; another commit, or no such file, is 404.
    assert get(f"{services.union_url}/main/data/{UNION_FILE}") == (200, body)
    assert get(f"{services.union_url}/{'0' * 40}/data/{UNION_FILE}")[0] == 404
    missing = "deepstatemap_data_20240818.geojson"  # a gap in the archive
    assert get(f"{services.union_url}/main/data/{missing}")[0] == 404
    assert services.count(services.pinned_path(UNION_FILE)) == 1
    assert services.total(UNION_PATH) == 4


def test_a_served_body_stands_in_for_the_rewritten_file(services):
    name = "deepstatemap_data_20250805.geojson"
    pinned = get(services.url(services.pinned_path(name)))[1]
    assert hashlib.sha256(pinned).hexdigest() == row(services, name)["sha256"]
    services.serve(services.union_path(name), b'{"type": "FeatureCollection"}')
    assert get(services.url(services.union_path(name)))[1].startswith(b'{"type"')
    assert get(services.url(services.pinned_path(name)))[1] == pinned


# ----------------------------------------------------------------------------
# DeepState history API


def test_public_lists_the_raw_versions_plus_unpublished_and_edited(services):
    entries = get_json(f"{services.api_url}/public")
    assert isinstance(entries, list)
    assert {"id", "createdAt", "updatedAt", "status"} <= set(entries[0])
    published = [e for e in entries if e["status"] is True]
    assert len(published) == 54
    assert {e["id"] for e in entries if e["status"] is False} == set(UNPUBLISHED)
    assert [e["createdAt"] for e in entries] == sorted(e["createdAt"] for e in entries)
    for entry in entries:  # ids are the publication time
        created = dt.datetime.fromisoformat(entry["createdAt"].replace("Z", "+00:00"))
        assert int(created.timestamp()) == entry["id"]
    edited = [e for e in entries if e["updatedAt"] != e["createdAt"]]
    assert [e["id"] for e in edited] == [EDITED_ID]
    assert edited[0]["updatedAt"] > edited[0]["createdAt"]


def test_version_geojson_and_unpublished_ids(services):
    doc = get_json(f"{services.api_url}/1732138237/geojson")
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) > 400
    assert get(f"{services.api_url}/{UNPUBLISHED[0]}/geojson")[0] == 404
    assert get(services.api_url)[0] == 401
    last = get_json(f"{services.api_url}/last")
    assert last["id"] == 1753989730
    assert last["map"]["type"] == "FeatureCollection"


# ----------------------------------------------------------------------------
# ArcGIS


def test_arcgis_layer_info_count_ids_and_formats(services):
    info = get_json(services.layer_url, f="json")
    assert info["geometryType"] == "esriGeometryPolygon"
    assert info["objectIdField"] == "OBJECTID"
    assert info["maxRecordCount"] == 4
    assert {"OBJECTID", "area_km2"} <= {f["name"] for f in info["fields"]}
    service = get_json(services.service_url, f="json")
    assert [layer["id"] for layer in service["layers"]] == [0]
    query = f"{services.layer_url}/query"
    assert get_json(query, where="1=1", returnCountOnly="true", f="json") == {
        "count": 11
    }
    ids = get_json(query, where="1=1", returnIdsOnly="true", f="json")
    assert ids["objectIds"] == list(range(1, 12))
    esri = get_json(query, where="1=1", objectIds="1,2", outFields="*", f="json")
    assert [f["attributes"]["OBJECTID"] for f in esri["features"]] == [1, 2]
    assert "rings" in esri["features"][0]["geometry"]
    bad = get_json(query, where="no such thing", f="geojson")
    assert bad["error"]["code"] == 400


def test_arcgis_paging_has_one_empty_flagged_page(services):
    query = f"{services.layer_url}/query"

    def page(offset: int) -> dict[str, Any]:
        return get_json(
            query,
            where="1=1",
            outFields="*",
            orderByFields="OBJECTID ASC",
            resultOffset=offset,
            resultRecordCount=4,
            f="geojson",
        )

    first = page(0)
    assert [f["id"] for f in first["features"]] == [1, 2, 3, 4]
    assert first["properties"]["exceededTransferLimit"] is True
    empty = page(4)
    assert empty["features"] == []
    assert empty["properties"]["exceededTransferLimit"] is True
    again = page(4)  # keep paging: the same offset now sends the features
    assert [f["id"] for f in again["features"]] == [5, 6, 7, 8]
    last = page(8)
    assert [f["id"] for f in last["features"]] == [9, 10, 11]
    assert "properties" not in last
    assert services.layer.empty_served == 1


def test_current_client_reads_the_layer_without_the_empty_page(tmp_path):
    with FakeServices(empty_page_offset=None) as srv:
        path = fl.fetch_arcgis(srv.layer_url, cache_dir=tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["frontline"]["without_geometry"] == 3
    assert len(doc["features"]) == 8


# ----------------------------------------------------------------------------
# Faults


def test_drop_after_cuts_one_download_then_serves_it_whole(services):
    url = services.url(services.pinned_path(UNION_FILE))
    services.drop_after(services.pinned_path(UNION_FILE), 1000)
    with pytest.raises(http.client.IncompleteRead) as info:
        get(url)
    assert len(info.value.partial) == 1000
    status, body = get(url)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == row(services, UNION_FILE)["sha256"]
    assert services.count(services.pinned_path(UNION_FILE)) == 2


def test_fail_answers_an_http_error_then_recovers(services):
    path = "/api/history/public"
    services.fail(path, 502, times=2)
    assert get(services.url(path))[0] == 502
    assert get(services.url(path))[0] == 502
    assert get(services.url(path))[0] == 200
    services.reset()
    assert services.total() == 0
