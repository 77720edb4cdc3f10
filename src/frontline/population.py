"""People living in each zone of control: per region, or inside any area.

Populations are GeoNames figures (see
:data:`frontline.settlements.POPULATION_CAVEAT`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely

from frontline import _validate
from frontline._places import (
    gazetteer_attrs,
    population_text,
    select_places,
)
from frontline.areas import _as_array
from frontline.errors import (
    CRSError,
    OptionError,
)
from frontline.regions import group_label, region_names, resolve_regions
from frontline.settlements import settlements_status
from frontline.zones import select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from numpy.typing import NDArray

    import geopandas as gpd

__all__ = ["POPULATION_COLUMNS", "population_in", "population_table"]

log = logging.getLogger(__name__)

#: The population table's columns, in order (``occupied`` = Russian-held and
#: ``held`` = Ukrainian-held, as in the report table).
POPULATION_COLUMNS: Final = [
    "region_id",
    "name",
    "places",
    "population",
    "occupied_population",
    "contested_population",
    "held_population",
    "occupied_pct",
    "contested_pct",
    "held_pct",
    "occupied_places",
    "contested_places",
    "held_places",
    "unknown_population_places",
]


_ZONE_PREFIX: Final = {
    "russian_held": "occupied",
    "contested": "contested",
    "ukrainian_held": "held",
}


def population_table(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "four",
    *,
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Count places and people per zone and region: the report's companion.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads.
    regions : str or iterable of str, default "four"
        A group (``four``, ``six``, ``all``), names or ids, as for
        :func:`frontline.control_table`; group rows follow the region rows.
    min_population, include_parts, settlements
        Which places to count; see :func:`settlements_status`.
    zones : GeoDataFrame, str or path, optional
        Count per zone instead of per region (see
        :func:`frontline.control_table`): each place in the first zone that
        holds its point; rows per zone, then per parent group.
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns (see :func:`frontline.zones.read_zones`).

    Returns
    -------
    pandas.DataFrame
        One row per region, then one per named group inside the selection,
        columns :data:`POPULATION_COLUMNS`: ``places`` and ``population``
        (listed places and the sum of their known populations), the same per
        zone (``occupied_*`` Russian-held, ``contested_*``, ``held_*``
        Ukrainian-held) and ``*_pct`` (shares of ``population``), and
        ``unknown_population_places``. ``attrs`` records the layer's date and
        source and the gazetteer's attribution and population caveat.

    Raises
    ------
    RegionNotFoundError
        For an unknown region.

    Examples
    --------
    >>> import frontline
    >>> table = population_table(frontline.load_sample(), "four")
    >>> table.region_id.tolist()
    ['UA-14', 'UA-09', 'UA-23', 'UA-65', 'four']
    >>> bool(table.occupied_population.iloc[-1] > 0)
    True
    """
    which: dict[str, Any] = {
        "min_population": min_population,
        "include_parts": include_parts,
        "settlements": settlements,
    }
    extra: dict[str, Any] = {}
    if zones is None:
        selection = resolve_regions(regions)
        status = settlements_status(control, regions=selection.ids, **which)
        ids, key = list(selection.ids), "region_id"
        groups, label = selection.groups, group_label
        names = region_names().set_index("region_id")["name"].to_dict()
    else:
        zoned = select_units(
            regions,
            default="four",
            zones=zones,
            zone_id=zone_id,
            zone_name=zone_name,
            zone_parent=zone_parent,
        )
        status = settlements_status(control, zones=zoned.frame, **which)
        ids, key = list(zoned.ids), "zone_id"
        groups, label = zoned.groups, zoned.label
        names = dict(zip(zoned.frame.region_id, zoned.frame.name, strict=True))
        extra = zoned.attrs()
    pop = status["population"].astype("Float64").fillna(0).astype(float)
    frame = pd.DataFrame(
        {
            "region_id": status[key].to_numpy(),
            "zone": status["zone"].to_numpy(),
            "population": pop.to_numpy(),
            "unknown": status["population"].isna().to_numpy(),
        }
    )
    rows = pd.DataFrame(index=pd.Index(ids, name="region_id"))
    grouped = frame.groupby("region_id")
    rows["places"] = grouped.size().reindex(ids, fill_value=0)
    rows["population"] = grouped["population"].sum().reindex(ids, fill_value=0)
    rows["unknown_population_places"] = (
        grouped["unknown"].sum().reindex(ids, fill_value=0)
    )
    by_zone = frame.groupby(["region_id", "zone"])
    zone_pop = by_zone["population"].sum()
    zone_n = by_zone.size()
    for zone, prefix in _ZONE_PREFIX.items():
        rows[f"{prefix}_population"] = [
            float(zone_pop.get((rid, zone), 0.0)) for rid in ids
        ]
        rows[f"{prefix}_places"] = [int(zone_n.get((rid, zone), 0)) for rid in ids]
    rows.insert(0, "name", [names[rid] for rid in ids])
    rows = rows.reset_index()
    parts = [rows]
    for group, members in groups.items():
        sums = rows.set_index("region_id").loc[list(members)].select_dtypes("number")
        parts.append(
            pd.DataFrame([{"region_id": group, "name": label(group), **sums.sum()}])
        )
    out = pd.concat(parts, ignore_index=True)
    for prefix in _ZONE_PREFIX.values():
        out[f"{prefix}_pct"] = np.where(
            out["population"] > 0,
            100
            * out[f"{prefix}_population"]
            / out["population"].where(out["population"] > 0, 1),
            np.nan,
        )
    count_cols = [c for c in POPULATION_COLUMNS if c.endswith("places")]
    out[count_cols] = out[count_cols].astype(int)
    pop_cols = [c for c in POPULATION_COLUMNS if c.endswith("population")]
    out[pop_cols] = out[pop_cols].round().astype("int64")
    out = out[POPULATION_COLUMNS]
    out.attrs.clear()
    out.attrs.update(
        {
            "date": status.attrs.get("date"),
            "source": status.attrs.get("source"),
            "regions": ids,
            "method": "each place counted in the zone of its GeoNames point",
            **gazetteer_attrs(),
            **extra,
        }
    )
    return out


def _area_geometries(
    areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Iterable[Any],
    by: str | None,
) -> tuple[NDArray[np.object_], list[Any], str]:
    import geopandas as gpd

    if isinstance(areas, gpd.GeoDataFrame):
        _validate.geoframe(areas, "areas", what="polygons to count places in")
        if by is not None and by not in areas.columns:
            raise OptionError(
                f"column {by!r} not found in areas; it has {list(areas.columns)}"
            )
        keys = list(areas[by]) if by is not None else list(areas.index)
        series = areas.geometry
    elif by is not None:
        raise OptionError(
            f"by={by!r} needs a GeoDataFrame with that column, got "
            f"{type(areas).__name__}"
        )
    elif isinstance(areas, gpd.GeoSeries):
        keys, series = list(areas.index), areas
    elif isinstance(areas, shapely.Geometry):
        return np.array([areas], dtype=object), [0], "area"
    else:
        geoms = _as_array(areas)  # refuses what is not geometries
        return geoms, list(range(len(geoms))), "area"
    if series.crs is None or not series.crs.equals("EPSG:4326"):
        raise CRSError(
            f"areas must be in EPSG:4326 (lon/lat), got {series.crs}; reproject "
            "them with .to_crs('EPSG:4326')"
        )
    return np.asarray(series.values, dtype=object), keys, by or "area"


def population_in(
    areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Iterable[Any],
    *,
    by: str | None = None,
    per_region: bool = False,
    regions: str | Iterable[str] | None = "all",
    min_population: int | None = None,
    include_parts: bool = False,
    settlements: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Count the places and people inside any polygons (scenario areas …).

    Parameters
    ----------
    areas : GeoDataFrame, GeoSeries, shapely geometry or list of geometries
        Polygons in lon/lat (EPSG:4326), e.g. the areas a ceasefire scenario
        hands over, a buffer zone, or a control layer.
    by : str, optional
        A column of ``areas`` whose values group the features (``"kind"``,
        ``"status"`` …). Default: each feature on its own, keyed by its index.
    per_region : bool, default False
        Break each area down by region (only regions with places are listed).
    regions, min_population, include_parts, settlements
        Which places to count; see :func:`settlements_status`.

    Returns
    -------
    pandas.DataFrame
        One row per key (``by``'s values, else ``area`` = the feature's index,
        in order of first appearance; areas with no place get zeros), or per
        key and region with ``per_region=True`` (``region_id``,
        ``region_name`` added): ``places``, ``population`` (sum of known
        populations), ``unknown_population_places``, ``largest_places`` (the
        three most populous, "name (population)"). A place on an area's
        boundary is inside it; a place in several features of one key counts
        once.

    Raises
    ------
    CRSError
        If ``areas`` is not in EPSG:4326.
    OptionError
        If ``by`` is not a column of ``areas``, or an area is not a polygon.

    Examples
    --------
    >>> import shapely
    >>> from frontline import find_settlement
    >>> kramatorsk = find_settlement("Kramatorsk").geometry
    >>> population_in(kramatorsk.buffer(0.02))[["places", "population"]].values
    array([[     1, 147145]])
    """
    geoms, keys, key_name = _area_geometries(areas, by)
    kinds = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    if kinds - {3, 6, 7}:  # Polygon, MultiPolygon, GeometryCollection
        raise OptionError(
            "areas must be polygons; got geometry types "
            f"{sorted(set(shapely.get_type_id(geoms).tolist()))} (shapely type ids)"
            ". Buffer lines or points first"
        )
    places = select_places(settlements, regions, min_population, include_parts)
    points = np.asarray(places.geometry.values, dtype=object)
    key_codes, unique_keys = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    pairs = pd.DataFrame(columns=["key", "place"], dtype=int)
    if len(points) and len(geoms):
        tree = shapely.STRtree(points)
        present = np.flatnonzero(~shapely.is_missing(geoms))
        shapely.prepare(geoms[present])
        area_idx, place_idx = tree.query(geoms[present], predicate="intersects")
        pairs = pd.DataFrame(
            {"key": key_codes[present[area_idx]], "place": place_idx}
        ).drop_duplicates()
    info = pd.DataFrame(places[["name", "region_id", "region_name", "population"]])
    info = info.reset_index(drop=True)
    hits = pairs.join(info, on="place")
    group_cols = ["key", "region_id", "region_name"] if per_region else ["key"]
    records = []
    for group, part in hits.groupby(group_cols, sort=False, dropna=False):
        label = group if isinstance(group, tuple) else (group,)
        ranked = part.sort_values("population", ascending=False, na_position="last")
        largest = [
            f"{n} ({population_text(p)})"
            for n, p in zip(
                ranked["name"].head(3), ranked["population"].head(3), strict=True
            )
            if not pd.isna(p)
        ]
        records.append(
            {
                **dict(zip(group_cols, label, strict=True)),
                "places": len(part),
                "population": int(part["population"].fillna(0).sum()),
                "unknown_population_places": int(part["population"].isna().sum()),
                "largest_places": "; ".join(largest),
            }
        )
    columns = [
        *group_cols,
        "places",
        "population",
        "unknown_population_places",
        "largest_places",
    ]
    out = pd.DataFrame(records, columns=columns)
    if not per_region:
        out = out.set_index("key").reindex(range(len(unique_keys))).reset_index()
        out[["places", "population", "unknown_population_places"]] = (
            out[["places", "population", "unknown_population_places"]]
            .fillna(0)
            .astype(int)
        )
        out["largest_places"] = out["largest_places"].fillna("")
    else:
        out = out.sort_values(["key", "region_id"], kind="stable")
    out.insert(0, key_name, [unique_keys[k] for k in out["key"]])
    out = out.drop(columns="key").reset_index(drop=True)
    out.attrs.update(gazetteer_attrs())
    return out
