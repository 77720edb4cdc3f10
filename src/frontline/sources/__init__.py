"""Source adapters: how to read each public control map.

An adapter knows one source's schema: how to recognise its files, how to map
its classes to frontline's statuses, which date a file shows, and what to skip.
:func:`frontline.read_control` picks one with ``source="auto"``; adapters are
tried in :data:`ADAPTERS` order and ``generic`` always matches last.

=====================  =======================================================
adapter                source
=====================  =======================================================
``deepstate``          DeepState raw map versions (all classes)
``deepstate-union``    DeepState daily union archive (one MultiPolygon)
``isw``                ISW/CTP control-of-terrain layers
``nzz``                NZZ / Liveuamap period files (``{"value": …}``)
``generic``            anything else; classes from the caller
=====================  =======================================================

Each adapter module documents its classes, traps and date rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontline._messages import quote
from frontline.errors import OptionError
from frontline.sources._base import DROP, DocumentReader, SourceAdapter
from frontline.sources.deepstate import DeepStateRawAdapter, DeepStateUnionAdapter
from frontline.sources.generic import GenericAdapter
from frontline.sources.isw import ISWAdapter
from frontline.sources.nzz import NZZAdapter

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

__all__ = [
    "ADAPTERS",
    "DROP",
    "DocumentReader",
    "SourceAdapter",
    "pick_adapter",
    "read_raw",
]

#: Registered adapters by name, in detection order.
ADAPTERS: dict[str, SourceAdapter] = {
    adapter.name: adapter
    for adapter in (
        DeepStateUnionAdapter(),
        DeepStateRawAdapter(),
        NZZAdapter(),
        ISWAdapter(),
        GenericAdapter(),
    )
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
            f"unknown source {quote(source)}; expected 'auto' or one of "
            f"{list(ADAPTERS)}"
        )
    return ADAPTERS[source]


def read_raw(path: Path) -> gpd.GeoDataFrame | None:
    """Open a file that only a source adapter can read, else return None.

    The reader calls this before pyogrio. A ``.json`` / ``.json.gz`` file that
    is not plain GeoJSON is parsed once and offered to every adapter that
    implements :class:`DocumentReader` (NZZ's ``{"value": …}``, DeepState's
    ``{"map": …}``, ISW's area table). Everything else, and documents no
    adapter claims, gives None and goes to pyogrio.
    """
    from frontline.sources._base import read_json_document

    doc = read_json_document(path)
    if doc is None:
        return None
    for adapter in ADAPTERS.values():
        if isinstance(adapter, DocumentReader):
            raw = adapter.from_document(doc, path)
            if raw is not None:
                return raw
    return None
