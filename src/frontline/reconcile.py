"""Reconcile frontline's shares with a publisher's: every difference explained.

The same control map gives different shares per oblast depending on the
boundaries (where each oblast's edge is drawn), the basis (polygon, official
area, or land without the sea) and whether the grey zone counts as
Russian-held. :func:`reconcile` measures one map under every combination and
puts the figures beside the published ones, with the quantities that explain
the differences.

Definitions (per region and boundary set; km² on the WGS84 ellipsoid):

``share_pct``
    The Russian-held share of ``area_km2``, as
    ``control_table(control, basis=basis, boundaries=...)`` gives it
    (``occupied_pct``); with ``grey_zone="included"`` plus the contested share.
``difference_pct``
    ``share_pct`` − ``published_pct`` (points).
``water_km2``, ``water_held_km2``
    Sea inside the region's polygon (the part ``basis="land"`` takes out),
    and how much of it lies inside the map's Russian-held polygon. The land
    share is (Russian-held − ``water_held_km2``) / (area − ``water_km2``).
``strip_added_km2``, ``strip_dropped_km2``, ``strip_held_km2``
    The border strip: the part of the region's polygon in this boundary set
    that is not in the same region of the embedded Natural Earth set
    (added), the part of the Natural Earth region that is not in this one
    (dropped), and the net Russian-held km² the difference brings (held in
    the added part − held in the dropped part). Zero on the Natural Earth
    rows: they are the reference that frontline's default figures use.
``grey_zone_pct``
    The contested (grey-zone) share of the area: what ``share_pct`` gains
    if the grey zone counts as Russian-held. DeepState's published
    per-oblast shares count it as not Russian-held (``grey_zone="excluded"``).

The explanation columns are km² of the polygons on every row, also on the
``official`` rows (whose area and status km² are scaled to official areas).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import pandas as pd

import shapely

from frontline._names import normalise_name
from frontline._table import FrontlineTable
from frontline._water import BASES, water_mask
from frontline.areas import _km2, _overlay_km2
from frontline.boundaries import BOUNDARY_SETS, check_boundaries
from frontline.control import as_layer, status_union
from frontline.errors import (
    ChecksumError,
    DownloadError,
    OptionError,
    RegionNotFoundError,
)
from frontline.regions import (
    BOUNDARY_SOURCE,
    GROUPS,
    group_label,
    load_regions,
    resolve_region,
    resolve_regions,
)
from frontline.report import control_table
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "GREY_ZONE",
    "RECONCILE_COLUMNS",
    "REFERENCE_BOUNDARIES",
    "parse_published",
    "reconcile",
]

log = logging.getLogger(__name__)

GreyZone = Literal["excluded", "included"]
#: How the grey zone can be counted in ``share_pct``.
GREY_ZONE: Final = get_args(GreyZone)

#: The label of the embedded Natural Earth boundaries, the reference of the
#: border-strip columns.
REFERENCE_BOUNDARIES: Final = "natural-earth"

#: The reconciliation table's columns, in order.
RECONCILE_COLUMNS: Final = [
    "region_id",
    "name",
    "boundaries",
    "basis",
    "area_km2",
    "occupied_km2",
    "contested_km2",
    "share_pct",
    "published_pct",
    "difference_pct",
    "closest",
    "water_km2",
    "water_held_km2",
    "strip_added_km2",
    "strip_dropped_km2",
    "strip_held_km2",
    "grey_zone_pct",
    "grey_zone",
]

_DEFINITIONS: Final = {
    "share_pct": "Russian-held share of area_km2 (control_table's occupied_pct; "
    "plus the grey zone when grey_zone is 'included')",
    "difference_pct": "share_pct − published_pct (points)",
    "closest": "the row nearest the published figure, per region",
    "water_km2": "sea inside the region's polygon (taken out by the land basis)",
    "water_held_km2": "of water_km2, inside the map's Russian-held polygon",
    "strip_added_km2": "in this boundary set's region, not in the embedded "
    "Natural Earth region",
    "strip_dropped_km2": "in the embedded Natural Earth region, not in this "
    "boundary set's region",
    "strip_held_km2": "Russian-held km² in the added strip − in the dropped strip",
    "grey_zone_pct": "contested (grey-zone) share of area_km2",
    "grey_zone": "whether share_pct counts the grey zone as Russian-held",
}


def parse_published(text: str | Mapping[str, Any] | None) -> dict[str, float]:
    """Read published shares: ``"Donetsk=78.1,Luhansk=99.6"`` or a mapping.

    Parameters
    ----------
    text : str or mapping, optional
        ``NAME=VALUE`` pairs separated by commas (a ``%`` after the value is
        allowed), or a mapping of names to values. Names are units in any
        spelling (see :func:`frontline.resolve_region`) or groups (``four``,
        ``six``, ``all``).

    Returns
    -------
    dict
        Region id or group name → share in percent.

    Raises
    ------
    OptionError
        For a pair without ``=``, a value that is not a number between 0 and
        100, or two names of the same unit.
    RegionNotFoundError
        For a name that is no unit or group.

    Examples
    --------
    >>> parse_published("Donetsk=78.1, Zaporozhye=74.8%")
    {'UA-14': 78.1, 'UA-23': 74.8}
    >>> parse_published({"four": 76.5})
    {'four': 76.5}
    """
    if text is None:
        return {}
    pairs: list[tuple[str, Any]]
    if isinstance(text, str):
        pairs = []
        for item in (p.strip() for p in text.split(",")):
            if not item:
                continue
            name, sep, number = item.partition("=")
            if not sep or not name.strip():
                raise OptionError(
                    f"cannot read the published figure {item!r}; expected "
                    "NAME=PERCENT pairs separated by commas, e.g. "
                    "'Donetsk=78.1,Luhansk=99.6'"
                )
            pairs.append((name.strip(), number.strip().rstrip("%").strip()))
    elif isinstance(text, Mapping):
        pairs = [(str(k), v) for k, v in text.items()]
    else:
        raise OptionError(
            "published must be a mapping of names to percentages or a text like "
            f"'Donetsk=78.1,Luhansk=99.6'; got {type(text).__name__}"
        )
    out: dict[str, float] = {}
    for name, raw in pairs:
        key = _published_key(name)
        try:
            value = float(raw)
        except (TypeError, ValueError) as exc:
            raise OptionError(
                f"published figure for {name!r} is {raw!r}; expected a percentage "
                "such as 78.1"
            ) from exc
        if not (math.isfinite(value) and 0 <= value <= 100):
            raise OptionError(
                f"published figure for {name!r} is {value}; expected a share in "
                "percent, between 0 and 100"
            )
        if key in out:
            raise OptionError(
                f"two published figures for {key} ({out[key]} and {value}); give "
                "each unit once"
            )
        out[key] = value
    return out


def _published_key(name: str) -> str:
    key = normalise_name(name)
    if key in GROUPS or key == "all":
        return key
    return resolve_region(name)


def reconcile(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] | None = None,
    *,
    published: Mapping[str, float] | str | None = None,
    boundaries: Any = None,
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    grey_zone: GreyZone = "excluded",
) -> FrontlineTable:
    """Put one map's shares beside published ones, and explain the differences.

    Measures the map on the embedded Natural Earth units and on every other
    boundary set passed, each under the ``geometry``, ``official`` and
    ``land`` bases, and gives per region the Russian-held share, the
    published figure, the difference, and what explains it: the sea inside
    the region's polygon (and how much of it the map holds), the border strip
    between this boundary set and Natural Earth, and the grey zone.

    Parameters
    ----------
    control : path or GeoDataFrame
        One control map (anything :func:`frontline.read_control` reads).
    regions : str or iterable of str, optional
        Units and groups to report (see :func:`frontline.resolve_regions`).
        Default: those named in ``published``, else ``four``.
    published : mapping or str, optional
        Published Russian-held shares in percent, by unit or group name
        (``{"Donetsk": 78.1, "all": 19.3}`` or ``"Donetsk=78.1,all=19.3"``;
        see :func:`parse_published`).
    boundaries : boundary spec, list or mapping of them, optional
        Boundary sets to measure on besides the embedded Natural Earth units:
        a registered set (``"minregion-2020"`` …), a boundary file or a
        GeoDataFrame (see :func:`frontline.load_regions`), a list of them,
        or a mapping label → spec. A registered set that is not in the cache
        and cannot be downloaded (offline) is skipped with a note in
        ``attrs["notes"]`` and a logged warning.
    water : path or GeoDataFrame, optional
        The sea mask of the land basis and of the water columns; default the
        embedded one (Natural Earth 10m, public domain). See
        :func:`frontline.load_water`.
    grey_zone : {"excluded", "included"}, default "excluded"
        Whether ``share_pct`` counts the grey zone (contested) as
        Russian-held. DeepState's published per-oblast shares exclude it.

    Returns
    -------
    FrontlineTable
        One row per region (then group), boundary set and basis, columns
        :data:`RECONCILE_COLUMNS` (see the module docstring for their
        definitions). ``attrs``: ``date``, ``source``, ``published``,
        ``boundaries`` (label → source), ``water``, ``grey_zone``,
        ``notes`` (boundary sets skipped), ``control_russian_held_km2``,
        ``control_outside_km2`` (label → Russian-held km² of the map
        outside every unit of that set) and ``definitions``.

    Raises
    ------
    OptionError
        For an unknown ``grey_zone`` or unreadable published figures.
    RegionNotFoundError
        For an unknown region, or boundaries that lack a selected unit.
    ChecksumError
        If a registered boundary set downloads with the wrong sha256.

    Examples
    --------
    >>> import frontline
    >>> table = reconcile(frontline.load_sample(), "Kherson",
    ...                   published={"Kherson": 72.0})
    >>> table[["boundaries", "basis"]].values.tolist()
    [['natural-earth', 'geometry'], ['natural-earth', 'official'], \
['natural-earth', 'land']]
    >>> bool((table.difference_pct == table.share_pct - 72.0).all())
    True
    """
    if grey_zone not in GREY_ZONE:
        raise OptionError(
            f"unknown grey_zone {grey_zone!r}; expected one of {GREY_ZONE}"
        )
    figures = parse_published(published)
    layer = as_layer(control)
    if regions is None:
        regions = list(figures) if figures else "four"
    selection = resolve_regions(regions)
    missing = sorted(set(figures) - {*selection.ids, *selection.groups})
    if missing:
        raise RegionNotFoundError(
            f"published figures for {missing}, which are not among the selected "
            f"regions {[*selection.ids, *selection.groups]}; add them to regions "
            "or leave regions out"
        )
    mask = water_mask(water)
    sets, notes = _boundary_sets(boundaries)
    held = status_union(layer, RUSSIAN_HELD)
    reference = load_regions(selection.ids)
    rows: list[pd.DataFrame] = []
    sources: dict[str, str] = {}
    outside: dict[str, float] = {}
    for label, spec in sets.items():
        units = load_regions(selection.ids, boundaries=spec)
        sources[label] = str(units.attrs.get("boundary_source", BOUNDARY_SOURCE))
        explain = _explanations(units, reference, held, label)
        for basis in BASES:
            table = control_table(
                layer,
                selection.ids,
                basis=basis,
                boundaries=spec,
                water=mask if basis == "land" else None,
            )
            if basis == "geometry":
                outside[label] = round(
                    sum(
                        v
                        for s, v in table.attrs[
                            "control_outside_boundaries_km2"
                        ].items()
                        if s in RUSSIAN_HELD
                    ),
                    3,
                )
            rows.append(_rows(table, label, basis, explain))
        explain_land = rows[-1]
        geometry = rows[-3]
        water_held = (
            geometry["occupied_km2"].to_numpy()
            - explain_land["occupied_km2"].to_numpy()
        )
        removed = geometry["area_km2"].to_numpy() - explain_land["area_km2"].to_numpy()
        for part in rows[-3:]:
            part["water_km2"] = removed
            part["water_held_km2"] = water_held
    out = pd.concat(rows, ignore_index=True)
    out = _finish(out, selection, figures, grey_zone)
    date = layer.attrs.get("date")
    table = FrontlineTable(out[RECONCILE_COLUMNS])
    table.attrs.clear()
    table.attrs.update(
        {
            "date": date.isoformat() if isinstance(date, dt.date) else date,
            "source": layer.attrs.get("source"),
            "illustrative": bool(layer.attrs.get("illustrative", False)),
            "published": dict(figures),
            "boundaries": sources,
            "water": mask.source,
            "grey_zone": (
                "counted as Russian-held"
                if grey_zone == "included"
                else "counted as not Russian-held (as DeepState's published shares)"
            ),
            "notes": notes,
            "control_russian_held_km2": round(
                float(_km2(np.array([held], dtype=object))[0]), 3
            ),
            "control_outside_km2": outside,
            "definitions": dict(_DEFINITIONS),
        }
    )
    return table


def _boundary_sets(boundaries: Any) -> tuple[dict[str, Any], list[str]]:
    """Label → checked boundaries (None for the embedded), and skip notes."""
    import geopandas as gpd

    specs: list[tuple[str, Any]] = []
    if boundaries is None:
        pass
    elif isinstance(boundaries, (str, os.PathLike, gpd.GeoDataFrame)):
        specs.append((_label(boundaries, 1), boundaries))
    elif isinstance(boundaries, Mapping):
        specs += [(str(k), v) for k, v in boundaries.items()]
    elif isinstance(boundaries, Iterable):
        specs += [(_label(b, i), b) for i, b in enumerate(boundaries, start=1)]
    else:
        raise OptionError(
            "boundaries must be a boundary set name, a file, a GeoDataFrame, or a "
            f"list or mapping of them; got {type(boundaries).__name__}"
        )
    sets: dict[str, Any] = {REFERENCE_BOUNDARIES: None}
    notes: list[str] = []
    for label, spec in specs:
        if label in sets:
            raise OptionError(
                f"two boundary sets are both labelled {label!r}; pass a mapping "
                "{label: boundaries} to name them"
            )
        try:
            sets[label] = check_boundaries(spec)
        except ChecksumError:
            raise
        except DownloadError as exc:
            note = (
                f"boundary set {label!r} skipped: it is not in the cache and could "
                f"not be downloaded ({exc}); run once online, or pass the file"
            )
            log.warning(note)
            notes.append(note)
    return sets, notes


def _label(spec: Any, index: int) -> str:
    if isinstance(spec, str) and spec in BOUNDARY_SETS:
        return spec
    if isinstance(spec, (str, os.PathLike)):
        return Path(spec).name
    named = getattr(spec, "attrs", {}).get("boundary_set", {})
    if isinstance(named, dict) and named.get("name"):
        return str(named["name"])
    return f"boundaries-{index}"


def _explanations(
    units: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, held: Any, label: str
) -> pd.DataFrame:
    """Border-strip km² of each unit against the embedded Natural Earth unit."""
    import geopandas as gpd

    ids = list(units.region_id)
    zero = pd.DataFrame(
        0.0,
        index=pd.Index(ids, name="region_id"),
        columns=["strip_added_km2", "strip_dropped_km2", "strip_held_km2"],
    )
    if label == REFERENCE_BOUNDARIES:
        return zero
    ref = reference.set_index("region_id").geometry.loc[ids].to_numpy()
    mine = np.asarray(units.geometry.values, dtype=object)
    added = shapely.difference(mine, ref)
    dropped = shapely.difference(ref, mine)
    pieces = gpd.GeoDataFrame(
        {"region_id": [f"+{r}" for r in ids] + [f"-{r}" for r in ids]},
        geometry=list(added) + list(dropped),
        crs="EPSG:4326",
    )
    km2 = _km2(np.asarray(pieces.geometry.values, dtype=object))
    inside = _overlay_km2(pieces, {"held": held})["held"].to_numpy()
    n = len(ids)
    zero["strip_added_km2"] = km2[:n]
    zero["strip_dropped_km2"] = km2[n:]
    zero["strip_held_km2"] = inside[:n] - inside[n:]
    return zero


def _rows(
    table: pd.DataFrame, label: str, basis: str, explain: pd.DataFrame
) -> pd.DataFrame:
    """Take the units' rows of one control table, with the strip columns."""
    units = table[table.region_id.isin(explain.index)]
    part = pd.DataFrame(
        {
            "region_id": units.region_id.to_numpy(),
            "name": units.name.to_numpy(),
            "boundaries": label,
            "basis": basis,
            "area_km2": units.area_km2.to_numpy(),
            "occupied_km2": units.occupied_km2.to_numpy(),
            "contested_km2": units.contested_km2.to_numpy(),
        }
    )
    for col in explain.columns:
        part[col] = explain.loc[part.region_id, col].to_numpy()
    return part


def _finish(
    out: pd.DataFrame,
    selection: Any,
    figures: dict[str, float],
    grey_zone: str,
) -> pd.DataFrame:
    """Add group rows, shares, published figures and differences; order rows."""
    km2_cols = [
        "area_km2",
        "occupied_km2",
        "contested_km2",
        "water_km2",
        "water_held_km2",
        "strip_added_km2",
        "strip_dropped_km2",
        "strip_held_km2",
    ]
    groups = []
    for group, members in selection.groups.items():
        part = out[out.region_id.isin(members)]
        sums = part.groupby(["boundaries", "basis"], sort=False)[km2_cols].sum()
        sums = sums.reset_index()
        sums.insert(0, "name", group_label(group))
        sums.insert(0, "region_id", group)
        groups.append(sums)
    out = pd.concat([out, *groups], ignore_index=True)
    order = {rid: i for i, rid in enumerate([*selection.ids, *selection.groups])}
    set_order = {label: i for i, label in enumerate(dict.fromkeys(out.boundaries))}
    basis_order = {b: i for i, b in enumerate(BASES)}
    out = out.sort_values(
        by=["region_id", "boundaries", "basis"],
        key=lambda col: col.map(
            {"region_id": order, "boundaries": set_order, "basis": basis_order}[
                str(col.name)
            ]
        ),
        kind="stable",
        ignore_index=True,
    )
    occupied = 100 * out.occupied_km2 / out.area_km2
    grey = 100 * out.contested_km2 / out.area_km2
    out["share_pct"] = occupied + grey if grey_zone == "included" else occupied
    out["grey_zone_pct"] = grey
    out["grey_zone"] = grey_zone
    out["published_pct"] = out.region_id.map(figures).astype(float)
    out["difference_pct"] = out.share_pct - out.published_pct
    gap = out.difference_pct.abs().round(9)  # official ties geometry: keep the first
    nearest = gap.dropna().groupby(out.region_id[gap.notna()], sort=False).idxmin()
    out["closest"] = out.index.isin(nearest.to_numpy())
    return out
