"""Files in and out: every vector format users bring, and one atomic writer.

Reading: :func:`read_vector` turns any supported file into a raw
GeoDataFrame (guarded against archive bombs, DTDs and odd file types) and
:func:`read_arrays` reads single-layer GeoJSON into arrays.

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
import gzip
import io
import json
import logging
import os
import re
import secrets
import stat
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, overload

import pandas as pd

import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from frontline.errors import (
    CRSError,
    InputFileNotFoundError,
    OutputError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import geopandas as gpd

__all__ = [
    "MAX_UNCOMPRESSED_BYTES",
    "RawArrays",
    "atomic_path",
    "atomic_write",
    "read_arrays",
    "read_vector",
    "write_bytes",
    "write_text",
]

log = logging.getLogger(__name__)

#: Largest decompressed size accepted from a KMZ member or a ``.gz`` file (bytes).
#: Protects against archives that expand to gigabytes; raise it if you really
#: have such a file: ``frontline._io.MAX_UNCOMPRESSED_BYTES = 2 * 2**30``.
MAX_UNCOMPRESSED_BYTES = 512 * 2**20

_PARQUET = {".parquet", ".geoparquet"}
_SINGLE_LAYER = {".geojson", ".json", ".fgb", ".shp", ".geojsonl", ".geojsons"}
_FORMATS = (
    "GeoJSON (.geojson, .json, optionally .gz), KML (.kml), KMZ (.kmz), "
    "GeoPackage (.gpkg), Shapefile (.shp or .zip), FlatGeobuf (.fgb), "
    "GeoParquet (.parquet)"
)


def read_vector(
    path: str | Path, *, layer: str | int | None = None
) -> gpd.GeoDataFrame:
    """Read every polygon-bearing layer of a vector file.

    Multi-layer files (KML folders, GeoPackages) are read layer by layer and
    concatenated; the layer name goes into a ``layer`` column.
    """
    path = Path(path)
    _check_file(path)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _PARQUET:
        return _read_parquet(path)
    source: str | bytes
    if suffixes and suffixes[-1] == ".kmz":
        source = _kml_from_kmz(path)
        _refuse_dtd(source[:_XML_HEAD], f"KMZ {str(path)!r}")
    elif suffixes and suffixes[-1] == ".gz":
        source = _gunzip(path)
        _refuse_dtd(source[:_XML_HEAD], repr(str(path)))
    else:
        if suffixes and suffixes[-1] in {".kml", ".xml", ".gml"}:
            with path.open("rb") as f:
                _refuse_dtd(f.read(_XML_HEAD), repr(str(path)))
        elif suffixes and suffixes[-1] == ".zip":
            _check_zip(path)
        source = str(path)
    return _read_layers(source, path, layer)


def _check_file(path: Path) -> None:
    """Refuse a missing path, a directory or an empty file, with the reason."""
    if not path.exists():
        raise InputFileNotFoundError(
            f"control file {str(path)!r} does not exist; check the path "
            f"(current directory: {Path.cwd()})"
        )
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise UnsupportedFormatError(
            f"{str(path)!r} is a directory; expected a file in one of: {_FORMATS}"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise UnsupportedFormatError(
            f"{str(path)!r} is empty (0 bytes); expected a control map in one of: "
            f"{_FORMATS}. Was the download or export interrupted?"
        )


class RawArrays:
    """A single-layer GeoJSON file read into arrays: no GeoDataFrame built."""

    __slots__ = ("crs", "fields", "geoms")

    def __init__(self, fields: dict[str, Any], geoms: Any, crs: Any):
        self.fields = fields
        self.geoms = geoms
        self.crs = crs


def read_arrays(path: str | Path) -> RawArrays | None:
    """Read a GeoJSON file (also ``.gz``) into arrays, or None to use read_vector.

    The same checks as :func:`read_vector` (missing, empty, gzip bombs) and
    the same GDAL parse; the fields and geometries come back as arrays for
    readers that need no GeoDataFrame (the time series). Any other format,
    and any file GDAL or the WKB decoder objects to, gives None: the caller
    then goes through :func:`read_vector`, which explains the problem.
    """
    path = Path(path)
    _check_file(path)
    suffixes = [s.lower() for s in path.suffixes]
    source: str | bytes
    if suffixes and suffixes[-1] == ".gz" and path.stem.lower().endswith("json"):
        source = _gunzip(path)
    elif suffixes and suffixes[-1] in {".geojson", ".json"}:
        source = str(path)
    else:
        return None
    if os.environ.get("PYOGRIO_USE_ARROW", "0") not in ("", "0"):
        return None
    # A file GDAL has remarks about goes to the full reader, which logs them.
    failed = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            meta, _, wkb, fields = pyogrio.raw.read(
                _as_input(source), datetime_as_string=True
            )
            geoms = None if wkb is None else shapely.from_wkb(wkb, on_invalid="raise")
        except Exception:  # read_vector gives the error its message
            failed = True
    if _pass_on(caught) or failed:
        return None
    names = [str(name) for name in meta["fields"].tolist()]
    if geoms is None or "geometry" in names:
        return None
    if any(str(dtype).startswith("datetime") for dtype in meta["dtypes"]):
        return None
    return RawArrays(dict(zip(names, fields, strict=True)), geoms, _crs(meta["crs"]))


#: How much of an XML document is searched for a DTD (the prolog comes first).
_XML_HEAD = 1 << 20
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _refuse_dtd(head: bytes, what: str) -> None:
    """Refuse XML that declares a DTD, before any parser sees it.

    KML never needs one; a DTD is how entity-expansion ("billion laughs") and
    external-entity attacks reach the parser.
    """
    if _DTD.search(head):
        raise UnsupportedFormatError(
            f"{what} declares a DTD (<!DOCTYPE or <!ENTITY); KML needs none and "
            "entity declarations can expand without bound or read local files, "
            "so the file is refused. Remove the DTD if the file is yours"
        )


def _check_zip(path: Path) -> None:
    """Check a zip (zipped Shapefile) before GDAL opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedFormatError(
            f"{str(path)!r} is not a valid zip archive ({_short(exc)})"
        ) from exc
    for info in infos:
        name = info.filename
        if ".." in Path(name).parts or name.startswith("/"):
            raise UnsupportedFormatError(
                f"zip {str(path)!r} has a member with an unsafe path {name!r}; "
                "refusing it"
            )
        if name.lower().endswith((".zip", ".kmz", ".gz", ".7z", ".tar")):
            raise UnsupportedFormatError(
                f"zip {str(path)!r} holds another archive ({name!r}); nested "
                "archives are not read: extract the inner file and pass it"
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnsupportedFormatError(
            f"zip {str(path)!r} declares {total:,} bytes uncompressed, more than "
            f"the limit of {MAX_UNCOMPRESSED_BYTES:,} (possible zip bomb); raise "
            "frontline._io.MAX_UNCOMPRESSED_BYTES if the file is legitimate"
        )


def _read_layers(
    source: str | bytes, path: Path, layer: str | int | None
) -> gpd.GeoDataFrame:
    # GDAL reports oddities of a file as RuntimeWarnings; they are details of
    # the format, not of the territory, so they go to the log.
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
        for item in _pass_on(caught):
            log.info("GDAL, reading %s: %s", path.name, item.message)


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


def _read_layers_impl(
    source: str | bytes, path: Path, layer: str | int | None
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    suffix = path.suffix.lower()
    single = suffix in _SINGLE_LAYER or (suffix == ".gz" and path.stem.endswith("json"))
    try:
        if layer is not None:
            return _read_one(source, layer, path)
        if single:  # one layer by definition: skip listing (a third of the parse)
            return _read_one(source, None, path)
        layers = pyogrio.list_layers(_as_input(source))
    except (DataSourceError, DataLayerError, UnicodeDecodeError) as exc:
        raise UnsupportedFormatError(
            f"cannot read {str(path)!r} as a vector layer ({_short(exc)}); "
            f"expected one of: {_FORMATS}"
        ) from exc
    # Attribute-only tables (geometry type None, e.g. in a GeoPackage) hold no
    # territory; skip them unless they are all there is.
    names = [str(name) for name, kind in layers if kind is not None]
    if len(layers) <= 1 or not names:
        return _read_one(source, None, path)
    if len(names) == 1:
        return _read_one(source, names[0], path)
    frames = []
    for name in names:
        frame = _read_one(source, name, path)
        if len(frame):
            frame["layer"] = name
            frames.append(frame)
    if not frames:
        return _read_one(source, names[0], path)
    log.info("read %d layers of %s: %s", len(frames), path.name, names)
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
                f"the layers of {str(path)!r} mix CRSs {[str(f.crs) for f in frames]}, "
                "some missing; pass layer=... to read one layer at a time"
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


def _read_one(
    source: str | bytes, layer: str | int | None, path: Path | None = None
) -> gpd.GeoDataFrame:
    where = repr(str(path)) if path is not None else "the input"
    try:
        gdf = _read_frame(source, layer)
    except UnicodeDecodeError as exc:
        raise UnsupportedFormatError(
            f"{where} is not valid UTF-8 ({_short(exc)}); GeoJSON and KML must be "
            "UTF-8 (RFC 7946). Re-encode the file, e.g. iconv -f latin1 -t utf-8"
        ) from exc
    except (DataSourceError, DataLayerError, ValueError) as exc:
        raise UnsupportedFormatError(
            f"cannot read {where} (layer {layer!r}) as a vector layer "
            f"({_short(exc)}); expected one of: {_FORMATS}"
        ) from exc
    if not hasattr(gdf, "geometry"):
        raise UnsupportedFormatError(
            f"{where} (layer {layer!r}) has no geometry column; expected a vector "
            "layer with polygons"
        )
    return gdf


def _read_frame(source: str | bytes, layer: str | int | None) -> Any:
    """``pyogrio.read_dataframe(source, layer=layer)``, built at a fraction of the cost.

    The same GDAL read (``pyogrio.raw.read``) and the same steps after it,
    giving the same columns, dtypes, index and CRS; but the GeoDataFrame is
    assembled from one dict, where ``read_dataframe`` goes through geopandas'
    general constructor (about 1 ms a file, 40 % of the parse of a small
    GeoJSON). Layers without geometry or with a field named ``geometry``, and
    ``PYOGRIO_USE_ARROW=1``, go to ``read_dataframe`` itself.
    """
    if os.environ.get("PYOGRIO_USE_ARROW", "0") not in ("", "0"):
        # read_dataframe then reads through Arrow, with other dtypes: defer to it.
        return pyogrio.read_dataframe(_as_input(source), layer=layer)
    meta, _, wkb, fields = pyogrio.raw.read(
        _as_input(source), layer=layer, datetime_as_string=True
    )
    names = [str(name) for name in meta["fields"].tolist()]
    if wkb is None or "geometry" in names:
        return pyogrio.read_dataframe(_as_input(source), layer=layer)
    import geopandas as gpd
    from geopandas.array import from_shapely

    columns: dict[str, Any] = dict(zip(names, fields, strict=True))
    for dtype, name in zip(meta["dtypes"], names, strict=True):
        if str(dtype).startswith("datetime"):
            parsed = _parse_datetimes(pd.Series(columns[name]))
            if parsed is None:  # pragma: no cover - other pyogrio versions
                return pyogrio.read_dataframe(_as_input(source), layer=layer)
            columns[name] = parsed
    for subtype, name in zip(meta["ogr_subtypes"], names, strict=True):
        if subtype != "OFSTJSON":
            continue
        column = pd.Series(columns[name])
        if pd.api.types.infer_dtype(column) == "string":
            try:
                columns[name] = column.map(json.loads, na_action="ignore")
            except Exception:
                warnings.warn(
                    f"Could not parse column '{name}' as JSON; leaving as string",
                    stacklevel=2,
                )
    columns["geometry"] = from_shapely(
        shapely.from_wkb(wkb, on_invalid="raise"), crs=_crs(meta["crs"])
    )
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry="geometry")


@functools.lru_cache(maxsize=32)
def _crs(text: str | None) -> Any:
    """Return the pyproj CRS of a definition string, built once per string."""
    if text is None:
        return None
    from pyproj import CRS

    return CRS.from_user_input(text)


def _parse_datetimes(column: pd.Series) -> Any:
    """Parse a datetime field as ``read_dataframe`` does; None if unavailable."""
    try:
        from pyogrio.geopandas import _try_parse_datetime

        return _try_parse_datetime(
            column, datetime_as_string=False, mixed_offsets_as_utc=True
        )
    except (ImportError, TypeError):  # pragma: no cover - other pyogrio versions
        return None


def _as_input(source: str | bytes) -> str | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    try:
        import pyarrow  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "reading GeoParquet needs pyarrow: pip install 'frontline[parquet]'"
        ) from exc
    try:
        return gpd.read_parquet(path)
    except (ValueError, OSError) as exc:
        raise UnsupportedFormatError(
            f"cannot read {str(path)!r} as GeoParquet ({_short(exc)})"
        ) from exc


def _bounded_read(stream: IO[bytes] | gzip.GzipFile, what: str) -> bytes:
    """Read a decompressing stream in chunks, refusing it past the size limit."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > MAX_UNCOMPRESSED_BYTES:
            raise UnsupportedFormatError(
                f"{what} decompresses to more than {MAX_UNCOMPRESSED_BYTES:,} bytes; "
                "refusing it (possible zip bomb). If the file is legitimate, raise "
                "frontline._io.MAX_UNCOMPRESSED_BYTES"
            )
        chunks.append(chunk)
    return b"".join(chunks)


_CHUNK = 1 << 20


def _gunzip(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as stream:
            return _bounded_read(stream, repr(str(path)))
    except (OSError, EOFError, zlib.error) as exc:
        raise UnsupportedFormatError(
            f"cannot decompress {str(path)!r} as gzip ({_short(exc)}); "
            "expected a gzip-compressed GeoJSON file"
        ) from exc


def _kml_from_kmz(path: Path) -> bytes:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedFormatError(
            f"{str(path)!r} is not a valid KMZ (zip) archive ({_short(exc)})"
        ) from exc
    with archive:
        members = [
            info
            for info in archive.infolist()
            if info.filename.lower().endswith(".kml")
            and ".." not in Path(info.filename).parts
            and not info.filename.startswith("/")
        ]
        if not members:
            raise UnsupportedFormatError(
                f"KMZ {str(path)!r} holds no .kml document; members: "
                f"{[i.filename for i in archive.infolist()][:10]}"
            )
        # KMZ convention: the main document is doc.kml, else the first .kml.
        members.sort(
            key=lambda i: (Path(i.filename).name.lower() != "doc.kml", i.filename)
        )
        info = members[0]
        if info.file_size > MAX_UNCOMPRESSED_BYTES:
            raise UnsupportedFormatError(
                f"KMZ member {info.filename!r} declares {info.file_size:,} bytes "
                f"uncompressed, more than the limit of {MAX_UNCOMPRESSED_BYTES:,} "
                "(possible zip bomb); raise frontline._io.MAX_UNCOMPRESSED_BYTES "
                "if the file is legitimate"
            )
        try:
            with archive.open(info) as stream:
                return _bounded_read(stream, f"KMZ member {info.filename!r}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            # RuntimeError: encrypted member; NotImplementedError (a subclass):
            # unsupported compression method.
            raise UnsupportedFormatError(
                f"cannot extract {info.filename!r} from KMZ {str(path)!r} "
                f"({_short(exc)}); the archive is corrupt or encrypted"
            ) from exc


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
