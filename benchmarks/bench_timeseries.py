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
from frontline.series import timeseries

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEGMENT_DEG = 0.01  # frontline's densification of lon/lat edges


def shared(*parts: str) -> Path:
    from tests.conftest import DATA

    path = DATA.joinpath(*parts)
    if not path.exists():
        sys.exit(f"validation data not available: {path}")
    return path


def best(fn, repeat):
    """Run fn ``repeat`` times; return (min seconds, last result)."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


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

    t_c, _ = best(lambda: parse_floor(files), args.repeat)
    t_a, plain = best(lambda: plain_geopandas(files, units, densify=False), args.repeat)
    t_a2, plain_dense = best(
        lambda: plain_geopandas(files, units, densify=True), args.repeat
    )

    def run_b():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fl.FrontlineWarning)  # gaps, if any
            return timeseries(
                files, args.regions, boundaries=boundaries, progress=False
            )

    t_b, series = best(run_b, args.repeat)

    def read_only():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fl.FrontlineWarning)
            for path in files:
                fl.read_control(path)

    t_read, _ = best(read_only, args.repeat)

    held = series[series.status == "russian_held"]
    wide = held.pivot(index="date", columns="region_id", values="area_km2")
    wide = wide[list(units.region_id)]
    assert len(wide) == len(plain), "one date per file expected"
    diff_raw = np.abs(wide.to_numpy() - plain.to_numpy()).max()
    diff_dense = np.abs(wide.to_numpy() - plain_dense.to_numpy()).max()

    def run_10():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fl.FrontlineWarning)
            return timeseries(
                files[:10], args.regions, boundaries=boundaries, progress=False
            )

    mem_10 = peak_mib(run_10)
    mem_all = peak_mib(run_b)

    print(f"(c) parse floor (pyogrio.read_dataframe)      {t_c:8.3f} s")
    print(f"(a) geopandas read/overlay/to_crs(6933)/area  {t_a:8.3f} s")
    print(f"(a') the same, edges densified to 0.01°       {t_a2:8.3f} s")
    print(f"(b) frontline.timeseries                      {t_b:8.3f} s")
    print(f"    of which read_control alone               {t_read:8.3f} s")
    print(f"    the rest (tiles, areas, table)            {t_b - t_read:8.3f} s")
    print(f"(a) / (b)  = {t_a / t_b:6.1f}×  (target ≥ 10)")
    print(f"(b) / (c)  = {t_b / t_c:6.2f}×  (target ≤ 2)")
    print(f"read_control / (c) = {t_read / t_c:6.2f}×")
    print(f"max |(a) − (b)|  = {diff_raw:.6f} km²  (6933 without densifying)")
    print(f"max |(a') − (b)| = {diff_dense:.6f} km²  (like for like; target ≤ 0.01)")
    # What (b) would take if reading a snapshot cost no more than parsing it:
    # an estimate that separates the reader (control.py) from the engine.
    t_floor_reader = t_b - t_read + t_c
    print(
        f"(b) with read_control at the parse floor (estimate): {t_floor_reader:.3f} s"
        f" = {t_a / t_floor_reader:.1f}× faster than (a),"
        f" {t_floor_reader / t_c:.2f}× (c)"
    )
    print(f"peak memory of (b): {mem_10:.1f} MiB (10 snapshots),", end=" ")
    print(f"{mem_all:.1f} MiB ({len(files)} snapshots)")


if __name__ == "__main__":
    main()
