"""Boundary sets: the catalogue of downloadable sets, boundary files, checks.

:data:`BOUNDARY_SETS` lists the official-grade sets that can be downloaded by
name (:func:`fetch_boundaries`); :func:`read_boundaries` reads any boundary
file of Ukraine's units; :func:`resolve_boundaries` turns any boundary
specification (``None``, a GeoDataFrame, a registered name, a file on disk)
into frontline's schema, and :func:`check_boundaries` checks one.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from frontline import _validate
from frontline._http import cache_location, check_timeout, retrieve
from frontline._io import read_vector
from frontline._messages import quote
from frontline._units import (
    BOUNDARY_SOURCE,
    COLUMNS,
    check_unit_geometries,
    embedded_units,
    from_geodataframe,
    resolve_region,
    ukraine_outline,
)
from frontline.errors import (
    ArgumentTypeError,
    ChecksumError,
    CRSError,
    DownloadError,
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely import Geometry

__all__ = [
    "BOUNDARY_SETS",
    "BoundarySet",
    "check_boundaries",
    "fetch_boundaries",
    "fetch_boundary_file",
    "read_boundaries",
    "resolve_boundaries",
]

log = logging.getLogger(__name__)

Clip = Literal["minregion", "natural-earth", "none"]


# ----------------------------------------------------------------------------
# Boundary sets


@dataclasses.dataclass(frozen=True)
class BoundarySet:
    """A downloadable boundary set of Ukraine's 27 first-level units.

    Attributes
    ----------
    title : str
        What it is.
    urls : tuple of str
        Where to download it, tried in order (mirrors after the canonical
        address); every copy is verified against ``sha256``.
    sha256 : str
        The file's sha256.
    filename : str
        Its name in the cache's ``boundaries/`` folder.
    column : str
        The column that names the units.
    licence : str
        The licence, as stated by the source.
    attribution : str
        The credit the licence requires.
    provenance : str
        Where the file comes from.
    territorial_sea : bool
        Whether coastal units include the 12-nmi territorial sea (then
        clipped to land by default, see :func:`fetch_boundaries`).
    """

    title: str
    urls: tuple[str, ...]
    sha256: str
    filename: str
    column: str
    licence: str
    attribution: str
    provenance: str
    territorial_sea: bool = False


_GB_COMMIT: Final = "9469f09592ced973a3448cf66b6100b741b64c0d"
_GB_BASE: Final = (
    "https://media.githubusercontent.com/media/wmgeolab/geoBoundaries/"
    f"{_GB_COMMIT}/releaseData/gbOpen/UKR/ADM1"
)
_GB_MIRROR: Final = "https://raw.githubusercontent.com/zzmy78/maps"
_GB_LICENCE: Final = "ODbL 1.0 (Open Database License; attribution and share-alike)"
_GB_ATTRIBUTION: Final = (
    "geoBoundaries (www.geoboundaries.org; Runfola et al. 2020, PLOS ONE 15(4): "
    "e0231866); boundary data © OpenStreetMap contributors (via Wambacher)"
)
_GB_PROVENANCE: Final = (
    "geoBoundaries gbOpen UKR ADM1, boundary ID UKR-ADM1-14850775, boundary year "
    "2017, source OpenStreetMap via Wambacher; release commit 9469f09 of "
    "wmgeolab/geoBoundaries (mirror: zzmy78/maps)"
)

#: Registered boundary sets, by name: ``load_regions(..., boundaries=NAME)``.
BOUNDARY_SETS: dict[str, BoundarySet] = {
    "minregion-2020": BoundarySet(
        title="Minregion 2020 oblast polygons (27 units, land only)",
        urls=(
            "https://raw.githubusercontent.com/justinelliotmeyers/Ukraine_2020/"
            "3209590ce744c88114395a1e2df0fd439a7dc4f8/oblast.geojson",
        ),
        sha256="ca75e8a2a283a9f2a452137b01f16b43e4ceefeafd43c4fe6c4a9986579ef202",
        filename="minregion-2020-oblast.geojson",
        column="ADMIN_1",
        licence="CC BY-SA (Creative Commons Attribution-ShareAlike; version not "
        "stated by the source)",
        attribution="© Мінрегіон (Ministry for Communities and Territories "
        "Development of Ukraine), www.minregion.gov.ua",
        provenance="atu.decentralization.gov.ua, state after the July 2020 raion "
        "reform; oblast.geojson of justinelliotmeyers/Ukraine_2020 at commit "
        "3209590",
    ),
    "geoboundaries-adm1": BoundarySet(
        title="geoBoundaries UKR ADM1, full resolution (27 units)",
        urls=(
            f"{_GB_BASE}/geoBoundaries-UKR-ADM1.geojson",
            f"{_GB_MIRROR}/d0bda5a3123225bdfb2afffdcb8a44d05d8c20fb/"
            "geoBoundaries-UKR-ADM1.geojson",
        ),
        sha256="b2f9f4ad2e9be5888523219c0bb46a24332ead16b46305409098048fd361a2d6",
        filename="geoBoundaries-UKR-ADM1.geojson",
        column="shapeISO",
        licence=_GB_LICENCE,
        attribution=_GB_ATTRIBUTION,
        provenance=_GB_PROVENANCE,
        territorial_sea=True,
    ),
    "geoboundaries-adm1-simplified": BoundarySet(
        title="geoBoundaries UKR ADM1, simplified (27 units)",
        urls=(
            f"{_GB_BASE}/geoBoundaries-UKR-ADM1_simplified.geojson",
            f"{_GB_MIRROR}/c88664dc8d66f93a7d56c147083a51ff16bae294/"
            "geoBoundaries-UKR-ADM1_simplified.geojson",
        ),
        sha256="4a5947e7497574d51f93255dfa7e03dce0c7acf6ecee52d25773a5205854a399",
        filename="geoBoundaries-UKR-ADM1_simplified.geojson",
        column="shapeISO",
        licence=_GB_LICENCE,
        attribution=_GB_ATTRIBUTION,
        provenance=_GB_PROVENANCE,
        territorial_sea=True,
    ),
}


def _boundary_set(name: str) -> BoundarySet:
    _validate.text(name, "name", example="minregion-2020")
    if name not in BOUNDARY_SETS:
        raise RegionNotFoundError(
            f"unknown boundary set {name!r}; choose one of {list(BOUNDARY_SETS)}, or "
            "pass the path of a boundary file"
        )
    return BOUNDARY_SETS[name]


def fetch_boundary_file(
    name: str,
    *,
    folder: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download a registered boundary set's file as it is (verified) and return it.

    :func:`fetch_boundaries` reads it into frontline's schema; this gives the
    file itself (``frontline fetch minregion-2020``).

    Parameters
    ----------
    name : str
        A key of :data:`BOUNDARY_SETS`.
    folder : str or path, optional
        Put the file there (default: the cache's ``boundaries/`` folder).
    cache_dir : str or path, optional
        See :func:`frontline.fetch.cache_location`.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    pathlib.Path
        The file (its sha256 is the registered one).

    Raises
    ------
    RegionNotFoundError
        For an unknown name.
    DownloadError, ChecksumError
        As :func:`fetch_boundaries`.
    """
    entry = _boundary_set(name)
    check_timeout(timeout)
    root = cache_location(cache_dir)
    if folder is None:
        return _fetch_boundary_file(entry, root / "boundaries", timeout)
    return _fetch_boundary_file(entry, Path(folder), timeout, lock_dir=root / "locks")


def _fetch_boundary_file(
    entry: BoundarySet, folder: Path, timeout: float, lock_dir: Path | None = None
) -> Path:
    target = folder / entry.filename
    errors: list[DownloadError] = []
    for url in entry.urls:
        try:
            return retrieve(
                url,
                target,
                known_hash=entry.sha256,
                timeout=timeout,
                lock_dir=lock_dir,
            )
        except DownloadError as exc:
            log.info("boundary download from %s failed: %s", url, exc)
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    kind = (
        ChecksumError
        if all(isinstance(e, ChecksumError) for e in errors)
        else DownloadError
    )
    raise kind(
        f"could not download {entry.title} from any of its {len(errors)} "
        "addresses:\n  "
        + "\n  ".join(
            f"{url}: {exc}" for url, exc in zip(entry.urls, errors, strict=True)
        ),
        url=entry.urls[0],
        status=errors[-1].status,
    ) from errors[-1]


def fetch_boundaries(
    name: str,
    *,
    clip: Clip | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> gpd.GeoDataFrame:
    """Download a registered boundary set (once) and return it in frontline's schema.

    ==================================  ===========================================
    name                                set
    ==================================  ===========================================
    ``minregion-2020``                  Minregion 2020 oblast polygons, land only
                                        (CC BY-SA, © Мінрегіон); recommended
    ``geoboundaries-adm1``              geoBoundaries UKR ADM1, full (ODbL 1.0)
    ``geoboundaries-adm1-simplified``   geoBoundaries UKR ADM1, simplified
    ==================================  ===========================================

    geoBoundaries' coastal units include the 12-nmi territorial sea (+18 % for
    Kherson, +60 % for Crimea); they are clipped to land by default.

    Parameters
    ----------
    name : str
        A key of :data:`BOUNDARY_SETS`.
    clip : {"minregion", "natural-earth", "none"}, optional
        How to remove the territorial sea of sets that include it. Default
        ``"minregion"``: intersect with the union of the Minregion 2020
        polygons (downloaded too; the result is then also derived from
        CC BY-SA data). ``"natural-earth"``: intersect with the embedded
        Natural Earth outline (public domain) — coarse: it also cuts 1-3 %
        along land borders and drops the Dnipro and Southern Bug estuaries.
        ``"none"``: keep the sea. Sets without sea accept only the default.
    cache_dir : str or path, optional
        See :func:`cache_location`. Files go to ``boundaries/``.
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema of :func:`frontline.load_regions` (names and official
        areas from the embedded table), EPSG:4326, one row per unit.
        ``attrs["boundary_source"]`` names the set, its licence and the
        attribution to show; ``attrs["boundary_set"]`` holds the same as a
        dict (``name``, ``urls``, ``sha256``, ``licence``, ``attribution``,
        ``clip``).

    Raises
    ------
    RegionNotFoundError
        For an unknown name.
    OptionError
        For an unknown ``clip``, or a clip on a land-only set.
    DownloadError
        If no address of the set can be downloaded (offline…).
    ChecksumError
        If the file differs from the registered sha256.
    """
    entry = _boundary_set(name)
    check_timeout(timeout)
    if clip is not None and clip not in get_args(Clip):
        raise OptionError(f"unknown clip {clip!r}; expected one of {get_args(Clip)}")
    if not entry.territorial_sea and clip not in (None, "none"):
        raise OptionError(
            f"boundary set {name!r} is land only; clip={clip!r} applies to sets "
            "that include the territorial sea "
            f"({[k for k, v in BOUNDARY_SETS.items() if v.territorial_sea]})"
        )
    how: Clip = (
        clip if clip is not None else ("minregion" if entry.territorial_sea else "none")
    )
    root = cache_location(cache_dir).resolve()
    return _boundaries(name, entry, how, str(root), timeout).copy()


@lru_cache(maxsize=8)
def _boundaries(
    name: str, entry: BoundarySet, clip: Clip, root: str, timeout: float
) -> gpd.GeoDataFrame:
    path = _fetch_boundary_file(entry, Path(root) / "boundaries", timeout)
    gdf = from_geodataframe(read_vector(path), column=entry.column)
    licences = [entry.licence]
    credits = [entry.attribution]
    note = ""
    if clip == "minregion":
        minregion = BOUNDARY_SETS["minregion-2020"]
        land = _boundaries("minregion-2020", minregion, "none", root, timeout)
        gdf = _clip_to(gdf, land.geometry.union_all())
        licences.append(minregion.licence)
        credits.append(minregion.attribution)
        note = "; territorial sea removed by clipping to the Minregion 2020 outline"
    elif clip == "natural-earth":
        gdf = _clip_to(gdf, ukraine_outline())
        note = f"; territorial sea removed by clipping to {BOUNDARY_SOURCE}"
    elif entry.territorial_sea:
        note = "; includes the 12-nmi territorial sea (not clipped)"
    gdf.attrs["boundary_source"] = (
        f"{entry.title} [{name}]{note}. Licence: {'; '.join(licences)}. "
        f"Attribution: {'; '.join(credits)}"
    )
    gdf.attrs["boundary_set"] = {
        "name": name,
        "title": entry.title,
        "urls": list(entry.urls),
        "sha256": entry.sha256,
        "licence": entry.licence,
        "attribution": entry.attribution,
        "provenance": entry.provenance,
        "clip": clip,
    }
    return gdf


def _clip_to(gdf: gpd.GeoDataFrame, outline: Geometry) -> gpd.GeoDataFrame:
    import numpy as np

    import shapely

    clipped = shapely.intersection(np.asarray(gdf.geometry.values), outline)
    polygonal = []
    for geom in clipped:
        parts = shapely.get_parts(geom)
        keep = parts[shapely.get_type_id(parts) == 3]  # polygons only
        polygonal.append(shapely.multipolygons(keep) if len(keep) else None)
    out = gdf.copy()
    out["geometry"] = polygonal
    return out


# ----------------------------------------------------------------------------
# Any boundary specification

_ISO_COLUMNS: Final = ("region_id", "shapeISO", "iso_3166_2", "ISO_3166_2", "iso")
#: A column with more distinct values than this cannot name first-level units.
_MAX_DISTINCT: Final = 200


def read_boundaries(
    path: str | os.PathLike[str], *, column: str | None = None
) -> gpd.GeoDataFrame:
    """Read any boundary file of Ukraine's units into frontline's schema.

    Each feature is resolved to a region id through the alias table (ISO
    3166-2 ids, English names and older transliterations, Ukrainian and
    Russian names, with or without "Oblast"; see
    :func:`frontline.resolve_region`). Several features of one unit are
    dissolved into one.

    Parameters
    ----------
    path : str or path
        Any vector file :func:`frontline.read_control` reads (GeoJSON,
        GeoPackage, Shapefile, KML/KMZ …), in any CRS.
    column : str, optional
        The column that names the units. Default: the first column whose
        values all resolve, trying ISO-code columns (``region_id``,
        ``shapeISO``, ``iso_3166_2`` …) first, then the others in file order.

    Returns
    -------
    geopandas.GeoDataFrame
        The schema of :func:`frontline.load_regions`;
        ``attrs["boundary_source"]`` names the file and the column used.

    Raises
    ------
    ArgumentTypeError
        If ``path`` is not a path or ``column`` not a string.
    InputFileNotFoundError
        If the file does not exist (or no file can have that name).
    RegionNotFoundError
        If some features resolve to no unit in any column; the message names
        them (feature number and value) for the column that resolves most.
    GeometryError, CRSError
        See :func:`frontline.regions.from_geodataframe`.
    OptionError
        If the layer has no attribute column, or ``column`` is not in it.
    """
    file = _validate.path(path, "path")
    _validate.text(column, "column", none=True, example="region_id")
    if not file.exists():
        raise InputFileNotFoundError(
            f"boundary file {quote(str(file), 160)} does not exist, and it is not "
            f"a registered boundary set ({', '.join(BOUNDARY_SETS)}); check the "
            f"path (current directory: {quote(str(Path.cwd()), 160)})"
        )
    raw = read_vector(file)
    name = column if column is not None else _unit_column(raw, file)
    if name not in raw.columns:
        raise OptionError(
            f"column {name!r} not found in {file.name}; it has "
            f"{[c for c in raw.columns if c != raw.geometry.name]}"
        )
    _check_resolves(raw, name, file)
    return from_geodataframe(
        raw,
        column=name,
        source=f"{file.name} (user-supplied boundary file; units from column {name!r})",
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _resolves(value: Any) -> bool:
    if _missing(value):
        return False
    try:
        resolve_region(str(value))
    except RegionNotFoundError:
        return False
    return True


def _unresolved(raw: gpd.GeoDataFrame, column: str) -> list[tuple[int, Any]]:
    values = raw[column].tolist()
    verdict = {str(v): _resolves(v) for v in set(map(str, values))}
    return [(i, v) for i, v in enumerate(values) if _missing(v) or not verdict[str(v)]]


def _unit_column(raw: gpd.GeoDataFrame, file: Path) -> str:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if not columns:
        raise OptionError(
            f"{file.name} has no attribute column to tell which unit each feature "
            "is; add one with the unit names or ISO 3166-2 ids (e.g. 'UA-14')"
        )
    iso = [c for c in columns if c in _ISO_COLUMNS or "iso" in str(c).lower()]
    ordered = iso + [c for c in columns if c not in iso]
    best: tuple[int, str, list[tuple[int, Any]]] | None = None
    for col in ordered:
        if raw[col].astype(str).nunique() > _MAX_DISTINCT:
            continue
        bad = _unresolved(raw, col)
        if not bad:
            return str(col)
        good = len(raw) - len(bad)
        if best is None or good > best[0]:
            best = (good, str(col), bad)
    if best is None or best[0] == 0:
        raise RegionNotFoundError(
            f"no column of {file.name} names Ukrainian units (columns: {columns}); "
            "expected names or ISO 3166-2 ids such as 'Donetsk', 'Донецька "
            "область' or 'UA-14'. Pass column=... or fix the file"
        )
    _raise_unresolved(file, best[1], best[2], len(raw))
    raise AssertionError("unreachable")  # pragma: no cover


def _check_resolves(raw: gpd.GeoDataFrame, column: str, file: Path) -> None:
    bad = _unresolved(raw, column)
    if bad:
        _raise_unresolved(file, column, bad, len(raw))


def _raise_unresolved(
    file: Path, column: str, bad: list[tuple[int, Any]], total: int
) -> None:
    shown = ", ".join(f"feature {i} {v!r}" for i, v in bad[:10])
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    raise RegionNotFoundError(
        f"{file.name}: {len(bad)} of {total} features do not resolve to a Ukrainian "
        f"unit through column {column!r}: {shown}{more}. Fix or drop those "
        "features, or pass column=...; names resolve in English, Ukrainian or "
        "Russian, or as ISO 3166-2 ids (run `frontline regions` to list them)"
    )


def resolve_boundaries(
    spec: gpd.GeoDataFrame | str | os.PathLike[str] | None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Turn any boundary specification into a boundary GeoDataFrame.

    Parameters
    ----------
    spec : None, GeoDataFrame, str or path
        ``None``: the embedded Natural Earth units. A GeoDataFrame: returned
        as it is (it must follow :func:`frontline.regions.from_geodataframe`).
        A key of :data:`BOUNDARY_SETS`: downloaded once, see
        :func:`fetch_boundaries`. Anything else: the path of a boundary file,
        see :func:`read_boundaries`.
    cache_dir : str or path, optional
        See :func:`cache_location`.

    Returns
    -------
    geopandas.GeoDataFrame
        Boundaries with ``region_id``; ``attrs["boundary_source"]`` says
        where they come from.

    Raises
    ------
    OptionError
        If ``spec`` is of another type.
    InputFileNotFoundError, RegionNotFoundError, DownloadError
        From :func:`read_boundaries` and :func:`fetch_boundaries`.

    Examples
    --------
    >>> resolve_boundaries(None).attrs["boundary_source"][:22]
    'Natural Earth 10m admi'
    """
    import geopandas as gpd

    if spec is None:
        out = embedded_units().copy()
        out.attrs["boundary_source"] = BOUNDARY_SOURCE
        return out
    if isinstance(spec, gpd.GeoDataFrame):
        return spec
    if isinstance(spec, str) and spec in BOUNDARY_SETS:
        return fetch_boundaries(spec, cache_dir=cache_dir)
    if isinstance(spec, (str, os.PathLike)):
        return _read_boundaries_cached(Path(spec)).copy()
    raise ArgumentTypeError(
        "boundaries must be None, a GeoDataFrame, the name of a boundary set "
        f"({', '.join(BOUNDARY_SETS)}) or a file path; got {_validate.received(spec)}"
    )


def _read_boundaries_cached(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        return read_boundaries(path)  # raises the documented error
    stat = path.stat()
    return _read_boundaries_key(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read_boundaries_key(path: str, mtime_ns: int, size: int) -> gpd.GeoDataFrame:
    return read_boundaries(path)


def check_boundaries(
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str],
) -> gpd.GeoDataFrame:
    """Return boundaries in frontline's schema, checked: from a file, set or frame.

    Parameters
    ----------
    boundaries : GeoDataFrame, str or path
        A GeoDataFrame with a ``region_id`` column, a registered set's name
        or a boundary file (see :func:`resolve_boundaries`).

    Returns
    -------
    geopandas.GeoDataFrame
        The boundaries, with the name and official-area columns filled from
        the embedded table where they are missing.

    Raises
    ------
    OptionError, CRSError, RegionNotFoundError
        If the frame lacks ``region_id``, is not in EPSG:4326, holds a unit
        twice or ids that are not Ukrainian units.
    ArgumentTypeError
        If ``region_id`` holds values that are not strings.
    GeometryError, CRSError
        If a unit has NaN or infinite coordinates, coordinates that are not
        longitude/latitude, or no polygon (points, lines). Invalid polygons
        are repaired with a :class:`~frontline.errors.FrontlineWarning`;
        empty units pass here and are refused when selected (see
        :func:`frontline.load_regions`).
    """
    import geopandas as gpd

    if not isinstance(boundaries, gpd.GeoDataFrame):
        boundaries = resolve_boundaries(boundaries)
    _validate.geoframe(boundaries, "boundaries", what="Ukraine's units")
    if "region_id" not in boundaries.columns:
        raise OptionError(
            "boundaries must have a 'region_id' column with ISO 3166-2 ids; build "
            "one with frontline.regions.from_geodataframe(gdf, column=NAME_COLUMN)"
        )
    if boundaries.crs is None or not boundaries.crs.equals("EPSG:4326"):
        raise CRSError(
            f"boundaries must be in EPSG:4326, got {boundaries.crs}; reproject "
            "them with gdf.to_crs('EPSG:4326')"
        )
    not_text = [v for v in boundaries.region_id if not isinstance(v, str)]
    if not_text:
        raise ArgumentTypeError(
            "boundaries' region_id column must hold ISO 3166-2 ids as strings "
            f"such as 'UA-14', got {_validate.received(not_text[0])}; build the "
            "frame with frontline.regions.from_geodataframe(gdf, column=NAME_COLUMN)"
        )
    if boundaries.region_id.duplicated().any():
        dupes = sorted(boundaries.region_id[boundaries.region_id.duplicated()].unique())
        raise OptionError(
            f"boundaries hold several rows for {quote(dupes)}; dissolve them first "
            "(gdf.dissolve('region_id', as_index=False))"
        )
    unknown = sorted(set(boundaries.region_id) - set(embedded_units().region_id))
    if unknown:
        raise RegionNotFoundError(
            f"boundaries have region_id values that are not Ukrainian units: "
            f"{quote(unknown[:10])}; expected ISO 3166-2 ids such as UA-14"
        )
    boundaries = check_unit_geometries(boundaries)
    missing = [c for c in COLUMNS if c not in boundaries.columns]
    if missing:  # names and official areas come from the embedded table
        meta = embedded_units().set_index("region_id")
        boundaries = boundaries.copy()
        for col in missing:
            boundaries[col] = boundaries.region_id.map(meta[col]).to_numpy()
    return boundaries
