"""Values quoted in messages, capped (the bottom layer).

Errors and warnings say what they received; a value can be a 5 MiB label or
a list of a million items, so every message quotes it through :func:`quote`,
which keeps it short and says how long it was.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from frontline.errors import FrontlineWarning

__all__ = ["quote", "warn"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


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


def warn(message: str, category: type[Warning] = FrontlineWarning) -> None:
    """Warn, pointing at the first line outside frontline (the user's call).

    The stack level is counted, not guessed: however deep inside frontline
    the warning is raised, it names the line that called into frontline.
    """
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 names the frame that called warn()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a __repr__ that fails is still something received
        return f"<{type(value).__name__}>"
    return " ".join(text.split()) if "\n" in text else text
