"""The adapter interface."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

__all__ = ["SourceAdapter"]


class SourceAdapter(Protocol):
    """What a source adapter provides.

    ``sniff`` says whether a raw layer (and its path, if any) comes from this
    source; ``read`` returns the layer with a ``status`` column and the attrs
    to record (at least ``source`` and ``date``; a ``date`` of ``None`` lets
    the reader fall back to a ``date`` column).
    """

    name: str

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Return True if the raw layer comes from this source."""
        ...

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Classify the raw layer; return it and the attrs to record."""
        ...
