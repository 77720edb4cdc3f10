"""The interactive web map (folium/Leaflet), self-contained when saved."""

from __future__ import annotations

import html
import logging
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import numpy as np

import shapely

from frontline import _validate
from frontline._messages import quote
from frontline._webassets import (
    HOVER_CLASS,
    LegendItem,
    caption_html,
    heading_html,
    hover_css,
    inline_assets,
    legend_html,
    offline_notice_html,
    set_title,
)
from frontline.control import as_layer
from frontline.errors import ArgumentTypeError, OptionError
from frontline.plot._caption import (
    MADE_WITH,
    CaptionMode,
    caption_mode,
    check_credit,
    extra_credits,
    merge_credits,
    place_credits,
    selection_phrase,
    short_source,
    source_text,
    tolerance_text,
)
from frontline.plot._parts import (
    context_outline,
    context_units,
    date_text,
    line_kinds,
    resolve_line,
    status_shapes,
)
from frontline.plot._style import (
    HELD_COLOR,
    LINE_COLOR,
    STATUS_COLORS,
    UNIT_EDGE,
    status_labels,
)
from frontline.plot._zones import SHARE_CLASSES, share_class
from frontline.report import control_table
from frontline.tolerance import Tolerance, check_tolerance
from frontline.zones import UnitSet, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    import geopandas as gpd

__all__ = ["explore", "to_html"]

log = logging.getLogger(__name__)


def explore(  # noqa: PLR0915 - one map, many parts
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    line: bool | gpd.GeoDataFrame = True,
    title: str | None = None,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    tiles: str = "OpenStreetMap",
    m: Any = None,
    tolerance: Tolerance | None = None,
) -> Any:
    """Make an interactive web map (folium/Leaflet) of a control layer.

    Ukrainian-held land in sand (``HELD_COLOR``) and the statuses in
    :data:`STATUS_COLORS`, the front line (dashed along a river), and the
    selected regions, outlined, each with a popup (name, Russian-held,
    contested and Ukrainian-held % and km²); hovering a region thickens its
    outline and leaves the colours as they are. A heading with the title, a
    legend above the scale bar and a caption above the attribution; the
    page's ``<title>``. Layers can be switched off. The page shows a message
    where the map cannot be drawn (Leaflet did not load, e.g. offline) and
    where the base map cannot load. In Jupyter it displays itself; to save
    it, use :func:`to_html` (self-contained: works offline and in archives)
    or ``m.save("map.html")`` (links Leaflet on a CDN).

    As in :func:`plot_map`, the statuses are drawn inside the outline of the
    boundary set only (nothing in the sea or abroad), each dissolved with
    hairline gaps closed, and the line is traced through the same tolerance,
    which the ``full`` caption states.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "six"
        The regions outlined and given popups.
    line : bool or GeoDataFrame, default True
        The front line, as in :func:`plot_map`.
    title : str, optional
        The heading and the page title; default: the regions and the date.
        ``""`` for no heading (the page title is then the default).
    caption : {"short", "full", "none"} or bool, default "short"
        The caption box: ``short`` names the control source and date, the
        boundaries and the attributions; ``full`` adds what the popups
        measure; ``none`` (or False) draws none.
    credit : str, optional
        A line of your own at the end of the caption.
    boundaries : GeoDataFrame, optional
        Boundaries instead of the embedded ones.
    zones : GeoDataFrame, str or path, optional
        Outline and give popups to these zones instead of the regions (see
        :func:`frontline.zones.read_zones`), each filled by its Russian-held
        share in the classes of :func:`plot_map`'s choropleth; ``regions``
        then selects zones.
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns.
    tiles : str, default "OpenStreetMap"
        The base map (any name folium or xyzservices knows).
    m : folium.Map, optional
        Add to this map instead of a new one.
    tolerance : Tolerance, optional
        The geometric tolerance of the shapes and the line
        (:class:`frontline.tolerance.Tolerance`; default
        :data:`frontline.tolerance.DEFAULT_TOLERANCE`).

    Returns
    -------
    folium.Map
        The map.

    Raises
    ------
    ImportError
        If folium or mapclassify is not installed (``pip install
        "frontline[explore]"``).
    OptionError
        For an unknown caption mode, a credit that is not text or a
        ``tolerance`` that is not a :class:`~frontline.tolerance.Tolerance`.

    See Also
    --------
    to_html : the page as text, self-contained by default.

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import explore, to_html
    >>> page = to_html(explore(fl.load_sample(), "four", line=False))
    >>> "<title>Territorial control: Donetsk" in page, "<script src" in page
    (True, False)
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
    _validate.text(tiles, "tiles", example="OpenStreetMap")
    if m is not None and not isinstance(m, folium.Map):
        raise ArgumentTypeError(
            f"m must be a folium.Map (or None for a new map), got "
            f"{_validate.received(m)}"
        )
    mode = caption_mode(caption)
    credit = check_credit(credit)
    tol = check_tolerance(tolerance)
    layer = as_layer(control)
    selection = select_units(
        regions,
        default="six",
        boundaries=boundaries if zones is None else None,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )
    units = selection.frame
    table = (
        control_table(layer, regions, boundaries=boundaries)
        if zones is None
        else control_table(layer, zones=units)
    )
    lines = resolve_line(layer, line, boundaries, tol)
    outline = context_outline(context_units(boundaries), boundaries)
    shapes = status_shapes(layer, outline, tol)
    if title is None:
        title = f"{_title_of(selection)}, {date_text(layer.attrs.get('date'))}"

    import geopandas as gpd

    if m is None:
        try:
            m = folium.Map(tiles=tiles, control_scale=True)
        except ValueError as exc:  # a name neither folium nor xyzservices knows
            raise OptionError(
                f"unknown tiles {quote(tiles)} ({exc}); use a name folium "
                "knows such as 'OpenStreetMap' or 'CartoDB positron', or pass m="
                "folium.Map(tiles=URL, attr=...)"
            ) from exc
    labels = status_labels(layer)
    present = list(shapes)
    land = _rounded(gpd.GeoDataFrame(geometry=[outline], crs="EPSG:4326"))
    land.explore(
        m=m,
        color=HELD_COLOR,
        style_kwds={"fillOpacity": 0.7, "weight": 0, "interactive": False},
        tooltip=False,
        highlight=False,
        name="Ukrainian-held",
    )
    _add_statuses(m, shapes, labels)
    kinds = line_kinds(lines)
    if lines is not None and (kinds["land"] or kinds["river"]):
        river = np.asarray(
            lines["river"].fillna(False)
            if "river" in lines.columns
            else [False] * len(lines),
            dtype=bool,
        )
        for part, dash, name in ((~river, None, "Front line"), (river, "6 4", None)):
            chosen = _rounded(lines[[lines.geometry.name]][part])
            if chosen.empty:
                continue
            chosen.explore(
                m=m,
                color=LINE_COLOR,
                style_kwds={"weight": 2, "dashArray": dash},
                tooltip=False,
                highlight=False,
                name=name or "Front line along a river",
            )
    _unit_layer(m, _rounded(_region_info(units, table)), zoned=zones is not None)
    x0, y0, x1, y1 = units.total_bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
    folium.LayerControl(collapsed=True).add_to(m)

    root = m.get_root()
    root.title = html.escape(title or "frontline map")
    root.header.add_child(folium.Element(offline_notice_html() + hover_css()))
    items = [LegendItem(labels[s], STATUS_COLORS[s]) for s in present]
    items = [
        LegendItem(i.label, i.color, "hatch") if s == "contested" else i
        for s, i in zip(present, items, strict=True)
    ]
    items.append(LegendItem("Ukrainian-held", HELD_COLOR, edge="#BFB8A8"))
    items += [
        LegendItem(f"zones: {label}", color, edge="#BFB8A8")
        for _, label, color in (SHARE_CLASSES if zones is not None else ())
    ]
    if kinds["land"] or kinds["river"]:
        items.append(LegendItem("Front line", LINE_COLOR, "line"))
    note = "Dashed: the front line along a river." if kinds["river"] else None
    body = legend_html(items, title="Control", note=note)
    lines_shown = _caption_lines(
        layer,
        boundaries,
        mode=mode,
        credit=credit,
        tolerance=tol,
        zones=None if zones is None else selection.source,
    )
    if lines_shown:
        body += caption_html(lines_shown)
    if title:
        body = heading_html(title) + body
    root.html.add_child(folium.Element(body))
    return m


def to_html(m: Any, *, self_contained: bool = True) -> str:
    """Return a folium map's page as text: self-contained, or linking a CDN.

    Parameters
    ----------
    m : folium.Map
        A map, e.g. from :func:`explore`.
    self_contained : bool, default True
        Inline the JavaScript and CSS (Leaflet 1.9.4, vendored in frontline)
        so that the page works offline and in web archives, and drop the
        libraries folium links that the map does not use. ``False``: link
        them on their CDNs as folium does (a smaller file that needs the
        network; it says so when they do not load).

    Returns
    -------
    str
        The whole HTML page, with its ``<title>``.

    Raises
    ------
    OptionError
        With ``self_contained``, if the map uses a plugin or library that
        frontline does not vendor.
    """
    root = m.get_root()
    page: str = root.render()
    title = getattr(root, "title", None)
    if title:
        page = set_title(page, html.unescape(str(title)))
    return inline_assets(page) if self_contained else page


def _add_statuses(m: Any, shapes: dict[str, Any], labels: dict[str, str]) -> None:
    """Add the statuses as drawn (:func:`status_shapes`) to the map, if any.

    Each status is dissolved (no seams) and cut to the outline (nothing is
    drawn in the sea or abroad).
    """
    import geopandas as gpd

    if not shapes:
        return
    present = list(shapes)
    shown = _rounded(
        gpd.GeoDataFrame(
            {"status": present}, geometry=list(shapes.values()), crs="EPSG:4326"
        )
    )
    shown["status_label"] = shown.status.map(labels)
    shown.explore(
        m=m,
        column="status",
        categories=present,
        cmap=[STATUS_COLORS[s] for s in present],
        legend=False,
        tooltip=["status_label"],
        tooltip_kwds={"labels": False},
        style_kwds={"fillOpacity": 0.75, "weight": 0},
        highlight=False,
        name="Control",
    )


def _rounded(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with coordinates rounded to 5 decimals (1 m): a smaller page."""
    out = gdf.copy()
    out[out.geometry.name] = shapely.transform(
        np.asarray(out.geometry.values, dtype=object), lambda xy: np.round(xy, 5)
    )
    return out


def _region_info(units: gpd.GeoDataFrame, table: Any) -> gpd.GeoDataFrame:
    """Return the selected regions with their figures, for tooltips and popups."""
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
    renamed: gpd.GeoDataFrame = info.rename(
        columns={
            "occupied_pct": "Russian-held %",
            "contested_pct": "contested %",
            "held_pct": "Ukrainian-held %",
            "occupied_km2": "Russian-held km²",
            "contested_km2": "contested km²",
            "held_km2": "Ukrainian-held km²",
        }
    )
    return renamed


def _caption_lines(
    layer: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
    *,
    mode: CaptionMode,
    credit: str | None,
    tolerance: Tolerance,
    zones: str | None = None,
) -> list[str]:
    """Return the caption box's lines: ``short`` credits or the ``full`` method.

    The tolerance is method, stated in the ``full`` caption only (as in
    :func:`frontline.plot._caption.map_caption`).
    """
    if mode == "none":
        return []
    lines = []
    if layer.attrs.get("illustrative"):
        lines.append("ILLUSTRATIVE sample, not a survey.")
    source = (
        source_text(layer)
        if mode == "full"
        else f"{short_source(layer)}, situation on "
        f"{date_text(layer.attrs.get('date'))}."
    )
    lines.append(f"Control: {source}")
    if mode == "full":
        lines.append(
            "Popups: km² and shares of each region's area on the WGS84 ellipsoid."
        )
        lines.append(tolerance_text(tolerance))
    lines += merge_credits(
        [
            *([f"Zones: {zones.rstrip('.')}."] if zones else []),
            *place_credits(boundaries, context=False, towns=False),
            *extra_credits([layer]),
        ]
    )
    lines.append(MADE_WITH)
    if credit:
        lines.append(credit)
    return lines


def _title_of(selection: UnitSet) -> str:
    if selection.zones is None:
        return f"Territorial control: {selection_phrase(selection)}"
    units = selection.frame
    if len(units) > 3:
        return f"Russian-held share of {len(units):,} zones"
    return f"Territorial control: {', '.join(map(str, units.name))}"


def _unit_layer(m: Any, info: gpd.GeoDataFrame, *, zoned: bool) -> None:
    """Regions outlined, or zones filled by share class; popups for both."""
    popup = [c for c in info.columns if c != "geometry"]
    style: dict[str, Any] = {"className": HOVER_CLASS}
    if not zoned:
        info.explore(
            m=m,
            color=UNIT_EDGE,
            style_kwds={**style, "fillOpacity": 0.0, "weight": 1.5},
            highlight=False,
            tooltip=["name", "Russian-held %"],
            popup=popup,
            name="Regions",
        )
        return
    klass = share_class(info["Russian-held %"].to_numpy())
    info["share class"] = [SHARE_CLASSES[k][1] for k in klass]
    fills = {label: color for _, label, color in SHARE_CLASSES}
    info.explore(
        m=m,
        column="share class",
        categories=list(fills),
        cmap=list(fills.values()),
        legend=False,
        style_kwds={
            **style,
            "fillOpacity": 0.7,
            "weight": 0.6 if len(info) > 100 else 1.2,
            "color": UNIT_EDGE,
        },
        highlight=False,
        tooltip=["name", "Russian-held %"],
        popup=popup,
        name="Zones",
    )
