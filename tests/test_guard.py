"""frontline._guard: what an input file is, checked before any parser sees it."""

from __future__ import annotations

import gzip
import json
import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest

import frontline as fl
import frontline._io
from frontline._guard import Limits, XMLScan, check_file, prepared

BOX = [[37.0, 47.0], [38.0, 47.0], [38.0, 48.0], [37.0, 48.0], [37.0, 47.0]]
DOC = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"status": "occupied"},
            "geometry": {"type": "Polygon", "coordinates": [BOX]},
        }
    ],
}
LIMITS = Limits(1 << 20, 1 << 20)
COORDS = " ".join(f"{x},{y}" for x, y in BOX)
POLYGON = (
    "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
    f"{COORDS}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
)


def kml(body: str, prolog: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + prolog
        + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
        + body
        + "</Placemark></Document></kml>"
    )


# One stat


def test_a_named_pipe_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe.geojson")
    with pytest.raises(fl.UnsupportedFormatError, match=r"named pipe \(FIFO\)"):
        fl.read_control(tmp_path / "pipe.geojson")


def test_a_device_behind_a_link_is_refused(tmp_path):
    (tmp_path / "zero.geojson").symlink_to("/dev/zero")
    with pytest.raises(fl.UnsupportedFormatError, match="character device"):
        fl.read_control(tmp_path / "zero.geojson")


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.geojson"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
    with pytest.raises(fl.UnsupportedFormatError, match="a socket"):
        check_file(path, LIMITS)


def test_a_file_past_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "sparse.kml"
    with path.open("wb") as f:
        f.truncate(2 << 20)
    with pytest.raises(fl.UnsupportedFormatError, match="more than the limit"):
        check_file(path, LIMITS)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda t: t / "gone.geojson", "does not exist; check the path"),
        (
            lambda t: (t / "l.geojson").symlink_to(t / "nowhere") or t / "l.geojson",
            "symbolic link to .*nowhere",
        ),
        (
            lambda t: (
                (
                    (t / "a").symlink_to(t / "b"),
                    (t / "b").symlink_to(t / "a"),
                )
                and t / "a"
            ),
            "form a loop",
        ),
        (
            lambda t: (t / "f.geojson").write_text("{}") and t / "f.geojson" / "x",
            "a part of the path is a file",
        ),
        (lambda t: Path(str(t / "a") + "\0b"), "NUL character"),
        (lambda t: t / ("n" * 300 + ".geojson"), "too long"),
    ],
)
def test_what_the_system_refuses_is_a_frontline_error(tmp_path, make, match):
    with pytest.raises(fl.InputFileNotFoundError, match=match):
        check_file(make(tmp_path), LIMITS)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "secret.geojson"
    path.write_text("{}")
    path.chmod(0)
    with pytest.raises(fl.InputFileNotFoundError, match="permission denied"):
        check_file(path, LIMITS)


def test_a_file_named_with_a_newline_is_read(tmp_path):
    path = tmp_path / "a\nb.geojson"
    path.write_text(json.dumps(DOC))
    assert len(fl.read_control(path)) == 1


# Decompression


def test_gzip_is_decompressed_into_a_temporary_file_removed_afterwards(tmp_path):
    path = tmp_path / "map.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps(DOC).encode()))
    with prepared(path, LIMITS) as source:
        assert source.name == "doc.geojson"
        assert json.loads(source.read_text()) == DOC
    assert not source.exists()


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (gzip.compress(gzip.compress(b"{}")), "compressed twice"),
        (gzip.compress(b""), "decompresses to nothing"),
        (gzip.compress(b" " * (2 << 20)), "more than 1,048,576 bytes"),
        (gzip.compress(b"{}")[:-6], "cannot decompress"),
    ],
)
def test_bad_gzip_payloads(tmp_path, payload, match):
    path = tmp_path / "map.geojson.gz"
    path.write_bytes(payload)
    with pytest.raises(fl.UnsupportedFormatError, match=match), prepared(path, LIMITS):
        pass


def _zip(path: Path, members: dict, method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            if data == "LINK":
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, "/etc/passwd")
            else:
                z.writestr(name, data)
    return path


def test_kmz_document_that_is_a_link_is_refused(tmp_path):
    path = _zip(tmp_path / "x.kmz", {"doc.kml": "LINK"})
    with pytest.raises(fl.UnsupportedFormatError, match="symbolic link"):
        fl.read_control(path)


def test_kmz_is_read_through_a_temporary_file(tmp_path):
    path = _zip(tmp_path / "x.kmz", {"doc.kml": kml(POLYGON)})
    assert fl.area_km2(fl.read_control(path)).sum() == pytest.approx(8376.6325)


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({}, "is empty"),
        ({"a.shp": "LINK"}, "symbolic link"),
        ({"inner.zip": b"x"}, "holds another archive"),
        ({"../evil.shp": b"x"}, "unsafe path"),
    ],
)
def test_zip_archives_are_checked_before_gdal(tmp_path, members, match):
    path = _zip(tmp_path / "x.zip", members)
    with pytest.raises(fl.UnsupportedFormatError, match=match):
        fl.read_control(path)


def test_zip_with_an_unknown_method_is_refused(tmp_path):
    path = _zip(tmp_path / "x.zip", {"a.shp": b"x" * 100})
    raw = bytearray(path.read_bytes())
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = raw.find(sig)
        raw[at + off : at + off + 2] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(fl.UnsupportedFormatError, match="compression method 99"):
        fl.read_control(path)


# XML


def _scan(text: str | bytes, chunk: int = 7) -> XMLScan:
    data = text.encode() if isinstance(text, str) else text
    scan = XMLScan("'doc.kml'")
    for i in range(0, len(data), chunk):
        scan.feed(data[i : i + chunk])
    scan.close()
    return scan


def test_a_dtd_after_a_long_comment_is_refused():
    prolog = "<!--" + "x" * 5000 + "-->\n" + '<!DOCTYPE kml [<!ENTITY a "a">]>\n'
    with pytest.raises(fl.UnsupportedFormatError, match="declares a DTD"):
        _scan(kml(POLYGON, prolog), chunk=1000)


def test_a_dtd_in_utf16_is_refused():
    text = kml(POLYGON, '<!DOCTYPE kml [<!ENTITY a "a">]>\n').replace("UTF-8", "UTF-16")
    with pytest.raises(fl.UnsupportedFormatError, match="declares a DTD"):
        _scan(text.encode("utf-16"))


def test_a_dtd_split_by_the_chunks_is_seen():
    with pytest.raises(fl.UnsupportedFormatError, match="declares a DTD"):
        _scan(kml(POLYGON, "<!DOCTYPE kml>\n"), chunk=1)


def test_plain_kml_passes_and_polygons_are_counted():
    scan = _scan(kml(POLYGON + POLYGON.replace("<Polygon>", "<k:Polygon a='1'>")))
    assert (scan.polygons, scan.outers) == (2, 2)


def test_a_polygon_with_only_inner_boundaries_is_refused():
    inner = POLYGON.replace("outerBoundaryIs", "innerBoundaryIs")
    with pytest.raises(fl.GeometryError, match=r"1 of 2 KML <Polygon>.*outerBound"):
        _scan(kml(POLYGON + inner))


def test_self_closing_polygons_are_not_counted():
    assert _scan(kml(POLYGON + "<Polygon/>")).polygons == 1


def test_kml_content_under_another_name_is_scanned(tmp_path):
    path = tmp_path / "looks.geojson"
    path.write_text(kml(POLYGON, '<!DOCTYPE kml [<!ENTITY a "a">]>\n'))
    with pytest.raises(fl.UnsupportedFormatError, match="declares a DTD"):
        fl.read_control(path)


# GeoJSON sequences


def test_a_corrupt_record_in_a_sequence_is_refused_with_its_line(tmp_path):
    line = json.dumps(DOC["features"][0])
    path = tmp_path / "seq.geojsonl"
    path.write_text(f"{line}\n{{broken\n{line}\n")
    with pytest.raises(fl.UnsupportedFormatError, match=r"line 2 .*not JSON"):
        fl.read_control(path)
    path.write_text(f"{line}\n[1, 2]\n")
    with pytest.raises(fl.UnsupportedFormatError, match=r"line 2 .*not a GeoJSON"):
        fl.read_control(path)


def test_a_good_sequence_is_read(tmp_path):
    line = json.dumps(DOC["features"][0])
    path = tmp_path / "seq.geojsonl"
    path.write_text(f"{line}\n\n{line}\n")
    assert len(fl.read_control(path)) == 2


# Parsed size


def test_a_file_past_the_parsed_size_limit_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps(DOC))
    monkeypatch.setattr(frontline._io, "MAX_GEOMETRY_BYTES", 10)
    with pytest.raises(fl.UnsupportedFormatError, match=r"vertices .*MAX_GEOMETRY"):
        fl.read_control(path)


def test_large_geojson_is_parsed_in_python(tmp_path, monkeypatch):
    path = tmp_path / "big.geojson"
    doc = {**DOC, "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}
    path.write_text(json.dumps(doc))
    monkeypatch.setattr(frontline._io, "_GDAL_JSON_BYTES", 10)
    layer = fl.read_control(path)
    assert fl.area_km2(layer).sum() == pytest.approx(8376.6325)
    path.write_text('{"type": "Topology"}')
    with pytest.raises(fl.UnsupportedFormatError, match="not GeoJSON"):
        fl.read_control(path)
