"""Time the products the tolerance model goes through, on real maps.

    .venv/bin/python benchmarks/bench_tolerance_speed.py [--repeat 3] [--days 60]

Times, for whichever ``frontline`` is importable (run it once with this tree
and once with an older one on ``PYTHONPATH`` to compare):

1. ``front_line`` per map: the union and the raw map of the four evenings of
   ``measure_tolerance.py`` (best of ``--repeat``, warm);
2. ``plot_map`` (six regions) of the union and the raw map of 20 Nov 2024,
   and ``plot_change_map`` from 1 Aug 2025 to 1 Aug 2026;
3. ``changes`` over the first ``--days`` daily files of the union archive
   (one process, serial), and ``animate`` of the first 12 of them (GIF, 40 dpi,
   frames drawn without saving the file's bytes anywhere but a temporary
   folder).

The data stay in ../shared (restrictive licences); nothing derived from them
is written. Exits 0 with a message when they are absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import frontline as fl
from frontline.errors import FrontlineWarning

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FRONTLINE_SHARED", ROOT.parent / "shared")) / "data"
CONTROL = DATA / "control"
UNION = CONTROL / "deepstate_occupied_union"
RAW = CONTROL / "deepstate_raw_multiclass"
ARCHIVE = CONTROL / "deepstate_union_archive"
PAIRS = {
    "2024-11-20": (
        "deepstatemap_data_20241121.geojson",
        "20241120T213037Z_1732138237.geojson.gz",
    ),
    "2024-07-31": (
        "deepstatemap_data_20240801.geojson",
        "20240731T205428Z_1722459268.geojson.gz",
    ),
    "2024-10-31": (
        "deepstatemap_data_20241101.geojson",
        "20241031T211702Z_1730409422.geojson.gz",
    ),
    "2024-11-30": (
        "deepstatemap_data_20241201.geojson",
        "20241130T212139Z_1733001699.geojson.gz",
    ),
}


def read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrontlineWarning)
        return fl.read_control(path)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        plt.close("all")
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args(argv)
    if not UNION.exists() or not RAW.exists():
        print(f"validation data not available under {CONTROL}; nothing measured")
        return 0
    print(f"frontline from {Path(fl.__file__).parent}")
    layers = {
        (evening, kind): read((UNION if kind == "union" else RAW) / name)
        for evening, names in PAIRS.items()
        for kind, name in zip(("union", "raw"), names, strict=True)
    }
    fl.front_line(layers["2024-11-20", "union"])  # caches: outline, sea
    print(f"\n1. front_line per map (s, best of {args.repeat})")
    for (evening, kind), layer in layers.items():
        secs = best(lambda layer=layer: fl.front_line(layer), args.repeat)
        length = fl.front_line(layer).attrs["length_km"]
        print(f"   {evening} {kind:5s}  {secs:5.2f} s  {length:8.1f} km")

    print(f"\n2. maps (s, best of {args.repeat})")
    for kind in ("union", "raw"):
        layer = layers["2024-11-20", kind]
        secs = best(lambda layer=layer: fl.plot_map(layer, "six"), args.repeat)
        print(f"   plot_map 20 Nov 2024 {kind:5s}  {secs:5.2f} s")
    before, after = (
        read(UNION / f"deepstatemap_data_{d}.geojson") for d in ("20250801", "20260801")
    )
    secs = best(lambda: fl.plot_change_map(before, after, "six"), args.repeat)
    print(f"   plot_change_map 1 Aug 2025 -> 1 Aug 2026  {secs:5.2f} s")

    files = sorted(ARCHIVE.glob("deepstatemap_data_*.geojson"))[: args.days]
    print(f"\n3. over many maps ({len(files)} daily files of the union archive)")
    start = time.perf_counter()
    fl.changes(files, "D", "six", parallel="serial", progress=False)
    print(f"   changes, serial: {time.perf_counter() - start:6.1f} s")
    frames = [read(f) for f in files[:12]]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        fl.animate(frames, Path(tmp) / "a.gif", "six", dpi=40)
        print(f"   animate, 12 frames: {time.perf_counter() - start:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
