"""Maps and charts: the figure a reader expects, in one call.

Every ``plot_*`` function follows geopandas' ``plot_dataframe``: it takes
``ax=None`` (a new figure is made only when no Axes is given), draws, and
returns the :class:`~matplotlib.axes.Axes`. Nothing is shown or saved, except
by :func:`animate`, which writes a file by design. matplotlib is imported
inside the functions.

Maps are drawn in longitude/latitude (EPSG:4326), so anything else in lon/lat
can be drawn on the returned Axes. The aspect ratio is ``1/cos(φ)`` at the
middle latitude of the view (an equirectangular projection true to scale along
that parallel); the scale bar is measured on the WGS84 ellipsoid along the
parallel where it is drawn.

The palette (:data:`STATUS_COLORS`) is from Paul Tol's colour-blind-safe
schemes; statuses also differ in lightness, and the grey zone is hatched, so
the map reads in greyscale too.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import textwrap
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import pandas as pd

import shapely
from shapely.ops import polylabel

from frontline._io import atomic_path
from frontline._units import ukraine_outline
from frontline.areas import _overlay_km2, area_km2
from frontline.boundaries import check_boundaries
from frontline.control import as_layer
from frontline.errors import OptionError
from frontline.line import front_line
from frontline.regions import (
    BOUNDARY_SOURCE,
    load_regions,
    region_names,
    resolve_region,
    resolve_regions,
)
from frontline.report import control_table
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "CHANGE_COLORS",
    "HELD_COLOR",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "animate",
    "explore",
    "plot_change_map",
    "plot_changes",
    "plot_control",
    "plot_map",
    "plot_shares",
    "plot_timeseries",
]

log = logging.getLogger(__name__)

#: Fill colour of each status (Paul Tol's colour-blind-safe "light"/"muted"
#: schemes): Russian-held light orange, held before 2022 wine, contested pale
#: grey (drawn hatched), liberated light blue.
STATUS_COLORS: Final[dict[str, str]] = {
    "occupied": "#EE8866",
    "occupied_before_2022": "#882255",
    "contested": "#DDDDDD",
    "liberated": "#77AADD",
}
#: Legend text of each status.
STATUS_LABELS: Final[dict[str, str]] = {
    "occupied": "Russian-held since 24 Feb 2022",
    "occupied_before_2022": "Russian-held before 24 Feb 2022",
    "contested": "Contested (grey zone)",
    "liberated": "Liberated (retaken by Ukraine)",
}
#: Fill of Ukrainian-held land (everything inside the boundaries that no
#: status covers).
HELD_COLOR: Final = "#F4F1EA"
#: Colours of area that became Russian-held (``gained``) and that stopped
#: being Russian-held (``lost``) between two dates (Paul Tol's "vibrant").
CHANGE_COLORS: Final[dict[str, str]] = {"gained": "#CC3311", "lost": "#0077BB"}

_CONTESTED_HATCH: Final = "////"
_CONTESTED_EDGE: Final = "#8C8C8C"
_DRAW_ORDER: Final = ("liberated", "contested", "occupied", "occupied_before_2022")
_UNIT_EDGE: Final = "#3C3C3C"
_CONTEXT_EDGE: Final = "#B4B4B4"
_LINE_COLOR: Final = "#111111"
_TEXT: Final = "#1A1A1A"
_MUTED: Final = "#555555"
_ALERT: Final = "#882255"
# Paul Tol's "bright" scheme (colour-blind safe), for one line per region.
_SERIES_COLORS: Final = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
)
_GROUP_NAMES: Final = {
    "four": "The four regions",
    "six": "The six regions",
    "all": "All of Ukraine",
}
# Group rows in time series: dark and mid grey, distinct dash patterns.
_GROUP_STYLES: Final = [
    ("#1A1A1A", (0, (5, 2))),
    ("#6E6E6E", (0, (1.5, 1.2))),
    ("#1A1A1A", (0, (6, 2, 1.5, 2))),
]
_GROUP_PHRASES: Final = {
    "four": "the four regions",
    "six": "the six regions",
    "all": "Ukraine",
}
_UPPER: Final = ("upper left", "upper right")
_LOWER: Final = ("lower left", "lower right")
_POLYGON_TYPE: Final = 3
_UNIT_ID = re.compile(r"^UA-\d{2}$")
_WGS84_A: Final = 6378137.0
_WGS84_E2: Final = 0.0066943799901413165
_NICE: Final = (1, 2, 2.5, 5)

Corner = Literal["upper left", "upper right", "lower left", "lower right"]
TimeseriesValue = Literal["share_pct", "area_km2"]


# ---------------------------------------------------------------- maps


def plot_control(
    control: str | Path | gpd.GeoDataFrame,
    *,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw a control layer's statuses in frontline's palette.

    The building block of :func:`plot_map`: one collection per status present,
    drawn in the order liberated, contested, occupied, occupied before 2022,
    filled with :data:`STATUS_COLORS` (contested hatched), no outline.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    **kwargs
        Passed to :meth:`geopandas.GeoDataFrame.plot` for every status
        (``zorder``, ``alpha`` …).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import plot_control
    >>> ax = plot_control(fl.load_sample())
    >>> len(ax.collections)
    2
    """
    layer = as_layer(control)
    ax = _new_axes(ax, (7, 6))
    for status in _DRAW_ORDER:
        part = layer.geometry[(layer.status == status).to_numpy()]
        if not part.empty:
            _add_polygons(ax, part, **{**_status_style(status), **kwargs})
    if ax.get_aspect() == "auto" and not layer.empty:
        _, y0, _, y1 = layer.total_bounds
        ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    return ax


def plot_map(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    line: bool | gpd.GeoDataFrame = True,
    labels: bool = True,
    legend: bool = True,
    scale_bar: bool = True,
    inset: bool = True,
    caption: bool = True,
    title: str | None = None,
    decimals: int = 0,
    boundaries: gpd.GeoDataFrame | None = None,
    legend_loc: Corner | Literal["auto"] = "auto",
    inset_loc: Corner | Literal["auto"] = "auto",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 7.5),
) -> Axes:
    """Map who holds what in the selected regions, ready to publish.

    Draws the region outlines (other units of Ukraine in light grey), the
    statuses of the control layer, the front line, a label per region with its
    Russian-held share, a legend, a scale bar, an inset locating the map in
    Ukraine, a title, and a caption with the date, the control source, the
    boundary source and the attributions they require. A layer marked
    illustrative (the embedded sample) is marked ILLUSTRATIVE on the map.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions to map and label: a group (``four``, ``six``, ``all``),
        names or ids (see :func:`frontline.resolve_regions`). The view is
        their extent.
    line : bool or GeoDataFrame, default True
        ``True``: draw the front line from ``frontline.line.front_line``
        (skipped, with a log message, if that module is not installed).
        A GeoDataFrame of lines (EPSG:4326; a boolean ``river`` column marks
        segments along a river, drawn dashed): draw it. ``False``: no line.
    labels : bool, default True
        Label each region with its name and Russian-held share (from
        :func:`frontline.control_table`; with contested area, the range
        Russian-held … Russian-held + contested).
    legend, scale_bar, inset, caption : bool, default True
        Draw these parts.
    title : str, optional
        The title; default: the regions and the date. ``""`` for none.
    decimals : int, default 0
        Decimals of the percentages in labels and caption.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded Natural Earth ones (see
        :func:`frontline.regions.from_geodataframe`); also used for the
        other units drawn as context.
    legend_loc, inset_loc : str, default "auto"
        The corners of the legend and of the inset locator map: ``upper
        left``, ``upper right``, ``lower left`` or ``lower right``. ``auto``
        (default) puts them where they cover the least of the mapped regions
        and of the Russian-held area; the scale bar takes a free lower corner
        and the ILLUSTRATIVE stamp a free upper one.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure of ``figsize`` inches.
    figsize : tuple of float, default (9, 7.5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map's Axes (lon/lat data coordinates). The inset is a child Axes
        with ``label="inset"``; the scale bar's artists have
        ``gid="scale_bar"``; the region labels ``gid="region_label"``.

    Raises
    ------
    OptionError
        For an unknown corner or a ``line`` that is neither a bool nor a
        GeoDataFrame in EPSG:4326.
    RegionNotFoundError
        For an unknown region.

    See Also
    --------
    plot_control : the statuses alone.
    explore : an interactive map.

    Notes
    -----
    Save with ``fig.savefig(path, dpi=200, bbox_inches="tight")`` so the
    caption below the map is kept.

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import plot_map
    >>> ax = plot_map(fl.load_sample(), "four", line=False)
    >>> sorted(t.get_text().splitlines()[0] for t in ax.texts
    ...        if t.get_gid() == "region_label")
    ['Donetsk', 'Kherson', 'Luhansk', 'Zaporizhzhia']
    """
    for name, loc in (("legend_loc", legend_loc), ("inset_loc", inset_loc)):
        if loc != "auto" and loc not in get_args(Corner):
            raise OptionError(
                f"unknown {name} {loc!r}; expected 'auto' or one of {get_args(Corner)}"
            )
    layer = as_layer(control)
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    context = _context_units(boundaries)
    table = control_table(layer, regions, boundaries=boundaries)
    lines = _front_line(layer, line, boundaries)

    ax = _new_axes(ax, figsize)
    extent = _extent(units)
    _add_polygons(
        ax,
        context.geometry,
        facecolor=HELD_COLOR,
        edgecolor=_CONTEXT_EDGE,
        linewidth=0.5,
        zorder=1,
    )
    plot_control(layer, ax=ax, zorder=2)
    _draw_outlines(ax, context, units, boundaries)
    _draw_line(ax, lines)
    _set_view(ax, extent)
    _style_map_axes(ax)

    rh = _russian_held(layer)
    show_inset = inset and _inset_useful(extent)
    content = shapely.union_all([*np.asarray(units.geometry.values, dtype=object), rh])
    corners = _plan_corners(
        extent,
        content,
        [
            ("legend", (0.36, 0.3), None, legend_loc, legend),
            ("inset", (0.3, 0.3), None, inset_loc, show_inset),
            (
                "stamp",
                (0.26, 0.1),
                _UPPER,
                "auto",
                bool(layer.attrs.get("illustrative")),
            ),
            ("scale_bar", (0.3, 0.1), _LOWER, "auto", scale_bar),
        ],
    )
    if labels:
        _region_labels(ax, units, table, decimals)
    if "legend" in corners:
        _map_legend(ax, layer, lines, extent, corners["legend"])
    if "scale_bar" in corners:
        _scale_bar(ax, corners["scale_bar"])
    if "inset" in corners:
        _inset(ax, rh, corners["inset"])
    if "stamp" in corners:
        _illustrative_stamp(ax, corners["stamp"])
    if title is None:
        title = f"Territorial control: {_selection_phrase(selection)}"
        title += f", {_date_text(layer.attrs.get('date'))}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT)
    if caption:
        _caption(
            ax,
            _map_caption(
                layer,
                table,
                selection,
                decimals,
                front=lines,
                line=_line_kinds(lines, shapely.box(*extent)),
            ),
        )
    return ax


def plot_change_map(
    before: str | Path | gpd.GeoDataFrame,
    after: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    labels: bool = True,
    legend: bool = True,
    scale_bar: bool = True,
    caption: bool = True,
    title: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    legend_loc: Corner | Literal["auto"] = "auto",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 7.5),
) -> Axes:
    """Map the area that changed hands between two control layers.

    ``gained`` is area Russian-held in ``after`` but not in ``before`` (a
    Russian advance, :data:`CHANGE_COLORS` red); ``lost`` is area
    Russian-held in ``before`` but not in ``after`` (blue). The rest of the
    Russian-held area of ``after`` is drawn pale for context. Changed areas
    get an outline in their own colour, so that slivers a few hundred metres
    wide stay visible at country scale.

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Control layers; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions to map; see :func:`plot_map`.
    labels : bool, default True
        Label each region with the km² gained and lost inside it.
    legend, scale_bar, caption : bool, default True
        Draw these parts; the legend gives the total km² gained and lost in
        the selected regions.
    title : str, optional
        The title; default: the two dates. ``""`` for none.
    boundaries : GeoDataFrame, optional
        Boundaries instead of the embedded ones.
    legend_loc : str, default "auto"
        The legend's corner (``upper left`` …); ``auto`` picks the one that
        covers least.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure of ``figsize`` inches.
    figsize : tuple of float, default (9, 7.5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map's Axes. The gained and lost collections have
        ``gid="gained"`` and ``gid="lost"``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> import frontline as fl
    >>> from frontline.plot import plot_change_map
    >>> a = fl.read_control(gpd.GeoDataFrame(
    ...     geometry=[shapely.box(37.5, 47.5, 38, 48)], crs=4326), date="2024-11-01")
    >>> b = fl.read_control(gpd.GeoDataFrame(
    ...     geometry=[shapely.box(37.4, 47.5, 38, 48)], crs=4326), date="2024-11-30")
    >>> ax = plot_change_map(a, b, "Donetsk", labels=False)
    >>> [c.get_gid() for c in ax.collections if c.get_gid()]
    ['gained']
    """
    from matplotlib.patches import Patch

    old, new = as_layer(before), as_layer(after)
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    context = _context_units(boundaries)
    rh_old, rh_new = _russian_held(old), _russian_held(new)
    gained = shapely.difference(rh_new, rh_old)
    lost = shapely.difference(rh_old, rh_new)
    inside = shapely.union_all(np.asarray(units.geometry.values, dtype=object))
    km2 = _overlay_km2(units, {"gained": gained, "lost": lost})
    totals = {
        "gained": float(area_km2(shapely.intersection(gained, inside))),
        "lost": float(area_km2(shapely.intersection(lost, inside))),
    }

    ax = _new_axes(ax, figsize)
    _add_polygons(
        ax,
        context.geometry,
        facecolor=HELD_COLOR,
        edgecolor=_CONTEXT_EDGE,
        linewidth=0.5,
        zorder=1,
    )
    if not rh_new.is_empty:
        _add_polygons(
            ax, [rh_new], facecolor="#F7C9B5", edgecolor="none", linewidth=0, zorder=2
        )
    for what, geom in (("gained", gained), ("lost", lost)):
        if geom.is_empty:
            continue
        _add_polygons(
            ax,
            [geom],
            facecolor=CHANGE_COLORS[what],
            edgecolor=CHANGE_COLORS[what],
            linewidth=0.8,
            zorder=4,
            gid=what,
        )
    _draw_outlines(ax, context, units, boundaries)
    extent = _extent(units)
    _set_view(ax, extent)
    _style_map_axes(ax)
    content = shapely.union_all([inside, rh_new, rh_old])
    corners = _plan_corners(
        extent,
        content,
        [
            ("legend", (0.4, 0.2), None, legend_loc, legend),
            ("scale_bar", (0.3, 0.1), _LOWER, "auto", scale_bar),
        ],
    )

    if labels:
        names = dict(zip(units.region_id, units.name, strict=True))
        texts = {
            rid: f"{names[rid]}\n+{km2.loc[rid, 'gained']:,.0f} / "
            f"−{km2.loc[rid, 'lost']:,.0f} km²"
            for rid in units.region_id
        }
        _place_labels(ax, units, texts)
    if legend:
        handles = [
            Patch(
                facecolor="#F7C9B5", label=f"Russian-held on {_date_text(_date(new))}"
            ),
            Patch(
                facecolor=CHANGE_COLORS["gained"],
                label=f"Became Russian-held: {totals['gained']:,.0f} km²",
            ),
            Patch(
                facecolor=CHANGE_COLORS["lost"],
                label=f"No longer Russian-held: {totals['lost']:,.0f} km²",
            ),
        ]
        ax.legend(handles=handles, loc=corners["legend"], **_legend_style())
    if scale_bar:
        _scale_bar(ax, corners["scale_bar"])
    if title is None:
        title = (
            f"Change in Russian-held territory, {_date_text(_date(old))} to "
            f"{_date_text(_date(new))}"
        )
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT)
    if caption:
        lines = [
            f"Km² in the legend are within {_selection_phrase(selection)}; "
            "labels: gained / lost per region. Geodesic areas (WGS84)."
        ]
        for layer, when in ((old, "Before"), (new, "After")):
            lines.append(f"{when}: {_source_text(layer)}")
        lines.append(_boundary_credit(boundaries))
        lines.extend(_extra_credits([old, new]))
        if old.attrs.get("illustrative") or new.attrs.get("illustrative"):
            lines.insert(0, "ILLUSTRATIVE data, not a survey.")
        _caption(ax, lines)
    return ax


# --------------------------------------------------------------- charts


def plot_shares(  # noqa: PLR0912, PLR0915 - one chart, many parts
    table: pd.DataFrame,
    *,
    decimals: int = 1,
    legend: bool = True,
    caption: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Bar chart of the Russian-held, contested and Ukrainian-held share of each row.

    One horizontal bar per row of a report table, top to bottom in table
    order: Russian-held (held before 2022 in a darker shade when the table
    separates it), contested hatched, Ukrainian-held pale. Where there is
    contested area, the Russian-held share is a range (Russian-held …
    Russian-held + contested), drawn as a bracket over the bar and printed at
    the right. Group rows (``four``, ``six`` …) are set on a shaded band in
    bold.

    Parameters
    ----------
    table : pandas.DataFrame
        A report table from :func:`frontline.control_table`: columns
        ``region_id``, ``name``, ``occupied_pct``, ``contested_pct``,
        ``held_pct``; ``occupied_before_2022_km2`` and ``area_km2`` are used
        when present.
    decimals : int, default 1
        Decimals of the printed percentages.
    legend, caption : bool, default True
        Draw the legend (below the bars) and the source caption (from the
        table's ``attrs``).
    title : str, optional
        Default: "Share of each region's area" and the date.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure (height grows with the rows).
    figsize : tuple of float, optional
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; bar segments are patches with ``gid`` set to
        ``occupied_before_2022``, ``occupied``, ``contested`` or ``held``.

    Raises
    ------
    OptionError
        If a required column is missing.

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import plot_shares
    >>> ax = plot_shares(fl.control_table(fl.load_sample(), "four"))
    >>> [t.get_text() for t in ax.get_yticklabels()][-1]
    'The four regions'
    """
    from matplotlib.patches import Patch

    need = ["region_id", "name", "occupied_pct", "contested_pct", "held_pct"]
    _require(table, need, "a report table from frontline.control_table")
    n = len(table)
    ax = _new_axes(ax, figsize or (8.0, 1.4 + 0.42 * n))
    rows = table.reset_index(drop=True)
    occ = rows.occupied_pct.to_numpy(dtype=float)
    cont = rows.contested_pct.to_numpy(dtype=float)
    held = rows.held_pct.to_numpy(dtype=float)
    if {"occupied_before_2022_km2", "area_km2"} <= set(rows.columns):
        pre = 100 * (
            rows.occupied_before_2022_km2.to_numpy(dtype=float)
            / rows.area_km2.to_numpy(dtype=float)
        )
        pre = np.minimum(pre, occ)
    else:
        pre = np.zeros(n)
    y = np.arange(n)
    height = 0.62
    segments = [
        ("occupied_before_2022", 0.0 * occ, pre),
        ("occupied", pre, occ - pre),
        ("contested", occ, cont),
        ("held", occ + cont, held),
    ]
    for gid, left, width in segments:
        style = _bar_style(gid)
        bars = ax.barh(y, width, left=left, height=height, **style)
        for patch in bars.patches:
            patch.set_gid(gid)
    groups = [i for i, rid in enumerate(rows.region_id) if not _UNIT_ID.match(rid)]
    for i in groups:
        ax.axhspan(i - 0.5, i + 0.5, color="#ECECEC", zorder=0, lw=0)
    if groups and groups[0] > 0:
        ax.axhline(groups[0] - 0.5, color="#9A9A9A", lw=0.8, zorder=0.5)
    fmt = f"{{:.{decimals}f}}"
    for i in range(n):
        if cont[i] > 0.5 * 10 ** (-decimals):
            lo, hi = occ[i], occ[i] + cont[i]
            ax.plot(
                [lo, lo, hi, hi],
                [i - 0.36, i - 0.42, i - 0.42, i - 0.36],
                color=_TEXT,
                lw=0.9,
                gid="range",
                solid_capstyle="butt",
            )
            value = f"{fmt.format(lo)}–{fmt.format(hi)}%"
        else:
            value = f"{fmt.format(occ[i])}%"
        ax.text(
            101.5,
            i,
            value,
            va="center",
            ha="left",
            fontsize=9,
            color=_TEXT,
            fontweight="bold" if i in groups else "normal",
            gid="value",
        )
    ax.set_yticks(
        y,
        [
            _row_name(rid, name)
            for rid, name in zip(rows.region_id, rows.name, strict=True)
        ],
    )
    for i, tick in enumerate(ax.get_yticklabels()):
        if i in groups:
            tick.set_fontweight("bold")
    ax.set_ylim(n - 0.5, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    ax.tick_params(axis="x", labelsize=8.5, colors=_MUTED)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#9A9A9A")
    ax.text(
        101.5,
        -0.5,
        "Russian-held",
        ha="left",
        va="bottom",
        fontsize=8,
        color=_MUTED,
        style="italic",
    )
    attrs = table.attrs
    if title is None:
        title = "Share of each region's area"
        if attrs.get("date"):
            title += f", {_date_text(attrs['date'])}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT)
    if legend:
        handles = []
        if (pre > 0).any():
            handles.append(
                Patch(
                    **_bar_style("occupied_before_2022"),
                    label="Russian-held before 2022",
                )
            )
            handles.append(
                Patch(**_bar_style("occupied"), label="Russian-held since 2022")
            )
        else:
            handles.append(Patch(**_bar_style("occupied"), label="Russian-held"))
        handles.append(Patch(**_bar_style("contested"), label="Contested"))
        handles.append(Patch(**_bar_style("held"), label="Ukrainian-held"))
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0, -0.04 - 0.25 / max(n, 1)),
            ncol=len(handles),
            frameon=False,
            fontsize=8.5,
            handlelength=1.4,
            columnspacing=1.2,
        )
    if caption and attrs.get("source"):
        lines = []
        if attrs.get("illustrative"):
            lines.append("ILLUSTRATIVE sample, not a survey.")
        lines.append(f"Control: {attrs['source']}.")
        if attrs.get("boundaries"):
            lines.append(_boundary_credit_text(str(attrs["boundaries"])))
        if attrs.get("basis") == "official":
            lines.append(
                "Km² scaled to official areas; shares are of the boundary polygons."
            )
        _caption(ax, lines, y=-0.12 - 0.6 / max(n, 1) if legend else -0.08)
    return ax


def plot_timeseries(  # noqa: PLR0912 - one chart, many parts
    series: pd.DataFrame,
    *,
    status: str = "russian_held",
    value: TimeseriesValue = "share_pct",
    regions: str | Iterable[str] | None = None,
    band: bool = True,
    legend: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 5.0),
) -> Axes:
    """Plot area or share over time, one line per region.

    Parameters
    ----------
    series : pandas.DataFrame
        A tidy time-series table (``frontline.timeseries``): columns
        ``date``, ``region_id``, ``status``, and ``value``; group rows
        (``four``, ``six``) are drawn as dark dashed lines.
    status : str, default "russian_held"
        ``russian_held`` sums both Russian-held statuses; or any status in
        the table.
    value : {"share_pct", "area_km2"}, default "share_pct"
        What to plot.
    regions : str or iterable of str, optional
        Plot only these regions (names, ids or group names as in the table).
    band : bool, default True
        With ``russian_held`` and contested rows in the table, shade the
        range Russian-held … Russian-held + contested.
    legend : bool, default True
        Draw a legend right of the plot.
    title : str, optional
        Default from the status and value.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    figsize : tuple of float, default (9, 5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; one :class:`~matplotlib.lines.Line2D` per region, labelled
        with the region's name.

    Raises
    ------
    OptionError
        For missing columns, an unknown ``value`` or a status absent from the
        table.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontline.plot import plot_timeseries
    >>> series = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-10-31", "2024-11-30"] * 2),
    ...     "region_id": ["UA-14", "UA-14", "UA-23", "UA-23"],
    ...     "status": "occupied", "area_km2": [17000.0, 17600, 19600, 19610],
    ...     "share_pct": [64.4, 66.6, 72.1, 72.2]})
    >>> [line.get_label() for line in plot_timeseries(series).get_lines()]
    ['Donetsk', 'Zaporizhzhia']
    """
    import matplotlib.dates as mdates

    if value not in get_args(TimeseriesValue):
        raise OptionError(
            f"unknown value {value!r}; expected one of {get_args(TimeseriesValue)}"
        )
    _require(
        series,
        ["date", "region_id", "status", value],
        "a tidy time series from frontline.timeseries",
    )
    table = series.assign(date=pd.to_datetime(series.date))
    wide = _status_values(table, status, value)
    if regions is not None:
        wide = wide[_pick_regions(wide.columns, regions)]
    contested = None
    if band and status == "russian_held" and (table.status == "contested").any():
        contested = _status_values(table, "contested", value).reindex(
            index=wide.index, columns=wide.columns, fill_value=0.0
        )
    ax = _new_axes(ax, figsize)
    units = [r for r in wide.columns if _UNIT_ID.match(str(r))]
    colors = _region_colors(units)
    banded = False
    groups = iter(_GROUP_STYLES * len(wide.columns))
    for rid in wide.columns:
        values = wide[rid]
        if rid in colors:
            style: dict[str, Any] = {"color": colors[rid], "lw": 1.8}
        else:
            color, dashes = next(groups)
            style = {"color": color, "lw": 2.2, "ls": dashes}
        ax.plot(wide.index, values, label=_row_name(str(rid)), **style)
        if contested is not None and contested[rid].gt(0).any():
            banded = True
            ax.fill_between(
                wide.index,
                values,
                values + contested[rid],
                color=style["color"],
                alpha=0.18,
                lw=0,
            )
    what = (
        "Russian-held"
        if status == "russian_held"
        else STATUS_LABELS.get(status, status)
    )
    ax.set_ylabel(
        f"{what}, % of region" if value == "share_pct" else f"{what}, km²",
        fontsize=9,
    )
    if value == "share_pct":
        ax.set_ylim(0, min(100, max(5.0, float(np.nanmax(wide.to_numpy())) * 1.08)))
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(_thousands())
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    )
    ax.grid(axis="y", color="#E3E3E3", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"{what} {'share' if value == 'share_pct' else 'area'} over time"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT)
    if legend:
        from matplotlib.patches import Patch

        handles, _labels = ax.get_legend_handles_labels()
        if banded:
            handles.append(
                Patch(facecolor="#BBBBBB", alpha=0.5, label="shaded: + contested")
            )
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=9,
        )
    return ax


def plot_changes(  # noqa: PLR0912, PLR0915 - one chart, many parts
    changes: pd.DataFrame,
    *,
    region: str | None = None,
    status: str = "russian_held",
    period: str | None = None,
    legend: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 5.0),
) -> Axes:
    """Diverging bars of the area gained and lost in each period.

    ``gained_km2`` (area that took on the status, e.g. became Russian-held)
    goes up, ``lost_km2`` goes down, and the net is marked by a black
    diamond. With one region the bars are red and blue
    (:data:`CHANGE_COLORS`); with several, each region's part is stacked in
    its own colour (group rows are left out so nothing counts twice). A table
    with the net only (gains and losses NaN, as ``changes`` gives from a
    time-series table) is drawn as net bars.

    Parameters
    ----------
    changes : pandas.DataFrame
        A change table (``frontline.changes``): ``region_id``,
        ``gained_km2``, ``lost_km2`` (positive numbers; the sign is ignored),
        optionally ``net_km2`` and ``status``, and a period column.
    region : str, optional
        Plot only this region (id or group name as in the table, or a region
        name).
    status : str, default "russian_held"
        When the table has a ``status`` column, plot the rows of this status.
    period : str, optional
        The period column; default: the first of ``period``, ``date``,
        ``date_after``, ``end`` present.
    legend : bool, default True
        Draw a legend.
    title : str, optional
        Default: "Gains and losses of Russian-held territory".
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    figsize : tuple of float, default (9, 5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; bar patches have ``gid`` ``gained``, ``lost`` or ``net``;
        the net markers are a line with ``gid="net"``.

    Raises
    ------
    OptionError
        For missing columns, a region or status absent from the table, or a
        table of several groups and no region.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontline.plot import plot_changes
    >>> changes = pd.DataFrame({"period": ["2024-10", "2024-11"],
    ...     "region_id": "UA-14", "gained_km2": [480.0, 600.0],
    ...     "lost_km2": [5.0, 12.0], "net_km2": [475.0, 588.0]})
    >>> ax = plot_changes(changes)
    >>> [round(p.get_height()) for p in ax.patches]
    [480, 600, -5, -12]
    """
    _require(
        changes,
        ["region_id", "gained_km2", "lost_km2"],
        "a change table from frontline.changes",
    )
    if period is None:
        found = [
            c for c in ("period", "date", "date_after", "end") if c in changes.columns
        ]
        if not found:
            raise OptionError(
                "cannot tell which column holds the period; pass period=..., one of "
                f"{list(changes.columns)}"
            )
        period = found[0]
    _require(changes, [period], "the period column")
    table = changes
    if "status" in table.columns:
        if status not in set(table.status):
            raise OptionError(
                f"status {status!r} is not in the change table; it holds "
                f"{sorted(set(table.status))}"
            )
        table = table[table.status == status]
    if region is not None:
        table = table[
            table.region_id.isin(_pick_regions(table.region_id.unique(), [region]))
        ]
    ids = list(dict.fromkeys(table.region_id))
    units = [r for r in ids if _UNIT_ID.match(str(r))]
    if len(ids) > 1 and units:
        ids = units
    elif len(ids) > 1:
        raise OptionError(
            f"the change table holds several groups {ids} and no single region; "
            "pick one with region=..."
        )
    table = table[table.region_id.isin(ids)]
    periods = list(dict.fromkeys(table[period]))
    x = np.arange(len(periods))
    gained = _by_period(table, period, "gained_km2", periods, ids)
    lost = _by_period(table, period, "lost_km2", periods, ids)
    if "net_km2" in table.columns:
        net_by = table.pivot_table(
            index=period, columns="region_id", values="net_km2", aggfunc="sum"
        )
        net = net_by.reindex(index=periods, columns=ids).sum(axis=1).to_numpy()
    else:
        net = (gained - lost).sum(axis=1).to_numpy()
    net_only = bool(table.gained_km2.isna().all() and table.lost_km2.isna().all())
    ax = _new_axes(ax, figsize)
    single = len(ids) == 1
    colors = _region_colors(ids)
    width = 0.7 if len(periods) > 1 else 0.4
    what = "Russian-held"
    if status != "russian_held":
        label = STATUS_LABELS.get(status, status)
        what = label[0].lower() + label[1:]
    took, gave = f"Became {what}", f"No longer {what}"
    if net_only:
        bars = ax.bar(
            x,
            net,
            width,
            color=[CHANGE_COLORS["gained" if v >= 0 else "lost"] for v in net],
            label="Net change",
        )
        for patch in bars.patches:
            patch.set_gid("net")
    else:
        up = np.zeros(len(periods))
        down = np.zeros(len(periods))
        for rid in ids:
            g = gained[rid].fillna(0.0).to_numpy()
            lo = lost[rid].fillna(0.0).to_numpy()
            name = _row_name(str(rid))
            for gid, values, bottom, label in (
                ("gained", g, up, took if single else name),
                ("lost", -lo, -down, gave if single else "_" + name),
            ):
                bars = ax.bar(
                    x,
                    values,
                    width,
                    bottom=bottom,
                    color=CHANGE_COLORS[gid] if single else colors[rid],
                    label=label,
                    edgecolor="white",
                    lw=0 if single else 0.4,
                )
                for patch in bars.patches:
                    patch.set_gid(gid)
            up += g
            down += lo
        ax.plot(
            x,
            net,
            ls="none",
            marker="D",
            ms=5,
            color=_TEXT,
            label="Net",
            gid="net",
            zorder=5,
        )
    ax.axhline(0, color=_TEXT, lw=0.8, zorder=4)
    ax.set_xticks(x, _period_labels(periods))
    step = max(1, math.ceil(len(periods) / 14))
    for i, tick in enumerate(ax.get_xticklabels()):
        tick.set_visible(i % step == 0)
    ax.tick_params(axis="x", labelsize=8.5, rotation=0 if len(periods) <= 8 else 45)
    ax.tick_params(axis="y", labelsize=8.5)
    ax.yaxis.set_major_formatter(_thousands(signed=True))
    ax.set_ylabel(f"km² that became {what} (+) / stopped being it (−)", fontsize=9)
    ax.grid(axis="y", color="#E3E3E3", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"Gains and losses of {what} territory"
        if single:
            title += f": {_row_name(str(ids[0]))}"
    if title:
        ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_TEXT)
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] == "Net")
        ax.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=9,
        )
    return ax


# ------------------------------------------------------ animation, web map


def animate(
    layers: Iterable[str | Path | gpd.GeoDataFrame],
    path: str | Path,
    regions: str | Iterable[str] = "six",
    *,
    fps: int = 2,
    dpi: int = 100,
    figsize: tuple[float, float] = (9.0, 7.5),
    **map_kwargs: Any,
) -> Path:
    """Write an animated map (GIF or MP4), one frame per control layer.

    Each frame is :func:`plot_map` of one layer on the same view. GIF is
    written with pillow (else ffmpeg), MP4 with ffmpeg. The file is written
    to a temporary file beside ``path`` and renamed into place, so a failure
    never leaves a partial file.

    Parameters
    ----------
    layers : iterable of path or GeoDataFrame
        Control layers, in frame order (e.g. one per week).
    path : str or Path
        Output file, ``.gif`` or ``.mp4``.
    regions : str or iterable of str, default "six"
        The regions to map.
    fps : int, default 2
        Frames per second (at least 1).
    dpi : int, default 100
        Resolution (the frame is ``figsize × dpi`` pixels).
    figsize : tuple of float, default (9, 7.5)
        Frame size in inches.
    **map_kwargs
        Passed to :func:`plot_map` (``line``, ``labels``, ``title`` …).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OptionError
        For an extension other than ``.gif``/``.mp4``, no layer, or an
        ``fps`` below 1.
    ImportError
        If no writer for the format is installed (pillow for GIF, ffmpeg for
        MP4); the message says how to install one.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".gif", ".mp4"}:
        raise OptionError(
            f"cannot animate to {target.name!r}: the extension must be .gif or .mp4"
        )
    if not isinstance(fps, int) or fps < 1:
        raise OptionError(
            f"fps must be a whole number of frames per second ≥ 1, got {fps!r}"
        )
    frames = [as_layer(layer) for layer in layers]
    if not frames:
        raise OptionError("animate needs at least one control layer; got none")
    writer = _writer(suffix, fps)

    fig = plt.figure(figsize=figsize, dpi=dpi)

    def draw(i: int) -> list[Artist]:
        fig.clear()
        ax = fig.add_axes((0.04, 0.16, 0.92, 0.76))
        plot_map(frames[i], regions, ax=ax, **map_kwargs)
        return []

    try:
        anim = animation.FuncAnimation(
            fig, draw, frames=len(frames), interval=1000 / fps, blit=False, repeat=False
        )
        with atomic_path(target, what="animation") as tmp:
            anim.save(tmp, writer=writer, dpi=dpi)
    finally:
        plt.close(fig)
    log.info("wrote %s (%d frames)", target, len(frames))
    return target


def explore(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    line: bool | gpd.GeoDataFrame = True,
    boundaries: gpd.GeoDataFrame | None = None,
    tiles: str = "OpenStreetMap",
    m: Any = None,
) -> Any:
    """Make an interactive web map (folium) of a control layer.

    The statuses in :data:`STATUS_COLORS` with a legend, the front line, and
    the selected regions with a popup each (name, Russian-held, contested and
    Ukrainian-held % and km²). Layers can be switched off; the sources and
    attributions are in a caption at the bottom left. Save it with
    ``m.save("map.html")``; in Jupyter it displays itself.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions outlined and given popups.
    line : bool or GeoDataFrame, default True
        The front line, as in :func:`plot_map`.
    boundaries : GeoDataFrame, optional
        Boundaries instead of the embedded ones.
    tiles : str, default "OpenStreetMap"
        The base map (any name folium or xyzservices knows).
    m : folium.Map, optional
        Add to this map instead of a new one.

    Returns
    -------
    folium.Map
        The map.

    Raises
    ------
    ImportError
        If folium or mapclassify is not installed (``pip install
        "frontline[explore]"``).
    """
    try:
        import folium

        if find_spec("mapclassify") is None:  # GeoDataFrame.explore needs it
            raise ImportError("No module named 'mapclassify'")
    except ImportError as exc:
        raise ImportError(
            "frontline.plot.explore needs folium and mapclassify; install them "
            'with pip install "frontline[explore]" (or pip install folium mapclassify)'
        ) from exc
    layer = as_layer(control)
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    table = control_table(layer, regions, boundaries=boundaries)
    lines = _front_line(layer, line, boundaries)

    present = [s for s in _DRAW_ORDER if (layer.status == s).any()]
    shown = layer[layer.status.isin(present)][["status", "geometry"]].copy()
    shown["status_label"] = shown.status.map(_status_labels(layer))
    if m is None:
        m = folium.Map(tiles=tiles, control_scale=True)
    shown.explore(
        m=m,
        column="status",
        categories=present,
        cmap=[STATUS_COLORS[s] for s in present],
        legend=True,
        legend_kwds={
            "caption": "Control",
            "labels": [_status_labels(layer)[s] for s in present],
        },
        tooltip=["status_label"],
        tooltip_kwds={"labels": False},
        style_kwds={"fillOpacity": 0.75, "weight": 0},
        name="Control",
    )
    if lines is not None and not lines.empty:
        lines[[lines.geometry.name]].explore(
            m=m,
            color=_LINE_COLOR,
            style_kwds={"weight": 2},
            name="Front line",
            tooltip=False,
        )
    info = units[["region_id", "name", "geometry"]].merge(
        table[
            [
                "region_id",
                "occupied_km2",
                "contested_km2",
                "held_km2",
                "occupied_pct",
                "contested_pct",
                "held_pct",
            ]
        ],
        on="region_id",
    )
    for col in info.columns:
        if col.endswith("_pct"):
            info[col] = info[col].round(1)
        elif col.endswith("_km2"):
            info[col] = info[col].round(0)
    info = info.rename(
        columns={
            "occupied_pct": "Russian-held %",
            "contested_pct": "contested %",
            "held_pct": "Ukrainian-held %",
            "occupied_km2": "Russian-held km²",
            "contested_km2": "contested km²",
            "held_km2": "Ukrainian-held km²",
        }
    )
    info.explore(
        m=m,
        color=_UNIT_EDGE,
        style_kwds={"fillOpacity": 0.0, "weight": 1.5},
        tooltip=["name", "Russian-held %"],
        popup=[c for c in info.columns if c not in {"geometry"}],
        name="Regions",
    )
    x0, y0, x1, y1 = units.total_bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
    folium.LayerControl(collapsed=True).add_to(m)
    credits = [f"Control: {_source_text(layer)}", _boundary_credit(boundaries)]
    credits += _extra_credits([layer])
    if layer.attrs.get("illustrative"):
        credits.insert(0, "<b>ILLUSTRATIVE sample, not a survey.</b>")
    html = (
        '<div style="position: fixed; bottom: 18px; left: 8px; z-index: 9999; '
        "max-width: 45%; background: rgba(255,255,255,0.85); padding: 4px 6px; "
        'font: 11px sans-serif; color: #222;">' + "<br>".join(credits) + "</div>"
    )
    m.get_root().html.add_child(folium.Element(html))
    return m


# -------------------------------------------------------------- helpers


def _add_polygons(ax: Axes, geoms: Iterable[Any], **style: Any) -> Any:
    """Add (Multi)Polygons as one PatchCollection, as geopandas does.

    Unlike ``GeoSeries.plot`` this does not redraw the whole figure after each
    layer (geopandas calls ``plt.draw()``), which makes maps several times
    faster to build.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    patches = []
    # Normalised as geopandas does: exteriors clockwise, holes anticlockwise
    # (so holes stay holes), each ring starting at the same vertex.
    for geom in shapely.normalize(np.asarray(list(geoms), dtype=object)):
        if geom is None or geom.is_empty:
            continue
        rings = []
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) != _POLYGON_TYPE or part.is_empty:
                continue
            rings.append(MplPath(np.asarray(part.exterior.coords)[:, :2], closed=True))
            rings.extend(
                MplPath(np.asarray(ring.coords)[:, :2], closed=True)
                for ring in part.interiors
            )
        if rings:
            patches.append(PathPatch(MplPath.make_compound_path(*rings)))
    collection = PatchCollection(patches, **style)
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def _add_lines(ax: Axes, geoms: Iterable[Any], **style: Any) -> Any:
    """Add (Multi)LineStrings as one LineCollection, as geopandas does."""
    from matplotlib.collections import LineCollection

    segments = [
        np.asarray(part.coords)[:, :2]
        for geom in shapely.normalize(np.asarray(list(geoms), dtype=object))
        if geom is not None and not geom.is_empty
        for part in shapely.get_parts(geom)
        if not part.is_empty
    ]
    collection = LineCollection(segments, **style)
    ax.add_collection(collection, autolim=True)
    ax.autoscale_view()
    return collection


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig: Figure = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def _status_style(status: str) -> dict[str, Any]:
    if status == "contested":
        return {
            "facecolor": STATUS_COLORS[status],
            "edgecolor": _CONTESTED_EDGE,
            "linewidth": 0,
            "hatch": _CONTESTED_HATCH,
        }
    return {"facecolor": STATUS_COLORS[status], "edgecolor": "none", "linewidth": 0}


def _bar_style(gid: str) -> dict[str, Any]:
    if gid == "held":
        return {"facecolor": HELD_COLOR, "edgecolor": "#BFB8A8", "linewidth": 0.6}
    if gid == "contested":
        return {
            "facecolor": STATUS_COLORS["contested"],
            "edgecolor": _CONTESTED_EDGE,
            "linewidth": 0,
            "hatch": _CONTESTED_HATCH,
        }
    return {"facecolor": STATUS_COLORS[gid], "edgecolor": "none", "linewidth": 0}


def _status_labels(layer: gpd.GeoDataFrame) -> dict[str, str]:
    """Legend texts; "Russian-held" alone when the layer does not split dates."""
    labels = dict(STATUS_LABELS)
    if not (layer.status == "occupied_before_2022").any():
        labels["occupied"] = "Russian-held"
    return labels


def _legend_style() -> dict[str, Any]:
    return {
        "fontsize": 8.5,
        "frameon": True,
        "framealpha": 0.95,
        "edgecolor": "#CCCCCC",
        "fancybox": False,
        "borderpad": 0.6,
        "handlelength": 1.6,
        "handleheight": 1.1,
    }


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = region_names()
    return dict(zip(names.region_id, names.name, strict=True))


def _row_name(region_id: str, name: str | None = None) -> str:
    if region_id in _GROUP_NAMES:
        return _GROUP_NAMES[region_id]
    if name is not None and _UNIT_ID.match(region_id):
        return name
    return _names().get(region_id, name if name is not None else region_id)


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise OptionError(
            f"missing column(s) {missing}: expected {what} with columns "
            f"{list(columns)}; got {list(table.columns)}"
        )


def _context_units(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if boundaries is None:
        return load_regions("all")
    return check_boundaries(boundaries)


def _draw_outlines(
    ax: Axes,
    context: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
) -> None:
    """Other units thin and light, the selected ones dark, Ukraine's edge grey."""
    _add_lines(ax, context.boundary, color=_CONTEXT_EDGE, linewidth=0.5, zorder=3)
    if boundaries is None:
        outline = ukraine_outline()
    else:
        outline = shapely.union_all(np.asarray(context.geometry.values, dtype=object))
    _add_lines(
        ax, [shapely.boundary(outline)], color="#7A7A7A", linewidth=0.9, zorder=3.05
    )
    _add_lines(ax, units.boundary, color=_UNIT_EDGE, linewidth=1.0, zorder=3.1)


def _extent(units: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in units.total_bounds)
    pad_x = max(0.06 * (x1 - x0), 0.15)
    pad_y = max(0.06 * (y1 - y0), 0.1)
    return x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y


def _set_view(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))


def _style_map_axes(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_color("#9A9A9A")
        spine.set_linewidth(0.8)


def _front_line(
    layer: gpd.GeoDataFrame,
    line: bool | gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame | None:
    import geopandas as gpd

    if isinstance(line, gpd.GeoDataFrame):
        if line.crs is None or not line.crs.equals("EPSG:4326"):
            raise OptionError(
                f"line must be in EPSG:4326 like the map, got {line.crs}; reproject "
                "it with line.to_crs('EPSG:4326')"
            )
        return line
    if line is False:
        return None
    if line is not True:
        raise OptionError(
            f"line must be True, False or a GeoDataFrame of lines, got "
            f"{type(line).__name__}"
        )
    extra = {} if boundaries is None else {"boundaries": boundaries}
    result: gpd.GeoDataFrame = front_line(layer, **extra)
    return result


def _draw_line(ax: Axes, lines: gpd.GeoDataFrame | None) -> dict[str, bool]:
    """Draw the front line (river segments dashed); say which kinds were drawn."""
    drawn = _line_kinds(lines)
    if lines is None or not (drawn["land"] or drawn["river"]):
        return drawn
    river = _river_mask(lines)
    if drawn["land"]:
        _add_lines(
            ax,
            lines.geometry[~river],
            color=_LINE_COLOR,
            linewidth=1.6,
            zorder=4,
            gid="front_line",
        )
    if drawn["river"]:
        _add_lines(
            ax,
            lines.geometry[river],
            color=_LINE_COLOR,
            linewidth=1.2,
            linestyle=(0, (3, 2)),
            zorder=4,
            gid="front_line_river",
        )
    return drawn


def _map_legend(
    ax: Axes,
    layer: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame | None,
    extent: tuple[float, float, float, float],
    loc: Any,
) -> None:
    """Legend of what is in view: statuses, Ukrainian-held land, line kinds."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    view = shapely.box(*extent)
    labels = _status_labels(layer)
    # Only statuses with a visible part (a few pixels) in view.
    inside = shapely.area(
        shapely.intersection(np.asarray(layer.geometry.values, dtype=object), view)
    )
    seen = set(layer.status[inside > 5e-5 * view.area])
    handles: list[Any] = [
        Patch(**_status_style(s), label=labels[s])
        for s in ("occupied", "occupied_before_2022", "contested", "liberated")
        if s in seen
    ]
    handles.append(
        Patch(facecolor=HELD_COLOR, edgecolor="#BFB8A8", lw=0.6, label="Ukrainian-held")
    )
    kinds = _line_kinds(lines, view)
    if kinds["land"]:
        handles.append(Line2D([], [], color=_LINE_COLOR, lw=1.6, label="Front line"))
    if kinds["river"]:
        handles.append(
            Line2D(
                [],
                [],
                color=_LINE_COLOR,
                lw=1.2,
                ls=(0, (3, 2)),
                label="Front line along a river",
            )
        )
    ax.legend(handles=handles, loc=loc, **_legend_style())


def _line_kinds(
    lines: gpd.GeoDataFrame | None, view: Geometry | None = None
) -> dict[str, bool]:
    """Which kinds of front-line segment (land, river) there are (in view)."""
    if lines is None or lines.empty:
        return {"land": False, "river": False}
    river = _river_mask(lines)
    hit = (
        np.ones(len(lines), dtype=bool)
        if view is None
        else lines.geometry.intersects(view).to_numpy()
    )
    return {"land": bool((hit & ~river).any()), "river": bool((hit & river).any())}


def _river_mask(lines: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    if "river" not in lines.columns:
        return np.zeros(len(lines), dtype=bool)
    return np.asarray(lines["river"].fillna(False), dtype=bool)


def _plan_corners(
    extent: tuple[float, float, float, float],
    content: Geometry,
    items: list[tuple[str, tuple[float, float], tuple[str, ...] | None, str, bool]],
) -> dict[str, Any]:
    """Give each map furniture a corner, where it covers the least content.

    ``items`` are (name, (width, height) as fractions of the view, allowed
    corners or None, fixed corner or "auto", wanted), in priority order. The
    score is the overlap with ``content`` in squared degrees: a ranking of
    corners within one map, not an area.
    """
    x0, y0, x1, y1 = extent
    dx, dy = x1 - x0, y1 - y0
    corners: dict[str, Any] = {}
    taken = {loc for name, _s, _a, loc, want in items if want and loc != "auto"}
    for name, (w, h), allowed, loc, want in items:
        if not want:
            continue
        if loc != "auto":
            corners[name] = loc
            continue
        free = [c for c in get_args(Corner) if c not in taken]
        choices = (
            [c for c in free if allowed is None or c in allowed]
            or free
            or list(allowed or get_args(Corner))
        )

        def score(corner: str, w: float = w, h: float = h) -> float:
            bx0 = x0 if "left" in corner else x1 - w * dx
            by0 = y0 if "lower" in corner else y1 - h * dy
            box = shapely.box(bx0, by0, bx0 + w * dx, by0 + h * dy)
            return float(shapely.area(shapely.intersection(content, box)))

        best = min(choices, key=score)
        corners[name] = best
        taken.add(best)
    return corners


def _label_point(geom: Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part, in a locally true-scale frame."""
    parts = list(getattr(geom, "geoms", [geom]))
    lat0 = (geom.bounds[1] + geom.bounds[3]) / 2
    k = math.cos(math.radians(lat0))
    scaled = [shapely.transform(p, lambda xy: xy * [k, 1.0]) for p in parts]
    biggest = max(scaled, key=lambda p: p.area)
    point = polylabel(biggest, tolerance=0.01)
    return point.x / k, point.y


def _region_labels(
    ax: Axes, units: gpd.GeoDataFrame, table: pd.DataFrame, decimals: int
) -> None:
    """Name and Russian-held share; terse when there are many units."""
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
    _place_labels(ax, units, texts, fontsize=7.5 if compact else 8.5)


def _share_text(row: pd.Series, decimals: int, *, suffix: bool = True) -> str:
    fmt = f"{{:.{decimals}f}}"
    occ, cont = float(row["occupied_pct"]), float(row["contested_pct"])
    end = "% Russian-held" if suffix else "%"
    if cont >= 0.5 * 10 ** (-decimals):
        return f"{fmt.format(occ)}–{fmt.format(occ + cont)}{end}"
    return f"{fmt.format(occ)}{end}"


def _place_labels(
    ax: Axes, units: gpd.GeoDataFrame, texts: dict[str, str], fontsize: float = 8.5
) -> None:
    """Write a label per unit at its pole of inaccessibility, then separate overlaps."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    artists = []
    for rid, geom in zip(units.region_id, units.geometry, strict=True):
        x, y = _label_point(geom)
        text = ax.text(
            x,
            y,
            texts[rid],
            ha="center",
            va="center",
            fontsize=fontsize,
            color=_TEXT,
            linespacing=1.25,
            zorder=6,
            gid="region_label",
            path_effects=halo,
        )
        artists.append(text)
    _separate(ax, artists)


def _separate(ax: Axes, texts: list[Any], rounds: int = 40) -> None:
    """Push overlapping labels apart vertically (display space), a few rounds."""
    if len(texts) < 2:
        return
    fig = ax.get_figure()
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    inv = ax.transData.inverted()
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer).expanded(1.04, 1.1) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                if not a.overlaps(b):
                    continue
                dy = (min(a.y1, b.y1) - max(a.y0, b.y0)) / 2 + 1
                up, down = (i, j) if a.y0 + a.y1 >= b.y0 + b.y1 else (j, i)
                for k, sign in ((up, 1), (down, -1)):
                    x, y = texts[k].get_position()
                    disp = ax.transData.transform((x, y))
                    texts[k].set_position(
                        tuple(inv.transform((disp[0], disp[1] + sign * dy)))
                    )
                moved = True
        if not moved:
            return


def _scale_bar(ax: Axes, corner: str) -> None:
    """Draw a metric scale bar, true along the parallel it is drawn on (WGS84)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = y0 + 0.06 * (y1 - y0) if "lower" in corner else y1 - 0.1 * (y1 - y0)
    km_per_deg = _km_per_degree_lon(lat)
    target = 0.22 * (x1 - x0) * km_per_deg
    length = _nice(target)
    dlon = length / km_per_deg
    left = x0 + 0.04 * (x1 - x0) if "left" in corner else x1 - 0.07 * (x1 - x0) - dlon
    tick = 0.012 * (y1 - y0)
    style: dict[str, Any] = {
        "color": _TEXT,
        "lw": 1.2,
        "gid": "scale_bar",
        "zorder": 7,
        "solid_capstyle": "butt",
    }
    ax.plot([left, left + dlon], [lat, lat], **style)
    for frac in (0, 0.5, 1):
        ax.plot([left + frac * dlon] * 2, [lat, lat + tick], **style)
    label = f"{length:g} km"
    for frac, text in ((0, "0"), (0.5, f"{length / 2:g}"), (1, label)):
        ax.text(
            left + frac * dlon,
            lat + 1.6 * tick,
            text,
            ha="center" if frac < 1 else "left",
            va="bottom",
            fontsize=7.5,
            color=_TEXT,
            gid="scale_bar",
            zorder=7,
        )


def _km_per_degree_lon(lat: float) -> float:
    """Length of one degree of longitude along a parallel of WGS84, km."""
    phi = math.radians(lat)
    radius = _WGS84_A * math.cos(phi) / math.sqrt(1 - _WGS84_E2 * math.sin(phi) ** 2)
    return radius * math.pi / 180 / 1000


def _nice(value: float) -> float:
    """Largest 1, 2, 2.5 or 5 × 10ⁿ not above ``value``."""
    exp = 10 ** math.floor(math.log10(value))
    return float(max(m * exp for m in _NICE if m * exp <= value))


def _inset_useful(extent: tuple[float, float, float, float]) -> bool:
    """Tell whether an inset helps: not if the map shows (most of) Ukraine."""
    ux0, uy0, ux1, uy1 = ukraine_outline().bounds
    x0, y0, x1, y1 = extent
    return bool((x1 - x0) * (y1 - y0) < 0.7 * (ux1 - ux0) * (uy1 - uy0))


def _inset(ax: Axes, rh: Geometry, corner: str) -> None:
    """Draw a small map of Ukraine and the Russian-held area, the view outlined."""
    from matplotlib.patches import Rectangle

    outline = ukraine_outline()
    ux0, uy0, ux1, uy1 = outline.bounds
    vx0, vx1 = ax.get_xlim()
    vy0, vy1 = ax.get_ylim()
    pad_deg = 0.4
    ix0, iy0 = min(ux0, vx0) - pad_deg, min(uy0, vy0) - pad_deg
    ix1, iy1 = max(ux1, vx1) + pad_deg, max(uy1, vy1) + pad_deg
    size = 0.27
    k = math.cos(math.radians((iy0 + iy1) / 2))
    aspect = (iy1 - iy0) / ((ix1 - ix0) * k)
    ax_k = math.cos(math.radians((vy0 + vy1) / 2))
    box_aspect = (vy1 - vy0) / ((vx1 - vx0) * ax_k)
    w, h = size, size * aspect / box_aspect
    pad = 0.015
    x = pad if "left" in corner else 1 - pad - w
    y = pad if "lower" in corner else 1 - pad - h
    inset = ax.inset_axes((x, y, w, h), label="inset")
    _add_polygons(
        inset, [outline], facecolor=HELD_COLOR, edgecolor="#777777", linewidth=0.5
    )
    if not rh.is_empty:
        _add_polygons(
            inset, [rh], facecolor=STATUS_COLORS["occupied"], edgecolor="none", lw=0
        )
    inset.add_patch(
        Rectangle(
            (vx0, vy0),
            vx1 - vx0,
            vy1 - vy0,
            fill=False,
            edgecolor=_TEXT,
            lw=1.0,
            gid="view",
        )
    )
    inset.set_xlim(ix0, ix1)
    inset.set_ylim(iy0, iy1)
    inset.set_aspect(1 / k)
    _style_map_axes(inset)
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)


def _illustrative_stamp(ax: Axes, corner: str) -> None:
    right = "right" in corner
    ax.text(
        0.985 if right else 0.015,
        0.985,
        "ILLUSTRATIVE SAMPLE\nnot a survey",
        transform=ax.transAxes,
        ha="right" if right else "left",
        va="top",
        fontsize=8.5,
        fontweight="bold",
        color=_ALERT,
        linespacing=1.2,
        gid="illustrative",
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": _ALERT, "lw": 0.8, "pad": 3},
    )


def _russian_held(layer: gpd.GeoDataFrame) -> Geometry:
    mask = layer.status.isin(RUSSIAN_HELD).to_numpy()
    geoms = np.asarray(layer.geometry.values[mask], dtype=object)
    if not len(geoms):
        return shapely.Polygon()
    result: Geometry = shapely.union_all(geoms)
    return result


def _date(layer: gpd.GeoDataFrame) -> dt.date | None:
    value = layer.attrs.get("date")
    return value if isinstance(value, dt.date) else None


def _date_text(value: object) -> str:
    """Format a date as "20 November 2024" (ISO strings too)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return "date unknown"


def _selection_phrase(selection: Any) -> str:
    ids = tuple(selection.ids)
    for group, phrase in (
        ("all", "Ukraine"),
        ("six", "six regions of eastern and southern Ukraine"),
        ("four", "Donetsk, Luhansk, Zaporizhzhia and Kherson"),
    ):
        members = selection.groups.get(group)
        if members is not None and tuple(members) == ids:
            return phrase
    names = [_names()[r] for r in ids]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} regions of Ukraine"


def _source_text(layer: gpd.GeoDataFrame) -> str:
    source = str(layer.attrs.get("source") or "unknown source")
    return f"{source.rstrip('.')}; situation on {_date_text(layer.attrs.get('date'))}."


def _boundary_credit_text(boundaries: str) -> str:
    if boundaries.startswith("Natural Earth"):
        return "Boundaries: made with Natural Earth (10m admin-1, public domain)."
    return f"Boundaries: {boundaries.rstrip('.')}."


def _boundary_credit(boundaries: gpd.GeoDataFrame | None) -> str:
    if boundaries is None:
        return _boundary_credit_text(BOUNDARY_SOURCE)
    checked = check_boundaries(boundaries)
    return _boundary_credit_text(
        str(checked.attrs.get("boundary_source", "user-supplied boundaries"))
    )


def _extra_credits(layers: Sequence[gpd.GeoDataFrame]) -> list[str]:
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


def _map_caption(
    layer: gpd.GeoDataFrame,
    table: pd.DataFrame,
    selection: Any,
    decimals: int,
    *,
    front: gpd.GeoDataFrame | None,
    line: dict[str, bool],
) -> list[str]:
    rows = table.set_index("region_id")
    shares = [
        f"{_share_text(rows.loc[g], decimals, suffix=False)} of "
        f"{_GROUP_PHRASES.get(g, g)}"
        for g in selection.groups
        if g in rows.index
    ]
    lines = []
    if layer.attrs.get("illustrative"):
        lines.append(
            "ILLUSTRATIVE sample, not a survey: good to a few percentage points per "
            "region."
        )
    first = "Labels: Russian-held share of each region's area (on the WGS84 ellipsoid)"
    if shares:
        first += "; Russian-held in total: " + ", ".join(shares)
    lines.append(first + ".")
    lines.append(f"Control: {_source_text(layer)}")
    if line["land"] or line["river"]:
        lines.append(_line_credit(front, line))
    lines.append(_boundary_credit_text(str(table.attrs.get("boundaries", ""))))
    lines.extend(_extra_credits([layer]))
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
    if "tolerance_km" in attrs:
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


def _caption(ax: Axes, lines: list[str], y: float = -0.015) -> None:
    """Write wrapped caption lines under the Axes."""
    fig = ax.get_figure()
    assert fig is not None
    ax.apply_aspect()
    width_in = ax.get_position().width * fig.bbox.width / fig.dpi
    chars = max(40, int(width_in * 72 / (7.5 * 0.5)))
    wrapped = "\n".join(textwrap.fill(line, chars) for line in lines)
    ax.text(
        0,
        y,
        wrapped,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=7.5,
        color=_MUTED,
        linespacing=1.35,
        gid="caption",
    )


def _status_values(table: pd.DataFrame, status: str, value: str) -> pd.DataFrame:
    """Wide frame (date × region_id) of one status, or of both Russian-held ones."""
    available = sorted(set(table.status))
    if status in available or status != "russian_held":
        statuses = [status]
    else:
        statuses = list(RUSSIAN_HELD)
    if not set(statuses) & set(available):
        raise OptionError(
            f"status {status!r} is not in the time series; it holds {available} "
            "(or use 'russian_held' for both Russian-held statuses)"
        )
    part = table[table.status.isin(statuses)]
    wide = part.pivot_table(
        index="date", columns="region_id", values=value, aggfunc="sum", sort=False
    )
    order = list(dict.fromkeys(table.region_id))
    return wide.sort_index()[[r for r in order if r in wide.columns]]


def _pick_regions(available: Iterable[Any], wanted: str | Iterable[str]) -> list[Any]:
    have = list(available)
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    picked: list[Any] = []
    for item in items:
        if item in have:
            picked.append(item)
            continue
        try:
            rid = resolve_region(item)
        except KeyError:
            rid = None
        if rid is None or rid not in have:
            raise OptionError(f"region {item!r} is not in the table; it holds {have}")
        picked.append(rid)
    return list(dict.fromkeys(picked))


def _region_colors(ids: Sequence[Any]) -> dict[Any, str]:
    if len(ids) <= len(_SERIES_COLORS):
        palette: Sequence[str] = _SERIES_COLORS
    else:
        import matplotlib as mpl
        from matplotlib.colors import to_hex

        cmap = mpl.colormaps["tab20"]
        palette = [to_hex(cmap(i % 20)) for i in range(len(ids))]
    return {rid: palette[i % len(palette)] for i, rid in enumerate(ids)}


def _by_period(
    table: pd.DataFrame, period: str, column: str, periods: list[Any], ids: list[Any]
) -> pd.DataFrame:
    wide = table.pivot_table(
        index=period, columns="region_id", values=column, aggfunc="sum", sort=False
    ).abs()
    return wide.reindex(index=periods, columns=ids, fill_value=0.0).fillna(0.0)


def _period_labels(periods: Sequence[Any]) -> list[str]:
    """Tick labels: "Nov 2024" for months, ISO dates otherwise."""
    stamps = []
    for value in periods:
        if isinstance(value, pd.Period):
            return [str(p) for p in periods]
        try:
            stamps.append(pd.Timestamp(value))
        except (TypeError, ValueError):
            return [str(p) for p in periods]
    if all(t.day == 1 and t == t.normalize() for t in stamps) and len(
        {(t.year, t.month) for t in stamps}
    ) == len(stamps):
        return [f"{t:%b %Y}" for t in stamps]
    return [f"{t:%Y-%m-%d}" for t in stamps]


def _thousands(*, signed: bool = False) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int | None = None) -> str:
        text = f"{abs(x):,.0f}"
        if signed and x > 0:
            return "+" + text
        if x < 0:
            return "−" + text
        return text

    return FuncFormatter(fmt)


def _writer(suffix: str, fps: int) -> Any:
    from matplotlib import animation

    order = ["pillow", "ffmpeg"] if suffix == ".gif" else ["ffmpeg"]
    for name in order:
        if animation.writers.is_available(name):
            return animation.writers[name](fps=fps)
    if suffix == ".gif":
        raise ImportError(
            "writing a GIF needs pillow (pip install pillow) or ffmpeg on the PATH "
            "(apt install ffmpeg / conda install ffmpeg)"
        )
    raise ImportError(
        "writing an MP4 needs ffmpeg on the PATH: install it with apt install ffmpeg "
        "or conda install ffmpeg (or pip install imageio-ffmpeg and set "
        "matplotlib.rcParams['animation.ffmpeg_path']), or write a .gif instead"
    )
