"""Benchmark: a time series on ~1,500 hromada-like zones against the 27 units.

On every map of the DeepState union archive in ../shared (769 daily files)
and the zones of ``benchmarks/hromada_like.py`` (built here, ~0.2 s):

(a)  the plain geopandas way, per map: ``read_file``, ``overlay`` with the
     zones, ``to_crs("EPSG:6933").area``, ``groupby`` (run once: ~4 minutes);
(b)  ``frontline.timeseries(files, zones=zones, zone_id="code",
     zone_parent="oblast_id")``: *warm* (the default, in a session that has
     measured these zones before: the zone checks and the tiled zones are
     kept), *cold* (the first call in a process: zones read and checked,
     tiles cut; the next map is read while the current one is measured) and
     *serial* (``parallel="serial"``, cold, one thread);
(b27) the same three on the 27 units (``"all"``, embedded boundaries);
(c)  the parse floor: ``pyogrio.read_dataframe`` on every file.

(b), (b27) and (c) run interleaved, best of ``--repeat``. It also checks that
the zones add up per oblast to the 27-unit series on every map (largest
difference), measures the peak memory (resident set, in a fresh process per
size) of the zone series on 50, 200 and all maps, next to the size of the
table it returns, and runs the zone series on a Dask ``LocalCluster`` (two
worker processes) and checks that its table is identical.

    .venv/bin/python benchmarks/bench_zones.py [--repeat 3] [--plain 769]
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
    times = {name: [] for name in jobs}
    results = {}
    for _ in range(repeat):
        for name, fn in jobs.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}, results


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


def peak_rss_child(n):
    """Run in a fresh process: peak RSS of the zone series on the first n maps."""
    zones = hromada_like().build_zones(1500)
    files = archive(n)
    base = _vm("VmRSS")
    table = quiet(
        lambda: fl.timeseries(
            files, zones=zones, zone_id="code", zone_parent="oblast_id", progress=False
        )
    )()
    out = {
        "maps": len(files),
        "rss_before_mib": base,
        "peak_rss_mib": _vm("VmHWM"),
        "table_mib": table.memory_usage(deep=True).sum() / 2**20,
        "rows": len(table),
    }
    print(json.dumps(out))


def _vm(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory(sizes):
    out = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def on_dask(files, zones, serial):
    distributed = __import__("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        start = time.perf_counter()
        table = quiet(
            lambda: fl.timeseries(
                files,
                zones=zones,
                zone_id="code",
                zone_parent="oblast_id",
                parallel=client,
                progress=False,
            )
        )()
        took = time.perf_counter() - start
    pd.testing.assert_frame_equal(table, serial, check_exact=True)
    return took


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n", type=int, default=1500, help="zones (1500)")
    parser.add_argument(
        "--plain", type=int, default=0, help="maps for (a); 0: all (~4 min)"
    )
    parser.add_argument("--maps", type=int, default=0, help="first N maps (all)")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        peak_rss_child(args.memory_child)
        return
    load_start = os.getloadavg()
    files = archive(args.maps or None)
    zones = hromada_like().build_zones(args.n)
    print(
        f"{len(files)} maps of the union archive; {len(zones)} zones; "
        f"{os.cpu_count()} CPUs; best of {args.repeat}"
    )
    options = {"zones": zones, "zone_id": "code", "zone_parent": "oblast_id"}

    def series(zoned, parallel=None, *, cold):
        def run():
            if cold:
                forget()
            if zoned:
                return fl.timeseries(
                    files, parallel=parallel, progress=False, **options
                )
            return fl.timeseries(files, "all", parallel=parallel, progress=False)

        return quiet(run)

    jobs = {
        "c": lambda: [pyogrio.read_dataframe(p) for p in files],
        "b27": series(False, cold=False),
        "b27_cold": series(False, cold=True),
        "b27_serial": series(False, "serial", cold=True),
        "bz": series(True, cold=False),
        "bz_cold": series(True, cold=True),
        "bz_serial": series(True, "serial", cold=True),
    }
    times, results = best_interleaved(jobs, args.repeat)
    zoned, units = results["bz"], results["b27"]
    for other in ("bz_cold", "bz_serial"):
        pd.testing.assert_frame_equal(results[other], zoned, check_exact=True)
    key = ["date", "region_id", "status"]
    oblasts = units[units.region_id.str.match(r"^UA-\d\d$")].set_index(key).area_km2
    sums = zoned.set_index(key).area_km2.reindex(oblasts.index)
    conservation = float(np.abs(oblasts - sums).max())

    plain_files = files[: args.plain] if args.plain else files
    start = time.perf_counter()
    plain = plain_geopandas(plain_files, zones[["code", "geometry"]])
    t_plain = time.perf_counter() - start
    held = zoned[zoned.status == "russian_held"]
    wide = held.pivot(index="date", columns="region_id", values="area_km2")
    wide = wide.reindex(columns=list(zones.code)).fillna(0)
    plain = plain.reindex(columns=list(zones.code)).fillna(0)
    dense = plain_geopandas(files[:20], zones[["code", "geometry"]], densify=True)
    dense = dense.reindex(columns=list(zones.code)).fillna(0)
    diff = (
        float(np.abs(wide.iloc[: len(plain)].to_numpy() - plain.to_numpy()).max()),
        float(np.abs(wide.iloc[: len(dense)].to_numpy() - dense.to_numpy()).max()),
    )

    sizes = sorted({min(50, len(files)), min(200, len(files)), len(files)})
    mem = [] if args.no_memory else memory(sizes)
    dask_s = None if args.no_dask else on_dask(files, zones, results["bz_serial"])
    report(
        times,
        t_plain,
        len(plain_files),
        len(files),
        diff=diff,
        conservation=conservation,
        mem=mem,
        dask_s=dask_s,
    )
    print(f"load average at start {load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}")


def report(t, t_plain, n_plain, n, *, diff, conservation, mem, dask_s):
    plain = t_plain * n / n_plain
    scaled = "" if n_plain == n else f" (measured on {n_plain} maps, scaled)"
    print(f"(c)   parse floor                           {t['c']:8.2f} s")
    print(f"(a)   geopandas overlay, 1,500 zones          {plain:8.1f} s{scaled}")
    for label, k in (("27 units", "b27"), ("zones", "bz")):
        print(
            f"(b) {label:<9} warm / cold / serial     {t[k]:6.2f} / "
            f"{t[k + '_cold']:6.2f} / {t[k + '_serial']:6.2f} s"
        )
    for mode, suffix in (("warm", ""), ("cold", "_cold"), ("serial", "_serial")):
        print(
            f"{mode:>6}: (a)/(b zones) {plain / t['bz' + suffix]:5.1f}x   "
            f"(b zones)/(b 27) {t['bz' + suffix] / t['b27' + suffix]:4.2f}x   "
            f"(b zones)/(c) {t['bz' + suffix] / t['c']:4.2f}x"
        )
    print(f"max |(a) - (b)| per zone and map (km²)       {diff[0]:.4f}")
    print(f"max |(a') - (b)|, edges densified, 20 maps   {diff[1]:.6f}")
    print(f"max |sum of zones - oblast| (km², all maps)  {conservation:.2e}")
    for m in mem:
        print(
            f"memory, {m['maps']:>3} maps: peak RSS {m['peak_rss_mib']:7.1f} MiB "
            f"(before the call {m['rss_before_mib']:6.1f}), table "
            f"{m['table_mib']:6.1f} MiB ({m['rows']:,} rows)"
        )
    if dask_s is not None:
        print(
            f"Dask LocalCluster (2 workers)               {dask_s:8.2f} s, same table"
        )


if __name__ == "__main__":
    main()
