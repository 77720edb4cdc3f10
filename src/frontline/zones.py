"""Zones: any set of polygons with an id column, measured like the regions.

A zone set stands in for Ukraine's 27 units wherever frontline measures
(``zones=``, ``zone_id=``, ``zone_name=``, ``zone_parent=`` on
:func:`frontline.control_table`, :func:`frontline.timeseries`,
:func:`frontline.change` …; ``--zones FILE --zone-id COLUMN`` on the command
line): raions, hromadas, a circle around a power plant, a user's own areas.
Tables keep the report contract: ``region_id`` holds the zone's id and
``name`` its name. With parent columns (hromada → raion → oblast), group rows
add the zones of each parent up; over a complete zone set the oblast rows
equal the oblast figures.

Reading a zone set (:func:`read_zones`)
---------------------------------------
* **Any CRS.** A layer in another CRS is reprojected to EPSG:4326 with
  ``GeoDataFrame.to_crs`` (explicitly, logged, and recorded in
  ``attrs["zones"]["crs"]``); a layer without a CRS is refused.
* **Ids** are text (``7`` and ``"7"`` are the same zone; ``7.0`` reads as
  ``7``); a feature without id is an error. Several features with one id are
  one zone: they are merged (reported, not fatal).
* **Geometry.** Empty features are dropped and invalid polygons repaired with
  ``make_valid`` (both reported); points and lines are refused.
* **Overlaps and gaps** are measured and reported, never fatal: pairs of
  zones whose overlap is at least :data:`SLIVER_KM2`, holes enclosed by the
  zones but in none of them, and area outside Ukraine's outline, each with a
  :class:`~frontline.FrontlineWarning` and in ``attrs["zones"]["checks"]``.
  Overlapping zones are each measured in full (a place or km² in two zones
  counts in both).
* **Parents.** Each parent column gives one level of group rows, finest
  first. A level whose values all name Ukrainian units ("Донецька область",
  "UA-14") is keyed by ISO 3166-2 id and labelled with the unit's name; a
  value found under two different parents of the next level is keyed
  ``"value (parent)"``.

Named sets (:data:`ZONE_SETS`, :func:`fetch_zones`) are downloaded once into
the cache, like the boundary sets.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import logging
import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import numpy as np

import shapely
from pyproj import Geod

from frontline._http import cache_location, retrieve, sha256_of
from frontline._io import read_vector
from frontline._names import normalise_name
from frontline._tiles import _regions_key
from frontline._units import GROUPS, resolve_region, ukraine_outline
from frontline._zone_checks import (
    SLIVER_KM2,
    columns_of,
    cyrillic,
    normalise_zones,
)
from frontline.boundaries import check_boundaries
from frontline.errors import (
    ChecksumError,
    DownloadError,
    FrontlineWarning,
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
    UnsupportedFormatError,
)
from frontline.regions import group_label, load_regions, resolve_regions

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    from shapely import Geometry

#: What ``zones=`` accepts: a GeoDataFrame, a vector file, a registered name.
ZoneSpec: TypeAlias = "gpd.GeoDataFrame | str | os.PathLike[str]"

__all__ = [
    "SLIVER_KM2",
    "SNAP_KM",
    "ZONE_SETS",
    "UnitSet",
    "ZoneSet",
    "ZoneSpec",
    "cut_lines",
    "fetch_zones",
    "read_zones",
    "select_units",
    "zone_of_points",
]

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------
# Named sets


@dataclasses.dataclass(frozen=True)
class ZoneSet:
    """A downloadable zone set.

    Attributes
    ----------
    title : str
        What it is.
    urls : tuple of str
        Where to download it, tried in order.
    sha256 : str or None
        The file's sha256, when it could be established; ``None`` means the
        download cannot be verified by checksum (see :func:`fetch_zones`).
    filename : str
        Its name in the cache's ``zones/`` folder.
    zone_id : tuple of str
        Candidate id columns; the first one present is used.
    zone_name : str
        The column with the zones' names.
    zone_parent : tuple of str
        Parent columns, finest first.
    features : tuple of int
        The plausible number of features (lowest, highest).
    columns : tuple of str
        Columns the file must have.
    licence, attribution, provenance : str
        As for :class:`frontline.boundaries.BoundarySet`.
    """

    title: str
    urls: tuple[str, ...]
    sha256: str | None
    filename: str
    zone_id: tuple[str, ...]
    zone_name: str
    zone_parent: tuple[str, ...]
    features: tuple[int, int]
    columns: tuple[str, ...]
    licence: str
    attribution: str
    provenance: str


_MINREGION: Final = (
    "https://raw.githubusercontent.com/justinelliotmeyers/Ukraine_2020/"
    "3209590ce744c88114395a1e2df0fd439a7dc4f8"
)
_MINREGION_LICENCE: Final = (
    "CC BY-SA (Creative Commons Attribution-ShareAlike; version not stated by "
    "the source)"
)
_MINREGION_ATTRIBUTION: Final = (
    "© Мінрегіон (Ministry for Communities and Territories Development of "
    "Ukraine), www.minregion.gov.ua"
)

#: Registered zone sets, by name: ``zones=NAME`` / ``--zones NAME``.
ZONE_SETS: dict[str, ZoneSet] = {
    "minregion-2020-raions": ZoneSet(
        title="Minregion 2020 raions (after the July 2020 reform, 136 raions)",
        urls=(f"{_MINREGION}/rayon.geojson",),
        sha256=None,
        filename="minregion-2020-rayon.geojson",
        zone_id=("COD_2",),
        zone_name="ADMIN_2",
        zone_parent=("ADMIN_1",),
        features=(120, 160),
        columns=("ADMIN_1", "ADMIN_2"),
        licence=_MINREGION_LICENCE,
        attribution=_MINREGION_ATTRIBUTION,
        provenance="atu.decentralization.gov.ua, state after the July 2020 raion "
        "reform; rayon.geojson of justinelliotmeyers/Ukraine_2020 at commit "
        "3209590 (the files were uploaded in b058d07, 2020-11-17)",
    ),
    "minregion-2020-hromadas": ZoneSet(
        title="Minregion 2020 hromadas (territorial communities, about 1,469)",
        urls=(f"{_MINREGION}/terhromad.geojson",),
        sha256=None,
        filename="minregion-2020-terhromad.geojson",
        zone_id=("COD_3", "KOATUU_old"),
        zone_name="ADMIN_3",
        zone_parent=("ADMIN_2", "ADMIN_1"),
        features=(1_350, 1_900),
        columns=("ADMIN_1", "ADMIN_2", "ADMIN_3"),
        licence=_MINREGION_LICENCE,
        attribution=_MINREGION_ATTRIBUTION,
        provenance="atu.decentralization.gov.ua, state after the July 2020 "
        "reform; terhromad.geojson of justinelliotmeyers/Ukraine_2020 at commit "
        "3209590 (the files were uploaded in b058d07, 2020-11-17)",
    ),
}


def _zone_set(name: str) -> ZoneSet:
    if name not in ZONE_SETS:
        raise RegionNotFoundError(
            f"unknown zone set {name!r}; choose one of {list(ZONE_SETS)}, or pass "
            "the path of a polygon file or a GeoDataFrame"
        )
    return ZONE_SETS[name]


def fetch_zones(
    name: str,
    *,
    known_hash: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> gpd.GeoDataFrame:
    """Download a registered zone set (once) and read it with :func:`read_zones`.

    =============================  ==========================================
    name                           set
    =============================  ==========================================
    ``minregion-2020-raions``      Minregion 2020 raions (CC BY-SA, ©
                                   Мінрегіон); id ``COD_2``, name
                                   ``ADMIN_2``, parent ``ADMIN_1`` (oblast)
    ``minregion-2020-hromadas``    Minregion 2020 hromadas; id ``COD_3``
                                   (else ``KOATUU_old``), name ``ADMIN_3``,
                                   parents ``ADMIN_2`` (raion), ``ADMIN_1``
    =============================  ==========================================

    **Integrity.** No sha256 could be registered for these files (they could
    not be downloaded where frontline was built). The download is pinned to
    a commit of the source repository, and the file must pass structural
    checks (a FeatureCollection with the set's columns, a plausible number of
    features, every ``ADMIN_1`` an oblast); it is then used but marked
    *unverified*: ``attrs["zone_set"]["verified"]`` is False, its sha256 is
    recorded, and a :class:`~frontline.FrontlineWarning` says so. Pass
    ``known_hash`` (the sha256 you trust, e.g. the one recorded on first
    use) to verify it: a different file then raises
    :class:`~frontline.ChecksumError` and nothing is cached.

    Names in these files contain Latin letters that look like Cyrillic ones
    (a Latin ``a`` inside a Ukrainian word); they are replaced by the
    Cyrillic letters.

    Parameters
    ----------
    name : str
        A key of :data:`ZONE_SETS`.
    known_hash : str, optional
        The file's expected sha256 (64 hex digits, optionally ``sha256:``).
    cache_dir : str or path, optional
        See :func:`frontline.fetch.cache_location`. Files go to ``zones/``.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`read_zones`; ``attrs["zone_set"]`` holds ``name``,
        ``title``, ``urls``, ``sha256`` (of the file used), ``verified``,
        ``integrity`` (what was checked), ``licence``, ``attribution`` and
        ``provenance``; ``attrs["boundary_source"]`` the credit line.

    Raises
    ------
    RegionNotFoundError
        For an unknown name.
    DownloadError
        If no address of the set can be downloaded (offline…).
    ChecksumError
        If ``known_hash`` is given and the file differs.
    UnsupportedFormatError
        If the file does not look like the set (columns, feature count,
        oblast names): nothing is read from it.
    """
    entry = _zone_set(name)
    expected = known_hash or entry.sha256
    root = cache_location(cache_dir).resolve()
    out = _fetched(name, entry, expected, str(root), timeout).copy()
    out.attrs = _deep(out.attrs)
    if not out.attrs["zone_set"]["verified"]:
        warnings.warn(
            f"zone set {name!r} is not verified by checksum (none is registered): "
            f"{out.attrs['zone_set']['integrity']}",
            FrontlineWarning,
            stacklevel=2,
        )
    return out


def _deep(attrs: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(attrs)


@lru_cache(maxsize=4)
def _fetched(
    name: str, entry: ZoneSet, expected: str | None, root: str, timeout: float
) -> gpd.GeoDataFrame:
    target = Path(root) / "zones" / entry.filename
    errors: list[DownloadError] = []
    path = None
    for url in entry.urls:
        try:
            path = retrieve(url, target, known_hash=expected, timeout=timeout)
            break
        except ChecksumError:
            raise
        except DownloadError as exc:
            log.info("zone set download from %s failed: %s", url, exc)
            errors.append(exc)
    if path is None:
        raise errors[-1]
    digest = sha256_of(path)
    raw = read_vector(path)
    checked = _check_named_set(raw, entry, name, path)
    zone_id = next((c for c in entry.zone_id if c in raw.columns), None)
    if zone_id is None:
        raise UnsupportedFormatError(
            f"zone set {name!r} ({path.name}) has none of the id columns "
            f"{list(entry.zone_id)}; its columns are {columns_of(raw)}. Read the "
            "file with read_zones(path, zone_id=COLUMN) instead"
        )
    for column in (entry.zone_name, *entry.zone_parent):
        raw[column] = [cyrillic(v) for v in raw[column]]
    verified = expected is not None
    integrity = (
        f"sha256 {digest} matches the expected one"
        if verified
        else f"checked: {checked}; sha256 of the file used: {digest} (pass "
        "known_hash= to pin it)"
    )
    source = (
        f"{entry.title} [{name}]. Licence: {entry.licence}. Attribution: "
        f"{entry.attribution}"
    )
    out = normalise_zones(
        raw,
        zone_id=zone_id,
        zone_name=entry.zone_name,
        zone_parent=list(entry.zone_parent),
        what=f"zone set {name!r}",
        source=source,
    )
    out.attrs["zone_set"] = {
        "name": name,
        "title": entry.title,
        "urls": list(entry.urls),
        "sha256": digest,
        "verified": verified,
        "integrity": integrity,
        "licence": entry.licence,
        "attribution": entry.attribution,
        "provenance": entry.provenance,
    }
    return out


def _check_named_set(
    raw: gpd.GeoDataFrame, entry: ZoneSet, name: str, path: Path
) -> str:
    """Structural checks of a downloaded set; return what was checked."""
    missing = [c for c in entry.columns if c not in raw.columns]
    lo, hi = entry.features
    problems = []
    if missing:
        problems.append(f"columns {missing} missing (it has {columns_of(raw)})")
    if not lo <= len(raw) <= hi:
        problems.append(f"{len(raw)} features, expected {lo:,}–{hi:,}")
    unresolved: list[str] = []
    if "ADMIN_1" in raw.columns:
        for value in sorted({str(v) for v in raw["ADMIN_1"]}):
            try:
                resolve_region(cyrillic(value))
            except RegionNotFoundError:
                unresolved.append(value)
    if unresolved:
        problems.append(f"ADMIN_1 values that are not oblasts: {unresolved[:5]}")
    if problems:
        raise UnsupportedFormatError(
            f"the file downloaded for zone set {name!r} ({path}) does not look "
            f"like {entry.title}: {'; '.join(problems)}. The source may have "
            "changed; nothing was read from it. Remove the file from the cache "
            "to download it again, or read it with read_zones(path, zone_id=...)"
        )
    return (
        f"{len(raw):,} features (expected {lo:,}–{hi:,}), columns "
        f"{list(entry.columns)} present, every ADMIN_1 an oblast"
    )


# ----------------------------------------------------------------------------
# Reading any zone set


def read_zones(
    zones: gpd.GeoDataFrame | str | os.PathLike[str],
    *,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read a zone set: any polygons with an id column, checked, in EPSG:4326.

    Parameters
    ----------
    zones : GeoDataFrame, str or path
        Polygons in any CRS: a GeoDataFrame, a vector file (anything
        :func:`frontline.read_control` reads), or a key of :data:`ZONE_SETS`
        (downloaded once, see :func:`fetch_zones`). A zone set already read
        by this function is returned as it is.
    zone_id : str, optional
        The column that identifies each zone. Default: ``region_id`` when
        the layer has one (any output of :func:`frontline.load_regions`),
        else the registered set's id column; otherwise required.
    zone_name : str, optional
        The column with the zones' names. Default: ``name`` when the layer
        has one, else the ids themselves.
    zone_parent : str or sequence of str, optional
        Parent columns for group rows, finest first (``["raion",
        "oblast_id"]``); a string may list them comma-separated.
    cache_dir : str or path, optional
        The download cache, for registered sets.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone in the order of first appearance: ``region_id``
        (the id, as text), ``name``, one column per parent level (its group
        ids) and ``geometry`` (EPSG:4326). ``attrs["zones"]`` records the
        columns used, the source, the original CRS, the parent levels and
        their group names, and ``checks`` (features read, zones, dropped
        and repaired features, merged duplicates, overlaps, gaps, area
        outside Ukraine); ``attrs["boundary_source"]`` describes the set.

    Raises
    ------
    OptionError
        If an id is missing, a column is not in the layer, or a group id is
        also a zone id.
    CRSError
        If the layer has no CRS.
    GeometryError
        If a feature is a point or a line.
    InputFileNotFoundError
        If a path does not exist and is not a registered name.

    Warns
    -----
    FrontlineWarning
        For dropped, repaired or merged features, overlaps, gaps and area
        outside Ukraine (see the module's rules).

    Examples
    --------
    A 30 km circle around the Zaporizhzhia nuclear power plant:

    >>> import geopandas as gpd, shapely
    >>> npp = gpd.GeoSeries([shapely.Point(34.5856, 47.5119)], crs=4326)
    >>> circle = gpd.GeoDataFrame(
    ...     {"zone": ["ZNPP 30 km"]},
    ...     geometry=npp.to_crs("+proj=aeqd +lat_0=47.5119 +lon_0=34.5856")
    ...     .buffer(30_000, quad_segs=64).to_crs(4326))
    >>> zones = read_zones(circle, zone_id="zone")
    >>> zones.region_id.tolist(), zones.attrs["zones"]["id_column"]
    (['ZNPP 30 km'], 'zone')
    """
    import geopandas as gpd

    parents = _parent_list(zone_parent)
    if isinstance(zones, gpd.GeoDataFrame):
        if _is_read(zones) and zone_id is None and zone_name is None and not parents:
            return zones
        return _frame_cached(zones, zone_id, zone_name, parents)
    if isinstance(zones, str) and zones in ZONE_SETS:
        out = fetch_zones(zones, cache_dir=cache_dir)
        if zone_id is None and zone_name is None and not parents:
            return out
        raise OptionError(
            f"zone set {zones!r} has its own columns; read it with "
            f"fetch_zones({zones!r}) and pass the result, or pass the file's path "
            "with zone_id= to choose other columns"
        )
    if isinstance(zones, (str, os.PathLike)):
        path = Path(zones)
        if not path.exists():
            raise InputFileNotFoundError(
                f"zone file {str(path)!r} does not exist, and {str(zones)!r} is not "
                f"a registered zone set ({', '.join(ZONE_SETS)}); check the path "
                f"(current directory: {Path.cwd()})"
            )
        stat = path.stat()
        out = _file_cached(
            str(path.resolve()),
            (stat.st_mtime_ns, stat.st_size),
            zone_id,
            zone_name,
            tuple(parents),
        ).copy()
        out.attrs = _deep(out.attrs)
        return out
    raise OptionError(
        "zones must be a GeoDataFrame, a polygon file or the name of a zone set "
        f"({', '.join(ZONE_SETS)}); got {type(zones).__name__}"
    )


def _parent_list(zone_parent: str | Sequence[str] | None) -> list[str]:
    if zone_parent is None:
        return []
    if isinstance(zone_parent, str):
        return [p.strip() for p in zone_parent.split(",") if p.strip()]
    return [str(p) for p in zone_parent]


def _is_read(gdf: gpd.GeoDataFrame) -> bool:
    meta = gdf.attrs.get("zones")
    return (
        isinstance(meta, dict)
        and meta.get("n") == len(gdf)
        and "region_id" in gdf.columns
        and gdf.crs is not None
        and gdf.crs.equals("EPSG:4326")
    )


@lru_cache(maxsize=8)
def _file_cached(
    path: str,
    stat: tuple[int, int],
    zone_id: str | None,
    zone_name: str | None,
    parents: tuple[str, ...],
) -> gpd.GeoDataFrame:
    raw = read_vector(path)
    if "layer" in raw.columns and raw["layer"].nunique() == 1:
        raw = raw.drop(columns="layer")
    name = Path(path).name
    column = zone_id if zone_id is not None else _default_id(raw, name)
    return normalise_zones(
        raw,
        zone_id=column,
        zone_name=zone_name,
        zone_parent=list(parents),
        what=name,
        source=f"{name} (user-supplied zones; ids from column {column!r})",
    )


#: Region selections that mean every zone: the groups of the 27 units, the
#: functions' defaults.
_EVERY: Final = [[g] for g in (*GROUPS, "all")]
#: Places outside Ukraine's outline go to the nearest zone this close (km).
SNAP_KM: Final = 3.0
_GEOD: Final = Geod(ellps="WGS84")
_FRAMES: dict[str, gpd.GeoDataFrame] = {}
_UNIONS: dict[str, Geometry] = {}
_FRAMES_SIZE: Final = 8


def _frame_cached(
    raw: gpd.GeoDataFrame,
    zone_id: str | None,
    zone_name: str | None,
    parents: list[str],
) -> gpd.GeoDataFrame:
    """Read a GeoDataFrame, reusing the result for the same content."""
    column = zone_id if zone_id is not None else _default_id(raw, "the zones")
    digest = hashlib.sha256(
        repr((column, zone_name, parents, str(raw.crs), list(raw.columns))).encode()
    )
    for col in [column, zone_name, *parents]:
        if col is not None and col in raw.columns:
            digest.update("\x1f".join(map(str, raw[col].tolist())).encode())
    for wkb in shapely.to_wkb(np.asarray(raw.geometry.values)).tolist():
        data = b"" if wkb is None else wkb
        digest.update(len(data).to_bytes(8, "little") + data)
    key = digest.hexdigest()
    if key not in _FRAMES:
        out = normalise_zones(
            raw,
            zone_id=column,
            zone_name=zone_name,
            zone_parent=parents,
            what="the zones",
            source=f"user-supplied zones (ids from column {column!r})",
        )
        _FRAMES[key] = out
        while len(_FRAMES) > _FRAMES_SIZE:
            _FRAMES.pop(next(iter(_FRAMES)))
    out = _FRAMES[key].copy()
    out.attrs = _deep(_FRAMES[key].attrs)
    return out


def _default_id(raw: gpd.GeoDataFrame, what: str) -> str:
    if "region_id" in raw.columns:
        return "region_id"
    raise OptionError(
        f"{what}: which column identifies the zones? Pass zone_id=COLUMN (CLI: "
        f"--zone-id COLUMN), one of {columns_of(raw)}"
    )


# ----------------------------------------------------------------------------
# What to measure: regions or zones


class UnitSet:
    """The units a function measures: regions or zones, with their groups.

    Parameters
    ----------
    frame : GeoDataFrame
        ``region_id``, ``name``, … ``geometry`` (EPSG:4326), in report order.
    groups : dict
        Group id to member ids, for the group rows.
    labels : dict
        Group id to its display name.
    source : str
        The boundary or zone source, for attrs and captions.
    zones : dict or None
        ``attrs["zones"]`` of a zone set; None for regions.
    everything : numpy.ndarray or None
        The polygons of the whole set (all its units or zones, selected or
        not), whose union is :meth:`outline`; None for the embedded units.
    """

    def __init__(
        self,
        frame: gpd.GeoDataFrame,
        groups: dict[str, tuple[str, ...]],
        labels: dict[str, str],
        *,
        source: str,
        zones: dict[str, Any] | None = None,
        everything: Any = None,
    ):
        self.frame = frame
        self.groups = groups
        self.labels = labels
        self.source = source
        self.zones = zones
        self.everything = everything

    def outline(self) -> Geometry:
        """Union of the whole set (cached): Ukraine's outline for the regions."""
        if self.everything is None:
            return ukraine_outline()
        geoms = np.asarray(self.everything, dtype=object)
        key = _regions_key(geoms)
        if key not in _UNIONS:
            _UNIONS[key] = shapely.union_all(geoms)
            while len(_UNIONS) > _FRAMES_SIZE:
                _UNIONS.pop(next(iter(_UNIONS)))
        return _UNIONS[key]

    @property
    def ids(self) -> tuple[str, ...]:
        """Unit ids in report order."""
        return tuple(self.frame.region_id)

    def label(self, group: str) -> str:
        """Return the display name of a group row."""
        return self.labels.get(group, group)

    def attrs(self) -> dict[str, Any]:
        """``{"zones": ...}``: the set's columns and checks, or nothing.

        Kept small (no group names): pandas copies ``attrs`` on every
        operation on a table.
        """
        if self.zones is None:
            return {}
        keep = ("source", "id_column", "name_column", "parent_columns", "crs")
        summary = {k: self.zones[k] for k in keep}
        checks = dict(self.zones["checks"])
        if "merged" in checks:
            checks["merged"] = dict(list(checks["merged"].items())[:10])
        summary["checks"] = checks
        summary["zones"] = len(self.frame)
        return {"zones": summary}


def select_units(
    regions: str | Iterable[str] | None,
    *,
    default: str | Iterable[str] | None,
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zones: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    zone_id: str | None = None,
    zone_name: str | None = None,
    zone_parent: str | Sequence[str] | None = None,
) -> UnitSet:
    """Resolve what a function measures: regions (and groups) or zones.

    Parameters
    ----------
    regions : str, iterable of str or None
        Without ``zones``: a region selection (see
        :func:`frontline.resolve_regions`). With ``zones``: None, the
        function's ``default`` or a group of the 27 units (``four``, ``six``,
        ``all``) selects every zone; anything else selects zones by id, by
        parent group id (or an oblast's name, where a parent level holds
        oblasts), or by a zone name that is unique.
    default : str, iterable of str or None
        The function's default for ``regions``.
    boundaries : GeoDataFrame, str or path, optional
        The boundaries of the regions (ignored with ``zones``).
    zones, zone_id, zone_name, zone_parent : optional
        See :func:`read_zones`.

    Returns
    -------
    UnitSet
        The units, their group rows (complete groups only) and labels.

    Raises
    ------
    OptionError
        For ``zone_id``, ``zone_name`` or ``zone_parent`` without ``zones``.
    RegionNotFoundError
        For an unknown region, or an id that names no zone or group.
    """
    if zones is None:
        if zone_id is not None or zone_name is not None or zone_parent is not None:
            raise OptionError(
                "zone_id, zone_name and zone_parent describe a zone set; pass the "
                "zones too (zones=FILE or GeoDataFrame; CLI --zones FILE)"
            )
        selection = resolve_regions(regions if regions is not None else "all")
        checked = None if boundaries is None else check_boundaries(boundaries)
        units = load_regions(selection.ids, boundaries=checked)
        source = str(units.attrs.get("boundary_source", "user-supplied boundaries"))
        labels = {g: group_label(g) for g in selection.groups}
        everything = None if checked is None else np.asarray(checked.geometry.values)
        return UnitSet(
            units,
            dict(selection.groups),
            labels,
            source=source,
            everything=everything,
        )
    frame = read_zones(
        zones, zone_id=zone_id, zone_name=zone_name, zone_parent=zone_parent
    )
    meta = frame.attrs["zones"]
    everything = np.asarray(frame.geometry.values, dtype=object)
    chosen = _choose(frame, regions, default)
    if len(chosen) < len(frame):
        frame = frame.iloc[chosen].reset_index(drop=True)
        frame.attrs = _deep(frame.attrs)
        frame.attrs["zones"]["n"] = len(frame)  # a zone set as read: a subset
    groups: dict[str, tuple[str, ...]] = {}
    for column in meta["parents"]:
        members: dict[str, list[str]] = {}
        for rid, group in zip(frame.region_id, frame[column], strict=True):
            if group is not None:
                members.setdefault(str(group), []).append(str(rid))
        sizes = meta["group_sizes"][column]
        for group, part in members.items():
            if len(part) == sizes.get(group):  # complete groups only
                groups[group] = tuple(part)
    labels = {g: meta["group_names"].get(g, g) for g in groups}
    return UnitSet(
        frame,
        groups,
        labels,
        source=str(meta["source"]),
        zones=meta,
        everything=everything,
    )


def _choose(
    frame: gpd.GeoDataFrame,
    regions: str | Iterable[str] | None,
    default: str | Iterable[str] | None,
) -> list[int]:
    """Rows of the zones that ``regions`` selects."""
    items = _as_items(regions)
    if items is None or items == _as_items(default) or items in _EVERY:
        return list(range(len(frame)))
    index = _zone_index(frame)
    rows: list[int] = []
    for item in items:
        found = next(
            (
                index[key]
                for key in (item, _oblast(item), normalise_name(item))
                if key is not None and key in index
            ),
            None,
        )
        if found is None:
            ids = frame.region_id.tolist()
            close = difflib.get_close_matches(item, list(index), n=4, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            if not frame.attrs["zones"]["parents"]:
                hint += (
                    " These zones have no parent column: pass zone_parent= (CLI "
                    "--zone-parent) to select them by group"
                )
            raise RegionNotFoundError(
                f"{item!r} is not a zone id, a parent group or a unique zone name "
                f"of the zones given ({len(ids)} zones, e.g. {ids[:3]}){hint}"
            )
        rows.extend(found)
    return list(dict.fromkeys(rows))


def _zone_index(frame: gpd.GeoDataFrame) -> dict[str, list[int]]:
    """Rows by zone id, then parent group id, then unique (normalised) name."""
    names: dict[str, list[int]] = {}
    for i, name in enumerate(frame.name):
        names.setdefault(normalise_name(str(name)), []).append(i)
    groups: dict[str, list[int]] = {}
    for column in frame.attrs["zones"]["parents"]:
        for i, group in enumerate(frame[column]):
            if group is not None:
                groups.setdefault(str(group), []).append(i)
    ids = {str(rid): [i] for i, rid in enumerate(frame.region_id)}
    unique = {k: v for k, v in names.items() if len(v) == 1}
    return {**unique, **groups, **ids}


def _as_items(spec: str | Iterable[str] | None) -> list[str] | None:
    if spec is None:
        return None
    if isinstance(spec, str):
        return [s.strip() for s in spec.split(",") if s.strip()]
    return [str(s).strip() for s in spec]


def _oblast(item: str) -> str | None:
    try:
        return resolve_region(item)
    except RegionNotFoundError:
        return None


def zone_of_points(points: Any, zones: gpd.GeoDataFrame) -> Any:
    """Row of the zone holding each point: the first in zone order, else -1.

    A point on a zone's boundary is in it; a point in several zones (on a
    shared edge, or where zones overlap) goes to the first of them, so each
    place counts once. A point outside Ukraine's outline (GeoNames puts some
    coastal and border towns a little offshore or abroad) goes to the nearest
    zone within :data:`SNAP_KM`, as the gazetteer gives such places the
    nearest unit.
    """
    points = np.asarray(points, dtype=object)
    out = np.full(len(points), -1, dtype=np.intp)
    if len(points) == 0 or len(zones) == 0:
        return out
    geoms = np.asarray(zones.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    point, zone = tree.query(points, predicate="intersects")
    order = np.lexsort((zone, point))[::-1]  # the smallest zone row last
    out[point[order]] = zone[order]
    lost = np.flatnonzero(out < 0)
    if len(lost):
        x, y = shapely.get_x(points[lost]), shapely.get_y(points[lost])
        lost = lost[~shapely.contains_xy(ukraine_outline(), x, y)]
    if len(lost):
        near_point, near_zone = tree.query_nearest(
            points[lost], max_distance=SNAP_KM / 60.0, all_matches=False
        )
        lines = shapely.shortest_line(points[lost][near_point], geoms[near_zone])
        xy = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        _, _, metres = _GEOD.inv(xy[:, 0, 0], xy[:, 0, 1], xy[:, 1, 0], xy[:, 1, 1])
        close = np.asarray(metres) <= SNAP_KM * 1000
        out[lost[near_point[close]]] = near_zone[close]
    return out


def cut_lines(lines: Any, zones: gpd.GeoDataFrame) -> tuple[Any, Any]:
    """Cut lon/lat lines along the zones; each stretch goes to one zone.

    Returns the pieces (one MultiLineString per zone that holds line) and the
    zone row of each. A stretch that runs along a boundary shared by several
    zones (or lies where zones overlap) goes to the first of them in zone
    order, so the pieces never overlap and their lengths add up to the
    line's inside the zones.
    """
    geoms = np.asarray(zones.geometry.values, dtype=object)
    line = shapely.union_all(np.asarray(lines, dtype=object))
    empty = (np.zeros(0, dtype=object), np.zeros(0, dtype=np.intp))
    if line is None or line.is_empty or len(geoms) == 0:
        return empty
    tree = shapely.STRtree(geoms)
    hit = np.sort(tree.query(line, predicate="intersects"))
    parts, owner = shapely.get_parts(
        shapely.intersection(line, geoms[hit]), return_index=True
    )
    linear = np.isin(shapely.get_type_id(parts), (1, 2))  # LineString, LinearRing
    parts, owner = parts[linear], hit[owner[linear]]
    xy, which = shapely.get_coordinates(parts, return_index=True)
    same = which[1:] == which[:-1]
    start, end = xy[:-1][same], xy[1:][same]
    zone = owner[which[1:][same]]
    mid = shapely.points((start + end) / 2)
    # The first zone whose piece of line passes within a hair of a segment's
    # middle owns it. Pieces, not zones: a line that runs a hair off a zone's
    # edge (a line traced along a border) is not in that zone's piece.
    p, k = shapely.STRtree(parts).query(mid, predicate="dwithin", distance=1e-9)
    first = np.full(len(mid), len(geoms), dtype=np.intp)
    np.minimum.at(first, p, owner[k])
    keep = first == zone
    segments = shapely.linestrings(
        np.stack([start[keep], end[keep]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(int(keep.sum())), 2),
    )
    rows = zone[keep]
    order = np.unique(rows)
    pieces = np.array(
        [
            shapely.line_merge(shapely.multilinestrings(segments[rows == r]))
            for r in order
        ],
        dtype=object,
    )
    return pieces, order
