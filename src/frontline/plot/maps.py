"""Maps: control layers, the map a reader expects, change between dates.

Every ``plot_*`` function follows geopandas' ``plot_dataframe``: it takes
``ax=None`` (a new figure is made only when no Axes is given), draws, and
returns the :class:`~matplotlib.axes.Axes`. Nothing is shown or saved.
matplotlib is imported inside the functions.

Maps are drawn in longitude/latitude (EPSG:4326), so anything else in lon/lat
can be drawn on the returned Axes. The aspect ratio is ``1/cos(φ)`` at the
middle latitude of the view (an equirectangular projection true to scale along
that parallel); the scale bar is measured on the WGS84 ellipsoid along the
parallel where it is drawn.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

import shapely

from frontline import _validate
from frontline.areas import _overlay_km2, area_km2
from frontline.control import as_layer
from frontline.errors import OptionError
from frontline.plot._caption import (
    MADE_WITH,
    CaptionMode,
    caption_mode,
    check_credit,
    draw_caption,
    draw_title,
    extra_credits,
    has_range,
    illustrative_stamp,
    map_caption,
    merge_credits,
    place_credits,
    region_labels,
    selection_phrase,
    short_source,
    source_text,
    tolerance_text,
)
from frontline.plot._context import (
    draw_context,
    draw_towns,
    town_candidates,
    town_count,
)
from frontline.plot._parts import (
    _add_lines,
    add_polygons,
    context_outline,
    context_units,
    date_text,
    draw_inset,
    draw_line,
    draw_outlines,
    draw_scale_bar,
    drawable,
    inset_useful,
    layer_date,
    line_kinds,
    map_extent,
    map_legend,
    new_axes,
    place_labels,
    plan_corners,
    resolve_line,
    russian_held,
    set_view,
    status_shapes,
    style_map_axes,
)
from frontline.plot._style import (
    CHANGE_COLORS,
    CONTEXT_EDGE,
    HELD_COLOR,
    LOWER,
    UNIT_EDGE,
    UPPER,
    Corner,
    legend_style,
    status_style,
)
from frontline.plot._zones import (
    draw_choropleth,
    fitted_labels,
    share_text,
    zone_caption,
    zone_legend,
)
from frontline.regions import (
    load_regions,
    resolve_regions,
)
from frontline.report import control_table
from frontline.status import RUSSIAN_HELD
from frontline.tolerance import (
    Tolerance,
    check_tolerance,
    close_gaps,
    denoise_change,
)
from frontline.zones import UnitSet, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from matplotlib.axes import Axes

    import geopandas as gpd

    from frontline.report import Basis

__all__ = ["plot_change_map", "plot_control", "plot_map"]

log = logging.getLogger(__name__)


def plot_control(
    control: str | Path | gpd.GeoDataFrame,
    *,
    ax: Axes | None = None,
    tolerance: Tolerance | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw a control layer's statuses in frontline's palette.

    The building block of :func:`plot_map`: one collection per status present,
    drawn in the order liberated, contested, occupied, occupied before 2022,
    filled with :data:`STATUS_COLORS` (contested hatched), no outline. The
    features of each status are dissolved, with hairline gaps between them
    closed, so that no seam shows where two features meet.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    tolerance : Tolerance, optional
        The gaps closed (:class:`frontline.tolerance.Tolerance`, its
        ``gap_m``; default 5 m).
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
    tol = check_tolerance(tolerance)
    layer = as_layer(control)
    ax = new_axes(ax, (7, 6))
    _draw_statuses(ax, status_shapes(layer, tol=tol), tol, **kwargs)
    if ax.get_aspect() == "auto" and not layer.empty:
        _, y0, _, y1 = layer.total_bounds
        ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    return ax


def _base_map(
    ax: Axes | None,
    figsize: tuple[float, float],
    units: gpd.GeoDataFrame,
    context_gdf: gpd.GeoDataFrame,
    *,
    context: bool,
) -> tuple[Axes, tuple[float, float, float, float]]:
    """Axes framed on ``units``: sea and neighbours (``context``), the units' land.

    The land of the units in view is filled Ukrainian-held; the statuses,
    changes or shares are drawn over it.
    """
    ax = new_axes(ax, figsize)
    extent = map_extent(units)
    set_view(ax, extent)
    style_map_axes(ax)
    if context:
        draw_context(ax, extent)
    add_polygons(
        ax,
        context_gdf.geometry,
        facecolor=HELD_COLOR,
        edgecolor=CONTEXT_EDGE,
        linewidth=0.5,
        zorder=1,
    )
    return ax, extent


def _draw_statuses(
    ax: Axes, shapes: dict[str, Any], tol: Tolerance, **kwargs: Any
) -> None:
    """Draw the statuses' shapes; both Russian-held ones without a seam.

    Where a map has both Russian-held statuses, ``occupied`` is drawn as the
    whole Russian-held area (gaps between the two closed) and
    ``occupied_before_2022`` over it: no light seam where they meet.
    """
    held = [shapes[s] for s in RUSSIAN_HELD if s in shapes]
    for status, geom in shapes.items():
        shape = (
            drawable(close_gaps(held, tol=tol))
            if status == "occupied" and len(held) > 1
            else geom
        )
        add_polygons(ax, [shape], **{**status_style(status), **kwargs})


def plot_map(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    line: bool | gpd.GeoDataFrame = True,
    labels: bool = True,
    legend: bool = True,
    scale_bar: bool = True,
    inset: bool = True,
    context: bool = True,
    towns: bool | int = True,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    title: str | None = None,
    decimals: int = 0,
    boundaries: gpd.GeoDataFrame | None = None,
    basis: Basis = "geometry",
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    choropleth: bool | None = None,
    legend_loc: Corner | Literal["auto"] = "auto",
    inset_loc: Corner | Literal["auto"] = "auto",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 7.5),
    tolerance: Tolerance | None = None,
) -> Axes:
    """Map who holds what in the selected regions, ready to publish.

    Draws the sea and the neighbouring countries in muted tones, the region
    outlines (other units of Ukraine in light grey), the statuses of the
    control layer, the front line, a label per region with its Russian-held
    share, the largest towns, a legend, a scale bar, an inset locating the
    map in Ukraine, a title, and a caption with the control source and date,
    the boundaries and the attributions they require. A layer marked
    illustrative (the embedded sample) is marked ILLUSTRATIVE on the map.

    The statuses are drawn inside the outline of the boundary set only
    (nothing in the sea or abroad), each dissolved with hairline gaps closed,
    and the line is traced through the same tolerance, which the ``full``
    caption states; the labels' shares are exact
    (:func:`frontline.control_table`).

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions to map and label: a group (``four``, ``six``, ``all``),
        names or ids (see :func:`frontline.resolve_regions`). The view is
        their extent.
    line : bool or GeoDataFrame, default True
        ``True``: draw the front line from ``frontline.line.front_line``.
        A GeoDataFrame of lines (EPSG:4326; a boolean ``river`` column marks
        segments along a river, drawn dashed): draw it. ``False``: no line.
    labels : bool, default True
        Label each region with its name and Russian-held share (from
        :func:`frontline.control_table`; with contested area, the range
        Russian-held … Russian-held + contested, explained in the legend).
    legend, scale_bar, inset : bool, default True
        Draw these parts.
    context : bool, default True
        Fill the sea and the neighbouring countries (Natural Earth, embedded)
        in muted tones and name them; ``False``: a white background.
    towns : bool or int, default True
        Label the largest towns in view (embedded GeoNames places), each
        where its name covers no other label: ``True`` for up to 12 when the
        map shows part of Ukraine (none on the whole-country map), a number
        for at most that many, ``False`` for none.
    caption : {"short", "full", "none"} or bool, default "short"
        ``short``: the control source and date, the boundaries and the
        attributions the data require. ``full``: also the method (what the
        labels measure, the front line's definition and length, the river
        guide, the geometric tolerance). ``none`` (or False): no caption.
        True means ``short``.
    credit : str, optional
        A line of your own at the end of the caption (``"Analysis: A.
        Reporter"``).
    title : str, optional
        The title; default: the regions and the date. ``""`` for none.
    decimals : int, default 0
        Decimals of the percentages in labels and caption.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded Natural Earth ones (see
        :func:`frontline.regions.from_geodataframe`); also used for the
        other units drawn as context.
    basis : {"geometry", "official", "land"}, default "geometry"
        How the labels' shares are measured, as in
        :func:`frontline.control_table` (``land``: each region's polygon
        minus sea water); the caption says which.
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask (see
        :func:`frontline.load_water`), named in the caption.
    zones : GeoDataFrame, str or path, optional
        Map these zones instead of the regions (any polygons with an id
        column, see :func:`frontline.zones.read_zones`); ``regions`` then
        selects zones (by id, parent group or unique name; default: every
        zone) and the view is their extent. The oblasts are drawn as context.
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns.
    choropleth : bool, optional
        Fill each zone (or region) by its Russian-held share in classes
        (``0 %``, ``under 5 %``, ``5–25 %`` … ``95 % or more``) instead of
        drawing the control layer's statuses. Default: True with zones,
        False with regions. With zones, labels (name and share) are written
        only where they fit inside their zone.
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
    tolerance : Tolerance, optional
        The geometric tolerance of the shapes and the line
        (:class:`frontline.tolerance.Tolerance`; default
        :data:`frontline.tolerance.DEFAULT_TOLERANCE`).

    Returns
    -------
    matplotlib.axes.Axes
        The map's Axes (lon/lat data coordinates). The inset is a child Axes
        with ``label="inset"``; the scale bar is an artist with
        ``gid="scale_bar"``; the region labels have ``gid="region_label"``,
        town names ``town_label`` (dots ``town``), country names
        ``country_label``, the caption ``caption``.

    Raises
    ------
    OptionError
        For an unknown corner or caption mode, a ``credit`` that is not text,
        a ``line`` that is neither a bool nor a GeoDataFrame in EPSG:4326, or
        a ``tolerance`` that is not a :class:`~frontline.tolerance.Tolerance`.
    RegionNotFoundError
        For an unknown region.

    See Also
    --------
    plot_control : the statuses alone.
    explore : an interactive map.

    Notes
    -----
    Save with ``fig.savefig(path, dpi=200, bbox_inches="tight")`` so the
    caption below the map is kept. For an SVG whose texts a graphics desk can
    edit, save under ``matplotlib.rc_context({"svg.fonttype": "none"})`` (the
    ``frontline map`` command does).

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import plot_map
    >>> ax = plot_map(fl.load_sample(), "four", line=False, towns=False)
    >>> sorted(t.get_text().splitlines()[0] for t in ax.texts
    ...        if t.get_gid() == "region_label")
    ['Donetsk', 'Kherson', 'Luhansk', 'Zaporizhzhia']
    """
    _validate.number(decimals, "decimals", low=0, high=6, integer=True, example="1")
    _check_corners(legend_loc, inset_loc)
    mode = caption_mode(caption)
    credit = check_credit(credit)
    limit = _town_limit(towns)
    tol = check_tolerance(tolerance)
    layer = as_layer(control)
    if zones is not None or choropleth:
        return _zone_map(
            layer,
            select_units(
                regions,
                default="six",
                boundaries=None if zones is not None else boundaries,
                zones=zones,
                zone_id=zone_id,
                zone_name=zone_name,
                zone_parent=zone_parent,
            ),
            _MapOptions(
                line=line,
                labels=labels,
                legend=legend,
                scale_bar=scale_bar,
                inset=inset,
                context=context,
                caption=mode,
                credit=credit,
                title=title,
                decimals=decimals,
                boundaries=boundaries,
                basis=basis,
                water=water,
                choropleth=choropleth is not False,
                legend_loc=legend_loc,
                inset_loc=inset_loc,
                tolerance=tol,
            ),
            ax,
            figsize,
        )
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    context_gdf = context_units(boundaries)
    table = control_table(
        layer, regions, boundaries=boundaries, basis=basis, water=water
    )
    lines = resolve_line(layer, line, boundaries, tol)
    outline = context_outline(context_gdf, boundaries)
    shapes = status_shapes(layer, outline, tol)

    ax, extent = _base_map(ax, figsize, units, context_gdf, context=context)
    _draw_statuses(ax, shapes, tol, zorder=2)
    draw_outlines(ax, context_gdf, units, boundaries)
    draw_line(ax, lines)

    if title is None:
        title = f"Territorial control: {selection_phrase(selection)}"
        title += f", {date_text(layer.attrs.get('date'))}"
    if title:
        draw_title(ax, title)
    town_limit = min(limit, town_count(extent)) if towns is True else limit
    if mode != "none":
        draw_caption(
            ax,
            map_caption(
                layer,
                table,
                selection,
                decimals,
                front=lines,
                line=line_kinds(lines, shapely.box(*extent)),
                mode=mode,
                credit=credit,
                context=context,
                towns=town_limit > 0,
                tolerance=tol,
            ),
        )

    rh = russian_held(layer)
    show_inset = inset and inset_useful(extent)
    content = shapely.union_all([*np.asarray(units.geometry.values, dtype=object), rh])
    corners = plan_corners(
        extent,
        content,
        [
            ("legend", (0.36, 0.3), None, legend_loc, legend),
            ("inset", (0.3, 0.3), None, inset_loc, show_inset),
            (
                "stamp",
                (0.26, 0.1),
                UPPER,
                "auto",
                bool(layer.attrs.get("illustrative")),
            ),
            ("scale_bar", (0.3, 0.1), LOWER, "auto", scale_bar),
        ],
    )
    candidates = town_candidates(extent, selection.ids) if town_limit else None
    avoid: list[Any] = []
    if labels:
        avoid += region_labels(
            ax, units, table, decimals, points=_top_points(candidates, town_limit)
        )
    if "legend" in corners:
        ranges = labels and has_range(table, selection.ids, decimals)
        avoid.append(
            map_legend(
                ax,
                layer,
                lines,
                extent,
                corners["legend"],
                ranges=ranges,
                shapes=shapes,
            )
        )
    if "scale_bar" in corners:
        avoid.append(draw_scale_bar(ax, corners["scale_bar"]))
    if "inset" in corners:
        avoid.append(
            draw_inset(ax, shapely.intersection(rh, outline), corners["inset"])
        )
    if "stamp" in corners:
        avoid.append(illustrative_stamp(ax, corners["stamp"]))
    if candidates is not None:
        draw_towns(ax, candidates, town_limit, avoid)
    return ax


def _check_corners(legend_loc: str, inset_loc: str) -> None:
    for name, loc in (("legend_loc", legend_loc), ("inset_loc", inset_loc)):
        if loc != "auto" and loc not in get_args(Corner):
            raise OptionError(
                f"unknown {name} {loc!r}; expected 'auto' or one of {get_args(Corner)}"
            )


def _top_points(
    candidates: gpd.GeoDataFrame | None, limit: int
) -> list[tuple[float, float]]:
    """Return where the most important towns are, for labels to keep clear of."""
    if candidates is None:
        return []
    top = candidates.geometry.iloc[: max(1, limit // 2)]
    return list(zip(top.x, top.y, strict=True))


def _town_limit(towns: object) -> int:
    """Check ``towns=``: True (automatic), False, or a number of towns ≥ 0."""
    if towns is True:
        return 12
    if towns is False:
        return 0
    if isinstance(towns, int) and towns >= 0:
        return towns
    raise OptionError(
        f"towns must be True, False or a number of towns ≥ 0, got {towns!r}"
    )


def _furniture(ax: Axes, corners: dict[str, Any], rh: Any) -> None:
    """Scale bar, inset and illustrative stamp where the corners say."""
    if "scale_bar" in corners:
        draw_scale_bar(ax, corners["scale_bar"])
    if "inset" in corners:
        draw_inset(ax, rh, corners["inset"])
    if "stamp" in corners:
        illustrative_stamp(ax, corners["stamp"])


def _zone_title(units: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> str:
    what = (
        f"Russian-held share of {len(units):,} zones"
        if len(units) > 3
        else f"Territorial control: {', '.join(map(str, units.name))}"
    )
    return f"{what}, {date_text(layer.attrs.get('date'))}"


@dataclasses.dataclass(frozen=True)
class _MapOptions:
    line: bool | gpd.GeoDataFrame
    labels: bool
    legend: bool
    scale_bar: bool
    inset: bool
    context: bool
    caption: CaptionMode
    credit: str | None
    title: str | None
    decimals: int
    boundaries: gpd.GeoDataFrame | None
    basis: Basis
    water: Any
    choropleth: bool
    legend_loc: str
    inset_loc: str
    tolerance: Tolerance


def _zone_map(
    layer: gpd.GeoDataFrame,
    zoned: UnitSet,
    opt: _MapOptions,
    ax: Axes | None,
    figsize: tuple[float, float],
) -> Axes:
    """:func:`plot_map` of zones, or a choropleth of regions.

    The choropleth fills the zones; without it the statuses are drawn as in
    :func:`plot_map` (dissolved, cut to the outline). The line is traced
    through the tolerance either way.
    """
    units = zoned.frame
    many = len(units) > 100
    context = context_units(opt.boundaries)
    measure = {"basis": opt.basis, "water": opt.water}
    if zoned.zones is None:
        table = control_table(
            layer, list(zoned.ids), boundaries=opt.boundaries, **measure
        )
    else:
        table = control_table(layer, zones=units, **measure)
    lines = resolve_line(layer, opt.line, opt.boundaries, opt.tolerance)
    outline = context_outline(context, opt.boundaries)
    shapes: dict[str, Any] = {}

    ax, extent = _base_map(ax, figsize, units, context, context=opt.context)
    shares = []
    if opt.choropleth:
        shares = draw_choropleth(ax, units, table, many=many)
    else:
        shapes = status_shapes(layer, outline, opt.tolerance)
        _draw_statuses(ax, shapes, opt.tolerance, zorder=2)
    # Many zones: their white edges are drawn; the oblasts give the frame.
    draw_outlines(ax, context, units.iloc[:0] if many else units, opt.boundaries)
    if many:
        _add_lines(ax, context.boundary, color=UNIT_EDGE, linewidth=0.6, zorder=3.1)
    draw_line(ax, lines)

    rh = russian_held(layer)
    geoms = np.asarray(units.geometry.values, dtype=object)
    content = shapely.union_all([*geoms, rh] if not many else [zoned.outline(), rh])
    corners = plan_corners(
        extent,
        content,
        [
            ("legend", (0.36, 0.36), None, opt.legend_loc, opt.legend),
            (
                "inset",
                (0.3, 0.3),
                None,
                opt.inset_loc,
                opt.inset and inset_useful(extent),
            ),
            (
                "stamp",
                (0.26, 0.1),
                UPPER,
                "auto",
                bool(layer.attrs.get("illustrative")),
            ),
            ("scale_bar", (0.3, 0.1), LOWER, "auto", opt.scale_bar),
        ],
    )
    if "legend" in corners and opt.choropleth:
        zone_legend(ax, shares, lines, corners["legend"])
    elif "legend" in corners:
        map_legend(ax, layer, lines, extent, corners["legend"], shapes=shapes)
    _furniture(ax, corners, shapely.intersection(rh, outline))
    title = opt.title if opt.title is not None else _zone_title(units, layer)
    if title:
        draw_title(ax, title)
    labelled = 0
    if opt.labels:
        texts = {
            rid: [
                f"{name}\n{share_text(row, opt.decimals)}",
                share_text(row, opt.decimals),
            ]
            for rid, name, row in zip(
                table.region_id,
                table.name,
                table[["occupied_pct", "contested_pct"]].to_dict("records"),
                strict=True,
            )
        }
        size = 6.5 if len(units) > 8 else 8.5
        labelled = fitted_labels(ax, units, texts, fontsize=size)
    if opt.caption != "none":
        draw_caption(
            ax,
            zone_caption(
                layer,
                zoned,
                labelled,
                choropleth=opt.choropleth,
                front=lines,
                line=line_kinds(lines, shapely.box(*extent)),
                boundaries=opt.boundaries,
                mode=opt.caption,
                credit=opt.credit,
                context=opt.context,
                tolerance=opt.tolerance,
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
    context: bool = True,
    towns: bool | int = True,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    title: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    legend_loc: Corner | Literal["auto"] = "auto",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 7.5),
    tolerance: Tolerance | None = None,
) -> Axes:
    """Map the area that changed hands between two control layers.

    ``gained`` is area Russian-held in ``after`` but not in ``before`` (a
    Russian advance, :data:`CHANGE_COLORS` red); ``lost`` is area
    Russian-held in ``before`` but not in ``after`` (blue). The rest of the
    Russian-held area of ``after`` is drawn pale for context. Changed areas
    get an outline in their own colour, so that slivers a few hundred metres
    wide stay visible at country scale.

    Changes narrower than the tolerance's ``sliver_m`` (100 m by default:
    the coast, the border or the line redrawn a few metres off between two
    versions of a map) are not drawn and not in the labels; the legend's
    totals include them and the ``full`` caption gives their km² (see
    :func:`frontline.change_polygons`). Nothing is drawn outside the outline
    of the boundary set.

    Parameters
    ----------
    before, after : path or GeoDataFrame
        Control layers; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions to map; see :func:`plot_map`.
    labels : bool, default True
        Label each region with the km² gained and lost inside it, as drawn
        (``no change`` where nothing is drawn, ``+<1`` for less than 1 km²;
        never ``+0 / −0``).
    legend, scale_bar : bool, default True
        Draw these parts; the legend gives the total km² gained and lost in
        the selected regions.
    context, towns : bool, default True
        Neighbouring countries and sea, and town names; see :func:`plot_map`.
    caption : {"short", "full", "none"} or bool, default "short"
        ``short``: the sources and dates of both layers, the boundaries and
        attributions; ``full``: also what the figures measure, the km² of
        changes too narrow to draw and the geometric tolerance. See
        :func:`plot_map`.
    credit : str, optional
        A line of your own at the end of the caption.
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
    tolerance : Tolerance, optional
        What counts as noise (:class:`frontline.tolerance.Tolerance`, its
        ``sliver_m``); default :data:`frontline.tolerance.DEFAULT_TOLERANCE`.

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
    >>> ax = plot_change_map(a, b, "Donetsk", labels=False, towns=False)
    >>> [c.get_gid() for c in ax.collections if c.get_gid() in ("gained", "lost")]
    ['gained']
    """
    from matplotlib.patches import Patch

    mode = caption_mode(caption)
    credit = check_credit(credit)
    limit = _town_limit(towns)
    tol = check_tolerance(tolerance)
    old, new = as_layer(before), as_layer(after)
    selection = resolve_regions(regions)
    units = load_regions(selection.ids, boundaries=boundaries)
    context_gdf = context_units(boundaries)
    outline = context_outline(context_gdf, boundaries)
    rh_old, rh_new = russian_held(old), russian_held(new)
    inside = shapely.union_all(np.asarray(units.geometry.values, dtype=object))
    split, drawn, noise, totals = _change_parts(rh_old, rh_new, units, inside, tol)

    ax, extent = _base_map(ax, figsize, units, context_gdf, context=context)
    if not rh_new.is_empty:
        add_polygons(
            ax,
            [drawable(shapely.intersection(rh_new, outline))],
            facecolor="#F7C9B5",
            edgecolor="none",
            linewidth=0,
            zorder=2,
        )
    for what, parts in split.items():
        shown = drawable(shapely.intersection(parts.kept, outline))
        if shown.is_empty:
            continue
        add_polygons(
            ax,
            [shown],
            facecolor=CHANGE_COLORS[what],
            edgecolor=CHANGE_COLORS[what],
            linewidth=0.8,
            zorder=4,
            gid=what,
        )
    draw_outlines(ax, context_gdf, units, boundaries)
    if title is None:
        title = (
            f"Change in Russian-held territory, {date_text(layer_date(old))} to "
            f"{date_text(layer_date(new))}"
        )
    if title:
        draw_title(ax, title)
    town_limit = min(limit, town_count(extent)) if towns is True else limit
    if mode != "none":
        draw_caption(
            ax,
            _change_caption(
                old,
                new,
                selection,
                boundaries,
                mode=mode,
                credit=credit,
                context=context,
                towns=town_limit > 0,
                noise=noise,
                tolerance=tol,
            ),
        )
    content = shapely.union_all([inside, rh_new, rh_old])
    corners = plan_corners(
        extent,
        content,
        [
            ("legend", (0.4, 0.2), None, legend_loc, legend),
            ("scale_bar", (0.3, 0.1), LOWER, "auto", scale_bar),
        ],
    )

    candidates = town_candidates(extent, selection.ids) if town_limit else None
    avoid: list[Any] = []
    if labels:
        names = dict(zip(units.region_id, units.name, strict=True))
        texts = {
            rid: _change_label(names[rid], drawn.loc[rid]) for rid in units.region_id
        }
        avoid += place_labels(
            ax, units, texts, points=_top_points(candidates, town_limit)
        )
    if legend:
        handles = [
            Patch(
                facecolor="#F7C9B5",
                label=f"Russian-held on {date_text(layer_date(new))}",
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
        avoid.append(
            ax.legend(handles=handles, loc=corners["legend"], **legend_style())
        )
    if scale_bar:
        avoid.append(draw_scale_bar(ax, corners["scale_bar"]))
    if candidates is not None:
        draw_towns(ax, candidates, town_limit, avoid)
    return ax


def _change_parts(
    rh_old: Any, rh_new: Any, units: gpd.GeoDataFrame, inside: Any, tol: Tolerance
) -> tuple[dict[str, Any], Any, dict[str, float], dict[str, float]]:
    """Split the change into what is drawn and noise; measure both.

    Returns the :class:`~frontline.tolerance.Denoised` gained and lost, the
    km² drawn per unit (a table indexed by region id), and the km² of noise
    and in total within ``inside`` (the selected units). Parts narrower than
    ``sliver_m`` are noise: not drawn, not in the labels, but in the legend's
    totals, which stay exact.
    """
    changed = {
        "gained": shapely.difference(rh_new, rh_old),
        "lost": shapely.difference(rh_old, rh_new),
    }
    split = {what: denoise_change(geom, tol=tol) for what, geom in changed.items()}
    drawn = _overlay_km2(units, {what: d.kept for what, d in split.items()})
    noise = {
        what: float(area_km2(shapely.intersection(d.noise, inside)))
        for what, d in split.items()
    }
    totals = {
        what: float(area_km2(shapely.intersection(geom, inside)))
        for what, geom in changed.items()
    }
    return split, drawn, noise, totals


def _change_label(name: str, row: Any) -> str:
    """``Donetsk`` and ``+2,029 / −12 km²``, ``+<1 km²`` or ``no change``."""
    return f"{name}\n{_change_text(float(row['gained']), float(row['lost']))}"


def _change_text(gained: float, lost: float) -> str:
    """Label text for km² gained and lost as drawn: never "+0 / −0".

    A side with nothing drawn is left out; less than 1 km² reads ``<1``.
    """
    parts = [
        f"{sign}{_km2_text(value)}"
        for sign, value in (("+", gained), ("−", lost))
        if value > 0
    ]
    return " / ".join(parts) + " km²" if parts else "no change"


def _km2_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 0.5 else "<1"


def _change_caption(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    selection: Any,
    boundaries: gpd.GeoDataFrame | None,
    *,
    mode: CaptionMode,
    credit: str | None,
    context: bool,
    towns: bool,
    noise: dict[str, float],
    tolerance: Tolerance,
) -> list[str]:
    """Caption of a change map: both sources, the boundaries, the credits.

    ``full`` also says what the figures measure, the km² of ``noise`` (changes
    narrower than the tolerance's ``sliver_m``, not drawn but in the legend's
    totals) and the tolerance; ``short`` leaves the method out.
    """
    lines = []
    if old.attrs.get("illustrative") or new.attrs.get("illustrative"):
        lines.append("ILLUSTRATIVE data, not a survey.")
    places = place_credits(boundaries, context=context, towns=towns)
    if mode == "short":
        sources = [
            f"{when}: {short_source(layer)}, situation on "
            f"{date_text(layer.attrs.get('date'))}."
            for layer, when in ((old, "Before"), (new, "After"))
        ]
        if short_source(old) == short_source(new):
            sources = [
                f"Control: {short_source(new)}, situations on "
                f"{date_text(old.attrs.get('date'))} and "
                f"{date_text(new.attrs.get('date'))}."
            ]
        credits = [*places, *extra_credits([old, new])]
        lines.append(" ".join([*sources, *merge_credits(credits), MADE_WITH]))
    else:
        lines.append(
            f"Km² in the legend are within {selection_phrase(selection)}; "
            "labels: gained / lost per region as drawn. Geodesic areas (WGS84)."
        )
        lines.append(
            f"Not drawn: changes narrower than {tolerance.sliver_m:g} m (the "
            "coast, border or line redrawn between versions), "
            f"+{noise['gained']:,.1f} / −{noise['lost']:,.1f} km², included in "
            "the legend's totals."
        )
        for layer, when in ((old, "Before"), (new, "After")):
            lines.append(f"{when}: {source_text(layer)}")
        lines.append(tolerance_text(tolerance))
        lines.extend(merge_credits([*places, *extra_credits([old, new])]))
        lines.append(MADE_WITH)
    if credit:
        lines.append(credit)
    return lines
