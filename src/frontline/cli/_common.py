"""What the commands share: reader options, output, table writers, JSON."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from frontline._io import atomic_write
from frontline.errors import OptionError, OutputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import geopandas as gpd

log = logging.getLogger("frontline")

__all__ = [
    "BOUNDARIES_HELP",
    "FORMATS",
    "add_basis",
    "add_output",
    "add_zones",
    "dump_json",
    "iso_dates",
    "jsonable",
    "output",
    "quiet_matplotlib",
    "read_layer",
    "reader_options",
    "records",
    "without_geometry",
    "write_frame",
    "write_table",
    "zone_options",
]

FORMATS = ("table", "csv", "json")
BOUNDARIES_HELP = (
    "boundary set (minregion-2020, geoboundaries-adm1, "
    "geoboundaries-adm1-simplified; downloaded once) or a boundary file "
    "(default: the embedded Natural Earth units)"
)


def reader_options() -> argparse.ArgumentParser:
    """Return the parent parser of the options that read a control map."""
    reader = argparse.ArgumentParser(add_help=False)
    group = reader.add_argument_group("reading the control map")
    group.add_argument("--status", help="status of every polygon (e.g. occupied)")
    group.add_argument("--status-column", help="column with each feature's class")
    group.add_argument("--date", help="date of the situation shown (YYYY-MM-DD)")
    group.add_argument("--source", default="auto", help="source adapter (auto)")
    return reader


def add_basis(p: argparse.ArgumentParser) -> None:
    """Add ``--basis`` and ``--water``."""
    p.add_argument(
        "--basis",
        choices=("geometry", "official", "land"),
        default="geometry",
        help="km² of the boundary polygons (geometry), scaled to official areas "
        "(official), or of the polygons minus sea water (land)",
    )
    p.add_argument(
        "--water",
        metavar="FILE",
        help="with --basis land: a polygon file of sea water to take out instead "
        "of the embedded Natural Earth mask (e.g. an OpenStreetMap coastline)",
    )


def add_zones(p: argparse.ArgumentParser) -> None:
    """Add ``--zones FILE --zone-id COLUMN [--zone-name] [--zone-parent]``."""
    group = p.add_argument_group(
        "zones (instead of regions)",
        "Measure any polygons with an id column instead of the 27 units: "
        "raions, hromadas, your own areas (any CRS). --regions then selects "
        "zones by id or parent group.",
    )
    group.add_argument(
        "--zones",
        metavar="FILE",
        help="polygon file (GeoJSON, GeoPackage, Shapefile …) or a registered "
        "zone set (minregion-2020-raions, minregion-2020-hromadas; downloaded "
        "once)",
    )
    group.add_argument("--zone-id", metavar="COLUMN", help="column with zone ids")
    group.add_argument("--zone-name", metavar="COLUMN", help="column with names")
    group.add_argument(
        "--zone-parent",
        metavar="COLUMN",
        help="parent column(s) for group rows, finest first, comma-separated "
        "(e.g. raion,oblast)",
    )
    group.add_argument(
        "--zones-sha256",
        metavar="HASH",
        help="expected sha256 of a registered zone set's file (verifies it)",
    )


def zone_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the zone keywords of the library functions, from the options."""
    zones = getattr(args, "zones", None)
    sha = getattr(args, "zones_sha256", None)
    if zones is not None and sha is not None:
        from frontline.zones import ZONE_SETS, fetch_zones

        if zones not in ZONE_SETS:
            raise OptionError(
                "--zones-sha256 verifies a registered zone set "
                f"({', '.join(ZONE_SETS)}); {zones!r} is a file: check it "
                "yourself (sha256sum)"
            )
        zones = fetch_zones(zones, known_hash=sha)
    elif zones is None and sha is not None:
        raise OptionError("--zones-sha256 needs --zones NAME (a registered zone set)")
    return {
        "zones": zones,
        "zone_id": getattr(args, "zone_id", None),
        "zone_name": getattr(args, "zone_name", None),
        "zone_parent": getattr(args, "zone_parent", None),
    }


def add_output(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    """Add ``--format`` and ``-o/--output``."""
    p.add_argument("--format", choices=formats, default=formats[0])
    p.add_argument("-o", "--output", help="write to FILE instead of stdout")


def read_layer(args: argparse.Namespace, path: str | None) -> gpd.GeoDataFrame:
    """Read CONTROL with the reader options, or the sample when there is none."""
    from frontline.control import read_control
    from frontline.sample import load_sample

    if path is None:
        if args.status or args.status_column or args.date or args.source != "auto":
            raise OptionError(
                "--status, --status-column, --date and --source apply to a CONTROL "
                "file; give one, or drop them to use the embedded sample"
            )
        print(
            "frontline: no CONTROL given; using the embedded ILLUSTRATIVE sample "
            "of 20 Nov 2024 (settlement-based approximation, not a survey)",
            file=sys.stderr,
        )
        return load_sample()
    return read_control(
        path,
        status=args.status,
        status_column=args.status_column,
        date=args.date,
        source=args.source,
    )


def iso_dates(table: pd.DataFrame) -> pd.DataFrame:
    """Date columns as ISO text (``to_json`` would write epoch milliseconds)."""
    shown = table.copy()
    for col in ("date", "period", "date_before", "date_after"):
        if col in shown.columns:
            shown[col] = pd.to_datetime(shown[col]).dt.strftime("%Y-%m-%d")
    return shown


@contextmanager
def quiet_matplotlib() -> Iterator[None]:
    """Keep matplotlib's font-cache chatter out of the user's stderr."""
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    yield


def jsonable(attrs: dict[Any, Any]) -> dict[str, Any]:
    """Attrs made JSON-safe (dates as ISO strings, other objects as text)."""
    result: dict[str, Any] = json.loads(json.dumps(attrs, default=json_default))
    return result


def json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        without_geometry(table).to_json(
            orient="records", double_precision=6, date_format="iso"
        )
    )
    return records


def dump_json(doc: Any, out: IO[str]) -> None:
    json.dump(doc, out, ensure_ascii=False, indent=2, default=json_default)
    out.write("\n")


def without_geometry(table: pd.DataFrame) -> pd.DataFrame:
    """Replace a geometry column by lon/lat of its points (or drop it)."""
    import geopandas as gpd

    if not isinstance(table, gpd.GeoDataFrame):
        return table
    geom = table.geometry
    out = pd.DataFrame(table.drop(columns=geom.name))
    if len(geom) and (geom.geom_type == "Point").all():
        out["lon"] = geom.x.to_numpy()
        out["lat"] = geom.y.to_numpy()
    return out


def write_frame(table: pd.DataFrame, fmt: str, out: IO[str]) -> None:
    """Write any table as CSV, JSON records or aligned text."""
    if fmt == "csv":
        table.to_csv(out, index=False, float_format="%.3f", lineterminator="\n")
    elif fmt == "json":
        dump_json({"meta": jsonable(table.attrs), "rows": records(table)}, out)
    else:
        coords = {c: "{:.5f}".format for c in ("lon", "lat") if c in table.columns}
        with pd.option_context(
            "display.width", 200, "display.max_columns", 50, "display.max_rows", 500
        ):
            text = table.to_string(
                index=False, float_format="{:,.1f}".format, formatters=coords
            )
        out.write(text + "\n")


def write_table(table: pd.DataFrame, fmt: str, out: IO[str]) -> None:
    attrs = table.attrs
    if fmt == "csv":
        table.to_csv(out, index=False, float_format="%.3f", lineterminator="\n")
    elif fmt == "json":
        json.dump(
            {
                "meta": attrs,
                "rows": json.loads(table.to_json(orient="records", double_precision=6)),
            },
            out,
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        out.write("\n")
    else:
        shown = table.copy()
        for col in [c for c in shown.columns if c.endswith("_km2")]:
            shown[col] = shown[col].map("{:,.0f}".format)
        for col in [c for c in shown.columns if c.endswith("_pct")]:
            shown[col] = shown[col].map("{:.2f}".format)
        shown = shown.drop(
            columns=[
                c
                for c in shown.columns
                if c.endswith("_2022_km2") or c == "liberated_km2"
            ]
        )
        width = int(shown["name"].str.len().max())
        shown["name"] = shown["name"].str.ljust(width)
        what = "zone" if "zones" in attrs else "region"
        out.write(
            f"Control by {what}, {attrs.get('date') or 'date unknown'} — "
            f"{attrs.get('source')}\n"
        )
        out.write(shown.to_string(index=False) + "\n")
        out.write(
            f"\noccupied = Russian-held (incl. before 2022); held = Ukrainian-held = "
            f"area − occupied − contested.\nbasis: {attrs.get('basis')}; boundaries: "
            f"{attrs.get('boundaries')}\n"
            + (f"water taken out: {attrs['water']}\n" if attrs.get("water") else "")
            + f"method: {attrs.get('method')}\n"
            f"control layer's own Russian-held total before clipping: "
            f"{attrs.get('control_russian_held_km2', 0):,.0f} km²\n"
        )
        if attrs.get("illustrative"):
            out.write(
                "ILLUSTRATIVE sample, not a survey: figures are approximate "
                "(a few percentage points per oblast).\n"
            )


@contextmanager
def output(path: str | None, *, binary: bool = False) -> Iterator[Any]:
    """Yield stdout, or the file ``path`` written atomically (see frontline._io)."""
    if path is None:
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            raise OutputError(
                "standard output is closed; write to a file with -o FILE instead"
            )
        yield sys.stdout.buffer if binary else sys.stdout
        return
    with atomic_write(path, "wb" if binary else "w") as out:
        yield out
    log.info("wrote %s", path)
