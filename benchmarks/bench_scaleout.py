"""Benchmark: timeseries and changes in this process, on one thread, on processes.

Runs ``frontline.timeseries`` and ``frontline.changes(..., "D")`` on every
snapshot of one source in ../shared/data/control with the Minregion 2020
boundaries, with ``parallel=None`` (default: measuring in a second thread),
``"serial"`` and ``"processes"``, checks that the three give the same table
and prints the times (one run each; the tiled boundaries kept between calls
are cleared before each run).

    .venv/bin/python benchmarks/bench_scaleout.py [--source deepstate_raw_multiclass]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

import geopandas as gpd

import frontline as fl
from frontline import _tiles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="deepstate_raw_multiclass")
    parser.add_argument("--regions", default="all")
    args = parser.parse_args(argv)
    from tests.conftest import DATA

    folder = DATA / "control" / args.source
    if not folder.exists():
        sys.exit(f"validation data not available: {folder}")
    files = sorted(
        p for p in folder.iterdir() if p.name.endswith((".geojson", ".geojson.gz"))
    )
    raw = gpd.read_file(
        DATA / "reference_regions" / "ukraine_oblasts_minregion_2020.geojson"
    )
    boundaries = fl.from_geodataframe(raw, column="ADMIN_1", source="Minregion 2020")
    print(
        f"{len(files)} snapshots of {args.source}, regions {args.regions!r}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    calls = {
        "timeseries": lambda parallel: fl.timeseries(
            files,
            args.regions,
            boundaries=boundaries,
            parallel=parallel,
            progress=False,
        ),
        "changes D": lambda parallel: fl.changes(
            files,
            "D",
            args.regions,
            boundaries=boundaries,
            parallel=parallel,
            progress=False,
        ),
    }
    for name, call in calls.items():
        tables = {}
        for parallel in (None, "serial", "processes"):
            _tiles._SHARED.clear()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fl.FrontlineWarning)
                start = time.perf_counter()
                tables[parallel] = call(parallel)
                took = time.perf_counter() - start
            print(f"{name:>10}  parallel={parallel!s:<10} {took:7.2f} s")
        for parallel in ("serial", "processes"):
            pd.testing.assert_frame_equal(tables[parallel], tables[None])
        print(f"{name:>10}  same table in the three modes")


if __name__ == "__main__":
    main()
