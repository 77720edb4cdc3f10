"""Reading dates given by users, files and sources (the bottom layer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from frontline._messages import quote
from frontline.errors import OptionError

__all__ = ["parse_date"]


def parse_date(value: Any) -> dt.date:
    """Read a date: a ``datetime.date``/``datetime`` or an ISO string.

    Raises
    ------
    OptionError
        For anything else, with the value received.

    Examples
    --------
    >>> parse_date("2024-11-20T18:00:00Z")
    datetime.date(2024, 11, 20)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        # Dates and date-times ("2024-11-20", "2024-11-20T18:00:00Z"), nothing else.
        return dt.datetime.fromisoformat(str(value).strip()).date()
    except ValueError as exc:
        raise OptionError(
            f"cannot read date {quote(value)}; expected an ISO date such as 2024-11-20"
        ) from exc
