"""Benchmark: the time series under basis="land" against basis="geometry".

Issue 14 asks that the time-series engine give the same figures as
``control_table`` under the land basis and stay within 1.3× of its
geometry-basis speed. This runs ``frontline.timeseries`` on every snapshot of
the DeepState daily union selection in ../shared (38 maps) over the 27
Minregion 2020 units (and, with ``--boundaries embedded``, the embedded
Natural Earth units), with ``basis="geometry"`` and ``basis="land"`` (the
embedded sea mask), three ways each:

* *warm*: the default in a session that has measured these boundaries before
  (the tiled units and the land units are kept between calls);
* *cold*: the first call in a process (the kept tiles, the land units and the
  area digests are cleared before each run);
* *serial*: ``parallel="serial"``, cold: one thread.

Jobs are interleaved (every repeat runs each once) and the best of
``--repeat`` is taken. It then checks, for every date, that the land series
equals ``control_table(..., basis="land")`` (max |Δ| km² and points).

    .venv/bin/python benchmarks/bench_land_basis.py [--repeat 5] [--boundaries embedded]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import frontline as fl
from frontline import _tiles, _water
from frontline.series import timeseries

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTLINE_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
MINREGION = DATA / "reference_regions" / "ukraine_oblasts_minregion_2020.geojson"
FOLDER = DATA / "control" / "deepstate_occupied_union"
TARGET = 1.3


def clear_caches() -> None:
    with _tiles._SHARED_LOCK:
        _tiles._SHARED.clear()
        _tiles._KEYS.clear()
    with _water._LAND_LOCK:
        _water._LAND_CACHE.clear()


def run(files, units, basis, mode):
    if mode != "warm":
        clear_caches()
    return timeseries(
        files,
        "all",
        boundaries=units,
        basis=basis,
        parallel="serial" if mode == "serial" else None,
        progress=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--boundaries", choices=("minregion", "embedded"), default="minregion"
    )
    args = parser.parse_args(argv)
    if not FOLDER.exists() or not MINREGION.exists():
        print(f"skipped: validation data not available under {DATA}")
        return 0
    files = sorted(str(p) for p in FOLDER.glob("deepstatemap_data_*.geojson"))
    units = fl.read_boundaries(MINREGION) if args.boundaries == "minregion" else None
    warnings.simplefilter("ignore", fl.FrontlineWarning)  # gaps in the selection
    jobs = {
        (basis, mode): (lambda b=basis, m=mode: run(files, units, b, m))
        for mode in ("warm", "cold", "serial")
        for basis in ("geometry", "land")
    }
    for fn in jobs.values():  # warm-up: imports, the mask, first tiles
        fn()
    times: dict[tuple[str, str], list[float]] = {k: [] for k in jobs}
    results = {}
    for _ in range(args.repeat):
        for key, fn in jobs.items():
            if key[1] == "warm":
                fn()  # the cold jobs cleared what a session would have kept
            start = time.perf_counter()
            results[key] = fn()
            times[key].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in times.items()}
    print(
        f"{len(files)} snapshots ({FOLDER.name}), 27 units ({args.boundaries}), "
        f"best of {args.repeat}, interleaved; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'mode':<8}{'geometry':>10}{'land':>10}{'land/geometry':>15}")
    worst = 0.0
    for mode in ("warm", "cold", "serial"):
        g, land = best[("geometry", mode)], best[("land", mode)]
        worst = max(worst, land / g)
        print(f"{mode:<8}{g:>9.3f}s{land:>9.3f}s{land / g:>14.2f}×")
    series = results[("land", "serial")]
    held = series[series.status == "russian_held"]
    dkm2 = dpct = 0.0
    for date, rows in held.groupby("date"):
        path = next(p for p in files if fl.read_control(p).attrs["date"] == date.date())
        table = fl.control_table(path, "all", basis="land", boundaries=units)
        table = table.set_index("region_id")
        day = rows.set_index("region_id")
        dkm2 = max(
            dkm2, float(np.abs(day.area_km2 - table.occupied_km2[day.index]).max())
        )
        dpct = max(
            dpct, float(np.abs(day.share_pct - table.occupied_pct[day.index]).max())
        )
    same = all(
        results[("land", m)].equals(results[("land", "serial")])
        for m in ("warm", "cold")
    )
    print(
        f"land series vs control_table(basis='land'): max |Δ| {dkm2:.2e} km², "
        f"{dpct:.2e} points; warm, cold and serial tables identical: {same}"
    )
    verdict = "met" if worst <= TARGET else "MISSED"
    print(f"target land/geometry ≤ {TARGET}×: {verdict} (worst {worst:.2f}×)")
    return 0 if worst <= TARGET and same else 1


if __name__ == "__main__":
    sys.exit(main())
