"""Map context: neighbouring countries and seas in muted tones, town names.

The neighbours are the embedded ``context.geojson`` (Natural Earth 1:10m
admin-0 countries, public domain, built by ``data/context/build_context.py``);
the sea is the map's background colour. Towns come from the embedded GeoNames
places (:func:`frontline.load_settlements`, CC BY 4.0): the largest ones in
view, each placed where its name covers no other label, legend or inset.
"""

from __future__ import annotations

import json
import logging
import math
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely
from shapely.geometry import shape
from shapely.ops import polylabel

from frontline._places import ATTRIBUTION as PLACES_ATTRIBUTION
from frontline._places import load_settlements
from frontline._units import ukraine_outline
from frontline.plot._parts import add_polygons, renderer_of
from frontline.plot._style import (
    NEIGHBOUR_COLOR,
    NEIGHBOUR_EDGE,
    NEIGHBOUR_TEXT,
    SEA_COLOR,
    SEA_TEXT,
    TEXT,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.transforms import Bbox

    import geopandas as gpd

__all__ = [
    "CONTEXT_CREDIT",
    "TOWNS_CREDIT",
    "draw_context",
    "draw_towns",
    "load_context",
    "town_candidates",
    "town_count",
]

log = logging.getLogger(__name__)

#: The credit for the neighbours and the sea.
CONTEXT_CREDIT: Final = "Natural Earth (public domain)"

#: The credit for town names and positions.
TOWNS_CREDIT: Final = PLACES_ATTRIBUTION.replace("Populated places", "Towns")

#: Where each sea's name may go (lon, lat), in order of preference.
_SEAS: Final = (
    ("Black Sea", ((33.0, 43.9), (31.4, 45.9), (32.0, 44.9), (34.5, 44.0))),
    ("Sea of Azov", ((36.7, 46.05), (36.3, 45.9), (37.7, 46.45))),
)

#: Smallest population of a labelled town, and the most towns on one map.
_MIN_POPULATION: Final = 15_000
_MAX_TOWNS: Final = 12


@lru_cache(maxsize=1)
def load_context() -> tuple[tuple[str, Any, tuple[float, float]], ...]:
    """Return the neighbouring countries: (name, geometry, label point), cached."""
    text = (files("frontline") / "data" / "context.geojson").read_text("utf-8")
    doc = json.loads(text)
    out = []
    for feature in doc["features"]:
        props = feature["properties"]
        geom = shape(feature["geometry"])
        out.append((str(props["name"]), geom, (props["label_lon"], props["label_lat"])))
    return tuple(out)


def draw_context(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """Fill the sea (the background) and the neighbours in view; name them."""
    view = shapely.box(*extent)
    ax.set_facecolor(SEA_COLOR)
    shown = [
        (name, geom, point)
        for name, geom, point in load_context()
        if shapely.intersects(geom, view)
    ]
    if shown:
        add_polygons(
            ax,
            [geom for _, geom, _ in shown],
            facecolor=NEIGHBOUR_COLOR,
            edgecolor=NEIGHBOUR_EDGE,
            linewidth=0.6,
            zorder=0.5,
            gid="neighbours",
        )
    scale = _points_per_degree(ax, extent)
    for name, geom, point in shown:
        where = _name_point(geom, view, point, name, scale)
        if where is not None:
            ax.text(
                *where,
                name.upper(),
                ha="center",
                va="center",
                fontsize=7.5,
                color=NEIGHBOUR_TEXT,
                zorder=1.5,
                gid="country_label",
                clip_on=True,
            )
    land = shapely.union_all([ukraine_outline(), *(g for _, g, _ in shown)])
    margin = shapely.buffer(view, -0.08 * min(extent[2] - extent[0], 1.5))
    for name, candidates in _SEAS:
        for lon, lat in candidates:
            spot = shapely.Point(lon, lat)
            room = _text_room(name, scale, lat)
            if shapely.contains(margin, spot) and shapely.distance(land, spot) > room:
                ax.text(
                    lon,
                    lat,
                    name,
                    ha="center",
                    va="center",
                    fontsize=8,
                    style="italic",
                    color=SEA_TEXT,
                    zorder=1.5,
                    gid="sea_label",
                )
                break


def _points_per_degree(ax: Axes, extent: tuple[float, float, float, float]) -> float:
    """Typographic points per degree of longitude in the drawn map."""
    fig = ax.get_figure()
    assert fig is not None
    ax.apply_aspect()
    width_pt = ax.get_position().width * fig.bbox.width / fig.dpi * 72
    return float(width_pt / (extent[2] - extent[0]))


def _text_room(text: str, points_per_degree: float, lat: float) -> float:
    """Half the width of a 7.5-point label, in degrees of latitude (roughly)."""
    half_pt = 0.62 * 7.5 * len(text) / 2
    return half_pt / points_per_degree * math.cos(math.radians(lat))


def _name_point(
    geom: Any,
    view: Any,
    point: tuple[float, float],
    name: str,
    points_per_degree: float,
) -> tuple[float, float] | None:
    """Where a country's name fits inside its visible part, or None."""
    visible = shapely.intersection(geom, view)
    if visible.is_empty:
        return None
    room = _text_room(name, points_per_degree, point[1])
    spot = shapely.Point(point)
    if shapely.contains(visible, spot) and shapely.distance(
        visible.boundary, spot
    ) > max(room, 0.1):
        return point
    biggest = max(shapely.get_parts(visible), key=lambda p: p.area)
    lat0 = (biggest.bounds[1] + biggest.bounds[3]) / 2
    k = math.cos(math.radians(lat0))
    scaled = shapely.transform(biggest, lambda xy: xy * [k, 1.0])
    pole = polylabel(scaled, tolerance=0.02)
    depth = shapely.distance(scaled.boundary, pole)
    if depth < room:
        return None
    return pole.x / k, pole.y


def town_count(extent: tuple[float, float, float, float]) -> int:
    """How many towns to label: none when the map shows most of Ukraine."""
    ux0, uy0, ux1, uy1 = ukraine_outline().bounds
    x0, y0, x1, y1 = extent
    if (x1 - x0) * (y1 - y0) >= 0.5 * (ux1 - ux0) * (uy1 - uy0):
        return 0
    return _MAX_TOWNS


@lru_cache(maxsize=1)
def _towns() -> gpd.GeoDataFrame:
    """Return the places worth a label on a map (cached; do not modify)."""
    return load_settlements("all", min_population=_MIN_POPULATION)


def town_candidates(
    extent: tuple[float, float, float, float], region_ids: Sequence[str]
) -> gpd.GeoDataFrame:
    """Towns in view worth a label, most important first.

    Towns of the mapped regions come first, then those of the other units in
    view, each by population (GeoNames, at least 15,000 inhabitants).
    """
    x0, y0, x1, y1 = extent
    dx, dy = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    inside = _towns().cx[x0 + dx : x1 - dx, y0 + dy : y1 - dy]
    order = inside.assign(_mapped=~inside.region_id.isin(list(region_ids)))
    order = order.sort_values(
        ["_mapped", "population", "geonameid"], ascending=[True, False, True]
    )
    return order.drop(columns="_mapped")


def draw_towns(
    ax: Axes,
    candidates: gpd.GeoDataFrame,
    limit: int,
    avoid: Sequence[Any] = (),
) -> gpd.GeoDataFrame | None:
    """Label the first towns of ``candidates`` whose names fit; return those drawn.

    Each name goes right, left, above or below its dot, in the first position
    where it overlaps no artist of ``avoid`` (region labels, legend, inset …),
    no earlier town and no edge of the map. A town whose name fits nowhere is
    left out, and so is its dot.
    """
    from matplotlib import patheffects

    if limit <= 0 or candidates.empty:
        return None
    fig = ax.get_figure()
    assert fig is not None
    renderer = renderer_of(fig)
    frame = ax.get_window_extent(renderer)
    blocked: list[Bbox] = [a.get_window_extent(renderer) for a in avoid]
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    offsets = (  # (dx, dy) in points, ha, va
        ((4, 0), "left", "center"),
        ((-4, 0), "right", "center"),
        ((0, 4), "center", "bottom"),
        ((0, -4), "center", "top"),
    )
    drawn: list[Any] = []
    for row in candidates.itertuples():
        if len(drawn) >= limit:
            break
        x, y = row.geometry.x, row.geometry.y
        dot = ax.transData.transform((x, y))
        dot_box = _box(dot[0] - 2.5, dot[1] - 2.5, dot[0] + 2.5, dot[1] + 2.5)
        if any(dot_box.overlaps(b) for b in blocked):
            continue
        for (ox, oy), ha, va in offsets:
            text = ax.annotate(
                str(row.name),
                (x, y),
                xytext=(ox, oy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=7,
                color=TEXT,
                zorder=5.5,
                gid="town_label",
                path_effects=halo,
                annotation_clip=False,
            )
            box = text.get_window_extent(renderer)
            if _within(box, frame) and not any(box.overlaps(b) for b in blocked):
                blocked += [box, dot_box]
                drawn.append(row.Index)
                break
            text.remove()
    if not drawn:
        return None
    towns = candidates.loc[drawn]
    ax.scatter(
        towns.geometry.x,
        towns.geometry.y,
        s=7,
        color=TEXT,
        edgecolors="white",
        linewidths=0.6,
        zorder=5.4,
        gid="town",
    )
    return towns


def _box(x0: float, y0: float, x1: float, y1: float) -> Bbox:
    from matplotlib.transforms import Bbox

    return Bbox(np.array([[x0, y0], [x1, y1]]))


def _within(box: Bbox, frame: Bbox) -> bool:
    return bool(
        box.x0 >= frame.x0 + 2
        and box.x1 <= frame.x1 - 2
        and box.y0 >= frame.y0 + 2
        and box.y1 <= frame.y1 - 2
    )
