"""Pieces of a map: polygons, lines, the view, outlines and the front line.

Also the legend, labels, the scale bar and the inset.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import TYPE_CHECKING, Any, Final, get_args

import numpy as np

import shapely
from shapely.ops import polylabel

from frontline import _validate
from frontline._messages import quote
from frontline._units import ukraine_outline
from frontline.boundaries import check_boundaries
from frontline.errors import ArgumentTypeError, OptionError
from frontline.line import front_line
from frontline.plot._style import (
    CONTEXT_EDGE,
    DRAW_ORDER,
    HELD_COLOR,
    LINE_COLOR,
    NICE,
    POLYGON_TYPE,
    STATUS_COLORS,
    TEXT,
    UNIT_EDGE,
    WGS84_A,
    WGS84_E2,
    Corner,
    legend_style,
    status_labels,
    status_style,
)
from frontline.regions import (
    load_regions,
)
from frontline.status import RUSSIAN_HELD
from frontline.tolerance import DEFAULT_TOLERANCE, Tolerance, close_gaps

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "RANGE_NOTE",
    "add_polygons",
    "context_outline",
    "context_units",
    "date_text",
    "draw_inset",
    "draw_line",
    "draw_outlines",
    "draw_scale_bar",
    "drawable",
    "inset_useful",
    "layer_date",
    "line_kinds",
    "map_extent",
    "map_legend",
    "new_axes",
    "place_labels",
    "plan_corners",
    "require_columns",
    "resolve_line",
    "russian_held",
    "separate_labels",
    "set_view",
    "status_shapes",
    "style_map_axes",
]

log = logging.getLogger(__name__)

#: The legend line that explains a range of shares in the labels.
RANGE_NOTE = "65–69%: Russian-held … Russian-held\n+ contested (share ranges)"


def add_polygons(ax: Axes, geoms: Iterable[Any], **style: Any) -> Any:
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
            if shapely.get_type_id(part) != POLYGON_TYPE or part.is_empty:
                continue
            rings.append(MplPath(np.asarray(part.exterior.coords)[:, :2], closed=True))
            rings.extend(
                MplPath(np.asarray(ring.coords)[:, :2], closed=True)
                for ring in part.interiors
            )
        if rings:
            patches.append(PathPatch(MplPath.make_compound_path(*rings)))
    try:
        collection = PatchCollection(patches, **style)
    except (AttributeError, TypeError, ValueError) as exc:
        # A keyword matplotlib does not know (figsize=), or a bad value.
        raise OptionError(
            f"cannot draw with the options {quote(sorted(style))}: "
            f"{quote(str(exc), 120)}; pass matplotlib collection properties "
            "such as alpha=0.5, zorder=2 or edgecolor='black'"
        ) from exc
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


def renderer_of(fig: Any) -> Any:
    """Return the figure's renderer, to measure texts (any backend)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """Return ``ax``, or the axes of a new figure of ``figsize`` inches (checked)."""
    from matplotlib.axes import Axes

    if ax is not None:
        if not isinstance(ax, Axes):
            raise ArgumentTypeError(
                f"ax must be a matplotlib Axes (or None for a new figure), got "
                f"{_validate.received(ax)}; pass e.g. fig.add_subplot()"
            )
        return ax
    figsize = check_figsize(figsize)
    import matplotlib.pyplot as plt

    fig: Figure = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


#: The largest figure side, in inches (a map of 100 inches at 200 dpi is
#: already 20,000 pixels wide).
MAX_FIGURE_INCHES = 100.0


def check_figsize(figsize: Any) -> tuple[float, float]:
    """Check a ``figsize``: two positive, finite numbers of inches, at most 100."""
    size = _validate.sequence(
        figsize, "figsize", what="two numbers (inches)", example="(9, 7.5)"
    )
    if len(size) != 2:
        raise OptionError(
            f"figsize must be (width, height) in inches, got {quote(size)}"
        )
    width, height = (
        _validate.number(
            v, "figsize", low=0, low_open=True, high=MAX_FIGURE_INCHES, unit="inches"
        )
        for v in size
    )
    return width, height


def require_columns(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    _validate.frame(table, "the table", what=what)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise OptionError(
            f"missing column(s) {missing}: expected {what} with columns "
            f"{list(columns)}; got {list(table.columns)}"
        )


def context_units(boundaries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if boundaries is None:
        return load_regions("all")
    return check_boundaries(boundaries)


def context_outline(
    context: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame | None
) -> Geometry:
    """Return the outline of the boundary set: the union of all its units."""
    if boundaries is None:
        return ukraine_outline()
    outline: Geometry = shapely.union_all(
        np.asarray(context.geometry.values, dtype=object)
    )
    return outline


#: Dissolve only (the polygonal part of an overlay result).
_NO_GAP: Final = Tolerance(gap_m=0)
#: Vertices closer than this (degrees, about a centimetre) to the line through
#: their neighbours are dropped from what is drawn.
_DRAW_STEP_DEG: Final = 1e-7


def drawable(geom: Geometry) -> Geometry:
    """Return a shape as it is drawn: without the vertices the tolerance added.

    :mod:`frontline.tolerance` works in metres on edges densified every few
    hundred metres; back in lon/lat those vertices lie on the input's straight
    edges. Dropping them (Douglas-Peucker at about 1 cm, topology kept)
    changes no pixel and keeps a web map's page as small as the input's.
    """
    out: Geometry = shapely.simplify(geom, _DRAW_STEP_DEG, preserve_topology=True)
    return out


def status_shapes(
    layer: gpd.GeoDataFrame,
    outline: Geometry | None = None,
    tol: Tolerance = DEFAULT_TOLERANCE,
) -> dict[str, Geometry]:
    """Each status's area as it is drawn, in :data:`DRAW_ORDER`.

    The features of a status are dissolved with the hairline gaps between
    them closed (:func:`frontline.tolerance.close_gaps`), so that no seam
    shows where two features meet (the old front inside a ceded region, the
    edges of a scenario's pieces); with an ``outline``, they are cut to it, so
    that nothing is drawn in the sea or abroad (the raw DeepState map's
    "liberated" polygons reach into reservoirs, estuaries and Russia).
    """
    shapes: dict[str, Geometry] = {}
    for status in DRAW_ORDER:
        mask = (layer.status == status).to_numpy()
        if not mask.any():
            continue
        geom = close_gaps(layer.geometry.values[mask], tol=tol)
        if outline is not None and not geom.is_empty:
            geom = close_gaps(shapely.intersection(geom, outline), tol=_NO_GAP)
        if not geom.is_empty:
            shapes[status] = drawable(geom)
    return shapes


def draw_outlines(
    ax: Axes,
    context: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
) -> None:
    """Other units thin and light, the selected ones dark, Ukraine's edge grey."""
    _add_lines(ax, context.boundary, color=CONTEXT_EDGE, linewidth=0.5, zorder=3)
    outline = context_outline(context, boundaries)
    _add_lines(
        ax, [shapely.boundary(outline)], color="#7A7A7A", linewidth=0.9, zorder=3.05
    )
    _add_lines(ax, units.boundary, color=UNIT_EDGE, linewidth=1.0, zorder=3.1)


def map_extent(units: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in units.total_bounds)
    pad_x = max(0.06 * (x1 - x0), 0.15)
    pad_y = max(0.06 * (y1 - y0), 0.1)
    return x0 - pad_x, y0 - pad_y, x1 + pad_x, y1 + pad_y


def set_view(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))


def style_map_axes(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_color("#9A9A9A")
        spine.set_linewidth(0.8)


def resolve_line(
    layer: gpd.GeoDataFrame,
    line: bool | gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None = None,
    tol: Tolerance = DEFAULT_TOLERANCE,
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
    result: gpd.GeoDataFrame = front_line(layer, tolerance=tol, boundaries=boundaries)
    return result


def draw_line(ax: Axes, lines: gpd.GeoDataFrame | None) -> dict[str, bool]:
    """Draw the front line (river segments dashed); say which kinds were drawn."""
    drawn = line_kinds(lines)
    if lines is None or not (drawn["land"] or drawn["river"]):
        return drawn
    river = _river_mask(lines)
    if drawn["land"]:
        _add_lines(
            ax,
            lines.geometry[~river],
            color=LINE_COLOR,
            linewidth=1.6,
            zorder=4,
            gid="front_line",
        )
    if drawn["river"]:
        _add_lines(
            ax,
            lines.geometry[river],
            color=LINE_COLOR,
            linewidth=1.2,
            linestyle=(0, (3, 2)),
            zorder=4,
            gid="front_line_river",
        )
    return drawn


def map_legend(
    ax: Axes,
    layer: gpd.GeoDataFrame,
    lines: gpd.GeoDataFrame | None,
    extent: tuple[float, float, float, float],
    loc: Any,
    *,
    ranges: bool = False,
    shapes: dict[str, Geometry] | None = None,
) -> Any:
    """Legend of what is in view: statuses, Ukrainian-held land, line kinds.

    With ``ranges``, a last line says what a range of shares in the labels
    means. ``shapes``: what is drawn of each status (:func:`status_shapes`);
    by default the layer's features. Returns the legend.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    view = shapely.box(*extent)
    labels = status_labels(layer)
    # Only statuses with a visible part (a few pixels) in view.
    if shapes is None:
        geoms, names = layer.geometry.values, layer.status.to_numpy()
    else:
        geoms, names = list(shapes.values()), np.asarray(list(shapes), dtype=object)
    inside = shapely.area(shapely.intersection(np.asarray(geoms, dtype=object), view))
    seen = set(names[inside > 5e-5 * view.area])
    handles: list[Any] = [
        Patch(**status_style(s), label=labels[s])
        for s in ("occupied", "occupied_before_2022", "contested", "liberated")
        if s in seen
    ]
    handles.append(
        Patch(facecolor=HELD_COLOR, edgecolor="#BFB8A8", lw=0.6, label="Ukrainian-held")
    )
    kinds = line_kinds(lines, view)
    if kinds["land"]:
        handles.append(Line2D([], [], color=LINE_COLOR, lw=1.6, label="Front line"))
    if kinds["river"]:
        handles.append(
            Line2D(
                [],
                [],
                color=LINE_COLOR,
                lw=1.2,
                ls=(0, (3, 2)),
                label="Front line along a river",
            )
        )
    if ranges:
        handles.append(
            Patch(facecolor="none", edgecolor="none", label=RANGE_NOTE, gid="ranges")
        )
    return ax.legend(handles=handles, loc=loc, **legend_style())


def line_kinds(
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


def plan_corners(
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
    for name, _s, _a, loc, want in items:
        if want:  # the legend_loc=, inset_loc= … the caller was given
            _validate.one_of(loc, f"{name}_loc", ("auto", *get_args(Corner)))
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


def place_labels(
    ax: Axes,
    units: gpd.GeoDataFrame,
    texts: dict[str, str],
    fontsize: float = 8.5,
    points: Sequence[tuple[float, float]] = (),
) -> list[Any]:
    """Write a label per unit at its pole of inaccessibility; move overlaps apart.

    Labels that overlap each other or one of ``points`` (lon, lat: the
    largest towns) are moved apart with adjustText, inside the map; the labels
    are returned.
    """
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
            color=TEXT,
            linespacing=1.25,
            zorder=6,
            gid="region_label",
            path_effects=halo,
        )
        artists.append(text)
    separate_labels(ax, artists, points)
    return artists


def separate_labels(
    ax: Axes, texts: list[Any], points: Sequence[tuple[float, float]] = ()
) -> None:
    """Move overlapping labels apart with adjustText, keeping them in the map."""
    if not texts or (len(texts) < 2 and not points):
        return
    from adjustText import adjust_text

    extra = {}
    if len(points):
        xy = np.asarray(points, dtype=float)
        extra = {"x": xy[:, 0], "y": xy[:, 1]}
    adjust_text(
        texts,
        ax=ax,
        **extra,
        avoid_self=False,
        expand=(1.04, 1.12),
        force_text=(0.05, 0.25),
        force_pull=(0.0, 0.0),
        ensure_inside_axes=True,
        iter_lim=200,
    )


def draw_scale_bar(ax: Axes, corner: str) -> Any:
    """Draw a metric scale bar of a round length (matplotlib-scalebar).

    It is true along the parallel it is drawn on (WGS84): one degree of
    longitude there is ``_km_per_degree_lon(lat)`` km. Its length is 1, 2 or
    5 × 10ⁿ km, about a fifth of the map's width; one label (``50 km``).
    """
    from matplotlib_scalebar.scalebar import ScaleBar

    class MeasuredScaleBar(ScaleBar):  # type: ignore[misc]
        """A scale bar that knows its extent before the figure is drawn."""

        def get_window_extent(self, renderer: Any = None) -> Any:
            from matplotlib.transforms import Bbox

            self.draw(renderer or renderer_of(self.get_figure()))
            return self._info.window_extent if self._info else Bbox.null()

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    lat = y0 + 0.05 * (y1 - y0) if "lower" in corner else y1 - 0.05 * (y1 - y0)
    km_per_deg = _km_per_degree_lon(lat)
    length = _nice(0.2 * (x1 - x0) * km_per_deg)
    bar = MeasuredScaleBar(
        km_per_deg * 1000,
        units="m",
        dimension="si-length",
        fixed_value=length,
        fixed_units="km",
        location=corner,
        rotation="horizontal-only",
        scale_loc="top",
        frameon=False,
        color=TEXT,
        width_fraction=0.008,
        sep=2,
        pad=0.6,
        border_pad=0.4,
        font_properties={"size": 7.5},
        scale_formatter=lambda value, unit: f"{value:g} {unit}",
    )
    bar.set_gid("scale_bar")
    bar.set_zorder(7)
    bar.frontline_latitude = lat
    ax.add_artist(bar)
    return bar


def _km_per_degree_lon(lat: float) -> float:
    """Length of one degree of longitude along a parallel of WGS84, km."""
    phi = math.radians(lat)
    radius = WGS84_A * math.cos(phi) / math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    return radius * math.pi / 180 / 1000


def _nice(value: float) -> float:
    """Largest 1, 2 or 5 × 10ⁿ not above ``value``."""
    exp = 10 ** math.floor(math.log10(value))
    return float(max(m * exp for m in NICE if m * exp <= value))


def inset_useful(extent: tuple[float, float, float, float]) -> bool:
    """Tell whether an inset helps: not if the map shows (most of) Ukraine."""
    ux0, uy0, ux1, uy1 = ukraine_outline().bounds
    x0, y0, x1, y1 = extent
    return bool((x1 - x0) * (y1 - y0) < 0.7 * (ux1 - ux0) * (uy1 - uy0))


def draw_inset(ax: Axes, rh: Geometry, corner: str) -> Axes:
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
    add_polygons(
        inset, [outline], facecolor=HELD_COLOR, edgecolor="#777777", linewidth=0.5
    )
    if not rh.is_empty:
        add_polygons(
            inset, [rh], facecolor=STATUS_COLORS["occupied"], edgecolor="none", lw=0
        )
    inset.add_patch(
        Rectangle(
            (vx0, vy0),
            vx1 - vx0,
            vy1 - vy0,
            fill=False,
            edgecolor=TEXT,
            lw=1.0,
            gid="view",
        )
    )
    inset.set_xlim(ix0, ix1)
    inset.set_ylim(iy0, iy1)
    inset.set_aspect(1 / k)
    style_map_axes(inset)
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)
    return inset


def russian_held(layer: gpd.GeoDataFrame) -> Geometry:
    mask = layer.status.isin(RUSSIAN_HELD).to_numpy()
    geoms = np.asarray(layer.geometry.values[mask], dtype=object)
    if not len(geoms):
        return shapely.Polygon()
    result: Geometry = shapely.union_all(geoms)
    return result


def layer_date(layer: gpd.GeoDataFrame) -> dt.date | None:
    value = layer.attrs.get("date")
    return value if isinstance(value, dt.date) else None


def date_text(value: object) -> str:
    """Format a date as "20 November 2024" (ISO strings too)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return "date unknown"
