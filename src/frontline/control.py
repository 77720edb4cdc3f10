"""The normalised control layer: read, repair, classify, resolve overlaps.

Every control map that enters frontline goes through :func:`read_control` and
comes out in one shape: EPSG:4326, valid 2-D polygons only, one ``status``
column from the vocabulary below, and ``attrs["date"]`` / ``attrs["source"]``.

Status vocabulary
-----------------
``occupied``
    Held by Russian forces, taken since 24 Feb 2022 (a source that does not
    separate dates puts all Russian-held area here).
``occupied_before_2022``
    Crimea, Sevastopol and the parts of Donetsk and Luhansk oblasts held
    before 24 Feb 2022.
``contested``
    Grey zone, unknown or disputed status.
``liberated``
    Retaken by Ukraine after occupation (Ukrainian-held; kept for history).

Where statuses overlap, the area goes to the first in :data:`PRECEDENCE`
(``occupied_before_2022`` > ``occupied`` > ``contested`` > ``liberated``):
the more specific Russian-held class wins, and nothing is counted twice.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely
from pyproj.exceptions import CRSError as ProjCRSError
from pyproj.exceptions import ProjError

from frontline import _validate
from frontline._dates import parse_date
from frontline._io import read_arrays, read_vector
from frontline._messages import quote
from frontline._plausible import check_extent
from frontline._union import BATCH_FROM, make_valid, union_polygons
from frontline.areas import _km2, _polygon_parts
from frontline.errors import (
    ArgumentTypeError,
    CRSError,
    EmptyLayerError,
    FrontlineWarning,
    GeometryError,
    OptionError,
)
from frontline.fetch import control_path
from frontline.sources import ADAPTERS, pick_adapter, read_raw
from frontline.sources.deepstate import DeepStateUnionAdapter
from frontline.status import PRECEDENCE, RUSSIAN_HELD, STATUSES, check_status

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator, Mapping

    from numpy.typing import NDArray

    import geopandas as gpd
    from pyproj import CRS
    from shapely import Geometry

__all__ = [
    "PRECEDENCE",
    "RUSSIAN_HELD",
    "STATUSES",
    "as_layer",
    "is_normalised",
    "read_control",
    "status_union",
]

log = logging.getLogger(__name__)

# Ukraine's extent with a margin (lon/lat), to catch swapped axes and layers
# of somewhere else.
_UKRAINE_BOUNDS: Final = (20.0, 43.0, 42.0, 54.0)
_WARN_OVERLAP_KM2: Final = 0.01
_NORMALISED: Final = "frontline_normalised"


def is_normalised(gdf: gpd.GeoDataFrame) -> bool:
    """Tell whether a GeoDataFrame is the output of :func:`read_control`."""
    return bool(gdf.attrs.get(_NORMALISED)) and "status" in gdf.columns


def as_layer(control: str | Path | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a normalised control layer: as given if it is one, else read it.

    Every function that accepts "a control layer" (a path or a GeoDataFrame)
    goes through here, so a layer already read is never normalised twice.
    """
    import geopandas as gpd

    if isinstance(control, gpd.GeoDataFrame) and is_normalised(control):
        return control
    return read_control(control)


def status_union(layer: gpd.GeoDataFrame, statuses: Iterable[str]) -> Geometry:
    """Return the union of a normalised layer's polygons of the given statuses."""
    mask = layer["status"].isin(list(statuses)).to_numpy()
    return union_polygons(np.asarray(layer.geometry.values[mask], dtype=object))


def read_control(
    data: str | Path | gpd.GeoDataFrame,
    *,
    status: str | None = None,
    status_column: str | None = None,
    status_map: Mapping[str, str] | None = None,
    date: str | dt.date | None = None,
    source: str = "auto",
    layer: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read a control map into frontline's normalised control layer.

    Parameters
    ----------
    data : path, source URI or GeoDataFrame
        GeoJSON (also ``.gz``), KML, KMZ, GeoPackage, Shapefile, FlatGeobuf or
        GeoParquet, a GeoDataFrame (not modified), or a source URI naming
        one published map: ``deepstate-union:2024-11-20``,
        ``deepstate:latest``, ``isw:latest`` (downloaded once into the
        cache, see :func:`frontline.fetch.fetch_control`;
        ``attrs["uri"]`` records it). A path that exists is read as a path
        even when it is spelled like a URI.
    status : str, optional
        Give every polygon this status (e.g. ``"occupied"``).
    status_column : str, optional
        The column holding each feature's class. Its labels must be statuses
        or common synonyms (``grey``, ``unknown`` …) unless ``status_map``
        says how to translate them.
    status_map : mapping, optional
        Label → status, for the file's own labels (``{"Occupied": "occupied",
        "Grey zone": "contested"}``). Labels absent from the map are an error
        that lists the labels found.
    date : str or datetime.date, optional
        The date of the situation shown (ISO ``YYYY-MM-DD``). Overrides what
        the source adapter or a ``date`` column says.
    source : str, default "auto"
        The source adapter: ``auto`` detects it, or name one of
        :data:`frontline.sources.ADAPTERS`.
    layer : str or int, optional
        Read only this layer of a multi-layer file.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per polygonal feature with a ``status`` column and
        the input's other columns; geometries valid, 2-D, exterior rings
        counter-clockwise, statuses disjoint (see the module's precedence).
        ``attrs`` holds ``date`` (datetime.date or None), ``source``,
        ``repairs`` (what was changed, with km²) and ``dropped``.

    Raises
    ------
    InputFileNotFoundError, UnsupportedFormatError
        If the file is missing or unreadable.
    EmptyLayerError
        If there is no polygon in the layer.
    CRSError, GeometryError
        If coordinates are projected without a CRS, contradict their CRS, are
        not finite or lie outside Ukraine.
    UnknownStatusError, OptionError
        For labels that do not map to a status, or contradictory options.

    Notes
    -----
    A layer with no class information (one MultiPolygon of all Russian-held
    land, as the DeepState daily union archive) is read as ``occupied``, or as
    ``status`` when given.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame(geometry=[shapely.box(37, 47, 38, 48)], crs=4326)
    >>> layer = read_control(gdf, date="2024-11-20")
    >>> layer.status.tolist(), layer.attrs["date"]
    (['occupied'], datetime.date(2024, 11, 20))
    """
    return _read_layer(
        data,
        status=status,
        status_column=status_column,
        status_map=status_map,
        date=date,
        source=source,
        layer=layer,
    ).to_frame()


class _Layer:
    """A normalised control layer before it becomes a GeoDataFrame.

    What :func:`read_control` computes, held as arrays: the adapter's
    classified table, the positions of the rows kept, their final
    geometries and statuses, and the attrs. :meth:`to_frame` builds the
    GeoDataFrame once; the time series reads the arrays and builds none.
    """

    __slots__ = ("attrs", "geoms", "rows", "status", "table", "unions")

    def __init__(
        self,
        table: gpd.GeoDataFrame | None,
        rows: NDArray[np.intp],
        geoms: NDArray[np.object_],
        status: NDArray[np.object_],
        attrs: dict[str, Any],
        *,
        unions: dict[str, Geometry] | None = None,
    ):
        self.table = table
        self.rows = rows
        self.geoms = geoms
        self.status = status
        self.attrs = attrs
        #: Union of each status's geometries, when resolving overlaps made it.
        self.unions = unions

    def to_frame(self) -> gpd.GeoDataFrame:
        """Build the GeoDataFrame read_control returns: status, columns, geometry."""
        import geopandas as gpd
        from geopandas.array import from_shapely

        table, rows = self.table, self.rows
        if table is None:  # pragma: no cover - internal misuse
            raise RuntimeError("a layer read as arrays has no frame to build")
        name = table.geometry.name
        cols = ["status", *[c for c in table.columns if c not in ("status", name)]]
        index = table.index.take(rows)
        # Series with their dtypes (a frame built from bare object arrays
        # would infer pandas' string dtype) and one index object (no aligning).
        data = {
            c: pd.Series(table[c].array.take(rows), index=index, dtype=table[c].dtype)
            for c in cols
        }
        data[name] = pd.Series(from_shapely(self.geoms, crs=_wgs84()), index=index)
        out = gpd.GeoDataFrame(pd.DataFrame(data), geometry=name)
        out.attrs = self.attrs
        return out


@contextlib.contextmanager
def _out_of_memory(data: object) -> Iterator[None]:
    """Turn running out of memory on a huge geometry into a GeometryError.

    GEOS reports it as ``GEOSException: std::bad_alloc`` (a ring of millions
    of vertices under a memory limit), numpy and Python as MemoryError.
    """
    try:
        yield
    except (MemoryError, shapely.errors.GEOSException) as exc:
        if isinstance(exc, shapely.errors.GEOSException) and "bad_alloc" not in str(
            exc
        ):
            raise
        named = isinstance(data, (str, os.PathLike))
        what = quote(str(data), 160) if named else "the layer"
        raise GeometryError(
            f"ran out of memory on the geometry of {what} (too many vertices for "
            "the memory available); simplify it first (e.g. ogr2ogr -simplify "
            "0.0001 out.gpkg in.kml, about 10 m) or read it on a machine with "
            "more memory"
        ) from None


def _read_layer(
    data: str | Path | gpd.GeoDataFrame,
    *,
    status: str | None,
    status_column: str | None,
    status_map: Mapping[str, str] | None,
    date: str | dt.date | None,
    source: str,
    layer: str | int | None,
    frame: bool = True,
) -> _Layer:
    """Read, classify and normalise a control map (read_control without the frame).

    With ``frame=False`` the result will not become a GeoDataFrame, and files
    of the DeepState union archive (one MultiPolygon, no classes) are read as
    arrays: the same checks, figures and attrs, without the pandas work.
    """
    data = _check_arguments(
        data,
        status=status,
        status_column=status_column,
        status_map=status_map,
        source=source,
        layer=layer,
    )
    if status is not None and status_column is not None:
        raise OptionError(
            f"got both status={status!r} and status_column={status_column!r}; "
            "give one: a fixed status for every polygon, or the column to read"
        )
    if status is not None and status_map is not None:
        raise OptionError(
            "status_map translates a column's labels and cannot be combined with "
            "a fixed status=...; drop one of them"
        )
    if status is not None:
        status = check_status(status)
    when = parse_date(date) if date is not None else None
    uri = None
    if isinstance(data, str):
        fetched = control_path(data)
        if fetched is not None:
            uri, data = data, fetched
    # A with-block adds no frame: the warnings' stacklevel stays right.
    with _out_of_memory(data):
        fast = None
        if not frame and layer is None and status_column is None and status_map is None:
            fast = _read_arrays(data, source, status)
        raw: gpd.GeoDataFrame | None = None
        if fast is not None:
            out, attrs = fast
        else:
            path, raw = _load(data, layer)
            adapter = pick_adapter(source, path, raw)
            classified, attrs = adapter.read(
                raw,
                path,
                status=status,
                status_column=status_column,
                status_map=status_map,
            )
            # Called from here (not through a wrapper): the warnings' stacklevel
            # counts the frames up to the caller of read_control.
            out = _normalise(
                np.asarray(classified.geometry.values, dtype=object),
                classified["status"].to_numpy(dtype=object)
                if len(classified)
                else np.zeros(0, dtype=object),
                classified.crs,
                path,
                table=classified,
                overlaps_expected=bool(attrs.pop("overlaps_expected", False)),
            )
    # What the adapter dropped (km²) and repaired joins the reader's record.
    dropped = {**out.attrs["dropped"], **attrs.pop("dropped", {})}
    repairs = [*attrs.pop("repairs", []), *out.attrs["repairs"]]
    out.attrs.update(attrs)
    out.attrs.update(dropped=dropped, repairs=repairs)
    if when is not None:
        out.attrs["date"] = when
    elif out.attrs.get("date") is None and raw is not None:
        out.attrs["date"] = _date_from_column(raw)
    if uri is not None:
        out.attrs["uri"] = uri
    out.attrs[_NORMALISED] = True
    log.info(
        "control layer: %d features, source %s, date %s",
        len(out.rows),
        out.attrs.get("source"),
        out.attrs.get("date"),
    )
    return out


def _check_arguments(
    data: Any,
    *,
    status: Any,
    status_column: Any,
    status_map: Any,
    source: Any,
    layer: Any,
) -> str | Path | gpd.GeoDataFrame:
    """Check read_control's arguments (types, paths); return ``data`` to read."""
    import geopandas as gpd

    _validate.text(status, "status", none=True, example="occupied")
    _validate.text(status_column, "status_column", none=True, example="status")
    if status_map is not None:
        _validate.mapping(status_map, "status_map", example="{'Occupied': 'occupied'}")
    _validate.text(source, "source", example="auto")
    if layer is not None and (
        isinstance(layer, bool) or not isinstance(layer, (str, int))
    ):
        raise ArgumentTypeError(
            f"layer must be a layer name or number, got {_validate.received(layer)}"
        )
    if isinstance(data, gpd.GeoDataFrame):
        return _validate.geoframe(data, "data", what="a control layer")
    if isinstance(data, (str, bytes, os.PathLike)):
        checked = _validate.path(data, "the control file path")
        return data if isinstance(data, (str, Path)) else checked
    raise ArgumentTypeError(
        f"expected a path or a GeoDataFrame, got {_validate.received(data)}; pass "
        "a file path, a source URI such as 'deepstate:latest', or "
        "geopandas.read_file(...) output"
    )


def _read_arrays(
    data: str | Path | gpd.GeoDataFrame, source: str, status: str | None
) -> tuple[_Layer, dict[str, Any]] | None:
    """Read a union-archive file as arrays; None for anything else."""
    if not isinstance(data, (str, Path)) or source not in ("auto", "deepstate-union"):
        return None
    adapter = ADAPTERS["deepstate-union"]
    path = Path(data)
    if not isinstance(adapter, DeepStateUnionAdapter) or not adapter.sniff_name(path):
        return None
    raw = read_arrays(path)
    if raw is None:
        return None
    classified = adapter.read_arrays(path, raw.fields, len(raw.geoms), status)
    if classified is None:
        return None
    status_of, attrs = classified
    geoms = np.asarray(raw.geoms, dtype=object)
    return _normalise(geoms, status_of, raw.crs, path, table=None), attrs


def _load(
    data: str | Path | gpd.GeoDataFrame, layer: str | int | None
) -> tuple[Path | None, gpd.GeoDataFrame]:
    import geopandas as gpd

    if isinstance(data, gpd.GeoDataFrame):
        return None, _plain_properties(data.copy())
    if isinstance(data, (str, Path)):
        # Formats only a source adapter can open (e.g. NZZ's {"value": ...}).
        raw = read_raw(Path(data)) if layer is None else None
        if raw is None:
            raw = read_vector(data, layer=layer)
        return Path(data), _plain_properties(raw)
    raise OptionError(
        f"expected a path or a GeoDataFrame, got {type(data).__name__}; pass a file "
        "path or geopandas.read_file(...) output"
    )


#: Property values that are not scalars (GeoJSON arrays and objects, GDAL
#: list fields, Parquet lists and structs, bytes): read as text.
_COMPOSITE: Final = (list, tuple, dict, set, frozenset, np.ndarray, bytes, bytearray)
#: Longest text a composite value becomes (characters).
_COMPOSITE_TEXT: Final = 10_000


def _plain_properties(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn property values that are arrays, objects or bytes into text.

    The one property normaliser, for files and GeoDataFrames alike: what
    follows (source detection, labels, statuses, dates) sees scalars only.
    A list becomes its JSON text (``["front", "2024"]``), bytes their
    ``repr`` (``b'occupied'``, never silently a label); both capped. Works
    on the reader's own copy.
    """
    name = raw.geometry.name
    for column in raw.columns:
        if column == name or raw[column].dtype != object:
            continue
        values = raw[column].to_numpy()
        mask = np.fromiter(
            (isinstance(v, _COMPOSITE) for v in values), dtype=bool, count=len(values)
        )
        if mask.any():
            text = values.copy()
            text[mask] = [_as_text(v) for v in values[mask]]
            raw[column] = text
            log.info(
                "column %r: %d array/object/bytes value(s) read as text",
                column,
                int(mask.sum()),
            )
    return raw


def _as_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return quote(bytes(value), 200)
    try:
        text = json.dumps(_plain(value), ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        text = quote(value, 200)
    if len(text) > _COMPOSITE_TEXT:
        text = text[: _COMPOSITE_TEXT - 1] + "…"
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return value


def _date_from_column(raw: gpd.GeoDataFrame) -> dt.date | None:
    if "date" not in raw.columns:
        return None
    dates = set()
    for value in raw["date"].dropna().unique():
        try:
            dates.add(parse_date(value))
        except OptionError:
            return None
    # Several times of one day are one date; several days are no single date.
    return dates.pop() if len(dates) == 1 else None


@functools.cache
def _wgs84() -> CRS:
    """EPSG:4326, built once (building a pyproj CRS costs more than it seems)."""
    from pyproj import CRS

    return CRS.from_user_input("EPSG:4326")


@functools.lru_cache(maxsize=64)
def _crs_facts(srs: str) -> tuple[bool, bool]:
    """(is geographic, is EPSG:4326 or OGC:CRS84) for a CRS's definition string."""
    from pyproj import CRS

    crs = CRS.from_user_input(srs)
    return crs.is_geographic, crs.equals("EPSG:4326") or crs.equals("OGC:CRS84")


def _check_crs(
    geoms: NDArray[np.object_], crs: CRS | None, path: Path | None
) -> NDArray[np.object_]:
    """Check the CRS against the coordinates; return the geometries in lon/lat."""
    what = repr(str(path)) if path is not None else "the layer"
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    lonlat = -180 <= xmin and xmax <= 180 and -90 <= ymin and ymax <= 90
    if crs is None:
        if not lonlat:
            raise CRSError(
                f"{what} has no CRS and its coordinates (x {xmin:.6g}…{xmax:.6g}, "
                f"y {ymin:.6g}…{ymax:.6g}) are not longitude/latitude; they look "
                "projected (e.g. Web Mercator metres). Set the CRS they are in, "
                "e.g. gdf.set_crs('EPSG:3857'), and pass the GeoDataFrame"
            )
        log.info("%s has no CRS; reading coordinates as lon/lat (EPSG:4326)", what)
        return geoms
    _check_earth(crs, what)
    try:
        if crs.srs:
            geographic, wgs84 = _crs_facts(crs.srs)
        else:  # pragma: no cover - pyproj always records the definition
            geographic = crs.is_geographic
            wgs84 = crs.equals("EPSG:4326") or crs.equals("OGC:CRS84")
    except (ProjError, ProjCRSError) as exc:
        raise _unusable_crs(what, crs, exc) from exc
    if geographic and not lonlat:
        raise CRSError(
            f"{what} declares the geographic CRS {crs.to_string()} but its "
            f"coordinates reach x {xmin:.6g}…{xmax:.6g}, y {ymin:.6g}…{ymax:.6g}, "
            "outside longitude/latitude ranges; the CRS contradicts the data. Set "
            "the right one with gdf.set_crs(..., allow_override=True)"
        )
    if wgs84:
        return geoms
    from geopandas.array import from_shapely

    log.info("reprojecting %s from %s to EPSG:4326", what, crs.to_string())
    try:
        lonlat = from_shapely(geoms, crs=crs).to_crs("EPSG:4326")
    except (ProjError, ProjCRSError) as exc:
        raise _unusable_crs(what, crs, exc) from exc
    return np.asarray(lonlat, dtype=object)


def _unusable_crs(what: str, crs: CRS, exc: Exception) -> CRSError:
    """Explain a CRS PROJ cannot transform to lon/lat (another planet, a grid)."""
    name = getattr(crs, "name", None) or crs.to_string()
    reason = str(exc).split("(Internal Proj Error:")[-1].strip(" )")
    return CRSError(
        f"{what} is in the CRS {quote(name, 60)}, which cannot be transformed "
        f"to longitude/latitude on the Earth (EPSG:4326): {quote(reason, 120)}. "
        "Expected a CRS of the Earth: set the right one with "
        "gdf.set_crs(..., allow_override=True)"
    )


#: Semi-major axes of Earth's ellipsoids (m): from Everest (6,377,276) to
#: Clarke 1880 (6,378,249) and WGS84 (6,378,137), with room.
_EARTH_AXIS_M: Final = (6.30e6, 6.45e6)


def _check_earth(crs: CRS, what: str) -> None:
    """Refuse a CRS that is not horizontal coordinates on the Earth."""
    name = f"{quote(crs.to_string(), 40)} ({quote(crs.name, 60)})"
    if not (crs.is_geographic or crs.is_projected):
        raise CRSError(
            f"{what} declares the {crs.type_name} {name}, which does not place "
            "points on the Earth's surface; expected a geographic or projected "
            "CRS such as EPSG:4326. Set the CRS the coordinates are really in"
        )
    ellipsoid = crs.ellipsoid
    axis = ellipsoid.semi_major_metre if ellipsoid is not None else None
    if axis is not None and not _EARTH_AXIS_M[0] <= axis <= _EARTH_AXIS_M[1]:
        raise CRSError(
            f"{what} declares the CRS {name}, on a body of {axis / 1000:,.0f} km "
            "radius, not the Earth: it cannot be transformed to longitude/"
            "latitude on the Earth. Set the CRS the coordinates are really in "
            "(e.g. EPSG:4326)"
        )


def _check_extent(geoms: NDArray[np.object_], path: Path | None) -> None:
    what = repr(str(path)) if path is not None else "the layer"
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    bx0, by0, bx1, by1 = _UKRAINE_BOUNDS
    if xmax < bx0 or xmin > bx1 or ymax < by0 or ymin > by1:
        swapped = not (ymax < bx0 or ymin > bx1 or xmax < by0 or xmin > by1)
        hint = (
            "the coordinates look like latitude/longitude in the wrong order; "
            "swap them (shapely.ops.transform(lambda x, y: (y, x), geom))"
            if swapped
            else "check that this is a map of Ukraine and that its CRS is right"
        )
        raise GeometryError(
            f"{what} lies entirely outside Ukraine (lon {xmin:.4g}…{xmax:.4g}, lat "
            f"{ymin:.4g}…{ymax:.4g}; Ukraine is about lon 22…40.3, lat 44.3…52.4); "
            f"{hint}"
        )


def _normalise(
    geoms: NDArray[np.object_],
    status_of: NDArray[np.object_],
    crs: Any,
    path: Path | None,
    *,
    table: gpd.GeoDataFrame | None,
    overlaps_expected: bool = False,
) -> _Layer:
    """Validate and repair a classified layer: geometries, statuses and CRS.

    Works on arrays; no frame is copied. ``table`` is the classified frame
    the rows refer to (None when the layer was read as arrays: the result
    then cannot become a GeoDataFrame).
    """
    what = repr(str(path)) if path is not None else "the layer"
    if len(geoms) == 0:
        raise EmptyLayerError(
            f"{what} has no features; expected polygons of controlled territory"
        )
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    coords = shapely.get_coordinates(geoms[present])
    if coords.size and not np.isfinite(coords).all():
        bad = int((~np.isfinite(coords)).any(axis=1).sum())
        raise GeometryError(
            f"{what} has {bad} vertices with NaN or infinite coordinates; "
            "expected finite longitude/latitude. Fix or remove those features"
        )
    repairs: list[dict[str, Any]] = []
    dropped: dict[str, int] = {}
    if (~present).any():
        dropped["empty or missing geometry"] = int((~present).sum())
    rows = np.flatnonzero(present)
    if len(rows) == 0:
        raise EmptyLayerError(f"{what} has no geometries, only empty features")
    work = shapely.force_2d(_check_crs(geoms[rows], crs, path))

    # Keep only polygonal parts, feature by feature.
    polys, owner = _polygon_parts(work)
    n_nonpoly = int(len(work) - len(np.unique(owner)))
    if len(polys) == 0:
        from geopandas.array import from_shapely

        kinds = sorted(set(from_shapely(work).geom_type))
        raise EmptyLayerError(
            f"{what} holds no polygons (geometry types: {', '.join(kinds)}); "
            "a control layer must have areas. Points and lines cannot be measured"
        )
    if n_nonpoly:
        dropped["features without polygons (points, lines)"] = n_nonpoly
        log.info("%s: ignored %d features without polygons", what, n_nonpoly)
    # One validity test per feature: a valid (multi)polygon has valid parts
    # that do not overlap, so only the features that fail it are repaired.
    kept, out = _features(polys, owner)
    bad = ~shapely.is_valid(out)
    if bad.any():
        sel = np.isin(owner, kept[bad])
        fixed, fixed_owner = _repair(polys[sel], owner[sel], what, repairs, dropped)
        fixed_kept, fixed_out = _features(fixed, fixed_owner)
        fixed_out = _merge_overlapping_parts(fixed_out, what, repairs)
        kept = np.concatenate([kept[~bad], fixed_kept])
        out = np.concatenate([out[~bad], fixed_out])
        order = np.argsort(kept, kind="stable")
        kept, out = kept[order], out[order]
    if len(kept) == 0:
        raise EmptyLayerError(
            f"{what} holds no polygons with an area: its invalid polygons repair "
            "to lines or points (zero-area rings); a control layer must have areas"
        )
    rows = rows[kept]
    _check_extent(out, path)
    check_extent(out, what)
    status = status_of[rows]
    out, keep, unions = _resolve_overlaps(
        out, status, what, repairs, warn=not overlaps_expected
    )
    if keep is not None:
        rows, out, status = rows[keep], out[keep], status[keep]
    attrs = {"repairs": repairs, "dropped": dropped}
    return _Layer(table, rows, out, status, attrs, unions=unions)


def _features(
    polys: NDArray[np.object_], owner: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """Group polygon parts into one MultiPolygon per owner (exteriors CCW).

    Returns the owners, sorted, and their MultiPolygons.
    """
    if len(polys) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    order = np.argsort(owner, kind="stable")
    polys, owner = shapely.orient_polygons(polys[order]), owner[order]
    kept, dense = np.unique(owner, return_inverse=True)
    merged = shapely.multipolygons(polys, indices=dense.astype(np.intp))
    return kept, np.asarray(merged, dtype=object)


def _merge_overlapping_parts(
    features: NDArray[np.object_], what: str, repairs: list[dict[str, Any]]
) -> NDArray[np.object_]:
    """Dissolve the parts of a feature that overlap or share edges.

    Each part may be valid while the feature's MultiPolygon is not: parts that
    overlap would be counted twice by anything that sums parts. They are
    merged; a change of area (a real overlap) is warned about and recorded.
    """
    bad = ~shapely.is_valid(features)
    if not bad.any():
        return features
    features = features.copy()
    before = _km2(features[bad])
    fixed = []
    for geom in features[bad]:
        parts, _ = _polygon_parts(
            np.array([shapely.union_all(shapely.get_parts(geom))])
        )
        fixed.append(shapely.multipolygons(shapely.orient_polygons(parts)))
    features[bad] = np.array(fixed, dtype=object)
    after = _km2(features[bad])
    removed = float((before - after).sum())
    if removed >= _WARN_OVERLAP_KM2:
        repairs.append(
            {
                "what": "merged overlapping parts",
                "features": int(bad.sum()),
                "area_before_km2": round(float(before.sum()), 3),
                "area_after_km2": round(float(after.sum()), 3),
            }
        )
        warnings.warn(
            f"{what}: {int(bad.sum())} feature(s) have parts that overlap each "
            f"other; merged them so {removed:,.1f} km² are not counted twice",
            FrontlineWarning,
            stacklevel=5,
        )
    else:
        log.info("%s: merged the touching parts of %d feature(s)", what, bad.sum())
    return features


def _repair(
    polys: NDArray[np.object_],
    owner: NDArray[np.intp],
    what: str,
    repairs: list[dict[str, Any]],
    dropped: dict[str, int],
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Make invalid polygons valid, recording and warning what changed."""
    invalid = ~shapely.is_valid(polys)
    if not invalid.any():
        return polys, owner
    before = _km2(polys[invalid]).sum()
    fixed = make_valid(polys[invalid])
    fixed_polys, fixed_owner = _polygon_parts(fixed)
    after = _km2(fixed_polys).sum()
    keep = np.flatnonzero(~invalid)
    n_features = len(np.unique(owner))
    polys = np.concatenate([polys[keep], fixed_polys])
    owner = np.concatenate([owner[keep], owner[invalid][fixed_owner]])
    n_lost = n_features - len(np.unique(owner))
    if n_lost:
        dropped["features without area (repaired to lines or points)"] = n_lost
    repair = {
        "what": "make_valid",
        "polygons": int(invalid.sum()),
        "area_before_km2": round(float(before), 3),
        "area_after_km2": round(float(after), 3),
    }
    repairs.append(repair)
    warnings.warn(
        f"{what}: repaired {repair['polygons']} invalid polygon(s) with "
        f"make_valid; their area went from {before:,.1f} to {after:,.1f} km² "
        "(ring areas as drawn vs. the repaired shape)",
        FrontlineWarning,
        stacklevel=5,
    )
    return polys, owner


def _overlap_with(
    geoms: NDArray[np.object_], mask: NDArray[np.bool_], claimed: Geometry
) -> tuple[NDArray[np.bool_], NDArray[np.object_] | None, float]:
    """Find the rows of ``mask`` that ``claimed`` overlaps, what remains, km².

    Returns the rows hit, their geometries minus ``claimed`` (None when the
    overlap has no area) and the km² of the overlap, measured on the union of
    the rows (rows of one status that overlap each other count once). Many
    rows or a ``claimed`` of many parts are handled through a spatial index:
    each row is cut by the parts of ``claimed`` it meets, not by all of them.
    """
    parts = shapely.get_parts(claimed)
    rows = np.flatnonzero(mask)
    if len(parts) < BATCH_FROM and len(rows) < BATCH_FROM:
        hit = mask & shapely.intersects(geoms, claimed)
        if not hit.any():
            return hit, None, 0.0
        overlap = shapely.intersection(union_polygons(geoms[hit]), claimed)
        km2 = float(_km2(np.array([overlap], dtype=object))[0])
        if km2 <= 0:
            return hit, None, 0.0
        return hit, shapely.difference(geoms[hit], claimed), km2
    left, right = shapely.STRtree(parts).query(geoms[rows], predicate="intersects")
    hit = np.zeros(len(geoms), dtype=bool)
    if len(left) == 0:
        return hit, None, 0.0
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    touched, starts = np.unique(left, return_index=True)
    local = np.asarray(
        [
            parts[g[0]] if len(g) == 1 else shapely.union_all(parts[g])
            for g in np.split(right, starts[1:])
        ],
        dtype=object,
    )
    targets = rows[touched]
    hit[targets] = True
    pieces = shapely.intersection(geoms[targets], local)
    km2 = float(_km2(np.array([union_polygons(pieces)], dtype=object))[0])
    if km2 <= 0:
        return hit, None, 0.0
    return hit, shapely.difference(geoms[targets], local), km2


def _resolve_overlaps(
    geoms: NDArray[np.object_],
    status_of: NDArray[np.object_],
    what: str,
    repairs: list[dict[str, Any]],
    *,
    warn: bool = True,
) -> tuple[NDArray[np.object_], NDArray[np.bool_] | None, dict[str, Geometry] | None]:
    """Give overlapping area to the first status in PRECEDENCE.

    Returns the geometries, the rows to keep (None: all, nothing changed) and
    the union of each status's geometries (None with fewer than two
    statuses), which the time series reuses.
    """
    statuses = [s for s in PRECEDENCE if (status_of == s).any()]
    if len(statuses) < 2:
        return geoms, None, None
    geoms = geoms.copy()
    claimed = None
    moved_total = 0.0
    moved: dict[str, float] = {}
    unions: dict[str, Geometry] = {}
    for status in statuses:
        mask = status_of == status
        if claimed is not None:
            hit, rest, km2 = _overlap_with(geoms, mask, claimed)
            if rest is not None:
                # Overlay output has clockwise shells; keep ours CCW.
                geoms[hit] = shapely.orient_polygons(rest)
                moved[status] = km2
                moved_total += km2
        union = union_polygons(geoms[mask])
        unions[status] = union
        claimed = union if claimed is None else union_polygons([claimed, union])
    if not moved:
        return geoms, None, unions
    keep = shapely.area(geoms) > 0
    parts = "; ".join(f"{km2:,.2f} km² taken from {s}" for s, km2 in moved.items())
    repairs.append({"what": "overlap", "area_km2": round(moved_total, 3), **moved})
    message = (
        f"{what}: {moved_total:,.2f} km² are covered by more than one status; "
        f"counted once, by precedence {' > '.join(PRECEDENCE)} ({parts})"
    )
    if warn and moved_total >= _WARN_OVERLAP_KM2:
        warnings.warn(message, FrontlineWarning, stacklevel=5)
    else:
        log.info(message)
    return geoms, keep, unions
