"""Commands over many maps: timeseries, change."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from frontline.cli._common import (
    BOUNDARIES_HELP,
    add_basis,
    add_output,
    add_zones,
    iso_dates,
    output,
    write_frame,
    zone_options,
)

if TYPE_CHECKING:
    import argparse

log = logging.getLogger("frontline")

__all__ = ["register"]


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the subcommands of this module to the parser."""
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
        help="control files, folders, globs or source URIs "
        "(deepstate-union:2024-11-01..2024-11-30: one map per evening)",
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
    add_basis(series)
    series.add_argument("--boundaries", help=BOUNDARIES_HELP)
    series.add_argument(
        "--no-cache",
        action="store_true",
        help="measure every map again (default: reuse each file's result from "
        "earlier runs, keyed by its sha256, the regions and the boundaries)",
    )
    add_zones(series)
    add_output(series, ("csv", "json"))
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
    add_zones(changed)
    add_output(changed)
    changed.set_defaults(func=_cmd_change)


def _cmd_timeseries(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.series import resample, timeseries

    zones = zone_options(args)
    if zones["zones"] is None:
        resolve_regions(args.regions)  # fail on a bad name before reading anything
    table = timeseries(
        args.snapshots,
        args.regions,
        boundaries=args.boundaries,
        basis=args.basis,
        water=args.water,
        parallel=args.parallel,
        progress=args.quiet == 0,
        cache=not args.no_cache,
        **zones,
    )
    if args.freq != "D":
        table = resample(table, args.freq)
    with output(args.output) as out:
        write_frame(iso_dates(table), args.format, out)


def _cmd_change(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.series import change

    zones = zone_options(args)
    if zones["zones"] is None:
        resolve_regions(args.regions)
    table = change(args.before, args.after, args.regions, status=args.status, **zones)
    with output(args.output) as out:
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
            write_frame(table[cols], "table", out)
            out.write(
                "\ngained = newly held with the status; lost = no longer; net = "
                "gained − lost (km²)\n"
            )
            units = table[table.region_id.isin(table.attrs.get("regions", []))]
            sliver = table.attrs.get("tolerance", {}).get("sliver_m", 0)
            out.write(
                f"of which narrower than {sliver:g} m (coast and border redrawn "
                f"between versions; not drawn on change maps): gained "
                f"{units.gained_noise_km2.sum():.2f}, lost "
                f"{units.lost_noise_km2.sum():.2f} km²\n"
            )
        else:
            write_frame(iso_dates(table), args.format, out)
