"""Exceptions and warnings raised by frontline.

Every error derives from :class:`FrontlineError` *and* from the builtin that
matches its meaning, so ``except ValueError`` (or ``KeyError`` …) keeps working
in code that does not know about frontline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AmbiguousSettlementError",
    "ArgumentTypeError",
    "CRSError",
    "ChecksumError",
    "DownloadError",
    "EmptyLayerError",
    "FrontlineError",
    "FrontlineWarning",
    "GeometryError",
    "InputFileNotFoundError",
    "OptionError",
    "OutputError",
    "RegionNotFoundError",
    "SettlementLookupError",
    "SettlementNotFoundError",
    "SnapshotNotFoundError",
    "UnknownStatusError",
    "UnsupportedFormatError",
]


class FrontlineError(Exception):
    """Base class for frontline errors."""


class InputFileNotFoundError(FrontlineError, FileNotFoundError):
    """An input file does not exist."""


class UnsupportedFormatError(FrontlineError, ValueError):
    """An input file cannot be read as a vector layer."""


class EmptyLayerError(FrontlineError, ValueError):
    """A control layer holds no polygon."""


class GeometryError(FrontlineError, ValueError):
    """Geometry that cannot be repaired (non-finite coordinates, outside Ukraine…)."""


class CRSError(FrontlineError, ValueError):
    """A missing, contradictory or unexpected coordinate reference system."""


class UnknownStatusError(FrontlineError, ValueError):
    """A control label that does not map to the status vocabulary."""


class RegionNotFoundError(FrontlineError, KeyError):
    """An unknown region name, id or group."""

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


class OptionError(FrontlineError, ValueError):
    """An invalid option or a contradictory combination of options."""


class ArgumentTypeError(OptionError, TypeError):
    """An argument of the wrong type (a list where a mapping is expected …).

    Also an :class:`OptionError` (and so a ``ValueError``), so code written
    before this class existed keeps catching it; ``except TypeError`` works
    too.
    """


class SettlementLookupError(FrontlineError, KeyError):
    """A settlement name that does not resolve to exactly one place.

    ``candidates`` holds the places considered (geonameid, name, region_id,
    region_name, population), empty when nothing came close.
    """

    def __init__(self, message: str, candidates: pd.DataFrame | None = None):
        import pandas as pd

        super().__init__(message)
        self.candidates = (
            candidates
            if candidates is not None
            else pd.DataFrame(columns=["geonameid", "name", "region_id", "population"])
        )

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


class SettlementNotFoundError(SettlementLookupError):
    """No populated place has that name."""


class AmbiguousSettlementError(SettlementLookupError):
    """Several populated places have that name."""


class DownloadError(FrontlineError, ConnectionError):
    """A download failed: offline, HTTP error, timeout, truncated, refused redirect.

    ``url`` is the URL asked for and ``status`` the HTTP status, if any.
    """

    def __init__(
        self, message: str, *, url: str | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.url = url
        self.status = status


class ChecksumError(DownloadError, ValueError):
    """A downloaded file's sha256 differs from the expected one (nothing cached)."""


class OutputError(FrontlineError, OSError):
    """An output file cannot be written (missing folder, permissions, name…)."""


class SnapshotNotFoundError(FrontlineError, LookupError):
    """A source has no snapshot for the date asked for."""


class FrontlineWarning(UserWarning):
    """A recoverable data problem, e.g. a repaired geometry."""
