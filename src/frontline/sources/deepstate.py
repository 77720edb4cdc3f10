"""DeepState control layers.

Daily union archive (``deepstatemap_data_YYYYMMDD.geojson``, e.g. the
cyterat/deepstate-map-data repository): one MultiPolygon with no attributes,
the union of DeepState's "Occupied", "CADR and CALR" and "Occupied Crimea"
classes. It separates neither the pre-2022 areas nor the grey zone, so all of
it is read as ``occupied`` (Russian-held). Date rule: the file is downloaded
at about 03:00 UTC on day D and shows the map published on the evening of
D - 1, so ``attrs["date"]`` is D - 1.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from frontline.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

__all__ = ["DeepStateUnionAdapter"]

_UNION_NAME = re.compile(r"deepstatemap_data_(\d{4})(\d{2})(\d{2})")


class DeepStateUnionAdapter:
    """DeepState daily union archive; see the module docstring for the rules."""

    name = "deepstate-union"

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match files named ``deepstatemap_data_YYYYMMDD`` with no classes."""
        if path is None or not _UNION_NAME.search(path.name):
            return False
        return set(raw.columns) <= {raw.geometry.name, "id"}

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Read every polygon as ``occupied`` (or ``status``)."""
        if status_column is not None or status_map is not None:
            raise OptionError(
                "the DeepState union archive has no class column; drop "
                "status_column/status_map (or pass source='generic')"
            )
        out = raw.copy()
        out["status"] = status or "occupied"
        date = None
        match = _UNION_NAME.search(path.name) if path is not None else None
        if match:
            shown = dt.date(*(int(g) for g in match.groups()))
            date = shown - dt.timedelta(days=1)
        return out, {
            "source": "DeepState daily union archive (Russian-held incl. Crimea and "
            "pre-2022 areas; grey zone not included)",
            "date": date,
            "date_rule": "file deepstatemap_data_D shows the evening of D-1",
        }
