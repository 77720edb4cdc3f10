"""Measure the geometric tolerance on real control maps.

Chooses and justifies the defaults of :mod:`frontline.tolerance` (``GAP_M``,
``SLIVER_M``, ``PINHOLE_KM2``, ``BORDER_M``) on the DeepState maps in
../shared/data/control, then measures the four products of issue 13 as
frontline now computes them (through the module). The figures of the earlier
model, which traced the line by the distance of each vertex to the border
(``tolerance_km=3``), are quoted as "before" (measured with it, 29 Nov 2026):

1. the front line of the union map and of the raw multiclass map of the same
   evening, total and per oblast (20 Nov 2024 and three more evenings);
2. the separate parts of a 15 km buffer zone along the line;
3. the change polygons 1 Aug 2025 → 1 Aug 2026: parts, thin parts, km² per
   oblast, noise km²;
4. the km² of ``control_table`` per region, which the module must not move.

    .venv/bin/python benchmarks/measure_tolerance.py [--quick]

``--quick`` skips the scans over all 38 monthly maps. The data stay in
../shared (restrictive licences): nothing derived from them is written.
Exits 0 with a message when the data are absent.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import shapely
from pyproj import Geod

import frontline as fl
from frontline.errors import FrontlineWarning
from frontline.tolerance import (
    DEFAULT_TOLERANCE,
    Tolerance,
    close_gaps,
    denoise_change,
    drop_pinholes,
    local_projection,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FRONTLINE_SHARED", ROOT.parent / "shared")) / "data"
CONTROL = DATA / "control"
UNION = CONTROL / "deepstate_occupied_union"
RAW = CONTROL / "deepstate_raw_multiclass"
ARCHIVE = CONTROL / "deepstate_union_archive"

#: Same evening, union file (published next morning) and raw version.
#: 20 Nov 2024 is the issue's; the others are evenings whose union file the
#: archive's MANIFEST matches to that raw version (symmetric difference
#: 0.03 km², the archive's own ±1 m buffer).
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
CHANGE = ("deepstatemap_data_20250801.geojson", "deepstatemap_data_20260801.geojson")
RUSSIAN = ("occupied", "occupied_before_2022")
#: Places that name the genuine border patches of Kharkiv oblast.
PLACES = {"Vovchansk": (36.94, 50.29), "Lyptsi": (36.43, 50.20)}
FOCUS = ["UA-09", "UA-14", "UA-23", "UA-65", "UA-63", "UA-48"]
_GEOD = Geod(ellps="WGS84")


# -- helpers -------------------------------------------------------------------


@functools.cache
def units():
    """The 27 embedded units."""
    return fl.load_regions("all")


@functools.cache
def outline():
    """Their union: the country, whose edge is border and coast."""
    return shapely.union_all(np.asarray(units().geometry.values, dtype=object))


@functools.cache
def tree():
    return shapely.STRtree(np.asarray(units().geometry.values, dtype=object))


def read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrontlineWarning)
        return fl.read_control(path)


def russian_held(layer):
    return layer.loc[layer.status.isin(RUSSIAN)].geometry.values


def new_area(layer, tol=DEFAULT_TOLERANCE):
    return drop_pinholes(close_gaps(russian_held(layer), tol=tol), tol=tol)


def new_front(layer, tol=DEFAULT_TOLERANCE, boundaries=None):
    """The front line as frontline traces it (through frontline.tolerance)."""
    line = fl.front_line(layer, tolerance=tol, boundaries=boundaries)
    return shapely.union_all(np.asarray(line.geometry.values, dtype=object))


def km_per_region(lines) -> pd.Series:
    """Geodesic km of lon/lat lines per unit (each ~200 m step to one unit)."""
    dense = shapely.segmentize(lines, 0.002)
    parts = shapely.get_parts(dense)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]
    out = pd.Series(0.0, index=units().region_id.to_numpy())
    if len(parts) == 0:
        return out
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    same = idx[1:] == idx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    _, _, dist = _GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    mid = shapely.points((a + b) / 2)
    owner = np.full(len(mid), -1)
    i_pt, i_unit = tree().query(mid, predicate="intersects")
    owner[i_pt] = i_unit
    miss = owner < 0
    if miss.any():
        owner[miss] = tree().query_nearest(mid[miss], all_matches=False)[1]
    np.add.at(out.values, owner, np.asarray(dist) / 1000)
    return out


def total_km(lines) -> float:
    return float(km_per_region(lines).sum())


def parts_of(geom):
    parts = shapely.get_parts(geom)
    if len(parts) == 0:
        return parts
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]


def metric(geom, fwd):
    return shapely.transform(
        shapely.segmentize(geom, 0.001),
        lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])),
    )


def strip_parts(lines, half_km: float):
    """Parts of (lines buffered by half_km) ∩ outline (metres), largest first."""
    fwd, inv = local_projection(outline())
    buf = shapely.buffer(metric(lines, fwd), half_km * 1000, quad_segs=16)
    parts = parts_of(shapely.intersection(buf, metric(outline(), fwd)))
    return parts[np.argsort(-shapely.area(parts))], (fwd, inv)


def lonlat(geom_m, inv):
    return shapely.transform(
        geom_m, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1]))
    )


def thickness_m(polys_m) -> np.ndarray:
    """Diameter (m) of the largest disk inside each projected polygon."""
    if len(polys_m) == 0:
        return np.zeros(0)
    tol = np.maximum(0.5, np.sqrt(shapely.area(polys_m)) / 500)
    radius = shapely.length(shapely.maximum_inscribed_circle(polys_m, tol))
    return 2 * np.asarray(radius)


def where(geom) -> str:
    p = geom.representative_point()
    return f"{p.x:.2f}E {p.y:.2f}N"


def place(geom_m, fwd) -> str:
    for name, (lon, lat) in PLACES.items():
        x, y = fwd.transform(lon, lat)
        if shapely.distance(geom_m, shapely.Point(x, y)) < 15_000:
            return name
    return ""


def pct(a: float, b: float) -> float:
    return 100 * (a - b) / b if b else float("nan")


def head(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


# -- A. the noise, measured: choose the defaults --------------------------------


def seams(pair: tuple[str, str]) -> None:
    head("A1. Seams between classes (raw map, 20 Nov 2024): what GAP_M must close")
    for label, layer in (
        ("union", read(UNION / pair[0])),
        ("raw", read(RAW / pair[1])),
    ):
        dissolved = shapely.union_all(russian_held(layer))
        fwd, _ = local_projection(dissolved)
        holes = [shapely.Polygon(r) for p in parts_of(dissolved) for r in p.interiors]
        if not holes:
            print(f"  {label:5s}: no holes")
            continue
        hm = np.asarray([metric(h, fwd) for h in holes], dtype=object)
        width = thickness_m(hm)
        print(
            f"  {label:5s}: {len(holes)} holes in the dissolved Russian-held area, "
            f"ring length {shapely.length(hm).sum() / 1000:.1f} km, "
            f"area {fl.area_km2(holes).sum():.4f} km², widest {width.max():.2f} m"
        )


def gap_scan(pair: tuple[str, str]) -> None:
    head(
        "A2. GAP_M scan, 20 Nov 2024: union vs raw front line (pinholes not "
        "filled, so that\n    the closing alone is measured; rest at defaults)"
    )
    union, raw = read(UNION / pair[0]), read(RAW / pair[1])
    base_raw = shapely.union_all(russian_held(raw))
    base_km2 = fl.area_km2(base_raw)
    print(
        "  gap_m   union km   raw km   diff %   raw holes   km² added (raw)"
        "   union vs gap 5 m"
    )
    ref = None
    rows = []
    for gap in (0, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500):
        tol = Tolerance(gap_m=gap, pinhole_km2=0)
        lu, lr = total_km(new_front(union, tol)), total_km(new_front(raw, tol))
        closed = close_gaps(russian_held(raw), tol=tol)
        holes = sum(len(p.interiors) for p in parts_of(closed))
        rows.append((gap, lu, lr, holes, fl.area_km2(closed) - base_km2))
        if gap == 5:
            ref = lu
    for gap, lu, lr, holes, added in rows:
        print(
            f"  {gap:5g}  {lu:9.1f}  {lr:7.1f}  {pct(lr, lu):+7.2f}  {holes:9d}"
            f"   {added:14.3f}   {pct(lu, ref):+8.2f} %"
        )


def holes_everywhere(files: list[Path]) -> None:
    head("A3. Holes left after close_gaps: what PINHOLE_KM2 must fill")
    areas = []
    for path in files:
        layer = read(path)
        closed = close_gaps(russian_held(layer))
        holes = [shapely.Polygon(r) for p in parts_of(closed) for r in p.interiors]
        if holes:
            for h, a in zip(holes, fl.area_km2(holes), strict=True):
                areas.append((a, path.name, where(h)))
    areas.sort(reverse=True)
    print(f"  {len(files)} maps, {len(areas)} holes after closing by GAP_M")
    for a, name, at in areas[:8]:
        print(f"    {a:10.5f} km²  {name}  at {at}")
    if not areas:
        print("    (none)")


def border_inventory(files: list[Path]) -> None:
    head(
        "A4. Where the map meets the border/coast (embedded boundaries), over "
        f"{len(files)} maps:\n    pockets of the other side between the map and "
        "the edge, and pieces of the map left\n    inside by features drawn across "
        "the edge (thickness = widest disk inside)"
    )
    pockets, crumbs = {}, {}
    for path in files:
        layer = read(path)
        held_ll = new_area(layer)
        fwd, inv = local_projection(held_ll)
        held = metric(held_ll, fwd)
        window = shapely.box(*held.bounds).buffer(20_000, join_style="mitre")
        country = shapely.intersection(metric(outline(), fwd), window)
        outside = shapely.difference(window, country)
        shapely.prepare(outside)
        features = parts_of(held)
        for feature in features[shapely.intersects(features, outside)]:
            pieces = parts_of(shapely.intersection(feature, country))
            if len(pieces) == 0:
                continue
            share = shapely.area(pieces).sum() / feature.area
            pieces = pieces[shapely.area(pieces) < 2e9]
            for p, t in zip(pieces, thickness_m(pieces), strict=True):
                at = where(lonlat(p, inv))
                if t < DEFAULT_TOLERANCE.border_m and at not in crumbs:
                    crumbs[at] = (t, p.area / 1e6, share, path.name)
        inside = shapely.intersection(held, country)
        other = parts_of(shapely.difference(country, inside))
        other = other[shapely.dwithin(other, outside, 1.0)]
        other = other[shapely.area(other) < 2e9]  # not the rest of Ukraine
        for p, t in zip(other, thickness_m(other), strict=True):
            at = where(lonlat(p, inv))
            if t > pockets.get(at, (0,))[0]:
                pockets[at] = (t, p.area / 1e6, path.name)
    t = np.asarray([v[0] for v in pockets.values()])
    print(f"  {len(pockets)} distinct pockets at the edge; by thickness:")
    edges = (0, 100, 500, 1000, 2000, 3000, 3500, 4000, 5000, 8000, 1e9)
    print(
        "    "
        + "  ".join(
            f"{lo / 1000:g}–{hi / 1000:g} km: {int(((t >= lo) & (t < hi)).sum())}"
            if hi < 1e9
            else f"≥{lo / 1000:g} km: {int((t >= lo).sum())}"
            for lo, hi in itertools.pairwise(edges)
        )
    )
    print("  thickest pockets (all filled at the default BORDER_M):")
    for at, (th, a, name) in sorted(pockets.items(), key=lambda kv: -kv[1][0])[:6]:
        print(f"    {th / 1000:5.2f} km  {a:8.2f} km²  at {at}  ({name})")
    print(
        f"  {len(crumbs)} distinct pieces thinner than BORDER_M left inside by "
        "features crossing the edge\n  (dropped when thinner than SLIVER_M, or "
        "when most of their feature lies outside):"
    )
    rows = sorted(crumbs.items(), key=lambda kv: (kv[1][2] >= 0.5, kv[1][0]))
    for at, (th, a, share, name) in rows:
        if share >= 0.5 and th >= 50:
            dropped = th < DEFAULT_TOLERANCE.sliver_m
        else:
            dropped = share < 0.5 or th < DEFAULT_TOLERANCE.sliver_m
        if share >= 0.5 and th < 50:
            continue  # coastal crumbs of the main area, all dropped
        print(
            f"    {th:6.0f} m  {a:8.3f} km²  feature {100 * share:5.1f} % inside  "
            f"{'dropped' if dropped else 'kept   '}  at {at}  ({name})"
        )


def border_scan(pair: tuple[str, str]) -> None:
    head(
        "A5. BORDER_M and STRIP_M scans, 20 Nov 2024: front line and 15 km strip "
        "(union / raw)"
    )
    union, raw = read(UNION / pair[0]), read(RAW / pair[1])
    minregion = _minregion()
    for field, values in (
        ("border_m", (0, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000)),
        ("strip_m", (0, 100, 200, 500, 1000, 2000)),
    ):
        print(
            f"  {field:8s}   union km  raw km   line parts   strip parts"
            "   (Minregion boundaries: km, parts)"
        )
        for value in values:
            tol = Tolerance(**{field: value})
            lines = [new_front(x, tol) for x in (union, raw)]
            strips = [len(strip_parts(x, 7.5)[0]) for x in lines]
            n = [len(shapely.get_parts(x)) for x in lines]
            extra = ""
            if minregion is not None:
                mr = new_front(union, tol, boundaries=minregion)
                extra = f"   ({total_km(mr):7.1f}, {len(shapely.get_parts(mr))})"
            print(
                f"  {value:8g}  {total_km(lines[0]):9.1f} {total_km(lines[1]):7.1f}"
                f"   {n[0]:4d} / {n[1]:<4d}   {strips[0]:4d} / {strips[1]:<4d}{extra}"
            )


def _minregion():
    path = DATA / "reference_regions" / "ukraine_oblasts_minregion_2020.geojson"
    if not path.exists():
        return None
    import geopandas as gpd

    return fl.from_geodataframe(
        gpd.read_file(path), column="ADMIN_1", source="Minregion 2020"
    )


def change_widths(before, after) -> None:
    head("A6. Gained/lost parts 1 Aug 2025 → 1 Aug 2026: widths, and SLIVER_M scan")
    old, new = (shapely.union_all(russian_held(x)) for x in (before, after))
    fwd, _ = local_projection(shapely.union(old, new))
    edge_m = metric(outline().boundary, fwd)
    fronts_m = metric(shapely.union(new_front(before), new_front(after)), fwd)
    shapely.prepare(edge_m)
    shapely.prepare(fronts_m)
    for kind, geom in (
        ("gained", shapely.difference(new, old)),
        ("lost", shapely.difference(old, new)),
    ):
        parts = parts_of(geom)
        width = thickness_m(np.asarray([metric(p, fwd) for p in parts]))
        km2 = fl.area_km2(parts)
        edges = (0, 10, 20, 40, 60, 100, 150, 250, 500, 1000, 1e9)
        counts = np.histogram(width, bins=edges)[0]
        print(f"  {kind}: {len(parts)} parts; by width (m):")
        print(
            "    "
            + "  ".join(
                f"{lo:g}–{hi:g}: {c}" if hi < 1e9 else f"≥{lo:g}: {c}"
                for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True)
            )
        )
        parts_m = np.asarray([metric(p, fwd) for p in parts])
        near_edge = shapely.dwithin(edge_m, parts_m, 5_000)
        near_front = shapely.dwithin(fronts_m, parts_m, 1_000)
        for lo, hi in ((0, 10), (10, 100), (100, 400)):
            sel = (width >= lo) & (width < hi)
            print(
                f"    {lo}–{hi} m wide: {int(sel.sum())} parts, "
                f"{int((sel & near_edge).sum())} within 5 km of the border or "
                f"coast, {int((sel & near_front).sum())} within 1 km of either "
                f"front line, {km2[sel].sum():.3f} km²"
            )
        mid = (width > 40) & (width < 250)
        widths = ", ".join(f"{w:.0f}" for w in sorted(width[mid]))
        print(
            f"    parts 40–250 m wide: {int(mid.sum())} ({widths} m), "
            f"{km2[mid].sum():.3f} km²"
        )
    print(
        "\n  sliver_m   kept gained/lost   noise km² gained/lost   max noise per oblast"
    )
    for sliver in (0, 10, 20, 50, 100, 150, 200, 500):
        tol = Tolerance(sliver_m=sliver)
        row = []
        worst = 0.0
        for geom in (shapely.difference(new, old), shapely.difference(old, new)):
            d = denoise_change(geom, tol=tol)
            row.append((len(parts_of(d.kept)), d.noise_km2))
            worst = max(worst, float(per_unit_km2(d.noise).max()))
        print(
            f"  {sliver:8g}   {row[0][0]:5d} / {row[1][0]:<5d}      "
            f"{row[0][1]:8.3f} / {row[1][1]:<8.3f}        {worst:8.3f}"
        )


def per_unit_km2(geom) -> pd.Series:
    if geom.is_empty:
        return pd.Series(0.0, index=units().region_id.to_numpy())
    cut = shapely.intersection(np.asarray(units().geometry.values, dtype=object), geom)
    return pd.Series(fl.area_km2(cut), index=units().region_id.to_numpy())


# -- B. the products, before and after -------------------------------------------


#: The earlier model's figures (tolerance_km=3, measured 29 Nov 2026), quoted.
BEFORE = {
    "front line 20 Nov 2024, union / raw (km)": "1,162.9 / 1,426.4",
    "  Luhansk, union / raw (km)": "106.5 / 316.0",
    "buffer_zone(15) parts 20 Nov 2024, union / raw": "10 / 14",
    "change_polygons 1 Aug 2025 -> 1 Aug 2026, gained / lost parts": "357 / 347",
    "  of them under 0.05 km²": "291 / 310",
}


def front_lines() -> None:
    head("1. Front line, union vs raw map of the same evening (km; diff = raw − union)")
    for what, value in BEFORE.items():
        if what.startswith(("front", "  Luhansk")):
            print(f"  before: {what}: {value}")
    for evening, (u, r) in PAIRS.items():
        if not (UNION / u).exists() or not (RAW / r).exists():
            print(f"  {evening}: files absent, skipped")
            continue
        union, raw = read(UNION / u), read(RAW / r)
        t = time.perf_counter()
        tables = [
            fl.line_lengths(fl.front_line(x)).set_index("region_id").length_km
            for x in (union, raw)
        ]
        secs = (time.perf_counter() - t) / 2
        print(f"\n  {evening}  (front_line: {secs:.2f} s per map)")
        print("    region      union     raw   diff %")
        for rid in [*(i for i in FOCUS if i in tables[0].index), "total"]:
            a = [float(x.get(rid, 0.0)) for x in tables]
            print(f"    {rid:6s}  {a[0]:9.1f} {a[1]:7.1f} {pct(a[1], a[0]):+8.3f}")


def buffer_parts() -> None:
    head("2. Separate parts of a 15 km buffer zone (7.5 km each side), ∩ Ukraine")
    from frontline.scenarios import STEP_COLUMN

    print(f"  before: {BEFORE['buffer_zone(15) parts 20 Nov 2024, union / raw']}")
    for evening, (u, r) in PAIRS.items():
        for label, path in (("union", UNION / u), ("raw", RAW / r)):
            if not path.exists():
                continue
            layer = read(path)
            zone = fl.buffer_zone(layer, 15)
            moved = zone.loc[zone[STEP_COLUMN].notna()].geometry.values
            pieces = len(parts_of(shapely.union_all(moved)))
            strip, (fwd, inv) = strip_parts(new_front(layer), 7.5)
            extra = ", ".join(
                f"{p.area / 1e6:.0f} km² {place(p, fwd) or where(lonlat(p, inv))}"
                for p in strip[1:]
            )
            areas = [strip[0].area / 1e6] if len(strip) else [0.0]
            print(
                f"  {evening} {label:5s}: buffer_zone {pieces:2d} pieces; the strip "
                f"{len(strip):2d} parts: main {areas[0]:,.0f} km²"
                + (f" + {extra}" if extra else "")
            )


def change_polygons(before, after) -> None:
    head("3. Change polygons 1 Aug 2025 → 1 Aug 2026 (union files), per oblast km²")
    for what, value in BEFORE.items():
        if what.startswith(("change", "  of them")):
            print(f"  before: {what}: {value}")
    whole = fl.change_polygons(before, after)
    for _, row in whole.iterrows():
        print(
            f"  {row.change}: {len(parts_of(row.geometry))} parts drawn, "
            f"{row.area_km2:.3f} km² drawn + {row.noise_km2:.3f} km² noise"
        )
    cut = fl.change_polygons(before, after, "all").groupby(["region_id", "change"])
    drawn, noise = cut.area_km2.sum(), cut.noise_km2.sum()
    table = fl.change(before, after, "all").set_index("region_id")
    print(
        "\n    region   change     change()     drawn    noise   drawn+noise−change()"
    )
    worst = 0.0
    for (rid, kind), km2 in drawn.items():
        total = float(table.loc[rid, f"{kind}_km2"])
        n = float(noise[(rid, kind)])
        worst = max(worst, abs(km2 + n - total))
        print(
            f"    {rid:6s}  {kind:6s} {total:12.3f} {km2:9.3f} {n:8.3f} "
            f"{km2 + n - total:+14.2e}"
        )
    print(f"  largest |drawn + noise − change()| per oblast: {worst:.2e} km²")
    print(f"  largest noise in one oblast: {noise.max():.3f} km² ({noise.idxmax()})")


def control_tables(pair: tuple[str, str]) -> None:
    head("4. control_table km² per region: the module is not in that path")
    from frontline import tolerance

    layers = [read(UNION / pair[0]), read(RAW / pair[1])]
    first = [fl.control_table(x, "all") for x in layers]
    # Every public operation of the module now raises: control_table must not
    # call any of them.
    saved = {
        n: getattr(tolerance, n)
        for n in tolerance.__all__
        if callable(getattr(tolerance, n)) and n[0].islower()
    }

    def boom(*_a, **_k):
        raise AssertionError("control_table called frontline.tolerance")

    try:
        for name in saved:
            setattr(tolerance, name, boom)
        second = [fl.control_table(x, "all") for x in layers]
    finally:
        for name, fn in saved.items():
            setattr(tolerance, name, fn)
    # ... and running every operation on the layers leaves them and their
    # tables unchanged (the module never mutates its input).
    for layer in layers:
        new_front(layer)
        denoise_change(new_area(layer))
    third = [fl.control_table(x, "all") for x in layers]
    cols = ["area_km2", "occupied_km2", "contested_km2", "held_km2"]
    for label, a, b, c in zip(("union", "raw"), first, second, third, strict=True):
        d1 = (a[cols] - b[cols]).abs().to_numpy().max()
        d2 = (a[cols] - c[cols]).abs().to_numpy().max()
        print(
            f"  {label:5s}: {len(a)} rows; max |Δ km²| with the module disabled "
            f"{d1:.1e}, after running it {d2:.1e}"
        )
    # What the invariant protects against: the closed area's km², per region.
    raw = layers[1]
    closed = close_gaps(russian_held(raw))
    exact = per_unit_km2(shapely.union_all(russian_held(raw)))
    moved = (per_unit_km2(closed) - exact).abs()
    print(
        f"  (if the closed area fed the table, Russian-held km² would move by up "
        f"to {moved.max():.3f} km² per region, {moved.idxmax()})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 38-map scans")
    args = parser.parse_args(argv)
    if not UNION.exists() or not RAW.exists():
        print(f"validation data not available under {CONTROL}; nothing measured")
        return 0
    print(f"defaults: {DEFAULT_TOLERANCE.to_attrs()}")
    print(DEFAULT_TOLERANCE.caption())
    start = time.perf_counter()
    main_pair = PAIRS["2024-11-20"]
    monthly = sorted(UNION.glob("deepstatemap_data_*.geojson"))
    raws = [RAW / r for _, r in PAIRS.values()]
    seams(main_pair)
    gap_scan(main_pair)
    holes_everywhere(raws + ([] if args.quick else monthly))
    if not args.quick:
        border_inventory(monthly + raws)
    border_scan(main_pair)
    change_pair = [read(UNION / f) for f in CHANGE]
    change_widths(*change_pair)
    front_lines()
    buffer_parts()
    change_polygons(*change_pair)
    control_tables(main_pair)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
