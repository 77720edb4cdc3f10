"""DeepState control layers: the raw map history and the daily union archive.

Raw map versions (``deepstate``)
--------------------------------
The GeoJSON DeepStateMap publishes (``deepstatemap.live/api/history/<id>/
geojson``; archived e.g. as ``<unix>.geojson`` or, in frontline's test data,
``YYYYMMDDTHHMMSSZ_<unix>.geojson.gz``): ~100 polygons plus ~375 points
(unit icons and labels, ignored), z = 0, a few invalid polygons and, in
2022-2023 files, GeometryCollections. The API's ``{"map": FeatureCollection,
"datetime": …, "id": …}`` wrapper is unwrapped too.

Classes come from the ``name`` property, ``"<Ukrainian> /// <English> ///
<key>"``. The key (``geoJSON.status.occupied`` …, from about March 2024) is
used when present; older names have no key and are classified by keywords
and the ``fill`` colour (``data/control/CLASS_MAP.csv`` in the validation
data describes the rules). Non-breaking spaces and line breaks in names are
normalised first.

=================  ==========================================  ===============
class              DeepState                                    status
=================  ==========================================  ===============
``occupied``       Окуповано / Occupied (``#a52714``)            occupied
``ordlo``          ОРДЛО / CADR and CALR                        occupied_before_2022
``crimea``         Окупований Крим / Occupied Crimea            occupied_before_2022
``tuzla``          Острів Тузла / Occupied Tuzla Island         occupied_before_2022
``unknown``        Статус невідомий / Unknown status,           contested
                   Під питанням / Contested (grey)
``liberated``      Звільнено / Liberated (green or blue)        liberated
``snake_island``   Зміїний / Snake Island (label polygon)       dropped
``foreign``        12 overlays outside Ukraine (Transnistria,   always dropped
                   Kuril Islands, Karelia, Abkhazia …)
=================  ==========================================  ===============

* **Tuzla** (4.4 km², Kerch Strait) is part of Crimea, held since 2014, so it
  is ``occupied_before_2022`` by default. The daily union archive leaves it
  out; ``status_map={"tuzla": "drop"}`` reproduces that.
* **Snake Island**'s polygon is a 6.6 km² label around a 0.2 km² island, mostly
  sea; it is dropped (and recorded). Its colour follows the island's history
  (occupied in spring 2022, liberated from 30 June 2022);
  ``status_map={"snake_island": "liberated"}`` (or any status) keeps it.
* **Foreign overlays** (about 160,000 km² together) are political overlays
  outside Ukraine; they are always dropped, logged, and their km² recorded
  per territory in ``attrs["dropped"]``, never counted.

``status_map`` overrides the status of any class above except ``foreign``
(values: a status or ``"drop"``).

Date rule: the publication time (UTC) from the file name (the Unix timestamp
DeepState uses as the version id, or a ``YYYYMMDDTHHMMSSZ`` prefix) or the
API wrapper's ``datetime``/``id``. DeepState publishes its daily update at
about 20:00-22:00 UTC (late evening in Kyiv), showing that evening's
situation. A version published before 06:00 UTC is the previous evening's
update published late, so ``attrs["date"]`` = the UTC date of (publication
time − 6 h). Versions published during the day show that day.

Daily union archive (``deepstate-union``)
-----------------------------------------
``deepstatemap_data_YYYYMMDD.geojson`` (e.g. the cyterat/deepstate-map-data
repository): one MultiPolygon with no attributes, the union of DeepState's
"Occupied", "CADR and CALR" and "Occupied Crimea" classes. It separates
neither the pre-2022 areas nor the grey zone, so all of it is read as
``occupied`` (Russian-held); Tuzla is not in it. Date rule: the file is
downloaded at about 03:00 UTC on day D and shows the map published on the
evening of D − 1, so ``attrs["date"]`` is D − 1 — except where the shipped
manifest (``frontline/data/deepstate_union_manifest.csv``) knows better: a
file it lists, with its bytes, takes the evening of the DeepState version it
really holds (77 files hold the version before the one the rule predicts and
most show D − 2; the rewritten ``20250805`` shows D − 0). ``attrs`` say which
was used (:func:`union_dating`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from frontline._dates import calendar_date, calendar_time
from frontline.areas import _polygon_parts
from frontline.errors import OptionError, UnknownStatusError
from frontline.sources._base import (
    DROP,
    class_statuses,
    drop_rows,
    frame_from_features,
    repair_invalid,
)
from frontline.sources._union_manifest import entry_for, file_matches, last_evening
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from numpy.typing import NDArray

    import geopandas as gpd

__all__ = [
    "CLASSES",
    "DeepStateRawAdapter",
    "DeepStateUnionAdapter",
    "classify_name",
    "publication_time",
    "situation_date",
    "union_dating",
]

log = logging.getLogger(__name__)

_UNION_NAME = re.compile(r"deepstatemap_data_(\d{4})(\d{2})(\d{2})")

#: Default status of each DeepState class (``"drop"``: removed and recorded).
CLASSES: Final[dict[str, str]] = {
    "occupied": "occupied",
    "ordlo": "occupied_before_2022",
    "crimea": "occupied_before_2022",
    "tuzla": "occupied_before_2022",
    "unknown": "contested",
    "liberated": "liberated",
    "snake_island": DROP,
    "foreign": DROP,
}

#: The union archive's naming rule (what the manifest corrects where it knows).
UNION_RULE: Final = "file deepstatemap_data_D shows the evening of D-1"

#: Publication times before this hour (UTC) belong to the previous evening.
LATE_PUBLICATION_HOURS: Final = 6

_KEYS: Final[dict[str, str]] = {
    "geoJSON.status.occupied": "occupied",
    "geoJSON.territories.ordlo": "ordlo",
    "geoJSON.territories.crimea": "crimea",
    "geoJSON.territories.tuzla": "tuzla",
    "geoJSON.status.unknown": "unknown",
    "geoJSON.status.dismissed": "liberated",
    "geoJSON.status.dismissed_at": "liberated",
    "geoJSON.zmiinyi_island": "snake_island",
}
_FOREIGN_KEYS: Final = frozenset(
    {
        "petsamo",
        "salla",
        "estonia",
        "latvia",
        "pechorsky-district",
        "kuril",
        "karelia",
        "prussia",
        "ichkeria",
        "abkhazia",
        "tskhinvali-district",
        "transnistria",
    }
)
# Name keywords of the foreign overlays (files without keys), case-folded.
_FOREIGN_WORDS: Final[tuple[tuple[str, str], ...]] = (
    (r"курил|kuril", "kuril"),
    (r"карел|karelia", "karelia"),
    (r"ічкер|ichkeri", "ichkeria"),
    (r"прусс|prussia", "prussia"),
    (r"абхаз|abkhaz", "abkhazia"),
    (r"петсамо|petsamo", "petsamo"),
    (r"\bсалла\b|\bsalla\b", "salla"),  # noqa: RUF001 - Cyrillic
    (r"латв|latvia", "latvia"),
    (r"естон|estonia", "estonia"),
    (r"печор|pechor", "pechorsky-district"),
    (r"придністров|transnistria", "transnistria"),
    (r"цхінвал|tskhinval", "tskhinvali-district"),
)
_NAMED: Final[tuple[tuple[str, str], ...]] = (
    (r"\b(тузла|tuzla)\b", "tuzla"),
    (r"\b(крим|crimea)\b", "crimea"),
    (r"\b(ордло|cadr)\b", "ordlo"),
    (r"зміїний|snake island", "snake_island"),
)
_FILLS: Final[dict[str, str]] = {
    "#a52714": "occupied",
    "#bcaaa4": "unknown",
    "#bdbdbd": "unknown",
    "#0f9d58": "liberated",
    "#0288d1": "liberated",
    "#01579b": "liberated",
    "#ff5252": "foreign",
}
_WORDS: Final[tuple[tuple[str, str], ...]] = (
    (r"звільн|liberated|taken back|recaptured|під контролем зсу", "liberated"),
    (r"під питанням|contested|contensed|невідом|unknown|сіра зона", "unknown"),  # noqa: RUF001
    (r"окупов|occupied|зайнят", "occupied"),
)
_KEY = re.compile(r"geoJSON\.[A-Za-z0-9_.\-]*[A-Za-z0-9_\-]")
_STAMP_ISO = re.compile(r"(?<!\d)(\d{8}T\d{6})Z")
_STAMP_UNIX = re.compile(r"(?:^|_)(\d{10})$")
_MARKERS = re.compile(r"///|geoJSON\.|окупов|звільн|ордло", re.IGNORECASE)
_RAW_STAMP = re.compile(r"(?:^|_)\d{10}$|\d{8}T\d{6}Z")


def clean_name(name: Any) -> str:
    r"""Collapse non-breaking spaces, line breaks and runs of spaces.

    Examples
    --------
    >>> clean_name("Окуповано /// Occupied\xa0/// geoJSON.status.occupied\n")
    'Окуповано /// Occupied /// geoJSON.status.occupied'
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return ""
    return " ".join(str(name).replace("\xa0", " ").split())


def classify_name(  # noqa: PLR0911 - one return per rule, in rule order
    name: Any, fill: Any = None
) -> tuple[str, str | None]:
    r"""Classify one DeepState polygon from its ``name`` and ``fill``.

    Parameters
    ----------
    name : str or None
        The feature's ``name`` property.
    fill : str or None
        Its ``fill`` colour (``#rrggbb``).

    Returns
    -------
    (str, str or None)
        The class (a key of :data:`CLASSES`, or ``""`` when nothing matches)
        and, for ``foreign``, the territory (``"transnistria"`` …).

    Examples
    --------
    >>> classify_name("Окупований Крим /// Occupied Crimea\xa0/// "
    ...               "geoJSON.territories.crimea")
    ('crimea', None)
    >>> classify_name("Придністров'я/// Transnistria /// "
    ...               "geoJSON.territories.transnistria", "#ff5252")
    ('foreign', 'transnistria')
    >>> classify_name("Під питанням", "#bcaaa4")   # 2022, no key
    ('unknown', None)
    >>> classify_name("Окуповані Циркуни", "#a52714")
    ('occupied', None)
    """
    text = clean_name(name)
    match = _KEY.search(text)
    colour = str(fill).strip().lower() if isinstance(fill, str) else ""
    if match:
        key = match.group(0)
        if key in _KEYS:
            return _KEYS[key], None
        territory = key.rsplit(".", 1)[-1]
        if key.startswith("geoJSON.territories.") and territory in _FOREIGN_KEYS:
            return "foreign", territory
        if colour == "#ff5252":
            return "foreign", territory
    low = text.casefold()
    for pattern, territory in _FOREIGN_WORDS:
        if re.search(pattern, low):
            return "foreign", territory
    for pattern, cls in _NAMED:
        if re.search(pattern, low):
            return cls, None
    if colour in _FILLS:
        cls = _FILLS[colour]
        return cls, (low or colour) if cls == "foreign" else None
    for pattern, cls in _WORDS:
        if re.search(pattern, low):
            return cls, None
    return "", None


def publication_time(path: Path | None) -> dt.datetime | None:
    """Return the UTC publication time in a DeepState file name, if any.

    The Unix timestamp (DeepState's version id) wins over a
    ``YYYYMMDDTHHMMSSZ`` prefix when both are present.

    Examples
    --------
    >>> from pathlib import Path
    >>> publication_time(Path("20241120T213037Z_1732138237.geojson.gz"))
    datetime.datetime(2024, 11, 20, 21, 30, 37, tzinfo=datetime.timezone.utc)
    >>> publication_time(Path("1732138237.geojson")).isoformat()
    '2024-11-20T21:30:37+00:00'
    >>> publication_time(Path("map.geojson")) is None
    True
    """
    if path is None:
        return None
    stem = path.name.split(".", 1)[0]
    unix = _STAMP_UNIX.search(stem)
    if unix:
        return dt.datetime.fromtimestamp(int(unix.group(1)), tz=dt.UTC)
    iso = _STAMP_ISO.search(stem)
    if iso:
        return calendar_time(iso.group(1), "%Y%m%dT%H%M%S", what=path.name)
    return None


def situation_date(published: dt.datetime) -> dt.date:
    """Return the date of the situation a version published then shows.

    Examples
    --------
    >>> import datetime as dt
    >>> situation_date(dt.datetime(2024, 11, 20, 21, 30, tzinfo=dt.UTC))
    datetime.date(2024, 11, 20)
    >>> situation_date(dt.datetime(2025, 2, 28, 0, 20, tzinfo=dt.UTC))
    datetime.date(2025, 2, 27)
    >>> situation_date(dt.datetime(2022, 7, 31, 10, 41, tzinfo=dt.UTC))
    datetime.date(2022, 7, 31)
    """
    utc = published.astimezone(dt.UTC) if published.tzinfo else published
    try:
        return (utc - dt.timedelta(hours=LATE_PUBLICATION_HOURS)).date()
    except OverflowError:  # the first hours of year 1: nothing before them
        return utc.date()


def _wrapper_time(meta: Mapping[str, Any]) -> dt.datetime | None:
    text = meta.get("datetime")
    if isinstance(text, str):
        try:
            when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    ident = meta.get("id")
    if isinstance(ident, (int, str)) and re.fullmatch(r"\d{10}", str(ident)):
        return dt.datetime.fromtimestamp(int(ident), tz=dt.UTC)
    return None


class DeepStateRawAdapter:
    """DeepState raw map versions; see the module docstring for the rules."""

    name = "deepstate"

    def from_document(self, doc: Any, path: Path) -> gpd.GeoDataFrame | None:
        """Unwrap the API's ``{"map": FeatureCollection, "datetime", "id"}``."""
        if not isinstance(doc, dict):
            return None
        inner = doc.get("map")
        if not isinstance(inner, dict) or inner.get("type") != "FeatureCollection":
            return None
        raw = frame_from_features(inner.get("features"), repr(str(path)))
        raw.attrs["deepstate_api"] = {k: v for k, v in doc.items() if k != "map"}
        return raw

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match layers whose ``name`` holds DeepState's class labels."""
        if "deepstate_api" in raw.attrs:
            return True
        if "name" not in raw.columns:
            return False
        names = raw["name"].dropna().astype(str)
        if names.str.contains("geoJSON.", regex=False).any():
            return True
        styled = "fill" in raw.columns or "styleUrl" in raw.columns
        stamped = path is not None and bool(
            _RAW_STAMP.search(path.name.split(".", 1)[0])
        )
        return (styled or stamped) and bool(names.str.contains(_MARKERS).any())

    def read(
        self,
        raw: gpd.GeoDataFrame,
        path: Path | None,
        *,
        status: str | None,
        status_column: str | None,
        status_map: Mapping[str, str] | None,
    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        """Classify every polygon; drop the foreign overlays (recorded)."""
        what = path.name if path is not None else "the layer"
        if status is not None or status_column is not None:
            raise OptionError(
                "DeepState raw maps carry their own classes; use status_map="
                "{class: status} to change how a class is counted (classes: "
                f"{[c for c in CLASSES if c != 'foreign']}), or source='generic'"
            )
        table = class_statuses(CLASSES, status_map, "DeepState", fixed=("foreign",))
        geoms = np.asarray(raw.geometry.values, dtype=object)
        present = np.array([g is not None and not g.is_empty for g in geoms])
        _, owner = _polygon_parts(geoms[present])
        polygonal = np.zeros(len(raw), dtype=bool)
        polygonal[np.flatnonzero(present)[np.unique(owner)]] = True
        dropped: dict[str, Any] = {}
        if (~polygonal).any():
            dropped["features without polygons (unit icons, labels)"] = int(
                (~polygonal).sum()
            )
        out = raw.loc[polygonal].copy()
        fills = out["fill"] if "fill" in out.columns else pd.Series(None, out.index)
        names = out["name"] if "name" in out.columns else pd.Series(None, out.index)
        found = [classify_name(n, f) for n, f in zip(names, fills, strict=True)]
        classes = np.array([c for c, _ in found], dtype=object)
        unknown = classes == ""
        if unknown.any():
            labels = sorted(
                {
                    f"{clean_name(n)!r} (fill {f})"
                    for n, f, u in zip(names, fills, unknown, strict=True)
                    if u
                }
            )
            raise UnknownStatusError(
                f"{what}: cannot classify {int(unknown.sum())} DeepState polygon(s): "
                f"{labels[:10]}; expected a geoJSON.* key, a known name or a known "
                "fill colour. Read it with source='generic', status_column='name' "
                "and a status_map"
            )
        territories = np.array(
            [t if c == "foreign" else c for c, t in found], dtype=object
        )
        out["deepstate_class"] = classes
        out["status"] = [table[c] for c in classes]
        foreign = classes == "foreign"
        if foreign.any():
            before = len(out)
            out = drop_rows(
                out,
                foreign,
                labels=territories,
                prefix="outside Ukraine",
                what=what,
                dropped=dropped,
            )
            log.info(
                "%s: dropped %d polygons outside Ukraine (%s km²)",
                what,
                before - len(out),
                f"{sum(v for k, v in dropped.items() if 'outside' in k):,.1f}",
            )
        off = (out["status"] == DROP).to_numpy()
        out = drop_rows(
            out,
            off,
            labels=out["deepstate_class"],
            prefix="dropped class",
            what=what,
            dropped=dropped,
        )
        out, repairs = repair_invalid(out, what)
        published = publication_time(path)
        if published is None and "deepstate_api" in raw.attrs:
            published = _wrapper_time(raw.attrs["deepstate_api"])
        date = situation_date(published) if published is not None else None
        if published is None:
            log.info(
                "%s: no DeepState publication time in the file name; pass "
                "date=... (the evening the map shows)",
                what,
            )
        held = set(out.loc[out["status"].isin(RUSSIAN_HELD), "deepstate_class"])
        return out, {
            "source": "DeepState map (deepstatemap.live), raw version",
            "date": date,
            "date_rule": (
                "publication time (UTC) − 6 h: the evening update published "
                "≈20-22 UTC shows that evening; one published before 06:00 UTC "
                "shows the previous evening"
            ),
            "published": published.isoformat() if published is not None else None,
            "dropped": dropped,
            "repairs": repairs,
            "coverage": {
                "crimea": "crimea" in held,
                "pre_2022_donbas": "ordlo" in held,
            },
        }


class DeepStateUnionAdapter:
    """DeepState daily union archive; see the module docstring for the rules."""

    name = "deepstate-union"

    def sniff(self, path: Path | None, raw: gpd.GeoDataFrame) -> bool:
        """Match files named ``deepstatemap_data_YYYYMMDD`` with no classes."""
        if not self.sniff_name(path):
            return False
        return set(raw.columns) <= {raw.geometry.name, "id"}

    @staticmethod
    def sniff_name(path: Path | None) -> bool:
        """Tell whether a file is named like the archive's."""
        return path is not None and _UNION_NAME.search(path.name) is not None

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
        return out, self._attrs(path)

    def read_arrays(
        self, path: Path, fields: Mapping[str, Any], n: int, status: str | None
    ) -> tuple[NDArray[np.object_], dict[str, Any]] | None:
        """Return statuses and attrs of a file read as arrays (None: not ours).

        What :meth:`sniff` and :meth:`read` decide, without a GeoDataFrame:
        the time series reads the archive this way.
        """
        if not self.sniff_name(path) or not set(fields) <= {"id"}:
            return None
        return np.full(n, status or "occupied", dtype=object), self._attrs(path)

    @staticmethod
    def _attrs(path: Path | None) -> dict[str, Any]:
        return {
            "source": "DeepState daily union archive (Russian-held incl. Crimea and "
            "pre-2022 areas; grey zone not included)",
            **union_dating(path),
            "coverage": {"crimea": True, "pre_2022_donbas": True},
            "pre_2022_split": False,
        }


def union_dating(path: Path | None) -> dict[str, Any]:
    """Return the date of a union-archive file and how it is known (``attrs``).

    A file the shipped manifest lists, with the manifest's bytes (size and
    sha256), takes the manifest's evening and version; any other file
    (newer than the manifest, or other bytes under a listed name) is dated
    by the rule, file D shows D − 1, and ``date_note`` says why.

    Returns
    -------
    dict
        ``date``, ``date_rule``, ``date_basis`` (``checked`` or ``rule``),
        ``published`` (ISO time of the DeepState version shown, when
        known), ``manifest`` (the file's row, or None) and ``date_note``.
    """
    match = _UNION_NAME.search(path.name) if path is not None else None
    if path is None or match is None:
        return {"date": None, "date_rule": UNION_RULE, "date_basis": None}
    year, month, day = (int(g) for g in match.groups())
    ruled = calendar_date(year, month, day, what=path.name, shift_days=-1)
    if ruled is None:
        return {
            "date": None,
            "date_rule": UNION_RULE,
            "date_basis": None,
            "manifest": None,
            "date_note": f"{path.name} names no calendar date; its date is unknown",
        }
    entry = entry_for(path.name)
    if entry is not None and file_matches(path, entry):
        checked = entry.basis == "checked"
        return {
            "date": entry.situation_date,
            "date_rule": (
                "the shipped manifest of the archive: the DeepState version this "
                "file holds, checked against DeepState's history"
                if checked
                else "the shipped manifest of the archive (file pinned by commit and "
                f"sha256); the date is the archive's rule, {UNION_RULE}, unchecked"
            ),
            "date_basis": entry.basis,
            "published": None
            if entry.published is None
            else entry.published.isoformat(),
            "manifest": entry.describe(),
            "date_note": None
            if entry.situation_date == ruled
            else f"{path.name} shows the evening of {entry.situation_date}, not "
            f"{ruled} as the archive's rule says",
        }
    if entry is not None:
        note = (
            f"{path.name} is not the file the shipped manifest lists (other bytes "
            f"than sha256 {entry.sha256[:12]}…): dated by the archive's rule, "
            "unchecked"
        )
    else:
        note = (
            f"{path.name} is newer than the shipped manifest (its last evening is "
            f"{last_evening()}): dated by the archive's rule, {UNION_RULE}, unchecked"
        )
    return {
        "date": ruled,
        "date_rule": UNION_RULE,
        "date_basis": "rule",
        "manifest": None,
        "date_note": note,
    }
