"""The series cache: a second timeseries over a folder reads no geometry.

Real union-archive files from ../shared (skipped without them) are copied
into a folder; the cache lives in the test's own FRONTLINE_CACHE_DIR.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import frontline as fl
from frontline import _runners, _snapshots
from frontline.cli import main
from frontline.series import timeseries

from .conftest import shared_file

FILES = [
    "deepstatemap_data_20241118.geojson",
    "deepstatemap_data_20241119.geojson",
    "deepstatemap_data_20241120.geojson",
    "deepstatemap_data_20241121.geojson",
]


@pytest.fixture
def folder(tmp_path):
    source = shared_file("control", "deepstate_union_archive")
    out = tmp_path / "maps"
    out.mkdir()
    for name in FILES[:3]:
        shutil.copy(source / name, out / name)
    return out


@pytest.fixture
def reads(monkeypatch):
    """Count the maps read (geometry parsed) by the time series."""
    seen: list[str] = []
    real = _runners.read_snapshot

    def spy(item, index):
        seen.append(str(item))
        return real(item, index)

    monkeypatch.setattr(_runners, "read_snapshot", spy)
    return seen


def test_second_run_reads_no_geometry(folder, reads, monkeypatch):
    first = timeseries(folder, "four", progress=False)
    assert len(reads) == 3
    assert first.attrs["cache"]["measured"] == 3

    def forbidden(*args, **kwargs):
        raise AssertionError("read a map although its result is cached")

    monkeypatch.setattr(_runners, "read_snapshot", forbidden)
    monkeypatch.setattr(_snapshots, "_read_layer", forbidden)
    monkeypatch.setattr(_runners.Overlay, "measure", forbidden)
    second = timeseries(folder, "four", progress=False)
    assert second.attrs["cache"]["cached"] == 3
    assert second.attrs["cache"]["measured"] == 0
    pd.testing.assert_frame_equal(first, second, check_like=False)
    assert first.attrs["sources"] == second.attrs["sources"]


def test_appending_a_day_measures_one_map(folder, reads):
    timeseries(folder, "four", progress=False)
    shutil.copy(
        shared_file("control", "deepstate_union_archive", FILES[3]), folder / FILES[3]
    )
    reads.clear()
    series = timeseries(folder, "four", progress=False)
    assert [r.rsplit("/", 1)[-1] for r in reads] == [FILES[3]]
    assert series.date.nunique() == 4
    assert series.attrs["cache"] == {
        "file": series.attrs["cache"]["file"],
        "cached": 3,
        "measured": 1,
    }


def test_boundaries_regions_and_bytes_invalidate(folder, reads, minregion):
    base = timeseries(folder, "four", progress=False)
    reads.clear()
    other = timeseries(folder, "four", boundaries=minregion, progress=False)
    assert len(reads) == 3  # other boundaries: measured again
    assert other.attrs["cache"]["file"] != base.attrs["cache"]["file"]
    four = base[(base.region_id == "four") & (base.status == "occupied")]
    four_mr = other[(other.region_id == "four") & (other.status == "occupied")]
    assert (four.area_km2.to_numpy() != four_mr.area_km2.to_numpy()).all()
    reads.clear()
    timeseries(folder, "six", progress=False)
    assert len(reads) == 3  # other regions: measured again
    reads.clear()
    timeseries(folder, "four", boundaries=minregion, progress=False)
    assert reads == []  # each key keeps its own results
    # A file whose bytes change is measured again (same name, other map).
    changed = folder / FILES[0]
    changed.write_bytes(
        shared_file("control", "deepstate_union_archive", FILES[3]).read_bytes()
    )
    reads.clear()
    again = timeseries(folder, "four", progress=False)
    assert [r.rsplit("/", 1)[-1] for r in reads] == [FILES[0]]
    assert again.attrs["cache"]["cached"] == 2


def test_no_cache_measures_everything_and_keeps_nothing(folder, reads, tmp_path):
    timeseries(folder, "four", progress=False, cache=False)
    timeseries(folder, "four", progress=False, cache=False)
    assert len(reads) == 6
    assert not (fl.fetch.cache_location() / "series").exists()


def test_processes_runner_with_everything_cached_starts_no_pool(
    folder, reads, monkeypatch
):
    timeseries(folder, "four", progress=False)

    def no_pool(*args, **kwargs):
        raise AssertionError("started workers although everything is cached")

    monkeypatch.setattr(_runners, "run_chunks", no_pool)
    series = timeseries(folder, "four", progress=False, parallel="processes")
    assert series.attrs["cache"]["cached"] == 3


def test_cli_timeseries_uses_the_cache(folder, reads, capsys):
    assert main(["timeseries", str(folder), "--regions", "four"]) == 0
    first = capsys.readouterr().out
    assert main(["timeseries", str(folder), "--regions", "four"]) == 0
    assert capsys.readouterr().out == first
    assert len(reads) == 3
    assert main(["timeseries", str(folder), "--regions", "four", "--no-cache"]) == 0
    assert len(reads) == 6
    # one series file, named by a 32-hex key ("files.json" also starts with a hex digit)
    series = fl.fetch.cache_location() / "series"
    (series_file,) = series.glob("[0-9a-f]" * 32 + ".json")
    cached = json.loads(series_file.read_text())
    assert len(cached["entries"]) == 3


def test_bases_official_reuses_geometry_land_does_not(folder, reads):
    timeseries(folder, "four", progress=False)
    reads.clear()
    official = timeseries(folder, "four", basis="official", progress=False)
    assert reads == []  # scaled after measuring: the same per-map results
    pd.testing.assert_frame_equal(
        official,
        timeseries(folder, "four", basis="official", progress=False, cache=False),
    )
    reads.clear()
    timeseries(folder, "four", basis="land", progress=False)
    assert len(reads) == 3  # land units (minus water) are other geometries
