"""The ``frontline`` command: a thin layer over the library.

Data go to stdout (or ``-o FILE``), messages to stderr. A user error
(:class:`~frontline.errors.FrontlineError`) prints one line and exits 1; a
usage error exits 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from frontline.errors import FrontlineError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import pandas as pd

__all__ = ["main"]

log = logging.getLogger("frontline")

_FORMATS = ("table", "csv", "json")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for a user error, 2 for a usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or usage error (2)
        return int(exc.code or 0)
    _configure_logging(args.verbose - args.quiet)
    if args.show_versions:
        _show_versions()
        return 0
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            args.func(args)
    except FrontlineError as exc:
        if args.debug:
            raise
        print(f"frontline: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if args.debug:
            raise
        print(f"frontline: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    from frontline import __version__

    parser = argparse.ArgumentParser(
        prog="frontline",
        description="Territorial-control analysis for Ukraine: who holds how much "
        "of each oblast, measured on the ellipsoid.",
    )
    parser.add_argument(
        "--version", action="version", version=f"frontline {__version__}"
    )
    parser.add_argument(
        "--show-versions", action="store_true", help="print dependency versions"
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="less log")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for errors"
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    report = sub.add_parser(
        "report",
        help="Russian-held, contested and Ukrainian-held km² and %% per region",
        description="Tabulate control per region and group. Without CONTROL the "
        "embedded illustrative sample of 20 Nov 2024 is used.",
    )
    report.add_argument("control", nargs="?", help="control map (GeoJSON, KML, …)")
    report.add_argument(
        "--regions",
        default="four",
        help="group (four, six, all), names or ids, comma-separated (default: four)",
    )
    report.add_argument("--basis", choices=("geometry", "official"), default="geometry")
    report.add_argument("--format", choices=_FORMATS, default="table")
    report.add_argument("-o", "--output", help="write to FILE instead of stdout")
    report.add_argument("--status", help="status of every polygon (e.g. occupied)")
    report.add_argument("--status-column", help="column with each feature's class")
    report.add_argument("--date", help="date of the situation shown (YYYY-MM-DD)")
    report.add_argument("--source", default="auto", help="source adapter (auto)")
    report.set_defaults(func=_cmd_report)

    regions = sub.add_parser(
        "regions", help="list the units, ids, groups and official areas"
    )
    regions.add_argument("--format", choices=_FORMATS, default="table")
    regions.add_argument("-o", "--output", help="write to FILE instead of stdout")
    regions.set_defaults(func=_cmd_regions)
    return parser


def _cmd_report(args: argparse.Namespace) -> None:
    from frontline.control import read_control
    from frontline.regions import resolve_regions
    from frontline.report import control_table
    from frontline.sample import load_sample

    resolve_regions(args.regions)  # fail on a bad name before reading anything
    if args.control is None:
        if args.status or args.status_column or args.date:
            from frontline.errors import OptionError

            raise OptionError(
                "--status, --status-column and --date apply to a CONTROL file; "
                "give one, or drop them to use the embedded sample"
            )
        print(
            "frontline: no CONTROL given; using the embedded ILLUSTRATIVE sample "
            "of 20 Nov 2024 (settlement-based approximation, not a survey)",
            file=sys.stderr,
        )
        layer = load_sample()
    else:
        layer = read_control(
            args.control,
            status=args.status,
            status_column=args.status_column,
            date=args.date,
            source=args.source,
        )
    table = control_table(layer, args.regions, basis=args.basis)
    with _output(args.output) as out:
        _write_table(table, args.format, out)


def _cmd_regions(args: argparse.Namespace) -> None:
    from frontline.regions import GROUPS, region_names

    names = region_names()
    names["groups"] = [
        ",".join(g for g, m in GROUPS.items() if rid in m) for rid in names.region_id
    ]
    names["aliases"] = ["; ".join(a) for a in names.aliases]
    cols = ["region_id", "name", "name_uk", "kind", "official_area_km2", "groups"]
    with _output(args.output) as out:
        if args.format == "csv":
            names[[*cols, "aliases"]].to_csv(out, index=False, lineterminator="\n")
        elif args.format == "json":
            json.dump(
                {
                    "groups": {
                        **{g: list(m) for g, m in GROUPS.items()},
                        "all": names.region_id.tolist(),
                    },
                    "regions": names[[*cols, "aliases"]].to_dict(orient="records"),
                },
                out,
                ensure_ascii=False,
                indent=2,
            )
            out.write("\n")
        else:
            table = names[cols].copy()
            table["official_area_km2"] = table.official_area_km2.map("{:,.0f}".format)
            out.write(table.to_string(index=False) + "\n")
            out.write(
                "\ngroups: "
                + "; ".join(f"{g} = {', '.join(m)}" for g, m in GROUPS.items())
                + "; all = the 27 units\n"
            )


def _write_table(table: pd.DataFrame, fmt: str, out: IO[str]) -> None:
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
            shown[col] = shown[col].map("{:.1f}".format)
        shown = shown.drop(
            columns=[
                c
                for c in shown.columns
                if c.endswith("_2022_km2") or c == "liberated_km2"
            ]
        )
        short = {"four": "Four regions", "six": "Six regions", "all": "All 27 units"}
        shown["name"] = [
            short.get(r, n) for r, n in zip(shown.region_id, shown.name, strict=True)
        ]
        width = int(shown["name"].str.len().max())
        shown["name"] = shown["name"].str.ljust(width)
        out.write(
            f"Control by region, {attrs.get('date') or 'date unknown'} — "
            f"{attrs.get('source')}\n"
        )
        out.write(shown.to_string(index=False) + "\n")
        out.write(
            f"\noccupied = Russian-held (incl. before 2022); held = Ukrainian-held = "
            f"area − occupied − contested.\nbasis: {attrs.get('basis')}; boundaries: "
            f"{attrs.get('boundaries')}\nmethod: {attrs.get('method')}\n"
            f"control layer's own Russian-held total before clipping: "
            f"{attrs.get('control_russian_held_km2', 0):,.0f} km²\n"
        )
        if attrs.get("illustrative"):
            out.write(
                "ILLUSTRATIVE sample, not a survey: figures are approximate "
                "(a few percentage points per oblast).\n"
            )


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """Yield stdout, or a temporary file renamed onto ``path`` on success."""
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.",
        suffix=".tmp",
        dir=target.parent if str(target.parent) else ".",
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("wrote %s", target)


def _configure_logging(level: int) -> None:
    levels = {-2: logging.ERROR, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("frontline: %(levelname)s: %(message)s"))
    root = logging.getLogger("frontline")
    root.handlers[:] = [handler]
    root.setLevel(levels.get(max(-2, min(level, 2)), logging.DEBUG))
    root.propagate = False


def _show_warning(  # noqa: PLR0917 - the warnings.showwarning signature
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    print(f"frontline: warning: {message}", file=sys.stderr)


def _show_versions() -> None:
    from importlib.metadata import PackageNotFoundError, version

    print(f"python: {sys.version.split()[0]} ({platform.platform()})")
    for name in (
        "frontline",
        "geopandas",
        "shapely",
        "pyproj",
        "pyogrio",
        "pandas",
        "numpy",
        "matplotlib",
        "pyarrow",
    ):
        try:
            print(f"{name}: {version(name)}")
        except PackageNotFoundError:
            print(f"{name}: not installed")
    import pyogrio
    import pyproj

    print(f"GDAL: {pyogrio.__gdal_version_string__}; PROJ: {pyproj.proj_version_str}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
