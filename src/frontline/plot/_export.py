"""Saving figures whose texts a graphics desk can edit (SVG, PDF)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.figure import Figure

__all__ = ["editable_text"]

log = logging.getLogger(__name__)

#: The white box that stands in for a label's halo in vector files.
_HALO_BOX = {
    "boxstyle": "round,pad=0.12,rounding_size=0.2",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.78,
}


@contextmanager
def editable_text(fig: Figure) -> Iterator[Figure]:
    """Save a figure with real text in SVG and PDF, not outlines.

    Inside the ``with`` block, SVG keeps every text as a ``<text>`` element
    (``svg.fonttype: none``) and PDF embeds TrueType fonts
    (``pdf.fonttype: 42``), so that titles, captions and labels can be edited
    in Illustrator or Inkscape. matplotlib draws text with a path effect (the
    white halo of map labels) as outlines, so those halos are swapped for a
    white box while saving, and put back afterwards.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save, e.g. ``ax.figure`` of :func:`plot_map`.

    Yields
    ------
    matplotlib.figure.Figure
        The same figure.

    Examples
    --------
    >>> import io
    >>> import frontline as fl
    >>> from frontline.plot import editable_text
    >>> ax = fl.plot_map(fl.load_sample(), "four", line=False, towns=False)
    >>> out = io.StringIO()
    >>> with editable_text(ax.figure):
    ...     ax.figure.savefig(out, format="svg")
    >>> "<text" in out.getvalue() and "Donetsk" in out.getvalue()
    True
    """
    import matplotlib as mpl
    from matplotlib.text import Text

    saved: list[tuple[Any, list[Any], Any]] = []
    for text in fig.findobj(Text):
        effects = text.get_path_effects()
        if effects and text.get_bbox_patch() is None and text.get_text():
            saved.append((text, effects, text.get_zorder()))
            text.set_path_effects([])
            text.set_bbox(dict(_HALO_BOX))
    try:
        with mpl.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
            yield fig
    finally:
        for text, effects, _ in saved:
            text.set_bbox(None)
            text.set_path_effects(effects)
