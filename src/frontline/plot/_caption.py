"""Captions and credits: what a figure shows, from which source and boundaries."""

from __future__ import annotations

import logging
import re
import textwrap
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from frontline._units import GROUP_NAMES
from frontline.boundaries import check_boundaries
from frontline.errors import OptionError
from frontline.plot._context import CONTEXT_CREDIT, TOWNS_CREDIT
from frontline.plot._parts import date_text, place_labels, renderer_of
from frontline.plot._style import ALERT, MUTED, TEXT, unit_names
from frontline.regions import (
    BOUNDARY_SOURCE,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd
    from matplotlib.axes import Axes

    import geopandas as gpd

    from frontline.tolerance import Tolerance

__all__ = [
    "CaptionMode",
    "basis_note",
    "boundary_credit",
    "boundary_credit_text",
    "caption_mode",
    "chart_caption",
    "check_credit",
    "draw_caption",
    "draw_title",
    "extra_credits",
    "has_range",
    "illustrative_stamp",
    "map_caption",
    "merge_credits",
    "place_credits",
    "region_labels",
    "selection_phrase",
    "short_source",
    "source_text",
    "tolerance_text",
]

#: What a caption says: ``short`` (source, date, boundaries, credits),
#: ``full`` (also the method: how shares, line and ranges were computed), or
#: ``none``.
CaptionMode = Literal["short", "full", "none"]

#: The last words of every short caption.
MADE_WITH: Final = "Made with frontline."

log = logging.getLogger(__name__)


def caption_mode(caption: object) -> CaptionMode:
    """Check ``caption=``: a mode, or True (``short``) / False (``none``)."""
    if caption is True:
        return "short"
    if caption is False or caption is None:
        return "none"
    if caption not in get_args(CaptionMode):
        raise OptionError(
            f"unknown caption {caption!r}; expected one of {get_args(CaptionMode)} "
            "(or True for 'short', False for 'none')"
        )
    mode: CaptionMode = caption  # type: ignore[assignment]
    return mode


def check_credit(credit: object) -> str | None:
    """Check ``credit=``: one line of the user's own (``Analysis: …``), or None."""
    if credit is None:
        return None
    if not isinstance(credit, str):
        raise OptionError(
            f"credit must be a line of text such as 'Analysis: A. Reporter', got "
            f"{type(credit).__name__}"
        )
    text = " ".join(credit.split())
    return text or None


def short_source(layer_or_attrs: Any) -> str:
    """Return a source's name without its details (``DeepState …``).

    The text before the first ``(``, ``:`` or ``;`` of ``attrs["source"]``.
    """
    attrs = getattr(layer_or_attrs, "attrs", layer_or_attrs)
    source = str(attrs.get("source") or "unknown source")
    head = re.split(r"\s*[(:;]", source, maxsplit=1)[0].strip().rstrip(".,")
    return head or source


def merge_credits(credits: list[str]) -> list[str]:
    """Merge credits that name the same source (``A: GeoNames …``, ``B: GeoNames …``).

    Examples
    --------
    >>> merge_credits(["Towns: GeoNames, CC BY 4.0.", "Boundaries: NE.",
    ...                "Settlement positions: GeoNames, CC BY 4.0."])
    ['Towns and settlement positions: GeoNames, CC BY 4.0.', 'Boundaries: NE.']
    """
    order: list[str] = []
    labels: dict[str, list[str]] = {}
    for credit in credits:
        label, sep, rest = credit.partition(": ")
        key = rest.rstrip(".") if sep else credit
        if key not in labels:
            order.append(key)
            labels[key] = []
        if sep and label not in labels[key]:
            labels[key].append(label)
    out = []
    for key in order:
        names = labels[key]
        if not names:
            out.append(key if key.endswith(".") else key + ".")
            continue
        joined = names[0]
        if len(names) > 1:
            others = [n[0].lower() + n[1:] for n in names[1:]]
            joined = ", ".join([names[0], *others[:-1]]) + " and " + others[-1]
        out.append(f"{joined}: {key}.")
    return out


def region_labels(
    ax: Axes,
    units: gpd.GeoDataFrame,
    table: pd.DataFrame,
    decimals: int,
    points: Sequence[tuple[float, float]] = (),
) -> list[Any]:
    """Name and Russian-held share; terse when there are many units.

    Labels keep clear of ``points`` (the largest towns).
    """
    rows = table.set_index("region_id")
    compact = len(units) > 8
    zero = 0.5 * 10 ** (-decimals)
    texts = {}
    for rid in units.region_id:
        row = rows.loc[rid]
        share = _share_text(row, decimals, suffix=not compact)
        if compact and row["occupied_pct"] + row["contested_pct"] < zero:
            texts[rid] = str(row["name"])
        else:
            texts[rid] = f"{row['name']}\n{share}"
    return place_labels(
        ax, units, texts, fontsize=7.5 if compact else 8.5, points=points
    )


def _share_text(row: pd.Series, decimals: int, *, suffix: bool = True) -> str:
    """``66%`` or the range ``65–69%`` (never ``77–77%``)."""
    fmt = f"{{:.{decimals}f}}"
    occ, cont = float(row["occupied_pct"]), float(row["contested_pct"])
    end = "% Russian-held" if suffix else "%"
    lo, hi = fmt.format(occ), fmt.format(occ + cont)
    if lo != hi:
        return f"{lo}–{hi}{end}"
    return f"{lo}{end}"


def has_range(table: pd.DataFrame, ids: Any, decimals: int) -> bool:
    """Tell whether any of these rows' shares is printed as a range."""
    rows = table.set_index("region_id")
    return any(
        "–" in _share_text(rows.loc[rid], decimals) for rid in ids if rid in rows.index
    )


def illustrative_stamp(ax: Axes, corner: str) -> Any:
    right = "right" in corner
    return ax.text(
        0.985 if right else 0.015,
        0.985,
        "ILLUSTRATIVE SAMPLE\nnot a survey",
        transform=ax.transAxes,
        ha="right" if right else "left",
        va="top",
        fontsize=8.5,
        fontweight="bold",
        color=ALERT,
        linespacing=1.2,
        gid="illustrative",
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": ALERT, "lw": 0.8, "pad": 3},
    )


def selection_phrase(selection: Any) -> str:
    ids = tuple(selection.ids)
    for group, phrase in (
        ("all", "Ukraine"),
        ("six", "six regions of eastern and southern Ukraine"),
        ("four", "Donetsk, Luhansk, Zaporizhzhia and Kherson"),
    ):
        members = selection.groups.get(group)
        if members is not None and tuple(members) == ids:
            return phrase
    names = [unit_names()[r] for r in ids]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} regions of Ukraine"


def source_text(layer: gpd.GeoDataFrame) -> str:
    source = str(layer.attrs.get("source") or "unknown source")
    return f"{source.rstrip('.')}; situation on {date_text(layer.attrs.get('date'))}."


def boundary_credit_text(boundaries: str) -> str:
    if not boundaries or boundaries.startswith("Natural Earth"):
        return "Boundaries: Natural Earth (public domain)."
    return f"Boundaries: {boundaries.rstrip('.')}."


def boundary_credit(boundaries: gpd.GeoDataFrame | None) -> str:
    if boundaries is None:
        return boundary_credit_text(BOUNDARY_SOURCE)
    checked = check_boundaries(boundaries)
    return boundary_credit_text(
        str(checked.attrs.get("boundary_source", "user-supplied boundaries"))
    )


def basis_note(attrs: Mapping[Any, Any]) -> str | None:
    """Say how the km² were measured when it is not the boundary polygons."""
    basis = attrs.get("basis")
    if basis == "official":
        return "Km² scaled to official areas; shares are of the boundary polygons."
    if basis == "land":
        water = str(attrs.get("water") or "sea mask: Natural Earth")
        if water.startswith("sea mask: Natural Earth"):
            water = "sea mask made with Natural Earth (10m land, public domain)"
        return f"Land basis: sea water taken out of each region; {water.rstrip('.')}."
    return None


def extra_credits(layers: Sequence[gpd.GeoDataFrame]) -> list[str]:
    """Attributions carried by the layers themselves (e.g. GeoNames)."""
    out: list[str] = []
    for layer in layers:
        if "attribution" not in layer.columns:
            continue
        for value in layer["attribution"].dropna().unique():
            for raw in str(value).split(";"):
                part = raw.strip()
                if part and "natural earth" not in part.casefold():
                    credit = part[0].upper() + part[1:].rstrip(".") + "."
                    if credit not in out:
                        out.append(credit)
    return out


def map_caption(
    layer: gpd.GeoDataFrame,
    table: pd.DataFrame,
    selection: Any,
    decimals: int,
    *,
    front: gpd.GeoDataFrame | None,
    line: dict[str, bool],
    mode: CaptionMode = "full",
    credit: str | None = None,
    context: bool = False,
    towns: bool = False,
    tolerance: Tolerance | None = None,
) -> list[str]:
    """Return a map's caption lines: ``short`` credits or the ``full`` method.

    The geometric ``tolerance`` of the shapes and the line is method: the
    ``full`` caption states it (:func:`tolerance_text`), the ``short`` one
    does not, as it does not state the line's definition; the figures'
    ``attrs`` always record it.
    """
    if mode == "none":
        return []
    boundaries = str(table.attrs.get("boundaries", ""))
    lines = []
    if mode == "short":
        if layer.attrs.get("illustrative"):
            lines.append("ILLUSTRATIVE sample, not a survey.")
        control = (
            f"Control: {short_source(layer)}, situation on "
            f"{date_text(layer.attrs.get('date'))}."
        )
        note = basis_note(table.attrs)
        credits = merge_credits(
            [
                *place_credits(boundaries, context=context, towns=towns),
                *extra_credits([layer]),
            ]
        )
        parts = [control, *([note] if note else []), *credits, MADE_WITH]
        lines.append(" ".join(parts))
        if credit:
            lines.append(credit)
        return lines
    rows = table.set_index("region_id")
    shares = [
        f"{_share_text(rows.loc[g], decimals, suffix=False)} of {group_phrase(g)}"
        for g in selection.groups
        if g in rows.index
    ]
    if layer.attrs.get("illustrative"):
        lines.append(
            "ILLUSTRATIVE sample, not a survey: good to a few percentage points per "
            "region."
        )
    first = "Labels: Russian-held share of each region's area (on the WGS84 ellipsoid)"
    if shares:
        first += "; Russian-held in total: " + ", ".join(shares)
    lines.append(first + ".")
    lines.append(f"Control: {source_text(layer)}")
    if line["land"] or line["river"]:
        lines.append(_line_credit(front, line))
    if tolerance is not None:
        lines.append(tolerance_text(tolerance))
    note = basis_note(table.attrs)
    if note:
        lines.append(note)
    lines.extend(
        merge_credits(
            [
                *place_credits(boundaries, context=context, towns=towns),
                *extra_credits([layer]),
            ]
        )
    )
    lines.append(MADE_WITH)
    if credit:
        lines.append(credit)
    return lines


def place_credits(
    boundaries: str | gpd.GeoDataFrame | None, *, context: bool, towns: bool
) -> list[str]:
    """Credits of the boundaries, neighbouring countries and town names drawn.

    ``boundaries``: the boundary source's name (a report table's
    ``attrs["boundaries"]``), or the boundaries given to the map (None: the
    embedded ones).
    """
    out = [
        boundary_credit_text(boundaries)
        if isinstance(boundaries, str)
        else boundary_credit(boundaries)
    ]
    if context:
        out.append(f"Neighbouring countries: {CONTEXT_CREDIT}.")
    if towns:
        out.append(TOWNS_CREDIT + ".")
    return out


def chart_caption(
    attrs: Mapping[Any, Any],
    *,
    mode: CaptionMode,
    credit: str | None,
    source: str | None = None,
    dates: str | None = None,
) -> list[str]:
    """Return a chart's caption lines from a table's ``attrs``.

    ``short``: the control source (``source``, else ``attrs["source"]`` or the
    distinct ``attrs["sources"]``) and ``dates``, the boundaries, "Made with
    frontline"; ``full`` adds the basis and method notes; then ``credit``.
    """
    if mode == "none":
        return []
    if source is None:
        found = attrs.get("sources")
        names = (
            [str(v) for v in found.values()]
            if isinstance(found, dict)
            else [str(attrs["source"])]
            if attrs.get("source")
            else []
        )
    else:
        names = [source]
    full = mode == "full"
    shown = list(
        dict.fromkeys(n if full else short_source({"source": n}) for n in names)
    )
    lines = []
    if attrs.get("illustrative") or any("illustrative" in n.lower() for n in names):
        lines.append("ILLUSTRATIVE data, not a survey.")
    credits = []
    if shown:
        text = "; ".join(s.rstrip(".") for s in shown)
        credits.append(f"Control: {text}{f', {dates}' if dates else ''}.")
    if attrs.get("boundaries"):
        credits.append(boundary_credit_text(str(attrs["boundaries"])))
    note = basis_note(attrs)
    if note:
        credits.append(note)
    if full and attrs.get("method"):
        credits.append(f"Method: {str(attrs['method']).rstrip('.')}.")
    if full:
        lines += [*credits, MADE_WITH]
    else:
        lines.append(" ".join([*credits, MADE_WITH]))
    if credit:
        lines.append(credit)
    return lines


def _line_credit(front: gpd.GeoDataFrame | None, drawn: dict[str, bool]) -> str:
    """Say what the drawn front line is: its definition, length and sources."""
    attrs = {} if front is None else front.attrs
    if attrs.get("kind") != "front_line":
        return "Front line: as supplied with the map call."
    text = (
        "Front line (frontline.line.front_line): the edge of the Russian-held "
        "area without the state border and the coast"
    )
    if "tolerance_km" in attrs and "tolerance" not in attrs:
        text += f" (tolerance {attrs['tolerance_km']:g} km)"
    if "length_km" in attrs:
        text += f", {attrs['length_km']:,.0f} km"
    if drawn["river"] and "river_km" in attrs:
        text += (
            f"; dashed within {attrs['river_km']:g} km of the lower Dnipro "
            f"({attrs.get('river_length_km', 0):,.0f} km)"
        )
    text += "."
    if drawn["river"] and attrs.get("river_source"):
        text += f" River guide: {str(attrs['river_source']).rstrip('.')}."
    return text


def tolerance_text(tolerance: Tolerance) -> str:
    """State the geometric tolerance of what is drawn (areas are exact)."""
    return (
        f"{tolerance.caption().rstrip('.')}: for shapes and lines only, areas are "
        "exact."
    )


def draw_caption(
    ax: Axes, lines: list[str], y: float = -0.015, *, below_axis: bool = False
) -> None:
    """Write wrapped caption lines under the Axes.

    At ``y`` (a fraction of the Axes' height), or with ``below_axis`` 8 points
    under the x axis' tick labels wherever the layout puts them.
    """
    fig = ax.get_figure()
    assert fig is not None
    ax.apply_aspect()
    width_in = ax.get_position().width * fig.bbox.width / fig.dpi
    chars = max(40, int(width_in * 72 / (7.5 * 0.5)))
    wrapped = "\n".join(textwrap.fill(line, chars) for line in lines)
    style: dict[str, Any] = {
        "ha": "left",
        "va": "top",
        "fontsize": 7.5,
        "color": MUTED,
        "linespacing": 1.35,
        "gid": "caption",
    }
    if below_axis:

        def axis_box(renderer: Any) -> Any:
            return ax.xaxis.get_tightbbox(renderer)

        ax.annotate(
            wrapped,
            xy=(0, 0),
            xycoords=("axes fraction", axis_box),
            xytext=(0, -8),
            textcoords="offset points",
            annotation_clip=False,
            **style,
        )
        return
    ax.text(0, y, wrapped, transform=ax.transAxes, **style)


def draw_title(ax: Axes, title: str) -> None:
    """Set the bold title at the left; wrap it when it would leave the figure.

    Under a layout engine (``layout="constrained"``, as in new figures) the
    title may run from the Axes' left edge to the figure's right edge, where
    the layout puts them; otherwise it keeps to the Axes' width.
    """
    text = ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=TEXT)
    fig = ax.get_figure()
    assert fig is not None
    renderer = renderer_of(fig)
    width = text.get_window_extent(renderer).width
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig.figure)
        ax.apply_aspect()
        room = 0.97 * fig.bbox.x1 - ax.get_window_extent(renderer).x0
    else:
        ax.apply_aspect()
        room = ax.get_window_extent(renderer).width
    if width > room > 0:
        text.set_text(textwrap.fill(title, max(20, int(len(title) * room / width))))


def group_phrase(group: str) -> str:
    """Return a group's name inside a sentence (``the four regions``, ``Ukraine``)."""
    if group == "all":
        return "Ukraine"
    name = GROUP_NAMES.get(group)
    return f"the {name[0].lower()}{name[1:]}" if name else group
