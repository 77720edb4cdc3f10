"""The report table: who holds how much of each region (contract in DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely

from frontline._table import FrontlineTable
from frontline._water import Basis, basis_units, check_basis
from frontline.areas import _km2, _overlay_km2, clipped_km2
from frontline.control import as_layer, status_union
from frontline.errors import OptionError
from frontline.status import PRECEDENCE, RUSSIAN_HELD
from frontline.zones import UnitSet, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    import geopandas as gpd

__all__ = [
    "NO_SPLIT_NOTE",
    "REPORT_COLUMNS",
    "Basis",
    "check_zone_options",
    "control_table",
    "pre_2022_split",
]

#: The report's columns, in contract order.
REPORT_COLUMNS: Final = [
    "region_id",
    "name",
    "area_km2",
    "occupied_km2",
    "contested_km2",
    "held_km2",
    "occupied_pct",
    "contested_pct",
    "held_pct",
]
_EXTRA: Final = ["occupied_since_2022_km2", "occupied_before_2022_km2", "liberated_km2"]
METHOD: Final = (
    "area on the WGS84 ellipsoid (exact integral for edges straight in lon/lat, "
    "= EPSG:6933 equal-area; cross-checked with pyproj.Geod), control clipped to "
    "each region; overlapping statuses counted once by precedence "
    + " > ".join(PRECEDENCE)
)


def control_table(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "four",
    *,
    basis: Basis = "geometry",
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tabulate Russian-held, contested and Ukrainian-held area per region.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer; anything :func:`frontline.read_control` reads (a
        GeoDataFrame that is not yet normalised is read with its defaults).
    regions : str or iterable of str, default "four"
        A group (``four``, ``six``, ``all``), names or ids; see
        :func:`frontline.resolve_regions`.
    basis : {"geometry", "official", "land"}, default "geometry"
        ``geometry``: km² of the boundary polygons. ``official``: each
        region's km² scaled to its official area (State Statistics Service of
        Ukraine); shares are unchanged. ``land``: each region's polygon minus
        sea water (``water``), for its area and for every status's km²; with
        the Minregion boundaries this reproduces DeepState's per-oblast
        shares (see the boundaries page of the docs).
    boundaries : GeoDataFrame, str or path, optional
        Boundaries to use instead of the embedded Natural Earth ones: a
        GeoDataFrame (see :func:`frontline.regions.from_geodataframe`), a
        registered set (``"minregion-2020"`` …, downloaded once) or a boundary
        file; see :func:`frontline.load_regions`.
    water : path or GeoDataFrame, optional
        With ``basis="land"``: the sea mask to take out, instead of the
        embedded one (Natural Earth 10m, public domain) — any polygon file or
        GeoDataFrame of sea water, e.g. an OpenStreetMap-derived coastline;
        see :func:`frontline.load_water`.
    zones : GeoDataFrame, str or path, optional
        Measure these zones instead of the regions: any polygons with an id
        column, in any CRS, or a registered zone set (see
        :func:`frontline.zones.read_zones`). Rows: one per zone
        (``region_id`` = its id, ``name`` = its name), then one per group of
        each parent level. ``regions`` then selects zones (by id, parent
        group or unique name); left at its default, every zone. With
        ``basis="land"`` each zone's sea is taken out.
    zone_id, zone_name, zone_parent : str, optional
        The zones' id column, name column and parent columns (finest first),
        see :func:`frontline.zones.read_zones`.

    Returns
    -------
    pandas.DataFrame
        One row per region, then one per named group inside the selection
        (``six`` adds ``four`` and ``six``), columns ``region_id, name,
        area_km2, occupied_km2, contested_km2, held_km2, occupied_pct,
        contested_pct, held_pct``, then ``occupied_since_2022_km2``,
        ``occupied_before_2022_km2``, ``liberated_km2``. ``occupied`` is
        Russian-held (both occupied statuses); ``held`` is Ukrainian-held =
        area − occupied − contested. Percentages are of ``area_km2``.
        ``attrs`` records ``date``, ``source``, ``method``, ``basis``,
        ``boundaries``, ``control_area_km2`` (the layer's own km² per status
        before clipping, to compare with a source's published total) and
        ``control_outside_boundaries_km2`` (what fell outside every unit);
        under ``basis="land"`` also ``water`` (the mask's source) and
        ``water_removed_km2`` (sea km² taken out of each region); with zones,
        ``zones`` (the columns used and the checks of the set).

    Raises
    ------
    OptionError
        For an unknown ``basis``, or ``water`` without ``basis="land"``; for
        ``basis="official"`` or ``boundaries`` with zones (zones have no
        official area and replace the regions).
    RegionNotFoundError
        For an unknown region.
    CRSError, GeometryError, InputFileNotFoundError
        For a ``water`` mask that is not sea polygons in lon/lat near Ukraine
        (see :func:`frontline.load_water`).

    Examples
    --------
    >>> import frontline
    >>> table = control_table(frontline.load_sample(), "four")
    >>> table.region_id.tolist()
    ['UA-14', 'UA-09', 'UA-23', 'UA-65', 'four']
    >>> bool((table.occupied_pct + table.contested_pct + table.held_pct - 100)
    ...      .abs().max() < 1e-9)
    True
    """
    check_basis(basis, water)
    check_zone_options(zones, boundaries, basis=basis)
    layer = as_layer(control)
    selection = select_units(
        regions,
        default="four",
        boundaries=boundaries,
        zones=zones,
        zone_id=zone_id,
        zone_name=zone_name,
        zone_parent=zone_parent,
    )
    units = basis_units(selection.frame, basis, water)

    status_geoms = {status: status_union(layer, [status]) for status in PRECEDENCE}
    km2 = _overlay_km2(units, status_geoms)
    area = pd.Series(
        _km2(np.asarray(units.geometry.values, dtype=object)),
        index=km2.index,
    )
    table = pd.DataFrame(
        {
            "region_id": units.region_id.to_numpy(),
            "name": units.name.to_numpy(),
            "area_km2": area.to_numpy(),
            "occupied_since_2022_km2": km2["occupied"].to_numpy(),
            "occupied_before_2022_km2": km2["occupied_before_2022"].to_numpy(),
            "contested_km2": km2["contested"].to_numpy(),
            "liberated_km2": km2["liberated"].to_numpy(),
        }
    )
    _clamp_to_area(table)
    if basis == "official":
        scale = (
            units.official_area_km2.to_numpy(dtype=float) / table.area_km2.to_numpy()
        )
        for col in [c for c in table.columns if c.endswith("_km2")]:
            table[col] = table[col] * scale
    rows = [table]
    for group, members in selection.groups.items():
        part = table.set_index("region_id").loc[list(members)]
        sums = part.select_dtypes("number").sum()
        rows.append(
            pd.DataFrame([{"region_id": group, "name": selection.label(group), **sums}])
        )
    out = pd.concat(rows, ignore_index=True)
    out["occupied_km2"] = out[
        [f"{s}_km2" for s in ("occupied_since_2022", "occupied_before_2022")]
    ].sum(axis=1)
    out["held_km2"] = out.area_km2 - out.occupied_km2 - out.contested_km2
    for what in ("occupied", "contested", "held"):
        out[f"{what}_pct"] = 100 * out[f"{what}_km2"] / out.area_km2
    split = pre_2022_split(layer)
    if not split:  # not 0: the map does not say (empty in CSV, null in JSON)
        out[["occupied_since_2022_km2", "occupied_before_2022_km2"]] = np.nan
    out = FrontlineTable(out[[*REPORT_COLUMNS, *_EXTRA]])
    out.attrs.clear()
    out.attrs.update(_report_attrs(layer, status_geoms, basis, selection))
    out.attrs["pre_2022_split"] = split
    if not split:
        out.attrs["notes"] = [*out.attrs.get("notes", []), NO_SPLIT_NOTE]
    if basis == "land":
        out.attrs["water"] = units.attrs["water_source"]
        out.attrs["water_removed_km2"] = units.attrs["water_removed_km2"]
    return out


def check_zone_options(
    zones: object, boundaries: object, *, basis: str = "geometry"
) -> None:
    """Refuse options that make no sense with zones."""
    if zones is None:
        return
    if boundaries is not None:
        raise OptionError(
            "boundaries= and zones= both say what to measure; pass one (zones "
            "replace the regions and their boundaries)"
        )
    if basis == "official":
        raise OptionError(
            "basis='official' scales each region to its official area; zones have "
            "none. Use basis='geometry' (or 'land') with zones"
        )


#: Why the since-2022 / before-2022 columns are empty for some maps.
NO_SPLIT_NOTE: Final = (
    "this map does not separate the areas held before 24 Feb 2022 from those "
    "taken since (e.g. the DeepState union archive), so occupied_since_2022_km2 "
    "and occupied_before_2022_km2 are not available; occupied_km2 holds all "
    "Russian-held area"
)


def pre_2022_split(layer: gpd.GeoDataFrame) -> bool:
    """Tell whether a control layer separates pre-2022 from later Russian-held area.

    The source adapter says so in ``attrs["pre_2022_split"]`` when it knows
    (the DeepState union archive does not separate them); otherwise a layer
    separates them when it has ``occupied_before_2022`` polygons.
    """
    known = layer.attrs.get("pre_2022_split")
    if known is not None:
        return bool(known)
    return bool((layer["status"] == "occupied_before_2022").any())


def _clamp_to_area(table: pd.DataFrame) -> None:
    """Keep Russian-held + contested within the region's area.

    Clipping adds vertices, so the pieces of a fully covered region can measure
    a few 1e-9 of its area more than the region itself. That noise is taken off
    the statuses so that the three shares add up to exactly 100 %.
    """
    russian = table.occupied_since_2022_km2 + table.occupied_before_2022_km2
    over = russian > table.area_km2
    if over.any():
        scale = (table.area_km2 / russian).where(over, 1.0)
        for col in ("occupied_since_2022_km2", "occupied_before_2022_km2"):
            table[col] = table[col] * scale
        russian = russian.where(~over, table.area_km2)
    table["contested_km2"] = np.minimum(table.contested_km2, table.area_km2 - russian)


def _report_attrs(
    layer: gpd.GeoDataFrame,
    status_geoms: dict[str, Any],
    basis: str,
    selection: UnitSet,
) -> dict[str, Any]:
    statuses = [
        s
        for s in PRECEDENCE
        if status_geoms[s] is not None and not status_geoms[s].is_empty
    ]
    geoms = np.asarray([status_geoms[s] for s in statuses], dtype=object)
    totals = _km2(geoms)
    outline = selection.outline()
    if (shapely.get_num_geometries(geoms) < 512).all():
        inside = _km2(shapely.intersection(geoms, outline))
    else:  # many parts: clipped part by part (see areas.clipped_km2)
        frame = np.array([outline], dtype=object)
        inside = np.array([clipped_km2(frame, g)[0] for g in geoms])
    russian = sum(t for s, t in zip(statuses, totals, strict=True) if s in RUSSIAN_HELD)
    date = layer.attrs.get("date")
    return {
        "date": date.isoformat() if isinstance(date, dt.date) else date,
        "source": layer.attrs.get("source"),
        "illustrative": bool(layer.attrs.get("illustrative", False)),
        "method": METHOD,
        "basis": basis,
        "boundaries": selection.source,
        "regions": list(selection.ids),
        "control_area_km2": {
            s: round(float(t), 3) for s, t in zip(statuses, totals, strict=True)
        },
        "control_russian_held_km2": round(float(russian), 3),
        "control_outside_boundaries_km2": {
            s: round(float(t - i), 3)
            for s, t, i in zip(statuses, totals, inside, strict=True)
        },
        "repairs": layer.attrs.get("repairs", []),
        **selection.attrs(),
    }
