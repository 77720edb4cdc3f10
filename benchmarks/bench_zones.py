"""Benchmark: a time series on ~1,500 hromada-like zones against the 27 units.

On every map of the DeepState union archive in ../shared (769 daily files)
and the zones of ``benchmarks/hromada_like.py`` (built here, ~0.2 s):

(a)   the plain geopandas way, per map: ``read_file``, ``overlay`` with the
      zones, ``to_crs("EPSG:6933").area``, ``groupby``, on every map in
      each round (~80–110 s); ``--plain-every N`` times every N-th map and
      scales (quicker, but maps differ in cost: every 8th map gave 75 s for
      106 s on all), ``--plain-all`` then also times it once on every map;
(b)   ``frontline.timeseries(files, zones=zones, zone_id="code",
      zone_parent="oblast_id", cache=False)`` (the series cache would read
      no geometry on a second run): *warm* (the default, in a session that has
      measured these zones before: the checked zones and their tiles are
      kept), *cold* (the first call in a process: zones read and checked,
      tiles cut; the next map is read while the current one is measured),
      *serial* (``parallel="serial"``, cold, one thread) and *dask* (on a
      ``LocalCluster`` of two worker processes, started beforehand);
(b27) the same four on the 27 units (``"all"``, embedded boundaries);
(c)   the parse floor: ``pyogrio.read_dataframe`` on every file.

All jobs run interleaved, best of ``--repeat`` rounds, so that each job's best
time is taken in the same conditions as the others' on a shared machine. It
checks that cold, serial and Dask runs give the warm run's table exactly,
that the zones add up per oblast to the 27-unit series on every map (largest
difference), compares (a) and (a') (edges densified) with (b), and measures
the peak memory (resident set, in a fresh process per size) on 50, 200 and
all maps: of the whole call, next to the size of the table it returns, and of
the measuring alone (maps read and measured, results dropped).

    .venv/bin/python benchmarks/bench_zones.py [--repeat 3] [--plain-all]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

import frontline as fl
from frontline import _tiles
from frontline import zones as zmod
from frontline._runners import tile_engine
from frontline._snapshots import read_snapshot

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def hromada_like():
    spec = importlib.util.spec_from_file_location(
        "hromada_like", HERE / "hromada_like.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def archive(limit=None):
    from tests.conftest import DATA

    folder = DATA / "control" / "deepstate_union_archive"
    if not folder.exists():
        sys.exit(f"validation data not available: {folder}")
    files = sorted(folder.glob("deepstatemap_data_*.geojson"))
    return files[:limit] if limit else files


def quiet(fn):
    def run():
        with warnings.catch_warnings():
            # the archive's missing days (gaps) and the zones' own notes
            warnings.simplefilter("ignore", fl.FrontlineWarning)
            return fn()

    return run


def forget():
    """Drop what a session keeps: tiled boundaries and read zone sets."""
    _tiles._SHARED.clear()
    zmod._FRAMES.clear()
    zmod._UNIONS.clear()


def best_interleaved(jobs, repeat):
    """Best wall time of each job, and (key ``name + "_cpu"``) its best CPU time.

    CPU time (this process, all its threads) is what a job costs whatever
    else the machine runs; Dask's is mostly in its workers, so not counted.
    """
    times = {name: [] for name in jobs}
    cpu = {name: [] for name in jobs}
    results = {}
    for _ in range(repeat):
        for name, fn in jobs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    best = {name: min(t) for name, t in times.items()}
    best |= {f"{name}_cpu": min(t) for name, t in cpu.items()}
    return best, results


def plain_geopandas(files, zones, *, densify=False):
    """km² Russian-held per (file, zone) with geopandas only.

    ``densify``: edges densified to 0.01° in lon/lat before projecting, so
    that EPSG:6933 measures the shapes frontline measures (edges straight in
    lon/lat), like for like.
    """
    rows = []
    for path in files:
        control = gpd.read_file(path)
        parts = gpd.overlay(control, zones, how="intersection")
        geoms = parts.geometry
        if densify:
            geoms = gpd.GeoSeries(shapely.segmentize(geoms.values, 0.01), crs=parts.crs)
        parts["km2"] = geoms.to_crs("EPSG:6933").area.to_numpy() / 1e6
        rows.append(parts.groupby("code")["km2"].sum().rename(path.name))
    return pd.DataFrame(rows).fillna(0.0)


def memory_child(n, engine_only):
    """Run in a fresh process: peak RSS of the zone series on the first n maps."""
    zones = hromada_like().build_zones(1500)
    files = archive(n)
    options = {"zone_id": "code", "zone_parent": "oblast_id"}
    base = _vm("VmRSS")
    out = {"maps": len(files), "rss_before_mib": base}
    if engine_only:
        units = quiet(lambda: zmod.read_zones(zones, **options))()
        with tile_engine(units[["region_id", "name", "geometry"]]) as engine:
            for index, path in enumerate(files):
                quiet(lambda i=index, p=path: engine.measure(read_snapshot(p, i)))()
    else:
        table = quiet(
            lambda: fl.timeseries(
                files, zones=zones, progress=False, cache=False, **options
            )
        )()
        out["table_mib"] = table.memory_usage(deep=True).sum() / 2**20
        out["rows"] = len(table)
    out["peak_rss_mib"] = _vm("VmHWM")
    print(json.dumps(out))


def _vm(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory(sizes, *, engine_only):
    out = []
    for n in sizes:
        argv = [sys.executable, __file__, "--memory-child", str(n)]
        done = subprocess.run(
            [*argv, "--engine-only"] if engine_only else argv,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def checks(results, zones, sample, every):
    """Same tables in every mode; zones against oblasts; (a), (a') against (b)."""
    zoned, units = results["bz"], results["b27"]
    for other in ("bz_cold", "bz_serial", "bz_dask"):
        pd.testing.assert_frame_equal(results[other], zoned, check_exact=True)
    for other in ("b27_cold", "b27_serial", "b27_dask"):
        pd.testing.assert_frame_equal(results[other], units, check_exact=True)
    key = ["date", "region_id", "status"]
    oblasts = units[units.region_id.str.match(r"^UA-\d\d$")].set_index(key).area_km2
    sums = zoned.set_index(key).area_km2.reindex(oblasts.index)
    conservation = float(np.abs(oblasts - sums).max())

    held = zoned[zoned.status == "russian_held"]
    wide = held.pivot(index="date", columns="region_id", values="area_km2")
    wide = wide.reindex(columns=list(zones.code)).fillna(0)
    # The series keeps one map per date (the union archive's manifest dates
    # some files to the same evening): compare the maps it kept.
    dropped = {d for dup in zoned.attrs["duplicates"] for d in dup["dropped"]}
    kept = [p for p in sample if p.name not in dropped]
    dates = [
        pd.Timestamp(quiet(lambda p=p: fl.read_control(p))().attrs["date"])
        for p in kept
    ]
    mine = wide.loc[dates].to_numpy()
    plain = results["a"].reindex(index=[p.name for p in kept], columns=list(zones.code))
    dense = plain_geopandas(kept[:20], zones[["code", "geometry"]], densify=True)
    dense = dense.reindex(columns=list(zones.code)).fillna(0)
    diff = (
        float(np.abs(mine - plain.fillna(0).to_numpy()).max()),
        float(np.abs(mine[:20] - dense.to_numpy()).max()),
    )
    return conservation, diff


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n", type=int, default=1500, help="zones (1500)")
    parser.add_argument("--maps", type=int, default=0, help="first N maps (all)")
    parser.add_argument("--plain-every", type=int, default=1)
    parser.add_argument("--plain-all", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child, args.engine_only)
        return
    distributed = __import__("distributed")
    load_start = os.getloadavg()
    files = archive(args.maps or None)
    zones = hromada_like().build_zones(args.n)
    sample = files[:: args.plain_every]
    print(
        f"{len(files)} maps of the union archive; {len(zones)} zones; "
        f"{os.cpu_count()} CPUs; best of {args.repeat}; (a) on {len(sample)} maps"
    )
    options = {"zones": zones, "zone_id": "code", "zone_parent": "oblast_id"}
    cells = zones[["code", "geometry"]]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):

        def series(zoned, parallel=None, *, cold):
            def run():
                if cold:
                    forget()
                # No series cache: every run measures every map.
                if zoned:
                    return fl.timeseries(
                        files, parallel=parallel, progress=False, cache=False, **options
                    )
                return fl.timeseries(
                    files, "all", parallel=parallel, progress=False, cache=False
                )

            return quiet(run)

        jobs = {
            "c": lambda: [pyogrio.read_dataframe(p) for p in files],
            "a": lambda: plain_geopandas(sample, cells),
            "b27": series(False, cold=False),
            "b27_cold": series(False, cold=True),
            "b27_serial": series(False, "serial", cold=True),
            "b27_dask": series(False, client, cold=False),
            "bz": series(True, cold=False),
            "bz_cold": series(True, cold=True),
            "bz_serial": series(True, "serial", cold=True),
            "bz_dask": series(True, client, cold=False),
        }
        times, results = best_interleaved(jobs, args.repeat)
    report_times(times, len(sample), len(files))
    conservation, diff = checks(results, zones, sample, args.plain_every)
    plain_all = None
    if args.plain_all:
        start = time.perf_counter()
        plain_geopandas(files, cells)
        plain_all = time.perf_counter() - start

    sizes = sorted({min(50, len(files)), min(200, len(files)), len(files)})
    mem = {}
    if not args.no_memory:
        mem["call"] = memory(sizes, engine_only=False)
        mem["engine"] = memory(sizes, engine_only=True)
    report(
        times,
        len(sample),
        len(files),
        plain_all=plain_all,
        diff=diff,
        conservation=conservation,
        mem=mem,
    )
    print(f"load average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}")


def report_times(t, n_plain, n):
    plain = t["a"] * n / n_plain
    print(f"(c)   parse floor                               {t['c']:8.2f} s")
    print(f"(a)   geopandas overlay, zones, scaled from {n_plain} maps {plain:8.1f} s")
    for label, k in (("27 units", "b27"), ("zones", "bz")):
        print(
            f"(b) {label:<9} warm / cold / serial / dask  {t[k]:6.2f} / "
            f"{t[k + '_cold']:6.2f} / {t[k + '_serial']:6.2f} / {t[k + '_dask']:6.2f} s"
        )
    print(
        f"CPU time: (c) {t['c_cpu']:.2f} s, (a) {t['a_cpu'] * n / n_plain:.1f} s "
        f"(scaled), (b 27) serial {t['b27_serial_cpu']:.2f} s, (b zones) serial "
        f"{t['bz_serial_cpu']:.2f} s: (a)/(b zones) "
        f"{t['a_cpu'] * n / n_plain / t['bz_serial_cpu']:.1f}x, (b zones)/(b 27) "
        f"{t['bz_serial_cpu'] / t['b27_serial_cpu']:.2f}x"
    )
    for mode in ("", "_cold", "_serial", "_dask"):
        name = mode.lstrip("_") or "warm"
        print(
            f"{name:>6}: (a)/(b zones) {plain / t['bz' + mode]:5.1f}x   "
            f"(b zones)/(b 27) {t['bz' + mode] / t['b27' + mode]:4.2f}x   "
            f"(b zones)/(c) {t['bz' + mode] / t['c']:4.2f}x"
        )
    sys.stdout.flush()


def report(t, n_plain, n, *, plain_all, diff, conservation, mem):
    if plain_all:
        print(f"(a)   geopandas overlay on all {n} maps, once: {plain_all:.1f} s")
        print(
            f"      (b zones) warm / serial: {plain_all / t['bz']:.1f}x / "
            f"{plain_all / t['bz_serial']:.1f}x faster"
        )
    print(f"max |(a) - (b)| per zone and map (km²)       {diff[0]:.4f}")
    print(f"max |(a') - (b)|, edges densified, 20 maps   {diff[1]:.6f}")
    print(f"max |sum of zones - oblast| (km², all maps)  {conservation:.2e}")
    for what, rows in mem.items():
        for m in rows:
            table = (
                f", table {m['table_mib']:6.1f} MiB ({m['rows']:,} rows)"
                if "table_mib" in m
                else ""
            )
            print(
                f"memory ({what}), {m['maps']:>3} maps: peak RSS "
                f"{m['peak_rss_mib']:7.1f} MiB (before {m['rss_before_mib']:6.1f})"
                f"{table}"
            )


if __name__ == "__main__":
    main()
