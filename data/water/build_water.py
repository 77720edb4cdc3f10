"""Build the embedded sea mask of ``frontline`` (Black Sea, Sea of Azov).

Input: Natural Earth 4.1.0 1:10m physical *land* (public domain), as the
TopoJSON ``land-10m.json`` of the npm package ``world-atlas@2.0.2``.  Both the
tarball and the extracted file are checked against hard-coded sha256 values, so
that a changed input fails loudly.

The sea is the box lon 28–40.5° E, lat 43.5–47.5° N minus that land: the Black
Sea and the Sea of Azov with everything Natural Earth draws as sea (the
Dnipro–Buh estuary, the Sasyk, Shahany and Alibei lagoons).  Natural Earth's
*lakes* layer is not used, so the former Kakhovka reservoir stays land, and so
do the Dniester estuary and the Syvash (Natural Earth keeps them inside the
land polygon).

Output (deterministic: two runs give byte-identical files):

* ``src/frontline/data/sea_mask.geojson``: one Polygon feature in EPSG:4326,
  properties ``name`` and ``source``.

Usage::

    .venv/bin/python data/water/build_water.py            # runs npm pack
    .venv/bin/python data/water/build_water.py --input land-10m.json
    .venv/bin/python data/water/build_water.py --scale 50m --output /tmp/s50.geojson

See ``data/water/README.md``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BUILD_DIR = HERE / "_build"
REGIONS_GEOJSON = REPO / "src" / "frontline" / "data" / "regions.geojson"
DEFAULT_OUTPUT = REPO / "src" / "frontline" / "data" / "sea_mask.geojson"

NPM_SPEC = "world-atlas@2.0.2"
NPM_TARBALL = "world-atlas-2.0.2.tgz"
TARBALL_SHA256 = "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
NE_VERSION = "4.1.0"  # stated in the package's README.md

# scale -> (tarball member, its sha256).  10m is what ships; 50m is built
# only to compare (see README).
MEMBERS = {
    "10m": (
        "package/land-10m.json",
        "9b9f584709c119d63fbadf484ce425260497697b7166be7a2fe360e8c0b171a8",
    ),
    "50m": (
        "package/land-50m.json",
        "619477ff690c086885e45cb91707d783805561bd75ae8e437b7d4694b0204e0f",
    ),
}

# The clip box (lon_min, lat_min, lon_max, lat_max).  Ukraine's whole coast,
# from the Danube delta (29.6° E) to the Sea of Azov and the Kerch Strait, lies
# well inside it; check_coverage() proves that no sea inside Ukraine is cut off.
BBOX = (28.0, 43.5, 40.5, 47.5)
# A larger box for the coverage check.
WIDE_BBOX = (20.0, 40.0, 45.0, 53.0)
# Every edge of BBOX that cuts the sea must stay this far from Ukraine (degrees).
MIN_EDGE_DISTANCE_DEG = 0.5

# 1e-4 degree is at most about 11 m; world-atlas quantises Natural Earth to a
# grid of 0.0036° × 0.0017° (about 280 m × 190 m at 46° N) anyway.
DECIMALS = 4
GEOD = Geod(ellps="WGS84")
SEGMENT_DEG = 0.01  # densification for areas, as frontline.area_km2's checks

FEATURE_NAME = "Black Sea and Sea of Azov"


class BuildError(RuntimeError):
    """The input is not what this script expects, or a check failed."""


# --------------------------------------------------------------------------- input


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ignore_build_dir(build_dir: Path) -> None:
    """Keep the downloads out of git without touching the repo's .gitignore."""
    marker = build_dir / ".gitignore"
    if not marker.exists():
        marker.write_text("*\n", encoding="utf-8")


def fetch_input(build_dir: Path, scale: str) -> Path:
    """Return ``_build/land-<scale>.json``, running ``npm pack`` if it is missing."""
    member_name, member_sha256 = MEMBERS[scale]
    target = build_dir / Path(member_name).name
    if target.exists() and sha256_of(target) == member_sha256:
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    _ignore_build_dir(build_dir)
    tarball = build_dir / NPM_TARBALL
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError(f"npm not found; download {member_name} and use --input")
        print(f"npm pack {NPM_SPEC} -> {build_dir}", file=sys.stderr)
        subprocess.run(
            [npm, "pack", NPM_SPEC, "--pack-destination", str(build_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    actual = sha256_of(tarball)
    if actual != TARBALL_SHA256:
        raise BuildError(
            f"sha256 of {tarball} is {actual}, expected {TARBALL_SHA256}; "
            "delete it and retry, or review the new package deliberately"
        )
    # Extract the one member we need (no extractall: no path traversal).
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(member_name)
        if member is None:
            raise BuildError(f"{member_name} missing from {tarball}")
        with member, target.open("wb") as out:
            shutil.copyfileobj(member, out)
    return target


def load_input(path: Path, scale: str) -> dict[str, Any]:
    expected = MEMBERS[scale][1]
    actual = sha256_of(path)
    if actual != expected:
        raise BuildError(
            f"sha256 of {path} is {actual}, expected {expected} (land-{scale}.json "
            f"of {NPM_SPEC}); review the input and update MEMBERS deliberately"
        )
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    if data.get("type") != "Topology" or "land" not in data.get("objects", {}):
        raise BuildError(f"{path} is not a TopoJSON topology with a 'land' object")
    return data


# ------------------------------------------------------------------------ topojson


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Absolute lon/lat of every arc (quantised, delta-encoded in the file)."""
    transform = topology.get("transform")
    if transform is None:
        raise BuildError("expected a quantised topology (with a 'transform')")
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    for arc in topology["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
        arcs.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    """Join a ring's arcs; a negative index ~i is arc i reversed."""
    pieces = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pieces.append(arc if k == 0 else arc[1:])
    return np.concatenate(pieces)


def land_polygons(topology: dict[str, Any]) -> list[shapely.Polygon]:
    """All polygons of the topology's ``land`` GeometryCollection."""
    arcs = _decode_arcs(topology)
    polygons: list[shapely.Polygon] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        kind = geometry["type"]
        if kind == "Polygon":
            parts = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            parts = geometry["arcs"]
        else:
            raise BuildError(f"unexpected {kind} in the land object")
        for rings in parts:
            shell, *holes = (_ring(arcs, r) for r in rings)
            polygons.append(shapely.Polygon(shell, holes))
    return polygons


# ------------------------------------------------------------------------ geometry


def sea_in_box(land: list[shapely.Polygon], box: tuple[float, ...]) -> shapely.Geometry:
    """The box minus the land: everything that is not land is sea here."""
    rect = shapely.box(*box)
    candidates = [p for p in land if shapely.intersects(p, rect)]
    valid = shapely.make_valid(np.array(candidates, dtype=object))
    clipped = shapely.clip_by_rect(valid, *box)
    return shapely.difference(rect, shapely.union_all(clipped))


def check_coverage(sea: shapely.Geometry, wide_sea: shapely.Geometry) -> list[str]:
    """Prove that BBOX holds all the sea that lies in or near Ukraine.

    Uses the embedded oblast boundaries (Natural Earth admin-1, in this repo).
    Returns notes for the build log; raises if a check fails.
    """
    with REGIONS_GEOJSON.open(encoding="utf-8") as fh:
        units = [shape(f["geometry"]) for f in json.load(fh)["features"]]
    ukraine = shapely.union_all(units)
    near = shapely.buffer(ukraine, MIN_EDGE_DISTANCE_DEG)
    near_sea = shapely.intersection(wide_sea, near)
    outside = shapely.difference(near_sea, shapely.box(*BBOX))
    if geodesic_area_km2(outside) > 0.01:
        raise BuildError(
            f"{geodesic_area_km2(outside):.2f} km² of sea within "
            f"{MIN_EDGE_DISTANCE_DEG}° of Ukraine lies outside {BBOX}: widen BBOX"
        )
    notes = []
    x0, y0, x1, y1 = BBOX
    edges = {
        "west": shapely.LineString([(x0, y0), (x0, y1)]),
        "east": shapely.LineString([(x1, y0), (x1, y1)]),
        "south": shapely.LineString([(x0, y0), (x1, y0)]),
        "north": shapely.LineString([(x0, y1), (x1, y1)]),
    }
    for side, edge in edges.items():
        cut = shapely.intersection(edge, sea)
        if cut.is_empty or cut.length == 0:
            notes.append(f"{side} edge: no sea")
            continue
        distance = shapely.distance(cut, ukraine)
        notes.append(
            f"{side} edge: cuts {cut.length:.2f}° of sea, {distance:.2f}° from Ukraine"
        )
        if distance < MIN_EDGE_DISTANCE_DEG:
            raise BuildError(f"the {side} edge of {BBOX} cuts sea near Ukraine")
    return notes


def _rounder(decimals: int) -> Any:
    def round_coords(coords: np.ndarray) -> np.ndarray:
        # Python's round() is correctly rounded, so repr() of the result has at
        # most `decimals` digits (np.round can be off by one ulp).
        return np.array([[round(float(v), decimals) for v in xy] for xy in coords])

    return round_coords


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal part of a (made-valid) geometry."""
    polys = [
        p
        for g in shapely.get_parts(geom)
        if g.geom_type in ("Polygon", "MultiPolygon")
        for p in shapely.get_parts(g)
    ]
    if not polys:
        raise BuildError(f"no polygonal part left in {geom.geom_type}")
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def clean_geometry(
    geom: shapely.Geometry, decimals: int
) -> tuple[shapely.Geometry, list[str]]:
    """Round, drop repeated vertices, re-validate, orient CCW."""
    notes: list[str] = []
    round_coords = _rounder(decimals)
    geom = _polygonal(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise BuildError(f"sea invalid before rounding: {reason}")
    before = shapely.get_num_coordinates(geom)
    rounded = shapely.transform(geom, round_coords)
    rounded = shapely.remove_repeated_points(rounded, tolerance=0.0)
    dropped = before - shapely.get_num_coordinates(rounded)
    if dropped:
        notes.append(f"{dropped} repeated vertices after rounding removed")
    if not rounded.is_valid:
        notes.append(f"made valid after rounding ({shapely.is_valid_reason(rounded)})")
        rounded = _polygonal(shapely.make_valid(rounded))
        rounded = shapely.transform(rounded, round_coords)
    rounded = shapely.orient_polygons(rounded, exterior_cw=False)
    if not rounded.is_valid:
        raise BuildError(f"still invalid: {shapely.is_valid_reason(rounded)}")
    moved = geodesic_area_km2(shapely.symmetric_difference(geom, rounded))
    notes.append(
        f"rounding to {decimals} decimals: symmetric difference {moved:.3f} km²"
    )
    return rounded, notes


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    """Ellipsoidal area: |exterior| minus |holes|, per ring, summed over parts.

    Edges are straight in lon/lat (the box's edges are parallels and
    meridians), so they are densified to SEGMENT_DEG before being measured as
    geodesics: a geodesic along 43.5° N from 28° to 40.5° E bulges north and
    would add about 9,000 km².
    """
    total = 0.0
    for poly in shapely.get_parts(shapely.segmentize(geom, SEGMENT_DEG)):
        if poly.geom_type != "Polygon":
            continue
        lon, lat = poly.exterior.xy
        total += abs(GEOD.polygon_area_perimeter(lon, lat)[0])
        for ring in poly.interiors:
            lon, lat = ring.xy
            total -= abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    return total / 1e6


def _as_lists(obj: Any) -> Any:
    if isinstance(obj, tuple | list):
        return [_as_lists(o) for o in obj]
    return obj


def geojson_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    gj = mapping(geom)
    return {"type": gj["type"], "coordinates": _as_lists(gj["coordinates"])}


# -------------------------------------------------------------------------- output


def write_geojson(features: list[dict[str, Any]], path: Path) -> None:
    """Compact RFC 7946 FeatureCollection, one feature per line."""
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for f in features
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def source_text(scale: str) -> str:
    x0, y0, x1, y1 = BBOX
    return (
        f"Natural Earth {NE_VERSION} 1:{scale} physical land (public domain), "
        f"from land-{scale}.json of the npm package {NPM_SPEC}; "
        f"sea = lon {x0:g} to {x1:g}, lat {y0:g} to {y1:g} minus land. "
        "Made with Natural Earth."
    )


def build(input_path: Path, output: Path, scale: str, decimals: int) -> None:
    topology = load_input(input_path, scale)
    land = land_polygons(topology)
    sea = sea_in_box(land, BBOX)
    notes = check_coverage(sea, sea_in_box(land, WIDE_BBOX))
    geom, more = clean_geometry(sea, decimals)
    notes += more
    if geom.geom_type != "Polygon":
        raise BuildError(
            f"expected the sea to be one Polygon (all of it connected), "
            f"got a {geom.geom_type} of {shapely.get_num_geometries(geom)} parts"
        )
    islands = [shapely.Polygon(r) for r in geom.interiors]
    feature = {
        "type": "Feature",
        "properties": {"name": FEATURE_NAME, "source": source_text(scale)},
        "geometry": geojson_geometry(geom),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    write_geojson([feature], output)

    for note in notes:
        print(note, file=sys.stderr)
    print(
        f"sea: {shapely.get_num_coordinates(geom):,} vertices, "
        f"{geodesic_area_km2(geom):,.1f} km², bounds "
        f"{tuple(round(v, 4) for v in geom.bounds)}"
    )
    for island in islands:
        x, y = island.representative_point().coords[0]
        print(
            f"  hole (land ringed by sea) at {x:.2f} E {y:.2f} N: "
            f"{geodesic_area_km2(island):.1f} km²"
        )
    data = output.read_bytes()
    shown = output.relative_to(REPO) if output.is_relative_to(REPO) else output
    print(
        f"{shown}: {len(data):,} bytes ({len(gzip.compress(data, mtime=0)):,} "
        f"gzipped), sha256 {hashlib.sha256(data).hexdigest()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=sorted(MEMBERS),
        default="10m",
        help="Natural Earth scale (default 10m, the one that ships)",
    )
    parser.add_argument(
        "--input",
        type=Path,
        help=f"an already-extracted land-<scale>.json of {NPM_SPEC} "
        "(default: npm pack it into data/water/_build/)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the mask (default: src/frontline/data/sea_mask.geojson)",
    )
    parser.add_argument(
        "--decimals",
        type=int,
        default=DECIMALS,
        help=f"decimals kept in the coordinates (default {DECIMALS}; more only "
        "to check what rounding changes)",
    )
    args = parser.parse_args(argv)
    try:
        input_path = args.input or fetch_input(BUILD_DIR, args.scale)
        build(input_path, args.output, args.scale, args.decimals)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
