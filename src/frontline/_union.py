"""Geometry at scale: batched unions, and repairs that stay linear.

Union of many polygons, batched: only the polygons that meet are merged.

``shapely.union_all`` of 100,000 small, separate polygons takes GEOS tens of
seconds, though nothing needs merging. Here a spatial index finds the
polygons that touch or overlap; each group of them (a connected component)
is merged on its own, and polygons that meet nothing are kept as they are.
Groups do not meet each other, so the pieces form a valid MultiPolygon with
the same area as ``union_all``'s. Below :data:`BATCH_FROM` parts the plain
``union_all`` runs (the same result, bit for bit, as before batching).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np

import shapely

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from shapely import Geometry

__all__ = ["BATCH_FROM", "LARGE_REPAIR", "make_valid", "union_polygons"]

#: Polygon parts from which the union is batched.
BATCH_FROM: Final = 512
#: Vertices from which an invalid geometry is repaired by its structure (see
#: make_valid). The largest invalid polygon in the real data has 1,030.
LARGE_REPAIR: Final = 10_000
_POLYGON: Final = 3


def union_polygons(geoms: Any) -> Geometry:
    """Return the union of valid polygonal geometries (None and empty ignored).

    Examples
    --------
    >>> import shapely
    >>> union_polygons([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]).area
    2.0
    """
    arr = np.asarray(geoms, dtype=object)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if len(arr):
        parts, owner = shapely.get_parts(arr, return_index=True)
    else:
        parts, owner = arr, np.zeros(0, dtype=np.intp)
    if len(parts) < BATCH_FROM or not (shapely.get_type_id(parts) == _POLYGON).all():
        return shapely.union_all(arr)
    tree = shapely.STRtree(parts)
    left, right = tree.query(parts, predicate="intersects")
    # Parts of one (valid) geometry never overlap: only other owners count.
    keep = (left < right) & (owner[left] != owner[right])
    if not keep.any():
        return shapely.multipolygons(parts)
    labels = _components(len(parts), left[keep], right[keep])
    counts = np.bincount(labels)
    alone = counts[labels] == 1
    order = np.argsort(labels[~alone], kind="stable")
    grouped = parts[~alone][order]
    bounds = np.flatnonzero(np.diff(labels[~alone][order])) + 1
    merged = [shapely.union_all(g) for g in np.split(grouped, bounds)]
    pieces = shapely.get_parts(np.asarray(merged, dtype=object))
    pieces = pieces[shapely.get_type_id(pieces) == _POLYGON]
    return shapely.multipolygons(np.concatenate([parts[alone], pieces]))


def _components(
    n: int, left: NDArray[np.intp], right: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Label the connected components of a graph given by its edges."""
    parent = np.arange(n)

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels.astype(np.intp)


def make_valid(geoms: Any) -> NDArray[np.object_]:
    """Repair invalid geometries: ``shapely.make_valid``, kept linear in size.

    GEOS's default repair (``linework``) nodes every segment against every
    other one it meets; a self-crossing ring of 100,000 vertices takes it
    minutes. Geometries of more than :data:`LARGE_REPAIR` vertices are
    repaired by their structure instead (shells unioned, holes subtracted),
    which takes a second; on the real data's invalid polygons the two agree
    to 1e-8 km².
    """
    arr = np.asarray(geoms, dtype=object)
    large = shapely.get_num_coordinates(arr) > LARGE_REPAIR
    if not large.any():
        return np.asarray(shapely.make_valid(arr), dtype=object)
    out = np.full(len(arr), None, dtype=object)
    out[~large] = shapely.make_valid(arr[~large])
    out[large] = shapely.make_valid(
        arr[large], method="structure", keep_collapsed=False
    )
    return out
