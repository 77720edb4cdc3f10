"""The generated hromada-like zone set (benchmarks/hromada_like.py) tiles Ukraine."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import shapely
from geopandas.testing import assert_geodataframe_equal

import frontline as fl

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "hromada_like.py"


@pytest.fixture(scope="module")
def hl():
    """The benchmarks/hromada_like.py module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("hromada_like", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hromada_like", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regions():
    return fl.load_regions("all").set_index("region_id")


@pytest.fixture(scope="module")
def zones(hl):
    return hl.build_zones(1500)


def test_columns_and_count(zones, regions):
    assert zones.columns.tolist() == ["code", "name", "raion", "oblast_id", "geometry"]
    assert zones.crs == "EPSG:4326"
    assert 1350 <= len(zones) <= 1650
    assert zones.code.is_unique
    assert zones.code.str.fullmatch(r"UA\d\d-\d{4}").all()
    assert (zones.code.str[:4] == zones.oblast_id.str.replace("-", "")).all()
    assert set(zones.oblast_id) == set(regions.index)
    assert zones.groupby("oblast_id").size().min() >= 3
    assert zones.name.notna().all()
    assert zones.raion.notna().all()
    assert zones.attrs["attribution"].startswith("Synthetic")


def test_every_zone_is_valid_polygonal_and_in_one_oblast(zones, regions):
    assert zones.is_valid.all()
    assert not zones.is_empty.any()
    assert set(zones.geom_type) <= {"Polygon", "MultiPolygon"}
    parent = regions.geometry.reindex(zones.oblast_id).to_numpy()
    # the zone's own oblast holds all of it ...
    inside = fl.area_km2(shapely.intersection(zones.geometry.values, parent))
    np.testing.assert_allclose(inside, fl.area_km2(zones.geometry), rtol=1e-9)
    # ... and no other oblast holds any of it (beyond shared-border noise)
    tree = shapely.STRtree(regions.geometry.values)
    zi, ri = tree.query(zones.geometry.values, predicate="intersects")
    other = regions.index.to_numpy()[ri] != zones.oblast_id.to_numpy()[zi]
    cross = shapely.intersection(
        zones.geometry.values[zi[other]], regions.geometry.values[ri[other]]
    )
    assert np.max(fl.area_km2(cross), initial=0.0) < 1e-6


def test_zones_tile_each_oblast(zones, regions):
    """Per oblast: areas add up within 1e-6 km², no overlaps, no gaps."""
    area = np.asarray(fl.area_km2(zones.geometry))
    for rid, group in zones.groupby("oblast_id"):
        unit = regions.geometry[rid]
        total = area[group.index].sum()
        assert abs(total - fl.area_km2(unit)) < 1e-6, rid
        # no overlap: the zones form a valid polygonal coverage
        assert shapely.coverage_is_valid(group.geometry.values), rid
        # no gap: their union is the oblast
        union = shapely.coverage_union_all(group.geometry.values)
        assert fl.area_km2(shapely.symmetric_difference(union, unit)) < 1e-6, rid


def test_deterministic(hl, zones):
    assert_geodataframe_equal(hl.build_zones(1500), zones)
    other = hl.build_zones(1500, seed=1)
    assert len(other) == len(zones)
    assert not other.name.equals(zones.name)


@pytest.mark.parametrize("n", [27, 300, 3000])
def test_other_sizes_tile_too(hl, regions, n):
    zones = hl.build_zones(n)
    assert abs(len(zones) - n) <= 0.1 * n
    area = np.asarray(fl.area_km2(zones.geometry))
    sums = zones.assign(a=area).groupby("oblast_id").a.sum()
    expected = np.asarray(fl.area_km2(regions.geometry.reindex(sums.index)))
    np.testing.assert_allclose(sums.to_numpy(), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("n", [0, 26, 1500.0, True])
def test_bad_n(hl, n):
    with pytest.raises(ValueError, match="n must be an integer >= 27"):
        hl.build_zones(n)


def test_main_writes_a_file(hl, tmp_path):
    import geopandas as gpd

    out = tmp_path / "zones.gpkg"
    assert hl.main([str(out), "--n", "60"]) == 0
    back = gpd.read_file(out)
    assert len(back) == 60
    assert back.columns.tolist() == ["code", "name", "raion", "oblast_id", "geometry"]
    with pytest.raises(SystemExit) as exc:
        hl.main([str(tmp_path / "zones.shp")])
    assert exc.value.code == 2
