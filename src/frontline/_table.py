"""Tables that show themselves well in Jupyter (the bottom layer)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["CAPTION_STYLE", "FrontlineTable", "caption_block"]

#: A caption that wraps within the output area whatever the table's width (a
#: ``<caption>`` widens a narrow table to its own width in some front ends).
CAPTION_STYLE = (
    "max-width:100%;white-space:normal;overflow-wrap:anywhere;margin:0 0 0.4em;"
    "font-size:0.9em;color:#555;text-align:left"
)


def caption_block(text: str) -> str:
    """Return a caption as a paragraph that wraps in any output area.

    Examples
    --------
    >>> caption_block("2024-11-20 — a & b")[:12]
    '<p class="fr'
    """
    return (
        f'<p class="frontline-caption" style="{CAPTION_STYLE}">{html.escape(text)}</p>'
    )


_GROUPS = {"four", "six", "all", "total"}


class FrontlineTable(pd.DataFrame):
    """A DataFrame that renders as a formatted table with its provenance.

    It is a plain :class:`pandas.DataFrame` in every other way (``attrs``
    included); only Jupyter's HTML view differs: km² with thousands
    separators, percentages with one decimal, group rows in bold and a caption
    with the date, source, basis, boundaries and water mask the figures
    depend on.
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
            styler.format(formats, na_rep="").apply(bold, axis=1).hide(axis="index")
        )
        return caption_block(self.caption()) + str(styled.to_html())

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
        if attrs.get("water"):
            parts.append(f"water taken out: {attrs['water']}")
        if attrs.get("illustrative"):
            parts.append("ILLUSTRATIVE sample, not a survey")
        return " — ".join(parts)
