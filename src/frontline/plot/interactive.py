"""The interactive web map (folium/Leaflet)."""

from __future__ import annotations

import logging
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from frontline.control import as_layer
from frontline.plot._caption import boundary_credit, extra_credits, source_text
from frontline.plot._parts import resolve_line
from frontline.plot._style import (
    DRAW_ORDER,
    LINE_COLOR,
    STATUS_COLORS,
    UNIT_EDGE,
    status_labels,
)
from frontline.regions import (
    load_regions,
    resolve_regions,
)
from frontline.report import control_table

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    import geopandas as gpd

__all__ = ["explore"]

log = logging.getLogger(__name__)


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
    lines = resolve_line(layer, line, boundaries)

    present = [s for s in DRAW_ORDER if (layer.status == s).any()]
    shown = layer[layer.status.isin(present)][["status", "geometry"]].copy()
    shown["status_label"] = shown.status.map(status_labels(layer))
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
            "labels": [status_labels(layer)[s] for s in present],
        },
        tooltip=["status_label"],
        tooltip_kwds={"labels": False},
        style_kwds={"fillOpacity": 0.75, "weight": 0},
        name="Control",
    )
    if lines is not None and not lines.empty:
        lines[[lines.geometry.name]].explore(
            m=m,
            color=LINE_COLOR,
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
        color=UNIT_EDGE,
        style_kwds={"fillOpacity": 0.0, "weight": 1.5},
        tooltip=["name", "Russian-held %"],
        popup=[c for c in info.columns if c not in {"geometry"}],
        name="Regions",
    )
    x0, y0, x1, y1 = units.total_bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
    folium.LayerControl(collapsed=True).add_to(m)
    credits = [f"Control: {source_text(layer)}", boundary_credit(boundaries)]
    credits += extra_credits([layer])
    if layer.attrs.get("illustrative"):
        credits.insert(0, "<b>ILLUSTRATIVE sample, not a survey.</b>")
    html = (
        '<div style="position: fixed; bottom: 18px; left: 8px; z-index: 9999; '
        "max-width: 45%; background: rgba(255,255,255,0.85); padding: 4px 6px; "
        'font: 11px sans-serif; color: #222;">' + "<br>".join(credits) + "</div>"
    )
    m.get_root().html.add_child(folium.Element(html))
    return m
