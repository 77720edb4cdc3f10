"""The status vocabulary (contract) and the translation of labels into it.

The bottom of frontline's layers: every module that speaks of statuses
imports them from here.

``occupied``
    Held by Russian forces, taken since 24 Feb 2022 (a source that does not
    separate dates puts all Russian-held area here).
``occupied_before_2022``
    Crimea, Sevastopol and the parts of Donetsk and Luhansk oblasts held
    before 24 Feb 2022.
``contested``
    Grey zone, unknown or disputed status.
``liberated``
    Retaken by Ukraine after occupation (Ukrainian-held; kept for history).

Where statuses overlap, the area goes to the first in :data:`PRECEDENCE`
(``occupied_before_2022`` > ``occupied`` > ``contested`` > ``liberated``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pandas as pd

from frontline._messages import quote
from frontline.errors import UnknownStatusError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["PRECEDENCE", "RUSSIAN_HELD", "STATUSES", "check_status", "classify"]

#: The status vocabulary (contract).
STATUSES: Final = ("occupied", "occupied_before_2022", "contested", "liberated")
#: Statuses that count as Russian-held.
RUSSIAN_HELD: Final = ("occupied", "occupied_before_2022")
#: Order in which overlapping statuses claim area (first wins).
PRECEDENCE: Final = ("occupied_before_2022", "occupied", "contested", "liberated")

#: Labels accepted in a ``status`` column without a ``status_map`` (case-folded).
_SYNONYMS: Final[dict[str, str]] = {
    "occupied": "occupied",
    "occupied_since_2022": "occupied",
    "russian": "occupied",
    "russian-held": "occupied",
    "russian_held": "occupied",
    "ru": "occupied",
    "occupied_before_2022": "occupied_before_2022",
    "occupied before 2022": "occupied_before_2022",
    "pre-2022": "occupied_before_2022",
    "pre_2022": "occupied_before_2022",
    "contested": "contested",
    "grey": "contested",
    "gray": "contested",
    "grey zone": "contested",
    "gray zone": "contested",
    "unknown": "contested",
    "disputed": "contested",
    "liberated": "liberated",
}


def check_status(value: str) -> str:
    """Return the status a label names (a status or a common synonym).

    Raises
    ------
    UnknownStatusError
        If the label is neither.

    Examples
    --------
    >>> check_status("Grey zone")
    'contested'
    """
    if value in STATUSES:
        return value
    key = str(value).strip().casefold()
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    raise UnknownStatusError(
        f"unknown status {quote(value)}; expected one of {', '.join(STATUSES)}"
    )


def classify(
    labels: pd.Series, status_map: Mapping[str, str] | None, column: str
) -> pd.Series:
    """Map a column of labels to statuses (helper for source adapters)."""
    if status_map is not None:
        mapping = {str(k): check_status(v) for k, v in status_map.items()}
        text = labels.astype("string")
        unknown = sorted(set(text.dropna()) - set(mapping))
        if unknown or text.isna().any():
            found = sorted(set(text.dropna()))
            raise UnknownStatusError(
                f"column {quote(column, 40)} has labels that status_map does not "
                f"cover: {_some(unknown or ['<missing>'])}; labels found: "
                f"{_some(found)}. Add them to status_map (values one of "
                f"{', '.join(STATUSES)})"
            )
        return text.map(mapping).astype(object)
    out = []
    for value in labels:
        key = None if pd.isna(value) else str(value).strip().casefold()
        if key is None or key not in _SYNONYMS:
            found = sorted({str(v) for v in labels.dropna().unique()})
            raise UnknownStatusError(
                f"column {quote(column, 40)} holds label {quote(value, 60)}, which "
                f"is not a status; labels found: {_some(found)}. Pass "
                f"status_map={{label: status}} with statuses from "
                f"{', '.join(STATUSES)}"
            )
        out.append(_SYNONYMS[key])
    return pd.Series(out, index=labels.index, dtype=object)


def _some(labels: list[str]) -> str:
    """Show a few labels, each capped, and how many there are."""
    shown = ", ".join(quote(label, 40) for label in labels[:5])
    more = f" … ({len(labels):,} in all)" if len(labels) > 5 else ""
    return f"[{shown}{more}]"
