"""Colours, labels and styles shared by every frontline figure.

The palette (:data:`STATUS_COLORS`) is from Paul Tol's colour-blind-safe
schemes; statuses also differ in lightness, and the grey zone is hatched, so
the map reads in greyscale too.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal

from frontline._units import GROUP_NAMES
from frontline.regions import (
    region_names,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd

__all__ = [
    "ALERT",
    "CHANGE_COLORS",
    "CONTEXT_EDGE",
    "DRAW_ORDER",
    "GROUP_STYLES",
    "HELD_COLOR",
    "LINE_COLOR",
    "LOWER",
    "MUTED",
    "NEIGHBOUR_COLOR",
    "NEIGHBOUR_EDGE",
    "NEIGHBOUR_TEXT",
    "NICE",
    "POLYGON_TYPE",
    "SEA_COLOR",
    "SEA_TEXT",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "TEXT",
    "UNIT_EDGE",
    "UNIT_ID",
    "UPPER",
    "WGS84_A",
    "WGS84_E2",
    "Corner",
    "TimeseriesValue",
    "bar_style",
    "legend_style",
    "region_colors",
    "row_name",
    "status_labels",
    "status_style",
    "thousands",
    "unit_names",
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


DRAW_ORDER: Final = ("liberated", "contested", "occupied", "occupied_before_2022")


UNIT_EDGE: Final = "#3C3C3C"


CONTEXT_EDGE: Final = "#B4B4B4"


LINE_COLOR: Final = "#111111"


TEXT: Final = "#1A1A1A"


MUTED: Final = "#555555"


ALERT: Final = "#882255"


#: The sea (the map's background), neighbouring countries, their borders and
#: names: muted, so that Ukraine and its statuses stand out.
SEA_COLOR: Final = "#DCE6EE"


NEIGHBOUR_COLOR: Final = "#E4E4E2"


NEIGHBOUR_EDGE: Final = "#FFFFFF"


NEIGHBOUR_TEXT: Final = "#8C8C8C"


SEA_TEXT: Final = "#7C93A6"


# One line per region: Paul Tol's colour-blind-safe "bright" and "muted"
# schemes without their reds, oranges and wines, which mean Russian-held.
_SERIES_COLORS: Final = (
    "#4477AA",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#332288",
    "#999933",
    "#44AA99",
    "#BBBBBB",
)


# Group rows in time series: dark and mid grey, distinct dash patterns.
GROUP_STYLES: Final = [
    ("#1A1A1A", (0, (5, 2))),
    ("#6E6E6E", (0, (1.5, 1.2))),
    ("#1A1A1A", (0, (6, 2, 1.5, 2))),
]


UPPER: Final = ("upper left", "upper right")


LOWER: Final = ("lower left", "lower right")


POLYGON_TYPE: Final = 3


UNIT_ID = re.compile(r"^UA-\d{2}$")


WGS84_A: Final = 6378137.0


WGS84_E2: Final = 0.0066943799901413165


NICE: Final = (1, 2, 5)


Corner = Literal["upper left", "upper right", "lower left", "lower right"]


TimeseriesValue = Literal["share_pct", "area_km2"]


def status_style(status: str) -> dict[str, Any]:
    if status == "contested":
        return {
            "facecolor": STATUS_COLORS[status],
            "edgecolor": _CONTESTED_EDGE,
            "linewidth": 0,
            "hatch": _CONTESTED_HATCH,
        }
    return {"facecolor": STATUS_COLORS[status], "edgecolor": "none", "linewidth": 0}


def bar_style(gid: str) -> dict[str, Any]:
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


def status_labels(layer: gpd.GeoDataFrame) -> dict[str, str]:
    """Legend texts; "Russian-held" alone when the layer does not split dates."""
    labels = dict(STATUS_LABELS)
    if not (layer.status == "occupied_before_2022").any():
        labels["occupied"] = "Russian-held"
    return labels


def legend_style() -> dict[str, Any]:
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
def unit_names() -> dict[str, str]:
    names = region_names()
    return dict(zip(names.region_id, names.name, strict=True))


def row_name(region_id: str, name: str | None = None) -> str:
    if region_id in GROUP_NAMES:
        return GROUP_NAMES[region_id]
    if name is not None and UNIT_ID.match(region_id):
        return name
    return unit_names().get(region_id, name if name is not None else region_id)


def region_colors(ids: Sequence[Any]) -> dict[Any, str]:
    if len(ids) <= len(_SERIES_COLORS):
        palette: Sequence[str] = _SERIES_COLORS
    else:
        import matplotlib as mpl
        from matplotlib.colors import to_hex

        cmap = mpl.colormaps["tab20"]
        palette = [to_hex(cmap(i % 20)) for i in range(len(ids))]
    return {rid: palette[i % len(palette)] for i, rid in enumerate(ids)}


def thousands(*, signed: bool = False) -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int | None = None) -> str:
        text = f"{abs(x):,.0f}"
        if signed and x > 0:
            return "+" + text
        if x < 0:
            return "−" + text
        return text

    return FuncFormatter(fmt)
