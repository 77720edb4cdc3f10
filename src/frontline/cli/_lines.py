"""Commands on the front line and what depends on it: line, scenario, settlements."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from frontline.cli._common import (
    add_basis,
    add_output,
    add_zones,
    dump_json,
    jsonable,
    output,
    read_layer,
    records,
    without_geometry,
    write_frame,
    zone_options,
)
from frontline.errors import OptionError

if TYPE_CHECKING:
    import argparse

    import pandas as pd

log = logging.getLogger("frontline")

__all__ = ["register"]


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the subcommands of this module to the parser."""
    line = sub.add_parser(
        "line",
        parents=[reader],
        help="the front line: its geodesic length, in total and per region",
    )
    line.add_argument(
        "control",
        nargs="?",
        help="control map or source URI such as deepstate:latest (default: the sample)",
    )
    line.add_argument(
        "--tolerance-km",
        type=float,
        default=None,
        metavar="KM",
        help="border tolerance: pockets thinner than this between the map and the "
        "state border or coast are border, not front (default 5: the border_m of "
        "frontline.tolerance)",
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
    add_zones(line)
    add_output(line)
    line.set_defaults(func=_cmd_line)

    scenario = sub.add_parser(
        "scenario",
        parents=[reader],
        help="ceasefire scenarios: withdraw, cede, buffer zone; what changes hands",
    )
    scenario.add_argument(
        "control",
        nargs="?",
        help="control map or source URI such as deepstate:latest (default: the sample)",
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
    add_basis(scenario)
    add_zones(scenario)
    add_output(scenario)
    scenario.set_defaults(func=_cmd_scenario)

    places = sub.add_parser(
        "settlements",
        parents=[reader],
        help="populated places: status, places that changed hands, people per zone",
    )
    places.add_argument(
        "control",
        nargs="?",
        help="control map or source URI such as deepstate:latest (default: the sample)",
    )
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
    add_zones(places)
    add_output(places)
    places.set_defaults(func=_cmd_settlements)


def _cmd_line(args: argparse.Namespace) -> None:
    from frontline.line import front_line, line_lengths

    zones = zone_options(args)
    if args.regions and zones["zones"] is None:
        from frontline.regions import resolve_regions

        resolve_regions(args.regions)
    from frontline import _validate
    from frontline.tolerance import Tolerance

    if args.tolerance_km is not None:  # as front_line(tolerance_km=) checks it
        _validate.distance_km(
            args.tolerance_km,
            "--tolerance-km",
            high=_validate.MAX_TOLERANCE_KM,
            example="5",
        )
    layer = read_layer(args, args.control)
    tolerance = (
        None
        if args.tolerance_km is None
        else Tolerance(border_m=1000 * args.tolerance_km)
    )
    line = front_line(
        layer,
        tolerance=tolerance,
        include_river=not args.no_river,
        river_km=args.river_km,
    )
    table = line_lengths(line, args.regions or None, **zones)
    meta = jsonable(line.attrs)
    with output(args.output) as out:
        if args.format == "json":
            dump_json(
                {
                    "meta": meta,
                    "length_km": line.attrs["length_km"],
                    "river_length_km": line.attrs["river_length_km"],
                    "regions": records(table),
                },
                out,
            )
        else:
            write_frame(table, args.format, out)
            if args.format == "table":
                out.write(f"\n{line.attrs.get('definition', '')}\n")
                out.write(f"{line.attrs.get('tolerance_caption', '')}\n")


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

    zones = zone_options(args)
    if zones["zones"] is None:
        resolve_regions(args.regions)
    if args.buffer_km is not None and args.buffer_km <= 0:
        raise OptionError(f"--buffer-km must be positive, got {args.buffer_km}")
    layer = read_layer(args, args.control)
    result = freeze(layer)
    if args.withdraw:
        result = withdraw(result, args.withdraw, **zones)
    if args.cede:
        result = cede(result, args.cede, **zones)
    if args.buffer_km is not None:
        result = buffer_zone(result, args.buffer_km, side=args.buffer_side)
    table = scenario_table(
        result, args.regions, basis=args.basis, water=args.water, **zones
    )
    with output(args.output) as out:
        if args.format == "json":
            changes = scenario_changes(
                result, args.regions, basis=args.basis, water=args.water, **zones
            )
            dump_json(
                {
                    "meta": jsonable(table.attrs),
                    "rows": records(table),
                    "changes": records(changes),
                },
                out,
            )
        else:
            write_frame(table, args.format, out)


def _cmd_settlements(args: argparse.Namespace) -> None:
    from frontline.population import population_table
    from frontline.regions import resolve_regions
    from frontline.settlements import (
        ATTRIBUTION,
        POPULATION_CAVEAT,
        settlements_changed,
        settlements_status,
    )

    zones = zone_options(args)
    if zones["zones"] is None:
        resolve_regions(args.regions)
    elif args.changed_since:
        raise OptionError(
            "--changed-since lists places by region; drop --zones, or compare "
            "the zone tables of two dates"
        )
    if args.by_zone and args.changed_since:
        raise OptionError("--by-zone and --changed-since cannot be combined")
    layer = read_layer(args, args.control)
    common = {
        "min_population": args.min_population,
        "include_parts": args.include_parts,
    }
    table: pd.DataFrame
    if args.by_zone:
        table = population_table(layer, args.regions, **common, **zones)
    elif args.changed_since:
        before = read_layer(args, args.changed_since)
        table = settlements_changed(before, layer, regions=args.regions, **common)
    else:
        line = None
        if args.line:
            from frontline.line import front_line

            line = front_line(layer)
        table = settlements_status(
            layer, regions=args.regions, line=line, **common, **zones
        )
    print(f"frontline: {ATTRIBUTION}. {POPULATION_CAVEAT}", file=sys.stderr)
    with output(args.output) as out:
        write_frame(without_geometry(table), args.format, out)
