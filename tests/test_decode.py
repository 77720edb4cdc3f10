"""frontline._decode: the one geometry decoder (WKB and GeoJSON)."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline._decode import from_geojson, from_wkb

BOX = [[37.0, 47.0], [38.0, 47.0], [38.0, 48.0], [37.0, 48.0], [37.0, 47.0]]
NAN = float("nan")


def wkb_polygon(*rings, order="<"):
    out = struct.pack(order + "BII", 1 if order == "<" else 0, 3, len(rings))
    for ring in rings:
        out += struct.pack(order + "I", len(ring))
        for x, y in ring:
            out += struct.pack(order + "dd", x, y)
    return out


def test_valid_wkb_is_decoded_at_once():
    geoms = from_wkb([shapely.box(0, 0, 1, 1).wkb, None], "'x'")
    assert geoms[0].area == 1 and geoms[1] is None


def test_an_unclosed_ring_is_closed_with_a_warning_naming_its_km2():
    with pytest.warns(fl.FrontlineWarning, match=r"closed 1 unclosed ring.*8,376\.6"):
        (geom,) = from_wkb([wkb_polygon(BOX[:-1])], "'x'")
    assert shapely.equals(geom, shapely.Polygon(BOX))


@pytest.mark.parametrize(
    ("rings", "match"),
    [
        ([[[37.0, 47.0]]], "exterior ring has 1 distinct point"),
        ([[[37.0, 47.0], [38.0, 48.0]]], "has 2 distinct points"),
        ([[[NAN, 47.0], *BOX[1:]]], "NaN or infinite"),
        ([[*BOX[:-1], [math.inf, 47.0]]], "NaN or infinite"),
        ([BOX, [[37.4, 47.4], [37.6, 47.6]]], "hole 1 has 2 distinct points"),
    ],
)
def test_rings_that_cannot_be_closed_are_refused_with_the_reason(rings, match):
    with pytest.raises(fl.GeometryError, match=f"feature 0 .*{match}"):
        from_wkb([wkb_polygon(*rings)], "'x'")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (wkb_polygon(BOX)[:-12], "truncated"),
        (b"", "truncated"),
        (struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 2**31 - 1), "declares"),
        (struct.pack("<BI", 1, 99) + b"\0" * 40, "unknown geometry type"),
        (b"\x07" + b"\0" * 40, "byte order"),
    ],
)
def test_broken_wkb_is_refused_with_the_reason(data, match):
    with pytest.raises(fl.GeometryError, match=match):
        from_wkb([shapely.box(0, 0, 1, 1).wkb, data], "'x'")


def test_the_feature_refused_is_named_by_its_position():
    with pytest.raises(fl.GeometryError, match="feature 1 "):
        from_wkb([shapely.box(0, 0, 1, 1).wkb, wkb_polygon([[0.0, 0.0]])], "'x'")


def test_a_value_that_is_not_wkb_is_refused():
    with pytest.raises(fl.GeometryError, match="type int, not WKB bytes"):
        from_wkb([shapely.box(0, 0, 1, 1).wkb, 5], "'x'")


def test_big_endian_wkb_is_walked_too():
    with pytest.raises(fl.GeometryError, match="1 distinct point"):
        from_wkb([wkb_polygon([[1.0, 2.0]], order=">")], "'x'")


# GeoJSON objects


def test_valid_geojson_geometries():
    geoms = from_geojson([{"type": "Polygon", "coordinates": [BOX]}, None], "'x'")
    assert geoms[0].area == 1 and geoms[1] is None


def test_geojson_rings_are_closed_in_collections_too():
    geometry = {
        "type": "GeometryCollection",
        "geometries": [{"type": "MultiPolygon", "coordinates": [[BOX[:-1]]]}],
    }
    with pytest.warns(fl.FrontlineWarning, match="closed 1 unclosed ring"):
        (geom,) = from_geojson([geometry], "'x'")
    assert geom.area == pytest.approx(1.0)


def test_lower_case_types_are_read():
    (geom,) = from_geojson([{"type": "polygon", "coordinates": [BOX]}], "'x'")
    assert geom.geom_type == "Polygon"


@pytest.mark.parametrize(
    ("geometry", "match"),
    [
        ("POLYGON ((0 0, 1 0, 1 1, 0 0))", r"not a GeoJSON geometry object"),
        ({"type": "Hexagon", "coordinates": [BOX]}, r"type 'Hexagon' is not"),
        ({"type": None, "coordinates": [BOX]}, r"type None is not"),
        ({"type": "Polygon"}, "has no 'coordinates'"),
        ({"type": "GeometryCollection", "geometries": "x"}, "not a list"),
        ({"type": "Polygon", "coordinates": "abc"}, "where a list was expected"),
        ({"type": "Polygon", "coordinates": BOX}, "a position is 37.0"),
        ({"type": "Polygon", "coordinates": [[[37.0], *BOX[1:]]]}, "a position"),
        ({"type": "Polygon", "coordinates": [[None, *BOX[1:]]]}, "a position"),
        ({"type": "Polygon", "coordinates": [[["a", "b"], *BOX[1:]]]}, "not a num"),
        ({"type": "Polygon", "coordinates": [[[True, 1], *BOX[1:]]]}, "not a num"),
        ({"type": "Polygon", "coordinates": [[[NAN, 47.0], *BOX[1:]]]}, "NaN"),
        ({"type": "Polygon", "coordinates": [[[37.0, 47.0], [38.0, 48.0]]]}, "2 d"),
    ],
)
def test_geojson_that_cannot_be_read_is_refused(geometry, match):
    with pytest.raises(fl.GeometryError, match=match):
        from_geojson([None, geometry], "'doc.json'", index=[4, 7])


def test_geojson_refusals_name_the_feature_number_given():
    with pytest.raises(fl.GeometryError, match="feature 7 "):
        from_geojson([None, {"type": "Polygon"}], "'doc.json'", index=[4, 7])


def test_deeply_nested_collections_are_refused():
    geometry: dict = {"type": "Hexagon", "coordinates": [BOX]}
    for _ in range(100):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    with pytest.raises(fl.GeometryError, match="too deep"):
        from_geojson([geometry], "'x'")


# Through the readers


def test_geojson_file_with_an_unclosed_ring_is_read_with_a_warning(tmp_path):
    path = tmp_path / "ring.geojson"
    feature = {
        "type": "Feature",
        "properties": {"status": "occupied"},
        "geometry": {"type": "Polygon", "coordinates": [BOX[:-1]]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.warns(fl.FrontlineWarning, match="closed 1 unclosed ring"):
        layer = fl.read_control(path)
    assert fl.area_km2(layer).sum() == pytest.approx(8376.6325, rel=1e-6)


def test_geometries_gdal_nulls_are_looked_at_again(tmp_path):
    path = tmp_path / "some.geojson"
    features = [
        {"type": "Feature", "properties": {}, "geometry": g}
        for g in (
            {"type": "Polygon", "coordinates": [BOX]},
            None,  # a real null stays null (dropped and counted)
            {"type": "Hexagon", "coordinates": [BOX]},
        )
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(fl.GeometryError, match=r"feature 2 .*'Hexagon'"):
        fl.read_control(path)


def test_geoparquet_wkb_goes_through_the_decoder(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "x.parquet"
    gpd.GeoDataFrame(geometry=[shapely.box(37, 47, 38, 48)], crs=4326).to_parquet(path)
    assert len(fl.read_control(path)) == 1
    table = __import__("pyarrow.parquet", fromlist=["x"]).read_table(path)
    broken = table.set_column(
        table.column_names.index("geometry"),
        "geometry",
        __import__("pyarrow").array([wkb_polygon([[37.0, 47.0]])]),
    )
    __import__("pyarrow.parquet", fromlist=["x"]).write_table(broken, path)
    with pytest.raises(fl.GeometryError, match="1 distinct point"):
        fl.read_control(path)


def test_repaired_area_is_unchanged_for_valid_input():
    geoms = np.array([shapely.box(37, 47, 38, 48)], dtype=object)
    assert from_wkb(shapely.to_wkb(geoms), "'x'")[0].equals(geoms[0])
