"""Geometric tolerance: one model, in metres, for every line, shape and map.

Real control maps are imperfect polygons. Classes that should touch leave
hairline gaps; the map stops short of, or runs past, the boundary set's state
border and coast; coastlines wobble between versions; the rear has pinholes.
This module owns the answer to all of it, so that every geometric product
(front line, distance bands, buffer zones, scenarios, change maps, settlement
statuses near the line) meets the same noise the same way:

- :func:`close_gaps` dissolves polygons and closes hairline gaps between them
  (a morphological closing by :data:`GAP_M`);
- :func:`drop_pinholes` fills holes smaller than :data:`PINHOLE_KM2`;
- :func:`denoise_change` splits gained or lost area into what is drawn and
  the noise (parts thinner than :data:`SLIVER_M`), whose km² are reported;
- :func:`front_segments` keeps the stretches of a dissolved area's boundary
  that are front, not state border or coast: pockets between the area and the
  outline's edge thinner than :data:`BORDER_M` and strips narrower than
  :data:`STRIP_M` are closed first, so a map that stops short of the border
  (or runs past it) draws no phantom line.

Every operation runs in a local azimuthal equidistant projection centred on
its input (:func:`local_projection`; distances within 500 km of the centre
are true to 0.1 %); geometries go in and come out in longitude/latitude
(EPSG:4326). :class:`Tolerance` holds the five values; ``to_attrs()`` and
``caption()`` state them in outputs.

The invariant: tolerance is for lines, shapes and pictures, never for the
figures of the area tables. Nothing here feeds :func:`frontline.control_table`
or the area engine; :func:`denoise_change` returns ``kept`` and ``noise``
that add up to the input exactly, so totals keep every km².

The defaults were measured on the DeepState maps (daily union archive and raw
multiclass versions, 2024–2026) with ``benchmarks/measure_tolerance.py``; the
numbers behind each value are in the constants' comments.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import numpy as np

import shapely
from pyproj import CRS, Transformer

from frontline import _validate
from frontline._water import water_mask
from frontline.areas import _polygon_parts, area_km2
from frontline.errors import GeometryError, OptionError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shapely import Geometry

__all__ = [
    "BORDER_M",
    "DEFAULT_TOLERANCE",
    "GAP_M",
    "PINHOLE_KM2",
    "SLIVER_M",
    "STRIP_M",
    "Denoised",
    "Tolerance",
    "check_tolerance",
    "close_gaps",
    "denoise_change",
    "drop_pinholes",
    "front_segments",
    "local_projection",
    "without_sea",
]

#: Gaps narrower than twice this (metres) between polygons, or between the
#: classes of one map, are closed. The raw DeepState map of 20 Nov 2024 leaves
#: 60 hairline holes along the seam between ``occupied`` and
#: ``occupied_before_2022`` (271 km of ring, the widest 1.94 m); from 1 m on,
#: its front line equals the union map's. The line does not move by more than
#: 0.02 % up to 100 m, then bridges real features (−0.09 % at 200 m, −1.2 %
#: and +5.8 km² at 500 m): 5 m is 2.5 times the widest seam.
GAP_M: Final = 5.0
#: Parts of gained or lost area narrower than this (metres) are noise. Over
#: 1 Aug 2025 → 1 Aug 2026, 269 of 357 gained and 284 of 347 lost parts are
#: under 10 m wide (the line, coast and border redrawn); of the 49 parts 10 to
#: 100 m wide, 48 lie within 5 km of the border or coast and none is an
#: advance. At 100 m the noise is 1.7 / 1.2 km², at most 0.57 km² in one
#: oblast; at 200 m it would reach 1.16 km² in Luhansk oblast.
SLIVER_M: Final = 100.0
#: Holes smaller than this (km²) in the Russian-held area are filled when its
#: boundary is traced. The seam holes of the raw maps are at most 0.005 km²
#: (and closed by :data:`GAP_M` anyway); after closing, the 42 maps measured
#: have one hole left, a genuine 1.53 km² pocket (1 Sep 2024), which is kept.
PINHOLE_KM2: Final = 0.1
#: A strip of the other side narrower than this (metres) between the mapped
#: area and the outline's edge is closed wherever it is, and cut across where
#: it widens: a map stopping a few hundred metres short of the border or the
#: coast. On the real maps such strips are rare: closing them shortens the
#: 20 Nov 2024 line by 3.2 km (0.3 %, the margin of the Dnipro delta), and
#: anything from 100 m to 2 km gives the same line to 0.7 %. A front meeting
#: the border is rounded into it with a radius of half this (≤ 0.3 km longer).
STRIP_M: Final = 500.0
#: Whole pockets of the other side thinner than this (metres) between the
#: mapped area and the outline's edge (state border or coast) are filled: the
#: map draws the border its own way. Over 42 DeepState maps and the embedded
#: Natural Earth boundaries the thickest such pocket is 3.81 km (a staircase
#: along Rostov oblast), then 3.02 and 2.85 km, none from 4 to 8 km; the line
#: is the same for any value from 4 to 8 km. Pieces of a feature drawn mostly
#: past the border are dropped when thinner than this. Genuine patches at the
#: border (Vovchansk, Lyptsi) face wide Ukrainian-held land and keep their
#: whole inland edge.
BORDER_M: Final = 5000.0

#: Lon/lat edges are densified to this (degrees, about 250 m) before they are
#: projected, so that straight lon/lat edges stay straight to a millimetre.
_STEP_DEG: Final = 0.0025
#: Mitre joins keep corners sharp; spikes sharper than this ratio are bevelled.
_MITRE_LIMIT: Final = 10.0
#: Kept area reaches this far (metres) past the opened core, so that the
#: input's own edges are kept exactly rather than re-derived.
_EPS_M: Final = 0.05
#: Filled pockets and strips are joined to the area on a grid this fine
#: (metres), which merges edges that differ by rounding only.
_GRID_M: Final = 0.001
#: A boundary piece within this distance (metres) of the outline's edge lies
#: on it (the edge itself, computed by intersection).
_ON_EDGE_M: Final = 1.0


@dataclass(frozen=True)
class Tolerance:
    """The geometric tolerance of a product, in metres and km².

    Parameters
    ----------
    gap_m : float, default :data:`GAP_M`
        Close gaps narrower than twice this between polygons and classes.
    sliver_m : float, default :data:`SLIVER_M`
        Changed area narrower than this is noise.
    pinhole_km2 : float, default :data:`PINHOLE_KM2`
        Fill holes smaller than this.
    strip_m : float, default :data:`STRIP_M`
        A strip narrower than this between the area and the outline's edge
        is closed wherever it is.
    border_m : float, default :data:`BORDER_M`
        A strip narrower than this between the area and the outline's edge is
        closed; the boundary along it is border, not front.

    Raises
    ------
    OptionError
        For a value that is negative or not finite, or a distance over 100 km
        (:data:`frontline._validate.MAX_TOLERANCE_KM`: a border drawn farther
        off is not the same map).
    ArgumentTypeError
        For a value that is not a number (an :class:`OptionError` too).

    Examples
    --------
    >>> from frontline.tolerance import Tolerance
    >>> tol = Tolerance(gap_m=10)
    >>> tol.to_attrs()["gap_m"]
    10.0
    >>> Tolerance(border_m=-1)
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: border_m must be a non-negative number of m, at most \
100,000, got -1; pass e.g. border_m=5000
    """

    gap_m: float = GAP_M
    sliver_m: float = SLIVER_M
    pinhole_km2: float = PINHOLE_KM2
    strip_m: float = STRIP_M
    border_m: float = BORDER_M

    def __post_init__(self) -> None:
        defaults = Tolerance.__dataclass_fields__
        for name, value in asdict(self).items():
            area = name.endswith("_km2")
            checked = _validate.number(
                value,
                name,
                low=0.0,
                high=None if area else 1000.0 * _validate.MAX_TOLERANCE_KM,
                unit="km²" if area else "m",
                example=f"{defaults[name].default:g}",
            )
            object.__setattr__(self, name, checked)

    def to_attrs(self) -> dict[str, float]:
        """Return the values as a plain dict, for an output's ``attrs``.

        Returns
        -------
        dict
            ``gap_m``, ``sliver_m``, ``pinhole_km2``, ``strip_m``,
            ``border_m`` (metres and km²).
        """
        return asdict(self)

    def caption(self) -> str:
        """Return the values as one sentence for a map's caption.

        Returns
        -------
        str
            The five values with their units.

        Examples
        --------
        >>> from frontline.tolerance import Tolerance
        >>> Tolerance().caption()
        'Tolerance: gaps 5 m, slivers 100 m, pinholes 0.1 km², strips 500 m, \
pockets at the border 5 km.'
        """
        return (
            f"Tolerance: gaps {_metres(self.gap_m)}, slivers "
            f"{_metres(self.sliver_m)}, pinholes {self.pinhole_km2:g} km², strips "
            f"{_metres(self.strip_m)}, pockets at the border {_metres(self.border_m)}."
        )


def _metres(value: float) -> str:
    return f"{value / 1000:g} km" if value >= 1000 else f"{value:g} m"


#: The defaults, measured on real maps.
DEFAULT_TOLERANCE: Final = Tolerance()


class Denoised(NamedTuple):
    """Changed area split into what is drawn and what is noise (lon/lat)."""

    #: The parts at least ``sliver_m`` wide, with the input's own edges.
    kept: Geometry
    #: The rest: parts narrower than ``sliver_m``; with ``kept``, the input.
    noise: Geometry

    @property
    def kept_km2(self) -> float:
        """Area of ``kept`` on the WGS84 ellipsoid (km²)."""
        return float(area_km2(self.kept))

    @property
    def noise_km2(self) -> float:
        """Area of ``noise`` on the WGS84 ellipsoid (km²), to report apart."""
        return float(area_km2(self.noise))


def check_tolerance(value: object) -> Tolerance:
    """Return the :class:`Tolerance` a ``tolerance=`` argument asks for.

    Parameters
    ----------
    value : Tolerance or None
        ``None`` gives :data:`DEFAULT_TOLERANCE`.

    Returns
    -------
    Tolerance

    Raises
    ------
    OptionError
        For anything else.

    Examples
    --------
    >>> from frontline.tolerance import Tolerance, check_tolerance
    >>> check_tolerance(None) == Tolerance()
    True
    >>> check_tolerance(5)
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: tolerance must be a frontline.tolerance.Tolerance \
(or None for the defaults), got int; write tolerance=Tolerance(border_m=5000)
    """
    if value is None:
        return DEFAULT_TOLERANCE
    if isinstance(value, Tolerance):
        return value
    raise OptionError(
        f"tolerance must be a frontline.tolerance.Tolerance (or None for the "
        f"defaults), got {type(value).__name__}; write "
        "tolerance=Tolerance(border_m=5000)"
    )


def without_sea(outline: Geometry) -> Geometry:
    """Return a country's outline with the sea taken out.

    The sea is the embedded mask of ``basis="land"``
    (:func:`frontline._water.water_mask`: Natural Earth 10m land, public
    domain; the box lon 28–40.5° E, lat 43.5–47.5° N minus the land). A
    boundary set that counts bays and estuaries as land would otherwise leave
    wide pockets of "land" between a control map and the coast, whose edge is
    no front: Minregion's 2020 oblasts hold 2,900 km² of the mask's sea (the
    Dnipro–Buh estuary 1,122 km², the Tendra and Yahorlyk bays, the Utliuk and
    Sasyk lagoons), the embedded Natural Earth units 59 km² in crumbs along the
    coast.

    Parameters
    ----------
    outline : shapely geometry
        Lon/lat (Multi)Polygon.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        ``outline`` minus the sea (cached for the last few outlines).
    """
    return _without_sea(shapely.to_wkb(outline))


@lru_cache(maxsize=4)
def _without_sea(wkb: bytes) -> Geometry:
    outline = shapely.from_wkb(wkb)
    return _as_polygonal(shapely.difference(outline, water_mask().geometry))


# -- projection ----------------------------------------------------------------


def local_projection(geom: Geometry) -> tuple[Transformer, Transformer]:
    """Return transformers to and from a metric projection centred on ``geom``.

    The projection is azimuthal equidistant on the WGS84 ellipsoid, centred
    on the middle of ``geom``'s lon/lat bounds rounded to 0.5° (so that it is
    shared by nearby inputs: making a projection costs 20 ms, which a time
    series of small changes would pay again and again). Distances from the
    centre are exact; others are true to 0.1 % within 500 km of it, which
    covers the front from its middle.

    Parameters
    ----------
    geom : shapely geometry
        Lon/lat geometry (EPSG:4326), not empty.

    Returns
    -------
    tuple of pyproj.Transformer
        ``(forward, inverse)``: lon/lat → metres and back, ``always_xy``.

    Raises
    ------
    GeometryError
        For an empty geometry.

    Examples
    --------
    >>> import shapely
    >>> from frontline.tolerance import local_projection
    >>> fwd, inv = local_projection(shapely.box(37, 47, 38, 48))
    >>> [round(v, 6) for v in fwd.transform(37.5, 47.5)]
    [0.0, 0.0]
    """
    if geom is None or shapely.is_empty(geom):
        raise GeometryError("cannot centre a projection on an empty geometry")
    x0, y0, x1, y1 = shapely.bounds(geom)
    return _aeqd(round(y0 + y1) / 2, round(x0 + x1) / 2)


@lru_cache(maxsize=256)
def _aeqd(lat: float, lon: float) -> tuple[Transformer, Transformer]:
    crs = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs"
    )
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


def _project(geom: Any, transformer: Transformer) -> Any:
    return shapely.transform(
        geom,
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )


def _to_metres(geom: Geometry, fwd: Transformer) -> Geometry:
    return _project(shapely.segmentize(geom, _STEP_DEG), fwd)


# -- operations ----------------------------------------------------------------


def close_gaps(
    geoms: Geometry | Iterable[Geometry | None],
    *,
    tol: Tolerance = DEFAULT_TOLERANCE,
) -> Geometry:
    """Dissolve polygons into one area with the hairline gaps between them closed.

    The polygons are unioned, then closed morphologically in metres: grown by
    ``tol.gap_m`` and shrunk back by as much, with mitre joins, so that any
    gap narrower than ``2 * gap_m`` (between two classes of a map, or between
    overlapping features drawn separately) disappears while corners keep
    their shape. Use it for what is drawn and traced (the area whose boundary
    is the front line), never for area figures.

    Parameters
    ----------
    geoms : shapely geometry or iterable of geometries
        Lon/lat polygons (EPSG:4326); ``None``, empty and non-polygonal
        geometries are ignored.
    tol : Tolerance, default :data:`DEFAULT_TOLERANCE`
        Uses ``gap_m``; 0 only dissolves.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        The dissolved, closed area, lon/lat; an empty MultiPolygon for no
        input.

    See Also
    --------
    drop_pinholes : Fill the holes that are left, by size.

    Examples
    --------
    >>> import shapely
    >>> from frontline.tolerance import close_gaps
    >>> a = shapely.box(37.0, 47.0, 37.5, 47.5)
    >>> b = shapely.box(37.50001, 47.0, 38.0, 47.5)  # a gap of ~0.75 m
    >>> close_gaps([a, b]).geom_type
    'Polygon'
    >>> close_gaps([None]).is_empty
    True
    """
    polys = _polygons(geoms)
    if len(polys) == 0:
        return shapely.MultiPolygon()
    merged = shapely.union_all(polys)
    if tol.gap_m == 0:
        return _as_polygonal(merged)
    fwd, inv = local_projection(merged)
    metres = _to_metres(merged, fwd)
    closed = _closing(metres, tol.gap_m)
    return _as_polygonal(_project(closed, inv))


def drop_pinholes(
    geom: Geometry | None, *, tol: Tolerance = DEFAULT_TOLERANCE
) -> Geometry:
    """Fill the holes of a polygonal area smaller than ``tol.pinhole_km2``.

    Parameters
    ----------
    geom : shapely geometry
        Lon/lat (Multi)Polygon; ``None`` or empty gives an empty MultiPolygon.
    tol : Tolerance, default :data:`DEFAULT_TOLERANCE`
        Uses ``pinhole_km2`` (area on the WGS84 ellipsoid).

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        The area with its small holes filled; larger holes are kept.

    Examples
    --------
    >>> import shapely
    >>> from frontline.tolerance import drop_pinholes
    >>> shell = [(37, 47), (38, 47), (38, 48), (37, 48)]
    >>> pin = [(37.5, 47.5), (37.5001, 47.5), (37.5001, 47.5001)]
    >>> len(drop_pinholes(shapely.Polygon(shell, [pin])).interiors)
    0
    """
    polys = _polygons(geom)
    if len(polys) == 0:
        return shapely.MultiPolygon()
    out = []
    for poly in polys:
        holes = [shapely.Polygon(ring) for ring in poly.interiors]
        if not holes:
            out.append(poly)
            continue
        keep = np.asarray(area_km2(holes)) >= tol.pinhole_km2
        rings = [h.exterior for h, k in zip(holes, keep, strict=True) if k]
        out.append(shapely.Polygon(poly.exterior, rings))
    return _as_polygonal(shapely.multipolygons(out))


def denoise_change(
    geom: Geometry | None, *, tol: Tolerance = DEFAULT_TOLERANCE
) -> Denoised:
    """Split gained or lost area into the parts to draw and the noise.

    Noise is every part of the area narrower than ``tol.sliver_m``: what a
    morphological opening (shrink by ``sliver_m / 2``, grow back, mitre joins)
    removes. That is the coast or the border redrawn a few metres off between
    two versions, and the thin fringes along a real change. ``kept`` keeps the
    input's own edges; ``kept`` and ``noise`` do not overlap and together are
    the input, so their km² add up to the input's: report ``noise_km2``
    apart, never drop it from totals.

    Parameters
    ----------
    geom : shapely geometry
        Lon/lat (Multi)Polygon, such as the area gained or lost between two
        dates; ``None`` or empty gives two empty results.
    tol : Tolerance, default :data:`DEFAULT_TOLERANCE`
        Uses ``sliver_m``; 0 keeps everything.

    Returns
    -------
    Denoised
        ``(kept, noise)``, lon/lat MultiPolygons, with the properties
        ``kept_km2`` and ``noise_km2`` (WGS84 ellipsoid).

    Examples
    --------
    >>> import shapely
    >>> from frontline.tolerance import denoise_change
    >>> advance = shapely.box(37.0, 47.0, 37.1, 47.1)          # ~8 km wide
    >>> fringe = shapely.box(37.2, 47.0, 37.2005, 47.5)        # ~38 m wide
    >>> kept, noise = denoise_change(shapely.union(advance, fringe))
    >>> kept.equals(advance), noise.equals(fringe)
    (True, True)
    """
    polys = _polygons(geom)
    empty = shapely.MultiPolygon()
    if len(polys) == 0:
        return Denoised(empty, empty)
    area = _as_polygonal(shapely.union_all(polys))
    if tol.sliver_m == 0:
        return Denoised(area, empty)
    fwd, inv = local_projection(area)
    metres = _to_metres(area, fwd)
    core = _opening(metres, tol.sliver_m / 2)
    if core.is_empty:
        return Denoised(empty, area)
    mask = _project(
        shapely.buffer(core, _EPS_M, join_style="mitre", mitre_limit=_MITRE_LIMIT),
        inv,
    )
    parts = _polygons(shapely.intersection(area, mask))
    # Crumbs cut off by the mask's edge are noise too: a part that holds a
    # disk of diameter sliver_m has at least pi/4 * sliver_m² of area.
    parts = parts[shapely.area(_project(parts, fwd)) >= tol.sliver_m**2 / 4]
    kept = _as_polygonal(shapely.multipolygons(parts)) if len(parts) else empty
    noise = _as_polygonal(shapely.difference(area, kept))
    return Denoised(kept, noise)


def front_segments(
    area: Geometry, outline: Geometry, *, tol: Tolerance = DEFAULT_TOLERANCE
) -> Geometry:
    """Return the stretches of an area's boundary that are front, not border.

    ``area`` is the dissolved area of one side (the Russian-held area, after
    :func:`close_gaps` and :func:`drop_pinholes`); ``outline`` the country
    (the union of the boundary set's units), whose edge is state border and
    coast. The area is cut to the outline (a map running past the border
    loses what lies beyond it), then, in metres and only where it meets the
    edge:

    1. *crumbs* are dropped: pieces left inside by a feature drawn across the
       edge that are thinner than ``sliver_m``, or thinner than ``border_m``
       when most of the feature lies outside;
    2. *strips* of the other side narrower than ``strip_m`` between the area
       and the edge are closed (a map stopping a few hundred metres short);
       where such a strip widens, it is cut across;
    3. whole *pockets* of the other side thinner than ``border_m`` that lie
       between the area and the edge are filled (a map drawing the border
       its own way, up to kilometres off). Wider areas of the other side —
       the rest of the country, a river island, a wedge where the front meets
       the border — are left as they are, so a patch held at the border keeps
       its whole inland edge and no line is drawn across land.

    The boundary of the result is front wherever it does not lie on the
    outline's edge. Gaps between two parts of the area itself (a narrow
    salient of the other side) are never closed here.

    Parameters
    ----------
    area : shapely geometry
        Lon/lat (Multi)Polygon.
    outline : shapely geometry
        Lon/lat (Multi)Polygon of the country.
    tol : Tolerance, default :data:`DEFAULT_TOLERANCE`
        Uses ``sliver_m``, ``strip_m`` and ``border_m``.

    Returns
    -------
    shapely.MultiLineString
        The front stretches, lon/lat, merged into as few lines as possible;
        empty when the area has no front.

    Raises
    ------
    GeometryError
        If ``area`` or ``outline`` is not polygonal.

    Examples
    --------
    >>> import shapely
    >>> from frontline.tolerance import front_segments
    >>> country = shapely.box(36, 47, 40, 50)
    >>> held = shapely.box(38, 46.9, 40.1, 48)   # past the border and the coast
    >>> line = front_segments(held, country)
    >>> [round(c, 2) for c in line.bounds]  # the west and north edges only
    [38.0, 47.0, 40.0, 48.0]
    """
    for name, geom in (("area", area), ("outline", outline)):
        if geom is not None and not geom.is_empty and not _polygons(geom).size:
            raise GeometryError(
                f"{name} must be polygonal (the dissolved area, not its boundary), "
                f"got {geom.geom_type}"
            )
    polys = _polygons(area)
    if len(polys) == 0 or outline is None or outline.is_empty:
        return shapely.MultiLineString()
    area = shapely.union_all(polys)
    fwd, inv = local_projection(area)
    reach = tol.border_m + 10_000.0
    held = _to_metres(area, fwd)
    window = shapely.box(*shapely.bounds(held)).buffer(reach, join_style="mitre")
    country = _to_metres(
        shapely.intersection(outline, _project(window, inv).envelope), fwd
    )
    country = shapely.intersection(country, window)
    outside = shapely.difference(window, country)
    inside = _at_edge(held, outside, country, tol)
    if inside.is_empty:
        return shapely.MultiLineString()
    merged = _off_edge(shapely.boundary(inside), shapely.boundary(country))
    if merged.is_empty:
        return shapely.MultiLineString()
    out = _project(merged, inv)
    return shapely.multilinestrings(
        [p for p in shapely.get_parts(out) if p.geom_type == "LineString"]
    )


# -- helpers -------------------------------------------------------------------


def _polygons(geoms: Any) -> Any:
    """Return the polygons of a geometry or of an iterable of them."""
    if geoms is None:
        return np.empty(0, dtype=object)
    if isinstance(geoms, shapely.Geometry):
        arr = np.array([geoms], dtype=object)
    else:
        arr = np.asarray([g for g in geoms if g is not None], dtype=object)
    if arr.size == 0:
        return arr
    polys, _ = _polygon_parts(arr)
    return polys


def _as_polygonal(geom: Geometry) -> Geometry:
    """Return the polygonal part of a result, as a Polygon or MultiPolygon."""
    polys = _polygons(geom)
    polys = polys[shapely.area(polys) > 0] if len(polys) else polys
    if len(polys) == 0:
        return shapely.MultiPolygon()
    if len(polys) == 1:
        return polys[0]
    return shapely.multipolygons(polys)


def _at_edge(
    held: Geometry, outside: Geometry, country: Geometry, tol: Tolerance
) -> Geometry:
    """Cut ``held`` to ``country`` and settle the noise along the edge.

    All in metres, and only where ``held`` meets the edge:

    1. *crumbs* are dropped: what is left inside of a part of ``held`` drawn
       past the border. A piece inside is a crumb when it is thinner than
       ``sliver_m``, or thinner than ``border_m`` while most of its part lies
       outside (the map and the boundary set disagree about where that part
       is by more than the piece is thick);
    2. whole *pockets* of the other side thinner than ``border_m`` between
       ``held`` and the edge are filled (see :func:`_fill_pockets`);
    3. *strips* of the other side narrower than ``strip_m`` between ``held``
       and the edge, where they are part of a larger area, are closed and
       cut across where they widen (see :func:`_close_strips`).
    """
    shapely.prepare(outside)
    features = _polygons(held)
    crossing = shapely.intersects(outside, features)
    kept = list(features[~crossing])
    for feature in features[crossing]:
        pieces = _polygons(shapely.intersection(feature, country))
        if len(pieces) == 0:
            continue
        inside_share = shapely.area(pieces).sum() / feature.area
        limit = tol.sliver_m if inside_share >= 0.5 else tol.border_m
        if limit > 0:
            thin = shapely.is_empty(shapely.buffer(pieces, -limit / 2, quad_segs=2))
            pieces = pieces[~thin]
        kept.extend(pieces)
    inside = _as_polygonal(shapely.multipolygons(kept)) if kept else None
    if inside is None or inside.is_empty:
        return shapely.MultiPolygon()
    if tol.border_m > 0:
        inside = _fill_pockets(inside, outside, country, tol.border_m)
    if tol.strip_m > 0:
        inside = _close_strips(inside, outside, country, tol.strip_m)
    # What was filled meets the area along edges that two overlays computed
    # separately, micrometres apart: on a millimetre grid they are one edge,
    # and no zero-width spike is left to trace as front.
    return _as_polygonal(shapely.set_precision(inside, _GRID_M))


def _off_edge(lines: Geometry, edge: Geometry) -> Geometry:
    """Return the segments of ``lines`` that do not lie on ``edge``, merged.

    A segment lies on the edge when its midpoint is within ``_ON_EDGE_M`` of
    it: the boundary of an area cut to the country runs exactly along the
    edge there, and a front segment ending at the edge keeps its full length.
    """
    parts = shapely.get_parts(lines)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    same = idx[1:] == idx[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    if len(starts) == 0:
        return shapely.MultiLineString()
    shapely.prepare(edge)
    mid = (starts + ends) / 2
    on_edge = shapely.dwithin(edge, shapely.points(mid), _ON_EDGE_M)
    keep = ~on_edge & np.any(starts != ends, axis=1)
    if not keep.any():
        return shapely.MultiLineString()
    segments = shapely.linestrings(
        np.stack([starts[keep], ends[keep]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(int(keep.sum())), 2),
    )
    return shapely.line_merge(shapely.multilinestrings(segments))


def _close_strips(
    held: Geometry, outside: Geometry, country: Geometry, strip_m: float
) -> Geometry:
    """Close the strips narrower than ``strip_m`` between ``held`` and the edge.

    ``held`` and the outside are closed together by ``strip_m / 2`` (round
    joins, which leave no spikes); of what that adds, the parts that touch both are
    kept: a strip is cut across where it widens beyond ``strip_m``, and gaps
    between two parts of ``held`` or two parts of the outside stay open.
    """
    both = shapely.union(held, outside)
    half = strip_m / 2
    closed = shapely.buffer(shapely.buffer(both, half, quad_segs=4), -half, quad_segs=4)
    gaps = _polygons(shapely.difference(closed, both))
    if len(gaps) == 0:
        return held
    shapely.prepare(held)
    fill = gaps[
        shapely.dwithin(held, gaps, _ON_EDGE_M)
        & shapely.dwithin(outside, gaps, _ON_EDGE_M)
    ]
    if len(fill) == 0:
        return held
    added = shapely.intersection(shapely.union_all(fill), country)
    return _as_polygonal(shapely.union(held, added))


def _fill_pockets(
    held: Geometry, outside: Geometry, country: Geometry, border_m: float
) -> Geometry:
    """Fill the pockets of the other side between ``held`` and the edge.

    All in metres. A pocket is a connected part of ``country − held`` that
    touches the edge and holds no disk of diameter ``border_m`` anywhere.
    Filling only whole pockets keeps the result's boundary on ``held``'s own
    boundary: no line is drawn across land, and a wider area of the other
    side (a river island, a wedge where the front meets the border) is left
    as it is.
    """
    other = _polygons(shapely.difference(country, held))
    if len(other) == 0:
        return held
    touching = shapely.dwithin(outside, other, _ON_EDGE_M)
    if not touching.any():
        return held
    candidates = other[touching]
    # A part holding no disk of diameter border_m lies within border_m / 2 of
    # its own boundary: its area is at most border_m × its perimeter plus one
    # such disk. Larger parts (the rest of the country) are thick; skipping
    # them saves shrinking the largest polygon of all.
    bound = border_m * shapely.length(candidates) + math.pi * border_m**2 / 4
    candidates = candidates[shapely.area(candidates) <= bound]
    if len(candidates) == 0:
        return held
    thick = shapely.buffer(shapely.multipolygons(candidates), -border_m / 2)
    shapely.prepare(thick)
    thin = ~shapely.intersects(thick, candidates)
    if not thin.any():
        return held
    return _as_polygonal(shapely.union_all([held, *candidates[thin]]))


def _opening(geom: Geometry, distance: float) -> Geometry:
    """Morphological opening in projected units, mitre joins."""
    shrunk = shapely.buffer(
        geom, -distance, join_style="mitre", mitre_limit=_MITRE_LIMIT
    )
    return shapely.buffer(
        shrunk, distance, join_style="mitre", mitre_limit=_MITRE_LIMIT
    )


def _closing(geom: Geometry, distance: float) -> Geometry:
    """Morphological closing in projected units, mitre joins."""
    grown = shapely.buffer(geom, distance, join_style="mitre", mitre_limit=_MITRE_LIMIT)
    return shapely.buffer(
        grown, -distance, join_style="mitre", mitre_limit=_MITRE_LIMIT
    )
