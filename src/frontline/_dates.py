"""Reading dates given by users, files and sources (the bottom layer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from frontline._messages import quote, warn
from frontline.errors import OptionError

__all__ = ["calendar_date", "parse_date"]


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


def calendar_date(
    year: int, month: int, day: int, *, what: str, shift_days: int = 0
) -> dt.date | None:
    """Return the date a file name or property spells, or None if it is impossible.

    ``shift_days`` is added (a file of day D showing the evening of D − 1).
    An impossible date (30 February, month 13, year 0, a shift before year
    1) gives None and one :class:`FrontlineWarning` naming ``what``: the
    date is then unknown, as for a file that has none, and the map is still
    read.

    Examples
    --------
    >>> calendar_date(2024, 11, 21, what="x", shift_days=-1)
    datetime.date(2024, 11, 20)
    """
    try:
        return dt.date(year, month, day) + dt.timedelta(days=shift_days)
    except (ValueError, OverflowError):
        warn(
            f"{what}: {year:04d}-{month:02d}-{day:02d} is not a date on the "
            "calendar, so the map's date is unknown; rename the file or pass "
            "date=YYYY-MM-DD"
        )
        return None


def calendar_time(text: str, fmt: str, *, what: str) -> dt.datetime | None:
    """Parse a UTC time such as ``20241120T213037`` in a file name; None if impossible.

    Examples
    --------
    >>> calendar_time("20241120T213037", "%Y%m%dT%H%M%S", what="x").hour
    21
    """
    try:
        return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
    except ValueError:
        warn(
            f"{what}: {text!r} is not a time on the calendar, so the map's date "
            "is unknown; rename the file or pass date=YYYY-MM-DD"
        )
        return None
