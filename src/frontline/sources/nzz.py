"""NZZ front-line map (Liveuamap data): the period files.

The area layer behind the Neue Zürcher Zeitung's interactive map, as saved
once a day (e.g. the conflict-investigations/nzz-maps repository,
``YYYY-MM-DD.json``): a JSON object ``{"value": FeatureCollection}`` — the
FeatureCollection is nested, so it is not a GeoJSON file; frontline unwraps
it (also gzip-compressed, ``.json.gz``). An unwrapped FeatureCollection with
the same properties is recognised too.

Two or three features, property ``type``:

============  ===================================================  ============
type          meaning                                              status
============  ===================================================  ============
``nochange``  Russian-held, unchanged in the window                occupied
``gains``     Russian gains in the window                          occupied
``losses``    Russian losses in the window: inside Ukraine,        liberated /
              retaken by Ukraine; in 2024-2025 mostly the          dropped
              Ukrainian-held part of Russia's Kursk region
============  ===================================================  ============

``losses`` are split polygon by polygon: a polygon lying mostly (> 50 % of its
km²) outside Ukraine's outline (the embedded boundaries) is not territory of
Ukraine; it is dropped, logged and its km² recorded in ``attrs["dropped"]``.
The rest is ``liberated``. ``status_map`` overrides the status of a type
(values: a status or ``"drop"``).

Coverage: NZZ never maps Crimea, and pre-2022 Donbas (ORDLO) only up to the
2024-03-13 file. ``attrs["coverage"]`` says which of the two a layer marks as
Russian-held (point tests, see :func:`frontline.sources._base.coverage`);
:func:`frontline.compare.compare_sources` warns when such a layer is compared
with sources that include them. The layer does not separate pre-2022 areas,
so everything Russian-held is ``occupied``.

Date rule: the ``date`` property is the date of the situation shown (usually
the day before the file name; NZZ updates in batches, so several files can
show the same date). ``_datefrom`` / ``_dateto`` (the window of the change
layers) are kept in ``attrs["window"]``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely

from frontline._guard import shown
from frontline._messages import quote, warn
from frontline._units import ukraine_outline
from frontline.errors import OptionError, UnknownStatusError
from frontline.sources._base import (
    DROP,
    class_statuses,
    coverage,
    drop_rows,
    frame_from_features,
    measure_km2,
    repair_invalid,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

__all__ = ["CLASSES", "NZZAdapter"]

log = logging.getLogger(__name__)

#: Default status of each NZZ type (``losses`` outside Ukraine are dropped).
CLASSES: Final[dict[str, str]] = {
    "nochange": "occupied",
    "gains": "occupied",
    "losses": "liberated",
}
#: A ``losses`` polygon with less than this share of its km² inside Ukraine
#: is outside Ukraine.
INSIDE_SHARE: Final = 0.5

_TYPES: Final = frozenset(CLASSES)


class NZZAdapter:
    """NZZ / Liveuamap period files; see the module docstring for the rules."""

    name = "nzz"

    def from_document(self, doc: Any, path: Path) -> gpd.GeoDataFrame | None:
        """Unwrap ``{"value": FeatureCollection}``."""
        if not isinstance(doc, dict):
            return None
        inner = doc.get("value")
        if not isinstance(inner, dict) or inner.get("type") != "FeatureCollection":
            return None
        raw = frame_from_features(inner.get("features"), shown(path))
        raw.attrs["nzz_document"] = True
        return raw

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match NZZ's wrapped documents and layers typed nochange/gains/losses.

        A layer of changes only (no ``nochange``) is NZZ's too: read as
        anything else, its ``losses`` would count as Russian-held.
        """
        if raw.attrs.get("nzz_document"):
            return True
        if "type" not in raw.columns:
            return False
        types = set(raw["type"].dropna().astype(str))
        return bool(types) and types <= _TYPES

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Classify the types; drop the ``losses`` outside Ukraine (recorded)."""
        what = path.name if path is not None else "the layer"
        if status is not None or status_column is not None:
            raise OptionError(
                "NZZ files carry their own classes in 'type'; use status_map="
                f"{{type: status}} (types: {list(CLASSES)}) or source='generic'"
            )
        table = class_statuses(CLASSES, status_map, "NZZ")
        types = _check_types(raw, what)
        dropped: dict[str, Any] = {}
        present = ~shapely.is_missing(np.asarray(raw.geometry.values, dtype=object))
        out = raw.loc[present].copy()
        loss = (out["type"] == "losses").to_numpy()
        if loss.any():
            # Place each polygon of the losses on its own.
            parts = out.loc[loss].explode(index_parts=False)
            parts = drop_rows(
                parts,
                _outside_ukraine(parts.geometry.values),
                labels=np.full(len(parts), "losses (Ukrainian-held land in Russia)"),
                prefix="outside Ukraine",
                what=what,
                dropped=dropped,
            )
            out = pd.concat([out.loc[~loss], parts])
        out["status"] = [table[t] for t in out["type"]]
        off = (out["status"] == DROP).to_numpy()
        out = drop_rows(
            out,
            off,
            labels=out["type"],
            prefix="dropped type",
            what=what,
            dropped=dropped,
        )
        out, repairs = repair_invalid(out, what)
        if "nochange" not in set(types):
            km2 = measure_km2(out.geometry.values)
            kinds = out["type"].to_numpy()
            held = [
                f"{t} as {table[t]} ({float(km2[kinds == t].sum()):,.1f} km²)"
                for t in sorted(set(kinds))
            ]
            warn(
                f"{what}: this NZZ layer has no 'nochange' part, only the changes "
                f"of its window ({', '.join(held) or 'nothing left'}); it is not a "
                "map of Russian-held territory, so its totals are not the front's. "
                "Use the full period file"
            )
        date = _date(raw)
        window = {
            key: sorted(set(raw[col].dropna().astype(str)))
            for key, col in (("from", "_datefrom"), ("to", "_dateto"))
            if col in raw.columns
        }
        cover = coverage(out)
        missing = [
            label
            for key, label in (
                ("crimea", "Crimea"),
                ("pre_2022_donbas", "pre-2022 Donbas (ORDLO)"),
            )
            if not cover[key]
        ]
        log.info("%s: NZZ layer of %s; types %s", what, date, sorted(set(types)))
        return out, {
            "source": "NZZ / Liveuamap front-line map",
            "date": date,
            "date_rule": "the 'date' property (situation shown; usually the day "
            "before the file name)",
            "window": window,
            "dropped": dropped,
            "repairs": repairs,
            "coverage": cover,
            "coverage_note": (
                f"this NZZ/Liveuamap layer does not map {' or '.join(missing)}"
                if missing
                else ""
            ),
        }


def _check_types(raw: gpd.GeoDataFrame, what: str) -> Any:
    """Return the ``type`` of every feature; refuse any that is not NZZ's."""
    if "type" not in raw.columns:
        columns = [c for c in raw.columns if c != raw.geometry.name]
        raise UnknownStatusError(
            f"{what}: no 'type' column, so this is not an NZZ layer (its "
            f"columns: {quote(columns, 80)}); expected types {list(CLASSES)}. "
            "Read it with source='generic'"
        )
    types = raw["type"]
    missing = int(types.isna().sum())
    if missing:
        raise UnknownStatusError(
            f"{what}: {missing} feature(s) have no 'type'; every NZZ feature is "
            f"one of {list(CLASSES)}. Fix the file or read it with "
            "source='generic'"
        )
    text = types.astype(str)
    unknown = sorted(set(text) - _TYPES)
    if unknown:
        shown_types = ", ".join(quote(t, 40) for t in unknown[:5])
        raise UnknownStatusError(
            f"{what}: 'type' holds {shown_types}"
            f"{f' … ({len(unknown):,} in all)' if len(unknown) > 5 else ''}, "
            f"which are not NZZ types; expected {list(CLASSES)}. Read it with "
            "source='generic' and a status_map"
        )
    return text.to_numpy()


def _outside_ukraine(geoms: Any) -> Any:
    """Tell, for each polygon, whether it lies mostly outside Ukraine."""
    arr = np.asarray(geoms, dtype=object)
    total = measure_km2(arr)
    inside = measure_km2(
        shapely.intersection(shapely.make_valid(arr), ukraine_outline())
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, inside / total, 1.0)
    return share < INSIDE_SHARE


def _date(raw: gpd.GeoDataFrame) -> dt.date | None:
    if "date" not in raw.columns:
        return None
    values = sorted(set(raw["date"].dropna().astype(str)))
    if not values:
        return None
    if len(values) > 1:
        log.info("NZZ layer with several dates %s; using the latest", values)
    try:
        return dt.date.fromisoformat(values[-1][:10])
    except ValueError:
        return None
