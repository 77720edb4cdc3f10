"""Maps and charts: the figure a reader expects, in one call.

Every ``plot_*`` function follows geopandas' ``plot_dataframe``: it takes
``ax=None`` (a new figure is made only when no Axes is given), draws, and
returns the :class:`~matplotlib.axes.Axes`. Nothing is shown or saved, except
by :func:`animate`, which writes a file by design. matplotlib is imported
inside the functions.

* :mod:`frontline.plot.maps` — :func:`plot_control`, :func:`plot_map`,
  :func:`plot_change_map`;
* :mod:`frontline.plot.charts` — :func:`plot_shares`, :func:`plot_timeseries`,
  :func:`plot_changes`;
* :mod:`frontline.plot.interactive` — :func:`explore` (a web map) and
  :func:`to_html` (its page, self-contained);
* :mod:`frontline.plot.animation` — :func:`animate` (GIF, MP4);
* :func:`editable_text` — save SVG/PDF with texts a graphics desk can edit.

The palette (:data:`STATUS_COLORS`) is from Paul Tol's colour-blind-safe
schemes; statuses also differ in lightness, and the grey zone is hatched, so
the map reads in greyscale too.
"""

from __future__ import annotations

from frontline.plot._export import editable_text
from frontline.plot._style import (
    CHANGE_COLORS,
    HELD_COLOR,
    NEIGHBOUR_COLOR,
    SEA_COLOR,
    STATUS_COLORS,
    STATUS_LABELS,
)
from frontline.plot.animation import animate
from frontline.plot.charts import plot_changes, plot_shares, plot_timeseries
from frontline.plot.interactive import explore, to_html
from frontline.plot.maps import plot_change_map, plot_control, plot_map

__all__ = [
    "CHANGE_COLORS",
    "HELD_COLOR",
    "NEIGHBOUR_COLOR",
    "SEA_COLOR",
    "STATUS_COLORS",
    "STATUS_LABELS",
    "animate",
    "editable_text",
    "explore",
    "plot_change_map",
    "plot_changes",
    "plot_control",
    "plot_map",
    "plot_shares",
    "plot_timeseries",
    "to_html",
]
