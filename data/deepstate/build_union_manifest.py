"""Build the shipped manifest of the DeepState daily union archive.

Input: ``data/control/deepstate_union_archive/MANIFEST.csv`` in the validation
data beside the repository (``../shared``; override with ``--shared`` or
``FRONTLINE_SHARED``). That file is an audit of every file of the archive
``cyterat/deepstate-map-data`` (``data/deepstatemap_data_YYYYMMDD.geojson``):
the commit that added it, its sha256, and, for the files up to 2025-08-05, the
DeepState map version it really holds (geodesic comparison with 1,359 raw
DeepState versions). Its sha256 is hard-coded below, so a changed audit fails
loudly; so does a file in the archive folder whose bytes differ from it.

Output (deterministic: two runs give byte-identical files):
``src/frontline/data/deepstate_union_manifest.csv``, one row per file::

    file, file_date, commit, sha256, bytes,
    shows_version_id, shows_published_utc, situation_date, basis

* ``commit``: the commit whose ``data/<file>`` has exactly ``sha256``
  (``https://raw.githubusercontent.com/cyterat/deepstate-map-data/<commit>/
  data/<file>`` is immutable);
* ``shows_version_id`` / ``shows_published_utc``: the DeepState version the
  file holds (its id is the Unix publication time), where the audit found it:
  its best match, or the newer version the rule expects when that matches as
  well (a tie: the newer version changed nothing in the union);
* ``situation_date``: the evening shown, ``frontline.sources.deepstate.
  situation_date(shows_published_utc)`` (publication time - 6 h, UTC date)
  where the version is known, otherwise the archive's rule (download date - 1);
* ``basis``: ``checked`` (the audit matched the file to that version within
  0.07 km²) or ``rule`` (nothing to compare with: the date is the rule's).

The script prints a summary (files per category, files per situation lag,
evenings shown by no file or by several files); ``data/deepstate/README.md``
reproduces it.

Usage::

    .venv/bin/python data/deepstate/build_union_manifest.py
    .venv/bin/python data/deepstate/build_union_manifest.py --check

``--check`` rebuilds in memory and exits 1 if the committed file differs.
See ``data/deepstate/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from frontline.sources.deepstate import situation_date

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SHARED = Path(os.environ.get("FRONTLINE_SHARED", REPO.parent / "shared"))
ARCHIVE = Path("data", "control", "deepstate_union_archive")
DEFAULT_OUTPUT = REPO / "src" / "frontline" / "data" / "deepstate_union_manifest.csv"

#: sha256 of the audit (MANIFEST.csv, 769 rows) this manifest is built from.
AUDIT_SHA256 = "4bdb42ab952b3de88e5b8078f178bf367420f4a342cfa74b917c2debf657e59d"
AUDIT_ROWS = 769

#: The archive's HEAD when it was copied into the validation data (2026-08-22):
#: every file there has the bytes (and sha256) the audit lists.
SNAPSHOT_COMMIT = "e904719a6726c7e6b5d6e87a7701e1b77b18e554"
#: Rewritten on main a day after it was added: the bytes we have are the
#: rewrite, so the pin is the snapshot commit, not the commit that added it.
REWRITTEN = {
    "deepstatemap_data_20250805.geojson": {
        "original_commit": "18a75e23cc23a01d848169a953072bba96189e2f",
        "same_geometry_as": "deepstatemap_data_20250806.geojson",
    }
}
#: Added by hand on 2025-11-26 18:41 UTC (one commit per file, pushed at once),
#: not by the daily job: their download time, hence their date, is unknown.
HAND_ADDED_UTC = "2025-11-26T18:41:23Z"

VERDICT_MATCH = "matches rule (evening D-1)"
VERDICT_BEHIND = "older than rule (one DeepState version behind)"
CHECKED_VERDICTS = (VERDICT_MATCH, VERDICT_BEHIND)
#: Largest symmetric difference (km²) accepted as "the same map"; the archive's
#: own buffer gives 0.03 km², the audit's matches are all below 0.07.
MATCH_KM2 = 0.1

COLUMNS = (
    "file",
    "file_date",
    "commit",
    "sha256",
    "bytes",
    "shows_version_id",
    "shows_published_utc",
    "situation_date",
    "basis",
)
CATEGORIES = (
    ("matches_rule", "matches the rule (the version published before the download)"),
    ("version_behind", "one DeepState version behind the rule"),
    ("unchecked", "not checkable (after 2025-08-03), date by the rule"),
    ("rewritten", "rewritten on main the next day"),
    ("hand_added", "added by hand on 2025-11-26"),
)


@dataclass(frozen=True)
class Row:
    """One manifest row plus the audit facts the summary needs."""

    file: str
    file_date: dt.date
    commit: str
    sha256: str
    size: int
    version_id: str
    published: str
    situation: dt.date
    basis: str
    category: str
    #: What the file holds: the DeepState version id when known, else the
    #: sha256 of the bytes (of the twin's bytes for the rewritten file).
    holds: str

    def record(self) -> dict[str, str]:
        """The row as written to the CSV."""
        return {
            "file": self.file,
            "file_date": self.file_date.isoformat(),
            "commit": self.commit,
            "sha256": self.sha256,
            "bytes": str(self.size),
            "shows_version_id": self.version_id,
            "shows_published_utc": self.published,
            "situation_date": self.situation.isoformat(),
            "basis": self.basis,
        }


def sha256_file(path: Path) -> str:
    """Return the sha256 (hex) of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_audit(shared: Path) -> list[dict[str, str]]:
    """Read MANIFEST.csv, checking its hash and size."""
    path = shared / ARCHIVE / "MANIFEST.csv"
    if not path.exists():
        sys.exit(f"error: {path} not found; pass --shared /path/to/shared")
    found = sha256_file(path)
    if found != AUDIT_SHA256:
        sys.exit(
            f"error: {path} has sha256 {found}, expected {AUDIT_SHA256}; the audit "
            "changed. Review the change, then update AUDIT_SHA256 in this script"
        )
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != AUDIT_ROWS:
        sys.exit(f"error: {path} has {len(rows)} rows, expected {AUDIT_ROWS}")
    return rows


def utc_z(text: str) -> str:
    """``2024-07-07T20:49:27+00:00`` -> ``2024-07-07T20:49:27Z``."""
    when = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def held_version(rec: dict[str, str]) -> tuple[str, str]:
    """The DeepState version a checked file holds: (id, published ``...Z``).

    Of the versions the audit found within :data:`MATCH_KM2` of the file (its
    best match, and the version the rule expects when that matches too), the
    newest: the daily job downloads the newest version, and a tie means that
    DeepState's later version changed nothing in the union (only other classes).
    """
    matches = [
        (utc_z(rec[when]), rec[ident])
        for ident, when, km2 in (
            (
                "best_matching_deepstate_id",
                "best_match_published_utc",
                "best_match_symdiff_km2",
            ),
            (
                "rule_expected_id",
                "rule_expected_published_utc",
                "symdiff_to_rule_expected_km2",
            ),
        )
        if float(rec[km2]) <= MATCH_KM2
    ]
    if not matches:
        sys.exit(f"error: {rec['file']}: the audit found no matching version")
    published, version = max(matches)
    return version, published


def build_rows(audit: list[dict[str, str]]) -> list[Row]:
    """Turn the audit into manifest rows (sorted by file name)."""
    by_file = {r["file"]: r for r in audit}
    rows = []
    for rec in sorted(audit, key=lambda r: r["file"]):
        name = rec["file"]
        day = dt.date.fromisoformat(rec["file_date"])
        if name != f"deepstatemap_data_{day:%Y%m%d}.geojson":
            sys.exit(f"error: {name} does not match its file_date {day}")
        commit, version, published = rec["added_commit"], "", ""
        holds = rec["sha256"]
        situation = day - dt.timedelta(days=1)
        basis = "rule"
        if name in REWRITTEN:
            # The bytes (and sha256) are the rewrite, made by the daily job of
            # the next day: it shows what that day's file shows, and its date
            # is that file's (by the rule: its own file date - 1).
            twin = by_file[REWRITTEN[name]["same_geometry_as"]]
            if twin["same_geometry_as_previous_file"] != "True":
                sys.exit(f"error: {twin['file']} no longer repeats {name}")
            if twin["verdict"] in CHECKED_VERDICTS:
                sys.exit(f"error: {twin['file']} is now checked; update the script")
            commit = SNAPSHOT_COMMIT
            holds = twin["sha256"]
            situation = dt.date.fromisoformat(twin["file_date"]) - dt.timedelta(days=1)
            category = "rewritten"
        elif rec["verdict"] in CHECKED_VERDICTS:
            version, published = held_version(rec)
            when = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
            if int(when.timestamp()) != int(version):
                sys.exit(f"error: {name}: version id {version} is not {published}")
            situation = situation_date(when)
            basis = "checked"
            holds = version
            category = (
                "matches_rule" if rec["verdict"] == VERDICT_MATCH else "version_behind"
            )
        elif rec["added_utc"] == HAND_ADDED_UTC:
            category = "hand_added"
        elif rec["verdict"].startswith("not checked"):
            category = "unchecked"
        else:
            sys.exit(f"error: {name}: unexpected verdict {rec['verdict']!r}")
        rows.append(
            Row(
                file=name,
                file_date=day,
                commit=commit,
                sha256=rec["sha256"],
                size=int(rec["bytes"]),
                version_id=version,
                published=published,
                situation=situation,
                basis=basis,
                category=category,
                holds=holds,
            )
        )
    return rows


def verify_files(rows: list[Row], shared: Path) -> int:
    """Check every archive file present in ../shared against its row."""
    folder = shared / ARCHIVE
    checked = 0
    for row in rows:
        path = folder / row.file
        if not path.exists():
            continue
        if path.stat().st_size != row.size or sha256_file(path) != row.sha256:
            sys.exit(f"error: {path} differs from the audit (size or sha256)")
        checked += 1
    return checked


def to_csv(rows: list[Row]) -> str:
    """The manifest's text (LF line ends, fixed column order)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.record())
    return out.getvalue()


def evenings(rows: list[Row]) -> dict[dt.date, list[Row]]:
    """Every evening from the first shown to the last, with the files showing it."""
    shown: dict[dt.date, list[Row]] = defaultdict(list)
    for row in rows:
        shown[row.situation].append(row)
    first, last = min(shown), max(shown)
    return {
        first + dt.timedelta(days=i): shown.get(first + dt.timedelta(days=i), [])
        for i in range((last - first).days + 1)
    }


def known_versions(audit: list[dict[str, str]]) -> dict[dt.date, set[str]]:
    """Evenings of every DeepState version the audit names (held or expected)."""
    known: dict[dt.date, set[str]] = defaultdict(set)
    for rec in audit:
        if rec["verdict"] not in CHECKED_VERDICTS:
            continue
        for ident, when in (
            (rec["best_matching_deepstate_id"], rec["best_match_published_utc"]),
            (rec["rule_expected_id"], rec["rule_expected_published_utc"]),
        ):
            known[situation_date(dt.datetime.fromisoformat(when))].add(ident)
    return known


def summary(rows: list[Row], known: dict[dt.date, set[str]]) -> str:
    """The tables printed by the script (and copied into the README)."""
    lines = []
    lags = sorted({(row.file_date - row.situation).days for row in rows})
    table: Counter[tuple[str, int]] = Counter(
        (row.category, (row.file_date - row.situation).days) for row in rows
    )
    counts = Counter(row.category for row in rows)
    lines.append(
        "| files | basis | count | "
        + " | ".join(f"shows D − {lag}" for lag in lags)
        + " |"
    )
    lines.append("|---|---|---:|" + "---:|" * len(lags))
    for key, label in CATEGORIES:
        basis = "checked" if key in {"matches_rule", "version_behind"} else "rule"
        cells = " | ".join(str(table[key, lag] or "") for lag in lags)
        lines.append(f"| {label} | {basis} | {counts[key]} | {cells} |")
    totals = " | ".join(
        str(sum(table[key, lag] for key, _ in CATEGORIES)) for lag in lags
    )
    lines += [f"| **total** | | **{len(rows)}** | {totals} |", ""]

    behind = Counter(
        f"{row.file_date:%Y-%m}" for row in rows if row.category == "version_behind"
    )
    lines.append(
        "one version behind, by month: "
        + ", ".join(f"{month} {n}" for month, n in sorted(behind.items()))
    )
    lines.append("")

    days = evenings(rows)
    several = {d: files for d, files in days.items() if len(files) > 1}
    differ = {d: f for d, f in several.items() if len({r.holds for r in f}) > 1}
    missing = [d for d, files in days.items() if not files]
    skipped = [d for d in missing if known.get(d)]
    first, last = min(days), max(days)
    lines += [
        f"evenings {first} … {last}: {len(days)}",
        "",
        "| evenings | count |",
        "|---|---:|",
        f"| shown by one file | {sum(len(f) == 1 for f in days.values())} |",
        f"| shown by two or more files, all the same map | "
        f"{len(several) - len(differ)} |",
        f"| shown by two or more files, different versions | {len(differ)} |",
        f"| shown by no file | {len(missing)} |",
        f"| … of which DeepState published a version the archive skipped | "
        f"{len(skipped)} |",
        "",
    ]
    for day, files in sorted(differ.items()):
        lines.append(
            f"{day} is shown by "
            + " and ".join(
                f"{r.file} ({r.published or 'unchecked'}, {r.category})" for r in files
            )
        )
    lines.append("evenings shown by no file: " + _ranges(missing))
    lines.append("… with a skipped DeepState version: " + _ranges(skipped))
    return "\n".join(lines)


def _ranges(days: list[dt.date]) -> str:
    """``2024-08-16, 2024-08-17`` -> ``2024-08-16…17``-style compact list."""
    if not days:
        return "none"
    parts, start, prev = [], days[0], days[0]
    for day in [*days[1:], None]:
        if day is not None and (day - prev).days == 1:
            prev = day
            continue
        parts.append(start.isoformat() if start == prev else f"{start}…{prev}")
        if day is not None:
            start = prev = day
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Build (or check) the manifest and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="fail if the committed file is stale"
    )
    args = parser.parse_args(argv)

    audit = read_audit(args.shared)
    rows = build_rows(audit)
    verified = verify_files(rows, args.shared)
    text = to_csv(rows)
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; rebuild it", file=sys.stderr)
            return 1
    else:
        args.output.write_text(text, encoding="utf-8", newline="")
    digest = hashlib.sha256(text.encode()).hexdigest()
    print(f"{len(rows)} rows, {verified} archive files verified against the audit")
    print(f"{digest}  {args.output.name}\n")
    print(summary(rows, known_versions(audit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
