"""Ceasefire scenarios: turn a control layer into a proposed settlement.

Each scenario takes a control layer and returns a control layer again
(normalised: :func:`frontline.control_table`, :func:`frontline.line.front_line`
and every other function work on it), so scenarios combine::

    settled = cede(withdraw(layer, ["Kharkiv", "Mykolaiv"]), "four")

What changed is recorded in the layer itself. Two columns are added to every
feature: ``baseline_status``, the status its area had before the first
scenario (``"held"`` for Ukrainian-held area that had no feature), and
``scenario``, the step that last changed it (missing where nothing changed).
:func:`scenario_changes` and :func:`scenario_table` read them back as tables
of what changes hands. ``attrs["scenario"]`` lists the steps.

The three sides are those of the report table: ``occupied`` (Russian-held,
both occupied statuses), ``contested`` and ``held`` (Ukrainian-held: no
feature, or ``liberated``).

- :func:`freeze`: the line as it is; nothing changes hands (the baseline).
- :func:`withdraw`: Russian-held area in the named regions becomes
  ``liberated`` (Ukrainian-held). Contested area stays contested.
- :func:`cede`: Ukrainian-held and contested area in the named regions
  becomes ``occupied``.
- :func:`buffer_zone`: a strip along the front line becomes ``contested``
  (neither side's), on both sides or on one.

Regions are cut with the boundary set passed as ``boundaries`` (default: the
embedded Natural Earth units); tabulate with the same boundaries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import pandas as pd

import shapely

from frontline import _validate
from frontline._table import FrontlineTable
from frontline._water import basis_units, check_basis
from frontline.areas import _overlay_km2, _polygon_parts, area_km2
from frontline.control import _NORMALISED, as_layer
from frontline.errors import OptionError
from frontline.line import (
    _buffer,
    _units_and_outline,
    front_line,
    resolve_tolerance,
    tolerance_attrs,
)
from frontline.report import check_zone_options, control_table
from frontline.status import STATUSES
from frontline.zones import UnitSet, select_units

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    import geopandas as gpd
    from shapely import Geometry

    from frontline.report import Basis
    from frontline.tolerance import Tolerance
    from frontline.zones import ZoneSpec

__all__ = [
    "BASELINE_COLUMN",
    "SIDES",
    "STEP_COLUMN",
    "BufferSide",
    "buffer_zone",
    "cede",
    "freeze",
    "scenario_changes",
    "scenario_table",
    "withdraw",
]

BufferSide = Literal["both", "ukrainian", "russian"]

#: Column with the status each feature's area had before the first scenario.
BASELINE_COLUMN: Final = "baseline_status"
#: Column with the scenario step that last changed a feature.
STEP_COLUMN: Final = "scenario"
#: The three sides of the report table, in order.
SIDES: Final = ("occupied", "contested", "held")
_HELD: Final = "held"
_SIDE_OF: Final = {
    "occupied": "occupied",
    "occupied_before_2022": "occupied",
    "contested": "contested",
    "liberated": "held",
    _HELD: "held",
}


# -- scenarios ----------------------------------------------------------------


def freeze(control: str | Path | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Freeze the conflict on the current line: each side keeps what it holds.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer (or the result of another scenario).

    Returns
    -------
    geopandas.GeoDataFrame
        The same control layer with the scenario columns; nothing changes
        hands, so :func:`scenario_table` shows the baseline.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import freeze, scenario_table
    >>> frozen = freeze(frontline.load_sample())
    >>> float(scenario_table(frozen, "four").to_held_km2.abs().max())
    0.0
    """
    layer = _prepare(control)
    return _finish(layer, layer, {"step": "freeze"}, None)


def withdraw(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = ("Kharkiv", "Mykolaiv"),
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Withdraw Russian forces from the named regions.

    The Russian-held area inside the regions becomes ``liberated``
    (Ukrainian-held); contested area there stays contested.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer (or the result of another scenario).
    regions : str or iterable of str, default ("Kharkiv", "Mykolaiv")
        A group, names or ids (see :func:`frontline.resolve_regions`).
    boundaries : GeoDataFrame, optional
        Boundaries to cut the regions from (default: embedded).
    zones : GeoDataFrame, str or path, optional
        Zones to cut instead of regions: any polygons with an id column (see
        :func:`frontline.zones.read_zones`); ``regions`` then selects zones by
        id or parent group (default: every zone).
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns.

    Returns
    -------
    geopandas.GeoDataFrame
        The control layer after the withdrawal; see :func:`scenario_table`.

    Raises
    ------
    RegionNotFoundError
        For an unknown region.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import withdraw, scenario_table
    >>> layer = frontline.load_sample()
    >>> after = withdraw(layer, "Kharkiv")
    >>> returned = scenario_table(after, "UA-63").to_held_km2[0]
    >>> russian = frontline.control_table(layer, "UA-63").occupied_km2[0]
    >>> bool(abs(returned - russian) < 1e-6 * russian)
    True
    """
    layer = _prepare(control)
    selection = _selected(
        regions,
        ("Kharkiv", "Mykolaiv"),
        boundaries,
        {
            "zones": zones,
            "zone_id": zone_id,
            "zone_name": zone_name,
            "zone_parent": zone_parent,
        },
    )
    step = _step("withdraw", selection)
    target = shapely.union_all(np.asarray(selection.frame.geometry.values))
    out = _transfer(layer, target, "liberated", {"occupied"}, _label(step))
    return _finish(layer, out, step, boundaries)


def cede(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "four",
    *,
    boundaries: gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Cede the rest of the named regions: Ukraine hands over what it holds there.

    Ukrainian-held and contested area inside the regions becomes
    ``occupied``.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer (or the result of another scenario).
    regions : str or iterable of str, default "four"
        A group, names or ids (see :func:`frontline.resolve_regions`).
    boundaries : GeoDataFrame, optional
        Boundaries to cut the regions from (default: embedded).
    zones : GeoDataFrame, str or path, optional
        Zones to cut instead of regions: any polygons with an id column (see
        :func:`frontline.zones.read_zones`); ``regions`` then selects zones by
        id or parent group (default: every zone).
    zone_id, zone_name, zone_parent : str, optional
        The zones' columns.

    Returns
    -------
    geopandas.GeoDataFrame
        The control layer after the cession; see :func:`scenario_table`.

    Raises
    ------
    RegionNotFoundError
        For an unknown region.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import cede
    >>> after = cede(frontline.load_sample(), "four")
    >>> table = frontline.control_table(after, "four")
    >>> round(float(table.occupied_pct.iloc[-1]), 6)
    100.0
    """
    layer = _prepare(control)
    selection = _selected(
        regions,
        "four",
        boundaries,
        {
            "zones": zones,
            "zone_id": zone_id,
            "zone_name": zone_name,
            "zone_parent": zone_parent,
        },
    )
    step = _step("cede", selection)
    target = shapely.union_all(np.asarray(selection.frame.geometry.values))
    out = _transfer(layer, target, "occupied", {"held", "contested"}, _label(step))
    return _finish(layer, out, step, boundaries)


def buffer_zone(
    control: str | Path | gpd.GeoDataFrame,
    width_km: float = 15.0,
    *,
    side: BufferSide = "both",
    tolerance: Tolerance | None = None,
    include_river: bool = True,
    boundaries: gpd.GeoDataFrame | None = None,
    tolerance_km: float | None = None,
) -> gpd.GeoDataFrame:
    """Create a demilitarised strip along the front line.

    The strip becomes ``contested`` (neither side's), cut to Ukraine's
    outline. With ``side="both"`` it is centred on the line (``width_km / 2``
    on each side); with ``"ukrainian"`` or ``"russian"`` it is ``width_km``
    wide on that side only.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer (or the result of another scenario).
    width_km : float, default 15
        Total width of the strip.
    side : {"both", "ukrainian", "russian"}, default "both"
        Where the strip lies relative to the line.
    tolerance : Tolerance, optional
        The geometric tolerance of the line (default
        :data:`frontline.tolerance.DEFAULT_TOLERANCE`); see
        :func:`frontline.line.front_line`. Phantom stretches of line along
        the border or around pinholes would each become a blob of strip.
    include_river : bool, default True
        Whether the strip follows the line along the lower Dnipro too.
    boundaries : GeoDataFrame, optional
        Boundaries for the line and the outline (default: embedded).
    tolerance_km : float, optional
        Deprecated; see :func:`frontline.line.front_line`.

    Returns
    -------
    geopandas.GeoDataFrame
        The control layer with the strip; :func:`scenario_table` gives its
        km² per region and per side (``to_contested_km2`` and the flows
        in :func:`scenario_changes`).

    Raises
    ------
    OptionError
        For an unknown ``side``, or a width that is not a positive number of
        km up to 1,500 (no two points of Ukraine are farther apart).

    Notes
    -----
    The strip is a buffer of the line in a local azimuthal equidistant
    projection (metres), densified, and measured on the WGS84 ellipsoid. The
    step in ``attrs["scenario"]["steps"]`` records the line's length and
    tolerance.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import buffer_zone, scenario_changes
    >>> zone = buffer_zone(frontline.load_sample(), 10, side="ukrainian")
    >>> sorted(set(scenario_changes(zone)["from"]))
    ['held']
    """
    if side not in get_args(BufferSide):
        raise OptionError(
            f"unknown side {side!r}; expected one of {get_args(BufferSide)}"
        )
    _validate.distance_km(width_km, "width_km", positive=True, example="15")
    tol = resolve_tolerance(tolerance, tolerance_km)
    layer = _prepare(control)
    line = front_line(
        layer, tolerance=tol, include_river=include_river, boundaries=boundaries
    )
    _, outline, _ = _units_and_outline(boundaries)
    half = width_km / 2 if side == "both" else width_km
    geom = shapely.union_all(np.asarray(line.geometry.values))
    strip = shapely.intersection(_buffer(geom, half), outline)
    sources = {
        "both": {"occupied", "held"},
        "ukrainian": {"held"},
        "russian": {"occupied"},
    }
    step = {
        "step": "buffer_zone",
        "width_km": float(width_km),
        "side": side,
        "line_length_km": line.attrs["length_km"],
        "tolerance": tolerance_attrs(tol)["tolerance"],
    }
    out = _transfer(layer, strip, "contested", sources[side], _label(step))
    return _finish(layer, out, step, boundaries)


# -- tables -------------------------------------------------------------------


def scenario_changes(
    control: gpd.GeoDataFrame,
    regions: str | Iterable[str] | None = None,
    *,
    basis: Basis = "geometry",
    boundaries: gpd.GeoDataFrame | None = None,
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """List what changed hands, per region, from the baseline to the scenario.

    Parameters
    ----------
    control : GeoDataFrame
        The result of one or more scenarios.
    regions : str or iterable of str, optional
        Units to report, with their group rows (see
        :func:`frontline.resolve_regions`); default: every unit where
        something changed.
    basis : {"geometry", "official", "land"}, default "geometry"
        As in :func:`frontline.control_table` (``land``: polygons minus sea
        water).
    boundaries : GeoDataFrame, optional
        The boundaries the scenario used (default: embedded).
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask (see
        :func:`frontline.load_water`).
    zones, zone_id, zone_name, zone_parent : optional
        Report per zone instead (see :func:`frontline.control_table`).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``region_id``, ``name``, ``from``, ``to`` (sides ``occupied``,
        ``contested``, ``held``), ``area_km2``, ``share_pct`` (of the
        region's area), one row per region and change. ``attrs`` lists the
        steps, the basis and the boundaries.

    Raises
    ------
    OptionError
        If the layer is not a scenario result, or for an unknown basis.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import scenario_changes, withdraw
    >>> changes = scenario_changes(withdraw(frontline.load_sample()))
    >>> changes[["region_id", "from", "to"]].values.tolist()
    [['UA-48', 'occupied', 'held'], ['UA-63', 'occupied', 'held']]
    """
    layer = _check_scenario(control)
    check_basis(basis, water)
    flows = _flow_geometries(layer)
    zone_options = {
        "zones": zones,
        "zone_id": zone_id,
        "zone_name": zone_name,
        "zone_parent": zone_parent,
    }
    units, groups, name_of = _units(regions, boundaries, flows, zone_options)
    units = basis_units(units, basis, water)
    km2 = _overlay_km2(units, flows) if flows else pd.DataFrame(index=units.region_id)
    area = pd.Series(area_km2(units.geometry), index=units.region_id.to_numpy())
    if basis == "official":
        check_zone_options(zones, None, basis=basis)
        scale = units.official_area_km2.to_numpy(dtype=float) / area.to_numpy()
        km2 = km2.mul(scale, axis=0)
        area = pd.Series(
            units.official_area_km2.to_numpy(dtype=float), index=area.index
        )
    names = dict(zip(units.region_id, units.name, strict=True))
    rows = []
    for rid in units.region_id:
        for key in flows:
            value = float(km2.loc[rid, key])
            if regions is None and value <= 0:
                continue
            src, dst = key.split(">")
            rows.append(
                {
                    "region_id": rid,
                    "name": names[rid],
                    "from": src,
                    "to": dst,
                    "area_km2": value,
                    "share_pct": 100 * value / float(area[rid]),
                }
            )
    for group, members in groups.items():
        for key in flows:
            src, dst = key.split(">")
            value = float(km2.loc[list(members), key].sum())
            if regions is None and value <= 0:
                continue
            rows.append(
                {
                    "region_id": group,
                    "name": name_of(group),
                    "from": src,
                    "to": dst,
                    "area_km2": value,
                    "share_pct": 100 * value / float(area.loc[list(members)].sum()),
                }
            )
    columns = ["region_id", "name", "from", "to", "area_km2", "share_pct"]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(_table_attrs(layer, basis, boundaries, units))
    return out


def scenario_table(
    control: gpd.GeoDataFrame,
    regions: str | Iterable[str] = "six",
    *,
    basis: Basis = "geometry",
    boundaries: gpd.GeoDataFrame | None = None,
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    zones: ZoneSpec | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tabulate each side's km² before and after the scenario, per region.

    Parameters
    ----------
    control : GeoDataFrame
        The result of one or more scenarios.
    regions : str or iterable of str, default "six"
        Units and groups to report, as in :func:`frontline.control_table`.
    basis : {"geometry", "official", "land"}, default "geometry"
        As in :func:`frontline.control_table` (``land``: polygons minus sea
        water).
    boundaries : GeoDataFrame, optional
        The boundaries the scenario used (default: embedded).
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask (see
        :func:`frontline.load_water`).
    zones, zone_id, zone_name, zone_parent : optional
        Report per zone instead (see :func:`frontline.control_table`).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`frontline.control_table`, columns ``region_id``,
        ``name``, ``area_km2``, ``before_occupied_km2``,
        ``before_contested_km2``, ``before_held_km2``, ``after_occupied_km2``,
        ``after_contested_km2``, ``after_held_km2``, then the gross area that
        went to each side, ``to_occupied_km2``, ``to_contested_km2``,
        ``to_held_km2``, and the same as ``*_pct`` of the region's area.
        ``occupied`` is Russian-held, ``held`` Ukrainian-held.

    Raises
    ------
    OptionError
        If the layer is not a scenario result, or for an unknown basis.

    Examples
    --------
    >>> import frontline
    >>> from frontline.scenarios import cede, scenario_table
    >>> table = scenario_table(cede(frontline.load_sample(), "four"), "four")
    >>> row = table.set_index("region_id").loc["four"]
    >>> bool(abs(row.to_occupied_km2 - row.before_held_km2) < 1e-6 * row.area_km2)
    True
    """
    layer = _check_scenario(control)
    options: dict[str, Any] = {
        "basis": basis,
        "boundaries": boundaries,
        "water": water,
        "zones": zones,
        "zone_id": zone_id,
        "zone_name": zone_name,
        "zone_parent": zone_parent,
    }
    before = control_table(_baseline(layer), regions, **options)
    after = control_table(layer, regions, **options)
    changes = scenario_changes(layer, regions, **options)
    out = pd.DataFrame(
        {
            "region_id": after.region_id,
            "name": after.name,
            "area_km2": after.area_km2,
        }
    )
    for when, table in (("before", before), ("after", after)):
        for what in SIDES:
            out[f"{when}_{what}_km2"] = table[f"{what}_km2"].to_numpy()
    inflow = changes.groupby(["region_id", "to"]).area_km2.sum()
    for what in SIDES:
        out[f"to_{what}_km2"] = [
            float(inflow.get((rid, what), 0.0)) for rid in out.region_id
        ]
    for what in SIDES:
        out[f"to_{what}_pct"] = 100 * out[f"to_{what}_km2"] / out.area_km2
    out = FrontlineTable(out)
    out.attrs.update(_table_attrs(layer, basis, boundaries, None))
    if "water" in after.attrs:
        out.attrs["water"] = after.attrs["water"]
    out.attrs["date"] = after.attrs.get("date")
    out.attrs["source"] = after.attrs.get("source")
    out.attrs["illustrative"] = after.attrs.get("illustrative", False)
    return out


# -- internals ----------------------------------------------------------------


def _prepare(control: str | Path | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy a layer, normalised, with the scenario columns."""
    source = as_layer(control)
    layer = source.copy()
    layer.attrs = dict(source.attrs)
    if BASELINE_COLUMN not in layer.columns:
        layer[BASELINE_COLUMN] = layer.status.astype(object)
    if STEP_COLUMN not in layer.columns:
        layer[STEP_COLUMN] = pd.Series(
            [None] * len(layer), index=layer.index, dtype=object
        )
    return layer


def _check_scenario(control: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not (
        isinstance(control, gpd.GeoDataFrame)
        and "scenario" in control.attrs
        and BASELINE_COLUMN in control.columns
    ):
        raise OptionError(
            f"expected the result of a scenario (freeze, withdraw, cede, "
            f"buffer_zone), got {type(control).__name__} without scenario records; "
            "wrap a plain control layer in freeze(...) first"
        )
    return control


def _selected(
    regions: str | Iterable[str] | None,
    default: str | Iterable[str] | None,
    boundaries: gpd.GeoDataFrame | None,
    zone_options: dict[str, Any],
) -> UnitSet:
    check_zone_options(zone_options["zones"], boundaries)
    return select_units(regions, default=default, boundaries=boundaries, **zone_options)


def _step(name: str, selection: UnitSet) -> dict[str, Any]:
    step: dict[str, Any] = {"step": name, "regions": list(selection.ids)}
    if selection.zones is not None:
        step["zones"] = selection.source
    return step


def _label(step: dict[str, Any]) -> str:
    name = str(step["step"])
    if "regions" in step:
        ids = step["regions"]
        shown = ", ".join(ids[:5]) + (
            f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        )
        return f"{name}: {shown}"
    if name == "buffer_zone":
        return f"buffer_zone: {step['width_km']:g} km, {step['side']}"
    return name


def _polygonal(geom: Geometry) -> Geometry:
    """Keep the polygonal part of an overlay result, as a (Multi)Polygon."""
    if geom is None or geom.is_empty:
        return shapely.MultiPolygon()
    polys, _ = _polygon_parts(np.asarray([geom], dtype=object))
    polys = polys[shapely.area(polys) > 0]
    if len(polys) == 0:
        return shapely.MultiPolygon()
    return shapely.orient_polygons(shapely.multipolygons(polys))


def _transfer(
    layer: gpd.GeoDataFrame,
    target: Geometry,
    to_status: str,
    from_sides: set[str],
    label: str,
) -> gpd.GeoDataFrame:
    """Give the area of ``target`` on ``from_sides`` the status ``to_status``."""
    import geopandas as gpd

    geoms = np.asarray(layer.geometry.values, dtype=object).copy()
    sides = np.array([_SIDE_OF[s] for s in layer.status])
    shapely.prepare(target)
    hit = np.isin(sides, list(from_sides)) & shapely.intersects(geoms, target)
    moved = []
    for i in np.flatnonzero(hit):
        inside = _polygonal(shapely.intersection(geoms[i], target))
        geoms[i] = _polygonal(shapely.difference(geoms[i], target))
        if not inside.is_empty:
            row = layer.iloc[i].copy()
            row["status"] = to_status
            row[STEP_COLUMN] = label
            moved.append((row, inside))
    if _HELD in from_sides:
        covered = shapely.union_all(np.asarray(layer.geometry.values))
        free = _polygonal(shapely.difference(target, covered))
        if not free.is_empty:
            row = pd.Series(
                {c: None for c in layer.columns if c != layer.geometry.name}
            )
            row["status"] = to_status
            row[BASELINE_COLUMN] = _HELD
            row[STEP_COLUMN] = label
            moved.append((row, free))
    kept = layer.copy()
    kept[kept.geometry.name] = geoms
    kept = kept.loc[~shapely.is_empty(geoms)]
    if moved:
        extra = gpd.GeoDataFrame(
            [r.drop(labels=[layer.geometry.name], errors="ignore") for r, _ in moved],
            geometry=[g for _, g in moved],
            crs="EPSG:4326",
        )
        if extra.geometry.name != layer.geometry.name:
            extra = extra.rename_geometry(layer.geometry.name)
        kept = pd.concat([kept, extra[kept.columns]], ignore_index=True)
    return gpd.GeoDataFrame(kept, geometry=layer.geometry.name, crs="EPSG:4326")


def _finish(
    before: gpd.GeoDataFrame,
    layer: gpd.GeoDataFrame,
    step: dict[str, Any],
    boundaries: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    _, _, source = _units_and_outline(boundaries)
    previous = before.attrs.get("scenario", {})
    steps = [*previous.get("steps", []), {**step, "boundaries": source}]
    out = layer.reset_index(drop=True)
    out.attrs = {k: v for k, v in before.attrs.items() if k != "scenario"}
    out.attrs["scenario"] = {
        "steps": steps,
        "baseline_date": previous.get("baseline_date", _iso(before.attrs.get("date"))),
        "baseline_source": previous.get("baseline_source", before.attrs.get("source")),
    }
    out.attrs[_NORMALISED] = True
    return out


def _iso(date: Any) -> Any:
    return date.isoformat() if isinstance(date, dt.date) else date


def _baseline(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rebuild the layer as it was before the first scenario (normalised)."""
    mask = layer[BASELINE_COLUMN].isin(list(STATUSES)).to_numpy()
    base = layer.loc[mask].copy()
    base["status"] = base[BASELINE_COLUMN]
    base.attrs = dict(layer.attrs)
    base.attrs[_NORMALISED] = True
    return base


def _flow_geometries(layer: gpd.GeoDataFrame) -> dict[str, Geometry]:
    """Geometry of each change of side, keyed ``"from>to"``."""
    before = layer[BASELINE_COLUMN].map(_SIDE_OF)
    after = layer.status.map(_SIDE_OF)
    changed = (before != after).to_numpy()
    flows: dict[str, Geometry] = {}
    geoms = np.asarray(layer.geometry.values, dtype=object)
    for src in SIDES:
        for dst in SIDES:
            mask = changed & (before == src).to_numpy() & (after == dst).to_numpy()
            if mask.any():
                flows[f"{src}>{dst}"] = shapely.union_all(geoms[mask])
    return flows


def _units(
    regions: str | Iterable[str] | None,
    boundaries: gpd.GeoDataFrame | None,
    flows: dict[str, Geometry],
    zone_options: dict[str, Any],
) -> tuple[gpd.GeoDataFrame, dict[str, tuple[str, ...]], Any]:
    """Return the units to report, their groups and the groups' names."""
    if regions is not None or zone_options["zones"] is not None:
        # Every zone (rows without change are left out), or the selection.
        selection = _selected(regions, None, boundaries, zone_options)
        return selection.frame, selection.groups, selection.label
    units, _, _ = _units_and_outline(boundaries)
    if not flows:
        return units.iloc[:0], {}, str
    changed = shapely.union_all(np.asarray(list(flows.values()), dtype=object))
    touched = shapely.intersects(np.asarray(units.geometry.values), changed)
    return units.loc[touched].reset_index(drop=True), {}, str


def _table_attrs(
    layer: gpd.GeoDataFrame,
    basis: str,
    boundaries: gpd.GeoDataFrame | None,
    units: gpd.GeoDataFrame | None,
) -> dict[str, Any]:
    _, _, source = _units_and_outline(boundaries)
    scenario = layer.attrs["scenario"]
    attrs = {
        "steps": [dict(s) for s in scenario["steps"]],
        "baseline_date": scenario.get("baseline_date"),
        "baseline_source": scenario.get("baseline_source"),
        "basis": basis,
        "boundaries": source,
    }
    if units is not None and "water_source" in units.attrs:
        attrs["water"] = units.attrs["water_source"]
    return attrs
