"""Files in and out: every vector format users bring, and one atomic writer.

Reading: :func:`read_vector` turns any supported file into a raw
GeoDataFrame and :func:`read_arrays` reads single-layer GeoJSON into arrays.
Before GDAL sees a file, :mod:`frontline._guard` checks what it is (one
``os.stat``: regular files only, size limits), decompresses archives into a
temporary file (memory stays flat) and scans XML (DTDs, polygons without an
outer boundary). Every geometry is decoded by :mod:`frontline._decode`.

Writing: :func:`atomic_write` is the only way frontline writes a file (CLI
outputs, maps, animations, downloads, caches). It writes to a temporary file
beside the target and renames it into place, so a reader never sees half a
file and an error leaves nothing behind; the file gets the permissions a new
file gets from the user's umask (0644 under umask 022), or keeps those of the
file it replaces. A symbolic link is written through (its target is
replaced, the link stays), and a path that is not a regular file
(``/dev/stdout``, a named pipe) is written directly.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import os
import re
import secrets
import stat
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from frontline._decode import from_geojson, from_wkb
from frontline._guard import Limits, check_file, prepared, short, shown
from frontline._messages import quote, warn
from frontline._parquet import read_parquet
from frontline.errors import (
    CRSError,
    OutputError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import geopandas as gpd

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_GEOMETRY_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "RawArrays",
    "atomic_path",
    "atomic_write",
    "limits",
    "read_arrays",
    "read_vector",
    "write_bytes",
    "write_text",
]

log = logging.getLogger(__name__)

#: Largest input accepted, as stored or once decompressed (bytes): a KMZ
#: member, a ``.gz`` file, a plain file. Protects against archives that
#: expand to gigabytes and files that never end; raise it if you really have
#: such a file: ``frontline._io.MAX_UNCOMPRESSED_BYTES = 2 * 2**30``.
#: Decompression streams into a temporary file, so memory does not grow with it.
MAX_UNCOMPRESSED_BYTES = 512 * 2**20
#: Largest JSON document parsed whole in Python (bytes): the wrapped documents
#: of NZZ and DeepState's API, GeoJSON sequences, and GeoJSON files whose
#: unreadable geometries are looked at. Parsing costs up to ten times the text.
MAX_DOCUMENT_BYTES = 32 * 2**20
#: Largest geometry a file may hold once parsed (bytes of WKB, 16 per vertex:
#: 256 MiB is 16.7 million vertices). The parsed size, not the file's, is what
#: the steps after the parse multiply; a file past it is refused before they run.
MAX_GEOMETRY_BYTES = 256 * 2**20

_PARQUET = {".parquet", ".geoparquet"}
_SINGLE_LAYER = {".geojson", ".json", ".fgb", ".shp", ".geojsonl", ".geojsons"}
_JSON = {".geojson", ".json", ".geojsonl", ".geojsons"}
_FORMATS = (
    "GeoJSON (.geojson, .json, .gz), KML, KMZ, GeoPackage, Shapefile (.shp or "
    ".zip), FlatGeobuf, GeoParquet"
)


def limits() -> Limits:
    """Return the size limits in force (read at call time: they can be changed)."""
    return Limits(MAX_UNCOMPRESSED_BYTES, MAX_DOCUMENT_BYTES)


def read_vector(
    path: str | Path, *, layer: str | int | None = None
) -> gpd.GeoDataFrame:
    """Read every polygon-bearing layer of a vector file.

    Multi-layer files (KML folders, GeoPackages) are read layer by layer and
    concatenated; the layer name goes into a ``layer`` column.
    """
    path = Path(path)
    check_file(path, limits())
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _PARQUET:
        return read_parquet(path)
    with prepared(path, limits()) as source:
        size = source.stat().st_size if source.is_file() else 0
        if (
            layer is None
            and _GDAL_JSON_BYTES < size <= MAX_DOCUMENT_BYTES
            and source.suffix.lower() in (".geojson", ".json")
            and _is_json(str(source))
        ):
            return _read_geojson(source, path)
        return _read_layers(str(source), path, layer)


#: GeoJSON files larger than this (bytes), up to MAX_DOCUMENT_BYTES, are
#: parsed in Python, not by GDAL: GDAL holds a feature as a tree of JSON
#: objects of about 30 times its text (a 19 MB ring of a million vertices
#: needs 850 MB there, under 300 MB here); past MAX_DOCUMENT_BYTES GDAL
#: streams the file and refuses a feature whose tree passes 200 MB.
_GDAL_JSON_BYTES = 8 * 2**20


def _read_geojson(source: Path, path: Path) -> gpd.GeoDataFrame:
    """Read a large GeoJSON document in Python: properties and the one decoder."""
    import geopandas as gpd
    from geopandas.array import from_shapely

    try:
        doc = json.loads(source.read_bytes())
    except RecursionError:
        raise UnsupportedFormatError(
            f"{shown(path)} nests JSON arrays or objects too deep for a map; "
            "expected a GeoJSON document"
        ) from None
    except ValueError as exc:
        raise UnsupportedFormatError(
            f"{shown(path)} is not valid JSON ({short(exc, 100)}); expected a "
            "GeoJSON document"
        ) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features")
    elif kind == "Feature":
        features = [doc]
    elif isinstance(kind, str) and ("coordinates" in doc or "geometries" in doc):
        features = [{"type": "Feature", "geometry": doc, "properties": None}]
    else:
        raise UnsupportedFormatError(
            f"{shown(path)} is JSON but not GeoJSON (its type is {quote(kind, 40)}); "
            "expected a FeatureCollection"
        )
    if not isinstance(features, list) or not all(
        isinstance(f, dict) and isinstance(f.get("properties") or {}, dict)
        for f in features
    ):
        raise UnsupportedFormatError(
            f"{shown(path)}: 'features' is not a list of GeoJSON features with "
            "object properties; expected a FeatureCollection"
        )
    geoms = from_geojson([f.get("geometry") for f in features], shown(path))
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    if "geometry" in props.columns:
        props = props.rename(columns={"geometry": "geometry_field"})
    member = doc.get("crs") if isinstance(doc, dict) else None
    name = (
        member.get("properties", {}).get("name") if isinstance(member, dict) else None
    )
    crs = _crs(name if isinstance(name, str) else "OGC:CRS84", path)
    props["geometry"] = from_shapely(geoms, crs=crs)
    return gpd.GeoDataFrame(props, geometry="geometry")


class RawArrays:
    """A single-layer GeoJSON file read into arrays: no GeoDataFrame built."""

    __slots__ = ("crs", "fields", "geoms")

    def __init__(self, fields: dict[str, Any], geoms: Any, crs: Any):
        self.fields = fields
        self.geoms = geoms
        self.crs = crs


def read_arrays(path: str | Path) -> RawArrays | None:
    """Read a plain GeoJSON file into arrays, or None to use read_vector.

    The same checks as :func:`read_vector` and the same GDAL parse; the
    fields and geometries come back as arrays for readers that need no
    GeoDataFrame (the time series). Any other format, and any file GDAL or
    the WKB decoder has remarks about, gives None: the caller then goes
    through :func:`read_vector`, which explains or repairs.
    """
    path = Path(path)
    check_file(path, limits())
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes[-1:] == [".gz"]:
        suffixes = suffixes[:-1]
    if suffixes[-1:] not in ([".geojson"], [".json"]):
        return None
    if os.environ.get("PYOGRIO_USE_ARROW", "0") not in ("", "0"):
        return None
    failed = False
    with (
        prepared(path, limits()) as source,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", RuntimeWarning)
        try:
            meta, _, wkb, fields = pyogrio.raw.read(
                _as_input(str(source)), datetime_as_string=True
            )
            if wkb is not None:
                _check_parsed_size(wkb, path)
            geoms = None if wkb is None else shapely.from_wkb(wkb, on_invalid="raise")
        except Exception:  # read_vector gives the error its message
            failed = True
    if _pass_on(caught) or failed:
        return None
    names = [str(name) for name in meta["fields"].tolist()]
    if geoms is None or "geometry" in names or shapely.is_missing(geoms).any():
        return None
    if any(str(dtype).startswith("datetime") for dtype in meta["dtypes"]):
        return None
    return RawArrays(dict(zip(names, fields, strict=True)), geoms, _crs(meta["crs"]))


def _read_layers(source: str, path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    # GDAL reports oddities of a file as RuntimeWarnings; they are details of
    # the format, not of the territory, so they go to the log — except those
    # that say a feature's geometry was lost, which are warned about.
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always", RuntimeWarning)
            try:
                return _read_layers_impl(source, path, layer)
            finally:
                caught = list(recorded)
    finally:
        # Outside the block: what is shown again goes to the caller's filters.
        lost = 0
        for item in _pass_on(caught):
            if "NULL geometry" in str(item.message) and not _is_json(source):
                lost += 1
            log.info("GDAL, reading %s: %s", path.name, item.message)
        if lost:
            warn(
                f"{shown(path)}: GDAL could not read the geometry of some features "
                f"({lost} report(s): 'Feature gets NULL geometry assigned'); their "
                "area is not counted. Check the file's geometries"
            )


#: Where the warnings of decoding a file come from: pyogrio (GDAL) and
#: shapely's WKB reader, as imported and with links resolved.
_DECODERS = tuple(
    sorted(
        {
            os.path.join(os.path.dirname(pyogrio.__file__), ""),
            os.path.join(os.path.dirname(os.path.realpath(pyogrio.__file__)), ""),
            shapely.io.__file__,
            os.path.realpath(shapely.io.__file__),
        }
    )
)


def _pass_on(caught: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    """Show the recorded warnings again, except remarks about the file.

    Remarks are RuntimeWarnings of GDAL or of WKB decoding; they are
    returned for the caller to log. ``catch_warnings`` records every
    thread's warnings, and the time series measures in another thread while
    this one reads: warnings from anywhere else are shown again, never
    swallowed. Call it outside the recording block.
    """
    remarks = []
    for item in caught:
        if issubclass(item.category, RuntimeWarning) and str(item.filename).startswith(
            _DECODERS
        ):
            remarks.append(item)
        else:
            warnings.warn_explicit(
                item.message, item.category, item.filename, item.lineno
            )
    return remarks


def _gdal_error(path: Path, exc: BaseException, layer: str | int | None = None) -> str:
    """GDAL's message about a file, without the path it repeats."""
    text = " ".join(str(exc).split())
    for spelling in {str(path), os.path.realpath(path)}:
        text = text.replace(spelling, path.name)
    text = re.sub(r"/tmp\S*/frontline-[^/\s]+/(doc|input)", r"\1", text)
    where = f" (layer {layer!r})" if layer is not None else ""
    return (
        f"cannot read {shown(path)}{where} as a vector layer "
        f"({short(ValueError(text), 110)}); expected one of: {_FORMATS}"
    )


def _read_layers_impl(  # noqa: PLR0911 - one return per way of reading
    source: str, path: Path, layer: str | int | None
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    suffix = Path(source).suffix.lower()
    single = suffix in _SINGLE_LAYER
    try:
        if layer is not None:
            return _read_one(source, layer, path)
        if single:  # one layer by definition: skip listing (a third of the parse)
            return _read_one(source, None, path)
        layers = pyogrio.list_layers(source)
    except (DataSourceError, DataLayerError, UnicodeDecodeError) as exc:
        raise UnsupportedFormatError(_gdal_error(path, exc)) from exc
    if len(layers) == 0:
        raise UnsupportedFormatError(
            f"{shown(path)} holds no layer GDAL can read (an empty document, "
            "or elements it does not know: KML tags are case-sensitive); "
            f"expected a vector layer in one of: {_FORMATS}"
        )
    # Attribute-only tables (geometry type None, e.g. in a GeoPackage) hold no
    # territory; skip them unless they are all there is.
    names = [str(name) for name, kind in layers if kind is not None]
    if len(layers) == 1 or not names:
        return _read_one(source, None, path)
    if len(names) == 1:
        return _read_one(source, names[0], path)
    if len(names) >= _ONE_PASS_FROM:
        together = _read_in_one_pass(source, names, path)
        if together is not None:
            return together
    frames = []
    for name in names:
        frame = _read_one(source, name, path)
        if len(frame):
            frame["layer"] = name
            frames.append(frame)
    if not frames:
        return _read_one(source, names[0], path)
    log.info("read %d layers of %s: %s", len(frames), path.name, names[:20])
    return gpd.GeoDataFrame(pd.concat(_same_crs(frames, path), ignore_index=True))


def _same_crs(frames: list[gpd.GeoDataFrame], path: Path) -> list[gpd.GeoDataFrame]:
    """Bring every layer into the first layer's CRS before they are merged."""
    crs = frames[0].crs
    out = []
    for frame in frames:
        if frame.crs == crs:
            out.append(frame)
        elif frame.crs is None or crs is None:
            raise CRSError(
                f"the layers of {shown(path)} mix CRSs "
                f"{quote([str(f.crs) for f in frames], 120)}, some missing; pass "
                "layer=... to read one layer at a time"
            )
        else:
            log.info(
                "reprojecting a layer of %s from %s to %s",
                path.name,
                frame.crs.to_string(),
                crs.to_string(),
            )
            out.append(frame.to_crs(crs))
    return out


def _read_one(source: str, layer: str | int | None, path: Path) -> gpd.GeoDataFrame:
    try:
        gdf = _read_frame(source, layer, path)
    except UnicodeDecodeError as exc:
        raise UnsupportedFormatError(
            f"{shown(path)} is not valid UTF-8 ({short(exc, 80)}); GeoJSON and "
            "KML must be UTF-8 (RFC 7946). Re-encode the file, e.g. iconv -f "
            "latin1 -t utf-8"
        ) from exc
    except (DataSourceError, DataLayerError, ValueError) as exc:
        if isinstance(exc, (CRSError, UnsupportedFormatError)) or type(
            exc
        ).__module__.startswith("frontline"):
            raise
        raise UnsupportedFormatError(_gdal_error(path, exc, layer)) from exc
    if not hasattr(gdf, "geometry"):
        raise UnsupportedFormatError(
            f"{shown(path)} (layer {layer!r}) has no geometry column; expected a "
            "vector layer with polygons"
        )
    return gdf


def _read_frame(source: str, layer: str | int | None, path: Path) -> Any:
    """Read one layer: GDAL's fields and WKB, geometries by the one decoder.

    The same columns, dtypes, index and CRS as ``pyogrio.read_dataframe``
    (a field named ``geometry`` is kept as ``geometry_field``), assembled from
    one dict, at a fraction of the cost of geopandas' general constructor.
    """
    meta, _, wkb, fields = pyogrio.raw.read(
        _as_input(source), layer=layer, datetime_as_string=True
    )
    if wkb is None:
        return pyogrio.read_dataframe(source, layer=layer, read_geometry=False)
    return _frame(meta, wkb, fields, source, path)


def _frame(meta: Any, wkb: Any, fields: Any, source: str, path: Path) -> Any:
    """Assemble a GeoDataFrame from what ``pyogrio.raw.read`` returned."""
    import geopandas as gpd
    from geopandas.array import from_shapely

    names = [str(name) for name in meta["fields"].tolist()]
    _check_parsed_size(wkb, path)
    columns: dict[str, Any] = dict(zip(names, fields, strict=True))
    for dtype, name in zip(meta["dtypes"], names, strict=True):
        if str(dtype).startswith("datetime"):
            parsed = _parse_datetimes(pd.Series(columns[name]))
            if parsed is not None:
                columns[name] = parsed
    for subtype, name in zip(meta["ogr_subtypes"], names, strict=True):
        if subtype == "OFSTJSON":
            columns[name] = _json_column(columns[name])
    if "geometry" in columns:
        columns["geometry_field"] = columns.pop("geometry")
    geoms = from_wkb(wkb, shown(path))
    if _is_json(source):
        geoms = _recover_null_geometries(source, path, geoms)
    columns["geometry"] = from_shapely(geoms, crs=_crs(meta["crs"], path))
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry="geometry")


#: Layers from which a KML or GeoPackage is read in one pass (an SQL query
#: over all its layers): GDAL parses a KML again for every layer opened.
_ONE_PASS_FROM = 8
#: Layers per query (SQLite allows 500 terms in a compound SELECT).
_ONE_PASS_BATCH = 400
_LAYER_FIELD = "frontline_layer"


def _read_in_one_pass(
    source: str, names: list[str], path: Path
) -> gpd.GeoDataFrame | None:
    """Read many layers with one SQL query per batch; None to read them one by one.

    Only KML (always lon/lat) and GeoPackages whose layers share one CRS: a
    union of layers in several CRSs would mix coordinates. Layers whose
    fields differ make the query fail, and the caller reads layer by layer.
    """
    import geopandas as gpd

    suffix = Path(source).suffix.lower()
    if suffix == ".gpkg" and not _one_gpkg_srs(source, names):
        return None
    if suffix not in (".kml", ".gpkg"):
        return None
    frames = []
    for start in range(0, len(names), _ONE_PASS_BATCH):
        batch = names[start : start + _ONE_PASS_BATCH]
        sql = " UNION ALL ".join(
            f"SELECT *, '{n.replace(chr(39), chr(39) * 2)}' AS {_LAYER_FIELD} "
            f'FROM "{n.replace(chr(34), chr(34) * 2)}"'
            for n in batch
        )
        try:
            meta, _, wkb, fields = pyogrio.raw.read(
                source, sql=sql, sql_dialect="SQLITE", datetime_as_string=True
            )
        except (DataSourceError, DataLayerError, ValueError) as exc:
            log.info("reading %s layer by layer (%s)", path.name, short(exc, 80))
            return None
        if wkb is None:
            return None
        frames.append(_frame(meta, wkb, fields, source, path))
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True))
    out["layer"] = out.pop(_LAYER_FIELD)
    log.info("read %d layers of %s in one pass", len(names), path.name)
    return out


def _one_gpkg_srs(source: str, names: list[str]) -> bool:
    import sqlite3

    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        ) as db:
            rows = db.execute(
                "SELECT table_name, srs_id FROM gpkg_geometry_columns"
            ).fetchall()
    except sqlite3.Error:
        return False
    srs = {str(t): s for t, s in rows}
    return all(n in srs for n in names) and len({srs[n] for n in names}) == 1


def _as_input(source: str) -> str:
    """Return the source GDAL opens (a seam for tests that hold a reader)."""
    return source


def _check_parsed_size(wkb: Any, path: Path) -> None:
    total = sum(len(v) for v in wkb if v is not None)
    if total > MAX_GEOMETRY_BYTES:
        raise UnsupportedFormatError(
            f"{shown(path)} holds about {total // 16:,} vertices ({total:,} bytes "
            f"of geometry), more than the limit of {MAX_GEOMETRY_BYTES:,}; "
            "simplify it first, or raise frontline._io.MAX_GEOMETRY_BYTES"
        )


def _json_column(values: Any) -> Any:
    column = pd.Series(values)
    if pd.api.types.infer_dtype(column) != "string":
        return values
    try:
        return column.map(json.loads, na_action="ignore")
    except (ValueError, RecursionError):
        return values


def _is_json(source: str) -> bool:
    suffix = Path(source).suffix.lower()
    if suffix in _JSON:
        return True
    if suffix in (".kml", ".gpkg", ".fgb", ".shp", ".zip", ".gml", ".xml", ".gdb"):
        return False
    try:
        with open(source, "rb") as f:
            head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n\x1e")
    except OSError:
        return False
    return head.startswith(b"{")


def _recover_null_geometries(
    source: str, path: Path, geoms: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Look again at the features GDAL gave no geometry (GeoJSON only).

    GDAL reads a geometry it does not understand (an unknown type, strings
    for numbers, a missing member) as null, without a word. The document is
    parsed here and those features' own geometry decoded by the one decoder:
    a real ``null`` stays null, anything else is read or refused with the
    reason.
    """
    missing = np.flatnonzero(shapely.is_missing(geoms))
    if len(missing) == 0:
        return geoms
    features = _json_features(source)
    if features is None or len(features) != len(geoms):
        warn(
            f"{shown(path)}: {len(missing)} feature(s) have no geometry and could "
            "not be checked; their area, if any, is not counted. Check the file"
        )
        return geoms
    given = [
        f.get("geometry") if isinstance(f, dict) else None
        for f in (features[i] for i in missing)
    ]
    if all(g is None for g in given):
        return geoms
    decoded = from_geojson(given, shown(path), index=missing.tolist())
    out = geoms.copy()
    out[missing] = decoded
    return out


def _json_features(source: str) -> list[Any] | None:
    if os.path.getsize(source) > MAX_DOCUMENT_BYTES:
        return None
    with open(source, "rb") as f:
        data = f.read()
    try:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"\x1e") or (
            Path(source).suffix.lower() in (".geojsonl", ".geojsons")
        ):
            sep = b"\x1e" if b"\x1e" in data else b"\n"
            docs = [json.loads(r) for r in data.split(sep) if r.strip()]
        else:
            docs = [json.loads(data.decode("utf-8-sig"))]
    except (ValueError, RecursionError):
        return None
    out: list[Any] = []
    for doc in docs:
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
            features = doc.get("features")
            if not isinstance(features, list):
                return None
            out.extend(features)
        elif isinstance(doc, dict) and doc.get("type") == "Feature":
            out.append(doc)
        else:
            return None
    return out


@functools.lru_cache(maxsize=32)
def _crs_of(text: str) -> Any:
    from pyproj import CRS

    return CRS.from_user_input(text)


def _crs(text: str | None, path: Path | None = None) -> Any:
    """Return the pyproj CRS of a definition string, built once per string."""
    if text is None:
        return None
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        return _crs_of(text)
    except ProjCRSError as exc:
        where = shown(path) if path is not None else "the file"
        raise CRSError(
            f"{where} declares a CRS that PROJ does not know ({short(exc, 100)}); "
            "set a known one (e.g. EPSG:4326) in the file"
        ) from exc


def _parse_datetimes(column: pd.Series) -> Any:
    """Parse a datetime field as ``read_dataframe`` does; None if unavailable."""
    try:
        from pyogrio.geopandas import _try_parse_datetime

        return _try_parse_datetime(
            column, datetime_as_string=False, mixed_offsets_as_utc=True
        )
    except (ImportError, TypeError):  # pragma: no cover - other pyogrio versions
        return None


# ----------------------------------------------------------------------------
# Writing


@overload
def atomic_write(
    path: str | os.PathLike[str], mode: Literal["w"] = ..., *, what: str = ...
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def atomic_write(
    path: str | os.PathLike[str], mode: Literal["wb"], *, what: str = ...
) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", *, what: str = "output"
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open ``path`` for writing so that it appears whole or not at all.

    Parameters
    ----------
    path : str or path
        The file to write. Its folder must exist.
    mode : {"w", "wb"}, default "w"
        Text (UTF-8, line ends as written) or bytes.
    what : str, default "output"
        What the file is, for error messages (``"map"``, ``"report"`` …).

    Returns
    -------
    context manager
        Yields the open file. On a normal exit the file is renamed onto
        ``path``; on an exception the temporary file is removed and ``path``
        is left as it was.

    Raises
    ------
    OutputError
        If the folder is missing, not writable, the name is too long, or
        ``path`` is a directory.
    """
    if mode not in ("w", "wb"):  # pragma: no cover - internal misuse
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    return _atomic(Path(os.fspath(path)), mode, what)


@contextlib.contextmanager
def _atomic(path: Path, mode: str, what: str) -> Iterator[IO[Any]]:
    with atomic_path(path, what=what) as tmp:
        with _opening(path, what):
            stream = tmp.open(mode, **_text_args(mode))
        with stream:
            yield stream


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, what: str = "output"
) -> Iterator[Path]:
    """Yield a temporary path to write, renamed onto ``path`` on success.

    For writers that need a file name rather than a stream (an animation
    encoder, a subprocess). The same guarantees as :func:`atomic_write`; a
    ``path`` that is not a regular file (``/dev/stdout``) is yielded itself.
    """
    path = Path(os.fspath(path))
    target = _write_target(path, what)
    if target is None:  # not a regular file: /dev/stdout, a pipe …
        yield path
        return
    keep_mode = None
    with contextlib.suppress(OSError):
        keep_mode = stat.S_IMODE(target.stat().st_mode)
    # Hidden, unique, and with the target's suffix (encoders pick the format by it).
    tmp = target.with_name(f".~{secrets.token_hex(4)}.{target.name[-200:]}")
    with _opening(path, what):
        # 0o666 through the umask: the mode a new file gets (0644 under 022).
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        if keep_mode is not None:
            os.chmod(tmp, keep_mode)
        with _opening(path, what):
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    log.debug("wrote %s", target)


def _text_args(mode: str) -> dict[str, Any]:
    return {} if "b" in mode else {"encoding": "utf-8", "newline": ""}


def _write_target(path: Path, what: str) -> Path | None:
    """Return the regular file to replace (a link's target), or None."""
    try:
        info = path.stat()  # follows links: /dev/stdout is a pipe, a tty …
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _output_error(path, what, exc) from exc
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(
            f"cannot write the {what} to {str(path)!r}: it is a directory; give a "
            "file name (e.g. add /out.csv)"
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        return None
    # A link (also a dangling one) is written through: its target is replaced.
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not real.parent.is_dir():
        raise OutputError(
            f"cannot write the {what} to {str(path)!r}: the folder "
            f"{str(real.parent)!r} does not exist; create it first"
        )
    return real


@contextlib.contextmanager
def _opening(path: Path, what: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise _output_error(path, what, exc) from exc


def _output_error(path: Path, what: str, exc: OSError) -> OutputError:
    reason = {
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "permission denied; choose a folder you can write to",
        errno.ENAMETOOLONG: "the file name is too long; choose a shorter one",
        errno.ENOSPC: "the disk is full; free some space",
        errno.EROFS: "the file system is read-only; choose another folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a directory; give a file name",
    }.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    shown = str(path)
    if len(shown) > 120:
        shown = f"{shown[:60]}…{shown[-40:]}"
    return OutputError(f"cannot write the {what} to {shown!r}: {reason}")


def write_text(
    path: str | os.PathLike[str], text: str, *, what: str = "output"
) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_write`."""
    with atomic_write(path, "w", what=what) as stream:
        stream.write(text)


def write_bytes(
    path: str | os.PathLike[str], data: bytes, *, what: str = "output"
) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`atomic_write`."""
    with atomic_write(path, "wb", what=what) as stream:
        stream.write(data)
