"""Generic control layers: any vector file, classes from the caller."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from frontline._messages import quote
from frontline.errors import FrontlineWarning, OptionError
from frontline.status import classify

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

__all__ = ["GenericAdapter"]

log = logging.getLogger(__name__)


class GenericAdapter:
    """Any layer: a fixed status, a status column, or all ``occupied``.

    Date rule: none of its own; ``date=`` or a single-valued ``date`` column.
    """

    name = "generic"

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match everything (the fallback)."""
        return True

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Assign statuses from the options or the ``status`` column."""
        out = raw.copy()
        what = path.name if path is not None else "GeoDataFrame"
        if status is not None:
            out["status"] = status
        elif status_column is not None:
            if status_column not in out.columns:
                columns = [c for c in out.columns if c != out.geometry.name]
                raise OptionError(
                    f"status_column {quote(status_column, 60)} is not in the "
                    f"layer; its columns are {quote(columns, 160)}"
                )
            out["status"] = classify(out[status_column], status_map, status_column)
        elif "status" in out.columns:
            out["status"] = classify(out["status"], status_map, "status")
        elif status_map is not None:
            raise OptionError(
                "status_map given but no status_column, and the layer has no "
                "'status' column; pass status_column=<the column with the labels>"
            )
        else:
            labelled = [
                c
                for c in out.columns
                if c != out.geometry.name
                and pd.api.types.is_string_dtype(out[c].dtype)  # object or str
                and out[c].nunique(dropna=True) > 1
            ]
            if labelled:
                warnings.warn(
                    f"{what}: no status given, so all {len(out)} features are read "
                    f"as 'occupied', but columns {quote(labelled[:5], 120)} may hold "
                    "classes; "
                    "pass status_column=... (and status_map=...) to use them",
                    FrontlineWarning,
                    stacklevel=4,
                )
            else:
                log.info("%s: no class information; reading all as occupied", what)
            out["status"] = "occupied"
        return out, {
            "source": what if path is not None else "GeoDataFrame",
            "date": None,
        }
