"""Broken and hostile inputs: clear errors, bounded time and memory, no traceback.

Every case is generated here (no committed binaries). Each one is run through
the library (exception type and message) and through the CLI (exit code 1, one
line on stderr, nothing on stdout), under a time and a Python-memory bound.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

import frontline as fl
from frontline.cli import main

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# Bounds for every hostile case: refused quickly, without loading the payload.
MAX_SECONDS = 5.0
MAX_PYTHON_MB = 64

BOX = [[37.0, 47.0], [38.0, 47.0], [38.0, 48.0], [37.0, 48.0], [37.0, 47.0]]


def feature(coords: Any, kind: str = "Polygon", **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": kind, "coordinates": coords},
    }


def collection(*features: dict[str, Any], **extra: Any) -> str:
    return json.dumps(
        {"type": "FeatureCollection", "features": list(features), **extra}
    )


def write(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return make


def kml(body: str, prolog: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + prolog
        + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + body
        + "</Document></kml>"
    )


PLACEMARK = (
    "<Placemark><name>Occupied</name><Polygon><outerBoundaryIs><LinearRing>"
    "<coordinates>37,47 38,47 38,48 37,48 37,47</coordinates></LinearRing>"
    "</outerBoundaryIs></Polygon>"
    "</Placemark>"
)

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)


def kmz(
    members: dict[str, bytes], *, declared: dict[str, int] | None = None
) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "map.kmz"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        if declared:
            # Forge the uncompressed sizes in the central directory, as a zip
            # bomb does, without writing gigabytes.
            raw = bytearray(path.read_bytes())
            for name, size in declared.items():
                entry = raw.rfind(name.encode())
                header = raw.rfind(b"PK\x01\x02", 0, entry)
                raw[header + 24 : header + 28] = size.to_bytes(4, "little")
            path.write_bytes(bytes(raw))
        return path

    return make


def gzip_bomb(tmp: Path) -> Path:
    path = tmp / "bomb.geojson.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        chunk = b" " * (1 << 20)
        for _ in range(80):  # 80 MiB of spaces, ~80 kB on disk
            f.write(chunk)
    return path


def zip_member(
    name: str, data: bytes, archive_name: str = "shapes.zip"
) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / archive_name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(name, data)
        return path

    return make


def shapefile_without_index(tmp: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = tmp / "control.shp"
    gpd.GeoDataFrame(geometry=[shapely.box(37, 47, 38, 48)], crs=4326).to_file(path)
    path.with_suffix(".shx").unlink()
    return path


def missing(tmp: Path) -> Path:
    return tmp / "does-not-exist.geojson"


def directory(tmp: Path) -> Path:
    (tmp / "folder.geojson").mkdir()
    return tmp / "folder.geojson"


@dataclass
class Case:
    id: str
    make: Callable[[Path], Path]
    error: type[Exception]
    match: str
    cli: list[str] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    limit_mb: int | None = None  # lowers MAX_UNCOMPRESSED_BYTES for the case
    warns: str | None = None  # a FrontlineWarning expected before the error


MERC = [
    [4_100_000.0, 5_900_000.0],
    [4_200_000.0, 5_900_000.0],
    [4_200_000.0, 6_000_000.0],
    [4_100_000.0, 5_900_000.0],
]

CASES = [
    Case("missing file", missing, fl.InputFileNotFoundError, "does not exist"),
    Case("directory", directory, fl.UnsupportedFormatError, "is a directory"),
    Case(
        "empty file",
        write("empty.geojson", b""),
        fl.UnsupportedFormatError,
        r"is empty \(0 bytes\)",
    ),
    Case(
        "binary garbage",
        write("garbage.geojson", bytes(range(256)) * 64),
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "truncated geojson",
        write("cut.geojson", collection(feature([BOX]))[:60]),
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "json, not geojson",
        write("x.geojson", '{"hello": [1, 2, 3]}'),
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "not utf-8",
        write(
            "latin1.geojson",
            collection(feature([BOX], name="Zaporizhzhia"))
            .replace("Zaporizhzhia", "\udce9")
            .encode("utf-8", "surrogateescape"),
        ),
        fl.UnsupportedFormatError,
        "not valid UTF-8",
    ),
    Case(
        "plain text",
        write("notes.txt", "occupied: most of Donetsk\n"),
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "garbage gpkg",
        write("x.gpkg", b"SQLite format 3\x00" + b"\x01" * 4000),
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "garbage parquet",
        write("x.parquet", b"PAR1" + b"\x00" * 100),
        fl.UnsupportedFormatError,
        "GeoParquet",
    ),
    Case(
        "shapefile without .shx",
        shapefile_without_index,
        fl.UnsupportedFormatError,
        "cannot read",
    ),
    Case(
        "empty collection",
        write("e.geojson", collection()),
        fl.EmptyLayerError,
        "has no features",
    ),
    Case(
        "null geometries only",
        write(
            "n.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": {}, "geometry": None}
                    ],
                }
            ),
        ),
        fl.EmptyLayerError,
        "only empty features",
    ),
    Case(
        "points only",
        write("p.geojson", collection(feature([37.5, 47.5], "Point"))),
        fl.EmptyLayerError,
        "holds no polygons",
    ),
    Case(
        "lines only",
        write("l.geojson", collection(feature([[37, 47], [38, 48]], "LineString"))),
        fl.EmptyLayerError,
        "holds no polygons",
    ),
    Case(
        "collection of points",
        write(
            "gc.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {
                                "type": "GeometryCollection",
                                "geometries": [
                                    {"type": "Point", "coordinates": [37, 47]}
                                ],
                            },
                        }
                    ],
                }
            ),
        ),
        fl.EmptyLayerError,
        "holds no polygons",
    ),
    Case(
        "zero-area sliver only",
        write(
            "z.geojson",
            collection(feature([[[37, 47], [37.5, 47], [38, 47], [37, 47]]])),
        ),
        fl.EmptyLayerError,
        "no polygons with an area",
        warns="repaired 1 invalid",
    ),
    Case(
        "NaN coordinates",
        write(
            "nan.geojson",
            collection(feature([[[37, 47], [38, 47], [38, "NaN"], [37, 47]]])).replace(
                '"NaN"', "NaN"
            ),
        ),
        fl.GeometryError,
        "NaN or infinite",
    ),
    Case(
        "infinite coordinates",
        write(
            "inf.geojson",
            collection(feature([[[37, 47], [38, 47], [38, "INF"], [37, 47]]])).replace(
                '"INF"', "Infinity"
            ),
        ),
        fl.GeometryError,
        "NaN or infinite",
    ),
    Case(
        "lat/lon swapped",
        write("swap.geojson", collection(feature([[[y, x] for x, y in BOX]]))),
        fl.GeometryError,
        "wrong order; swap them",
    ),
    Case(
        "far outside Ukraine",
        write(
            "aus.geojson",
            collection(feature([[[140, -30], [141, -30], [141, -29], [140, -30]]])),
        ),
        fl.GeometryError,
        "outside Ukraine",
    ),
    Case(
        "web mercator, no CRS",
        write("merc.geojson", collection(feature([MERC]))),
        fl.CRSError,
        "look projected|contradicts",
    ),
    Case(
        "CRS contradicts coordinates",
        write(
            "bad-crs.geojson",
            collection(
                feature([MERC]),
                crs={
                    "type": "name",
                    "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"},
                },
            ),
        ),
        fl.CRSError,
        "contradicts",
    ),
    Case(
        "unknown status label",
        write("labels.geojson", collection(feature([BOX], status="mystery"))),
        fl.UnknownStatusError,
        "'mystery'",
    ),
    Case(
        "missing status column",
        write("ok.geojson", collection(feature([BOX]))),
        fl.OptionError,
        "status_column 'kind' is not in the layer",
        cli=["--status-column", "kind"],
        kwargs={"status_column": "kind"},
    ),
    Case(
        "null status label",
        write(
            "nolabel.geojson",
            collection(feature([BOX], status=None), feature([BOX], status="occupied")),
        ),
        fl.UnknownStatusError,
        "labels found",
    ),
    Case(
        "unknown region",
        write("ok2.geojson", collection(feature([BOX]))),
        fl.RegionNotFoundError,
        "unknown region 'Atlantis'",
        cli=["--regions", "Atlantis"],
        kwargs={"regions": "Atlantis"},
    ),
    Case(
        "bad date",
        write("ok3.geojson", collection(feature([BOX]))),
        fl.OptionError,
        "cannot read date",
        cli=["--date", "20-11-2024"],
        kwargs={"date": "20-11-2024"},
    ),
    Case(
        "unknown source",
        write("ok4.geojson", collection(feature([BOX]))),
        fl.OptionError,
        "unknown source",
        cli=["--source", "tass"],
        kwargs={"source": "tass"},
    ),
    Case(
        "contradictory options",
        write("ok5.geojson", collection(feature([BOX], status="occupied"))),
        fl.OptionError,
        "got both status",
        cli=["--status", "occupied", "--status-column", "status"],
        kwargs={"status": "occupied", "status_column": "status"},
    ),
    Case(
        "unknown fixed status",
        write("ok6.geojson", collection(feature([BOX]))),
        fl.UnknownStatusError,
        "unknown status 'russianish'",
        cli=["--status", "russianish"],
        kwargs={"status": "russianish"},
    ),
    Case(
        "kml billion laughs",
        write("lol.kml", kml(PLACEMARK.replace("Occupied", "&lol9;"), BILLION_LAUGHS)),
        fl.UnsupportedFormatError,
        "declares a DTD",
    ),
    Case(
        "kml external entity",
        write(
            "xxe.kml",
            kml(
                PLACEMARK.replace("Occupied", "&xxe;"),
                '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
            ),
        ),
        fl.UnsupportedFormatError,
        "declares a DTD",
    ),
    Case(
        "kmz billion laughs",
        kmz({"doc.kml": kml(PLACEMARK, BILLION_LAUGHS).encode()}),
        fl.UnsupportedFormatError,
        "declares a DTD",
    ),
    Case(
        "kmz bomb (declared size)",
        kmz({"doc.kml": kml(PLACEMARK).encode()}, declared={"doc.kml": 4_000_000_000}),
        fl.UnsupportedFormatError,
        "possible zip bomb",
    ),
    Case(
        "kmz bomb (real ratio)",
        kmz({"doc.kml": kml(PLACEMARK).encode() + b" " * (12 << 20)}),
        fl.UnsupportedFormatError,
        "possible zip bomb",
        limit_mb=8,
    ),
    Case(
        "kmz with ../ member only",
        kmz({"../../evil.kml": kml(PLACEMARK).encode()}),
        fl.UnsupportedFormatError,
        "holds no .kml document",
    ),
    Case(
        "kmz nested archive",
        kmz({"inner.kmz": b"PK\x03\x04nested"}),
        fl.UnsupportedFormatError,
        "holds no .kml document",
    ),
    Case(
        "kmz not a zip",
        write("fake.kmz", b"this is not a zip file at all"),
        fl.UnsupportedFormatError,
        "not a valid KMZ",
    ),
    Case(
        "gzip bomb",
        gzip_bomb,
        fl.UnsupportedFormatError,
        "possible zip bomb",
        limit_mb=16,
    ),
    Case(
        "gzip garbage",
        write("bad.geojson.gz", b"\x1f\x8b\x08\x00garbage-not-deflate"),
        fl.UnsupportedFormatError,
        "cannot decompress",
    ),
    Case(
        "zip with ../ member",
        zip_member("../escape.shp", b"\x00" * 10),
        fl.UnsupportedFormatError,
        "unsafe path",
    ),
    Case(
        "zip nested archive",
        zip_member("inner.zip", b"PK\x05\x06" + b"\x00" * 18),
        fl.UnsupportedFormatError,
        "nested archives",
    ),
    Case(
        "zip not a zip",
        write("shapes.zip", b"nope" * 10),
        fl.UnsupportedFormatError,
        "not a valid zip",
    ),
]


def _call_library(case: Case, path: Path) -> None:
    kwargs = dict(case.kwargs)
    regions = kwargs.pop("regions", None)
    if regions is not None:
        fl.control_table(path, regions)
    else:
        fl.control_table(fl.read_control(path, **kwargs))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_library(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case.limit_mb:
        monkeypatch.setattr("frontline._io.MAX_UNCOMPRESSED_BYTES", case.limit_mb << 20)
    path = case.make(tmp_path)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(case.error, match=case.match) as info:
            if case.warns:
                with pytest.warns(fl.FrontlineWarning, match=case.warns):
                    _call_library(case, path)
            else:
                _call_library(case, path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert isinstance(info.value, fl.FrontlineError)
    assert isinstance(info.value, (ValueError, KeyError, FileNotFoundError))
    assert elapsed < MAX_SECONDS, f"{case.id}: {elapsed:.1f} s"
    assert peak < MAX_PYTHON_MB << 20, f"{case.id}: {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_cli(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if case.limit_mb:
        monkeypatch.setattr("frontline._io.MAX_UNCOMPRESSED_BYTES", case.limit_mb << 20)
    path = case.make(tmp_path)
    code = main(["report", str(path), *case.cli])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    lines = [
        ln
        for ln in err.strip().splitlines()
        if not ln.startswith("frontline: warning:")
    ]
    assert len(lines) == 1, err
    assert lines[0].startswith("frontline: error: ")
    assert bool(case.warns) == ("frontline: warning:" in err)
    assert "Traceback" not in err


def test_corpus_size() -> None:
    assert len(CASES) >= 40


@pytest.mark.slow
def test_large_legitimate_input_in_bounded_time_and_memory(tmp_path: Path) -> None:
    # 2,000 features, 400,000 vertices (~10 MB of GeoJSON): read and measured
    # without holding more than a few copies of the coordinates.
    import numpy as np

    rng = np.random.default_rng(0)
    features = []
    for i in range(2000):
        cx, cy = 35 + 4 * rng.random(), 46.5 + 3 * rng.random()
        angle = np.linspace(0, 2 * np.pi, 200, endpoint=False)
        ring = np.column_stack([cx + 0.02 * np.cos(angle), cy + 0.02 * np.sin(angle)])
        ring = np.vstack([ring, ring[:1]]).round(6).tolist()
        features.append(feature([ring], status="occupied" if i % 2 else "contested"))
    path = tmp_path / "big.geojson"
    path.write_text(collection(*features))
    assert path.stat().st_size > 9 << 20
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.warns(fl.FrontlineWarning, match="more than one status"):
            table = fl.control_table(fl.read_control(path), "six")
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert (table.occupied_km2 + table.contested_km2 > 0).any()
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert peak < 400 << 20, f"{peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    "exc", [MemoryError(), __import__("shapely").errors.GEOSException("std::bad_alloc")]
)
def test_running_out_of_memory_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, exc: Exception
) -> None:
    """GEOS out of memory on a huge ring (std::bad_alloc) is a GeometryError."""
    path = tmp_path / "huge.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature([BOX])]})
    )
    from frontline import control

    def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(control, "_normalise", exhausted)
    monkeypatch.setattr(control, "_read_arrays", exhausted)
    with pytest.raises(
        fl.errors.GeometryError, match=r"ran out of memory.*huge\.geojson"
    ):
        fl.read_control(path, status="occupied")
    assert main(["report", str(path), "--status", "occupied"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("frontline: error: ran out of memory") and err.count("\n") == 1
    )


def test_other_geos_errors_are_not_called_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shapely

    from frontline import control

    path = tmp_path / "x.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature([BOX])]})
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise shapely.errors.GEOSException("TopologyException: side location conflict")

    monkeypatch.setattr(control, "_normalise", broken)
    monkeypatch.setattr(control, "_read_arrays", broken)
    with pytest.raises(shapely.errors.GEOSException, match="side location"):
        fl.read_control(path, status="occupied")
