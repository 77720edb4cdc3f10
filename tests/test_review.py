"""Findings of a review of the time-series, tiling, reader and fetch_arcgis
changes of 29-30 Nov 2026, kept as regression tests: the bugs it found (the
warnings state shared between the reading and measuring threads, an
overlapping unit in a tile another unit covers whole, fetch_arcgis advising
an option it does not have) and the worries that turned out unfounded.
"""

from __future__ import annotations

import inspect
import re
import threading
import types
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline import _io, _runners, _tiles, areas
from frontline import series as ts
from frontline._tiles import TileOverlay
from frontline.areas import _km2
from frontline.errors import OptionError
from frontline.fetch import DownloadError, fetch_arcgis

from .test_fetch import LocalServer, data_files, redirect
from .test_fetch_arcgis import LAYER, FakeLayer, arcgis_features, polygons

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

#: How long a test waits for the other thread before giving up (seconds).
WAIT_S = 2.0


def units(ids: list[str], geoms: list[Any]) -> gpd.GeoDataFrame:
    raw = gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs="EPSG:4326")
    return fl.from_geodataframe(raw, column="id", source="review")


def exact(regions: np.ndarray, geom: Any) -> np.ndarray:
    """km² of ``geom`` in each region by one plain intersection (None: 0)."""
    return np.nan_to_num(_km2(shapely.intersection(regions, geom)))


def wobbly(seed: int, cx: float = 37.6, cy: float = 47.5, n: int = 60) -> Any:
    """A star-shaped polygon around (cx, cy), different for each seed."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.2, 0.8, n)
    xy = np.c_[cx + radii * np.cos(angles), cy + 0.6 * radii * np.sin(angles)]
    return shapely.Polygon(xy)


@pytest.fixture
def clean_shared() -> Iterator[None]:
    _tiles._SHARED.clear()
    yield
    _tiles._SHARED.clear()


# -- read-ahead thread vs. the process-global warnings state -----------------
@pytest.fixture
def two_files(tmp_path: Path) -> list[Path]:
    paths = []
    for day in (1, 2):
        path = tmp_path / f"day{day}.geojson"
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-0{day}"]},
            geometry=[shapely.box(37.5, 47.2, 39, 47.8 - day / 100)],
            crs=4326,
        ).to_file(path)
        paths.append(path)
    return paths


def _block_reading_in_catch_warnings(
    monkeypatch: pytest.MonkeyPatch, name: str, inside: threading.Event
) -> threading.Event:
    """Hold the reading (calling) thread inside _io's catch_warnings on ``name``.

    Returns the event that lets it go on.
    """
    go_on = threading.Event()
    real = _io._as_input

    def as_input(source: Any) -> Any:
        if str(source).endswith(name) and not inside.is_set():
            inside.set()
            go_on.wait(WAIT_S)
        return real(source)

    monkeypatch.setattr(_io, "_as_input", as_input)
    return go_on


def test_the_measuring_thread_never_touches_the_warnings_state(monkeypatch, two_files):
    # Python < 3.14 shares the warning filters between threads, and two
    # threads in catch_warnings blocks can leave them changed for good. So
    # reading (which uses catch_warnings) stays on the calling thread, and
    # nothing that runs on the measuring thread may enter such a block.
    entered: list[str] = []
    real = warnings.catch_warnings

    class Spy(real):  # type: ignore[misc, valid-type]
        def __enter__(self) -> Any:
            entered.append(threading.current_thread().name)
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Spy)
    boxes = units(["UA-14"], [shapely.box(37, 47, 38, 48)])
    ts.timeseries(two_files, "UA-14", boundaries=boxes, progress=False)
    ts.changes(two_files, "D", "UA-14", boundaries=boxes, progress=False)
    assert entered  # reading did use it, on the calling thread
    assert not [name for name in entered if name.startswith("frontline-measure")]


@pytest.mark.slow
def test_a_series_leaves_the_warning_filters_as_it_found_them(tmp_path):
    # The natural case that used to break them (30 files of 3,000 vertices,
    # 6 runs out of 6 with the old reading thread).
    files = []
    for day in range(1, 31):
        path = tmp_path / f"day{day:02d}.geojson"
        gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-{day:02d}"]},
            geometry=[wobbly(day, n=3000)],
            crs=4326,
        ).to_file(path)
        files.append(path)
    boxes = units(
        ["UA-14", "UA-09"], [shapely.box(37, 47, 38, 48), shapely.box(38, 47, 39, 48)]
    )
    filters, show = list(warnings.filters), warnings.showwarning
    ts.timeseries(files, ["UA-14", "UA-09"], boundaries=boxes, progress=False)
    assert warnings.filters == filters
    assert warnings.showwarning is show


def test_warnings_of_the_measuring_thread_are_not_swallowed(monkeypatch, two_files):
    # While the calling thread reads inside _io's catch_warnings(record=True),
    # that block records every thread's warnings: one from the measuring
    # thread is shown again afterwards, not logged as a remark about the file.
    inside = threading.Event()
    go_on = _block_reading_in_catch_warnings(monkeypatch, "day2.geojson", inside)
    real_measure = _runners.Overlay.measure

    def measure(self: Any, snap: Any) -> Any:
        if snap.index == 0:
            try:
                assert inside.wait(WAIT_S)
                warnings.warn("from the measuring thread", RuntimeWarning, stacklevel=1)
            finally:
                go_on.set()
        return real_measure(self, snap)

    monkeypatch.setattr(_runners.Overlay, "measure", measure)
    boxes = units(["UA-14"], [shapely.box(37, 47, 38, 48)])
    # filterwarnings = error: shown again means raised here.
    with pytest.raises(RuntimeWarning, match="from the measuring thread"):
        ts.timeseries(two_files, "UA-14", boundaries=boxes, progress=False)


# -- the tiled overlay -------------------------------------------------------
def test_overlapping_unit_inside_a_tile_another_unit_covers_whole():
    crimea = shapely.box(36.5, 46.5, 38.5, 48.5)
    sevastopol = shapely.box(37.05, 47.05, 37.15, 47.15)  # inside one tile
    regions = np.array([crimea, sevastopol], dtype=object)
    geom = shapely.box(37.0, 47.0, 37.1, 47.2)
    got = TileOverlay(regions, 0.25).measure(geom, "k")
    np.testing.assert_allclose(got, exact(regions, geom), rtol=0, atol=1e-6)


def _partition() -> np.ndarray:
    """Units that tile a rectangle: one with a hole, the unit filling it, a
    wavy border, and a missing unit (None)."""
    t = np.linspace(0, 2 * np.pi, 50)
    city = shapely.Polygon(np.c_[37.4 + 0.13 * np.cos(t), 47.45 + 0.09 * np.sin(t)])
    whole = shapely.box(36.8, 47.0, 38.5, 48.0)
    wave = shapely.Polygon(
        [(37.8, 47.0)]
        + [(37.8 + 0.07 * np.sin(k), 47.0 + k / 20) for k in range(21)]
        + [(38.5, 48.0), (38.5, 47.0)]
    )
    west = shapely.difference(shapely.difference(whole, wave), city)
    east = shapely.intersection(whole, wave)
    return np.array([west, city, east, None], dtype=object)


def test_rest_unit_with_holes_wavy_borders_and_a_missing_unit():
    regions = _partition()
    engine = TileOverlay(regions, 0.25)
    for seed in range(8):
        # Shapes inside and across the grid's edge (the grid ends at 38.5).
        geom = wobbly(seed, cx=37.6 + 0.15 * (seed % 3))
        got = engine.measure(geom, "k")
        assert (got >= 0).all()
        np.testing.assert_allclose(got, exact(regions, geom), rtol=0, atol=1e-6)
    assert sum(unit >= 0 for unit in engine._rest.values()) >= 5  # rule used
    assert engine.region_km2()[3] == 0


@pytest.mark.usefixtures("clean_shared")
def test_shared_overlay_across_tile_sizes_and_calls_is_bit_exact():
    # The kept overlays are keyed by regions and tile size; each call reuses
    # the last call's digests and km² per key. A reused tile must carry the
    # figure a fresh overlay computes, to the last bit.
    regions = _partition()
    shapes = [wobbly(1), wobbly(2), wobbly(1), wobbly(3), wobbly(1)]
    for i, geom in enumerate(shapes):
        tile = (0.25, 0.5)[i % 2]
        with TileOverlay.shared(regions, tile) as engine:
            got = engine.measure(geom, "occupied")
        fresh = TileOverlay(regions, tile).measure(geom, "occupied")
        assert got.tolist() == fresh.tolist()
    assert len(_tiles._SHARED) == 2


def test_failed_clips_redone_as_a_collection_with_a_line(monkeypatch):
    # The fallback overlay of a failed rectangle clip can be a
    # GeometryCollection (a polygon plus the line where another part touches
    # the tile's edge from outside); the later intersections and areas take it.
    regions = np.array(
        [shapely.box(36, 46, 37.1, 48), shapely.box(37.1, 46, 38, 48)], dtype=object
    )
    geom = shapely.MultiPolygon(
        [shapely.box(37.05, 47.05, 37.2, 47.2), shapely.box(37.0, 47.25, 37.25, 47.3)]
    )
    redone = shapely.intersection(geom, shapely.box(37, 47, 37.25, 47.25))
    assert redone.geom_type == "GeometryCollection"
    engine = TileOverlay(regions, 0.25)
    engine.measure(geom, "cut the regions first")

    def fails(*args: Any, **kwargs: Any) -> Any:
        raise shapely.errors.GEOSException("IllegalArgumentException")

    monkeypatch.setattr(_tiles.shapely, "clip_by_rect", fails)
    got = engine.measure(geom, "k")
    assert engine.stats["clips_redone"] > 0
    np.testing.assert_allclose(got, exact(regions, geom), rtol=0, atol=1e-6)


# -- changes(parallel=...) picks the pairs the serial stream picks ------------
class _Future:
    def __init__(self, key: int, value: Any):
        self.key = key
        self.value = value

    def result(self) -> Any:
        return self.value


class _InProcessClient:
    """Enough of a dask.distributed.Client to run _run_chunks in this process."""

    def __init__(self) -> None:
        self.futures = 0

    def scheduler_info(self) -> dict[str, Any]:
        return {"workers": {"a": {}, "b": {}, "c": {}}}

    def scatter(self, arg: Any, broadcast: bool = False) -> Any:
        return arg

    def submit(self, fn: Any, *args: Any, pure: bool = True) -> _Future:
        self.futures += 1
        return _Future(self.futures, fn(*args))


def _layer(date: str, x: float, published: str | None = None) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"status": ["occupied"]},
        geometry=[shapely.box(x, 47.2, 39.5, 47.8)],
        crs=4326,
    )
    out = fl.read_control(gdf, date=date)
    if published is not None:
        out.attrs["published"] = published
    return out


def _changes(layers: list[Any], freq: str, parallel: Any) -> pd.DataFrame:
    boxes = units(["UA-14"], [shapely.box(37, 47, 38, 48)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fl.FrontlineWarning)  # gaps
        return ts.changes(
            layers, freq, "UA-14", boundaries=boxes, parallel=parallel, progress=False
        )


@pytest.fixture
def in_process_dask(monkeypatch: pytest.MonkeyPatch) -> _InProcessClient:
    # Chunks complete in reverse order, as they may on a cluster.
    fake = types.SimpleNamespace(as_completed=lambda futures: futures[::-1])
    monkeypatch.setattr(_runners, "_import_distributed", lambda: fake)
    return _InProcessClient()


@pytest.mark.parametrize("freq", ["D", "W", "MS"])
def test_planned_pairs_are_the_streamed_ones(in_process_dask, freq):
    # Unsorted input; three snapshots of one date (two publication times and
    # none); two of another without publication time (the last given wins).
    layers = [
        _layer("2024-11-03", 37.6, "2024-11-04T10:00:00"),
        _layer("2024-11-01", 37.5),
        _layer("2024-11-03", 37.7, "2024-11-04T09:00:00"),
        _layer("2024-11-03", 37.8),
        _layer("2024-11-10", 37.4),
        _layer("2024-11-12", 37.3),
        _layer("2024-12-01", 37.2),
        _layer("2024-11-12", 37.35),
    ]
    serial = _changes(layers, freq, "serial")
    planned = _changes(layers, freq, in_process_dask)
    assert in_process_dask.futures > 2  # dates, then pairs, in several chunks
    pd.testing.assert_frame_equal(planned, serial, check_exact=True)


@pytest.mark.parametrize(
    ("dates", "freq"),
    [
        (["2024-11-05", "2024-11-05"], "D"),  # all one date
        (["2024-11-04", "2024-11-10", "2024-11-06"], "W"),  # one week
        (["2024-11-30", "2024-11-01"], "MS"),  # one month
    ],
)
def test_too_few_periods_fail_alike(in_process_dask, dates, freq):
    layers = [_layer(d, 37.5 + i / 10) for i, d in enumerate(dates)]
    with pytest.raises(OptionError, match="at least two different") as serial:
        _changes(layers, freq, "serial")
    with pytest.raises(OptionError, match="at least two different") as planned:
        _changes(layers, freq, in_process_dask)
    assert str(planned.value) == str(serial.value)


# -- the area engine: two Gauss nodes on short edges --------------------------
def test_two_node_rule_agrees_with_six_nodes(monkeypatch):
    geoms = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(5, 300))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = rng.uniform(0.01, 8, n)  # edges from ~1 km to hundreds of km
        ring = np.c_[30 + radii * np.cos(angles), 48 + 0.5 * radii * np.sin(angles)]
        geoms.append(shapely.Polygon(ring))
    # Thin slivers whose long edges span just under / over the threshold.
    rise = np.degrees(areas._SHORT_DLAT)
    for k in (0.999, 1.001):
        geoms.append(
            shapely.Polygon(
                [
                    (20, 45),
                    (40, 45 + k * rise),
                    (40, 45 + k * rise + 1e-4),
                    (20, 45 + 1e-4),
                ]
            )
        )
    g = np.array(geoms, dtype=object)
    mixed = _km2(g)
    monkeypatch.setattr(areas, "_SHORT_DLAT", 0.0)  # six nodes everywhere
    six = _km2(g)
    np.testing.assert_allclose(mixed, six, rtol=1e-12, atol=0)


# -- the reader: one validity test per feature --------------------------------
def test_only_invalid_features_are_repaired_and_rows_keep_their_order():
    bowtie = shapely.Polygon([(37.0, 47.0), (37.2, 47.2), (37.2, 47.0), (37.0, 47.2)])
    overlapping_parts = shapely.MultiPolygon(
        [shapely.box(37.3, 47.0, 37.5, 47.2), shapely.box(37.4, 47.1, 37.6, 47.3)]
    )
    valid = shapely.box(37.7, 47.0, 37.8, 47.1)
    valid_multi = shapely.MultiPolygon(
        [shapely.box(37.9, 47.0, 38.0, 47.1), shapely.box(38.1, 47.0, 38.2, 47.1)]
    )
    line = shapely.LineString([(37, 46.5), (38, 46.5)])
    gdf = gpd.GeoDataFrame(
        {"status": ["occupied", "occupied", "contested", "occupied", "contested"]},
        geometry=[valid, bowtie, line, overlapping_parts, valid_multi],
        crs=4326,
        index=[10, 11, 12, 13, 14],
    )
    with pytest.warns(fl.FrontlineWarning) as caught:
        out = fl.read_control(gdf, date="2024-11-01")
    messages = " | ".join(str(w.message) for w in caught)
    assert "repaired 1 invalid polygon(s) with make_valid" in messages
    assert "1 feature(s) have parts that overlap each other" in messages
    assert out.index.tolist() == [10, 11, 13, 14]
    assert out.status.tolist() == ["occupied", "occupied", "occupied", "contested"]
    assert shapely.is_valid(out.geometry.values).all()
    assert out.geometry.iloc[0].equals(valid)
    assert out.geometry.iloc[3].equals(valid_multi)
    assert out.attrs["dropped"] == {"features without polygons (points, lines)": 1}
    want = _km2(
        np.array(
            [
                valid,
                shapely.make_valid(bowtie),
                shapely.union_all(overlapping_parts.geoms),
                valid_multi,
            ],
            dtype=object,
        )
    )
    np.testing.assert_allclose(fl.area_km2(out.geometry.values), want, rtol=1e-12)


# -- fetch_arcgis --------------------------------------------------------------
@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


def test_redirect_refusal_suggests_an_option_fetch_arcgis_has(local_server, tmp_path):
    FakeLayer(arcgis_features(polygons())).install(local_server)
    moved = local_server.url(LAYER, host="localhost") + "?f=json"
    local_server.routes[LAYER] = redirect(moved)
    with pytest.raises(DownloadError, match="refusing the redirect") as info:
        fetch_arcgis(local_server.url(LAYER), cache_dir=tmp_path)
    assert data_files(tmp_path) == []  # nothing cached, no partial file
    # The advice names only what fetch_arcgis can do: take another url.
    suggested = set(re.findall(r"pass (\w+)=", str(info.value)))
    assert suggested <= set(inspect.signature(fetch_arcgis).parameters)
    assert "as url" in str(info.value)
    assert "allow_redirect_hosts" not in str(info.value)
