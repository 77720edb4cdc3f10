"""Control layers that show themselves in Jupyter with a small map."""

from __future__ import annotations

import html
import re
from typing import Any

from frontline._table import CAPTION_STYLE, caption_block
from frontline.control import is_normalised
from frontline.plot.maps import plot_control
from frontline.regions import load_regions

__all__ = ["STYLING", "layer_html", "register_jupyter"]


#: Columns that only style a feature in the file it came from (KML styles,
#: simplestyle-spec): a control layer's HTML view leaves them out.
STYLING = re.compile(
    r"^(style|icon|label-|stroke|fill|marker-|line-)|"
    r"^(tessellate|extrude|visibility|altitudeMode|drawOrder)$",
    re.IGNORECASE,
)


def layer_html(gdf: Any) -> str | None:
    """HTML of a GeoDataFrame: a small map first when it is a control layer.

    A control layer's table leaves out the columns that only style its
    features in the source file (``styleUrl``, ``fill``, ``stroke-width`` …,
    17 of them in a raw DeepState layer) and says which. Other GeoDataFrames
    keep their own HTML, so registering this for every GeoDataFrame (see
    :func:`register_jupyter`) changes nothing else.
    """
    if not is_normalised(gdf) or len(gdf) == 0:
        return gdf._repr_html_()  # type: ignore[no-any-return]
    styling = [c for c in gdf.columns if STYLING.search(str(c))]
    table = gdf.drop(columns=styling)._repr_html_()
    if styling:
        table += (
            f'<p style="{CAPTION_STYLE}">{len(styling)} styling column(s) of the '
            f"source file not shown: {html.escape(', '.join(map(str, styling)))}."
            "</p>"
        )
    try:
        image = _small_map_png(gdf)
    except Exception:
        return str(table)
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
        f'alt="map of the control layer"/>{caption_block(caption)}{table}</div>'
    )


def _small_map_png(gdf: Any) -> str:
    import base64
    import io

    from matplotlib.figure import Figure

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
