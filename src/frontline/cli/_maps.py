"""The map command: static maps, web maps and animations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline.cli._common import (
    output,
    quiet_matplotlib,
    read_layer,
)
from frontline.errors import OptionError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

log = logging.getLogger("frontline")

__all__ = ["register"]


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the subcommands of this module to the parser."""
    draw = sub.add_parser(
        "map",
        parents=[reader],
        help="draw maps (PNG, SVG, PDF), an interactive HTML map or an animation",
        description="With several CONTROL files, OUTPUT is a template: {date}, "
        "{stem} (the input's name) and {region} are filled in, e.g. "
        "maps/{date}.png. Maps already newer than their input are skipped "
        "unless --force. A .gif/.mp4 OUTPUT animates all inputs.",
    )
    draw.add_argument(
        "control",
        nargs="*",
        help="control maps or source URIs, e.g. deepstate:2024-11-01..2024-11-30 "
        "(default: the sample)",
    )
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
    from frontline.fetch import source_paths

    # A source URI's range gives one map per evening.
    inputs: list[str | None] = [
        str(p) for item in args.control for p in source_paths(item)
    ] or [None]
    templated = any(k in target for k in ("{date}", "{stem}", "{region}"))
    if suffix in {".gif", ".mp4"}:
        from frontline.plot import animate

        layers = [read_layer(args, p) for p in inputs]
        with quiet_matplotlib():
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
        layer = read_layer(args, source)
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
        with output(str(path)) as out:
            out.write(web.get_root().render())
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontline.plot import plot_map

    with quiet_matplotlib():
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
        with output(str(path), binary=True) as out:
            fig.savefig(
                out,
                dpi=args.dpi,
                bbox_inches="tight",
                format=path.suffix.lower().lstrip("."),
            )
    finally:
        plt.close(fig)
    log.info("wrote %s", path)
