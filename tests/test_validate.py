"""The argument checks of public functions (frontline._validate) and their use."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import _validate
from frontline.errors import (
    ArgumentTypeError,
    CRSError,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
    OutputError,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_argument_type_error_is_both_builtins():
    err = ArgumentTypeError("x")
    assert isinstance(err, TypeError)
    assert isinstance(err, ValueError)
    assert isinstance(err, fl.OptionError)
    assert "ArgumentTypeError" in fl.__all__


@pytest.mark.parametrize(
    ("value", "kw", "error", "match"),
    [
        ("3", {}, ArgumentTypeError, r"must be a number, got str '3' \(a string"),
        (None, {}, ArgumentTypeError, "got None"),
        (True, {}, ArgumentTypeError, "got bool True"),
        (math.nan, {"low": 0}, OptionError, r"non-negative number \(finite\), got nan"),
        (math.inf, {}, OptionError, "got inf"),
        (
            20000,
            {"low": 0, "high": 1500, "low_open": True, "unit": "km"},
            OptionError,
            "a positive number of km, at most 1,500, got 20000",
        ),
        (
            0,
            {"low": 0.01, "high": 1500, "unit": "km"},
            OptionError,
            "must be positive: a number of km, at least 0.01, at most 1,500, got 0",
        ),
        (2.5, {"low": 1, "integer": True}, OptionError, "whole number"),
    ],
)
def test_number_refuses(value, kw, error, match):
    with pytest.raises(error, match=match):
        _validate.number(value, "x", **kw)


def test_number_accepts_numpy_numbers():
    assert _validate.number(np.float64(2.5), "x", low=0) == 2.5
    assert _validate.number(np.int64(3), "x", integer=True) == 3.0


def test_distance_says_why():
    with pytest.raises(OptionError, match="farther apart than about 1,400 km"):
        _validate.distance_km(5000, "width_km", positive=True)


@pytest.mark.parametrize(
    ("value", "role", "error", "match"),
    [
        (5, "input", ArgumentTypeError, "must be a file path"),
        (b"x.geojson", "input", ArgumentTypeError, "os.fsdecode"),
        ("a\0b", "input", InputFileNotFoundError, "NUL"),
        ("n" * 300, "output", OutputError, "a file name of 300 bytes"),
        ("/".join(["d" * 200] * 25), "folder", OptionError, "path of 5,024 bytes"),
        ("", "input", InputFileNotFoundError, "''"),
    ],
)
def test_path_refuses(value, role, error, match):
    with pytest.raises(error, match=match):
        _validate.path(value, "path", role=role)


def test_path_accepts_str_and_pathlike(tmp_path):
    assert _validate.path(tmp_path, "p") == tmp_path
    assert _validate.path(str(tmp_path), "p") == tmp_path


@pytest.mark.parametrize("spec", [None, 5, 3.5, b"four", [None], ["Donetsk", 14]])
def test_regions_of_the_wrong_type(spec):
    with pytest.raises(ArgumentTypeError, match="regions must be a group"):
        fl.resolve_regions(spec)


def test_regions_accepts_strings_and_iterables():
    assert fl.resolve_regions(("Donetsk", "UA-09")).ids == ("UA-14", "UA-09")
    assert _validate.regions("four") == "four"


def test_geoframe_checks():
    with pytest.raises(ArgumentTypeError, match="must be a GeoDataFrame"):
        _validate.geoframe(pd.DataFrame({"a": [1]}), "gdf", what="x")
    with pytest.raises(OptionError, match="no active geometry column"):
        _validate.geoframe(gpd.GeoDataFrame({"a": [1]}), "gdf", what="x")
    twice = pd.concat([pd.DataFrame({"s": [1]}), pd.DataFrame({"s": [2]})], axis=1)
    twice["geometry"] = [shapely.box(0, 0, 1, 1)]
    with pytest.raises(OptionError, match="several columns named 's'"):
        _validate.geoframe(gpd.GeoDataFrame(twice, crs=4326), "gdf", what="x")


def test_mapping_sequence_text_frame():
    with pytest.raises(ArgumentTypeError, match=r"mapping \(a dict\), got list"):
        _validate.mapping(["occupied"], "status_map", example="{}")
    with pytest.raises(ArgumentTypeError, match="list of layers, got str"):
        _validate.sequence("a.geojson", "layers", what="layers", example="[a]")
    with pytest.raises(ArgumentTypeError, match="must be a string, got list"):
        _validate.text(["status"], "status_column")
    with pytest.raises(OptionError, match="must not be empty"):
        _validate.text(" ", "source")
    with pytest.raises(ArgumentTypeError, match="pandas DataFrame"):
        _validate.frame(None, "series", what="a time series")
    with pytest.raises(OptionError, match="unknown side 'x'"):
        _validate.one_of("x", "side", ("both",))
    with pytest.raises(ArgumentTypeError, match="unknown side 5"):
        _validate.one_of(5, "side", ("both",))


def test_area_km2_refuses_what_is_not_geometries():
    with pytest.raises(ArgumentTypeError, match="read it first"):
        fl.area_km2("box.geojson")
    with pytest.raises(ArgumentTypeError, match="holding int 5"):
        fl.area_km2([5])
    with pytest.raises(GeometryError, match="NaN or infinite"):
        with pytest.warns(RuntimeWarning):
            bad = shapely.Polygon([(37, 47), (38, 47), (math.nan, 48)])
        fl.area_km2(bad)
    assert fl.area_km2([None, math.nan]).tolist() == [0.0, 0.0]


def test_read_control_options(tmp_path: Path):
    layer = gpd.GeoDataFrame(
        {"status": ["occupied"]}, geometry=[shapely.box(37, 47, 38, 48)], crs=4326
    )
    with pytest.raises(ArgumentTypeError, match="status_map must be a mapping"):
        fl.read_control(layer, status_map=["occupied"])  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="status_column must be a string"):
        fl.read_control(layer, status_column=["status"])  # type: ignore[arg-type]
    mars = layer.set_crs("IAU_2015:49900", allow_override=True)
    with pytest.raises(CRSError, match="cannot be transformed"):
        fl.read_control(mars)


def test_widths_that_make_no_sense():
    sample = fl.load_sample()
    with pytest.raises(OptionError, match="width_km must be a positive number"):
        fl.buffer_zone(sample, 20000)
    with pytest.raises(OptionError, match=r"tolerance_km .* at most 100"):
        fl.front_line(sample, tolerance_km=1e9)
    with pytest.raises(OptionError, match="spacing_km must be positive"):
        fl.line_change(sample, sample, spacing_km=1e-9)
    with pytest.raises(OptionError, match=r"each of edges_km .* got nan"):
        fl.distance_bands(sample, edges_km=[0, math.nan])


def test_claims_refuse_nonsense():
    with pytest.raises(OptionError, match="lo <= hi"):
        fl.Claim(5.0, 1.0)
    with pytest.raises(ArgumentTypeError, match="got str 'a'"):
        fl.Claim("a", "b")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="cannot be met"):
        fl.check_claim(fl.load_sample(), occupied_pct=150)
    with pytest.raises(OptionError, match="tolerance must be"):
        fl.check_claim(fl.load_sample(), occupied_pct=70, tolerance=math.nan)


def test_timeout_checked_before_any_download():
    with pytest.raises(OptionError, match="timeout must be a positive number"):
        fl.fetch_control("deepstate-union", "2024-11-20", timeout=-1)
    with pytest.raises(ArgumentTypeError, match="timeout must be"):
        fl.fetch_boundaries("minregion-2020", timeout="3")  # type: ignore[arg-type]


# -- boundaries ---------------------------------------------------------------


def four(**geoms):
    units = fl.load_regions("four")
    values = list(units.geometry)
    for key, geom in geoms.items():
        values[list(units.region_id).index(key.replace("_", "-"))] = geom
    return units.set_geometry(gpd.GeoSeries(values, crs=4326))


def test_null_unit_refused_only_when_selected():
    units = four(UA_09=None)
    with pytest.raises(GeometryError, match=r"UA-09 \(Luhansk\) has no geometry"):
        fl.control_table(fl.load_sample(), "four", boundaries=units)
    table = fl.control_table(fl.load_sample(), "Donetsk", boundaries=units)
    assert table.region_id.tolist() == ["UA-14"]


@pytest.mark.parametrize(
    ("geom", "match"),
    [
        (
            shapely.box(-180, -90, 180, 90),
            r"UA-14 \(Donetsk\) measures .*expected 0.05",
        ),
        (shapely.box(147, -30, 149, -28), "lies outside Ukraine"),
        (shapely.Point(37.5, 47.5), "is a Point, not a polygon"),
    ],
)
def test_implausible_units(geom, match):
    with pytest.raises(GeometryError, match=match):
        fl.control_table(fl.load_sample(), "four", boundaries=four(UA_14=geom))


def test_swapped_unit_hints_at_the_axes():
    swapped = shapely.transform(
        fl.load_regions("UA-14").geometry.iloc[0], lambda xy: xy[:, ::-1]
    )
    with pytest.raises(GeometryError, match="wrong order; swap them"):
        fl.load_regions("four", boundaries=four(UA_14=swapped))


def test_bowtie_unit_is_repaired_with_a_warning():
    bowtie = shapely.Polygon([(37, 47), (38, 48), (38, 47), (37, 48), (37, 47)])
    with pytest.warns(fl.FrontlineWarning, match=r"repaired .*UA-14 \(Donetsk\)"):
        units = fl.load_regions("four", boundaries=four(UA_14=bowtie))
    assert units.geometry.is_valid.all()


def test_metres_without_a_crs(tmp_path: Path):
    units = fl.load_regions("four")
    metres = units.to_crs("EPSG:3857").set_crs("EPSG:4326", allow_override=True)
    path = tmp_path / "units.geojson"
    metres[["region_id", "geometry"]].to_file(path)
    with pytest.raises(CRSError, match=r"units.geojson: .*look projected"):
        fl.read_boundaries(path)


def test_region_id_values_must_be_strings():
    units = fl.load_regions("four").assign(region_id=[14, 9, 23, 65])
    with pytest.raises(ArgumentTypeError, match="got int 14"):
        fl.load_regions("four", boundaries=units)
