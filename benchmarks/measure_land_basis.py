"""Measure the land basis (oblast minus sea) against DeepState's published shares.

For the Minregion 2020 oblasts and the DeepState union maps of 1 Jan 2026 and
1 Jan 2025 (all in ../shared), prints per oblast the Russian-held share under
three bases:

* ``geometry``: the whole oblast polygon;
* ``land(emb)``: the oblast minus the embedded sea mask
  (``src/frontline/data/sea_mask.geojson``, Natural Earth, public domain);
* ``land(osm)``: the oblast minus ``../shared/data/water/osm_sea_ukraine.geojson``
  (OpenStreetMap, ODbL: validation only, never copied into the repo).

Land is used for both the denominator and the Russian-held km²; areas are
``frontline.area_km2`` (ellipsoidal), and each column is cross-checked against
``frontline.control_table(basis=...)``. The 2026 shares are compared with
DeepState's published figures, and both years with the OSM table of
``../shared/data/water/PROVENANCE.md``. A second table gives each oblast's sea
km² and how much of it lies inside the Russian-held polygon.

Exits 0 when the acceptance targets of issue 14 hold, 1 when one is missed, and
0 with a message when ../shared is absent. Runs in a few seconds.

    .venv/bin/python benchmarks/measure_land_basis.py
    .venv/bin/python benchmarks/measure_land_basis.py --mask /tmp/sea_50m.geojson
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.resources import as_file, files
from pathlib import Path

import pandas as pd

import geopandas as gpd
import shapely

import frontline as fl

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTLINE_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
MINREGION = DATA / "reference_regions" / "ukraine_oblasts_minregion_2020.geojson"
OSM_SEA = DATA / "water" / "osm_sea_ukraine.geojson"
CONTROL = DATA / "control" / "deepstate_occupied_union"
MAPS = {
    "2026-01-01": CONTROL / "deepstatemap_data_20260101.geojson",
    "2025-01-01": CONTROL / "deepstatemap_data_20250102.geojson",
}

# DeepState's published Russian-held shares (%) for 1 Jan 2026.
PUBLISHED = {
    "2026-01-01": {
        "UA-09": 99.6,
        "UA-14": 78.1,
        "UA-23": 74.8,
        "UA-65": 72.0,
        "UA-63": 4.7,
        "UA-59": 1.0,
        "UA-12": 0.6,
    },
}
# ../shared/data/water/PROVENANCE.md: Minregion minus the OSM sea (no published
# 2025 figures there; "—" is read as 0).
OSM_REFERENCE = {
    "2026-01-01": {
        "UA-09": 99.62,
        "UA-14": 78.04,
        "UA-23": 74.78,
        "UA-65": 71.94,
        "UA-63": 4.64,
        "UA-59": 1.03,
        "UA-12": 0.55,
    },
    "2025-01-01": {
        "UA-09": 99.03,
        "UA-14": 67.51,
        "UA-23": 72.69,
        "UA-65": 71.94,
        "UA-63": 3.39,
        "UA-59": 0.0,
        "UA-12": 0.0,
    },
}
OBLASTS = list(PUBLISHED["2026-01-01"])
# Acceptance targets of issue 14 (points from the published 2026 value).
TOLERANCE = {
    "emb": {rid: 0.6 if rid == "UA-65" else 0.1 for rid in OBLASTS},
    "osm": dict.fromkeys(OBLASTS, 0.1),
}


def load_mask(path: Path | None) -> shapely.Geometry:
    """Union of a sea-mask file; the embedded one when ``path`` is None."""
    if path is None:
        with as_file(files("frontline") / "data" / "sea_mask.geojson") as p:
            gdf = gpd.read_file(p)
    else:
        gdf = gpd.read_file(path)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        raise SystemExit(f"{path}: expected EPSG:4326, got {gdf.crs}")
    return shapely.union_all(gdf.geometry.values)


def load_oblasts() -> gpd.GeoDataFrame:
    raw = gpd.read_file(MINREGION)
    raw["region_id"] = [fl.resolve_region(name) for name in raw["ADMIN_1"]]
    bounds = fl.from_geodataframe(raw, column="region_id", source="Minregion 2020")
    return bounds.set_index("region_id", drop=False)


def russian_held(layer: gpd.GeoDataFrame) -> shapely.Geometry:
    held = layer[layer["status"].isin(fl.RUSSIAN_HELD)]
    return shapely.union_all(held.geometry.values)


def measure(
    oblasts: gpd.GeoDataFrame, held: shapely.Geometry, seas: dict[str, shapely.Geometry]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares per basis, and sea km² per oblast (total and Russian-held)."""
    shares, water = [], []
    for rid in OBLASTS:
        polygon = oblasts.geometry[rid]
        share = {"region_id": rid, "name": oblasts.loc[rid, "name"]}
        wet = {"region_id": rid, "name": share["name"]}
        area, held_area = fl.area_km2([polygon, shapely.intersection(polygon, held)])
        share["geometry"] = 100 * held_area / area
        for label, sea in seas.items():
            land = shapely.difference(polygon, sea)
            sea_part = shapely.intersection(polygon, sea)
            parts = [land, shapely.intersection(land, held)]
            parts += [sea_part, shapely.intersection(sea_part, held)]
            land_km2, land_held, sea_km2, sea_held = fl.area_km2(parts)
            share[label] = 100 * land_held / land_km2
            wet[f"sea_km2_{label}"] = sea_km2
            wet[f"sea_held_km2_{label}"] = sea_held
        shares.append(share)
        water.append(wet)
    return pd.DataFrame(shares), pd.DataFrame(water)


def cross_check(
    layer: gpd.GeoDataFrame,
    oblasts: gpd.GeoDataFrame,
    shares: pd.DataFrame,
    masks: dict[str, Path | None],
) -> dict[str, float]:
    """Largest |difference| between our columns and fl.control_table's."""
    bounds = oblasts.reset_index(drop=True)
    ours = shares.set_index("region_id")
    out = {}
    for label, basis, water in [
        ("geometry", "geometry", None),
        *[(lb, "land", path) for lb, path in masks.items()],
    ]:
        table = fl.control_table(
            layer, OBLASTS, basis=basis, boundaries=bounds, water=water
        )
        table = table.set_index("region_id").loc[OBLASTS]
        out[label] = float((table["occupied_pct"] - ours[label]).abs().max())
    return out


def print_shares(date: str, shares: pd.DataFrame, labels: list[str]) -> None:
    published = PUBLISHED.get(date, {})
    reference = OSM_REFERENCE.get(date, {})
    head = f"{'oblast':<15}{'published':>10}{'geometry':>10}"
    head += "".join(f"{'land(' + lb + ')':>11}" for lb in labels)
    head += f"{'osm ref':>9}{'Δgeom':>8}" + "".join(f"{'Δ' + lb:>8}" for lb in labels)
    print(head)
    for row in shares.itertuples(index=False):
        pub = published.get(row.region_id)
        shown = "—" if pub is None else f"{pub}"
        line = f"{row.name:<15}{shown:>10}{row.geometry:>10.2f}"
        line += "".join(f"{getattr(row, lb):>11.2f}" for lb in labels)
        line += f"{reference.get(row.region_id, float('nan')):>9.2f}"
        if pub is None:
            line += f"{'':>8}" + "".join(f"{'':>8}" for _ in labels)
        else:
            line += f"{row.geometry - pub:>+8.2f}"
            line += "".join(f"{getattr(row, lb) - pub:>+8.2f}" for lb in labels)
        print(line)
    print("(Δ = measured − published; osm ref = land(osm) in water/PROVENANCE.md)")


def print_water(water: pd.DataFrame, labels: list[str]) -> None:
    head = f"{'oblast':<15}"
    head += "".join(f"{'sea km² ' + lb:>14}{'of it held':>12}" for lb in labels)
    print(head)
    for row in water.itertuples(index=False):
        line = f"{row.name:<15}"
        for lb in labels:
            line += f"{getattr(row, 'sea_km2_' + lb):>14.1f}"
            line += f"{getattr(row, 'sea_held_km2_' + lb):>12.1f}"
        print(line)


def check_targets(shares: pd.DataFrame, date: str) -> list[str]:
    misses = []
    published = PUBLISHED[date]
    for label, tolerances in TOLERANCE.items():
        for row in shares.itertuples(index=False):
            diff = getattr(row, label) - published[row.region_id]
            if abs(diff) > tolerances[row.region_id] + 1e-9:
                misses.append(
                    f"land({label}) {row.name}: {diff:+.2f} point, "
                    f"target ±{tolerances[row.region_id]}"
                )
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mask",
        type=Path,
        help="a sea-mask GeoJSON to use instead of the embedded one (e.g. a "
        "build_water.py --output of another scale)",
    )
    args = parser.parse_args(argv)
    missing = [p for p in (MINREGION, OSM_SEA, *MAPS.values()) if not p.exists()]
    if missing:
        print(f"skipped: validation data not available: {missing[0]}")
        return 0

    seas = {"emb": load_mask(args.mask), "osm": load_mask(OSM_SEA)}
    labels = list(seas)
    oblasts = load_oblasts()
    print(f"embedded mask: {args.mask or 'src/frontline/data/sea_mask.geojson'}")
    misses: list[str] = []
    for date, path in MAPS.items():
        layer = fl.read_control(path)
        shares, water = measure(oblasts, russian_held(layer), seas)
        print(f"\n== {date} ({path.name}), Minregion 2020 oblasts, % Russian-held")
        print_shares(date, shares, labels)
        worst = cross_check(layer, oblasts, shares, {"emb": args.mask, "osm": OSM_SEA})
        print(
            "vs fl.control_table(basis=...): max |Δ| "
            + ", ".join(f"{k} {v:.2e}" for k, v in worst.items())
            + " point"
        )
        print("\nsea km² inside each oblast polygon; 'of it held': inside the")
        print("Russian-held polygon")
        print_water(water, labels)
        if date in PUBLISHED:
            misses += check_targets(shares, date)
    print()
    if misses:
        print("targets MISSED:\n  " + "\n  ".join(misses))
        return 1
    print(
        "targets met: land(emb) Zaporizhzhia ±0.1, Kherson ±0.6, others ±0.1; "
        "land(osm) all ±0.1"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
