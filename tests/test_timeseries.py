"""timeseries, change, changes, resample, rate: exact figures on synthetic boxes,
the tiled overlay against the plain one, scale-out, and DeepState's statements."""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from tests.conftest import shared_file

import geopandas as gpd
import shapely

import frontline as fl
from frontline import _runners, _snapshots
from frontline import series as ts
from frontline._tiles import TileOverlay
from frontline.areas import _overlay_km2
from frontline.tolerance import Tolerance


def iso(dates):
    return dates.dt.strftime("%Y-%m-%d").tolist()


def km2(geom):
    return fl.area_km2(geom)


def layer(date, *features, published=None):
    """A normalised control layer from (status, geometry) pairs."""
    statuses, geoms = zip(*features, strict=True)
    gdf = gpd.GeoDataFrame({"status": list(statuses)}, geometry=list(geoms), crs=4326)
    out = fl.read_control(gdf, date=date)
    if published is not None:
        out.attrs["published"] = published
    return out


def front(date, x, *, extra=()):
    """Russian-held west of longitude ``x`` inside UA-14/UA-09's band."""
    return layer(date, ("occupied", shapely.box(x, 47.2, 39.5, 47.8)), *extra)


def series_of(*layers, regions="four", boxes=None, progress=False):
    return ts.timeseries(list(layers), regions, boundaries=boxes, progress=progress)


# -- timeseries ------------------------------------------------------------
def test_known_areas_sorted_by_date_with_group_rows(boxes):
    late = layer(
        "2024-11-03",
        ("occupied", shapely.box(37.5, 47, 38.5, 48)),
        ("occupied_before_2022", shapely.box(38.5, 47, 39, 48)),
    )
    early = layer("2024-11-01", ("occupied", shapely.box(37.5, 47, 38, 48)))
    series = series_of(late, early, boxes=boxes)
    assert list(series.columns) == ts.TIMESERIES_COLUMNS
    assert series.date.dt.strftime("%Y-%m-%d").unique().tolist() == [
        "2024-11-01",
        "2024-11-03",
    ]
    assert series.status.unique().tolist() == [
        "occupied_before_2022",
        "occupied",
        "russian_held",
    ]
    assert series.region_id.unique().tolist() == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "four",
    ]
    t = series.set_index(["date", "region_id", "status"]).sort_index()
    d1, d3 = pd.Timestamp("2024-11-01"), pd.Timestamp("2024-11-03")
    assert t.loc[(d1, "UA-14", "occupied"), "area_km2"] == pytest.approx(
        km2(shapely.box(37.5, 47, 38, 48)), rel=1e-9
    )
    # A status absent on a date is 0 there, not missing.
    assert t.loc[(d1, "UA-09", "occupied_before_2022"), "area_km2"] == 0
    assert t.loc[(d3, "UA-09", "occupied"), "area_km2"] == pytest.approx(
        km2(shapely.box(38, 47, 38.5, 48)), rel=1e-9
    )
    assert t.loc[(d3, "UA-09", "russian_held"), "share_pct"] == pytest.approx(100)
    four = t.xs((d3, "four"), level=("date", "region_id"))
    members = t.xs(d3, level="date").loc[["UA-14", "UA-09", "UA-23", "UA-65"]]
    held = members.xs("russian_held", level="status").area_km2.sum()
    assert four.loc["russian_held", "area_km2"] == pytest.approx(held, rel=1e-12)
    total = sum(km2(g) for g in boxes.geometry)
    assert four.loc["russian_held", "share_pct"] == pytest.approx(
        100 * held / total, rel=1e-9
    )
    assert series.attrs["region_area_km2"]["four"] == pytest.approx(total, rel=1e-12)
    assert series.attrs["gaps"] == []
    assert series.attrs["duplicates"] == []


def test_matches_control_table_on_the_embedded_boundaries():
    sample = fl.load_sample()
    series = ts.timeseries(sample, "six", progress=False)
    report = fl.control_table(sample, "six").set_index("region_id")
    held = series[series.status == "russian_held"].set_index("region_id")
    # Tiles cut long edges; densifying the cut pieces moves the figures by
    # less than 1e-3 km² (here ~4e-5 km² on 17,465 km²).
    for rid in report.index:
        assert held.loc[rid, "area_km2"] == pytest.approx(
            report.loc[rid, "occupied_km2"], abs=1e-3
        )
        assert held.loc[rid, "share_pct"] == pytest.approx(
            report.loc[rid, "occupied_pct"], abs=1e-6
        )


def test_duplicated_dates_keep_the_last_published_else_the_last_given(boxes):
    a = front("2024-11-01", 37.9, extra=[]).copy()
    b = front("2024-11-01", 37.7)
    c = front("2024-11-01", 37.5)
    series = series_of(a, b, c, boxes=boxes)
    got = series.query("region_id == 'UA-14' and status == 'occupied'").area_km2
    assert got.tolist() == pytest.approx([km2(shapely.box(37.5, 47.2, 38, 47.8))])
    assert series.attrs["duplicates"] == [
        {"date": "2024-11-01", "kept": "layer #2", "dropped": ["layer #0", "layer #1"]}
    ]
    # The adapter's publication time wins over the input order.
    a.attrs["published"] = "2024-11-01T21:00:00+00:00"
    b.attrs["published"] = "2024-11-01T08:00:00+00:00"
    c.attrs["published"] = "2024-11-01T07:00:00+00:00"
    series = series_of(a, b, c, boxes=boxes)
    got = series.query("region_id == 'UA-14' and status == 'occupied'").area_km2
    assert got.tolist() == pytest.approx([km2(shapely.box(37.9, 47.2, 38, 47.8))])
    assert series.attrs["duplicates"][0]["kept"] == "layer #0"


def test_gaps_are_reported_not_filled(boxes):
    layers = [front(f"2024-11-{d:02d}", 37.5) for d in (1, 2, 3, 10, 11)]
    with pytest.warns(fl.FrontlineWarning, match=r"1 gap\(s\).*2024-11-03…2024-11-10"):
        series = series_of(*layers, boxes=boxes)
    assert series.attrs["gaps"] == [
        {"after": "2024-11-03", "before": "2024-11-10", "days": 7}
    ]
    assert series.date.nunique() == 5


def test_a_change_of_coverage_warns(boxes):
    a, b, c = (front(f"2024-03-{d}", 37.5) for d in (12, 13, 14))
    for x in (a, b):
        x.attrs["coverage"] = {"crimea": False, "pre_2022_donbas": True}
    c.attrs["coverage"] = {"crimea": False, "pre_2022_donbas": False}
    with pytest.warns(fl.FrontlineWarning, match=r"coverage changes on 2024-03-14"):
        series = series_of(a, b, c, boxes=boxes)
    assert series.attrs["coverage_changes"] == [
        {
            "date": "2024-03-14",
            "before": {"crimea": False, "pre_2022_donbas": True},
            "after": {"crimea": False, "pre_2022_donbas": False},
        }
    ]


def test_reads_folders_globs_and_paths(tmp_path, boxes):
    for day, x in ((1, 37.5), (2, 37.4)):
        gdf = gpd.GeoDataFrame(
            {"status": ["occupied"], "date": [f"2024-11-0{day}"]},
            geometry=[shapely.box(x, 47.2, 38.5, 47.8)],
            crs=4326,
        )
        gdf.to_file(tmp_path / f"control_{day}.geojson")
    (tmp_path / "README.txt").write_text("not a map")
    by_folder = ts.timeseries(tmp_path, "four", boundaries=boxes, progress=False)
    by_glob = ts.timeseries(
        str(tmp_path / "control_*.geojson"), "four", boundaries=boxes, progress=False
    )
    by_paths = ts.timeseries(
        sorted(tmp_path.glob("*.geojson")), "four", boundaries=boxes, progress=False
    )
    pd.testing.assert_frame_equal(by_folder, by_glob)
    pd.testing.assert_frame_equal(by_folder, by_paths)
    assert by_folder.attrs["sources"] == {
        "2024-11-01": "control_1.geojson",
        "2024-11-02": "control_2.geojson",
    }
    ua14 = by_folder.query("region_id == 'UA-14' and status == 'occupied'")
    assert ua14.area_km2.tolist() == pytest.approx(
        [km2(shapely.box(x, 47.2, 38, 47.8)) for x in (37.5, 37.4)]
    )


@pytest.mark.parametrize("parallel", ["serial", None])
def test_streams_an_iterator_one_layer_at_a_time(boxes, monkeypatch, parallel):
    produced = []

    def layers():
        for day in range(1, 5):
            produced.append(day)
            yield front(f"2024-11-0{day}", 37.5 - day / 10)

    seen = []
    measure = _runners.Overlay.measure

    def spy(self, snap):
        seen.append((snap.index, len(produced)))
        return measure(self, snap)

    monkeypatch.setattr(_runners.Overlay, "measure", spy)
    series = ts.timeseries(
        layers(), "four", boundaries=boxes, progress=False, parallel=parallel
    )
    assert [index for index, _ in seen] == [0, 1, 2, 3]  # in order
    if parallel == "serial":  # each layer is measured before the next is made
        assert [n for _, n in seen] == [1, 2, 3, 4]
    else:  # ... or while the next one is read (never two ahead)
        assert all(index + 1 <= n <= index + 2 for index, n in seen)
    assert series.date.nunique() == 4


@pytest.mark.parametrize(
    ("snapshots", "error", "match"),
    [
        ([], fl.OptionError, "no snapshots given"),
        (iter([]), fl.OptionError, "no snapshots given"),
        (42, fl.OptionError, "expected paths, a folder, a glob or control layers"),
        (pd.DataFrame({"date": []}), fl.OptionError, "got a table, not control maps"),
        ([42], fl.OptionError, "expected a path or a control layer"),
        ("/nonexistent/x.geojson", fl.InputFileNotFoundError, "does not exist"),
        ("/nonexistent/*.geojson", fl.InputFileNotFoundError, "matches no file"),
    ],
)
def test_bad_snapshots(snapshots, error, match):
    with pytest.raises(error, match=match):
        ts.timeseries(snapshots, "four", progress=False)


def test_empty_folder_and_undated_layers(tmp_path, boxes):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(fl.InputFileNotFoundError, match="holds no control file"):
        ts.timeseries(tmp_path, "four", progress=False)
    undated = fl.read_control(
        gpd.GeoDataFrame(geometry=[shapely.box(37, 47, 38, 48)], crs=4326)
    )
    with pytest.raises(fl.OptionError, match="has no date"):
        ts.timeseries([undated], "four", boundaries=boxes, progress=False)
    with pytest.raises(fl.OptionError, match="expected a path or a control layer"):
        ts.change(42, undated, "four", boundaries=boxes)


def test_bad_parallel_options(boxes):
    one = [front("2024-11-01", 37.5)]
    with pytest.raises(fl.OptionError, match="unknown parallel='threads'"):
        ts.timeseries(one, "four", parallel="threads", progress=False)
    with pytest.raises(fl.OptionError, match="got int"):
        ts.timeseries(one, "four", parallel=4, progress=False)


def test_progress_bar_only_in_a_terminal(boxes, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    layers = [front("2024-11-01", 37.5), front("2024-11-02", 37.4)]
    series_of(*layers, boxes=boxes, progress=True)
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    monkeypatch.setattr(_runners, "_PROGRESS_DELAY_S", 0.0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    series_of(*layers, boxes=boxes, progress=False)
    assert capsys.readouterr().err == ""
    series_of(*layers, boxes=boxes, progress=True)
    assert "timeseries" in capsys.readouterr().err


# -- the tiled overlay -----------------------------------------------------
def _wobbly(seed, n=40):
    """A star-shaped polygon around (37.9, 47.5), different for each seed."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.3, 0.9, n)
    xy = np.c_[37.9 + radii * np.cos(angles), 47.5 + 0.6 * radii * np.sin(angles)]
    return shapely.Polygon(xy)


def test_tiles_equal_the_plain_overlay_and_reuse_unchanged_tiles(boxes):
    regions = np.asarray(boxes.geometry.values, dtype=object)
    engine = TileOverlay(regions, tile_deg=0.25)
    base = _wobbly(1)
    # The second shape differs from the first only east of 38.6°: tiles west
    # of it must be reused. The third puts edges exactly on tile lines.
    east = shapely.box(38.6, 46, 40, 49)
    moved = shapely.union(
        shapely.difference(base, east), shapely.box(38.6, 47.2, 38.9, 47.7)
    )
    on_grid = shapely.box(37.25, 47.25, 38.5, 47.75)
    holed = shapely.Polygon(
        shapely.box(36.9, 46.9, 38.6, 48.1).exterior.coords,
        [shapely.box(37.2, 47.2, 37.7, 47.7).exterior.coords],
    )
    for i, geom in enumerate([base, moved, on_grid, holed, base]):
        got = engine.measure(geom, "occupied")
        want = _overlay_km2(boxes, {"s": geom})["s"].to_numpy()
        # Long edges cut at tile lines are densified a little differently.
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
        if i == 1:
            assert engine.stats["tiles_reused"] > 0
    assert engine.stats["tiles_inside"] > 0
    assert engine.measure(None).tolist() == [0.0] * 4
    assert engine.measure(shapely.Point(37.5, 47.5)).tolist() == [0.0] * 4


def test_repeated_snapshot_recomputes_nothing(boxes):
    engine = TileOverlay(np.asarray(boxes.geometry.values, dtype=object))
    first = engine.measure(_wobbly(3), "x")
    computed = engine.stats["tiles_computed"]
    assert computed > 0
    again = engine.measure(_wobbly(3), "x")
    assert engine.stats["tiles_computed"] == computed
    assert again.tolist() == first.tolist()
    # Another key is another stream: no reuse across statuses.
    engine.measure(_wobbly(3), "y")
    assert engine.stats["tiles_computed"] == 2 * computed


def test_a_boundary_along_a_tile_edge_is_seen_from_both_sides(boxes):
    regions = np.asarray(boxes.geometry.values, dtype=object)
    engine = TileOverlay(regions, tile_deg=0.25)
    a = shapely.box(37.25, 47.25, 37.5, 47.5)
    b = shapely.box(37.25, 47.25, 37.5, 47.75)  # grows along the edge x = 37.5
    ua14 = list(boxes.region_id).index("UA-14")
    for geom in (a, b, a, b):
        got = engine.measure(geom, "k")
        assert got[ua14] == pytest.approx(km2(geom), rel=1e-12)
        assert got.sum() == got[ua14]


def _units(*geoms):
    raw = gpd.GeoDataFrame(
        {"id": ["UA-14", "UA-09", "UA-23"][: len(geoms)]},
        geometry=list(geoms),
        crs="EPSG:4326",
    )
    return fl.from_geodataframe(raw, column="id", source="test")


@pytest.mark.parametrize(
    ("second", "rest"),
    [
        (shapely.box(37.6, 47, 38.6, 48), True),  # shares the border x = 37.6
        (shapely.box(37.61, 47, 38.6, 48), False),  # a 0.01° gap
        (shapely.box(37.55, 47, 38.6, 48), False),  # overlapping units
    ],
)
def test_a_unit_measured_as_the_rest_of_its_tile(second, rest):
    # Units that tile a tile exactly: one of them is measured as the clip's
    # km² minus the others'. Where they leave a gap or overlap, every unit is
    # intersected. Either way the figures are those of the plain overlay.
    units = _units(shapely.box(36.6, 47, 37.6, 48), second)
    engine = TileOverlay(np.asarray(units.geometry.values, dtype=object))
    for seed in (1, 2, 3):
        geom = _wobbly(seed)
        got = engine.measure(geom, "k")
        want = _overlay_km2(units, {"s": geom})["s"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    split = [t for t in engine._rest if len(engine._pieces[t][0]) == 2]
    assert split  # the tiles along x = 37.6 were measured
    assert all((engine._rest[t] >= 0) == rest for t in split)


def test_failed_or_invalid_fast_clips_are_redone_as_overlays(boxes, monkeypatch):
    # GEOS' rectangle clipping may fail, or return invalid rings, where a
    # shape runs along a tile edge. Simulate both: every other clip fails, the
    # others come back with a bow-tie; the figures stay the plain overlay's.
    from frontline import _tiles

    real = shapely.clip_by_rect
    calls = {"n": 0}

    def flaky(geom, *box):
        calls["n"] += 1
        if calls["n"] % 2:
            raise shapely.errors.GEOSException("IllegalArgumentException: found 3")
        out = real(geom, *box)
        if out.is_empty or box[2] - box[0] > 1:  # leave the row strips alone
            return out
        x0, y0, x1, y1 = box
        return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # invalid

    engine = TileOverlay(np.asarray(boxes.geometry.values, dtype=object))
    geom = _wobbly(7)
    engine.measure(geom, "first")  # cuts the regions with the real clipping
    monkeypatch.setattr(_tiles.shapely, "clip_by_rect", flaky)
    got = engine.measure(geom, "k")
    monkeypatch.setattr(_tiles.shapely, "clip_by_rect", real)
    want = _overlay_km2(boxes, {"s": geom})["s"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert engine.stats["clips_redone"] > 0


def test_shared_overlay_is_kept_between_calls_and_dropped_after_an_error(boxes):
    from frontline import _tiles

    regions = np.asarray(boxes.geometry.values, dtype=object)
    _tiles._SHARED.clear()
    with TileOverlay.shared(regions) as first:
        a = first.measure(_wobbly(5), "x")
        # A concurrent user gets its own overlay.
        with TileOverlay.shared(regions) as other:
            assert other is not first
    with TileOverlay.shared(regions.copy()) as again:  # same shapes, new array
        computed = again.stats["tiles_computed"]
        assert again.measure(_wobbly(5), "x").tolist() == a.tolist()
        assert again.stats["tiles_computed"] == computed  # all reused
    assert len(_tiles._SHARED) == 1
    with pytest.raises(ZeroDivisionError), TileOverlay.shared(regions) as broken:
        broken.measure(_wobbly(6), "x")
        1 / 0  # noqa: B018
    assert len(_tiles._SHARED) == 0  # a half-measured state is not reused
    with TileOverlay.shared(regions[:2]) as fewer:
        assert fewer.n_regions == 2


def test_a_second_series_on_the_same_boundaries_gives_the_same_figures(files, boxes):
    from frontline import _tiles

    _tiles._SHARED.clear()
    cold = ts.timeseries(files, "four", boundaries=boxes, progress=False)
    warm = ts.timeseries(files, "four", boundaries=boxes, progress=False)
    one_thread = ts.timeseries(
        files, "four", boundaries=boxes, progress=False, parallel="serial"
    )
    pd.testing.assert_frame_equal(warm, cold, check_exact=True)
    pd.testing.assert_frame_equal(one_thread, cold, check_exact=True)


def test_read_ahead_raises_the_error_of_the_snapshot_it_reached(tmp_path, files, boxes):
    bad = tmp_path / "day9.geojson"
    bad.write_text("{not json")
    paths = sorted(files.glob("*.geojson"))
    for parallel in (None, "serial"):
        with pytest.raises(fl.UnsupportedFormatError, match="day9"):
            ts.timeseries(
                [paths[0], bad, paths[1]],
                "four",
                boundaries=boxes,
                progress=False,
                parallel=parallel,
            )


# -- change ----------------------------------------------------------------
def test_change_splits_gains_and_losses_by_geometry(boxes):
    before = layer(
        "2024-11-17",
        ("occupied", shapely.box(37.5, 47, 38.5, 48)),
        ("contested", shapely.box(37.3, 47, 37.5, 48)),
    )
    # Forward in UA-14 (37.5 → 37.2), back in UA-09 (38.5 → 38.3).
    after = layer(
        "2024-11-24",
        ("occupied", shapely.box(37.2, 47, 38.3, 48)),
        ("contested", shapely.box(37.1, 47, 37.2, 48)),
    )
    table = ts.change(before, after, "four", boundaries=boxes)
    assert list(table.columns) == ts.CHANGE_COLUMNS
    t = table.set_index("region_id")
    gained = km2(shapely.box(37.2, 47, 37.5, 48))
    lost = km2(shapely.box(38.3, 47, 38.5, 48))
    assert t.loc["UA-14", "gained_km2"] == pytest.approx(gained, rel=1e-9)
    assert t.loc["UA-14", "lost_km2"] == 0
    assert t.loc["UA-09", "lost_km2"] == pytest.approx(lost, rel=1e-9)
    assert t.loc["four", "gained_km2"] == pytest.approx(gained, rel=1e-9)
    assert t.loc["four", "net_km2"] == pytest.approx(gained - lost, rel=1e-9)
    # Net is after − before, and gains + losses are more than the net.
    np.testing.assert_allclose(t.net_km2, t.after_km2 - t.before_km2, rtol=0, atol=1e-6)
    assert t.loc["four", "days"] == 7
    assert t.loc["four", "km2_per_day"] == pytest.approx((gained - lost) / 7)
    assert t.loc["four", "date_before"] == pd.Timestamp("2024-11-17")
    # Order of the arguments does not matter: the earlier layer is "before".
    pd.testing.assert_frame_equal(
        ts.change(after, before, "four", boundaries=boxes), table
    )
    every = ts.change(before, after, "four", boundaries=boxes, status="all")
    c = every[every.region_id == "UA-14"].set_index("status")
    assert c.loc["contested", "gained_km2"] == pytest.approx(
        km2(shapely.box(37.1, 47, 37.2, 48)), rel=1e-9
    )
    assert c.loc["contested", "lost_km2"] == pytest.approx(
        km2(shapely.box(37.3, 47, 37.5, 48)), rel=1e-9
    )
    assert set(every.status) == {"occupied", "contested", "russian_held"}


def test_change_polygons(boxes):
    before = front("2024-11-17", 37.5)
    after = layer("2024-11-24", ("occupied", shapely.box(37.2, 47.2, 38.7, 47.8)))
    whole = ts.change_polygons(before, after)
    assert whole[["change", "status", "region_id"]].values.tolist() == [
        ["gained", "russian_held", None],
        ["lost", "russian_held", None],
    ]
    assert whole.crs.equals("EPSG:4326")
    assert whole.geometry.iloc[0].equals(shapely.box(37.2, 47.2, 37.5, 47.8))
    assert whole.area_km2.iloc[1] == pytest.approx(
        km2(shapely.box(38.7, 47.2, 39.5, 47.8)), rel=1e-9
    )
    cut = ts.change_polygons(before, after, "four", boundaries=boxes)
    assert cut[["change", "region_id"]].values.tolist() == [
        ["gained", "UA-14"],
        ["lost", "UA-09"],
    ]
    assert cut.area_km2.iloc[1] == pytest.approx(
        km2(shapely.box(38.7, 47.2, 39, 47.8)), rel=1e-9
    )
    assert cut.attrs == {
        "date_before": "2024-11-17",
        "date_after": "2024-11-24",
        "tolerance": Tolerance().to_attrs(),
    }
    assert (cut.noise_km2 == 0).all()
    nothing = ts.change_polygons(before, before)
    assert len(nothing) == 0
    assert list(nothing.columns) == [
        "change",
        "status",
        "region_id",
        "area_km2",
        "noise_km2",
        "geometry",
    ]


def test_coast_redrawn_is_noise_reported_apart(boxes):
    # The coast of the Russian-held area redrawn 22 m further out (a sliver
    # 0.8° long), and a real advance of 2.3 km: the sliver is noise, left out
    # of the polygons and reported apart, still counted in the totals.
    before = front("2024-11-17", 37.5)
    jitter = shapely.box(37.5, 47.2 - 0.0002, 39.0, 47.2)
    advance = shapely.box(37.47, 47.3, 37.5, 47.7)
    after = layer(
        "2024-11-24",
        ("occupied", shapely.box(37.5, 47.2, 39.5, 47.8)),
        ("occupied", jitter),
        ("occupied", advance),
    )
    poly = ts.change_polygons(before, after)
    assert poly.change.tolist() == ["gained"]
    assert poly.geometry.iloc[0].equals(shapely.MultiPolygon([advance]))
    assert poly.area_km2.iloc[0] == pytest.approx(km2(advance), rel=1e-9)
    assert poly.noise_km2.iloc[0] == pytest.approx(km2(jitter), rel=1e-6)
    cut = ts.change_polygons(before, after, "four", boundaries=boxes).set_index(
        "region_id"
    )
    # Within UA-09 (38-39°E) the change is all noise: an empty row, not none.
    assert cut.loc["UA-09"].geometry.is_empty
    assert cut.loc["UA-09", "noise_km2"] == pytest.approx(
        km2(shapely.box(38, 47.2 - 0.0002, 39, 47.2)), rel=1e-6
    )
    table = ts.change(before, after, "four", boundaries=boxes).set_index("region_id")
    total = km2(advance) + km2(jitter)
    assert table.loc["four", "gained_km2"] == pytest.approx(total, rel=1e-6)
    assert table.loc["four", "gained_noise_km2"] == pytest.approx(km2(jitter), rel=1e-6)
    assert table.loc["UA-09", "gained_noise_km2"] == pytest.approx(
        table.loc["UA-09", "gained_km2"], rel=1e-9
    )
    assert table.lost_noise_km2.sum() == 0
    assert table.attrs["tolerance"]["sliver_m"] == 100
    # Without a sliver width nothing is noise.
    keep = ts.change_polygons(before, after, tolerance=Tolerance(sliver_m=0))
    assert keep.noise_km2.iloc[0] == 0
    assert keep.area_km2.iloc[0] == pytest.approx(total, rel=1e-9)


def test_change_rejects_unknown_status(boxes):
    a = front("2024-11-17", 37.5)
    with pytest.raises(fl.UnknownStatusError, match="unknown status 'grey'"):
        ts.change(a, a, "four", boundaries=boxes, status="grey")
    with pytest.raises(fl.UnknownStatusError, match="unknown status 'grey'"):
        ts.change_polygons(a, a, status="grey")


# -- changes, resample, rate -----------------------------------------------
@pytest.fixture(scope="module")
def daily():
    """Nov 2024, a front moving west 0.01°/day in UA-14, one day missing."""
    days = [d for d in range(1, 23) if d != 13]
    return [front(f"2024-11-{d:02d}", 37.9 - d / 100) for d in days]


def test_changes_daily_weekly_monthly(boxes, daily):
    def strip(x0, x1):
        return km2(shapely.box(x0, 47.2, x1, 47.8))

    with pytest.warns(fl.FrontlineWarning, match="2024-11-12…2024-11-14"):
        day = ts.changes(daily, "D", "four", boundaries=boxes, progress=False)
    ua14 = day[day.region_id == "UA-14"]
    assert len(ua14) == len(daily) - 1
    assert ua14.gained_km2.iloc[0] == pytest.approx(strip(37.87, 37.88), rel=1e-6)
    jump = ua14[ua14.date_after == "2024-11-14"].iloc[0]
    assert (jump.date_before, jump.days) == (pd.Timestamp("2024-11-12"), 2)
    assert jump.km2_per_day == pytest.approx(strip(37.76, 37.78) / 2, rel=1e-6)

    week = ts.changes(daily, "W", "four", boundaries=boxes, progress=False)
    w = week[week.region_id == "UA-14"]
    # Weeks end on Sundays: 3, 10, 17 Nov; the last week is cut at 22 Nov.
    assert iso(w.date_before) == ["2024-11-03", "2024-11-10", "2024-11-17"]
    assert iso(w.date_after) == ["2024-11-10", "2024-11-17", "2024-11-22"]
    assert w.period.dt.strftime("%Y-%m-%d").tolist() == [
        "2024-11-04",
        "2024-11-11",
        "2024-11-18",
    ]
    assert w.gained_km2.iloc[0] == pytest.approx(strip(37.80, 37.87), rel=1e-6)
    assert (w.lost_km2 == 0).all()
    assert week.attrs["gaps"] == []

    with pytest.raises(fl.OptionError, match="at least two different months"):
        ts.changes(daily, "MS", "four", boundaries=boxes, progress=False)
    with pytest.warns(fl.FrontlineWarning, match="months without a snapshot"):
        month = ts.changes(
            [front("2024-10-31", 37.95), *daily[-3:], front("2025-01-31", 37.0)],
            "M",
            "four",
            boundaries=boxes,
            progress=False,
        )
    m = month[month.region_id == "UA-14"]
    assert iso(m.date_after) == ["2024-11-22", "2025-01-31"]
    assert m.gained_km2.iloc[0] == pytest.approx(strip(37.68, 37.95), rel=1e-6)
    assert month.attrs["gaps"] == [{"period": "2024-12-01"}]


def test_changes_sorts_unordered_input_and_keeps_one_per_date(boxes, daily):
    shuffled = [daily[3], daily[0], daily[2], daily[1]]
    dup = front(daily[1].attrs["date"].isoformat(), 30.0)  # given first, dropped
    dup.attrs["published"] = "2024-11-02T01:00:00+00:00"
    daily1 = daily[1].copy()
    daily1.attrs["published"] = "2024-11-02T20:00:00+00:00"
    got = ts.changes(
        [shuffled[0], shuffled[1], shuffled[2], dup, daily1],
        "D",
        "four",
        boundaries=boxes,
        progress=False,
    )
    want = ts.changes(daily[:4], "D", "four", boundaries=boxes, progress=False)
    pd.testing.assert_frame_equal(got, want)


def test_changes_from_a_series_table_give_net_only(boxes, daily):
    with pytest.warns(fl.FrontlineWarning, match="gap"):
        series = series_of(*daily, boxes=boxes)
        geometric = ts.changes(daily, "D", "four", boundaries=boxes, progress=False)
    with pytest.warns(fl.FrontlineWarning, match="gap"):
        net = ts.changes(series, "D", "four", boundaries=boxes)
    assert net.gained_km2.isna().all() and net.lost_km2.isna().all()
    merged = net.merge(
        geometric, on=["date_after", "region_id", "status"], suffixes=("", "_geo")
    )
    assert len(merged) == len(net)
    np.testing.assert_allclose(merged.net_km2, merged.net_km2_geo, atol=1e-6)
    speed = ts.rate(series, "W")
    assert list(speed.columns) == [
        "period",
        "date_before",
        "date_after",
        "days",
        "region_id",
        "status",
        "before_km2",
        "after_km2",
        "net_km2",
        "km2_per_day",
    ]
    ua14 = speed[speed.region_id == "UA-14"]
    assert ua14.km2_per_day.iloc[0] == pytest.approx(
        km2(shapely.box(37.80, 47.2, 37.87, 47.8)) / 7, rel=1e-6
    )


def test_resample_keeps_the_last_of_each_period(boxes, daily):
    with pytest.warns(fl.FrontlineWarning, match="gap"):
        series = series_of(*daily, boxes=boxes)
    weekly = ts.resample(series, "W")
    assert weekly.columns[0] == "period"
    assert weekly.date.dt.strftime("%d").unique().tolist() == ["03", "10", "17", "22"]
    assert weekly.attrs["freq"] == "W"
    assert weekly.attrs["regions"] == series.attrs["regions"]
    monthly = ts.resample(series, "MS")
    assert monthly.date.unique().tolist() == [pd.Timestamp("2024-11-22")]
    sparse = series[series.date.dt.day.isin([1, 20])]
    with pytest.warns(fl.FrontlineWarning, match=r"2 gap\(s\), weeks without"):
        gappy = ts.resample(sparse, "W")
    assert gappy.attrs["gaps"] == [{"period": "2024-11-04"}, {"period": "2024-11-11"}]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: ts.resample(s, "Q"), fl.OptionError, "unknown freq 'Q'"),
        (lambda s: ts.rate(s, "Y"), fl.OptionError, "unknown freq 'Y'"),
        (lambda s: ts.rate(s, status="grey"), fl.UnknownStatusError, "grey"),
        (
            lambda s: ts.resample(s.drop(columns="status"), "W"),
            fl.OptionError,
            r"missing \['status'\]",
        ),
        (
            lambda s: ts.rate(s[s.date == s.date.min()]),
            fl.OptionError,
            "at least two dates",
        ),
    ],
)
def test_bad_series_options(boxes, call, error, match):
    series = series_of(
        front("2024-11-01", 37.5), front("2024-11-02", 37.4), boxes=boxes
    )
    with pytest.raises(error, match=match):
        call(series)


# -- scale-out -------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshots")
    for day in range(1, 7):
        geoms = [
            shapely.box(37.9 - day / 20, 47.2, 39.5, 47.8),
            shapely.box(33.2, 46.1, 33.3 + day / 50, 46.4),
        ]
        gdf = gpd.GeoDataFrame(
            {"status": ["occupied", "contested"], "date": f"2024-11-0{day}"},
            geometry=geoms,
            crs=4326,
        )
        gdf.to_file(folder / f"day{day}.geojson")
    return folder


def test_processes_give_the_serial_figures(files, boxes):
    serial = ts.timeseries(files, "four", boundaries=boxes, progress=False)
    pooled = ts.timeseries(
        files, "four", boundaries=boxes, parallel="processes", progress=False
    )
    pd.testing.assert_frame_equal(pooled, serial, check_exact=True)


def test_dask_local_cluster_gives_the_serial_figures(files, boxes):
    distributed = pytest.importorskip("distributed")
    serial = ts.timeseries(files, "four", boundaries=boxes, progress=False)
    with pytest.raises(fl.OptionError, match=r"needs a running dask\.distributed"):
        ts.timeseries(files, "four", parallel="dask", progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        on_dask = ts.timeseries(
            files, "four", boundaries=boxes, parallel=client, progress=False
        )
        by_name = ts.timeseries(
            files, "four", boundaries=boxes, parallel="dask", progress=False
        )
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)
    pd.testing.assert_frame_equal(by_name, serial, check_exact=True)


@pytest.mark.slow
def test_changes_on_processes_give_the_serial_figures(files, boxes):
    serial = ts.changes(files, "D", "four", boundaries=boxes, progress=False)
    pooled = ts.changes(
        files, "D", "four", boundaries=boxes, parallel="processes", progress=False
    )
    pd.testing.assert_frame_equal(pooled, serial, check_exact=True)
    assert pooled.attrs == serial.attrs


def test_changes_on_dask_follow_the_serial_rules(boxes, daily):
    # Unordered input with a duplicated date and weekly periods: the pairs
    # chosen from the dates on the cluster are the ones the serial pass takes.
    distributed = pytest.importorskip("distributed")
    dup = front(daily[8].attrs["date"].isoformat(), 30.0)
    dup.attrs["published"] = "2024-11-09T01:00:00+00:00"
    late = daily[8].copy()
    late.attrs["published"] = "2024-11-09T20:00:00+00:00"
    layers = [*daily[10:], dup, *daily[:8][::-1], late, daily[9]]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for freq in ("D", "W"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fl.FrontlineWarning)  # the gap
                serial = ts.changes(
                    layers, freq, "four", boundaries=boxes, progress=False
                )
                on_dask = ts.changes(
                    layers,
                    freq,
                    "four",
                    boundaries=boxes,
                    parallel=client,
                    progress=False,
                )
            pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)
            assert on_dask.attrs == serial.attrs
        with pytest.raises(fl.OptionError, match="at least two different months"):
            ts.changes(
                daily, "MS", "four", boundaries=boxes, parallel=client, progress=False
            )


def test_chunks_are_consecutive():
    chunks = _runners.split_chunks(list("abcdefghij"), 2)
    flat = [item for chunk in chunks for item in chunk]
    assert flat == list(enumerate("abcdefghij"))
    assert [len(c) for c in chunks] == [3, 3, 3, 1]


# -- real data (../shared) -------------------------------------------------
RAW = "deepstate_raw_multiclass"
UNION = "deepstate_occupied_union"


def _quiet(call, *args, **kwargs):
    # The raw DeepState files carry sub-km² overlaps that the reader reports
    # (tested in test_read_control); they are not what is checked here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fl.FrontlineWarning)
        return call(*args, **kwargs)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("before", "after", "dates", "statement"),
    [
        # DeepState, monthly statement for November 2024: ~730 km² taken.
        (
            (RAW, "20241031T211702Z_1730409422.geojson.gz"),
            (RAW, "20241130T212139Z_1733001699.geojson.gz"),
            ("2024-10-31", "2024-11-30"),
            730,
        ),
        (
            (UNION, "deepstatemap_data_20241101.geojson"),
            (UNION, "deepstatemap_data_20241201.geojson"),
            ("2024-10-31", "2024-11-30"),
            730,
        ),
        # The weekly figure around 24 Nov 2024: ~235 km² (evenings of 17 → 24).
        (
            (RAW, "20241117T213218Z_1731879138.geojson.gz"),
            (RAW, "20241124T215458Z_1732485298.geojson.gz"),
            ("2024-11-17", "2024-11-24"),
            235,
        ),
        (
            (UNION, "deepstatemap_data_20241118.geojson"),
            (UNION, "deepstatemap_data_20241125.geojson"),
            ("2024-11-17", "2024-11-24"),
            235,
        ),
    ],
)
def test_deepstate_statements(before, after, dates, statement):
    a = shared_file("control", *before)
    b = shared_file("control", *after)
    table = _quiet(ts.change, a, b, "all").set_index("region_id")
    row = table.loc["all"]
    assert (row.date_before.date().isoformat(), row.date_after.date().isoformat()) == (
        dates
    )
    # "Taken" is newly Russian-held area, not the net.
    assert table.loc["all", "gained_km2"] == pytest.approx(statement, rel=0.02)
    assert table.loc["all", "lost_km2"] < 1
    donetsk_and_kharkiv = table.loc[["UA-14", "UA-63"], "gained_km2"].sum()
    assert donetsk_and_kharkiv > 0.5 * table.loc["all", "gained_km2"]


@pytest.mark.shared
def test_weekly_changes_from_the_raw_daily_files():
    days = [
        shared_file("control", RAW, name)
        for name in (
            "20241114T214212Z_1731620532.geojson.gz",
            "20241117T213218Z_1731879138.geojson.gz",
            "20241120T213037Z_1732138237.geojson.gz",
            "20241124T215458Z_1732485298.geojson.gz",
        )
    ]
    week = _quiet(ts.changes, days, "W", "all", progress=False)
    row = week[week.region_id == "all"].iloc[-1]
    assert iso(pd.Series([row.date_before, row.date_after])) == [
        "2024-11-17",
        "2024-11-24",
    ]
    assert row.gained_km2 == pytest.approx(235, rel=0.02)


@pytest.mark.shared
def test_series_agrees_with_control_table(minregion):
    paths = [
        shared_file("control", UNION, f"deepstatemap_data_{d}.geojson")
        for d in ("20241120", "20241121", "20241122")
    ]
    series = ts.timeseries(paths, "four", boundaries=minregion, progress=False)
    assert series.attrs["sources"].keys() == {"2024-11-19", "2024-11-20", "2024-11-21"}
    on_20 = series[(series.date == "2024-11-20") & (series.status == "russian_held")]
    report = fl.control_table(paths[1], "four", boundaries=minregion)
    np.testing.assert_allclose(
        on_20.area_km2.to_numpy(), report.occupied_km2.to_numpy(), rtol=0, atol=1e-3
    )


@pytest.mark.shared
def test_figures_do_not_depend_on_what_was_measured_before(minregion):
    # Reused tiles carry, to the last bit, the figure a fresh computation
    # gives: the order of the inputs and earlier calls change nothing.
    from frontline import _tiles

    files = sorted(shared_file("control", UNION).glob("*.geojson"))
    _tiles._SHARED.clear()
    cold = ts.timeseries(files, "six", boundaries=minregion, progress=False)
    backwards = ts.timeseries(files[::-1], "six", boundaries=minregion, progress=False)
    _tiles._SHARED.clear()
    ts.timeseries(files[20:25], "six", boundaries=minregion, progress=False)
    warm = ts.timeseries(
        files, "six", boundaries=minregion, progress=False, parallel="serial"
    )
    pd.testing.assert_frame_equal(backwards, cold, check_exact=True)
    pd.testing.assert_frame_equal(warm, cold, check_exact=True)


def test_json_round_trip_of_attrs(boxes):
    series = series_of(front("2024-11-01", 37.5), boxes=boxes)
    assert json.loads(json.dumps(series.attrs))["regions"] == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
    ]
    assert isinstance(series.date.iloc[0], pd.Timestamp)
    assert series.date.iloc[0].date() == dt.date(2024, 11, 1)


@pytest.mark.shared
def test_every_status_agrees_with_control_table(minregion):
    path = shared_file("control", RAW, "20241120T213037Z_1732138237.geojson.gz")
    layer = _quiet(fl.read_control, path)
    series = ts.timeseries(layer, "six", boundaries=minregion, progress=False)
    assert series.date.dt.strftime("%Y-%m-%d").unique().tolist() == ["2024-11-20"]
    wide = series.pivot(index="region_id", columns="status", values="area_km2")
    report = fl.control_table(layer, "six", boundaries=minregion).set_index("region_id")
    columns = {
        "occupied": "occupied_since_2022_km2",
        "occupied_before_2022": "occupied_before_2022_km2",
        "contested": "contested_km2",
        "liberated": "liberated_km2",
        "russian_held": "occupied_km2",
    }
    for status, column in columns.items():
        np.testing.assert_allclose(
            wide.loc[report.index, status], report[column], rtol=0, atol=1e-3
        )
    assert wide.loc["UA-63", "liberated"] > 1000  # Kharkiv, retaken in 2022


@pytest.mark.shared
def test_changes_where_fast_clipping_fails_equal_the_plain_overlay():
    # April 2022: the gained area runs along tile edges (lat 46.0) where
    # GEOS' rectangle clipping fails on a valid shape ("LinearRing found 3");
    # such tiles are redone as a full overlay.
    before = shared_file("control", RAW, "20220403T123328Z_1648989208.geojson.gz")
    after = shared_file("control", RAW, "20220430T203344Z_1651350824.geojson.gz")
    got = _quiet(ts.change, before, after, "all").set_index("region_id")
    old = _quiet(_snapshots.read_snapshot, before, 0).geometry("russian_held")
    new = _quiet(_snapshots.read_snapshot, after, 1).geometry("russian_held")
    want = _overlay_km2(
        fl.load_regions("all"),
        {"gained": shapely.difference(new, old), "lost": shapely.difference(old, new)},
    )
    for column in ("gained", "lost"):
        np.testing.assert_allclose(
            got.loc[want.index, f"{column}_km2"], want[column], rtol=0, atol=1e-6
        )
    assert got.loc["UA-65", "gained_km2"] > 1000  # Kherson oblast, spring 2022
