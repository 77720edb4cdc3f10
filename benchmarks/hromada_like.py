"""A generated, hromada-like zone set that tiles Ukraine's 27 units exactly.

**Synthetic: these are NOT Ukraine's real hromadas (territorial communities)
or raions.** The zones are Voronoi cells of GeoNames populated places, cut
along the embedded oblast boundaries. They have roughly the number (about
1,500 by default; Ukraine has 1,469 hromadas), size and nesting of the real
units, so they exercise everything that works on "many small zones that add
up to the oblasts": ``zones=`` tables, per-oblast rollups, the speed of the
area engine on thousands of zones. Use the official Minregion sets for real
figures.

How the zones are built
-----------------------
1. **Cells per unit.** ``n`` is shared among the 27 units of
   ``frontline.load_regions("all")`` in proportion to their geodesic area
   (largest remainders), with at least 3 cells per unit (1 when ``n`` < 162)
   and at most as many as the unit has distinct places.
2. **Seeds.** The places of ``frontline.load_settlements()`` (cities'
   districts left out) that lie inside the unit's polygon are picked by
   farthest-point sampling in a local metric plane (km east/north of the
   unit's centre), starting from the most populous place. Each candidate's
   distance to the picked seeds is weighted by ``1 + 0.1 log10(1 + population)``
   (towns win over hamlets at a similar distance) and by a fixed factor in
   [1, 1.25) drawn from ``numpy.random.default_rng(seed)`` (another ``seed``
   gives another, equally valid, tiling). Seeds are thus spread evenly:
   cells have similar sizes, as hromadas roughly do.
3. **Cells.** Voronoi cells of the seeds (``shapely.voronoi_polygons``),
   computed per unit in lon/lat with longitudes scaled by the cosine of the
   unit's mean latitude (locally conformal), then scaled back: an affine
   map, so the cells stay polygons with straight lon/lat edges and still
   tile the plane, sharing their vertices exactly.
4. **Clip.** Each cell is intersected with the unit's polygon in lon/lat
   (cells wholly inside it are kept as they are). The cells cover the unit's
   bounding box, so every piece of the unit -- islands, exclaves, spits --
   lands in exactly one zone, and the zones of a unit union to the unit; a
   zone may therefore be a MultiPolygon (a cell across a bay). Per unit, the
   zones' areas (``frontline.area_km2``) sum to the unit's area within
   1e-6 km², and the zones do not overlap (``shapely.coverage_is_valid``).
5. **Raions.** Each unit is also split into ``round(136 * area share)``
   (at least 1) raion-like groups: the groups' centres are picked among the
   seeds by the same farthest-point sampling, population-weighted more
   strongly (``(1 + log10(1 + population))**3``), and each zone joins the
   group of its nearest centre (groups are not guaranteed to be contiguous;
   a repeated centre name gets `` (2)``).

Inputs and licences
-------------------
* Boundaries: Natural Earth 10m admin-1 (public domain), as embedded in
  frontline (``data/regions/README.md``).
* Places: GeoNames (geonames.org), **CC BY 4.0** -- the zone names and
  seeds derive from it, so a file written by this module carries that
  licence: credit "Populated places: GeoNames (geonames.org), CC BY 4.0".

Run it to write the zones to a file (the driver follows the extension,
``.gpkg`` or ``.geojson``)::

    .venv/bin/python benchmarks/hromada_like.py zones.gpkg [--n 1500] [--seed 0]

Output columns: ``code`` (``UA14-0001`` ..., numbered by seed population
within the unit), ``name`` (the seed place's GeoNames name), ``raion`` (the
raion-like group, named after its centre place, e.g. ``Mariupol raion``),
``oblast_id`` (ISO 3166-2 of the unit, e.g. ``UA-14``), ``geometry``
(Polygon/MultiPolygon, EPSG:4326).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

import frontline as fl

__all__ = ["build_zones"]

#: Number of raions after the July 2020 reform (raion-like groups made here).
N_RAIONS = 136
#: Units that get fewer cells than this are raised to it (if they have the places).
MIN_CELLS = 3
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320
ATTRIBUTION = (
    "Synthetic hromada-like zones (NOT real hromadas): boundaries Natural Earth "
    "(public domain); populated places GeoNames (geonames.org), CC BY 4.0"
)


def build_zones(n: int = 1500, *, seed: int = 0) -> gpd.GeoDataFrame:
    """Build about ``n`` synthetic hromada-like zones that tile Ukraine exactly.

    Parameters
    ----------
    n : int, default 1500
        Number of zones wanted over the 27 units (at least 27). The result
        has exactly ``n`` zones unless a unit has fewer distinct places than
        its share, or the minimum of 3 per unit lifts the total.
    seed : int, default 0
        Seed of the tie-breaking weights; the same ``(n, seed)`` always gives
        the same zones.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``raion``, ``oblast_id``, ``geometry`` (EPSG:4326),
        sorted by ``oblast_id`` then ``code``. ``attrs["attribution"]`` holds
        the credit line.

    Raises
    ------
    ValueError
        If ``n`` is not an integer of at least 27.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 27:
        raise ValueError(f"n must be an integer >= 27 (one zone per unit), got {n!r}")
    return _build_zones(int(n), int(seed))


def _build_zones(n: int, seed: int) -> gpd.GeoDataFrame:
    regions = fl.load_regions("all").sort_values("region_id", ignore_index=True)
    places = fl.load_settlements("all")
    rng = np.random.default_rng(seed)
    jitter = 1.0 + 0.25 * rng.random(len(places))
    pop = places["population"].fillna(0).to_numpy(dtype=float)
    px = shapely.get_x(places.geometry.values)
    py = shapely.get_y(places.geometry.values)

    polygons = regions.geometry.to_numpy()
    shapely.prepare(polygons)
    # Places inside each unit's polygon (not GeoNames' own admin codes: the
    # seeds must lie in the polygon that is cut).
    inside = [np.flatnonzero(shapely.contains_xy(g, px, py)) for g in polygons]
    inside = [_distinct(idx, px, py) for idx in inside]

    areas = np.asarray(fl.area_km2(regions.geometry), dtype=float)
    floor = MIN_CELLS if n >= 2 * MIN_CELLS * len(regions) else 1
    counts = _apportion(n, areas, floor, np.array([len(i) for i in inside]))
    raions = _apportion(N_RAIONS, areas, 1, counts)

    table = {"name": places["name"].to_numpy(), "pop": pop, "jitter": jitter}
    table |= {"x": px, "y": py}
    frames = []
    for k, row in regions.iterrows():
        idx = inside[k]
        if len(idx) == 0:  # pragma: no cover - every unit has places
            raise RuntimeError(f"no GeoNames place inside {row.region_id}")
        frames.append(
            _unit_zones(
                row.region_id,
                polygons[k],
                idx,
                k=int(counts[k]),
                k_raions=int(raions[k]),
                table=table,
            )
        )
    out = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    out.attrs["attribution"] = ATTRIBUTION
    return out


def _distinct(idx: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Keep the first place (by geonameid order) at each distinct coordinate."""
    _, first = np.unique(np.column_stack([px[idx], py[idx]]), axis=0, return_index=True)
    return idx[np.sort(first)]


def _apportion(
    total: int, weights: np.ndarray, floor: int, cap: np.ndarray
) -> np.ndarray:
    """Share ``total`` by ``weights`` (largest remainders), within [floor, cap]."""
    lo = np.minimum(floor, cap)
    fixed = np.zeros(len(weights), dtype=bool)
    out = np.zeros(len(weights), dtype=int)
    while True:
        free = ~fixed
        left = total - out[fixed].sum()
        share = left * weights[free] / weights[free].sum()
        new = (share < lo[free]) | (share > cap[free])
        if not new.any():
            break
        ids = np.flatnonzero(free)[new]
        out[ids] = np.clip(share[new], lo[ids], cap[ids]).round().astype(int)
        fixed[ids] = True
        if fixed.all():
            return out
    ids = np.flatnonzero(~fixed)
    share = left * weights[ids] / weights[ids].sum()
    base = np.floor(share).astype(int)
    extra = max(0, left - base.sum())
    order = np.lexsort((ids, -(share - base)))  # largest remainder, then by unit
    base[order[:extra]] += 1
    out[ids] = base
    return out


def _farthest(xy: np.ndarray, k: int, weight: np.ndarray, start: int) -> np.ndarray:
    """Pick ``k`` rows of ``xy`` by weighted farthest-point sampling."""
    chosen = [start]
    dist = np.hypot(*(xy - xy[start]).T)
    for _ in range(k - 1):
        score = dist * weight
        score[chosen] = -1.0
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(xy - xy[nxt]).T))
    return np.asarray(chosen)


def _unit_zones(
    region_id: str,
    polygon: shapely.Geometry,
    idx: np.ndarray,
    *,
    k: int,
    k_raions: int,
    table: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The ``k`` zones of one unit, from the places ``idx`` inside it."""
    px, py, pop, jitter = table["x"], table["y"], table["pop"], table["jitter"]
    minx, miny, maxx, maxy = polygon.bounds
    lat0 = 0.5 * (miny + maxy)
    cos0 = float(np.cos(np.radians(lat0)))
    # local metric plane for sampling (km)
    xy = np.column_stack(
        [
            (px[idx] - 0.5 * (minx + maxx)) * cos0 * _KM_PER_DEG_LON,
            (py[idx] - lat0) * _KM_PER_DEG_LAT,
        ]
    )
    p = pop[idx]
    start = int(np.lexsort((np.arange(len(idx)), -p))[0])  # most populous, first id
    picked = _farthest(xy, k, jitter[idx] * (1.0 + 0.1 * np.log10(1.0 + p)), start)
    # number the zones by seed population (then geonameid order)
    picked = picked[np.lexsort((idx[picked], -p[picked]))]
    seeds = idx[picked]

    geoms = _voronoi_clip(polygon, px[seeds], py[seeds], cos0)

    # raion-like groups: centres among the seeds, each zone to the nearest centre
    sxy = xy[picked]
    sp = p[picked]
    centres = _farthest(sxy, min(k_raions, k), (1.0 + np.log10(1.0 + sp)) ** 3, 0)
    d = np.hypot(
        sxy[:, None, 0] - sxy[None, centres, 0], sxy[:, None, 1] - sxy[None, centres, 1]
    )
    names = table["name"]
    raion = _unique([f"{names[seeds[c]]} raion" for c in centres])
    prefix = region_id.replace("-", "")
    return pd.DataFrame(
        {
            "code": [f"{prefix}-{i + 1:04d}" for i in range(k)],
            "name": names[seeds],
            "raion": raion[np.argmin(d, axis=1)],
            "oblast_id": region_id,
            "geometry": geoms,
        }
    )


def _unique(labels: list[str]) -> np.ndarray:
    """Make repeated labels unique by appending `` (2)``, `` (3)`` ..."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return np.array(out, dtype=object)


def _voronoi_clip(
    polygon: shapely.Geometry, x: np.ndarray, y: np.ndarray, cos0: float
) -> np.ndarray:
    """Voronoi cells of the points (x, y), cut to ``polygon``, in input order."""
    if len(x) == 1:
        return np.array([polygon], dtype=object)
    minx, miny, maxx, maxy = polygon.bounds
    pad = 1.0 + max(maxx - minx, maxy - miny)
    frame = shapely.box(
        (minx - pad) * cos0, miny - pad, (maxx + pad) * cos0, maxy + pad
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(np.column_stack([x * cos0, y])), extend_to=frame
        )
    )
    # back to lon/lat (affine: shared vertices stay shared)
    cells = shapely.transform(cells, lambda c: c / np.array([cos0, 1.0]))
    # match cells to their seed points (voronoi_polygons' order is not the input's)
    pts = shapely.points(x, y)
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(pts, predicate="intersects")
    order = np.full(len(x), -1)
    order[pi[::-1]] = ci[::-1]  # a point on a shared edge: keep its first cell
    if (order < 0).any() or len(np.unique(order)) != len(x):  # pragma: no cover
        raise RuntimeError("Voronoi cells do not match their seed points")
    cells = cells[order]
    inner = shapely.contains_properly(polygon, cells)
    out = cells.copy()
    out[~inner] = shapely.intersection(cells[~inner], polygon)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="file to write (.gpkg or .geojson)")
    parser.add_argument("--n", type=int, default=1500, help="zones wanted (1500)")
    parser.add_argument("--seed", type=int, default=0, help="tie-break seed (0)")
    args = parser.parse_args(argv)
    suffix = args.output.suffix.lower()
    drivers = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}
    if suffix not in drivers:
        parser.error(f"output must end in .gpkg or .geojson, got {args.output.name!r}")
    start = time.perf_counter()
    try:
        zones = build_zones(args.n, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    built = time.perf_counter() - start
    zones.to_file(args.output, driver=drivers[suffix])
    groups = zones.groupby("oblast_id").raion.nunique().sum()
    print(
        f"{len(zones)} zones in {zones.oblast_id.nunique()} units, {groups} "
        f"raion-like groups, built in {built:.2f} s -> {args.output}",
        file=sys.stderr,
    )
    print(ATTRIBUTION, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
