"""Source adapters: how to read each public control map.

An adapter knows one source's schema: how to recognise its files, how to map
its classes to frontline's statuses, which date a file shows, and what to skip.
:func:`frontline.read_control` picks one with ``source="auto"``; adapters are
tried in :data:`ADAPTERS` order and ``generic`` always matches last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontline.errors import OptionError
from frontline.sources._base import SourceAdapter
from frontline.sources.deepstate import DeepStateUnionAdapter
from frontline.sources.generic import GenericAdapter

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

__all__ = ["ADAPTERS", "SourceAdapter", "pick_adapter"]

#: Registered adapters by name, in detection order.
ADAPTERS: dict[str, SourceAdapter] = {
    adapter.name: adapter for adapter in (DeepStateUnionAdapter(), GenericAdapter())
}


def pick_adapter(
    source: str, path: Path | None, raw: gpd.GeoDataFrame
) -> SourceAdapter:
    """Return the adapter named ``source``, or the first that recognises the input.

    Raises
    ------
    OptionError
        If ``source`` names no adapter.
    """
    if source == "auto":
        return next(a for a in ADAPTERS.values() if a.sniff(path, raw))
    if source not in ADAPTERS:
        raise OptionError(
            f"unknown source {source!r}; expected 'auto' or one of {list(ADAPTERS)}"
        )
    return ADAPTERS[source]
