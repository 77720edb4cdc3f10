"""The plausibility gate: is this layer a map of (part of) Ukraine.

A control layer that is valid geometry can still be nonsense for Ukraine and
give silently wrong figures: a polygon drawn across the antimeridian (a band
around the whole Earth), a world mask with a hole, a layer of Romania, a
feature with latitude and longitude swapped. :func:`check_extent` refuses
such layers before any figure is computed:

* **span** — a feature spanning more than 180° of longitude (real maps of
  Ukraine span under 27°: the widest real feature, a 2023 DeepState polygon
  with one stray vertex, spans 26.6°);
* **far** — polygons lying entirely outside lon 20…42°E, lat 43…54°N,
  holding more than :data:`MAX_FAR_SHARE` of the layer (a stray sliver is
  logged: no region holds it, no figure moves);
* **outside** — the area beyond :data:`MARGIN_KM` of Ukraine's outline (the
  embedded units): refused when it is all of the layer (more than
  :data:`MAX_OUTSIDE_SHARE`: a map of somewhere else) or more than
  :data:`MAX_OUTSIDE_KM2` (a world mask, a continent), warned about when it
  exceeds :data:`WARN_OUTSIDE_KM2`. A layer that straddles the border is
  read as it is: no region counts what lies outside.

The margins were measured on every real file of the validation data
(DeepState raw and union, ISW, NZZ; see docs/control.md): the most any real
layer has beyond 25 km of the outline is 527 km² (0.4 % of it).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline._messages import warn
from frontline._units import ukraine_outline
from frontline.areas import _km2
from frontline.errors import GeometryError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from shapely import Geometry

__all__ = [
    "BOX",
    "MARGIN_KM",
    "MAX_OUTSIDE_KM2",
    "MAX_OUTSIDE_SHARE",
    "WARN_OUTSIDE_KM2",
    "check_extent",
    "outside_km2",
]

log = logging.getLogger(__name__)

#: Ukraine's extent with a margin (lon/lat): polygons entirely outside it are
#: not a map of Ukraine (swapped axes, another country, a stray feature).
BOX: Final = (20.0, 43.0, 42.0, 54.0)
#: Area within this distance of Ukraine's outline counts as inside (coasts,
#: borders drawn loosely, the Sea of Azov's shore).
MARGIN_KM: Final = 25.0
#: A layer with more than this share of its area beyond the margin lies
#: outside Ukraine: refused.
MAX_OUTSIDE_SHARE: Final = 0.99
#: A layer with more than this many km² beyond the margin is refused (Ukraine
#: measures 603,500 km²; no real map has more than 527 km² beyond the margin).
MAX_OUTSIDE_KM2: Final = 100_000.0
#: A layer with more than this many km² beyond the margin is warned about.
WARN_OUTSIDE_KM2: Final = 20_000.0
#: Polygons far from Ukraine are refused when they hold more than this share
#: of the layer and more than MIN_FAR_KM2; less is logged (no region holds it).
MAX_FAR_SHARE: Final = 0.01
MIN_FAR_KM2: Final = 100.0
#: Widest longitude span of one feature (degrees).
MAX_SPAN_DEG: Final = 180.0
#: Below this (km²), area outside is rounding, never reported.
_DUST_KM2: Final = 1.0


def check_extent(
    geoms: NDArray[np.object_], what: str, *, kind: str = "control layer"
) -> dict[str, float]:
    """Refuse a layer whose extent is implausible for Ukraine; warn on a doubtful one.

    Parameters
    ----------
    geoms : array of polygonal geometries
        The layer in lon/lat (EPSG:4326), valid.
    what : str
        The layer's name (a quoted path), for messages.
    kind : str, default "control layer"
        What the layer is, for messages.

    Returns
    -------
    dict
        ``outside_km2`` (area beyond the margin) and ``outside_share``.

    Raises
    ------
    GeometryError
        For a feature spanning more than 180° of longitude, polygons far
        from Ukraine, or a layer mostly outside it.
    """
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(present) == 0:
        return {"outside_km2": 0.0, "outside_share": 0.0}
    bounds = shapely.bounds(present)
    span = bounds[:, 2] - bounds[:, 0]
    if (span > MAX_SPAN_DEG).any():
        wide = int((span > MAX_SPAN_DEG).sum())
        raise GeometryError(
            f"{what}: {wide} feature(s) span more than {MAX_SPAN_DEG:.0f}° of "
            f"longitude (up to {span.max():.0f}°): a polygon drawn across the "
            "antimeridian, or one covering the whole Earth, is a band around the "
            f"globe, not a {kind} of Ukraine (about 18° wide). Remove it, or "
            "split it at ±180°"
        )
    parts = shapely.get_parts(present)
    far = _far(parts)
    inside = shapely.contains(_zone(), parts)
    if not far.any() and inside.all():  # the usual case: no area to measure
        log.info("%s: nothing beyond %g km of Ukraine", what, MARGIN_KM)
        return {"outside_km2": 0.0, "outside_share": 0.0}
    areas = _km2(parts)
    _refuse_far(parts, far, areas, what, kind)
    outside, total = outside_km2(parts, areas, inside)
    share = outside / total if total > 0 else 0.0
    if (outside > _DUST_KM2 and share > MAX_OUTSIDE_SHARE) or (
        outside > MAX_OUTSIDE_KM2
    ):
        raise GeometryError(
            f"{what}: {outside:,.0f} km² of its {total:,.0f} km² ({share:.0%}) lie "
            f"more than {MARGIN_KM:.0f} km outside Ukraine: not a "
            f"{kind} of Ukraine (a world mask, another country, the sea?). Check "
            "the file and its CRS"
        )
    if outside > WARN_OUTSIDE_KM2:
        warn(
            f"{what}: {outside:,.0f} km² ({share:.1%}) of the {kind} lie more than "
            f"{MARGIN_KM:.0f} km outside Ukraine; no region counts them, but check "
            "that the layer is what you think"
        )
    log.info("%s: %.1f km² beyond %g km of Ukraine", what, outside, MARGIN_KM)
    return {"outside_km2": outside, "outside_share": share}


def _far(parts: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Which polygons lie entirely outside :data:`BOX`."""
    bx0, by0, bx1, by1 = BOX
    b = shapely.bounds(parts)
    far: NDArray[np.bool_] = (
        (b[:, 2] < bx0) | (b[:, 0] > bx1) | (b[:, 3] < by0) | (b[:, 1] > by1)
    )
    return far


def _refuse_far(
    parts: NDArray[np.object_],
    far: NDArray[np.bool_],
    areas: NDArray[np.float64],
    what: str,
    kind: str,
) -> None:
    if not far.any():
        return
    km2 = float(areas[far].sum())
    if km2 <= max(MIN_FAR_KM2, MAX_FAR_SHARE * float(areas.sum())):
        # A stray sliver (a real DeepState file of 2023 has 527 km² in the
        # Arabian Sea): no region holds it, so no figure moves; logged.
        log.info("%s: %.1f km² lie far from Ukraine (not in any region)", what, km2)
        return
    bx0, by0, bx1, by1 = BOX
    fb = shapely.bounds(parts[far])
    xmin, ymin = fb[:, 0].min(), fb[:, 1].min()
    xmax, ymax = fb[:, 2].max(), fb[:, 3].max()
    swapped = not (ymax < bx0 or ymin > bx1 or xmax < by0 or xmin > by1)
    hint = (
        "their coordinates look like latitude/longitude in the wrong order; swap them"
        if swapped
        else "remove them, or check that every feature is in the layer's CRS"
    )
    raise GeometryError(
        f"{what}: {int(far.sum())} of its {len(parts)} polygon(s) ({km2:,.0f} km²) "
        f"lie far from Ukraine (lon {xmin:.4g}…{xmax:.4g}, lat {ymin:.4g}…"
        f"{ymax:.4g}): not part of a {kind} of Ukraine; {hint}"
    )


def outside_km2(
    parts: NDArray[np.object_],
    areas: NDArray[np.float64] | None = None,
    inside: NDArray[np.bool_] | None = None,
) -> tuple[float, float]:
    """Return (km² beyond the margin of Ukraine, km² in all) of polygon parts."""
    zone = _zone()
    total = float((_km2(parts) if areas is None else areas).sum())
    if inside is None:
        inside = shapely.contains(zone, parts)
    if inside.all():
        return 0.0, total
    rest = shapely.difference(parts[~inside], zone)
    return float(_km2(np.asarray(rest, dtype=object)).sum()), total


@functools.cache
def _zone() -> Geometry:
    """Ukraine's outline grown by MARGIN_KM (on a local equidistant plane)."""
    from pyproj import Transformer

    plane = "+proj=aeqd +lat_0=48.5 +lon_0=31.5 +datum=WGS84 +units=m"
    forward = Transformer.from_crs("EPSG:4326", plane, always_xy=True)
    back = Transformer.from_crs(plane, "EPSG:4326", always_xy=True)

    def through(t: Any) -> Any:
        return lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))

    outline = shapely.transform(ukraine_outline(), through(forward))
    # Simplified by a tenth of the margin: the zone stays beyond 0.9 x margin.
    grown = outline.buffer(MARGIN_KM * 1000.0, quad_segs=4).simplify(MARGIN_KM * 100.0)
    zone = shapely.transform(grown, through(back))
    shapely.prepare(zone)
    return zone
