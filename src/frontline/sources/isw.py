"""ISW / CTP control-of-terrain layers.

The Institute for the Study of War and AEI's Critical Threats Project publish
their map as ArcGIS layers; users download them as GeoJSON, KML/KMZ or
Shapefile, one file per layer or several layers in one file. Simplified
exports such as ``isw_control_map_simplified/YYYY-MM-DD.geojson``
(hcss-utils/war-datasets-dashboard) carry ``layer_type``, ``date`` and
``area_km2`` properties.

The layer's name says what it shows. It is read from a ``layer_type`` column,
a ``layer`` column (one per KML folder / GeoPackage layer, added by the
reader) or the file name, and matched by keywords, because ISW renames its
layers over time:

=====================  ===========================================  ==========
class                  ISW layer names (examples)                   status
=====================  ===========================================  ==========
``control``            Assessed Russian-controlled Ukrainian        occupied
                       Territory; Russian Control of Terrain in
                       Ukraine; ``ukraine_control_map``
``pre_2022``           Russian-controlled Ukrainian Territory       occupied_
                       before February 24, 2022;                    before_2022
                       DonbasBeforeFeb24_2022
``advances``           Assessed Russian Advances in Ukraine;        contested
                       Assessed Russian Gains in the Past 24 Hours
``claimed``            Claimed Russian Territory in Ukraine;        contested
                       Claimed Russian Control over Ukrainian
                       Territory
``infiltration``       Assessed Russian Infiltration Areas          contested
``counteroffensives``  Claimed Ukrainian Counteroffensives          contested
``partisan``           Reported Ukrainian Partisan Warfare          dropped
``russia``             … in Russia (Kursk, Belgorod)                always
                                                                    dropped
=====================  ===========================================  ==========

Advances, claims, infiltration and claimed counteroffensives are not
assessed control; by default they are ``contested`` (disputed), never
Russian-held. Choose explicitly with ``status_map``, keyed by class or by the
file's own label, e.g. ``status_map={"advances": "occupied"}`` (count ISW's
assessed advances as Russian-held) or ``{"claimed": "drop"}`` (ignore claims);
values are a status or ``"drop"``. Partisan-warfare areas are reports of
activity, not control, and are dropped unless mapped. Layers of territory in
Russia are always dropped (recorded in ``attrs["dropped"]`` with their km²).
ISW's layers nest (pre-2022 control lies inside assessed control; claimed
counteroffensives lie inside it too): the reader counts each km² once, by
frontline's status precedence, without a warning.

``control`` includes Crimea and the pre-2022 Donbas: in a file without a
``pre_2022`` layer all of it is ``occupied``.

Traps: features with ``geometry: null`` (tiny slivers in the simplified
files; their reported ``area_km2`` is recorded under ``attrs["dropped"]``),
self-intersecting polygons (repaired by the reader, with a warning), z = 0.
``attrs["reported_area_km2"]`` is the file's own ``area_km2`` total, computed
by the exporter on the unsimplified geometry.

Date rule: the ``date`` property (the day of ISW's assessment; a file with
several dates gives the latest), else a ``YYYY-MM-DD`` or ``YYYYMMDD`` date in
the file name, else unknown (pass ``date=``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from frontline._dates import calendar_date
from frontline.areas import _polygon_parts
from frontline.errors import OptionError, UnknownStatusError, UnsupportedFormatError
from frontline.sources._base import (
    DROP,
    class_statuses,
    coverage,
    drop_rows,
    read_json_document,
    repair_invalid,
)
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import geopandas as gpd

__all__ = ["CLASSES", "ISWAdapter", "isw_class", "read_daily_areas"]

log = logging.getLogger(__name__)

#: Default status of each ISW class (``"drop"``: removed and recorded).
CLASSES: Final[dict[str, str]] = {
    "control": "occupied",
    "pre_2022": "occupied_before_2022",
    "advances": "contested",
    "claimed": "contested",
    "infiltration": "contested",
    "counteroffensives": "contested",
    "partisan": DROP,
    "russia": DROP,
}

_LABEL_COLUMNS: Final = ("layer_type", "layer", "layer_name", "LayerName", "Layer")
# Phrases that identify an ISW layer in a file or layer name (normalised).
_ISW_PHRASES: Final = (
    "assessedrussian",
    "claimedrussian",
    "claimedukrainian",
    "russianinfiltration",
    "infiltrationareas",
    "beforefebruary242022",
    "beforefeb242022",
    "donbasbeforefeb",
    "russiancontrolofterrain",
    "russiacotinukraine",
    "ukrainecontrolmap",
    "russiancontrolledukrainianterritory",
    "partisanwarfare",
    "russianadvances",
    "kurskrussianadvances",
)
_ISW_TOKEN = re.compile(r"(?:^|[^a-z])isw(?:[^a-z]|$)")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATE_COMPACT = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")


def _norm(label: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(label).casefold())


def isw_class(label: Any) -> str:
    """Return the class of an ISW layer name, or ``""`` if not recognised.

    Examples
    --------
    >>> isw_class("Assessed Russian-controlled Ukrainian Territory")
    'control'
    >>> isw_class("Russian-controlled Ukrainian Territory before February 24, 2022")
    'pre_2022'
    >>> isw_class("russian_advances"), isw_class("Claimed Ukrainian Counteroffensives")
    ('advances', 'counteroffensives')
    >>> isw_class("Russian Advances in Russia"), isw_class("kursk_russian_advances")
    ('russia', 'russia')
    >>> isw_class("ukraine_other")
    ''
    """
    t = _norm(label)
    if "inrussia" in t or "kursk" in t or "belgorod" in t:
        return "russia"
    if ("before" in t and ("feb" in t or "2022" in t)) or "pre2022" in t:
        return "pre_2022"
    for word, cls in (
        ("partisan", "partisan"),
        ("infiltration", "infiltration"),
        ("counteroffensive", "counteroffensives"),
        ("claimed", "claimed"),
        ("advance", "advances"),
        ("gains", "advances"),
        ("control", "control"),
    ):
        if word in t:
            return cls
    return ""


def _is_isw_name(text: str) -> bool:
    return bool(_ISW_TOKEN.search(text.casefold())) or any(
        p in _norm(text) for p in _ISW_PHRASES
    )


def _labels(raw: gpd.GeoDataFrame, path: Path | None) -> pd.Series | None:
    for col in _LABEL_COLUMNS:
        if col in raw.columns and raw[col].notna().all():
            labels: pd.Series = raw[col].astype(str)
            return labels
    if path is not None:
        return pd.Series(path.name.split(".", 1)[0], index=raw.index, dtype=object)
    return None


class ISWAdapter:
    """ISW/CTP control-of-terrain layers; see the module docstring."""

    name = "isw"

    def from_document(self, doc: Any, path: Path) -> gpd.GeoDataFrame | None:
        """Refuse ISW's area table (``daily_areas.json``) with a pointer."""
        if _is_area_table(doc):
            raise UnsupportedFormatError(
                f"{str(path)!r} is a table of areas per day and layer (ISW "
                "daily_areas.json), not a map; read it with "
                "frontline.sources.isw.read_daily_areas(path)"
            )
        return None

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match ISW layer names in a label column or in the file name.

        The names must look like ISW's (a distinctive phrase such as "Assessed
        Russian", or an ``isw`` token in the file name) and at least one of
        them must name a known class.
        """
        labels = _labels(raw, path)
        if labels is None:
            return False
        values = [str(v) for v in labels.dropna().unique()]
        stem = path.name.split(".", 1)[0] if path is not None else ""
        looks = any(_is_isw_name(v) for v in [*values, stem] if v)
        return looks and any(isw_class(v) for v in values)

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Classify the layers; drop territory in Russia (recorded)."""
        what = path.name if path is not None else "the layer"
        if status_column is not None:
            raise OptionError(
                "ISW layers are classified by their layer names; use status_map="
                f"{{class or layer name: status}} (classes: {list(CLASSES)}), "
                "status=... for a single layer, or source='generic'"
            )
        dropped: dict[str, Any] = {}
        reported = None
        if "area_km2" in raw.columns:
            km2 = pd.to_numeric(raw["area_km2"], errors="coerce")
            reported = round(float(km2.sum()), 3)
            null = raw.geometry.isna().to_numpy()
            if null.any():
                dropped["null geometry: area_km2 as reported (km²)"] = round(
                    float(km2[null].sum()), 3
                )
        out = raw.loc[_polygonal(raw)].copy()
        if len(out) < len(raw):
            dropped["features without polygons"] = len(raw) - len(out)
        labels = _labels(out, path)
        if status is not None:
            out["isw_class"] = "" if labels is None else [isw_class(v) for v in labels]
            out["status"] = status
        else:
            if labels is None:
                raise OptionError(
                    "cannot tell which ISW layer this is: no layer_type/layer column "
                    "and no file name; pass status=... (e.g. 'occupied' for "
                    "assessed control)"
                )
            classes = {str(v): isw_class(v) for v in labels.unique()}
            overrides = dict(status_map or {})
            by_name = {k: overrides.pop(k) for k in list(overrides) if k in classes}
            if any(classes[k] == "russia" for k in by_name):
                raise OptionError(
                    f"ISW: layers {sorted(by_name)} include territory in Russia, "
                    "which is always dropped; it cannot be mapped to a status"
                )
            table = class_statuses(CLASSES, overrides, "ISW", fixed=("russia",))
            by_name = class_statuses(dict.fromkeys(by_name, DROP), by_name, "ISW")
            by_label = {
                label: by_name.get(label, table.get(cls, ""))
                for label, cls in classes.items()
            }
            unknown = sorted(label for label, st in by_label.items() if not st)
            if unknown:
                raise UnknownStatusError(
                    f"{what}: ISW layer name(s) {unknown} not recognised; known "
                    f"classes are {list(CLASSES)}. Pass status_map={{name: status}}"
                )
            out["isw_class"] = [classes[v] for v in labels]
            out["status"] = [by_label[v] for v in labels]
        if labels is not None:  # territory in Russia goes, whatever the options
            out = drop_rows(
                out,
                (out["isw_class"] == "russia").to_numpy(),
                labels=labels[out.index],
                prefix="outside Ukraine",
                what=what,
                dropped=dropped,
            )
            off = (out["status"] == DROP).to_numpy()
            out = drop_rows(
                out,
                off,
                labels=labels[out.index],
                prefix="dropped layer",
                what=what,
                dropped=dropped,
            )
        out, repairs = repair_invalid(out, what)
        nested = out["status"].nunique() > 1
        cover = coverage(out)
        return out, {
            "source": "ISW/CTP control of terrain",
            "date": _date(raw, path),
            "date_rule": "the 'date' property (ISW's assessment date), else the "
            "date in the file name",
            "dropped": dropped,
            "repairs": repairs,
            "reported_area_km2": reported,
            "coverage": cover,
            "overlaps_expected": nested,
            "russian_held_classes": sorted(
                set(out.loc[out["status"].isin(RUSSIAN_HELD), "isw_class"])
            ),
        }


def _polygonal(raw: gpd.GeoDataFrame) -> np.ndarray[Any, np.dtype[np.bool_]]:
    geoms = np.asarray(raw.geometry.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    keep = np.zeros(len(raw), dtype=bool)
    if present.any():
        _, owner = _polygon_parts(geoms[present])
        keep[np.flatnonzero(present)[np.unique(owner)]] = True
    return keep


def _date(raw: gpd.GeoDataFrame, path: Path | None) -> dt.date | None:
    if "date" in raw.columns:
        values = sorted(set(raw["date"].dropna().astype(str)))
        parsed = []
        for value in values:
            try:
                parsed.append(dt.date.fromisoformat(value[:10]))
            except ValueError:
                continue
        if parsed:
            if len(parsed) > 1:
                log.info("ISW layer with dates %s; using the latest", values[:5])
            return max(parsed)
    if path is not None:
        match = _DATE_ISO.search(path.name) or _DATE_COMPACT.search(path.name)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return calendar_date(year, month, day, what=path.name)
    return None


def _is_area_table(doc: Any) -> bool:
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and {"date", "layerType", "areaKm2"} <= set(doc[0])
    )


def read_daily_areas(path: str | Path) -> pd.DataFrame:
    """Read an ISW area table (``daily_areas.json``) into a tidy frame.

    Parameters
    ----------
    path : str or Path
        A JSON array of ``{date, layerType, areaKm2}`` records (also ``.gz``).

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (datetime.date), ``layer_type``, ``isw_class`` (see
        :data:`CLASSES`) and ``area_km2`` (as computed by the table's author),
        sorted by date and layer type.

    Raises
    ------
    UnsupportedFormatError
        If the file is not such a table.
    """
    from pathlib import Path

    doc = read_json_document(Path(path))
    if not _is_area_table(doc):
        raise UnsupportedFormatError(
            f"{str(path)!r} is not an ISW area table; expected a JSON array of "
            "{date, layerType, areaKm2} records"
        )
    table = pd.DataFrame(doc)
    out = pd.DataFrame(
        {
            "date": [dt.date.fromisoformat(str(d)[:10]) for d in table["date"]],
            "layer_type": table["layerType"].astype(str),
            "isw_class": [isw_class(v) for v in table["layerType"]],
            "area_km2": pd.to_numeric(table["areaKm2"], errors="coerce"),
        }
    )
    return out.sort_values(["date", "layer_type"], ignore_index=True)
