"""The map command: static maps, web maps and animations."""

from __future__ import annotations

import logging
import string
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontline.cli._common import (
    add_zones,
    output,
    quiet_matplotlib,
    read_layer,
    zone_options,
)
from frontline.errors import OptionError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

log = logging.getLogger("frontline")

__all__ = ["register"]


#: The most pixels a picture (or an animation frame) may have.
MAX_PIXELS = 100_000_000

#: Resolution of pictures and of animation frames when --dpi is not given.
DEFAULT_DPI = {"picture": 200, "animation": 100}

#: The figure size in inches when --size is not given.
DEFAULT_SIZE = (9.0, 7.5)

#: The fields an output template may hold.
FIELDS = ("date", "stem", "region")

_PICTURES = {".png", ".svg", ".pdf"}
_ANIMATIONS = {".gif", ".mp4"}


def register(sub: Any, reader: argparse.ArgumentParser) -> None:
    """Add the subcommands of this module to the parser."""
    draw = sub.add_parser(
        "map",
        parents=[reader],
        help="draw maps (PNG, SVG, PDF), an interactive HTML map or an animation",
        description="With several CONTROL files, OUTPUT is a template: {date}, "
        "{stem} (the input's name) and {region} are filled in, e.g. "
        "maps/{date}.png ({{ and }} for literal braces). Maps already newer "
        "than their input are skipped unless --force. A .gif/.mp4 OUTPUT "
        "animates all inputs. An .html OUTPUT is self-contained (Leaflet "
        "inlined: it works offline and in archives) unless --cdn. SVG and PDF "
        "keep their texts editable.",
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
    draw.add_argument(
        "--caption",
        choices=("short", "full", "none"),
        default="short",
        help="caption under the map: sources and credits (short, the default), "
        "also the method (full), or none",
    )
    draw.add_argument(
        "--credit", help='a line of your own in the caption, e.g. "Analysis: A. Name"'
    )
    draw.add_argument("--no-line", action="store_true", help="do not draw the line")
    draw.add_argument("--no-labels", action="store_true", help="no oblast labels")
    draw.add_argument("--no-towns", action="store_true", help="no town names")
    draw.add_argument(
        "--size",
        metavar="WxH",
        help="picture or frame size in inches (default 9x7.5); pixels = size × dpi",
    )
    draw.add_argument(
        "--dpi",
        type=int,
        help="resolution of PNG pictures (default 200) and animation frames "
        "(default 100)",
    )
    draw.add_argument(
        "--fps", type=int, help="frames per second of a .gif/.mp4 (default 2)"
    )
    draw.add_argument(
        "--cdn",
        action="store_true",
        help="HTML: link Leaflet on its CDN instead of inlining it (a smaller "
        "file that needs the network)",
    )
    draw.add_argument(
        "--force", action="store_true", help="redraw maps that are up to date"
    )
    draw.add_argument(
        "--statuses",
        action="store_true",
        help="with --zones: draw the control statuses and zone outlines instead "
        "of the choropleth of the Russian-held share",
    )
    add_zones(draw)
    draw.set_defaults(func=_cmd_map)


def _cmd_map(args: argparse.Namespace) -> None:
    from frontline.regions import resolve_regions
    from frontline.zones import select_units

    zones = zone_options(args)
    if zones["zones"] is None:
        ids = resolve_regions(args.regions).ids
    else:
        ids = select_units(args.regions, default="six", **zones).ids
        # Read (and check) the zones once for every map drawn.
        zones["zones"] = select_units(None, default=None, **zones).frame
        zones.update(zone_id=None, zone_name=None, zone_parent=None)
    target = args.output
    suffix = Path(target).suffix.lower()
    if suffix not in {*_PICTURES, ".html", *_ANIMATIONS}:
        raise OptionError(
            f"cannot tell the map format of {target!r}; end the output with .png, "
            ".svg, .pdf, .html, .gif or .mp4"
        )
    fields = template_fields(target)
    _check_options(args, suffix)
    from frontline.fetch import source_paths

    # A source URI's range gives one map per evening.
    inputs: list[str | None] = [
        str(p) for item in args.control for p in source_paths(item)
    ] or [None]
    if suffix in _ANIMATIONS:
        if zones["zones"] is not None:
            raise OptionError(
                "--zones draws still maps (.png, .svg, .pdf, .html); animations "
                "show the regions"
            )
        if fields:
            raise OptionError(
                f"an animation is one file, but the output {target!r} is a template "
                f"with {{{fields[0]}}}; name one file, e.g. maps/2024.gif"
            )
        _animate(args, inputs, Path(_fill(target, {})))
        return
    if len(inputs) > 1 and not ({"date", "stem"} & set(fields)):
        raise OptionError(
            f"{len(inputs)} control maps but one output {target!r}; make it a "
            "template with {date} or {stem}, e.g. maps/{date}.png"
        )
    written: set[Path] = set()
    for source in inputs:
        layer = read_layer(args, source)
        date = layer.attrs.get("date")
        if "date" in fields and date is None:
            raise OptionError(
                f"{source!r} has no date for the {{date}} template; pass --date or "
                "use {stem}"
            )
        for rid in ids if "region" in fields else (None,):
            path = Path(
                _fill(
                    target,
                    {
                        "date": date.isoformat() if date is not None else "",
                        "stem": Path(source).name.split(".")[0] if source else "sample",
                        "region": rid or "",
                    },
                )
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
            _draw_map(layer, rid or args.regions, path, args, zones)


def template_fields(target: str) -> list[str]:
    """Return the fields of an output template; refuse unknown or broken ones.

    Examples
    --------
    >>> template_fields("maps/{date}-{region}.png")
    ['date', 'region']
    >>> template_fields("maps/{{literal}}.png")
    []
    >>> template_fields("maps/{foo}.png")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: unknown field {foo} in the output template ...
    """
    hint = "use {date}, {stem} or {region}, and {{ and }} for literal braces"
    try:
        parsed = list(string.Formatter().parse(target))
    except ValueError as exc:
        raise OptionError(
            f"broken output template {target!r} ({exc}); {hint}"
        ) from None
    fields = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            shown = f"{{{name}}}" if name else "{}"
            raise OptionError(
                f"unknown field {shown} in the output template {target!r}; {hint}"
            )
        if spec or conversion:
            raise OptionError(
                f"the field {{{name}}} of the output template {target!r} takes no "
                f"format or conversion; {hint}"
            )
        fields.append(name)
    return list(dict.fromkeys(fields))


def _fill(target: str, values: dict[str, str]) -> str:
    """Fill a checked template (``{{``/``}}`` become braces)."""
    return target.format(**values) if "{" in target or "}" in target else target


def _size(args: argparse.Namespace) -> tuple[float, float]:
    if args.size is None:
        return DEFAULT_SIZE
    text = args.size.lower().replace("×", "x")
    try:
        w, h = (float(v) for v in text.split("x"))
    except ValueError:
        raise OptionError(
            f"--size must be WIDTHxHEIGHT in inches, e.g. 9x7.5; got {args.size!r}"
        ) from None
    if not (0 < w <= 100 and 0 < h <= 100):
        raise OptionError(
            f"--size must be between 0 and 100 inches each way, got {args.size!r}"
        )
    return w, h


def _check_options(args: argparse.Namespace, suffix: str) -> None:
    """Refuse options that do not apply to the format, and impossible sizes."""
    kind = "animation" if suffix in _ANIMATIONS else "picture"
    if args.fps is not None and suffix not in _ANIMATIONS:
        raise OptionError(f"--fps applies to .gif and .mp4 outputs, not {suffix}")
    if args.fps is not None and args.fps < 1:
        raise OptionError(f"--fps must be a whole number ≥ 1, got {args.fps}")
    if args.cdn and suffix != ".html":
        raise OptionError(f"--cdn applies to .html outputs, not {suffix}")
    if suffix == ".html" and (args.dpi is not None or args.size is not None):
        raise OptionError(
            "--dpi and --size apply to pictures and animations; an .html map "
            "fills the browser window"
        )
    if args.dpi is not None and args.dpi <= 0:
        raise OptionError(f"--dpi must be a positive number, got {args.dpi}")
    w, h = _size(args)
    dpi = args.dpi or DEFAULT_DPI[kind]
    pixels = round(w * dpi) * round(h * dpi)
    if pixels > MAX_PIXELS:
        raise OptionError(
            f"--dpi {dpi} at {w:g}x{h:g} inches makes {pixels / 1e6:,.0f} megapixels; "
            f"the limit is {MAX_PIXELS / 1e6:,.0f}. Lower --dpi or --size"
        )


def _map_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "line": not args.no_line,
        "labels": not args.no_labels,
        "towns": not args.no_towns,
        "title": args.title,
        "caption": args.caption,
        "credit": args.credit,
    }


def _animate(args: argparse.Namespace, inputs: list[str | None], target: Path) -> None:
    from frontline.plot import animate

    layers = [read_layer(args, p) for p in inputs]
    try:
        with quiet_matplotlib():
            animate(
                layers,
                target,
                args.regions,
                fps=args.fps or 2,
                dpi=args.dpi or DEFAULT_DPI["animation"],
                figsize=_size(args),
                **_map_options(args),
            )
    except ImportError as exc:  # no writer (ffmpeg): one line, not a traceback
        raise OptionError(str(exc)) from exc
    log.info("wrote %s", target)


def _up_to_date(path: Path, source: str | None) -> bool:
    if source is None or not path.is_file():  # a folder is not a map: say so
        return False
    return path.stat().st_mtime >= Path(source).stat().st_mtime


def _draw_map(
    layer: gpd.GeoDataFrame,
    regions: str,
    path: Path,
    args: argparse.Namespace,
    zones: dict[str, Any],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    options = _map_options(args)
    if path.suffix.lower() == ".html":
        from frontline.plot import explore, to_html

        del options["labels"], options["towns"]
        web = explore(layer, regions, **options, **zones)
        page = to_html(web, self_contained=not args.cdn)
        with output(str(path)) as out:
            out.write(page)
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from frontline.plot import editable_text, plot_map

    with quiet_matplotlib():
        ax = plot_map(
            layer,
            regions,
            figsize=_size(args),
            choropleth=False if args.statuses else None,
            **options,
            **zones,
        )
    from matplotlib.figure import Figure

    fig = ax.figure
    assert isinstance(fig, Figure)
    fmt = path.suffix.lower().lstrip(".")
    vector = editable_text(fig) if fmt in {"svg", "pdf"} else nullcontext(fig)
    try:
        with vector, output(str(path), binary=True) as out:
            fig.savefig(
                out,
                dpi=args.dpi or DEFAULT_DPI["picture"],
                bbox_inches="tight",
                format=fmt,
            )
    finally:
        plt.close(fig)
    log.info("wrote %s", path)
