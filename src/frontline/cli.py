"""The ``frontline`` command: a thin layer over the library.

Data go to stdout (or ``-o FILE``), messages to stderr. A user error
(:class:`~frontline.errors.FrontlineError`) prints one line and exits 1; a
usage error exits 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from frontline._io import atomic_write
from frontline.errors import FrontlineError, OptionError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import geopandas as gpd

__all__ = ["main"]

log = logging.getLogger("frontline")

_FORMATS = ("table", "csv", "json")
_BOUNDARIES_HELP = (
    "boundary set (minregion-2020, geoboundaries-adm1, "
    "geoboundaries-adm1-simplified; downloaded once) or a boundary file "
    "(default: the embedded Natural Earth units)"
)


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
            code = args.func(args)
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
    return int(code or 0)


def _parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one flat CLI spec
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

    reader = argparse.ArgumentParser(add_help=False)
    group = reader.add_argument_group("reading the control map")
    group.add_argument("--status", help="status of every polygon (e.g. occupied)")
    group.add_argument("--status-column", help="column with each feature's class")
    group.add_argument("--date", help="date of the situation shown (YYYY-MM-DD)")
    group.add_argument("--source", default="auto", help="source adapter (auto)")

    def basis(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--basis",
            choices=("geometry", "official"),
            default="geometry",
            help="km² of the boundary polygons, or scaled to official areas",
        )

    def output(p: argparse.ArgumentParser, formats: tuple[str, ...] = _FORMATS) -> None:
        p.add_argument("--format", choices=formats, default=formats[0])
        p.add_argument("-o", "--output", help="write to FILE instead of stdout")

    report = sub.add_parser(
        "report",
        parents=[reader],
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
    basis(report)
    report.add_argument("--boundaries", help=_BOUNDARIES_HELP)
    output(report)
    report.set_defaults(func=_cmd_report)

    regions = sub.add_parser(
        "regions", help="list the units, ids, groups and official areas"
    )
    output(regions)
    regions.set_defaults(func=_cmd_regions)

    line = sub.add_parser(
        "line",
        parents=[reader],
        help="the front line: its geodesic length, in total and per region",
    )
    line.add_argument("control", nargs="?", help="control map (default: the sample)")
    line.add_argument(
        "--tolerance-km",
        type=float,
        default=3.0,
        help="distance from border/coast below which an edge is not front (default 3)",
    )
    line.add_argument(
        "--river-km",
        type=float,
        default=10.0,
        help="distance from the Dnipro for the river flag (default 10)",
    )
    line.add_argument(
        "--no-river",
        action="store_true",
        help="leave out the stretches along the Dnipro",
    )
    line.add_argument("--regions", help="regions or group to report (default: all)")
    output(line)
    line.set_defaults(func=_cmd_line)

    scenario = sub.add_parser(
        "scenario",
        parents=[reader],
        help="ceasefire scenarios: withdraw, cede, buffer zone; what changes hands",
    )
    scenario.add_argument(
        "control", nargs="?", help="control map (default: the sample)"
    )
    scenario.add_argument(
        "--withdraw",
        metavar="SPEC",
        help="regions Russian forces leave (e.g. Kharkiv,Mykolaiv)",
    )
    scenario.add_argument(
        "--cede", metavar="SPEC", help="regions Ukraine hands over (e.g. four)"
    )
    scenario.add_argument(
        "--buffer-km", type=float, help="width of a demilitarised strip on the line"
    )
    scenario.add_argument(
        "--buffer-side", choices=("both", "ukrainian", "russian"), default="both"
    )
    scenario.add_argument("--regions", default="six", help="regions to report (six)")
    basis(scenario)
    output(scenario)
    scenario.set_defaults(func=_cmd_scenario)

    check = sub.add_parser(
        "check",
        parents=[reader],
        help="check a published claim (e.g. 70:80 %% Russian-held) against a map",
        description="Claims are a range LO:HI, a value with a relative tolerance "
        "VALUE~REL (26000~0.1 or 26000~10%%), or a value (default tolerance).",
    )
    check.add_argument("control", nargs="?", help="control map (default: the sample)")
    check.add_argument("--regions", default="four", help="regions (default: four)")
    for quantity in (
        "occupied-pct",
        "occupied-km2",
        "contested-pct",
        "contested-km2",
        "held-pct",
        "held-km2",
        "area-km2",
    ):
        check.add_argument(f"--{quantity}", metavar="CLAIM")
    check.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="relative tolerance of a bare value (0.05)",
    )
    basis(check)
    check.add_argument(
        "--exit-code", action="store_true", help="exit 3 when the claim does not hold"
    )
    output(check, ("table", "json"))
    check.set_defaults(func=_cmd_check)

    places = sub.add_parser(
        "settlements",
        parents=[reader],
        help="populated places: status, places that changed hands, people per zone",
    )
    places.add_argument("control", nargs="?", help="control map (default: the sample)")
    places.add_argument("--regions", default="four", help="regions (default: four)")
    places.add_argument(
        "--changed-since",
        metavar="OTHER",
        help="list the places that changed status since OTHER",
    )
    places.add_argument("--min-population", type=int, help="smallest place listed")
    places.add_argument(
        "--include-parts",
        action="store_true",
        help="also list city districts GeoNames lists separately",
    )
    places.add_argument(
        "--by-zone",
        action="store_true",
        help="people per zone and region instead of a list",
    )
    places.add_argument(
        "--line",
        action="store_true",
        help="add each place's distance to the front line (km)",
    )
    output(places)
    places.set_defaults(func=_cmd_settlements)

    series = sub.add_parser(
        "timeseries",
        help="km² and share per region, status and date for many control maps",
        description="Measure many control maps (files, folders or globs; source "
        "and date from each file) per region and status: one tidy row per date, "
        "region and status. Duplicated dates keep the version published last; "
        "gaps are reported on stderr, never filled.",
    )
    series.add_argument(
        "snapshots",
        nargs="+",
        metavar="SNAPSHOT",
        help="control files, folders or globs",
    )
    series.add_argument(
        "--regions",
        default="six",
        help="group (four, six, all), names or ids (default: six)",
    )
    series.add_argument(
        "--freq",
        choices=("D", "W", "M"),
        default="D",
        help="D: every date (default); W / M: the last situation of "
        "each week (Monday-Sunday) / calendar month",
    )
    series.add_argument(
        "--parallel",
        choices=("serial", "processes"),
        help="serial: one thread (by default each map is measured in a "
        "background thread while the next one is read); processes: a local "
        "process pool (one worker per core)",
    )
    output(series, ("csv", "json"))
    series.set_defaults(func=_cmd_timeseries)

    changed = sub.add_parser(
        "change",
        help="km² gained, lost and net per region between two control maps",
        description="Territory gained and lost between two control maps, by "
        "geometry (not the difference of two totals), per region and group. The "
        "earlier map is BEFORE whatever the order given.",
    )
    changed.add_argument("before", metavar="BEFORE", help="control map")
    changed.add_argument("after", metavar="AFTER", help="control map")
    changed.add_argument(
        "--regions",
        default="six",
        help="group (four, six, all), names or ids (default: six)",
    )
    changed.add_argument(
        "--status",
        default="russian_held",
        help="russian_held (default: occupied + "
        "occupied_before_2022), one status, or all",
    )
    output(changed)
    changed.set_defaults(func=_cmd_change)

    compare = sub.add_parser(
        "compare",
        parents=[reader],
        help="several sources side by side, and where they disagree",
        description="Each CONTROL may be NAME=PATH; without a name the file's "
        "stem is used. Rows: each source, 'any', 'all', 'disagreement' and "
        "'only' (in one source, not in the other).",
    )
    compare.add_argument("control", nargs="+", help="[NAME=]CONTROL, two or more")
    compare.add_argument("--regions", default="four", help="regions (default: four)")
    basis(compare)
    compare.add_argument("--boundaries", help=_BOUNDARIES_HELP)
    compare.add_argument(
        "--kind",
        action="append",
        choices=("source", "any", "all", "disagreement", "only"),
        help="keep only these row kinds (repeatable)",
    )
    output(compare)
    compare.set_defaults(func=_cmd_compare)

    draw = sub.add_parser(
        "map",
        parents=[reader],
        help="draw maps (PNG, SVG, PDF), an interactive HTML map or an animation",
        description="With several CONTROL files, OUTPUT is a template: {date}, "
        "{stem} (the input's name) and {region} are filled in, e.g. "
        "maps/{date}.png. Maps already newer than their input are skipped "
        "unless --force. A .gif/.mp4 OUTPUT animates all inputs.",
    )
    draw.add_argument("control", nargs="*", help="control maps (default: the sample)")
    draw.add_argument(
        "-o",
        "--output",
        required=True,
        help="map.png|svg|pdf|html|gif|mp4, or a template",
    )
    draw.add_argument("--regions", default="six", help="regions (default: six)")
    draw.add_argument("--title", help="title above the map")
    draw.add_argument("--no-line", action="store_true", help="do not draw the line")
    draw.add_argument("--no-labels", action="store_true", help="no oblast labels")
    draw.add_argument("--dpi", type=int, default=200, help="raster resolution (200)")
    draw.add_argument(
        "--force", action="store_true", help="redraw maps that are up to date"
    )
    draw.set_defaults(func=_cmd_map)
    return parser


def _read(args: argparse.Namespace, path: str | None) -> gpd.GeoDataFrame:
    """Read CONTROL with the reader options, or the sample when there is none."""
    from frontline.control import read_control
    from frontline.sample import load_sample

    if path is None:
        if args.status or args.status_column or args.date:
            raise OptionError(
                "--status, --status-column and --date apply to a CONTROL file; "
                "give one, or drop them to use the embedded sample"
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


def _cmd_report(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.report import control_table

    resolve_regions(args.regions)  # fail on a bad name before reading anything
    layer = _read(args, args.control)
    table = control_table(
        layer, args.regions, basis=args.basis, boundaries=args.boundaries
    )
    with _output(args.output) as out:
        _write_table(table, args.format, out)


def _cmd_line(args: argparse.Namespace) -> None:
    from frontline.line import front_line, line_lengths

    if args.regions:
        from frontline.regions import resolve_regions

        resolve_regions(args.regions)
    layer = _read(args, args.control)
    line = front_line(
        layer,
        tolerance_km=args.tolerance_km,
        include_river=not args.no_river,
        river_km=args.river_km,
    )
    table = line_lengths(line, args.regions or None)
    meta = _jsonable(line.attrs)
    with _output(args.output) as out:
        if args.format == "json":
            _dump_json(
                {
                    "meta": meta,
                    "length_km": line.attrs["length_km"],
                    "river_length_km": line.attrs["river_length_km"],
                    "regions": _records(table),
                },
                out,
            )
        else:
            _write_frame(table, args.format, out)
            if args.format == "table":
                out.write(f"\n{line.attrs.get('definition', '')}\n")


def _cmd_scenario(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.scenarios import (
        buffer_zone,
        cede,
        freeze,
        scenario_changes,
        scenario_table,
        withdraw,
    )

    resolve_regions(args.regions)
    if args.buffer_km is not None and args.buffer_km <= 0:
        raise OptionError(f"--buffer-km must be positive, got {args.buffer_km}")
    layer = _read(args, args.control)
    result = freeze(layer)
    if args.withdraw:
        result = withdraw(result, args.withdraw)
    if args.cede:
        result = cede(result, args.cede)
    if args.buffer_km is not None:
        result = buffer_zone(result, args.buffer_km, side=args.buffer_side)
    table = scenario_table(result, args.regions, basis=args.basis)
    with _output(args.output) as out:
        if args.format == "json":
            changes = scenario_changes(result, args.regions, basis=args.basis)
            _dump_json(
                {
                    "meta": _jsonable(table.attrs),
                    "rows": _records(table),
                    "changes": _records(changes),
                },
                out,
            )
        else:
            _write_frame(table, args.format, out)


def _cmd_check(args: argparse.Namespace) -> int:
    from frontline.claims import check_claim

    claims = {
        name: getattr(args, name)
        for name in (
            "occupied_pct",
            "occupied_km2",
            "contested_pct",
            "contested_km2",
            "held_pct",
            "held_km2",
            "area_km2",
        )
        if getattr(args, name) is not None
    }
    if not claims:
        raise OptionError(
            "no claim given; pass at least one of --occupied-pct, --occupied-km2, "
            "--contested-pct, --contested-km2, --held-pct, --held-km2, --area-km2 "
            "(e.g. --occupied-pct 70:80 --held-km2 26000~0.1)"
        )
    layer = _read(args, args.control)
    result = check_claim(
        layer, args.regions, basis=args.basis, tolerance=args.tolerance, **claims
    )
    with _output(args.output) as out:
        if args.format == "json":
            _dump_json(result.to_dict(), out)
        else:
            out.write(result.verdict() + "\n\n")
            _write_frame(result.table, "table", out)
    return 3 if args.exit_code and not result.holds else 0


def _cmd_settlements(args: argparse.Namespace) -> None:
    from frontline.population import population_table
    from frontline.regions import resolve_regions
    from frontline.settlements import (
        ATTRIBUTION,
        POPULATION_CAVEAT,
        settlements_changed,
        settlements_status,
    )

    resolve_regions(args.regions)
    if args.by_zone and args.changed_since:
        raise OptionError("--by-zone and --changed-since cannot be combined")
    layer = _read(args, args.control)
    common = {
        "min_population": args.min_population,
        "include_parts": args.include_parts,
    }
    table: pd.DataFrame
    if args.by_zone:
        table = population_table(layer, args.regions, **common)
    elif args.changed_since:
        before = _read(args, args.changed_since)
        table = settlements_changed(before, layer, regions=args.regions, **common)
    else:
        line = None
        if args.line:
            from frontline.line import front_line

            line = front_line(layer)
        table = settlements_status(layer, regions=args.regions, line=line, **common)
    print(f"frontline: {ATTRIBUTION}. {POPULATION_CAVEAT}", file=sys.stderr)
    with _output(args.output) as out:
        _write_frame(_without_geometry(table), args.format, out)


def _cmd_timeseries(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.series import resample, timeseries

    resolve_regions(args.regions)  # fail on a bad name before reading anything
    table = timeseries(
        args.snapshots, args.regions, parallel=args.parallel, progress=args.quiet == 0
    )
    if args.freq != "D":
        table = resample(table, args.freq)
    with _output(args.output) as out:
        _write_frame(_iso_dates(table), args.format, out)


def _cmd_change(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.series import change

    resolve_regions(args.regions)
    table = change(args.before, args.after, args.regions, status=args.status)
    with _output(args.output) as out:
        if args.format == "table" and table.empty:
            out.write(
                f"neither map has {args.status!r} area in the selected regions: "
                "nothing was gained or lost\n"
            )
        elif args.format == "table":
            row = table.iloc[0]
            out.write(
                f"Change from {row.date_before:%Y-%m-%d} to {row.date_after:%Y-%m-%d} "
                f"({row.days} days), by geometry\n"
            )
            cols = [
                "region_id",
                "name",
                "status",
                "gained_km2",
                "lost_km2",
                "net_km2",
                "km2_per_day",
            ]
            _write_frame(table[cols], "table", out)
            out.write(
                "\ngained = newly held with the status; lost = no longer; net = "
                "gained − lost (km²)\n"
            )
        else:
            _write_frame(_iso_dates(table), args.format, out)


def _iso_dates(table: pd.DataFrame) -> pd.DataFrame:
    """Date columns as ISO text (``to_json`` would write epoch milliseconds)."""
    shown = table.copy()
    for col in ("date", "period", "date_before", "date_after"):
        if col in shown.columns:
            shown[col] = pd.to_datetime(shown[col]).dt.strftime("%Y-%m-%d")
    return shown


def _cmd_compare(args: argparse.Namespace) -> None:
    from frontline.compare import compare_sources
    from frontline.regions import resolve_regions

    resolve_regions(args.regions)
    if len(args.control) < 2:
        raise OptionError(
            f"compare needs two or more control maps, got {len(args.control)}"
        )
    layers: dict[str, gpd.GeoDataFrame] = {}
    for item in args.control:
        name, sep, path = item.partition("=")
        if not sep or not name or Path(item).exists():
            name, path = Path(item).name.split(".")[0], item
        if name in layers:
            raise OptionError(
                f"two control maps are both named {name!r}; name them NAME=PATH"
            )
        layers[name] = _read(args, path)
    table = compare_sources(
        layers, args.regions, basis=args.basis, boundaries=args.boundaries
    )
    if args.kind:
        table = table[table.kind.isin(args.kind)]
    with _output(args.output) as out:
        _write_frame(table, args.format, out)


def _cmd_map(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions

    selection = resolve_regions(args.regions)
    target = args.output
    suffix = Path(target).suffix.lower()
    if suffix not in {".png", ".svg", ".pdf", ".html", ".gif", ".mp4"}:
        raise OptionError(
            f"cannot tell the map format of {target!r}; end the output with .png, "
            ".svg, .pdf, .html, .gif or .mp4"
        )
    inputs: list[str | None] = list(args.control) or [None]
    templated = any(k in target for k in ("{date}", "{stem}", "{region}"))
    if suffix in {".gif", ".mp4"}:
        from frontline.plot import animate

        layers = [_read(args, p) for p in inputs]
        with _quiet_matplotlib():
            animate(
                layers,
                target,
                args.regions,
                line=not args.no_line,
                labels=not args.no_labels,
                title=args.title,
            )
        log.info("wrote %s", target)
        return
    if len(inputs) > 1 and not ("{date}" in target or "{stem}" in target):
        raise OptionError(
            f"{len(inputs)} control maps but one output {target!r}; make it a "
            "template with {date} or {stem}, e.g. maps/{date}.png"
        )
    written: set[Path] = set()
    for source in inputs:
        layer = _read(args, source)
        date = layer.attrs.get("date")
        if "{date}" in target and date is None:
            raise OptionError(
                f"{source!r} has no date for the {{date}} template; pass --date or "
                "use {stem}"
            )
        ids = selection.ids if "{region}" in target else (None,)
        for rid in ids:
            path = Path(
                target.format(
                    date=date.isoformat() if date is not None else "",
                    stem=Path(source).name.split(".")[0] if source else "sample",
                    region=rid or "",
                )
                if templated
                else target
            )
            if path in written:
                raise OptionError(
                    f"two maps would both be written to {str(path)!r}; add {{date}}, "
                    "{stem} or {region} to the output template"
                )
            written.add(path)
            if _up_to_date(path, source) and not args.force:
                log.info("%s is up to date; skipped (use --force to redraw)", path)
                continue
            _draw_map(layer, rid or args.regions, path, args)


def _up_to_date(path: Path, source: str | None) -> bool:
    if source is None or not path.exists():
        return False
    return path.stat().st_mtime >= Path(source).stat().st_mtime


def _draw_map(
    layer: gpd.GeoDataFrame, regions: str, path: Path, args: argparse.Namespace
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".html":
        from frontline.plot import explore

        web = explore(layer, regions, line=not args.no_line)
        with _output(str(path)) as out:
            out.write(web.get_root().render())
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontline.plot import plot_map

    with _quiet_matplotlib():
        ax = plot_map(
            layer,
            regions,
            title=args.title,
            line=not args.no_line,
            labels=not args.no_labels,
        )
    from matplotlib.figure import Figure

    fig = ax.figure
    assert isinstance(fig, Figure)
    try:
        with _output(str(path), binary=True) as out:
            fig.savefig(
                out,
                dpi=args.dpi,
                bbox_inches="tight",
                format=path.suffix.lower().lstrip("."),
            )
    finally:
        plt.close(fig)
    log.info("wrote %s", path)


@contextmanager
def _quiet_matplotlib() -> Iterator[None]:
    """Keep matplotlib's font-cache chatter out of the user's stderr."""
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    yield


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


def _jsonable(attrs: dict[Any, Any]) -> dict[str, Any]:
    """Attrs made JSON-safe (dates as ISO strings, other objects as text)."""
    result: dict[str, Any] = json.loads(json.dumps(attrs, default=_json_default))
    return result


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        _without_geometry(table).to_json(
            orient="records", double_precision=6, date_format="iso"
        )
    )
    return records


def _dump_json(doc: Any, out: IO[str]) -> None:
    json.dump(doc, out, ensure_ascii=False, indent=2, default=_json_default)
    out.write("\n")


def _without_geometry(table: pd.DataFrame) -> pd.DataFrame:
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


def _write_frame(table: pd.DataFrame, fmt: str, out: IO[str]) -> None:
    """Write any table as CSV, JSON records or aligned text."""
    if fmt == "csv":
        table.to_csv(out, index=False, float_format="%.3f", lineterminator="\n")
    elif fmt == "json":
        _dump_json({"meta": _jsonable(table.attrs), "rows": _records(table)}, out)
    else:
        coords = {c: "{:.5f}".format for c in ("lon", "lat") if c in table.columns}
        with pd.option_context(
            "display.width", 200, "display.max_columns", 50, "display.max_rows", 500
        ):
            text = table.to_string(
                index=False, float_format="{:,.1f}".format, formatters=coords
            )
        out.write(text + "\n")


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
def _output(path: str | None, *, binary: bool = False) -> Iterator[Any]:
    """Yield stdout, or the file ``path`` written atomically (see frontline._io)."""
    if path is None:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    with atomic_write(path, "wb" if binary else "w") as out:
        yield out
    log.info("wrote %s", path)


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
