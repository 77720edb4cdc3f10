"""Captions and credits: what a figure shows, from which source and boundaries."""

from __future__ import annotations

import logging
import textwrap
from typing import TYPE_CHECKING, Any

from frontline._units import GROUP_NAMES
from frontline.boundaries import check_boundaries
from frontline.plot._parts import date_text, place_labels
from frontline.plot._style import ALERT, MUTED, unit_names
from frontline.regions import (
    BOUNDARY_SOURCE,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd
    from matplotlib.axes import Axes

    import geopandas as gpd

__all__ = [
    "basis_note",
    "boundary_credit",
    "boundary_credit_text",
    "draw_caption",
    "extra_credits",
    "illustrative_stamp",
    "map_caption",
    "region_labels",
    "selection_phrase",
    "source_text",
]

log = logging.getLogger(__name__)


def region_labels(
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
    place_labels(ax, units, texts, fontsize=7.5 if compact else 8.5)


def _share_text(row: pd.Series, decimals: int, *, suffix: bool = True) -> str:
    fmt = f"{{:.{decimals}f}}"
    occ, cont = float(row["occupied_pct"]), float(row["contested_pct"])
    end = "% Russian-held" if suffix else "%"
    if cont >= 0.5 * 10 ** (-decimals):
        return f"{fmt.format(occ)}–{fmt.format(occ + cont)}{end}"
    return f"{fmt.format(occ)}{end}"


def illustrative_stamp(ax: Axes, corner: str) -> None:
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
    if boundaries.startswith("Natural Earth"):
        return "Boundaries: made with Natural Earth (10m admin-1, public domain)."
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
) -> list[str]:
    rows = table.set_index("region_id")
    shares = [
        f"{_share_text(rows.loc[g], decimals, suffix=False)} of {group_phrase(g)}"
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
    lines.append(f"Control: {source_text(layer)}")
    if line["land"] or line["river"]:
        lines.append(_line_credit(front, line))
    lines.append(boundary_credit_text(str(table.attrs.get("boundaries", ""))))
    note = basis_note(table.attrs)
    if note:
        lines.append(note)
    lines.extend(extra_credits([layer]))
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


def draw_caption(ax: Axes, lines: list[str], y: float = -0.015) -> None:
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
        color=MUTED,
        linespacing=1.35,
        gid="caption",
    )


def group_phrase(group: str) -> str:
    """Return a group's name inside a sentence (``the four regions``, ``Ukraine``)."""
    if group == "all":
        return "Ukraine"
    name = GROUP_NAMES.get(group)
    return f"the {name[0].lower()}{name[1:]}" if name else group
