"""Values quoted in messages, capped (the bottom layer).

Errors and warnings say what they received; a value can be a 5 MiB label or
a list of a million items, so every message quotes it through :func:`quote`,
which keeps it short and says how long it was.
"""

from __future__ import annotations

from typing import Any

__all__ = ["quote"]


def quote(value: Any, limit: int = 80) -> str:
    """Return ``repr(value)``, cut to about ``limit`` characters.

    A longer value is cut with ``…`` and followed by its length, so the
    reader knows it was cut. A value whose ``repr`` fails is named by its
    type.

    Parameters
    ----------
    value : object
        What to quote.
    limit : int, default 80
        The most characters of the ``repr`` shown (at least 8).

    Returns
    -------
    str

    Examples
    --------
    >>> quote("occupied")
    "'occupied'"
    >>> quote("x" * 1000, limit=12)
    "'xxxxxxxxxx… (1,000 characters)"
    >>> quote(list(range(100)), limit=20)
    '[0, 1, 2, 3, 4, 5,… (list of 100 items)'
    """
    limit = max(int(limit), 8)
    if isinstance(value, (str, bytes)):
        # repr of a short head only: a huge string is never copied whole.
        text = _repr(value[: limit + 1])
        unit = "characters" if isinstance(value, str) else "bytes"
        size = f"{len(value):,} {unit}"
    else:
        text = _repr(value)
        try:
            n = len(value)
            size = f"{type(value).__name__} of {n:,} item{'' if n == 1 else 's'}"
        except Exception:  # no len(): a number, an object
            size = f"{len(text):,} characters"
    if len(text) <= limit and (
        not isinstance(value, (str, bytes)) or len(value) <= limit
    ):
        return text
    return f"{text[: limit - 1].rstrip()}… ({size})"


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a __repr__ that fails is still something received
        return f"<{type(value).__name__}>"
    return " ".join(text.split()) if "\n" in text else text
