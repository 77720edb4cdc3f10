"""Benchmark: a series of control maps measured per oblast, three ways.

(a) the plain geopandas way: ``read_file``, ``overlay(how="intersection")``,
    ``to_crs("EPSG:6933").area``, ``groupby``; (a') the same with edges
    densified to 0.01° in lon/lat before projecting (like for like with (b));
(b) ``frontline.timeseries``;
(c) the parse floor: every file read with pyogrio, nothing else.

All in one process, on every snapshot of one source in ../shared/data/control
and the Minregion 2020 oblast boundaries (82,090 vertices). Prints the times,
the ratios, the largest km² difference between (a)/(a') and (b), and the peak
memory of (b) on the first 10 snapshots and on all of them.

    .venv/bin/python benchmarks/bench_timeseries.py [--regions all] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

import frontline as fl
from frontline import _tiles
from frontline.series import _read, timeseries

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEGMENT_DEG = 0.01  # frontline's densification of lon/lat edges


def shared(*parts: str) -> Path:
    from tests.conftest import DATA

    path = DATA.joinpath(*parts)
    if not path.exists():
        sys.exit(f"validation data not available: {path}")
    return path


def best_interleaved(jobs, repeat):
    """Run every job once per round, ``repeat`` rounds; best time of each.

    Interleaving puts each job's best run in the same conditions as the
    others' on a machine whose load changes (the ratios are what to read).
    Returns ({name: min seconds}, {name: last result}).
    """
    times = {name: [] for name in jobs}
    results = {}
    for _ in range(repeat):
        for name, fn in jobs.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}, results


def parse_floor(files):
    for path in files:
        pyogrio.read_dataframe(path)


def plain_geopandas(files, units, *, densify):
    """km² per (file, region) with geopandas only."""
    rows = []
    for path in files:
        control = gpd.read_file(path)
        parts = gpd.overlay(control, units, how="intersection")
        geoms = parts.geometry
        if densify:
            geoms = gpd.GeoSeries(
                shapely.segmentize(geoms.values, SEGMENT_DEG), crs=parts.crs
            )
        parts["km2"] = geoms.to_crs("EPSG:6933").area.to_numpy() / 1e6
        km2 = parts.groupby("region_id")["km2"].sum()
        rows.append(km2.reindex(units.region_id, fill_value=0.0).rename(path.name))
    return pd.DataFrame(rows)


def peak_mib(fn):
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="deepstate_occupied_union")
    parser.add_argument("--regions", default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    load_start = os.getloadavg()

    folder = shared("control", args.source)
    files = sorted(p for p in folder.iterdir() if p.suffix == ".geojson")
    raw = gpd.read_file(
        shared("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    )
    boundaries = fl.from_geodataframe(raw, column="ADMIN_1", source="Minregion 2020")
    units = fl.load_regions(args.regions, boundaries=boundaries)[
        ["region_id", "geometry"]
    ]
    n_vertices = int(shapely.get_num_coordinates(units.geometry.values).sum())
    print(
        f"{len(files)} snapshots of {args.source}; {len(units)} regions "
        f"({args.regions}), {n_vertices:,} boundary vertices; best of {args.repeat}"
    )

    def quiet(fn):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fl.FrontlineWarning)  # gaps, if any
                return fn()

        return run

    def read_only():
        # Reading as timeseries does it: adapter and normaliser, arrays only
        # (no GeoDataFrame output), then the per-status unions.
        for index, path in enumerate(files):
            _read(path, index)

    def series(subset, parallel=None, *, cold):
        def run():
            if cold:  # forget the tiled boundaries kept from earlier calls
                _tiles._SHARED.clear()
            return timeseries(
                subset,
                args.regions,
                boundaries=boundaries,
                progress=False,
                parallel=parallel,
            )

        return quiet(run)

    jobs = {
        "c": lambda: parse_floor(files),
        "a": lambda: plain_geopandas(files, units, densify=False),
        "a2": lambda: plain_geopandas(files, units, densify=True),
        # Default: measures in a thread while the next file is read; the tiles
        # are kept between calls, so repeats after the first are warm.
        "b": series(files, cold=False),
        "b_cold": series(files, cold=True),
        "b_serial": series(files, "serial", cold=True),
        "read": quiet(read_only),
        "read_control": quiet(lambda: [fl.read_control(path) for path in files]),
        "b10": series(files[:10], "serial", cold=True),
        "c10": lambda: parse_floor(files[:10]),
    }
    times, results = best_interleaved(jobs, args.repeat)
    plain, plain_dense, series = results["a"], results["a2"], results["b"]
    for other in ("b_cold", "b_serial"):
        pd.testing.assert_frame_equal(results[other], series, check_exact=False)
    wall, cpu = time.perf_counter(), time.process_time()
    jobs["b_cold"]()
    cpu_cold = (time.process_time() - cpu, time.perf_counter() - wall)

    held = series[series.status == "russian_held"]
    wide = held.pivot(index="date", columns="region_id", values="area_km2")
    wide = wide[list(units.region_id)]
    assert len(wide) == len(plain), "one date per file expected"
    diff_raw = np.abs(wide.to_numpy() - plain.to_numpy()).max()
    diff_dense = np.abs(wide.to_numpy() - plain_dense.to_numpy()).max()

    mem_10 = peak_mib(jobs["b10"])
    mem_all = peak_mib(jobs["b_serial"])

    report(
        times,
        (diff_raw, diff_dense),
        (mem_10, mem_all),
        len(files),
        load_start,
        cpu_cold=cpu_cold,
    )


def report(t, diffs, mem, n_files, load_start, *, cpu_cold):
    """Print the times, ratios, differences, memory and machine load."""
    print(f"(c) parse floor (pyogrio.read_dataframe)      {t['c']:8.3f} s")
    print(f"(a) geopandas read/overlay/to_crs(6933)/area  {t['a']:8.3f} s")
    print(f"(a') the same, edges densified to 0.01°       {t['a2']:8.3f} s")
    print(f"(b) frontline.timeseries, default (warm)      {t['b']:8.3f} s")
    print(f"(b) first call in the process (cold)          {t['b_cold']:8.3f} s")
    print(f"(b) parallel='serial', cold (one thread)      {t['b_serial']:8.3f} s")
    print(f"    of which reading (adapter, normaliser)    {t['read']:8.3f} s")
    rest = t["b_serial"] - t["read"]
    print(f"    the rest (tiles, areas, table)            {rest:8.3f} s")
    print(f"read_control on every file (GeoDataFrames)   {t['read_control']:8.3f} s")
    print(
        f"(b) cold used {cpu_cold[0]:.3f} s of CPU in {cpu_cold[1]:.3f} s "
        "(measuring in a second thread while the next file is read)"
    )
    for key, what in (("b", "warm"), ("b_cold", "cold"), ("b_serial", "serial")):
        print(
            f"{what:>6}: (a) / (b) = {t['a'] / t[key]:5.1f}× (target ≥ 10), "
            f"(b) / (c) = {t[key] / t['c']:4.2f}× (target ≤ 2)"
        )
    print(f"reading / (c) = {t['read'] / t['c']:6.2f}×")
    print(f"read_control / (c) = {t['read_control'] / t['c']:6.2f}×")
    print(f"max |(a) − (b)|  = {diffs[0]:.6f} km²  (6933 without densifying)")
    print(f"max |(a') − (b)| = {diffs[1]:.6f} km²  (like for like; target ≤ 0.01)")
    # What (b) would take if reading a snapshot cost no more than parsing it:
    # an estimate that separates the reader (control.py) from the engine.
    t_floor_reader = t["b_serial"] - t["read"] + t["c"]
    print(
        f"(b) serial with reading at the parse floor (estimate): "
        f"{t_floor_reader:.3f} s"
        f" = {t['a'] / t_floor_reader:.1f}× faster than (a),"
        f" {t_floor_reader / t['c']:.2f}× (c)"
    )
    # One-off costs (boundaries, first snapshot, region areas) drop out of
    # the difference between all snapshots and the first 10.
    n_more = n_files - 10
    per_b = (t["b_serial"] - t["b10"]) / n_more
    per_c = (t["c"] - t["c10"]) / n_more
    print(
        f"each snapshot after the 10th: (b) {per_b * 1e3:.2f} ms, (c) "
        f"{per_c * 1e3:.2f} ms = {per_b / per_c:.2f}× the parse (one-off costs "
        f"of (b): {t['b_serial'] - n_files * per_b:.3f} s; serial, cold)"
    )
    print(f"peak memory of (b): {mem[0]:.1f} MiB (10 snapshots),", end=" ")
    print(f"{mem[1]:.1f} MiB ({n_files} snapshots)")
    load_end = os.getloadavg()
    print(
        f"load average (1, 5, 15 min): {load_start[0]:.2f} {load_start[1]:.2f} "
        f"{load_start[2]:.2f} at the start, {load_end[0]:.2f} {load_end[1]:.2f} "
        f"{load_end[2]:.2f} at the end ({os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
