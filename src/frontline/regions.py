"""Ukraine's first-level units: the embedded boundaries and name resolution.

The embedded boundaries are Natural Earth 10m admin-1 (public domain), 27 units:
24 oblasts, Kyiv City, the Autonomous Republic of Crimea and Sevastopol. Units
are identified by their ISO 3166-2 code (``UA-14`` Donetsk …); any common
spelling resolves to it (see :func:`resolve_region`). :func:`load_regions`
returns them, or the same units from another boundary set
(:mod:`frontline.boundaries`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontline._units import (
    BOUNDARY_SOURCE,
    GROUPS,
    RegionSelection,
    check_selected_units,
    embedded_units,
    from_geodataframe,
    group_label,
    region_names,
    resolve_region,
    resolve_regions,
)
from frontline.boundaries import check_boundaries
from frontline.errors import RegionNotFoundError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    import geopandas as gpd

__all__ = [
    "BOUNDARY_SOURCE",
    "GROUPS",
    "RegionSelection",
    "from_geodataframe",
    "group_label",
    "load_regions",
    "region_names",
    "resolve_region",
    "resolve_regions",
]


def load_regions(
    which: str | Iterable[str] = "six",
    *,
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Load the boundaries of Ukrainian units.

    Parameters
    ----------
    which : str or iterable of str, default "six"
        A group (``four``, ``six``, ``all``), a name or id, a comma-separated
        list, or an iterable of names and ids; see :func:`resolve_regions`.
    boundaries : GeoDataFrame, str or path, optional
        Use these boundaries instead of the embedded Natural Earth ones: a
        GeoDataFrame with a ``region_id`` column (see
        :func:`from_geodataframe`); the name of a registered boundary set
        (``"minregion-2020"``, ``"geoboundaries-adm1"``,
        ``"geoboundaries-adm1-simplified"``), downloaded once into the cache
        (see :func:`frontline.fetch.fetch_boundaries`); or the path of any
        boundary file, its features resolved to units by name or ISO id (see
        :func:`frontline.fetch.read_boundaries`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``region_id``, ``name``, ``name_uk``, ``kind``,
        ``official_area_km2`` (State Statistics Service of Ukraine) and
        ``geometry`` (EPSG:4326), one row per unit in report order.

    Raises
    ------
    RegionNotFoundError
        If a name is unknown, the boundaries lack a selected unit, or features
        of a boundary file resolve to no unit.
    ArgumentTypeError
        If ``which`` is not a string or an iterable of strings.
    GeometryError, CRSError
        If the boundaries are not polygons in longitude/latitude (see
        :func:`frontline.boundaries.check_boundaries`), or a selected unit
        has no geometry, an area outside 0.05–10 times its official area, or
        lies outside Ukraine.
    InputFileNotFoundError
        If ``boundaries`` is neither a registered set nor an existing file.
    frontline.fetch.DownloadError
        If a registered set cannot be downloaded (offline…).

    Examples
    --------
    >>> load_regions("four").name.tolist()
    ['Donetsk', 'Luhansk', 'Zaporizhzhia', 'Kherson']
    >>> len(load_regions("all"))
    27
    """
    selection = resolve_regions(which)
    source = embedded_units() if boundaries is None else check_boundaries(boundaries)
    indexed = source.set_index("region_id", drop=False)
    missing = [rid for rid in selection.ids if rid not in indexed.index]
    if missing:
        raise RegionNotFoundError(
            f"the boundaries passed have no unit {missing}; they hold "
            f"{sorted(indexed.index)}. Pass boundaries that cover the selection "
            "or select fewer regions"
        )
    out = indexed.loc[list(selection.ids)].reset_index(drop=True).copy()
    out.attrs["boundary_source"] = source.attrs.get(
        "boundary_source",
        BOUNDARY_SOURCE if boundaries is None else "user-supplied boundaries",
    )
    if boundaries is not None:
        check_selected_units(out)
    return out
