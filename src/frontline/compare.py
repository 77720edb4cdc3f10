"""Sources side by side: who says how much is held, and where they disagree.

Different maps of the same days differ in what they count (grey zone,
Crimea, claims) and in where they draw the line. :func:`compare_sources`
measures every source on the same boundaries, then measures the area on
which they disagree.

Definitions (all per region, km² on the WGS84 ellipsoid):

``source`` rows
    The source's Russian-held area (``occupied`` + ``occupied_before_2022``)
    and its contested area, as :func:`frontline.control_table` reports them.
``any``
    Russian-held in at least one source (union).
``all``
    Russian-held in every source (intersection).
``disagreement``
    ``any`` − ``all``: Russian-held according to some sources and not to
    others. Zero when all sources draw the same Russian-held area.
``only`` (one row per ordered pair)
    Russian-held in ``source`` and not in ``other`` (contested there, or
    Ukrainian-held). ``only(A, B) + only(B, A)`` is the symmetric difference
    of two sources; with two sources it equals ``disagreement``.

Coverage: a source that does not map an area held before 2022 (NZZ/
Liveuamap has no Crimea, and no pre-2022 Donbas from March 2024) is not
comparable there. Its rows for the regions concerned (Crimea and Sevastopol;
Donetsk and Luhansk) have ``coverage_complete=False``, and a
:class:`~frontline.errors.FrontlineWarning` names the source and the regions
when another source in the comparison does map them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import warnings
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

import shapely

from frontline import _validate
from frontline._messages import quote
from frontline._water import basis_units, check_basis
from frontline.areas import _km2, _overlay_km2
from frontline.boundaries import check_boundaries
from frontline.control import as_layer, status_union
from frontline.errors import FrontlineWarning, OptionError
from frontline.regions import (
    group_label,
    load_regions,
    resolve_regions,
)
from frontline.sources._base import coverage
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    import geopandas as gpd

    from frontline._water import Basis

__all__ = ["COMPARE_COLUMNS", "KINDS", "compare_sources"]

log = logging.getLogger(__name__)

#: The comparison table's columns, in order.
COMPARE_COLUMNS: Final = [
    "region_id",
    "name",
    "kind",
    "source",
    "other",
    "date",
    "area_km2",
    "occupied_km2",
    "occupied_pct",
    "contested_km2",
    "contested_pct",
    "coverage_complete",
]
#: Row kinds, in table order within a region.
KINDS: Final = ("source", "any", "all", "disagreement", "only")

#: Regions whose area held before 2022 a source must map to be comparable there.
_PRE_2022_REGIONS: Final[dict[str, tuple[str, ...]]] = {
    "crimea": ("UA-43", "UA-40"),
    "pre_2022_donbas": ("UA-14", "UA-09"),
}
_PRE_2022_LABELS: Final = {
    "crimea": "Crimea",
    "pre_2022_donbas": "pre-2022 Donbas (ORDLO)",
}
_SEP: Final = "\x00"


def compare_sources(
    layers: Mapping[str, str | Path | gpd.GeoDataFrame],
    regions: str | Iterable[str] = "four",
    *,
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    basis: Basis = "geometry",
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Measure several control maps on the same regions, and where they differ.

    Parameters
    ----------
    layers : mapping of str to path or GeoDataFrame
        Source name → control layer (anything :func:`frontline.read_control`
        reads; paths are read with ``source="auto"``). At least two.
    regions : str or iterable of str, default "four"
        A group (``four``, ``six``, ``all``), names or ids; see
        :func:`frontline.resolve_regions`.
    boundaries : GeoDataFrame, optional
        Boundaries to use instead of the embedded Natural Earth ones (see
        :func:`frontline.regions.from_geodataframe`).
    basis : {"geometry", "official", "land"}, default "geometry"
        As in :func:`frontline.control_table`: ``official`` scales each
        region's km² to its official area (shares unchanged); ``land``
        measures each region's polygon minus sea water.
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask than the embedded one (see
        :func:`frontline.load_water`).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per region (then per named group, e.g. ``four``) and
        kind, columns :data:`COMPARE_COLUMNS`:

        ``kind`` / ``source`` / ``other``
            ``source`` rows name the source; ``any``, ``all`` and
            ``disagreement`` rows have ``source`` ``"any"``, ``"all"``,
            ``"disagreement"``; ``only`` rows name ``source`` and ``other``.
            See the module docstring for the definitions.
        ``date``
            The situation date of a ``source`` row (ISO string), else None.
        ``occupied_km2``, ``occupied_pct``
            Russian-held km² (of the kind), % of ``area_km2``.
        ``contested_km2``, ``contested_pct``
            The source's contested area (``source`` rows; NaN otherwise).
        ``coverage_complete``
            False where the source (for derived rows: any source) does not
            map an area held before 2022 inside the region.

        ``attrs`` records ``sources`` (per source: ``source``, ``date``,
        ``coverage``), ``basis``, ``boundaries``, ``regions`` and
        ``definitions``; under ``basis="land"`` also ``water``.

    Raises
    ------
    ArgumentTypeError
        If ``layers`` is not a mapping (a list, a single layer …).
    OptionError
        For fewer than two layers, an unknown ``basis``, or ``water``
        without ``basis="land"``.
    RegionNotFoundError
        For an unknown region.

    Warns
    -----
    FrontlineWarning
        When a source does not map Crimea or pre-2022 Donbas inside the
        selected regions while another source does.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from frontline import read_control
    >>> def layer(x1):
    ...     gdf = gpd.GeoDataFrame({"status": ["occupied"]},
    ...                            geometry=[shapely.box(37, 47.5, x1, 48)], crs=4326)
    ...     return read_control(gdf, date="2024-11-20")
    >>> table = compare_sources({"A": layer(37.5), "B": layer(37.6)}, "Donetsk")
    >>> table[["kind", "source", "other"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['source', 'A', None], ['source', 'B', None], ['any', 'any', None],
     ['all', 'all', None], ['disagreement', 'disagreement', None],
     ['only', 'A', 'B'], ['only', 'B', 'A']]
    >>> km2 = table.set_index(["kind", "source"]).occupied_km2.round(1)
    >>> km2["disagreement"].item() == km2["only", "B"].item() > 0
    True
    """
    check_basis(basis, water)
    _validate.mapping(layers, "layers", example="{'DeepState': layer, 'ISW': other}")
    if len(layers) < 2:
        raise OptionError(
            f"compare_sources needs at least two layers, got {len(layers)} "
            f"({quote(list(layers))}); pass {{'name': layer, ...}} for each source"
        )
    named = {str(name): as_layer(layer) for name, layer in layers.items()}
    selection = resolve_regions(regions)
    if boundaries is not None:  # a registered name or a file: read it once
        boundaries = check_boundaries(boundaries)
    units = basis_units(
        load_regions(selection.ids, boundaries=boundaries), basis, water
    )
    cover = {name: _coverage(layer) for name, layer in named.items()}
    complete = _complete(cover, selection.ids)
    _warn_coverage(cover, selection.ids)
    km2, area = _measure(named, units, basis)
    dates = {name: _iso(layer.attrs.get("date")) for name, layer in named.items()}
    labels = dict(zip(units.region_id, units.name, strict=True))
    units_and_groups: list[tuple[str, tuple[str, ...]]]
    units_and_groups = [(rid, (rid,)) for rid in selection.ids]
    units_and_groups += list(selection.groups.items())
    rows: list[dict[str, Any]] = []
    for rid, members in units_and_groups:
        base = {
            "region_id": rid,
            "name": labels.get(rid) or group_label(rid),
            "area_km2": float(area.loc[list(members)].sum()),
        }
        sums = km2.loc[list(members)].sum()
        ok = {n: all(complete[n][m] for m in members) for n in named}
        for n in named:
            rows.append(
                _row(
                    base,
                    sums,
                    kind="source",
                    source=n,
                    contested=_key("contested", n),
                    complete=ok[n],
                    date=dates[n],
                )
            )
        for kind in ("any", "all", "disagreement"):
            rows.append(
                _row(base, sums, kind=kind, source=kind, complete=all(ok.values()))
            )
        for a, b in itertools.permutations(named, 2):
            rows.append(
                _row(
                    base, sums, kind="only", source=a, other=b, complete=ok[a] and ok[b]
                )
            )
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["other"] = out["other"].astype(object).where(out["other"].notna(), None)
    out["date"] = out["date"].astype(object).where(out["date"].notna(), None)
    out.attrs.update(
        {
            "sources": {
                name: {
                    "source": layer.attrs.get("source"),
                    "date": dates[name],
                    "coverage": cover[name],
                }
                for name, layer in named.items()
            },
            "basis": basis,
            "boundaries": units.attrs["boundary_source"],
            "regions": list(selection.ids),
            "definitions": {
                "any": "Russian-held in at least one source (union)",
                "all": "Russian-held in every source (intersection)",
                "disagreement": "any − all",
                "only": "Russian-held in source, not in other",
            },
        }
    )
    if basis == "land":
        out.attrs["water"] = units.attrs["water_source"]
    spread = sorted(d for d in dates.values() if d)
    if len(set(spread)) > 1:
        log.info("comparing maps of different dates: %s", dates)
    return out


def _measure(
    named: dict[str, gpd.GeoDataFrame], units: gpd.GeoDataFrame, basis: str
) -> tuple[pd.DataFrame, pd.Series]:
    """km² of every source's statuses and of the derived areas, per unit."""
    held = {name: status_union(layer, RUSSIAN_HELD) for name, layer in named.items()}
    geoms: dict[str, Any] = {}
    for name, layer in named.items():
        geoms[_key("source", name)] = held[name]
        geoms[_key("contested", name)] = status_union(layer, ("contested",))
    every = np.asarray(list(held.values()), dtype=object)
    union = shapely.union_all(every)
    common = shapely.intersection_all(every)
    geoms[_key("any", "any")] = union
    geoms[_key("all", "all")] = common
    geoms[_key("disagreement", "disagreement")] = shapely.difference(union, common)
    for a, b in itertools.permutations(named, 2):
        geoms[_key("only", a, b)] = shapely.difference(held[a], held[b])
    km2 = _overlay_km2(units, geoms)
    area = pd.Series(
        _km2(np.asarray(units.geometry.values, dtype=object)), index=km2.index
    )
    if basis == "official":
        scale = units.official_area_km2.to_numpy(dtype=float) / area.to_numpy()
        km2 = km2.mul(scale, axis=0)
        area = area * scale
    return km2, area


def _row(
    base: dict[str, Any],
    sums: pd.Series,
    *,
    kind: str,
    source: str,
    other: str | None = None,
    contested: str | None = None,
    complete: bool,
    date: str | None = None,
) -> dict[str, Any]:
    occupied = float(sums[_key(kind, source, *([other] if other else []))])
    con = float(sums[contested]) if contested else np.nan
    area = base["area_km2"]
    return {
        **base,
        "kind": kind,
        "source": source,
        "other": other,
        "date": date,
        "occupied_km2": occupied,
        "occupied_pct": 100 * occupied / area,
        "contested_km2": con,
        "contested_pct": 100 * con / area,
        "coverage_complete": complete,
    }


def _key(*parts: str) -> str:
    return _SEP.join(parts)


def _iso(date: Any) -> str | None:
    if isinstance(date, dt.date):
        return date.isoformat()
    return None if date is None else str(date)


def _coverage(layer: gpd.GeoDataFrame) -> dict[str, bool]:
    stated = layer.attrs.get("coverage")
    if isinstance(stated, dict) and set(_PRE_2022_REGIONS) <= set(stated):
        return {k: bool(stated[k]) for k in _PRE_2022_REGIONS}
    return coverage(layer)


def _complete(
    cover: dict[str, dict[str, bool]], ids: tuple[str, ...]
) -> dict[str, dict[str, bool]]:
    """Tell, per source and region, whether the source maps its pre-2022 areas."""
    return {
        name: {
            rid: all(
                flags[area] or rid not in members
                for area, members in _PRE_2022_REGIONS.items()
            )
            for rid in ids
        }
        for name, flags in cover.items()
    }


def _warn_coverage(cover: dict[str, dict[str, bool]], ids: tuple[str, ...]) -> None:
    for area, members in _PRE_2022_REGIONS.items():
        inside = [rid for rid in ids if rid in members]
        if not inside:
            continue
        lacking = [n for n, flags in cover.items() if not flags[area]]
        having = [n for n, flags in cover.items() if flags[area]]
        if lacking and having:
            warnings.warn(
                f"{', '.join(lacking)} {'does' if len(lacking) == 1 else 'do'} not "
                f"map {_PRE_2022_LABELS[area]}, which {', '.join(having)} "
                f"include{'s' if len(having) == 1 else ''}: Russian-held km² in "
                f"{', '.join(inside)} (and groups containing them) are not "
                "comparable; those rows have coverage_complete=False",
                FrontlineWarning,
                stacklevel=3,
            )
