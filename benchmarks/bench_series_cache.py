"""Benchmark: the local archive that keeps itself current (issue 12).

On the 769 files of DeepState's daily union archive in ../shared
(``data/control/deepstate_union_archive``), linked into a temporary folder:

1. **series cache**: ``timeseries(folder)`` over the first 769 − N files with
   an empty cache (every map measured), again (every map from the cache),
   then N times "a new morning": one more file appended, the series run
   again (one map measured). The last table is checked against a run with
   ``cache=False`` over all 769 files. The same append is timed through the
   command line in a fresh process (``frontline timeseries DIR``: Python's
   start and imports included).
2. **fetch, cron-style** (``--fetch``): ``fetch_range("deepstate-union",
   "2024-07-07", "2026-08-21", folder=DIR)`` against the local imitation of
   the archive (tests/fake_services.py, serving the same real files), twice:
   the first run downloads every file, the second downloads nothing.

    .venv/bin/python benchmarks/bench_series_cache.py [--regions six] [--fetch]

Nothing derived from the data is stored; the temporary folders are removed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def archive() -> list[Path]:
    from tests.conftest import DATA

    folder = DATA / "control" / "deepstate_union_archive"
    if not folder.is_dir():
        sys.exit(f"validation data not available: {folder}")
    return sorted(folder.glob("deepstatemap_data_*.geojson"))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def bench_series(files: list[Path], regions: str, appends: int) -> None:
    from frontline.series import timeseries

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "maps")
        folder.mkdir()
        os.environ["FRONTLINE_CACHE_DIR"] = str(Path(tmp, "cache"))
        held = files[-appends:]
        for path in files[:-appends]:
            (folder / path.name).symlink_to(path)
        n0 = len(files) - appends
        plain, _ = timed(timeseries, folder, regions, progress=False, cache=False)
        cold, first = timed(timeseries, folder, regions, progress=False)
        warm, second = timed(timeseries, folder, regions, progress=False)
        pd.testing.assert_frame_equal(first, second)
        print(f"{n0} files, regions {regions}")
        print(f"  {'cache=False, first call in the process':<39} {plain:8.3f} s")
        for label, t, table in (
            ("empty cache (every map measured)", cold, first),
            ("again (every map cached)", warm, second),
        ):
            counts = {k: v for k, v in table.attrs["cache"].items() if k != "file"}
            print(f"  {label:<39} {t:8.3f} s  {counts}")
        times = []
        for path in held[:-1]:
            (folder / path.name).symlink_to(path)
            t, table = timed(timeseries, folder, regions, progress=False)
            assert table.attrs["cache"]["measured"] == 1, table.attrs["cache"]
            times.append(t)
        (folder / held[-1].name).symlink_to(held[-1])
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [
            sys.executable,
            "-m",
            "frontline.cli",
            "-q",
            "timeseries",
            str(folder),
            "--regions",
            regions,
            "-o",
            str(Path(tmp, "series.csv")),
        ]
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        cli_s = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        again_s = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import frontline.series, frontline.cli"],
            env=env,
            check=True,
        )
        import_s = time.perf_counter() - start
        t, last = timed(timeseries, folder, regions, progress=False)
        print(
            f"  one day appended ({len(times)} mornings, in process): best "
            f"{min(times):.3f} s, median {sorted(times)[len(times) // 2]:.3f} s, "
            f"worst {max(times):.3f} s"
        )
        print(f"  one day appended, CLI in a new process (wall): {cli_s:.3f} s")
        print(f"  nothing new, CLI in a new process (wall):      {again_s:.3f} s")
        print(f"  python -c 'import frontline.series, frontline.cli': {import_s:.3f} s")
        print(f"  all {len(files)} cached again:               {t:8.3f} s")
        full_s, full = timed(timeseries, folder, regions, progress=False, cache=False)
        pd.testing.assert_frame_equal(last, full)
        print(
            f"  all {len(files)}, cache=False (reference):    {full_s:8.3f} s; "
            "same table as the cached runs"
        )


def bench_fetch(files: list[Path]) -> None:
    from tests.fake_services import FakeServices

    from frontline.fetch import fetch_range

    with tempfile.TemporaryDirectory() as tmp, FakeServices() as srv:
        os.environ.update(srv.environ)
        os.environ["FRONTLINE_CACHE_DIR"] = str(Path(tmp, "cache"))
        folder = Path(tmp, "maps")
        args = ("deepstate-union", "2024-07-07", "2026-08-21")
        first_s, first = timed(fetch_range, *args, folder=folder, max_downloads=None)
        hits = srv.total("/cyterat")
        srv.reset()
        second_s, second = timed(fetch_range, *args, folder=folder, max_downloads=None)
        count = {
            s: sum(m.status == s for m in first) for s in ("downloaded", "missing")
        }
        print(f"fetch deepstate-union {args[1]}..{args[2]} -o DIR (local server)")
        print(
            f"  first run:  {first_s:7.3f} s, {count['downloaded']} downloaded, "
            f"{count['missing']} evenings without a file, {hits} requests"
        )
        print(
            f"  second run: {second_s:7.3f} s, "
            f"{sum(m.status == 'downloaded' for m in second)} downloaded, "
            f"{srv.total('/cyterat')} requests"
        )
        print(f"  files in DIR: {len(list(folder.iterdir()))} (no lock, no temporary)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", default="six")
    parser.add_argument("--appends", type=int, default=5)
    parser.add_argument("--fetch", action="store_true", help="also the cron fetch")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the archive's gaps and duplicates
    files = archive()
    print(f"{len(files)} files in {files[0].parent}")
    bench_series(files, args.regions, max(2, args.appends))
    if args.fetch:
        bench_fetch(files)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
