"""Fetch public control maps by source and date (the public face of downloading).

What can be fetched: control maps by date (:func:`fetch_control`), the
current features of an ArcGIS REST polygon layer such as ISW/CTP's
(:func:`fetch_arcgis`), and boundary sets by name
(:func:`frontline.boundaries.fetch_boundaries`). Every download goes through
one cached, verified and locked path (:func:`fetch_file`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Literal, get_args

from frontline._arcgis import fetch_arcgis
from frontline._dates import parse_date
from frontline._http import CACHE_ENV, cache_location, fetch_file
from frontline.boundaries import (
    BOUNDARY_SETS,
    BoundarySet,
    fetch_boundaries,
    read_boundaries,
    resolve_boundaries,
)
from frontline.errors import (
    ChecksumError,
    DownloadError,
    OptionError,
    SnapshotNotFoundError,
)
from frontline.sources._deepstate_fetch import fetch_deepstate, fetch_union

if TYPE_CHECKING:
    import os
    from pathlib import Path

__all__ = [
    "BOUNDARY_SETS",
    "CACHE_ENV",
    "BoundarySet",
    "ChecksumError",
    "DownloadError",
    "SnapshotNotFoundError",
    "cache_location",
    "fetch_arcgis",
    "fetch_boundaries",
    "fetch_control",
    "fetch_file",
    "read_boundaries",
    "resolve_boundaries",
]

log = logging.getLogger(__name__)

ControlSource = Literal["deepstate-union", "deepstate"]


def fetch_control(
    source: ControlSource | str,
    date: dt.date | str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    known_hash: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the control map a public source published for one date.

    ``read_control(fetch_control(source, date))`` reads it; its
    ``attrs["date"]`` is ``date``.

    Parameters
    ----------
    source : {"deepstate-union", "deepstate"}
        ``deepstate-union``: the DeepState daily union archive (one
        MultiPolygon of Russian-held land incl. Crimea and the pre-2022 areas;
        no grey zone), ``raw.githubusercontent.com/cyterat/deepstate-map-data/
        main/data/deepstatemap_data_YYYYMMDD.geojson``. The file named D is
        downloaded at about 03:00 UTC on D and shows the evening of D − 1, so
        ``date`` D is fetched from the file named D + 1. The archive starts
        with the evening of 2024-07-07 and has gaps (e.g. the files of
        2024-08-18/19, 2025-01-01 and 2025-04-01 are missing).

        ``deepstate``: DeepState's own map history (all classes: occupied,
        pre-2022, grey zone, liberated), from ``deepstatemap.live/api/
        history``. The list of versions (``/public``) is read first; the last
        version whose situation date (publication time − 6 h, see
        :mod:`frontline.sources.deepstate`) is ``date`` is then downloaded
        from ``/<id>/geojson`` and cached as
        ``deepstate_<YYYYMMDDTHHMMSSZ>_<id>.geojson``. **This API is
        unofficial and undocumented.** The validation data's provenance notes
        document only ``/api/history/last`` (the endpoint the union archive
        is built from); the shape assumed for ``/public`` (a JSON array of
        ``{"id", "createdAt", …}``, ``id`` the Unix publication time) and for
        ``/<id>/geojson`` (a GeoJSON FeatureCollection) is taken from public
        client code and could not be verified here. Once a date is final
        (after 12:00 UTC the next day) its choice is remembered in the cache,
        so a cached date needs no connection.

        ``isw`` is refused: ISW/CTP's ArcGIS layers show the current
        assessment only (no date parameter), and their service addresses
        change. Download the current layer with :func:`fetch_arcgis` (its
        REST address, ``…/FeatureServer/<n>``) and read it with
        ``read_control(path, source="isw", date=...)``, or pass a downloaded
        ISW export to :func:`frontline.read_control`.
    date : datetime.date or str
        The date of the situation (the evening, Kyiv time), e.g.
        ``"2024-11-20"``.
    cache_dir : str or path, optional
        See :func:`cache_location`. Files go to ``control/<source>/``.
    known_hash : str, optional
        The sha256 of the file, if you know it (the archive publishes none).
    timeout : float, default 30
        Seconds to wait for the connection and for each read.

    Returns
    -------
    pathlib.Path
        The cached file.

    Raises
    ------
    OptionError
        For an unknown source, ``isw`` (see above) or an unreadable date.
    SnapshotNotFoundError
        If the source has no map for that date (before the archive starts, in
        the future, a gap in the archive, or no DeepState version that day).
    DownloadError
        If the download fails (offline, HTTP error, timeout…); see
        :func:`fetch_file`.
    UnsupportedFormatError
        If the DeepState API's list of versions is not what it used to be.
    """
    if source == "isw":
        raise OptionError(
            f"fetch_control cannot fetch ISW maps by date (got {date!r}): ISW's "
            "ArcGIS layers show the current assessment only, with no date "
            "parameter. Download the current layer with "
            "frontline.fetch.fetch_arcgis(layer_url), where layer_url is the "
            "layer's REST address ending in /FeatureServer/<n> or /MapServer/<n>, "
            "and read it with frontline.read_control(path, source='isw', "
            "date=...); or pass a downloaded ISW export (GeoJSON/KMZ) to "
            "frontline.read_control"
        )
    if source not in get_args(ControlSource):
        raise OptionError(
            f"unknown control source {source!r}; expected one of "
            f"{list(get_args(ControlSource))}"
        )
    day = parse_date(date)
    today = dt.datetime.now(dt.UTC).date()
    if day > today:
        raise SnapshotNotFoundError(
            f"{day.isoformat()} is in the future (today is {today.isoformat()} UTC); "
            "no source has a map for it yet"
        )
    folder = cache_location(cache_dir) / "control" / source
    if source == "deepstate-union":
        return fetch_union(day, folder, known_hash=known_hash, timeout=timeout)
    return fetch_deepstate(day, folder, known_hash=known_hash, timeout=timeout)
