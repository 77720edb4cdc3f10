"""The adapter interface and helpers shared by the source adapters."""

from __future__ import annotations

import gzip
import json
import logging
import os
import stat
import warnings
import zlib
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import numpy as np

import shapely

from frontline import _io
from frontline._decode import from_geojson
from frontline._guard import shown
from frontline._messages import quote
from frontline._union import make_valid
from frontline.areas import _km2
from frontline.errors import (
    EmptyLayerError,
    FrontlineWarning,
    OptionError,
    UnknownStatusError,
    UnsupportedFormatError,
)
from frontline.status import RUSSIAN_HELD, STATUSES

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from numpy.typing import NDArray

    import geopandas as gpd

__all__ = [
    "DROP",
    "DocumentReader",
    "SourceAdapter",
    "class_statuses",
    "coverage",
    "measure_km2",
    "read_json_document",
    "repair_invalid",
]

log = logging.getLogger(__name__)

#: The class-map value that removes a class from the layer (recorded in
#: ``attrs["dropped"]`` with its km², never counted).
DROP: Final = "drop"

#: Places that tell whether a layer maps the areas held before 24 Feb 2022
#: (lon, lat): Simferopol and Dzhankoi, inland (a coastal city can fall outside
#: a simplified coastline); Donetsk and Luhansk cities.
COVERAGE_POINTS: Final[dict[str, tuple[tuple[float, float], ...]]] = {
    "crimea": ((34.1024, 44.9521), (34.3900, 45.7100)),
    "pre_2022_donbas": ((37.8028, 48.0159), (39.3078, 48.5740)),
}


class SourceAdapter(Protocol):
    """What a source adapter provides.

    ``sniff`` says whether a raw layer (and its path, if any) comes from this
    source; ``read`` returns the layer with a ``status`` column and the attrs
    to record (at least ``source`` and ``date``; a ``date`` of ``None`` lets
    the reader fall back to a ``date`` column). Optional attrs: ``dropped``
    (what the adapter removed: description → km² when the description ends
    in "(km²)", else a count of features; merged with the reader's own
    counts), ``repairs`` (merged with the reader's), ``coverage`` (which
    pre-2022 areas the source maps) and ``overlaps_expected`` (the source's
    classes nest by design, so the reader logs their overlap instead of
    warning).
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


@runtime_checkable
class DocumentReader(Protocol):
    """An adapter that can open a JSON document pyogrio cannot read.

    Some sources wrap their FeatureCollection in another JSON object (NZZ's
    ``{"value": …}``, DeepState's API ``{"map": …}``). Before a ``.json``
    file goes to pyogrio, :func:`frontline.sources.read_raw` parses it once
    and offers the document to every adapter with this method.
    """

    def from_document(self, doc: Any, path: Path) -> gpd.GeoDataFrame | None:
        """Return the raw layer if ``doc`` is this source's wrapper, else None."""
        ...


def read_json_document(path: Path) -> Any:  # noqa: PLR0911 - one per refusal
    """Parse a ``.json`` or ``.json.gz`` file; None for anything else.

    Plain GeoJSON (a FeatureCollection or Feature) also gives None: pyogrio
    reads it. So do unreadable files, which pyogrio then reports properly,
    and documents larger than ``frontline._io.MAX_DOCUMENT_BYTES`` (parsing
    in Python costs up to ten times the text; GDAL streams them).

    Raises
    ------
    UnsupportedFormatError
        For a document nested deeper than Python's parser goes.
    """
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    gz = suffixes[-1:] == [".gz"]
    if suffixes[-2 if gz else -1 :][:1] != [".json"]:
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
    except OSError:
        return None
    limit = _io.MAX_DOCUMENT_BYTES
    try:
        if gz:
            with gzip.open(path, "rb") as stream:
                data = stream.read(limit + 1)
        elif path.stat().st_size <= limit:
            data = path.read_bytes()
        else:
            return None
    except (OSError, EOFError, zlib.error):
        return None
    if len(data) > limit:
        return None
    try:
        doc = json.loads(data)
    except RecursionError:
        raise UnsupportedFormatError(
            f"{shown(path)} nests JSON arrays or objects too deep for a map "
            "(thousands of levels); expected a GeoJSON document"
        ) from None
    except ValueError:
        return None
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        return None
    return doc


def frame_from_features(features: Any, what: str) -> gpd.GeoDataFrame:
    """Build a lon/lat GeoDataFrame from a list of GeoJSON features.

    Geometries are decoded by the one decoder
    (:func:`frontline._decode.from_geojson`: GEOS first, then feature by
    feature, closing what can be closed and refusing the rest with the
    reason); properties become columns.

    Raises
    ------
    UnsupportedFormatError
        If ``features`` is not a list of GeoJSON feature objects.
    EmptyLayerError
        If the list is empty.
    GeometryError
        For a geometry that cannot be decoded.
    """
    import pandas as pd

    import geopandas as gpd

    if not isinstance(features, list):
        raise UnsupportedFormatError(
            f"{what}: 'features' is {quote(features, 40)}, not a list; expected "
            "a GeoJSON FeatureCollection's list of features"
        )
    if not features:
        raise EmptyLayerError(
            f"{what} has no features (an empty list); expected polygons of "
            "controlled territory"
        )
    for i, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise UnsupportedFormatError(
                f"{what}: feature {i} is {quote(feature, 40)}, not a GeoJSON "
                'feature object; expected {"type": "Feature", "geometry": '
                '…, "properties": {…}}'
            )
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            raise UnsupportedFormatError(
                f"{what}: the properties of feature {i} are {quote(props, 40)}, "
                'not an object; expected {"name": value, …} or null'
            )
    geoms = from_geojson([f.get("geometry") for f in features], what)
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    return gpd.GeoDataFrame(props, geometry=list(geoms), crs="EPSG:4326")


def measure_km2(geoms: Any) -> NDArray[np.float64]:
    """Geodesic km² of each geometry, repaired and 2-D first.

    Raw source geometry can be invalid or 3-D; it is made valid before it is
    measured, so the km² recorded for dropped polygons are those of the
    shapes the reader would have kept.
    """
    arr = np.asarray(list(geoms), dtype=object)
    out = np.zeros(len(arr), dtype=float)
    present = np.array([g is not None and not g.is_empty for g in arr], dtype=bool)
    if present.any():
        out[present] = _km2(make_valid(shapely.force_2d(arr[present])))
    return out


def repair_invalid(
    gdf: gpd.GeoDataFrame, what: str
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Make invalid geometries valid (2-D), warning with the km² they change.

    Sources with known invalid polygons (DeepState raw maps, ISW's simplified
    layers) repair them here, before their classes are separated, and record
    the repair like the reader does (``attrs["repairs"]``).
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    flat = shapely.force_2d(geoms[present])
    invalid = ~shapely.is_valid(flat)
    if not invalid.any():
        return gdf, []
    before = float(_km2(flat[invalid]).sum())  # ring areas as drawn
    fixed = make_valid(flat[invalid])
    after = float(measure_km2(fixed).sum())
    out = gdf.copy()
    geoms = geoms.copy()
    geoms[np.flatnonzero(present)[invalid]] = fixed
    out.geometry = geoms
    repair = {
        "what": "make_valid",
        "features": int(invalid.sum()),
        "area_before_km2": round(before, 3),
        "area_after_km2": round(after, 3),
    }
    warnings.warn(
        f"{what}: repaired {repair['features']} invalid feature(s) with make_valid; "
        f"their area went from {before:,.1f} to {after:,.1f} km² (ring areas as "
        "drawn vs. the repaired shape)",
        FrontlineWarning,
        stacklevel=5,
    )
    return out, [repair]


def class_statuses(
    defaults: Mapping[str, str],
    status_map: Mapping[str, str] | None,
    source: str,
    *,
    fixed: tuple[str, ...] = (),
) -> dict[str, str]:
    """Build the source's class → status table, with the caller's overrides.

    Parameters
    ----------
    defaults : mapping
        Class → status (or :data:`DROP`) for every class of the source.
    status_map : mapping, optional
        The caller's overrides, keyed by class.
    source : str
        The source's name, for messages.
    fixed : tuple of str
        Classes that cannot be overridden (territory outside Ukraine).

    Raises
    ------
    OptionError
        For an unknown or fixed class.
    UnknownStatusError
        For a value that is neither a status nor ``"drop"``.
    """
    table = dict(defaults)
    for key, value in (status_map or {}).items():
        if key in fixed:
            raise OptionError(
                f"{source}: class {key!r} lies outside Ukraine and is always "
                "dropped; it cannot be mapped to a status"
            )
        if key not in table:
            choices = [c for c in table if c not in fixed]
            raise OptionError(
                f"{source}: status_map key {key!r} is not a class of this source; "
                f"its classes are {choices}"
            )
        if value not in (*STATUSES, DROP):
            raise UnknownStatusError(
                f"{source}: status_map[{key!r}] = {value!r} is not a status; "
                f"expected one of {', '.join(STATUSES)} or {DROP!r}"
            )
        table[key] = value
    return table


def coverage(layer: gpd.GeoDataFrame) -> dict[str, bool]:
    """Which areas held before 24 Feb 2022 the layer marks as Russian-held.

    A point test on :data:`COVERAGE_POINTS`: ``crimea`` is True when the
    Russian-held area covers Simferopol and Dzhankoi, ``pre_2022_donbas``
    when it covers Donetsk and Luhansk cities.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> layer = gpd.GeoDataFrame(
    ...     {"status": ["occupied"]}, geometry=[shapely.box(37, 47, 40, 49)],
    ...     crs=4326)
    >>> coverage(layer)
    {'crimea': False, 'pre_2022_donbas': True}
    """
    held = np.asarray(
        layer.geometry.values[layer["status"].isin(RUSSIAN_HELD).to_numpy()],
        dtype=object,
    )
    held = held[[g is not None for g in held]]
    out = {}
    for area, points in COVERAGE_POINTS.items():
        pts = shapely.points(np.asarray(points))
        hit = shapely.covers(held[:, np.newaxis], pts[np.newaxis, :])
        out[area] = bool(len(held) and hit.any(axis=0).all())
    return out


def drop_rows(
    gdf: gpd.GeoDataFrame,
    mask: NDArray[np.bool_],
    *,
    labels: Any,
    prefix: str,
    what: str,
    dropped: dict[str, Any],
) -> gpd.GeoDataFrame:
    """Remove the rows in ``mask``, recording their km² per label."""
    if not mask.any():
        return gdf
    km2 = measure_km2(gdf.geometry.values[mask])
    labels = np.asarray(labels)[mask]
    for label in dict.fromkeys(labels.tolist()):
        total = float(km2[labels == label].sum())
        key = f"{prefix}: {label} (km²)"
        dropped[key] = round(dropped.get(key, 0.0) + total, 3)
        log.info("%s: dropped %s %s, %.1f km²", what, prefix, label, total)
    return gdf.loc[~mask]
