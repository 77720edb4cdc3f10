"""What an input file is, checked before any parser sees it.

* :func:`check_file` — one ``os.stat``: regular files only (a named pipe, a
  device, a socket could block forever or never end), within the size limit,
  with the operating system's refusals (permissions, loops, names too long)
  turned into frontline errors.
* :func:`prepared` — the path a parser reads: the file itself, or its
  content decompressed into a temporary file (``.gz``, the document of a
  ``.kmz``), streamed and counted so that memory stays flat however large
  the archive expands; or a link with a plain name when the file's own name
  holds characters GDAL drops (a newline).
* While bytes stream past, XML documents are scanned: a DTD in the prolog
  (whatever the encoding, however much comment comes first) is refused, and
  KML polygons without an outer boundary are counted.
* GeoJSON sequences (``.geojsonl``) are checked record by record, since GDAL
  skips a corrupt record without a word.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from frontline._messages import quote
from frontline.errors import (
    GeometryError,
    InputFileNotFoundError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "Limits",
    "XMLScan",
    "check_file",
    "check_zip",
    "prepared",
    "short",
    "shown",
]

_CHUNK: Final = 1 << 20


class Limits:
    """The size limits of one read (bytes), from ``frontline._io``.

    ``size``: the largest input, as stored or once decompressed.
    ``document``: the largest JSON document parsed whole in Python.
    """

    __slots__ = ("document", "size")

    def __init__(self, size: int, document: int):
        self.size = size
        self.document = document


_XML_SUFFIXES: Final = frozenset({".kml", ".xml", ".gml"})
_ARCHIVES: Final = frozenset({".gz", ".kmz", ".zip"})
_BINARY: Final = frozenset(
    {".gpkg", ".fgb", ".shp", ".zip", ".parquet", ".geoparquet", ".gdb", ".sqlite"}
)
#: Characters GDAL does not keep in a file name.
_UNSAFE_NAME: Final = re.compile(r"[\n\r]")
_KINDS: Final = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def shown(path: Path | str) -> str:
    """Quote a path for a message (capped)."""
    return quote(str(path), 160)


def check_file(
    path: Path, limits: Limits, *, what: str = "control file"
) -> os.stat_result:
    """Refuse what is not a regular, non-empty file of sensible size.

    One ``os.stat`` (following links) decides. A ``.gdb`` folder (an Esri
    File Geodatabase) is the one directory accepted.

    Raises
    ------
    InputFileNotFoundError
        Missing, a dangling or looping link, a path through a file, a name
        too long, or no permission to read it.
    UnsupportedFormatError
        A directory, a pipe or device, an empty or too large file.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _stat_error(path, exc, what) from exc
    except ValueError as exc:  # a NUL character: no such file can exist
        raise InputFileNotFoundError(
            f"{what} {shown(path)} cannot exist: its name holds a NUL character; "
            "check the path"
        ) from exc
    name = shown(path)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        if path.suffix.lower() == ".gdb":
            return info
        raise UnsupportedFormatError(
            f"{name} is a directory; expected a file: a {what} in one of the "
            "formats frontline reads (GeoJSON, KML/KMZ, GeoPackage, Shapefile …)"
        )
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise UnsupportedFormatError(
            f"{name} is {kind}, not a regular file; frontline reads {what}s "
            "from regular files only (a pipe or device may never end). Save "
            "the data to a file first"
        )
    if info.st_size == 0:
        raise UnsupportedFormatError(
            f"{name} is empty (0 bytes); expected a {what}. Was the download or "
            "export interrupted?"
        )
    archive = path.suffix.lower() in _ARCHIVES  # their content is counted instead
    if info.st_size > limits.size and not archive:
        raise UnsupportedFormatError(
            f"{name} is {info.st_size:,} bytes, more than the limit of "
            f"{limits.size:,}; if the file is legitimate, raise "
            "frontline._io.MAX_UNCOMPRESSED_BYTES"
        )
    if not os.access(path, os.R_OK):
        raise InputFileNotFoundError(
            f"{name} cannot be read: permission denied; check its permissions"
        )
    return info


def _stat_error(path: Path, exc: OSError, what: str) -> InputFileNotFoundError:
    name = shown(path)
    if exc.errno == errno.ENOENT and os.path.islink(path):
        reason = (
            f"is a symbolic link to {shown(os.readlink(path))}, which does "
            "not exist; fix the link or pass the file itself"
        )
    elif exc.errno == errno.ENOENT:
        reason = f"does not exist; check the path (current directory: {Path.cwd()})"
    elif exc.errno == errno.ENOTDIR:
        reason = (
            "does not exist: a part of the path is a file, not a folder; check the path"
        )
    elif exc.errno == errno.ELOOP:
        reason = "cannot be opened: its symbolic links form a loop; fix them"
    elif exc.errno == errno.ENAMETOOLONG:
        reason = "cannot exist: the name is too long; use a shorter one"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = "cannot be read: permission denied; check its permissions"
    else:
        reason = f"cannot be opened ({exc.strerror or type(exc).__name__}); check it"
    return InputFileNotFoundError(f"{what} {name} {reason}")


# ---------------------------------------------------------------------------
# The path a parser reads


@contextlib.contextmanager
def prepared(path: Path, limits: Limits) -> Iterator[Path]:
    """Yield the file a parser should read for ``path`` (checked, decompressed).

    ``.gz`` files and the document of a ``.kmz`` are decompressed into a
    temporary folder, removed afterwards; XML is scanned on the way.
    """
    suffixes = [s.lower() for s in path.suffixes]
    last = suffixes[-1] if suffixes else ""
    with contextlib.ExitStack() as stack:
        if last == ".kmz":
            folder = Path(stack.enter_context(_temporary()))
            yield _extract_kmz(path, folder, limits)
            return
        if last == ".gz":
            folder = Path(stack.enter_context(_temporary()))
            inner = suffixes[-2] if len(suffixes) > 1 else ".json"
            yield _gunzip_to(path, folder / f"doc{inner}", limits)
            return
        if last in _XML_SUFFIXES or (last not in _BINARY and _looks_like_xml(path)):
            with path.open("rb") as stream:
                _copy_scanned(stream, None, shown(path), limits, xml=True)
        elif last == ".zip":
            check_zip(path, limits)
        elif last in (".geojsonl", ".geojsons"):
            check_sequence(path, limits)
        if _UNSAFE_NAME.search(str(path)):
            folder = Path(stack.enter_context(_temporary()))
            yield _safe_link(path, folder)
            return
        yield path


def _looks_like_xml(path: Path) -> bool:
    """Whether a file starts like XML, whatever its name says."""
    if path.is_dir():
        return False
    with path.open("rb") as f:
        head = f.read(64)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") or _xml_encoding(head) != "utf-8"


@contextlib.contextmanager
def _temporary() -> Iterator[str]:
    try:
        with tempfile.TemporaryDirectory(prefix="frontline-") as folder:
            yield folder
    except OSError as exc:  # pragma: no cover - a full or missing temp folder
        raise UnsupportedFormatError(
            f"cannot use the temporary folder {tempfile.gettempdir()!r} "
            f"({exc.strerror}); free some space or set TMPDIR to another folder"
        ) from exc


def _safe_link(path: Path, folder: Path) -> Path:
    """Link the file (and a Shapefile's sidecars) under a name GDAL keeps."""
    target = folder / f"input{path.suffix.lower()}"
    target.symlink_to(path.resolve())
    if path.suffix.lower() == ".shp":
        for sidecar in path.parent.glob(f"{glob_escape(path.stem)}.*"):
            if sidecar != path:
                (folder / f"input{sidecar.suffix.lower()}").symlink_to(
                    sidecar.resolve()
                )
    return target


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _copy_scanned(
    stream: IO[bytes] | gzip.GzipFile,
    out: IO[bytes] | None,
    what: str,
    limits: Limits,
    *,
    xml: bool,
) -> int:
    """Stream bytes to ``out`` (or nowhere), counting and scanning them."""
    scan = XMLScan(what) if xml else None
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limits.size:
            raise UnsupportedFormatError(
                f"{what} decompresses to more than {limits.size:,} "
                "bytes; refusing it (possible zip bomb). If the file is "
                "legitimate, raise frontline._io.MAX_UNCOMPRESSED_BYTES"
            )
        if scan is not None:
            scan.feed(chunk)
        if out is not None:
            out.write(chunk)
    if scan is not None:
        scan.close()
    return size


def _gunzip_to(path: Path, target: Path, limits: Limits) -> Path:
    xml = target.suffix in _XML_SUFFIXES
    try:
        with gzip.open(path, "rb") as stream, target.open("wb") as out:
            size = _copy_scanned(stream, out, shown(path), limits, xml=xml)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnsupportedFormatError(
            f"cannot decompress {shown(path)} as gzip ({short(exc)}); expected a "
            "gzip-compressed GeoJSON or KML file"
        ) from exc
    if size == 0:
        raise UnsupportedFormatError(
            f"{shown(path)} decompresses to nothing (0 bytes); expected a "
            "gzip-compressed GeoJSON or KML file"
        )
    if not xml:
        _refuse_nested_gzip(path, target)
    return target


def _refuse_nested_gzip(path: Path, target: Path) -> None:
    with target.open("rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        raise UnsupportedFormatError(
            f"{shown(path)} holds another gzip file (compressed twice); "
            "decompress it once (gunzip) and pass the result"
        )


def check_zip(path: Path, limits: Limits) -> list[zipfile.ZipInfo]:
    """Check a zip (zipped Shapefile, KMZ) before anything opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedFormatError(
            f"{shown(path)} is not a valid zip archive ({short(exc)}); expected "
            "a zipped Shapefile or a KMZ"
        ) from exc
    if not infos:
        raise UnsupportedFormatError(
            f"zip {shown(path)} is empty; expected a zipped Shapefile (.shp, "
            ".shx, .dbf) or a KMZ with a .kml document"
        )
    for info in infos:
        name = info.filename
        if ".." in Path(name).parts or name.startswith("/"):
            raise UnsupportedFormatError(
                f"zip {shown(path)} has a member with an unsafe path "
                f"{quote(name, 60)}; refusing it, extract the files you need"
            )
        if name.lower().endswith((".zip", ".kmz", ".gz", ".7z", ".tar")):
            raise UnsupportedFormatError(
                f"zip {shown(path)} holds another archive ({quote(name, 60)}); "
                "nested archives are not read: extract the inner file and pass it"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsupportedFormatError(
                f"zip {shown(path)} holds a symbolic link ({quote(name, 60)}); "
                "links in archives can point anywhere, so the archive is "
                "refused: extract the files you need"
            )
        if info.flag_bits & 0x1:
            raise UnsupportedFormatError(
                f"zip {shown(path)} is encrypted ({quote(name, 60)}); decrypt "
                "it and pass the extracted files"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedFormatError(
                f"zip {shown(path)} uses compression method {info.compress_type} "
                f"for {quote(name, 60)}; only stored and deflated members are "
                "read: re-create the archive with plain zip"
            )
    total = sum(info.file_size for info in infos)
    if total > limits.size:
        raise UnsupportedFormatError(
            f"zip {shown(path)} declares {total:,} bytes uncompressed, more than "
            f"the limit of {limits.size:,} (possible zip bomb); raise "
            "frontline._io.MAX_UNCOMPRESSED_BYTES if the file is legitimate"
        )
    return infos


def _extract_kmz(path: Path, folder: Path, limits: Limits) -> Path:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedFormatError(
            f"{shown(path)} is not a valid KMZ (zip) archive ({short(exc)}); "
            "expected a zip holding doc.kml"
        ) from exc
    members = [
        info
        for info in infos
        if info.filename.lower().endswith(".kml")
        and not info.is_dir()
        and ".." not in Path(info.filename).parts
        and not info.filename.startswith("/")
    ]
    if not members:
        names = [i.filename for i in infos[:10]]
        raise UnsupportedFormatError(
            f"KMZ {shown(path)} holds no .kml document; members: "
            f"{quote(names, 120)}; expected a zip holding doc.kml"
        )
    # KMZ convention: the main document is doc.kml, else the first .kml.
    members.sort(key=lambda i: (Path(i.filename).name.lower() != "doc.kml", i.filename))
    info = members[0]
    member = quote(info.filename, 60)
    where = f"{member} from KMZ {shown(path)}"
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsupportedFormatError(
            f"cannot extract {where}: it is a symbolic link, which could point "
            "anywhere; extract the real document and pass it"
        )
    if info.flag_bits & 0x1:
        raise UnsupportedFormatError(
            f"cannot extract {where}: it is encrypted (corrupt or encrypted "
            "archives are not read); decrypt the archive and pass the .kml"
        )
    if info.file_size > limits.size:
        raise UnsupportedFormatError(
            f"KMZ member {member} declares {info.file_size:,} bytes uncompressed, "
            f"more than the limit of {limits.size:,} (possible zip bomb); raise "
            "frontline._io.MAX_UNCOMPRESSED_BYTES if the file is legitimate"
        )
    target = folder / "doc.kml"
    try:
        with (
            zipfile.ZipFile(path) as archive,
            archive.open(info) as stream,
            target.open("wb") as out,
        ):
            _copy_scanned(stream, out, f"KMZ {shown(path)}", limits, xml=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
        # RuntimeError: encrypted; NotImplementedError: unknown method.
        raise UnsupportedFormatError(
            f"cannot extract {where} ({short(exc)}); the archive is corrupt or "
            "encrypted: re-create it with plain zip"
        ) from exc
    return target


def short(exc: BaseException, limit: int = 120) -> str:
    """Return an exception's message on one line, capped."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# XML


_DTD: Final = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_POLYGON: Final = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Polygon(?=[\s>/])[^<>]*>")
_OUTER: Final = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?outerBoundaryIs(?=[\s>/])")
#: Characters kept between chunks, so that a tag split by a chunk is seen.
_CARRY: Final = 2048


def _xml_encoding(head: bytes) -> str:
    """Guess the encoding of an XML document from its first bytes (BOM or '<')."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    if head.startswith(b"<\0\0\0"):
        return "utf-32-le"
    if head.startswith(b"\0\0\0<"):
        return "utf-32-be"
    if head.startswith(b"<\0"):
        return "utf-16-le"
    if head.startswith(b"\0<"):
        return "utf-16-be"
    return "utf-8"


class XMLScan:
    """Scan an XML document fed in chunks of bytes.

    Refuses a DTD (``<!DOCTYPE``, ``<!ENTITY``) before the root element —
    the only place one can be — whatever the encoding and however long the
    comments before it; KML never needs one, and entity declarations expand
    without bound or read local files. Counts ``<Polygon>`` elements and
    their ``<outerBoundaryIs>``: a polygon with only inner boundaries would
    be read with its hole as territory.
    """

    def __init__(self, what: str):
        self.what = what
        self._decoder: codecs.IncrementalDecoder | None = None
        self._head = b""
        self._state = "prolog"
        self._text = ""
        self.polygons = 0
        self.outers = 0

    def feed(self, chunk: bytes) -> None:
        if self._decoder is None:
            self._head += chunk
            if len(self._head) < 4:
                return
            chunk, self._head = self._head, b""
            self._decoder = codecs.getincrementaldecoder(_xml_encoding(chunk))(
                errors="replace"
            )
        self._consume(self._decoder.decode(chunk), final=False)

    def close(self) -> None:
        if self._decoder is None:
            self._decoder = codecs.getincrementaldecoder(_xml_encoding(self._head))(
                errors="replace"
            )
            tail = self._decoder.decode(self._head, final=True)
        else:
            tail = self._decoder.decode(b"", final=True)
        self._consume(tail, final=True)
        missing = self.polygons - self.outers
        if missing > 0:
            raise GeometryError(
                f"{self.what}: {missing} of {self.polygons} KML <Polygon> "
                "element(s) have no <outerBoundaryIs>, only inner boundaries; "
                "the hole would be read as territory. Give each polygon its "
                "outer boundary (holes go in <innerBoundaryIs>)"
            )

    def _consume(self, text: str, *, final: bool) -> None:
        self._text += text
        if self._state != "body":
            self._prolog(final=final)
        if self._state == "body":
            self._count(final=final)

    def _prolog(self, *, final: bool) -> None:
        while True:
            text = self._text
            if self._state == "comment":
                end = text.find("-->")
                if end < 0:
                    self._text = text[-2:]
                    return
                self._text, self._state = text[end + 3 :], "prolog"
                continue
            if self._state == "pi":
                end = text.find("?>")
                if end < 0:
                    self._text = text[-1:]
                    return
                self._text, self._state = text[end + 2 :], "prolog"
                continue
            text = self._text = text.lstrip(" \t\r\n\ufeff")
            if not text:
                return
            if text.startswith("<!--"):
                self._text, self._state = text[4:], "comment"
            elif text.startswith("<?"):
                self._text, self._state = text[2:], "pi"
            elif len(text) < 12 and not final and "<!--".startswith(text[:4]):
                return  # wait for the rest of the token
            elif _DTD.match(text):
                raise UnsupportedFormatError(
                    f"{self.what} declares a DTD (<!DOCTYPE or <!ENTITY); KML "
                    "needs none and entity declarations can expand without "
                    "bound or read local files, so the file is refused. Remove "
                    "the DTD if the file is yours"
                )
            elif len(text) < 12 and not final and text.startswith("<!"):
                return
            else:
                self._state = "body"
                return

    def _count(self, *, final: bool) -> None:
        text = self._text
        limit = len(text) if final else max(0, len(text) - _CARRY)
        self.polygons += sum(
            1
            for m in _POLYGON.finditer(text, 0, len(text))
            if m.start() < limit and not m.group(0).endswith("/>")
        )
        self.outers += sum(1 for m in _OUTER.finditer(text) if m.start() < limit)
        self._text = text[limit:]


# ---------------------------------------------------------------------------
# GeoJSON sequences


def check_sequence(path: Path, limits: Limits) -> None:
    """Refuse a GeoJSON sequence with a record GDAL would skip silently."""
    if path.stat().st_size > limits.document:
        return  # too large to check here; GDAL reads it
    data = path.read_bytes()
    separator = b"\x1e" if b"\x1e" in data[:_CHUNK] else b"\n"
    line = 1
    for record in data.split(separator):
        text = record.strip()
        number = line
        line += record.count(b"\n") + (separator == b"\n")
        if not text:
            continue
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            problem = f"is not JSON ({short(exc, 60)})"
        else:
            kind = doc.get("type") if isinstance(doc, dict) else None
            if kind in ("Feature", "FeatureCollection") or (
                isinstance(kind, str) and "coordinates" in doc
            ):
                continue
            problem = f"is {quote(doc, 40)}, not a GeoJSON feature"
        raise UnsupportedFormatError(
            f"record at line {number} of {shown(path)} {problem}; GDAL would "
            "skip it and its area would be lost. Fix or remove that line"
        )
