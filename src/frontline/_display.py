"""Tables that show themselves well in Jupyter."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["FrontlineTable", "layer_html", "register_jupyter"]

_GROUPS = {"four", "six", "all", "total"}


class FrontlineTable(pd.DataFrame):
    """A DataFrame that renders as a formatted table with its provenance.

    It is a plain :class:`pandas.DataFrame` in every other way (``attrs``
    included); only Jupyter's HTML view differs: km² with thousands
    separators, percentages with one decimal, group rows in bold and a caption
    with the date, source, basis and boundaries the figures depend on.
    """

    @property
    def _constructor(self) -> type[FrontlineTable]:
        return FrontlineTable

    def _repr_html_(self) -> str | None:
        try:
            styler = self.style
        except ImportError:  # pandas' Styler needs jinja2: the plain table
            return str(self.to_html(index=False))
        formats: dict[str, Any] = {}
        for col in self.columns:
            if str(col).endswith("_km2"):
                formats[col] = "{:,.1f}"
            elif str(col).endswith("_pct"):
                formats[col] = "{:.1f}"
        has_ids = "region_id" in self.columns

        def bold(row: pd.Series) -> list[str]:
            group = has_ids and str(row["region_id"]) in _GROUPS
            return ["font-weight: bold" if group else ""] * len(row)

        styled = (
            styler.format(formats, na_rep="")
            .apply(bold, axis=1)
            .hide(axis="index")
            .set_caption(html.escape(self.caption()))
        )
        return str(styled.to_html())

    def caption(self) -> str:
        """One line saying what the figures are and what they depend on."""
        attrs = self.attrs
        parts = [
            f"{attrs['date']}" if attrs.get("date") else "date unknown",
            str(attrs.get("source") or "source unknown"),
        ]
        if attrs.get("basis"):
            parts.append(f"basis: {attrs['basis']}")
        if attrs.get("boundaries"):
            parts.append(f"boundaries: {attrs['boundaries']}")
        if attrs.get("illustrative"):
            parts.append("ILLUSTRATIVE sample, not a survey")
        return " — ".join(parts)


def layer_html(gdf: Any) -> str | None:
    """HTML of a GeoDataFrame: a small map first when it is a control layer.

    Other GeoDataFrames keep their own HTML, so registering this for every
    GeoDataFrame (see :func:`register_jupyter`) changes nothing else.
    """
    from frontline.control import is_normalised

    table = gdf._repr_html_()
    if not is_normalised(gdf) or len(gdf) == 0:
        return table  # type: ignore[no-any-return]
    try:
        image = _small_map_png(gdf)
    except Exception:
        return table  # type: ignore[no-any-return]
    attrs = gdf.attrs
    caption = " — ".join(
        str(v)
        for v in (
            attrs.get("date") or "date unknown",
            attrs.get("source") or "source unknown",
            "ILLUSTRATIVE sample, not a survey" if attrs.get("illustrative") else "",
        )
        if v
    )
    return (
        f'<div><img src="data:image/png;base64,{image}" '
        f'alt="map of the control layer"/>'
        f"<p><small>{html.escape(caption)}</small></p>{table}</div>"
    )


def _small_map_png(gdf: Any) -> str:
    import base64
    import io

    from matplotlib.figure import Figure

    from frontline.plot import plot_control
    from frontline.regions import load_regions

    fig = Figure(figsize=(4.0, 3.0), dpi=72)
    ax = fig.add_subplot()
    outline = load_regions("all")
    outline.boundary.plot(ax=ax, color="0.6", linewidth=0.4)
    plot_control(gdf, ax=ax)
    ax.set_axis_off()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def register_jupyter() -> bool:
    """Show control layers with a small map in IPython/Jupyter.

    Called on ``import frontline`` when IPython is running; returns whether a
    formatter was registered.
    """
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return False
    import geopandas as gpd

    shell.display_formatter.formatters["text/html"].for_type(
        gpd.GeoDataFrame, layer_html
    )
    return True
