"""Commands that tabulate one map: report, regions, check, compare, reconcile."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline.cli._common import (
    BOUNDARIES_HELP,
    add_basis,
    add_output,
    add_zones,
    dump_json,
    output,
    read_layer,
    write_frame,
    write_table,
    zone_options,
)
from frontline.errors import OptionError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

log = logging.getLogger("frontline")

__all__ = ["register"]


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the subcommands of this module to the parser."""
    report = sub.add_parser(
        "report",
        parents=[reader],
        help="Russian-held, contested and Ukrainian-held km² and %% per region",
        description="Tabulate control per region and group. Without CONTROL the "
        "embedded illustrative sample of 20 Nov 2024 is used.",
    )
    report.add_argument(
        "control",
        nargs="?",
        help="control map (GeoJSON, KML, …) or source URI (deepstate-union:2024-11-20)",
    )
    report.add_argument(
        "--regions",
        default="four",
        help="group (four, six, all), names or ids, comma-separated (default: four)",
    )
    add_basis(report)
    report.add_argument("--boundaries", help=BOUNDARIES_HELP)
    add_zones(report)
    add_output(report)
    report.set_defaults(func=_cmd_report)

    regions = sub.add_parser(
        "regions", help="list the units, ids, groups and official areas"
    )
    add_output(regions)
    regions.set_defaults(func=_cmd_regions)

    check = sub.add_parser(
        "check",
        parents=[reader],
        help="check a published claim (e.g. 70:80 %% Russian-held) against a map",
        description="Claims are a range LO:HI, a value with a relative tolerance "
        "VALUE~REL (26000~0.1 or 26000~10%), or a value (default tolerance).",
    )
    check.add_argument(
        "control",
        nargs="?",
        help="control map or source URI such as deepstate:latest (default: the sample)",
    )
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
    add_basis(check)
    check.add_argument("--boundaries", help=BOUNDARIES_HELP)
    check.add_argument(
        "--exit-code", action="store_true", help="exit 3 when the claim does not hold"
    )
    add_output(check, ("table", "json"))
    check.set_defaults(func=_cmd_check)

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
    add_basis(compare)
    compare.add_argument("--boundaries", help=BOUNDARIES_HELP)
    compare.add_argument(
        "--kind",
        action="append",
        choices=("source", "any", "all", "disagreement", "only"),
        help="keep only these row kinds (repeatable)",
    )
    add_output(compare)
    compare.set_defaults(func=_cmd_compare)

    reconcile = sub.add_parser(
        "reconcile",
        parents=[reader],
        help="one map's shares beside published ones, each difference explained",
        description="Measure CONTROL on the embedded Natural Earth units and on "
        "every --boundaries set, each under the geometry, official and land "
        "bases, beside the --published shares, with the sea water inside each "
        "region (and how much of it the map holds), the border strip against "
        "Natural Earth, and the grey zone. Boundary sets that need a download "
        "are skipped with a note when offline.",
    )
    reconcile.add_argument("control", nargs="?", help="control map (default: sample)")
    reconcile.add_argument(
        "--published",
        metavar="NAME=PCT,...",
        help="published Russian-held shares, e.g. Donetsk=78.1,Luhansk=99.6 "
        "(units in any spelling, or four, six, all)",
    )
    reconcile.add_argument(
        "--regions",
        help="regions to report (default: those in --published, else four)",
    )
    reconcile.add_argument(
        "--boundaries",
        action="append",
        metavar="SET_OR_FILE",
        help="a boundary set or file to measure on besides Natural Earth "
        "(repeatable): " + BOUNDARIES_HELP.split(" (default")[0],
    )
    reconcile.add_argument(
        "--water",
        metavar="FILE",
        help="a polygon file of sea water for the land basis instead of the "
        "embedded Natural Earth mask",
    )
    reconcile.add_argument(
        "--grey-zone",
        choices=("excluded", "included"),
        default="excluded",
        help="count the grey zone as Russian-held in the share (default: "
        "excluded, as DeepState's published shares)",
    )
    add_output(reconcile)
    reconcile.set_defaults(func=_cmd_reconcile)


def _cmd_report(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.report import control_table

    zones = zone_options(args)
    if zones["zones"] is None:
        resolve_regions(args.regions)  # fail on a bad name before reading anything
    layer = read_layer(args, args.control)
    table = control_table(
        layer,
        args.regions,
        basis=args.basis,
        boundaries=args.boundaries,
        water=args.water,
        **zones,
    )
    with output(args.output) as out:
        write_table(table, args.format, out)


def _cmd_regions(args: argparse.Namespace) -> None:
    from frontline.regions import GROUPS, region_names

    names = region_names()
    names["groups"] = [
        ",".join(g for g, m in GROUPS.items() if rid in m) for rid in names.region_id
    ]
    names["aliases"] = ["; ".join(a) for a in names.aliases]
    cols = ["region_id", "name", "name_uk", "kind", "official_area_km2", "groups"]
    with output(args.output) as out:
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
    layer = read_layer(args, args.control)
    result = check_claim(
        layer,
        args.regions,
        basis=args.basis,
        boundaries=args.boundaries,
        water=args.water,
        tolerance=args.tolerance,
        **claims,
    )
    with output(args.output) as out:
        if args.format == "json":
            dump_json(result.to_dict(), out)
        else:
            out.write(result.verdict() + "\n\n")
            write_frame(result.table, "table", out)
    return 3 if args.exit_code and not result.holds else 0


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
        layers[name] = read_layer(args, path)
    table = compare_sources(
        layers,
        args.regions,
        basis=args.basis,
        boundaries=args.boundaries,
        water=args.water,
    )
    if args.kind:
        table = table[table.kind.isin(args.kind)]
    with output(args.output) as out:
        write_frame(table, args.format, out)


def _cmd_reconcile(args: argparse.Namespace) -> None:
    import pandas as pd

    from frontline.reconcile import parse_published, reconcile
    from frontline.regions import resolve_regions

    published = parse_published(args.published)  # fail before reading anything
    if args.regions:
        resolve_regions(args.regions)
    layer = read_layer(args, args.control)
    table = reconcile(
        layer,
        args.regions,
        published=published,
        boundaries=args.boundaries,
        water=args.water,
        grey_zone=args.grey_zone,
    )
    with output(args.output) as out:
        if args.format != "table":
            write_frame(table, args.format, out)
            return
        attrs = table.attrs
        out.write(
            f"Reconciliation, {attrs.get('date') or 'date unknown'} — "
            f"{attrs.get('source')}\n"
        )
        shown = table.drop(columns=["grey_zone"]).copy()
        shown["closest"] = shown["closest"].map({True: "*", False: ""})
        shown = shown.rename(columns={"closest": "best"})
        for col in [c for c in shown.columns if c.endswith("_km2")]:
            shown[col] = shown[col].map("{:,.0f}".format)
        for col in [c for c in shown.columns if c.endswith("_pct")]:
            shown[col] = [  # NaN: no published figure
                "" if pd.isna(v) else f"{v:.2f}" for v in shown[col]
            ]
        out.write(shown.to_string(index=False) + "\n\n")
        for label, source in attrs["boundaries"].items():
            out.write(f"boundaries {label}: {source}\n")
        out.write(f"water (land basis, water_*): {attrs['water']}\n")
        out.write(f"grey zone: {attrs['grey_zone']}\n")
        out.write("best: the row nearest the published figure\n")
        for name, text in attrs["definitions"].items():
            if name.startswith(("water", "strip")):
                out.write(f"{name}: {text}\n")
        for note in attrs["notes"]:
            out.write(f"note: {note}\n")
