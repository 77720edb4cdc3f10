"""Tests for :func:`frontline.read_control` and the file reader behind it.

Every input is a tiny synthetic layer (``shapely.box`` and friends, placed in
eastern Ukraine around lon 35-38.5, lat 47-49) written into ``tmp_path`` at
test time, in every format the reader accepts.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import math
import re
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import pyogrio
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import GeometryCollection, LineString, Point, Polygon

import frontline._io
from frontline import (
    PRECEDENCE,
    CRSError,
    EmptyLayerError,
    FrontlineError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
    UnknownStatusError,
    UnsupportedFormatError,
    area_km2,
    read_control,
)
from frontline.control import is_normalised

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

REL = 1e-9

# Russian-held: a plain box and a box with a hole (rings and holes must survive
# every format); grey zone: a box to the south-west, disjoint from both.
OCC = shapely.box(37.0, 47.5, 37.5, 48.0)
HOLED = Polygon(
    [(35.0, 48.0), (36.0, 48.0), (36.0, 49.0), (35.0, 49.0)],
    [[(35.25, 48.25), (35.25, 48.5), (35.5, 48.5), (35.5, 48.25)]],
)
CON = shapely.box(36.0, 47.0, 36.5, 47.25)


def frame(
    geoms: list[Any], crs: Any = "EPSG:4326", **columns: list[Any]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


def status_areas(layer: gpd.GeoDataFrame) -> dict[str, float]:
    km2 = pd.Series(area_km2(layer), index=layer.index)
    return {str(k): float(v) for k, v in km2.groupby(layer["status"]).sum().items()}


def exteriors_ccw(layer: gpd.GeoDataFrame) -> bool:
    polys = shapely.get_parts(np.asarray(layer.geometry.values, dtype=object))
    return bool(shapely.is_ccw(shapely.get_exterior_ring(polys)).all())


def assert_normalised(layer: gpd.GeoDataFrame) -> None:
    assert is_normalised(layer)
    assert layer.crs == "EPSG:4326"
    assert list(layer.columns[:1]) == ["status"]
    assert layer.columns[-1] == layer.geometry.name
    assert set(layer.status) <= set(PRECEDENCE)
    assert layer.geometry.is_valid.all()
    assert not layer.geometry.has_z.any()
    assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    assert exteriors_ccw(layer)


@pytest.fixture
def source() -> gpd.GeoDataFrame:
    return frame(
        [OCC, HOLED, CON],
        status=["occupied", "occupied", "contested"],
        name=["east", "west", "grey"],
    )


@pytest.fixture
def expected(source: gpd.GeoDataFrame) -> dict[str, float]:
    return status_areas(source)


# --------------------------------------------------------------------------
# Writers: one per format, each returns the path and the read_control options.


def _kml_ring(ring: Any) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in ring.coords)


def _kml_placemark(name: str, poly: Polygon) -> str:
    holes = "".join(
        "<innerBoundaryIs><LinearRing><coordinates>"
        f"{_kml_ring(r)}</coordinates></LinearRing></innerBoundaryIs>"
        for r in poly.interiors
    )
    return (
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing>"
        f"<coordinates>{_kml_ring(poly.exterior)}</coordinates></LinearRing>"
        f"</outerBoundaryIs>{holes}</Polygon></Placemark>"
    )


def kml_text(folders: dict[str | None, list[tuple[str, Polygon]]]) -> str:
    """A KML document; placemarks in a folder per key (``None``: at the root)."""
    body = []
    for folder, marks in folders.items():
        inner = "".join(_kml_placemark(n, p) for n, p in marks)
        body.append(
            inner
            if folder is None
            else f"<Folder><name>{folder}</name>{inner}</Folder>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>map</name>'
        f"{''.join(body)}</Document></kml>"
    )


def _placemarks(src: gpd.GeoDataFrame) -> list[tuple[str, Polygon]]:
    return list(zip(src["status"], src.geometry, strict=True))


def write_geojson(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.geojson"
    src.to_file(path, driver="GeoJSON")
    return path, {"status_column": "status"}


def write_geojson_gz(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    plain, opts = write_geojson(src, tmp)
    path = tmp / "control.geojson.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return path, opts


def write_kml(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.kml"
    path.write_text(kml_text({None: _placemarks(src)}), encoding="utf-8")
    return path, {"status_column": "Name"}


def write_kml_folders(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "folders.kml"
    folders: dict[str | None, list[tuple[str, Polygon]]] = {
        "Occupied": [("a", g) for g in src.geometry[src.status == "occupied"]],
        "Grey zone": [("b", g) for g in src.geometry[src.status == "contested"]],
    }
    path.write_text(kml_text(folders), encoding="utf-8")
    return path, {"status_column": "layer"}


def write_kmz(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.kmz"
    decoy = kml_text({None: [("contested", shapely.box(37, 47, 38, 48))]})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        # doc.kml wins over other documents, whatever their order.
        archive.writestr("a_overlay.kml", decoy)
        archive.writestr("doc.kml", kml_text({None: _placemarks(src)}))
        archive.writestr("files/icon.png", b"\x89PNG")
    return path, {"status_column": "Name"}


def write_gpkg(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.gpkg"
    src[src.status == "occupied"].to_file(path, layer="russian", driver="GPKG")
    src[src.status == "contested"].to_file(path, layer="grey", driver="GPKG")
    return path, {"status_column": "status"}


def write_shp(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.shp"
    src.to_file(path)
    return path, {"status_column": "status"}


def write_shp_zip(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    _, opts = write_shp(src, tmp)
    path = tmp / "control.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(tmp.glob("control.*")):
            if part != path:
                archive.write(part, part.name)
    return path, opts


def write_fgb(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.fgb"
    src.to_file(path, driver="FlatGeobuf")
    return path, {"status_column": "status"}


def write_parquet(src: gpd.GeoDataFrame, tmp: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp / "control.parquet"
    src.to_parquet(path)
    return path, {"status_column": "status"}


WRITERS: dict[str, Callable[[gpd.GeoDataFrame, Path], tuple[Path, dict[str, Any]]]]
WRITERS = {
    "geojson": write_geojson,
    "geojson.gz": write_geojson_gz,
    "kml": write_kml,
    "kml-folders": write_kml_folders,
    "kmz": write_kmz,
    "gpkg": write_gpkg,
    "shp": write_shp,
    "shp.zip": write_shp_zip,
    "fgb": write_fgb,
    "parquet": write_parquet,
}


# --------------------------------------------------------------------------
# Formats


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_format_gives_the_source_statuses_and_areas(
    fmt: str,
    source: gpd.GeoDataFrame,
    expected: dict[str, float],
    tmp_path: Path,
) -> None:
    path, opts = WRITERS[fmt](source, tmp_path)
    layer = read_control(path, **opts)
    assert_normalised(layer)
    assert sorted(layer.status) == sorted(source.status)
    got = status_areas(layer)
    assert got.keys() == expected.keys()
    for status, km2 in expected.items():
        assert got[status] == pytest.approx(km2, rel=REL), status
    assert area_km2(layer).sum() == pytest.approx(sum(expected.values()), rel=REL)
    # The hole survived: one output polygon has an interior ring.
    parts = shapely.get_parts(np.asarray(layer.geometry.values, dtype=object))
    assert shapely.get_num_interior_rings(parts).sum() == 1
    assert layer.attrs["date"] is None
    assert layer.attrs["source"] == path.name
    assert layer.attrs["repairs"] == []


@pytest.mark.parametrize(
    ("fmt", "layers"),
    [("kml-folders", {"Occupied", "Grey zone"}), ("gpkg", {"russian", "grey"})],
)
def test_multi_layer_files_record_the_layer(
    fmt: str, layers: set[str], source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path, opts = WRITERS[fmt](source, tmp_path)
    layer = read_control(path, **opts)
    assert set(layer["layer"]) == layers
    by_layer = layer.groupby("layer")["status"].agg(set).to_dict()
    assert all(len(statuses) == 1 for statuses in by_layer.values())


def test_multi_folder_kml_layer_column_holds_the_classes(
    source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path, _ = write_kml_folders(source, tmp_path)
    layer = read_control(path, status_column="layer")
    assert dict(zip(layer["layer"], layer["status"], strict=True)) == {
        "Occupied": "occupied",
        "Grey zone": "contested",
    }


@pytest.mark.parametrize(
    ("name", "status"),
    [("russian", "occupied"), ("grey", "contested"), (1, "contested")],
)
def test_layer_option_reads_one_layer(
    name: str | int, status: str, source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path, _ = write_gpkg(source, tmp_path)
    layer = read_control(path, status_column="status", layer=name)
    assert set(layer.status) == {status}
    assert "layer" not in layer.columns
    assert area_km2(layer).sum() == pytest.approx(
        area_km2(source[source.status == status]).sum(), rel=REL
    )


def test_unknown_layer_names_the_file(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path, _ = write_gpkg(source, tmp_path)
    with pytest.raises(UnsupportedFormatError, match=r"control\.gpkg.*layer 'nope'"):
        read_control(path, status_column="status", layer="nope")


def test_gpkg_layers_in_different_crs_are_reprojected_before_merging(
    source: gpd.GeoDataFrame, expected: dict[str, float], tmp_path: Path
) -> None:
    path = tmp_path / "mixed.gpkg"
    source[source.status == "occupied"].to_file(path, layer="russian")
    source[source.status == "contested"].to_crs(3857).to_file(path, layer="grey")
    layer = read_control(path, status_column="status")
    got = status_areas(layer)
    for status, km2 in expected.items():
        assert got[status] == pytest.approx(km2, rel=1e-6), status


def test_gpkg_layers_with_and_without_crs_are_an_error(
    source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.gpkg"
    source[source.status == "occupied"].to_file(path, layer="russian")
    no_crs = source[source.status == "contested"].set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        no_crs.to_file(path, layer="grey")
    with pytest.raises(CRSError, match=r"mix CRSs \['EPSG:4326', 'None'\].*layer="):
        read_control(path, status_column="status")
    assert len(read_control(path, status_column="status", layer="russian")) == 2


def test_gpkg_attribute_table_is_skipped(
    source: gpd.GeoDataFrame, expected: dict[str, float], tmp_path: Path
) -> None:
    path, _ = write_gpkg(source, tmp_path)
    pyogrio.write_dataframe(
        pd.DataFrame({"key": ["source"], "value": ["synthetic"]}), path, layer="meta"
    )
    layer = read_control(path, status_column="status")
    assert set(layer["layer"]) == {"russian", "grey"}
    assert status_areas(layer) == pytest.approx(expected, rel=REL)
    with pytest.raises(
        UnsupportedFormatError, match=r"control\.gpkg' \(layer 'meta'\) has no geometry"
    ):
        read_control(path, status_column="status", layer="meta")


def test_kmz_reads_doc_kml(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path, opts = write_kmz(source, tmp_path)
    layer = read_control(path, **opts)
    # The decoy overlay would add a contested 1°x1° box overlapping OCC.
    assert len(layer) == len(source)


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_kmz_member_outside_the_archive_is_refused(
    source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    kml = kml_text({None: _placemarks(source)})
    path = _zip(tmp_path / "evil.kmz", {"../doc.kml": kml, "/etc/x.kml": kml})
    with pytest.raises(UnsupportedFormatError, match=r"holds no \.kml document"):
        read_control(path, status_column="Name")


def test_kmz_with_huge_declared_size_is_refused(
    source: gpd.GeoDataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _zip(
        tmp_path / "bomb.kmz", {"doc.kml": kml_text({None: _placemarks(source)})}
    )
    monkeypatch.setattr(frontline._io, "MAX_UNCOMPRESSED_BYTES", 100)
    with pytest.raises(
        UnsupportedFormatError, match=r"declares [\d,]+ bytes.*zip bomb"
    ):
        read_control(path, status_column="Name")


def test_corrupt_kmz_member(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    kml = kml_text({None: _placemarks(source)}).encode()
    path = _zip(tmp_path / "corrupt.kmz", {"doc.kml": kml})
    data = bytearray(path.read_bytes())
    start = data.index(b"doc.kml") + len("doc.kml")  # compressed data follows
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedFormatError, match=r"cannot extract 'doc\.kml'"):
        read_control(path, status_column="Name")


def test_encrypted_kmz_member(source: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = _zip(tmp_path / "locked.kmz", {"doc.kml": kml_text({None: []})})
    # Set the "encrypted" flag in the local and the central header.
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedFormatError, match="corrupt or encrypted"):
        read_control(path, status_column="Name")


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({"doc.txt": "hello"}, r"holds no \.kml document; members: \['doc\.txt'\]"),
        ({"doc.kml": "<kml"}, r"cannot read '.*bad\.kmz' as a vector layer"),
    ],
)
def test_kmz_without_a_readable_document(
    members: dict[str, str | bytes], match: str, tmp_path: Path
) -> None:
    path = _zip(tmp_path / "bad.kmz", members)
    with pytest.raises(UnsupportedFormatError, match=match):
        read_control(path)


def test_kmz_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.kmz"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsupportedFormatError, match="not a valid KMZ"):
        read_control(path)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda data: b"not gzip at all", "Not a gzipped file"),
        (lambda data: data[: len(data) // 2], "end-of-stream marker"),
        # Overwrite the first deflate block header: zlib.error, not OSError.
        (lambda data: data[:10] + b"\xff\xff\xff" + data[13:], "invalid block type"),
    ],
    ids=["not-gzip", "truncated", "corrupt"],
)
def test_broken_gzip(
    damage: Callable[[bytes], bytes],
    match: str,
    source: gpd.GeoDataFrame,
    tmp_path: Path,
) -> None:
    path, opts = write_geojson_gz(source, tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(UnsupportedFormatError, match=rf"cannot decompress .*{match}"):
        read_control(path, **opts)


def test_gzip_beyond_the_size_limit(
    source: gpd.GeoDataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, opts = write_geojson_gz(source, tmp_path)
    monkeypatch.setattr(frontline._io, "MAX_UNCOMPRESSED_BYTES", 100)
    with pytest.raises(
        UnsupportedFormatError, match=r"decompresses to more than 100 bytes.*zip bomb"
    ):
        read_control(path, **opts)


def test_bad_parquet(tmp_path: Path) -> None:
    path = tmp_path / "control.parquet"
    path.write_bytes(b"PAR1 garbage")
    with pytest.raises(UnsupportedFormatError, match="as GeoParquet"):
        read_control(path)


# --------------------------------------------------------------------------
# GeoDataFrame input


def test_geodataframe_input_is_not_mutated() -> None:
    messy = frame(
        [
            shapely.box(37.0, 47.0, 38.0, 48.0, ccw=False),
            shapely.force_3d(shapely.box(37.5, 47.0, 38.5, 48.0), 100.0),
            Polygon([(35, 48), (36, 49), (36, 48), (35, 49)]),  # bow-tie
            Point(37, 47),
            None,
        ],
        status=["occupied", "grey", "occupied", "occupied", "occupied"],
        note=["a", "b", "c", "d", "e"],
    ).set_index(pd.Index([10, 20, 30, 40, 50]))
    messy = messy.to_crs(3857)
    messy.attrs["mine"] = {"keep": [1]}
    before = messy.copy()
    with pytest.warns(FrontlineWarning) as record:
        layer = read_control(messy)
    assert len(record) == 2
    assert_geodataframe_equal(messy, before)
    assert messy.attrs == {"mine": {"keep": [1]}}
    assert messy.crs == "EPSG:3857"
    # The input index is kept for the rows that remain.
    assert list(layer.index) == [10, 20, 30]
    assert_normalised(layer)


def test_output_keeps_other_columns_after_status(source: gpd.GeoDataFrame) -> None:
    layer = read_control(
        source.rename(columns={"status": "klass"}), status_column="klass"
    )
    assert list(layer.columns) == ["status", "klass", "name", "geometry"]
    assert list(layer.index) == list(source.index)


@pytest.mark.parametrize("data", [42, [OCC], {"geometry": OCC}])
def test_data_of_the_wrong_type(data: Any) -> None:
    with pytest.raises(OptionError, match="expected a path or a GeoDataFrame, got"):
        read_control(data)


# --------------------------------------------------------------------------
# Normalisation


def test_z_coordinates_are_dropped() -> None:
    flat = [OCC, HOLED]
    layer = read_control(frame([shapely.force_3d(g, 250.0) for g in flat]))
    assert not layer.geometry.has_z.any()
    assert area_km2(layer).sum() == pytest.approx(area_km2(flat).sum(), rel=REL)


def test_geometry_collections_keep_only_their_polygons() -> None:
    gc = GeometryCollection([OCC, Point(36, 47), LineString([(35, 47), (36, 48)]), CON])
    layer = read_control(frame([gc]))
    assert list(layer.geom_type) == ["MultiPolygon"]
    assert shapely.get_num_geometries(layer.geometry.iloc[0]) == 2
    assert area_km2(layer).sum() == pytest.approx(area_km2([OCC, CON]).sum(), rel=REL)


def test_points_and_lines_are_removed() -> None:
    layer = read_control(
        frame([OCC, Point(36, 47), LineString([(35, 47), (36, 48)])], name=list("abc")),
        status="occupied",
    )
    assert list(layer["name"]) == ["a"]
    assert layer.attrs["dropped"] == {"features without polygons (points, lines)": 2}


@pytest.mark.parametrize(
    ("geoms", "match"),
    [
        (
            [Point(36, 47), LineString([(35, 47), (36, 48)])],
            r"holds no polygons \(geometry types: LineString, Point\)",
        ),
        ([], "has no features"),
        ([None, Polygon()], "has no geometries, only empty features"),
    ],
)
def test_layers_without_polygons(geoms: list[Any], match: str) -> None:
    with pytest.raises(EmptyLayerError, match=match):
        read_control(frame(geoms))


def test_zero_area_polygons_repair_to_nothing() -> None:
    flat = Polygon([(37, 47), (37.5, 47), (38, 47)])  # make_valid: a line
    assert area_km2(flat) == 0.0
    with (
        pytest.raises(EmptyLayerError, match="no polygons with an area"),
        pytest.warns(FrontlineWarning, match="repaired 1 invalid polygon"),
    ):
        read_control(frame([flat]))


def test_empty_geojson_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(EmptyLayerError, match=r"empty\.geojson' has no features"):
        read_control(path)


def test_bow_tie_is_repaired_with_a_warning() -> None:
    bow_tie = Polygon([(37, 47), (38, 48), (38, 47), (37, 48)])
    assert not bow_tie.is_valid
    with pytest.warns(FrontlineWarning, match=r"repaired 1 invalid polygon") as record:
        layer = read_control(frame([bow_tie, CON], status=["occupied", "contested"]))
    assert record[0].filename == __file__
    assert layer.geometry.is_valid.all()
    fixed = shapely.make_valid(bow_tie)
    occupied = layer[layer.status == "occupied"]
    assert area_km2(occupied).sum() == pytest.approx(area_km2(fixed), rel=REL)
    (repair,) = layer.attrs["repairs"]
    assert repair["what"] == "make_valid"
    assert repair["polygons"] == 1
    assert repair["area_after_km2"] == pytest.approx(area_km2(fixed), abs=1e-3)
    assert_normalised(layer)


@pytest.mark.parametrize("ccw", [True, False])
def test_ring_orientation_does_not_change_the_area(ccw: bool) -> None:
    shell = list(shapely.box(35, 47, 37, 49).exterior.coords)
    hole = list(shapely.box(35.5, 47.5, 36, 48).exterior.coords)
    if not ccw:
        shell = shell[::-1]
    else:
        hole = hole[::-1]
    poly = Polygon(shell, [hole])
    reference = Polygon(
        shapely.box(35, 47, 37, 49).exterior.coords,
        [shapely.box(35.5, 47.5, 36, 48, ccw=False).exterior.coords],
    )
    layer = read_control(frame([poly]))
    assert area_km2(layer).sum() == pytest.approx(area_km2(reference), rel=REL)
    assert exteriors_ccw(layer)
    interiors = shapely.get_interior_ring(layer.geometry.iloc[0].geoms[0], 0)
    assert not interiors.is_ccw


def test_no_crs_with_lonlat_reads_as_epsg4326(source: gpd.GeoDataFrame) -> None:
    layer = read_control(source.set_crs(None, allow_override=True))
    assert layer.crs == "EPSG:4326"
    assert area_km2(layer).sum() == pytest.approx(area_km2(source).sum(), rel=REL)


def test_no_crs_with_metres_is_an_error(source: gpd.GeoDataFrame) -> None:
    metres = source.to_crs(3857).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"has no CRS .* look projected .*set_crs"):
        read_control(metres)


def test_projected_crs_is_reprojected(source: gpd.GeoDataFrame) -> None:
    layer = read_control(source.to_crs(3857))
    assert layer.crs == "EPSG:4326"
    got = status_areas(layer)
    for status, km2 in status_areas(source).items():
        assert got[status] == pytest.approx(km2, rel=1e-6)


def test_projected_crs_from_a_file_is_reprojected(
    source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "mercator.gpkg"
    source.to_crs(3857).to_file(path)
    layer = read_control(path)
    assert area_km2(layer).sum() == pytest.approx(area_km2(source).sum(), rel=1e-6)


def test_geographic_crs_with_metre_coordinates_is_an_error(
    source: gpd.GeoDataFrame,
) -> None:
    wrong = source.to_crs(3857).set_crs(4326, allow_override=True)
    with pytest.raises(
        CRSError, match=r"declares the geographic CRS EPSG:4326 .*contradicts"
    ):
        read_control(wrong)


def test_crs84_is_accepted(source: gpd.GeoDataFrame) -> None:
    layer = read_control(source.set_crs("OGC:CRS84", allow_override=True))
    assert layer.crs == "EPSG:4326"
    assert area_km2(layer).sum() == pytest.approx(area_km2(source).sum(), rel=REL)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates(bad: float) -> None:
    with np.errstate(invalid="ignore"):
        broken = Polygon([(37, 47), (38, 47), (38, bad), (37, 48)])
    with pytest.raises(GeometryError, match="1 vertices with NaN or infinite"):
        read_control(frame([OCC, broken]))


def test_layer_far_from_ukraine() -> None:
    paris = shapely.box(2.0, 48.5, 2.5, 49.0)
    with pytest.raises(GeometryError, match="entirely outside Ukraine") as info:
        read_control(frame([paris]))
    assert "swap" not in str(info.value)
    assert "CRS is right" in str(info.value)


def test_swapped_lat_lon() -> None:
    swapped = shapely.transform(OCC, lambda xy: xy[:, ::-1])
    with pytest.raises(GeometryError, match=r"outside Ukraine.*wrong order; swap"):
        read_control(frame([swapped]))


def test_layer_partly_outside_ukraine_is_kept() -> None:
    straddling = shapely.box(39.5, 47.5, 41.0, 48.5)  # crosses into Russia
    layer = read_control(frame([straddling]))
    assert area_km2(layer).sum() == pytest.approx(area_km2(straddling), rel=REL)


# --------------------------------------------------------------------------
# Statuses


def test_fixed_status(source: gpd.GeoDataFrame) -> None:
    layer = read_control(source.drop(columns="status"), status="contested")
    assert set(layer.status) == {"contested"}
    # A fixed status replaces any status column.
    assert set(read_control(source, status="liberated").status) == {"liberated"}


def test_fixed_status_accepts_synonyms() -> None:
    assert list(read_control(frame([OCC]), status="Grey zone").status) == ["contested"]


def test_fixed_unknown_status() -> None:
    with pytest.raises(
        UnknownStatusError, match="unknown status 'russia'; expected one of"
    ):
        read_control(frame([OCC]), status="russia")


def test_status_column_with_vocabulary_and_synonyms() -> None:
    labels = [
        "Occupied",
        " grey ",
        "Gray Zone",
        "pre-2022",
        "liberated",
        "RU",
        "unknown",
    ]
    boxes = [shapely.box(35 + i * 0.5, 47, 35.25 + i * 0.5, 47.25) for i in range(7)]
    layer = read_control(frame(boxes, klass=labels), status_column="klass")
    assert list(layer.status) == [
        "occupied",
        "contested",
        "contested",
        "occupied_before_2022",
        "liberated",
        "occupied",
        "contested",
    ]
    assert list(layer["klass"]) == labels


def test_status_column_named_status_is_used_by_default() -> None:
    layer = read_control(frame([OCC, CON], status=["russian", "grey"]))
    assert list(layer.status) == ["occupied", "contested"]


def test_status_map_with_the_files_own_labels(tmp_path: Path) -> None:
    path = tmp_path / "own.geojson"
    frame([OCC, CON, HOLED], kind=["Zone A", "Zone B", "Zone A"]).to_file(path)
    layer = read_control(
        path, status_column="kind", status_map={"Zone A": "occupied", "Zone B": "grey"}
    )
    assert list(layer.status) == ["occupied", "contested", "occupied"]


def test_status_map_with_numeric_labels() -> None:
    layer = read_control(
        frame([OCC, CON], code=[1, 2]),
        status_column="code",
        status_map={"1": "occupied", "2": "contested"},
    )
    assert list(layer.status) == ["occupied", "contested"]


def test_status_map_for_the_status_column_by_default() -> None:
    layer = read_control(
        frame([OCC, CON], status=["R", "G"]), status_map={"R": "occupied", "G": "grey"}
    )
    assert list(layer.status) == ["occupied", "contested"]


def test_unknown_label_lists_the_labels_found() -> None:
    gdf = frame([OCC, CON, HOLED], klass=["occupied", "Grey", "Partisan"])
    with pytest.raises(
        UnknownStatusError,
        match=r"holds label 'Partisan', .*labels found: \['Grey', 'Partisan', "
        r"'occupied'\].*status_map",
    ):
        read_control(gdf, status_column="klass")


def test_missing_label_is_unknown() -> None:
    gdf = frame([OCC, CON], klass=["occupied", None])
    with pytest.raises(UnknownStatusError, match=r"holds label (None|nan),"):
        read_control(gdf, status_column="klass")


def test_label_missing_from_status_map_lists_the_labels_found() -> None:
    gdf = frame([OCC, CON, HOLED], klass=["A", "B", "C"])
    with pytest.raises(
        UnknownStatusError,
        match=r"does not cover: \['C'\]; labels found: \['A', 'B', 'C'\]",
    ):
        read_control(
            gdf, status_column="klass", status_map={"A": "occupied", "B": "contested"}
        )
    with pytest.raises(UnknownStatusError, match=r"does not cover: \['<missing>'\]"):
        read_control(
            frame([OCC, CON], klass=["A", None]),
            status_column="klass",
            status_map={"A": "occupied"},
        )


def test_status_map_value_outside_the_vocabulary() -> None:
    with pytest.raises(UnknownStatusError, match="unknown status 'held'"):
        read_control(
            frame([OCC], klass=["A"]), status_column="klass", status_map={"A": "held"}
        )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"status": "occupied", "status_column": "klass"}, "got both status="),
        ({"status": "occupied", "status_map": {"A": "occupied"}}, "cannot be combined"),
        ({"status_map": {"A": "occupied"}}, "status_map given but no status_column"),
        (
            {"status_column": "kind"},
            r"'kind' is not in the layer; its columns are \['klass'\]",
        ),
    ],
)
def test_contradictory_status_options(options: dict[str, Any], match: str) -> None:
    with pytest.raises(OptionError, match=match):
        read_control(frame([OCC], klass=["A"]), **options)


def test_text_labels_without_status_warn_and_read_as_occupied() -> None:
    gdf = frame([OCC, CON], kind=["Occupied", "Grey"], code=[1, 2])
    with pytest.warns(FrontlineWarning, match=r"read as 'occupied'.*\['kind'\]") as rec:
        layer = read_control(gdf)
    assert len(rec) == 1
    assert rec[0].filename == __file__
    assert set(layer.status) == {"occupied"}


def test_text_labels_from_a_file_warn(tmp_path: Path) -> None:
    path = tmp_path / "labels.geojson"
    frame([OCC, CON], kind=["Occupied", "Grey"]).to_file(path)
    with pytest.warns(FrontlineWarning, match="may hold classes"):
        layer = read_control(path)
    assert set(layer.status) == {"occupied"}


def test_single_label_without_status_reads_as_occupied_silently() -> None:
    layer = read_control(frame([OCC, CON], kind=["area", "area"], code=[1, 2]))
    assert set(layer.status) == {"occupied"}


# --------------------------------------------------------------------------
# Overlapping statuses

OVER_OCC = shapely.box(37.0, 47.0, 38.0, 48.0)
OVER_CON = shapely.box(37.5, 47.0, 38.5, 48.0)
OVERLAP = shapely.box(37.5, 47.0, 38.0, 48.0)


def test_overlap_goes_to_the_status_with_precedence() -> None:
    overlap_km2 = area_km2(OVERLAP)
    gdf = frame([OVER_CON, OVER_OCC], status=["contested", "occupied"])
    with pytest.warns(FrontlineWarning, match="covered by more than one status") as rec:
        layer = read_control(gdf)
    assert len(rec) == 1
    assert rec[0].filename == __file__
    assert f"{overlap_km2:,.2f} km²" in str(rec[0].message)
    assert f"{overlap_km2:,.2f} km² taken from contested" in str(rec[0].message)
    got = status_areas(layer)
    assert got["occupied"] == pytest.approx(area_km2(OVER_OCC), rel=REL)
    assert got["contested"] == pytest.approx(area_km2(OVER_CON) - overlap_km2, rel=REL)
    union = area_km2(shapely.union(OVER_OCC, OVER_CON))
    assert sum(got.values()) == pytest.approx(union, rel=REL)
    (repair,) = layer.attrs["repairs"]
    assert repair["what"] == "overlap"
    assert repair["contested"] == pytest.approx(overlap_km2, rel=REL)
    assert_normalised(layer)


def test_overlap_of_three_statuses_follows_precedence() -> None:
    before = shapely.box(37.0, 47.0, 37.6, 48.0)
    gdf = frame(
        [OVER_CON, OVER_OCC, before],
        status=["contested", "occupied", "occupied_before_2022"],
    )
    with pytest.warns(FrontlineWarning, match="by precedence occupied_before_2022 >"):
        layer = read_control(gdf)
    got = status_areas(layer)
    assert got["occupied_before_2022"] == pytest.approx(area_km2(before), rel=REL)
    assert got["occupied"] == pytest.approx(
        area_km2(OVER_OCC.difference(before)), rel=REL
    )
    assert got["contested"] == pytest.approx(
        area_km2(OVER_CON.difference(OVER_OCC)), rel=REL
    )
    union = area_km2(shapely.union_all([OVER_CON, OVER_OCC, before]))
    assert sum(got.values()) == pytest.approx(union, rel=REL)
    assert_normalised(layer)


def test_feature_covered_by_a_stronger_status_is_removed() -> None:
    inner = shapely.box(37.25, 47.25, 37.75, 47.75)
    with pytest.warns(FrontlineWarning, match="taken from contested"):
        layer = read_control(frame([OVER_OCC, inner], status=["occupied", "grey"]))
    assert list(layer.status) == ["occupied"]


def test_tiny_overlap_is_resolved_without_a_warning() -> None:
    corner = shapely.box(37.9995, 47.9995, 38.5, 48.5)
    assert 0 < area_km2(shapely.intersection(OVER_OCC, corner)) < 0.01
    layer = read_control(frame([OVER_OCC, corner], status=["occupied", "contested"]))
    got = status_areas(layer)
    union = area_km2(shapely.union(OVER_OCC, corner))
    assert sum(got.values()) == pytest.approx(union, rel=REL)
    assert layer.attrs["repairs"][0]["what"] == "overlap"
    assert_normalised(layer)


def test_statuses_sharing_an_edge_are_not_an_overlap() -> None:
    west, east = shapely.box(37, 47, 37.5, 48), shapely.box(37.5, 47, 38, 48)
    layer = read_control(frame([west, east], status=["occupied", "contested"]))
    assert layer.attrs["repairs"] == []


# --------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    "date",
    [
        "2024-11-20",
        " 2024-11-20 ",
        dt.date(2024, 11, 20),
        dt.datetime(2024, 11, 20, 18),
    ],
)
def test_date_option(date: Any) -> None:
    layer = read_control(frame([OCC]), date=date)
    assert layer.attrs["date"] == dt.date(2024, 11, 20)
    assert type(layer.attrs["date"]) is dt.date


@pytest.mark.parametrize(
    "date", ["2024-13-01", "20/11/2024", "yesterday", "2024-11-20x"]
)
def test_bad_date(date: str) -> None:
    with pytest.raises(OptionError, match=r"cannot read date .*expected an ISO date"):
        read_control(frame([OCC]), date=date)


def test_bad_date_is_checked_before_reading(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="cannot read date"):
        read_control(tmp_path / "missing.geojson", date="soon")


def test_single_valued_date_column_is_used() -> None:
    gdf = frame([OCC, CON], date=["2024-11-20", "2024-11-20"])
    assert read_control(gdf).attrs["date"] == dt.date(2024, 11, 20)


def test_single_valued_date_column_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dated.geojson"
    frame([OCC, CON], date=["2024-11-20", "2024-11-20"]).to_file(path)
    assert read_control(path).attrs["date"] == dt.date(2024, 11, 20)


@pytest.mark.parametrize(
    "dates", [["2024-11-20", "2024-11-21"], ["not a date", "not a date"]]
)
def test_ambiguous_date_column_is_ignored(dates: list[str]) -> None:
    layer = read_control(frame([OCC, CON], date=dates), status="occupied")
    assert layer.attrs["date"] is None


def test_date_option_overrides_the_column() -> None:
    gdf = frame([OCC], date=["2024-11-20"])
    assert read_control(gdf, date="2023-01-02").attrs["date"] == dt.date(2023, 1, 2)


def _deepstate_file(
    tmp_path: Path,
    name: str = "deepstatemap_data_20241121",
    properties: dict[str, Any] | None = None,
) -> Path:
    multi = shapely.MultiPolygon([OCC, HOLED])
    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": shapely.geometry.mapping(multi),
    }
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


@pytest.mark.parametrize("properties", [{}, None])
def test_deepstate_union_archive(
    properties: dict[str, Any] | None, tmp_path: Path
) -> None:
    path = _deepstate_file(tmp_path, properties=properties)
    layer = read_control(path)
    assert "DeepState" in layer.attrs["source"]
    assert layer.attrs["date"] == dt.date(2024, 11, 20)  # D - 1
    assert list(layer.status) == ["occupied"]
    assert area_km2(layer).sum() == pytest.approx(area_km2([OCC, HOLED]).sum(), rel=REL)
    assert_normalised(layer)


def test_deepstate_union_date_rule_crosses_month_and_year(tmp_path: Path) -> None:
    path = _deepstate_file(tmp_path, "deepstatemap_data_20250101")
    assert read_control(path).attrs["date"] == dt.date(2024, 12, 31)


def test_deepstate_union_options(tmp_path: Path) -> None:
    path = _deepstate_file(tmp_path)
    layer = read_control(path, status="occupied_before_2022", date="2024-01-01")
    assert list(layer.status) == ["occupied_before_2022"]
    assert layer.attrs["date"] == dt.date(2024, 1, 1)
    with pytest.raises(OptionError, match="has no class column"):
        read_control(path, status_column="status")
    generic = read_control(path, source="generic")
    assert generic.attrs["source"] == path.name
    assert generic.attrs["date"] is None


def test_deepstate_named_file_with_classes_is_generic(tmp_path: Path) -> None:
    path = tmp_path / "deepstatemap_data_20241121.geojson"
    frame([OCC, CON], status=["occupied", "contested"]).to_file(path)
    layer = read_control(path)
    assert "DeepState" not in layer.attrs["source"]
    assert sorted(layer.status) == ["contested", "occupied"]


# --------------------------------------------------------------------------
# Unreadable input


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(
        InputFileNotFoundError, match=r"nowhere\.geojson' does not exist"
    ):
        read_control(path)
    with pytest.raises(FileNotFoundError):
        read_control(str(path))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.geojson", bytes(range(256)) * 8),
        ("truncated.geojson", None),
        ("empty.geojson", b""),
        ("control.shp", b"\x00" * 100),
    ],
)
def test_unreadable_files(
    name: str, content: bytes | None, source: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is None:
        write_geojson(source, tmp_path)[0].rename(path)
        content = path.read_bytes()[: len(path.read_bytes()) // 2]
    path.write_bytes(content)
    match = r"cannot read .* expected one of" if content else r"is empty \(0 bytes\)"
    with pytest.raises(UnsupportedFormatError, match=match):
        read_control(path)
    with pytest.raises(ValueError):
        read_control(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match="is a directory; expected a file"):
        read_control(tmp_path)


def test_unknown_source(source: gpd.GeoDataFrame) -> None:
    with pytest.raises(OptionError, match=r"unknown source 'isw2'; expected 'auto' or"):
        read_control(source, source="isw2")


def test_errors_share_the_frontline_base() -> None:
    for cls, builtin in [
        (InputFileNotFoundError, FileNotFoundError),
        (UnsupportedFormatError, ValueError),
        (EmptyLayerError, ValueError),
        (GeometryError, ValueError),
        (CRSError, ValueError),
        (UnknownStatusError, ValueError),
        (OptionError, ValueError),
    ]:
        assert issubclass(cls, FrontlineError)
        assert issubclass(cls, builtin)


def test_messages_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "far.geojson"
    frame([shapely.box(2.0, 48.5, 2.5, 49.0)]).to_file(path)
    with pytest.raises(GeometryError, match=re.escape(repr(str(path)))):
        read_control(path)


def test_read_from_bytes_is_not_supported() -> None:
    with pytest.raises(OptionError, match="got BytesIO"):
        read_control(io.BytesIO(b"{}"))  # type: ignore[arg-type]


def test_fast_reader_matches_pyogrio(tmp_path: Path) -> None:
    # frontline reads files through pyogrio's raw reader; the frame must be
    # what pyogrio.read_dataframe gives, column types included.
    import pyogrio

    path = tmp_path / "typed.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"s": "a", "i": 1, "d": "2024-11-20",'
        ' "t": "2024-11-20T21:30:37+02:00", "b": true, "n": {"k": [1, 2]}},'
        ' "geometry": {"type": "Polygon", "coordinates":'
        " [[[37, 47], [38, 47], [38, 48], [37, 47]]]}},"
        '{"type": "Feature", "properties": {"s": "b", "i": null, "d": "2024-11-21",'
        ' "t": "2024-11-21T03:00:00+00:00", "b": false, "n": null},'
        ' "geometry": null},'
        '{"type": "Feature", "properties": {"s": null, "i": 3, "d": null,'
        ' "t": null, "b": null, "n": {}},'
        ' "geometry": {"type": "Point", "coordinates": [37.5, 47.5]}}]}'
    )
    from frontline._io import read_vector

    ours = read_vector(path)
    theirs = pyogrio.read_dataframe(path)
    assert ours.columns.dtype == theirs.columns.dtype
    gpd.testing.assert_geodataframe_equal(ours, theirs, check_dtype=True)


def test_object_columns_of_a_geodataframe_stay_object(source: gpd.GeoDataFrame) -> None:
    gdf = source.copy()
    gdf["status"] = pd.Series(["occupied"] * len(gdf), dtype=object, index=gdf.index)
    gdf["note"] = pd.Series(["x"] * len(gdf), dtype=object, index=gdf.index)
    layer = read_control(gdf, status_column="status")
    assert layer["note"].dtype == object
