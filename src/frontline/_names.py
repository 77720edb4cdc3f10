"""Name normalisation shared by region and settlement look-ups."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_name"]

#: Apostrophes and quote marks in transliterations (Kup'yans'k, Купʼянськ …).
_APOSTROPHES = re.compile(
    r"[\u2019\u2018\u02bc\u02bb\u02b9\u0027`\u00b4\u201d\u2033\"]"
)
#: Word separators: spaces, hyphens and dashes of every kind, _ . , /
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014_.,/]+")


def normalise_name(text: str) -> str:
    """Case-fold a name, drop apostrophes, and join words with one space.

    Examples
    --------
    >>> normalise_name("Kup’yans’k")
    'kupyansk'
    >>> normalise_name("  Ivano-Frankivsk   Oblast ")
    'ivano frankivsk oblast'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    return _SEPARATORS.sub(" ", text).strip()
