"""The one geometry decoder: WKB and GeoJSON geometries in, shapely out.

Every reader decodes geometry here: GDAL's WKB (GeoJSON, KML, GeoPackage,
Shapefile, FlatGeobuf), GeoParquet's WKB, and the GeoJSON geometries of the
wrapped documents that only a source adapter opens (NZZ's ``{"value": …}``,
DeepState's ``{"map": …}``).

Decoding is strict and vectorised first. When GEOS refuses something, the
geometries are decoded one by one and each refused one is examined:

* a ring that is not closed but has at least 3 distinct, finite points is
  closed (its first vertex repeated at its end) — the one repair that is
  unambiguous — with one :class:`FrontlineWarning` saying how many rings in
  how many features, and their km²;
* anything else (NaN or infinite coordinates, rings of fewer than 3 distinct
  points, truncated or unknown WKB, a GeoJSON geometry of an unknown type,
  without coordinates, with numbers that are not numbers) is refused with a
  :class:`GeometryError` naming the file, the feature and the reason.

A valid-but-odd geometry that GEOS decodes (a bow-tie, a ring of zero area)
is not this module's business: the control layer repairs or refuses it.
"""

from __future__ import annotations

import json
import math
import struct
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline._messages import quote, warn
from frontline.areas import _km2
from frontline.errors import GeometryError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = ["from_geojson", "from_wkb"]

#: Problems of one geometry reported in a message (the rest are counted).
_SHOWN: Final = 3
#: Deepest nesting of GeometryCollections examined.
_MAX_DEPTH: Final = 32
#: GeoJSON geometry types and how deep their positions are nested.
_GEOJSON_DEPTH: Final[dict[str, int]] = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
_CANONICAL: Final = {
    name.casefold(): name for name in (*_GEOJSON_DEPTH, "GeometryCollection")
}
_UNCLOSED: Final = "unclosed"


class _Refused(Exception):
    """A geometry that cannot be decoded, with the reason."""


def from_wkb(values: Any, what: str) -> NDArray[np.object_]:
    """Decode WKB values (bytes or None) into shapely geometries.

    Parameters
    ----------
    values : array-like of bytes or None
        One value per feature, in the file's order.
    what : str
        The file, quoted, for messages.

    Raises
    ------
    GeometryError
        For a value that is not WKB, or whose rings cannot be repaired.
    """
    arr = np.asarray(values, dtype=object)
    try:
        return np.asarray(shapely.from_wkb(arr, on_invalid="raise"), dtype=object)
    except (shapely.errors.ShapelyError, TypeError, ValueError):
        pass
    out = np.full(len(arr), None, dtype=object)
    closed: dict[int, int] = {}
    for i, value in enumerate(arr):
        if value is None:
            continue
        if not isinstance(value, (bytes, bytearray, memoryview, str)):
            raise GeometryError(
                f"{what}: feature {i} has a geometry of type {type(value).__name__}, "
                "not WKB bytes; expected a WKB-encoded geometry column"
            )
        try:
            out[i] = shapely.from_wkb(value, on_invalid="raise")
            continue
        except (shapely.errors.ShapelyError, ValueError, TypeError) as exc:
            reason = _geos_reason(exc)
        data = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
        problems = _wkb_problems(data)
        fixable = [p for p in problems if p[0] == _UNCLOSED]
        if problems and len(fixable) == len(problems):
            fixed = shapely.from_wkb(data, on_invalid="fix")
            if fixed is not None and shapely.is_closed(_rings_of(fixed)).all():
                out[i] = fixed
                closed[i] = len(fixable)
                continue
        texts = [text for _, text in problems] or [reason]
        raise _error(what, i, texts)
    _warn_closed(what, out, closed)
    return out


def from_geojson(
    geometries: Sequence[Any], what: str, *, index: Sequence[int] | None = None
) -> NDArray[np.object_]:
    """Decode GeoJSON geometry objects (dicts or None) into shapely geometries.

    Parameters
    ----------
    geometries : sequence
        The ``geometry`` member of each feature, as parsed from JSON.
    what : str
        The document, quoted, for messages.
    index : sequence of int, optional
        The feature number of each geometry in its document, for messages
        (default: its position).

    Raises
    ------
    GeometryError
        For a geometry that is not GeoJSON or cannot be repaired.
    """
    number = list(index) if index is not None else range(len(geometries))
    out = np.full(len(geometries), None, dtype=object)
    present = [i for i, g in enumerate(geometries) if g is not None]
    if not present:
        return out
    try:
        texts = [json.dumps(geometries[i], allow_nan=False) for i in present]
        out[present] = shapely.from_geojson(texts, on_invalid="raise")
        if not any(shapely.is_missing(out[present])):
            return out
    except (shapely.errors.ShapelyError, TypeError, ValueError, RecursionError):
        pass
    closed: dict[int, int] = {}
    for i in present:
        try:
            fixed, n_closed = _check_geojson(geometries[i], 0)
        except _Refused as exc:
            raise _error(what, number[i], [str(exc)]) from None
        except RecursionError:
            raise _error(what, number[i], ["it is nested too deep"]) from None
        try:
            out[i] = shapely.from_geojson(json.dumps(fixed), on_invalid="raise")
        except (shapely.errors.ShapelyError, ValueError) as exc:
            raise _error(what, number[i], [_geos_reason(exc)]) from None
        if n_closed:
            closed[i] = n_closed
    _warn_closed(what, out, closed)
    return out


# ---------------------------------------------------------------------------
# Rings


def _ring_problem(xy: NDArray[np.float64]) -> tuple[str, str] | None:
    """Return the problem of one ring's (n, 2) coordinates: (kind, text), or None."""
    if len(xy) == 0:
        return None
    if not np.isfinite(xy).all():
        return "fatal", "has NaN or infinite coordinates"
    distinct = len(np.unique(xy, axis=0))
    if distinct < 3:
        return (
            "fatal",
            f"has {distinct} distinct point{'s' if distinct != 1 else ''}; a "
            "ring needs at least 3",
        )
    if not (xy[0] == xy[-1]).all():
        return _UNCLOSED, "is not closed"
    return None


def _rings_of(geom: Any) -> NDArray[np.object_]:
    polys = shapely.get_parts(geom)
    polys = polys[shapely.get_type_id(polys) == 3]
    if len(polys) == 0:
        return np.zeros(0, dtype=object)
    return np.asarray(shapely.get_rings(polys), dtype=object)


def _warn_closed(what: str, geoms: NDArray[np.object_], closed: dict[int, int]) -> None:
    if not closed:
        return
    rows = np.fromiter(closed, dtype=np.intp)
    km2 = float(_km2(geoms[rows]).sum())
    rings = sum(closed.values())
    warn(
        f"{what}: closed {rings} unclosed ring(s) in {len(rows)} feature(s) by "
        f"repeating their first vertex ({km2:,.1f} km²); GeoJSON, KML and WKB "
        "rings must end where they start"
    )


def _error(what: str, index: int, problems: list[str]) -> GeometryError:
    shown = "; ".join(problems[:_SHOWN])
    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
    return GeometryError(
        f"{what}: the geometry of feature {index} (counting from 0) cannot be "
        f"read: {shown}{more}. Fix or remove that feature: rings need at least "
        "3 distinct, finite points"
    )


def _geos_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for prefix in ("IllegalArgumentException: ", "ParseException: "):
        text = text.removeprefix(prefix)
    return f"GEOS says {quote(text, 120)}"


# ---------------------------------------------------------------------------
# WKB


class _Reader:
    """A cursor over WKB bytes that refuses to read past their end."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _Refused(
                f"its WKB is truncated ({len(self.data):,} bytes, more needed at "
                f"byte {self.pos:,})"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def count(self, order: str, item: int) -> int:
        (n,) = struct.unpack(order + "I", self.take(4))
        if n * item > len(self.data) - self.pos:
            raise _Refused(
                f"its WKB declares {n:,} items but only "
                f"{len(self.data) - self.pos:,} bytes follow (truncated or corrupt)"
            )
        return int(n)


def _wkb_problems(data: bytes) -> list[tuple[str, str]]:
    """Walk one WKB geometry; return its problems as (kind, text)."""
    problems: list[tuple[str, str]] = []
    reader = _Reader(data)
    try:
        _wkb_geometry(reader, problems, "", 0)
    except _Refused as exc:
        problems.append(("fatal", str(exc)))
    return problems


def _wkb_geometry(
    reader: _Reader, problems: list[tuple[str, str]], where: str, depth: int
) -> None:
    if depth > _MAX_DEPTH:
        raise _Refused("its WKB nests collections too deep")
    (byte,) = reader.take(1)
    if byte not in (0, 1):
        raise _Refused(f"its WKB has an invalid byte order marker ({byte})")
    order = "<" if byte == 1 else ">"
    (code,) = struct.unpack(order + "I", reader.take(4))
    has_z = bool(code & 0x80000000)
    has_m = bool(code & 0x40000000)
    if code & 0x20000000:  # EWKB SRID
        reader.take(4)
    base = code & 0x0FFFFFFF
    iso, base = divmod(base, 1000)
    has_z = has_z or iso in (1, 3)
    has_m = has_m or iso in (2, 3)
    dims = 2 + has_z + has_m
    point = 8 * dims
    if base == 1:
        reader.take(point)
    elif base == 2:
        n = reader.count(order, point)
        reader.take(n * point)
        if n == 1:
            problems.append(("fatal", f"line{where} has 1 point"))
    elif base == 3:
        for r in range(reader.count(order, 4)):
            n = reader.count(order, point)
            xy = np.frombuffer(reader.take(n * point), dtype=order + "f8")
            xy = xy.reshape(n, dims)[:, :2]
            problem = _ring_problem(xy)
            if problem is not None:
                kind, text = problem
                label = "exterior ring" if r == 0 else f"hole {r}"
                problems.append((kind, f"{label}{where} {text}"))
    elif base in (4, 5, 6, 7):
        for k in range(reader.count(order, 5)):
            _wkb_geometry(reader, problems, f" of part {k}", depth + 1)
    else:
        raise _Refused(f"its WKB has an unknown geometry type ({code})")


# ---------------------------------------------------------------------------
# GeoJSON


def _check_geojson(geom: Any, depth: int) -> tuple[dict[str, Any], int]:
    """Check one GeoJSON geometry; return it with rings closed, and how many.

    Raises _Refused with the reason when it cannot be decoded.
    """
    if not isinstance(geom, dict):
        raise _Refused(
            f"it is {quote(geom, 60)} ({type(geom).__name__}), not a GeoJSON "
            "geometry object"
        )
    kind = geom.get("type")
    name = _CANONICAL.get(kind.casefold()) if isinstance(kind, str) else None
    if name is None:
        raise _Refused(
            f"its type {quote(kind, 40)} is not a GeoJSON geometry type; expected "
            "Polygon or MultiPolygon"
        )
    if name == "GeometryCollection":
        parts = geom.get("geometries")
        if not isinstance(parts, list):
            raise _Refused(
                f"its 'geometries' is {quote(parts, 40)}, not a list of geometries"
            )
        if depth >= _MAX_DEPTH:
            raise _Refused("it nests GeometryCollections too deep")
        out, total = [], 0
        for part in parts:
            fixed, n = _check_geojson(part, depth + 1)
            out.append(fixed)
            total += n
        return {"type": name, "geometries": out}, total
    if "coordinates" not in geom:
        raise _Refused(f"its {name} has no 'coordinates'")
    closed = [0]
    coords = _positions(geom["coordinates"], _GEOJSON_DEPTH[name], name, closed)
    return {"type": name, "coordinates": coords}, closed[0]


def _positions(value: Any, depth: int, name: str, closed: list[int]) -> Any:
    """Check nested coordinates; close the rings of polygons."""
    if depth == 0:
        return _position(value)
    if not isinstance(value, list):
        raise _Refused(
            f"its {name} coordinates hold {quote(value, 40)} where a list was "
            "expected (nested too shallow or too deep)"
        )
    ring_level = name in ("Polygon", "MultiPolygon") and depth == 1
    if not ring_level:
        return [_positions(v, depth - 1, name, closed) for v in value]
    ring = [_position(v) for v in value]
    if not ring:
        return ring
    xy = np.array([p[:2] for p in ring], dtype=float)
    problem = _ring_problem(xy)
    if problem is None:
        return ring
    kind, text = problem
    if kind != _UNCLOSED:
        raise _Refused(f"a ring of its {name} {text}")
    closed[0] += 1
    return [*ring, ring[0]]


def _position(value: Any) -> list[float]:
    if not isinstance(value, list) or len(value) < 2:
        raise _Refused(
            f"a position is {quote(value, 40)}; expected [longitude, latitude]"
        )
    out = []
    for number in value[:3]:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise _Refused(
                f"a position holds {quote(number, 40)}, which is not a number"
            )
        if not math.isfinite(number):
            raise _Refused("a position has NaN or infinite coordinates")
        out.append(float(number))
    return out
