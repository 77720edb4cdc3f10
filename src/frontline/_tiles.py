"""Tiled overlay: km² of many control snapshots inside fixed regions, fast.

The regions are cut once into a grid of square tiles (lazily: only tiles a
snapshot reaches are ever cut). Only tiles that a region boundary reaches are
clipped; any other tile lies wholly inside the region that contains its centre
(one point-in-polygon test) or outside all. For each status geometry of a
snapshot:

* a tile that the geometry's boundary does not reach is either entirely
  inside it (it counts the tile's precomputed region km²) or entirely outside
  (it counts nothing); one point-in-polygon test per tile decides;
* a tile the boundary crosses gets a digest of the boundary segments that
  reach it (directed, so the side of the interior is part of it). When the
  digest equals the one of the previous snapshot, the tile's km² are reused;
  otherwise the geometry is clipped to the tile's box (first to the row strip,
  then to the tile) and intersected with the tile's region pieces.

Same directed boundary inside a closed tile means the same geometry inside it,
so reuse is exact, not an approximation. Areas come from the area engine
(:func:`frontline.areas._km2`), which is additive: pieces of one region cut
at tile edges add up, to rounding, to what one overlay gives. Units may
overlap: a tile covered by several units counts for each of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

from frontline.areas import _km2, _polygon_parts

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

    from shapely import Geometry

__all__ = ["SHARED_SIZE", "TILE_DEG", "TileOverlay"]

#: Default tile size (degrees). Smaller tiles reuse more between snapshots but
#: cost more Python per snapshot; 0.25° (about 28 × 18 km) is a good balance
#: for oblast-sized regions and daily-to-monthly control maps.
TILE_DEG: Final = 0.25
#: Segments within this distance (degrees) of a tile count as reaching it, so
#: that a boundary running along a tile edge is seen from both sides.
_EPS: Final = 1e-9
_POLYGON: Final = 3
_VALID: Final = "Valid Geometry"  # shapely.is_valid_reason of a valid geometry
#: How many tiled overlays :meth:`TileOverlay.shared` keeps between calls.
SHARED_SIZE = 4
_SHARED: OrderedDict[tuple[str, float], TileOverlay] = OrderedDict()
_SHARED_LOCK = threading.Lock()
_KEYS: OrderedDict[tuple[int, ...], tuple[str, NDArray[np.object_]]] = OrderedDict()
_MASK64: Final = np.uint64(0xFFFFFFFFFFFFFFFF)
# Odd 64-bit constants for the segment digest (from splitmix64 / murmur3).
_K: Final = np.array(
    [
        0x9E3779B97F4A7C15,
        0xBF58476D1CE4E5B9,
        0x94D049BB133111EB,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x2545F4914F6CDD1D,
        0xD6E8FEB86659FD93,
        0xA0761D6478BD642F,
    ],
    dtype=np.uint64,
)


class TileOverlay:
    """km² of status geometries inside each region, tile by tile, with reuse.

    Parameters
    ----------
    regions : numpy.ndarray of shapely geometries
        The region polygons (lon/lat, EPSG:4326), in output order.
    tile_deg : float, default TILE_DEG
        Tile size in degrees.

    Notes
    -----
    The object keeps, per ``key`` passed to :meth:`measure` (one per status),
    one digest per tile and one km² per *piece* (a region's part of a tile
    that has been cut): memory depends on the grid and on how many region
    pieces the snapshots reached, not on the number of snapshots measured nor
    on regions × tiles (1,500 zones cost what their pieces cost).

    Examples
    --------
    Two 1°×1° regions; the second snapshot only changes the eastern one, so
    the western tiles are reused:

    >>> import numpy as np, shapely
    >>> regions = np.array([shapely.box(37, 47, 38, 48), shapely.box(38, 47, 39, 48)])
    >>> tiles = TileOverlay(regions)
    >>> tiles.measure(shapely.box(37.5, 47, 38.5, 48), "occupied").round(1).tolist()
    [4188.3, 4188.3]
    >>> tiles.measure(shapely.box(37.5, 47, 38.6, 48), "occupied").round(1).tolist()
    [4188.3, 5026.0]
    >>> tiles.stats["tiles_reused"] > 0
    True
    """

    def __init__(self, regions: NDArray[np.object_], tile_deg: float = TILE_DEG):
        self.regions = np.asarray(regions, dtype=object)
        self.n_regions = len(self.regions)
        self.tile = float(tile_deg)
        bounds = shapely.bounds(self.regions)
        self._region_bounds = bounds
        xmin, ymin = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
        xmax, ymax = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        self.x0 = math.floor(xmin / self.tile) * self.tile
        self.y0 = math.floor(ymin / self.tile) * self.tile
        self.nx = max(1, math.ceil((xmax - self.x0) / self.tile))
        self.ny = max(1, math.ceil((ymax - self.y0) / self.tile))
        n_tiles = self.nx * self.ny
        ix, iy = np.meshgrid(np.arange(self.nx), np.arange(self.ny))
        self._ix = ix.ravel()  # tile t = iy * nx + ix
        self._iy = iy.ravel()
        self._cx = self.x0 + (self._ix + 0.5) * self.tile
        self._cy = self.y0 + (self._iy + 0.5) * self.tile
        # Tiles whose box overlaps some region's bounding box.
        self._active = np.zeros(n_tiles, dtype=bool)
        for x_lo, y_lo, x_hi, y_hi in bounds:
            if not np.isfinite(x_lo):
                continue
            self._active |= (
                (self._cx + self.tile / 2 >= x_lo)
                & (self._cx - self.tile / 2 <= x_hi)
                & (self._cy + self.tile / 2 >= y_lo)
                & (self._cy - self.tile / 2 <= y_hi)
            )
        # Lazily filled: region pieces per tile. Each piece has a slot in
        # flat arrays (its region, its km²); a tile's pieces hold the slots
        # start[t] … start[t] + count[t] - 1, in region order.
        self._slot_start = np.zeros(n_tiles, dtype=np.intp)
        self._slot_count = np.zeros(n_tiles, dtype=np.intp)
        self._n_slots = 0
        self._slot_region = np.zeros(64, dtype=np.intp)
        self._slot_km2 = np.zeros(64)
        self._piece_done = np.zeros(n_tiles, dtype=bool)
        self._pieces: dict[int, tuple[NDArray[np.intp], NDArray[np.object_]]] = {}
        # Per tile: the index of the region covering it whole, or -1.
        self._whole = np.full(n_tiles, -2, dtype=np.intp)  # -2: not known yet
        self._strips: dict[int, NDArray[np.object_]] = {}
        # Tiles some region boundary reaches (None until first needed).
        self._edge: NDArray[np.bool_] | None = None
        self._row_km2: dict[int, float] = {}
        # Per tile cut by several units that tile it exactly: the unit whose
        # km² is the clip's minus the others' (one intersection saved).
        self._rest: dict[int, int] = {}
        # Per key: digest (2 × uint64) per tile and km² per piece slot of the
        # last snapshot.
        self._digest: dict[str, NDArray[np.uint64]] = {}
        self._known: dict[str, NDArray[np.bool_]] = {}
        self._km2: dict[str, NDArray[np.float64]] = {}
        self.stats = {
            "tiles_inside": 0,
            "tiles_reused": 0,
            "tiles_computed": 0,
            "clips_redone": 0,
        }
        self._region_km2: NDArray[np.float64] | None = None

    @classmethod
    @contextlib.contextmanager
    def shared(
        cls, regions: NDArray[np.object_], tile_deg: float = TILE_DEG
    ) -> Iterator[TileOverlay]:
        """Use the overlay of these regions kept from earlier calls, or a new one.

        The regions' tiles, their km² and the last snapshot's tiles of each
        key outlive the call, so a second series on the same boundaries skips
        cutting the regions again (reuse is exact: a tile is reused only when
        the same boundary runs through it). The overlay is taken out of the
        cache while in use (a concurrent call gets a fresh one) and put back
        only if the block ends without an error, so a half-measured state is
        never reused. The :data:`SHARED_SIZE` most recent ones are kept.
        """
        regions = np.asarray(regions, dtype=object)
        key = (_regions_key(regions), float(tile_deg))
        with _SHARED_LOCK:
            tiles = _SHARED.pop(key, None)
        if tiles is None:
            tiles = cls(regions, tile_deg)
        yield tiles  # not put back if the block raised
        with _SHARED_LOCK:
            _SHARED[key] = tiles
            while len(_SHARED) > SHARED_SIZE:
                _SHARED.popitem(last=False)

    # -- region pieces -----------------------------------------------------
    def _box(self, t: int) -> tuple[float, float, float, float]:
        x = self.x0 + int(self._ix[t]) * self.tile
        y = self.y0 + int(self._iy[t]) * self.tile
        return x, y, x + self.tile, y + self.tile

    def _strip(self, iy: int) -> NDArray[np.object_]:
        """Regions clipped to tile row ``iy`` (None where they miss it)."""
        if iy not in self._strips:
            y_lo = self.y0 + iy * self.tile
            y_hi = y_lo + self.tile
            hit = (self._region_bounds[:, 1] <= y_hi) & (
                self._region_bounds[:, 3] >= y_lo
            )
            out = np.full(self.n_regions, None, dtype=object)
            for r in np.flatnonzero(hit):
                out[r] = shapely.clip_by_rect(
                    self.regions[r], self.x0, y_lo, self.x0 + self.nx * self.tile, y_hi
                )
            self._strips[iy] = out
        return self._strips[iy]

    def _edge_tiles(self) -> NDArray[np.bool_]:
        """Tiles that some region boundary reaches (computed once).

        Each segment marks every tile of its bounding box (widened by the
        same margin as the digest): a superset of the tiles it crosses.
        """
        if self._edge is None:
            polys, _ = _polygon_parts(self.regions[~shapely.is_missing(self.regions)])
            xy, ring = shapely.get_coordinates(
                shapely.get_rings(polys), return_index=True
            )
            # Tile ranges per vertex, then per segment (floor is monotonic).
            fx0 = np.floor((xy[:, 0] - _EPS - self.x0) / self.tile).astype(np.intp)
            fx1 = np.floor((xy[:, 0] + _EPS - self.x0) / self.tile).astype(np.intp)
            fy0 = np.floor((xy[:, 1] - _EPS - self.y0) / self.tile).astype(np.intp)
            fy1 = np.floor((xy[:, 1] + _EPS - self.y0) / self.tile).astype(np.intp)
            same = np.flatnonzero(ring[1:] == ring[:-1])
            ix0 = np.maximum(np.minimum(fx0[same], fx0[same + 1]), 0)
            ix1 = np.minimum(np.maximum(fx1[same], fx1[same + 1]), self.nx - 1)
            iy0 = np.maximum(np.minimum(fy0[same], fy0[same + 1]), 0)
            iy1 = np.minimum(np.maximum(fy1[same], fy1[same + 1]), self.ny - 1)
            edge = np.zeros(self.nx * self.ny, dtype=bool)
            ok = (ix0 <= ix1) & (iy0 <= iy1)  # the part in the grid
            # Spans of at most 2 × 2 tiles (nearly all): their corner tiles.
            small = ok & (ix1 - ix0 <= 1) & (iy1 - iy0 <= 1)
            for ix, iy in ((ix0, iy0), (ix1, iy0), (ix0, iy1), (ix1, iy1)):
                edge[iy[small] * self.nx + ix[small]] = True
            big = ok & ~small
            for x_lo, x_hi, y_lo, y_hi in zip(
                ix0[big].tolist(),
                ix1[big].tolist(),
                iy0[big].tolist(),
                iy1[big].tolist(),
                strict=True,
            ):
                for iy in range(y_lo, y_hi + 1):
                    edge[iy * self.nx + x_lo : iy * self.nx + x_hi + 1] = True
            self._edge = edge
        return self._edge

    def _cut(self, tiles: NDArray[np.intp]) -> None:
        """Cut the regions into the pieces of ``tiles`` not cut yet.

        A tile that no region boundary reaches lies wholly inside the regions
        that contain its centre (and outside the others): their pieces are the
        tile itself, and nothing needs clipping. Tiles a boundary reaches are
        clipped (first to their row strip, then to the tile).
        """
        new = tiles[self._whole[tiles] == -2]
        if len(new) == 0:
            return
        edge = self._edge_tiles()[new]
        inner = new[~edge]
        if len(inner):
            x_lo = self.x0 + self._ix[inner] * self.tile
            y_lo = self.y0 + self._iy[inner] * self.tile
            x_hi, y_hi = x_lo + self.tile, y_lo + self.tile
            rb = self._region_bounds
            member = np.zeros((len(inner), self.n_regions), dtype=bool)
            for r in range(self.n_regions):
                cand = np.flatnonzero(
                    (rb[r, 0] <= x_hi)
                    & (rb[r, 2] >= x_lo)
                    & (rb[r, 1] <= y_hi)
                    & (rb[r, 3] >= y_lo)
                )
                if len(cand):
                    member[cand, r] = shapely.contains_xy(
                        self.regions[r], self._cx[inner[cand]], self._cy[inner[cand]]
                    )
            for t, row in zip(inner.tolist(), member, strict=True):
                idx = np.flatnonzero(row)
                if len(idx) <= 1:
                    # The piece is the whole tile, never clipped: no geometry kept.
                    self._pieces[t] = (idx, np.full(len(idx), None, dtype=object))
                    self._add_slots(t, idx)
                    self._whole[t] = idx[0] if len(idx) else -1
                else:
                    # Units that overlap each other (a Crimea that includes
                    # Sevastopol) each get the whole tile: keep the box as
                    # every unit's piece, and no single owner.
                    box = shapely.box(*self._box(t))
                    self._pieces[t] = (idx, np.full(len(idx), box, dtype=object))
                    self._add_slots(t, idx)
                    self._whole[t] = -1
        for t in new[edge].tolist():
            self._tile_pieces(t)

    def _tile_pieces(self, t: int) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
        """Regions clipped to tile ``t``: region indices and their pieces."""
        if t not in self._pieces:
            strip = self._strip(int(self._iy[t]))
            x_lo, y_lo, x_hi, y_hi = self._box(t)
            idx = [
                r
                for r in np.flatnonzero(
                    (self._region_bounds[:, 0] <= x_hi)
                    & (self._region_bounds[:, 2] >= x_lo)
                ).tolist()
                if strip[r] is not None
            ]
            parts = np.array(
                [shapely.clip_by_rect(strip[r], x_lo, y_lo, x_hi, y_hi) for r in idx],
                dtype=object,
            )
            keep = ~shapely.is_empty(parts) if len(parts) else np.zeros(0, bool)
            idx_kept, parts = np.asarray(idx, dtype=np.intp)[keep], parts[keep]
            self._pieces[t] = (idx_kept, parts)
            self._add_slots(t, idx_kept)
            box = self._box(t)
            whole = [
                r
                for r, p in zip(idx_kept.tolist(), parts, strict=True)
                if _is_box(p, box)
            ]
            # A single owner lets the clip stand for the piece, if no other
            # unit reaches the tile (a unit overlapping the one covering it,
            # like Sevastopol inside a Crimea that includes it, gets its own
            # part); otherwise every piece goes through the intersection.
            self._whole[t] = whole[0] if len(whole) == 1 and len(idx_kept) == 1 else -1
        return self._pieces[t]

    def _box_km2(self, iy: int) -> float:
        """Geodesic km² of one whole tile of row ``iy`` (same for the whole row)."""
        if iy not in self._row_km2:
            y_lo = self.y0 + iy * self.tile
            box = shapely.box(self.x0, y_lo, self.x0 + self.tile, y_lo + self.tile)
            self._row_km2[iy] = float(_km2(np.array([box], dtype=object))[0])
        return self._row_km2[iy]

    def _ensure_km2(self, tiles: NDArray[np.intp]) -> None:
        """Fill the km² of the region pieces of ``tiles`` (whole tiles: by row)."""
        todo = tiles[~self._piece_done[tiles]]
        if len(todo) == 0:
            return
        self._cut(todo)
        edge = self._edge_tiles()
        geoms: list[object] = []
        where: list[int] = []  # slots
        for t in todo.tolist():
            idx, parts = self._pieces[t]
            start = int(self._slot_start[t])
            if not edge[t]:  # whole tiles
                if len(idx):
                    self._slot_km2[start : start + len(idx)] = self._box_km2(
                        int(self._iy[t])
                    )
                continue
            box = self._box(t)
            for k, part in enumerate(parts):
                if _is_box(part, box):
                    self._slot_km2[start + k] = self._box_km2(int(self._iy[t]))
                else:
                    geoms.append(part)
                    where.append(start + k)
        if geoms:
            self._slot_km2[where] = _km2(np.asarray(geoms, dtype=object))
        self._piece_done[todo] = True

    def region_km2(self) -> NDArray[np.float64]:
        """Geodesic km² of each whole region (computed once)."""
        if self._region_km2 is None:
            self._region_km2 = _km2(self.regions)
        return self._region_km2.copy()

    # -- measuring ---------------------------------------------------------
    def measure(self, geom: Geometry | None, key: str = "") -> NDArray[np.float64]:
        """km² of ``geom`` inside each region (reusing the last call's tiles).

        Parameters
        ----------
        geom : shapely geometry or None
            A (multi)polygon in lon/lat; other parts are ignored.
        key : str
            The stream this geometry belongs to (e.g. its status): reuse only
            happens between calls with the same key.

        Returns
        -------
        numpy.ndarray
            km² per region, in the order of ``regions``.
        """
        out = np.zeros(self.n_regions)
        if geom is None or geom.is_empty:
            return out
        polys = _polygons(geom)
        if len(polys) == 0:
            return out
        # Exteriors counter-clockwise: the digest then also fixes the side
        # of the interior, whatever orientation the input had.
        polys = shapely.orient_polygons(polys)
        geom = shapely.multipolygons(polys)
        n_tiles = self.nx * self.ny
        if key not in self._digest:
            self._digest[key] = np.zeros((n_tiles, 2), dtype=np.uint64)
            self._known[key] = np.zeros(n_tiles, dtype=bool)
            self._km2[key] = np.zeros(len(self._slot_km2))
        digest, count = self._segment_digest(polys, n_tiles)
        crossed = (count > 0) & self._active
        # Tiles the boundary does not reach: wholly inside or wholly outside.
        gx0, gy0, gx1, gy1 = geom.bounds
        near = (
            self._active
            & ~crossed
            & (self._cx + self.tile / 2 >= gx0)
            & (self._cx - self.tile / 2 <= gx1)
            & (self._cy + self.tile / 2 >= gy0)
            & (self._cy - self.tile / 2 <= gy1)
        )
        cand = np.flatnonzero(near)
        shapely.prepare(geom)
        inside = cand[shapely.contains_xy(geom, self._cx[cand], self._cy[cand])]
        self._ensure_km2(inside)
        out += self._sum_slots(self._slot_km2, inside)
        self.stats["tiles_inside"] += len(inside)

        tiles = np.flatnonzero(crossed)
        known, old = self._known[key], self._digest[key]
        same = known[tiles] & (old[tiles] == digest[tiles]).all(axis=1)
        self.stats["tiles_reused"] += int(same.sum())
        changed = tiles[~same]
        if len(changed):
            self._compute(geom, changed, key)
            old[changed] = digest[changed]
            known[changed] = True
            self.stats["tiles_computed"] += len(changed)
        out += self._sum_slots(self._km2[key], tiles)
        return out

    # -- piece slots -------------------------------------------------------
    def _add_slots(self, t: int, idx: NDArray[np.intp]) -> None:
        """Give the pieces of tile ``t`` (regions ``idx``) their slots."""
        n = len(idx)
        start = self._n_slots
        if start + n > len(self._slot_region):
            size = max(2 * len(self._slot_region), start + n)
            self._slot_region = _grown(self._slot_region, size)
            self._slot_km2 = _grown(self._slot_km2, size)
            for key, values in self._km2.items():
                self._km2[key] = _grown(values, size)
        self._slot_region[start : start + n] = idx
        self._slot_start[t] = start
        self._slot_count[t] = n
        self._n_slots = start + n

    def _slots(self, tiles: NDArray[np.intp]) -> NDArray[np.intp]:
        """Slots of the pieces of ``tiles``, tile by tile, in region order."""
        counts = self._slot_count[tiles]
        first = np.cumsum(counts) - counts
        offset = np.repeat(self._slot_start[tiles] - first, counts)
        return offset + np.arange(int(counts.sum()))

    def _sum_slots(
        self, values: NDArray[np.float64], tiles: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Sum ``values`` of the pieces of ``tiles`` per region.

        Each region's terms are added in tile order (as a dense tiles ×
        regions matrix summed over its rows would be), so a figure does not
        depend on the order in which the tiles were first cut.
        """
        slots = self._slots(tiles)
        sums = np.bincount(
            self._slot_region[slots], weights=values[slots], minlength=self.n_regions
        )
        return np.asarray(sums, dtype=np.float64)

    def _segments(
        self, xy: NDArray[np.float64], ring: NDArray[np.intp]
    ) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]
    ]:
        """Ring segments in the grid and the tiles each reaches.

        Returns the start and end points of the segments that reach the grid
        and, for each (segment, tile) pair, the segment's index among them and
        the tile.
        """
        same_ring = ring[1:] == ring[:-1]
        p, q = xy[:-1][same_ring], xy[1:][same_ring]
        lo = np.minimum(p, q) - _EPS
        hi = np.maximum(p, q) + _EPS
        ix0 = np.floor((lo[:, 0] - self.x0) / self.tile).astype(np.intp)
        ix1 = np.floor((hi[:, 0] - self.x0) / self.tile).astype(np.intp)
        iy0 = np.floor((lo[:, 1] - self.y0) / self.tile).astype(np.intp)
        iy1 = np.floor((hi[:, 1] - self.y0) / self.tile).astype(np.intp)
        # Keep the part of each segment's tile range that lies in the grid.
        ix0, iy0 = np.maximum(ix0, 0), np.maximum(iy0, 0)
        ix1, iy1 = np.minimum(ix1, self.nx - 1), np.minimum(iy1, self.ny - 1)
        ok = (ix0 <= ix1) & (iy0 <= iy1)
        if not ok.all():
            p, q = p[ok], q[ok]
            ix0, ix1, iy0, iy1 = ix0[ok], ix1[ok], iy0[ok], iy1[ok]
        # Expand segments spanning several tiles into (segment, tile) pairs.
        wx, wy = ix1 - ix0 + 1, iy1 - iy0 + 1
        n = wx * wy
        if (n == 1).all():
            return p, q, np.arange(len(n)), iy0 * self.nx + ix0
        seg = np.repeat(np.arange(len(n)), n)
        k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        tx = ix0[seg] + k % wx[seg]
        ty = iy0[seg] + k // wx[seg]
        return p, q, seg, ty * self.nx + tx

    def _segment_digest(
        self, polys: NDArray[np.object_], n_tiles: int
    ) -> tuple[NDArray[np.uint64], NDArray[np.intp]]:
        """Order-free digest of the directed boundary segments reaching each tile."""
        rings = shapely.get_rings(polys)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        p, q, seg, tile = self._segments(xy, ring)
        bits = np.ascontiguousarray(np.hstack([p, q])).view(np.uint64)
        h1 = _mix(bits, _K[:4])
        h2 = _mix(bits, _K[4:])
        digest = np.zeros((n_tiles, 2), dtype=np.uint64)
        np.add.at(digest[:, 0], tile, h1[seg])
        np.add.at(digest[:, 1], tile, h2[seg])
        count = np.bincount(tile, minlength=n_tiles)
        return digest, count

    def _compute(self, geom: Geometry, tiles: NDArray[np.intp], key: str) -> None:
        """Clip ``geom`` to each tile, intersect with the region pieces, measure.

        Where the units tile the tile exactly (an oblast border crossing it),
        the last unit's km² is the clip's minus the other units' (to rounding:
        ~1e-12 of the tile), which saves one intersection.
        """
        self._cut(tiles)
        self._decide_rest(tiles)
        km2 = self._km2[key]  # after the cut, which may have grown it
        km2[self._slots(tiles)] = 0.0
        a_list: list[NDArray[np.object_]] = []
        b_list: list[NDArray[np.object_]] = []
        where_a: list[int] = []  # slots
        direct: list[Geometry] = []
        where_d: list[int] = []  # slots, -1 for the clip of a "rest" tile
        rest: list[tuple[int, int, int]] = []  # (tile, slot, index of the clip)
        for t, clipped in self._clips(geom, tiles):
            idx, pieces = self._pieces[t]
            slots = int(self._slot_start[t]) + np.arange(len(idx))
            whole = int(self._whole[t])
            if whole >= 0:
                # One region covers the tile: the clip is the answer.
                direct.append(clipped)
                where_d.append(int(slots[np.flatnonzero(idx == whole)[0]]))
                continue
            skip = self._rest.get(t, -1)
            if skip >= 0:
                slot = int(slots[np.flatnonzero(idx == skip)[0]])
                rest.append((t, slot, len(direct)))
                direct.append(clipped)
                where_d.append(-1)  # the clip's km², not a unit's
                keep = idx != skip
                slots, pieces = slots[keep], pieces[keep]
            a_list.append(pieces)
            b_list.append(np.full(len(slots), clipped, dtype=object))
            where_a += slots.tolist()
        geoms = list(direct)
        where = np.array(where_d + where_a, dtype=np.intp)
        if a_list:
            cut = shapely.intersection(np.concatenate(a_list), np.concatenate(b_list))
            geoms += list(cut)
        if not geoms:
            return
        values = _km2(np.asarray(geoms, dtype=object))
        on_unit = where >= 0
        np.add.at(km2, where[on_unit], values[on_unit])
        for t, slot, i in rest:
            start = int(self._slot_start[t])
            others = float(km2[start : start + int(self._slot_count[t])].sum())
            # Rounding can leave a hair below zero where the unit gets nothing.
            km2[slot] = max(float(values[i]) - others, 0.0)

    def _clips(
        self, geom: Geometry, tiles: NDArray[np.intp]
    ) -> list[tuple[int, Geometry]]:
        """``geom`` clipped to each of ``tiles`` that has region pieces.

        Fast rectangle clipping (row strip first, then the tile), which GEOS
        allows to return invalid rings (collapsed or touching ones, where the
        shape runs along a tile edge) or to fail on them. Such clips are
        redone as a full overlay of ``geom`` with the tile, whose output is
        valid, so every later intersection and area sees valid shapes. Each
        clip is put in canonical ring order and start, so a tile's km² depend
        on its content only: a reused tile has, to the last bit, the figure it
        would get if computed again.
        """
        xmax = self.x0 + self.nx * self.tile
        out: list[tuple[int, Geometry]] = []
        for iy in np.unique(self._iy[tiles]).tolist():
            row = [
                t
                for t in tiles[self._iy[tiles] == iy].tolist()
                if len(self._pieces[t][0])
            ]
            if not row:
                continue
            y_lo = self.y0 + iy * self.tile
            try:
                strip = shapely.clip_by_rect(
                    geom, self.x0, y_lo, xmax, y_lo + self.tile
                )
            except shapely.errors.GEOSException:
                strip = geom
            for t in row:
                try:
                    clipped = shapely.clip_by_rect(strip, *self._box(t))
                except shapely.errors.GEOSException:
                    clipped = None
                if clipped is None or not clipped.is_empty:
                    out.append((t, clipped))
        if not out:
            return out
        clips = np.array([c for _, c in out], dtype=object)
        # Failed (None) or invalid. is_valid_reason, not is_valid: shapely's
        # is_valid enters warnings.catch_warnings, and this runs in the time
        # series' measuring thread while the reading thread uses that state.
        bad = shapely.is_missing(clips)
        bad[~bad] = shapely.is_valid_reason(clips[~bad]) != _VALID
        redo = np.flatnonzero(bad)
        if len(redo):
            boxes = [shapely.box(*self._box(out[i][0])) for i in redo.tolist()]
            clips[redo] = shapely.intersection(geom, np.array(boxes, dtype=object))
            self.stats["clips_redone"] += len(redo)
        clips = shapely.normalize(clips)
        return [(t, c) for (t, _), c in zip(out, clips, strict=True) if not c.is_empty]

    def _decide_rest(self, tiles: NDArray[np.intp]) -> None:
        """Choose, once per tile, a unit to measure as the rest of the clip.

        Only where several units' pieces tile the tile exactly: their km² add
        up to the tile's and so does the km² of their union (no gap, no
        overlap), both to 1e-9. The unit with most vertices in it is chosen.
        """
        todo = [
            t
            for t in tiles.tolist()
            if t not in self._rest
            and len(self._pieces[t][0]) >= 2
            and all(p is not None for p in self._pieces[t][1])
        ]
        for t in tiles.tolist():
            self._rest.setdefault(t, -1)
        if not todo:
            return
        self._ensure_km2(np.asarray(todo, dtype=np.intp))
        unions = np.array(
            [shapely.union_all(self._pieces[t][1]) for t in todo], dtype=object
        )
        for t, union in zip(todo, _km2(unions).tolist(), strict=True):
            idx, pieces = self._pieces[t]
            box = self._box_km2(int(self._iy[t]))
            start = int(self._slot_start[t])
            total = float(self._slot_km2[start : start + len(idx)].sum())
            if abs(total - box) <= 1e-9 * box and abs(union - box) <= 1e-9 * box:
                self._rest[t] = int(idx[np.argmax(shapely.get_num_coordinates(pieces))])


def _regions_key(regions: NDArray[np.object_]) -> str:
    """Digest of the regions' geometries (WKB), in order.

    The digest of the same geometry objects is remembered (with references to
    them, so their ids cannot be reused meanwhile): ~3 ms for 82,000 vertices.
    """
    ids = tuple(map(id, regions.tolist()))
    with _SHARED_LOCK:
        known = _KEYS.get(ids)
    if known is not None:
        return known[0]
    digest = hashlib.sha256(str(len(regions)).encode())
    for wkb in shapely.to_wkb(regions).tolist():
        data = b"" if wkb is None else wkb
        digest.update(len(data).to_bytes(8, "little") + data)
    key = digest.hexdigest()
    with _SHARED_LOCK:
        _KEYS[ids] = (key, regions.copy())
        while len(_KEYS) > 4 * SHARED_SIZE:
            _KEYS.popitem(last=False)
    return key


def _grown(values: NDArray[Any], size: int) -> NDArray[Any]:
    """``values`` followed by zeros, ``size`` long."""
    out = np.zeros(size, dtype=values.dtype)
    out[: len(values)] = values
    return out


def _is_box(part: Geometry, box: tuple[float, float, float, float]) -> bool:
    """Tell whether a clipped piece is the whole tile (its four corners)."""
    if shapely.get_type_id(part) != _POLYGON or shapely.get_num_coordinates(part) != 5:
        return False
    xy = shapely.get_coordinates(part)[:4]
    x_lo, y_lo, x_hi, y_hi = box
    on_x = (xy[:, 0] == x_lo) | (xy[:, 0] == x_hi)
    on_y = (xy[:, 1] == y_lo) | (xy[:, 1] == y_hi)
    return bool(on_x.all() and on_y.all() and len({tuple(c) for c in xy}) == 4)


def _polygons(geom: Geometry) -> NDArray[np.object_]:
    polys, _ = _polygon_parts(np.array([geom], dtype=object))
    return polys


def _mix(bits: NDArray[np.uint64], k: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Hash each row of four 64-bit words (wrapping arithmetic)."""
    h = np.zeros(len(bits), dtype=np.uint64)
    for j in range(4):
        h ^= bits[:, j] * k[j]
        h = (h << np.uint64(31)) | (h >> np.uint64(33))
        h *= k[(j + 1) % 4]
    h ^= h >> np.uint64(29)
    return h & _MASK64
