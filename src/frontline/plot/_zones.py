"""Maps of many zones: a choropleth of the Russian-held share, labels that fit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline.plot._parts import add_polygons
from frontline.plot._style import HELD_COLOR, TEXT

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    import geopandas as gpd

    from frontline.tolerance import Tolerance

__all__ = [
    "MIN_LABELLED",
    "SHARE_CLASSES",
    "draw_choropleth",
    "fitted_labels",
    "share_class",
]

#: Classes of the Russian-held share (%): lower bounds and fills. Zero is
#: Ukrainian-held land's fill; the rest is Paul Tol's colour-blind-safe
#: sequential YlOrBr, light to dark as the share grows.
SHARE_CLASSES: Final[tuple[tuple[float, str, str], ...]] = (
    (0.0, "0 %", HELD_COLOR),
    (1e-9, "under 5 %", "#FEE391"),
    (5.0, "5–25 %", "#FEC44F"),
    (25.0, "25–50 %", "#FB9A29"),
    (50.0, "50–75 %", "#EC7014"),
    (75.0, "75–95 %", "#CC4C02"),
    (95.0, "95 % or more", "#8C2D04"),
)
_EDGE: Final = "#FFFFFF"


def share_class(pct: Any) -> Any:
    """Index into :data:`SHARE_CLASSES` of each share (%)."""
    bounds = np.array([lo for lo, _, _ in SHARE_CLASSES])
    values = np.nan_to_num(np.asarray(pct, dtype=float), nan=0.0)
    return np.searchsorted(bounds, values, side="right") - 1


def draw_choropleth(
    ax: Axes, units: gpd.GeoDataFrame, table: pd.DataFrame, *, many: bool
) -> list[Any]:
    """Fill each zone by its Russian-held share; return the legend handles.

    The edges are thin white lines, thinner still with many zones, so the
    fills stay readable at country scale.
    """
    from matplotlib.patches import Patch

    share = table.set_index("region_id")["occupied_pct"].reindex(units.region_id)
    klass = share_class(share.to_numpy())
    geoms = np.asarray(units.geometry.values, dtype=object)
    counts = np.bincount(klass, minlength=len(SHARE_CLASSES))
    handles = []
    for k, (_, label, color) in enumerate(SHARE_CLASSES):
        if counts[k] == 0:
            continue
        add_polygons(
            ax,
            geoms[klass == k],
            facecolor=color,
            edgecolor=_EDGE,
            linewidth=0.15 if many else 0.5,
            zorder=2,
            gid=f"share_{k}",
        )
        handles.append(
            Patch(
                facecolor=color,
                edgecolor="#BFB8A8",
                lw=0.6,
                label=f"{label} ({counts[k]:,})",
            )
        )
    return handles


def fitted_labels(
    ax: Axes,
    units: gpd.GeoDataFrame,
    texts: dict[str, list[str]],
    *,
    fontsize: float = 6.5,
) -> int:
    """Write a label in each unit where it fits inside the unit; return how many.

    Each unit's texts are tried in order (e.g. name and share, then the
    share alone): a text is placed at the unit's pole of inaccessibility (in
    a locally true-scale frame) and kept if its box, as drawn, lies inside
    the unit's polygon and the view and clear of the legend, the inset and
    the scale bar (draw those first). Texts too big for the unit's bounding
    box are skipped before any is drawn, so thousands of zones cost little.
    """
    from matplotlib import patheffects

    from frontline.plot._parts import _label_point

    ax.apply_aspect()
    fig = ax.get_figure()
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_data = ax.transData.inverted()
    # Data units per typographic point, in x and y.
    per_pt = np.abs(
        to_data.transform((fig.dpi / 72, fig.dpi / 72)) - to_data.transform((0, 0))
    )
    geoms = np.asarray(units.geometry.values, dtype=object)
    bounds = shapely.bounds(geoms)
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    view = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    shown = shapely.intersects(view, geoms)
    avoid = _furniture_boxes(ax, renderer)
    kept: list[Any] = []
    for k, rid in enumerate(units.region_id):
        if not shown[k]:
            continue
        point = None
        for text in texts.get(rid, []):
            lines = text.splitlines()
            width = 0.55 * fontsize * max(len(s) for s in lines) * per_pt[0]
            height = 1.25 * fontsize * len(lines) * per_pt[1]
            if (
                bounds[k, 2] - bounds[k, 0] < width
                or bounds[k, 3] - bounds[k, 1] < height
            ):
                continue
            point = point or _label_point(geoms[k])
            artist = ax.text(
                *point,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                color=TEXT,
                linespacing=1.15,
                zorder=6,
                gid="region_label",
                path_effects=halo,
            )
            box = artist.get_window_extent(renderer)
            corners = to_data.transform([[box.x0, box.y0], [box.x1, box.y1]])
            inside = shapely.box(*corners[0], *corners[1])
            if (
                shapely.contains(geoms[k], inside)
                and shapely.contains(view, inside)
                and not any(box.overlaps(b) for b in avoid)
            ):
                kept.append(artist)
                break
            artist.remove()
    if len(kept) < MIN_LABELLED * int(shown.sum()):
        for artist in kept:
            artist.remove()
        return 0
    return len(kept)


#: Least share of the zones in view that must take a label for any to be kept.
MIN_LABELLED = 0.05


def _furniture_boxes(ax: Axes, renderer: Any) -> list[Any]:
    """Display boxes of the legend, inset axes and scale bar already drawn."""
    boxes = [child.get_window_extent(renderer) for child in ax.child_axes]
    legend = ax.get_legend()
    if legend is not None:
        boxes.append(legend.get_window_extent(renderer))
    for artist in [*ax.texts, *ax.lines]:
        if artist.get_gid() in ("scale_bar", "illustrative"):
            boxes.append(artist.get_window_extent(renderer))
    return boxes


def share_text(row: Any, decimals: int) -> str:
    """Russian-held share of a table row, with the contested range if any."""
    occ, cont = float(row["occupied_pct"]), float(row["contested_pct"])
    fmt = f"{{:.{decimals}f}}"
    if cont >= 0.5 * 10 ** (-decimals) and not math.isnan(cont):
        return f"{fmt.format(occ)}–{fmt.format(occ + cont)} %"
    return f"{fmt.format(occ)} %"


def zone_legend(
    ax: Axes, handles: list[Any], lines: gpd.GeoDataFrame | None, loc: Any
) -> None:
    """Legend of a choropleth: the share classes, then the front line."""
    from matplotlib.lines import Line2D

    from frontline.plot._parts import line_kinds
    from frontline.plot._style import LINE_COLOR, legend_style

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    kinds = line_kinds(lines, shapely.box(x0, y0, x1, y1))
    if kinds["land"]:
        handles = [
            *handles,
            Line2D([], [], color=LINE_COLOR, lw=1.6, label="Front line"),
        ]
    if kinds["river"]:
        handles = [
            *handles,
            Line2D(
                [], [], color=LINE_COLOR, lw=1.2, ls=(0, (3, 2)), label="along a river"
            ),
        ]
    style = legend_style()
    style["fontsize"] = 8
    ax.legend(
        handles=handles,
        loc=loc,
        title="Russian-held share (zones)",
        title_fontsize=8,
        **style,
    )


def zone_caption(
    layer: gpd.GeoDataFrame,
    selection: Any,
    labelled: int,
    *,
    choropleth: bool,
    front: gpd.GeoDataFrame | None,
    line: dict[str, bool],
    boundaries: gpd.GeoDataFrame | None,
    mode: str = "full",
    credit: str | None = None,
    context: bool = False,
    tolerance: Tolerance | None = None,
) -> list[str]:
    """Caption of a map of zones: what the colours are, sources, credits.

    ``short``: one paragraph of credits; ``full``: what the colours and
    labels are, the control source, the front line's definition, the
    geometric ``tolerance`` of the shapes and the line, credits.
    """
    from frontline.plot._caption import (
        MADE_WITH,
        _line_credit,
        extra_credits,
        merge_credits,
        place_credits,
        short_source,
        source_text,
        tolerance_text,
    )
    from frontline.plot._parts import date_text

    n = len(selection.frame)
    zones = f"Zones: {selection.source.rstrip('.')}."
    credits = merge_credits(
        [
            zones,
            *[
                c.replace("Boundaries:", "Oblasts:", 1)
                for c in place_credits(boundaries, context=context, towns=False)
            ],
            *extra_credits([layer]),
        ]
    )
    lines = []
    if layer.attrs.get("illustrative"):
        lines.append("ILLUSTRATIVE sample, not a survey.")
    if mode == "short":
        control = (
            f"Control: {short_source(layer)}, situation on "
            f"{date_text(layer.attrs.get('date'))}."
        )
        lines.append(" ".join([control, *credits, MADE_WITH]))
        return [*lines, *([credit] if credit else [])]
    count = f"{n:,} zone{'s' if n != 1 else ''}"
    first = (
        f"Colours: Russian-held share of each zone's area ({count}; areas on "
        "the WGS84 ellipsoid; contested area not counted as Russian-held)."
        if choropleth
        else f"{count}; areas on the WGS84 ellipsoid."
    )
    if labelled < n:
        first += f" Labels on the {labelled:,} zones where they fit."
    lines.append(first)
    lines.append(f"Control: {source_text(layer)}")
    if line["land"] or line["river"]:
        lines.append(_line_credit(front, line))
    if tolerance is not None:
        lines.append(tolerance_text(tolerance))
    lines.extend([*credits, MADE_WITH])
    return [*lines, *([credit] if credit else [])]
