"""The embedded, illustrative sample control layer."""

from __future__ import annotations

import datetime as dt
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Any, Final

from frontline.control import read_control

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "SAMPLE_DATE",
    "SAMPLE_SOURCE",
    "SERIES_DATES",
    "SERIES_SOURCE",
    "load_sample",
    "load_sample_series",
]

#: The situation the sample layer approximates (evening of this date).
SAMPLE_DATE: Final = dt.date(2024, 11, 20)
SAMPLE_SOURCE: Final = (
    "frontline illustrative sample for 2024-11-20: a line drawn through named "
    "settlements (GeoNames, CC BY 4.0), not a survey; use a real control map "
    "for real figures"
)


def load_sample() -> gpd.GeoDataFrame:
    """Load the illustrative control layer of 20 Nov 2024 shipped with frontline.

    The layer approximates the Russian-held territory on the evening of
    20 Nov 2024 by a line through named settlements on the line of contact
    (positions from GeoNames, CC BY 4.0), closed along the state border and
    the coast. It is **illustrative**: good to a few percentage points per
    oblast (see ``data/sample/README.md``), not a survey. It lets examples and
    the ``frontline report`` command run offline.

    Returns
    -------
    geopandas.GeoDataFrame
        A normalised control layer (statuses ``occupied`` and
        ``occupied_before_2022``); ``attrs["illustrative"]`` is True.

    Examples
    --------
    >>> layer = load_sample()
    >>> sorted(layer.status)
    ['occupied', 'occupied_before_2022']
    >>> layer.attrs["date"], layer.attrs["illustrative"]
    (datetime.date(2024, 11, 20), True)
    """
    with as_file(files("frontline") / "data" / "sample_control_20241120.geojson") as p:
        layer = read_control(
            p, status_column="status", date=SAMPLE_DATE, source="generic"
        )
    layer.attrs["source"] = SAMPLE_SOURCE
    layer.attrs["illustrative"] = True
    return layer


#: The generated series' dates: the 20th of each month, a year to the sample.
SERIES_DATES: Final = tuple(
    dt.date(2023 + (10 + i) // 12, (10 + i) % 12 + 1, 20) for i in range(13)
)

SERIES_SOURCE: Final = (
    "frontline illustrative series (generated, Nov 2023 to Nov 2024: the "
    "sample's line moved back in time around a few named places), not a "
    "survey; use real control maps for real figures"
)

#: (lon, lat, km, first, last): a disc of ``km`` around the place is not
#: Russian-held before month ``first`` (0 = Nov 2023); it shrinks from month
#: ``first`` to nothing by the month after ``last``: where the line moved
#: forward during the year. The place names say where the line was reported
#: to move; the discs are not a survey of it.
_ADVANCES: Final = (
    (37.18, 48.28, 38.0, 0, 11),  # Avdiivka to Pokrovsk
    (37.28, 47.95, 24.0, 0, 11),  # Marinka, Kurakhove
    (37.25, 47.78, 14.0, 6, 11),  # Vuhledar
    (37.88, 48.52, 10.0, 0, 11),  # Bakhmut, Chasiv Yar, Toretsk
    (37.78, 49.65, 14.0, 2, 11),  # Kupiansk, Svatove
    (33.13, 46.74, 4.0, 0, 8),  # Krynky bridgehead (left bank)
)

#: (lon, lat, km, first, last): Russian-held for these months only, then
#: lost again (Vovchansk, north of Kharkiv, spring and summer 2024).
_RETREATS: Final = ((36.98, 50.22, 9.0, 6, 9),)


def load_sample_series() -> list[gpd.GeoDataFrame]:
    """Generate thirteen monthly illustrative layers, Nov 2023 to Nov 2024.

    The last layer is :func:`load_sample` (20 Nov 2024). Each earlier layer
    takes discs out of its Russian-held area around a few places where the
    line was reported to move during that year (Avdiivka to Pokrovsk,
    Kurakhove, Vuhledar, Chasiv Yar, Kupiansk, the Krynky bridgehead), the
    farther back the larger; one area north of Kharkiv is Russian-held for
    four months only, so the series also has area that stopped being
    Russian-held. It lets the time-series functions, charts and change maps
    run offline. It is **illustrative and generated**: the shapes are circles,
    not a survey, and the dates are the 20th of each month.

    Returns
    -------
    list of geopandas.GeoDataFrame
        Thirteen normalised control layers in date order
        (:data:`SERIES_DATES`); ``attrs["illustrative"]`` is True and
        ``attrs["source"]`` says how they were made.

    Examples
    --------
    >>> layers = load_sample_series()
    >>> len(layers), str(layers[0].attrs["date"]), str(layers[-1].attrs["date"])
    (13, '2023-11-20', '2024-11-20')
    >>> import frontline as fl
    >>> first, last = (fl.control_table(x, "four").set_index("region_id")
    ...                for x in (layers[0], layers[-1]))
    >>> bool(first.loc["UA-14", "occupied_pct"] < last.loc["UA-14", "occupied_pct"])
    True
    """
    import geopandas as gpd
    import shapely

    from frontline._units import ukraine_outline

    sample = load_sample()
    pre = sample.geometry[(sample.status == "occupied_before_2022").to_numpy()]
    occupied = shapely.union_all(
        sample.geometry[(sample.status == "occupied").to_numpy()].to_numpy()
    )
    held = shapely.union_all(sample.geometry.to_numpy())
    free = shapely.difference(ukraine_outline(), held)
    last = len(SERIES_DATES) - 1
    layers = []
    for month, date in enumerate(SERIES_DATES):
        if month == last:
            layer = sample.copy()
            layer.attrs.update(sample.attrs, source=SERIES_SOURCE)
            layers.append(layer)
            continue
        taken = [
            _disc(lon, lat, km * min(1.0, (end + 1 - month) / (end + 1 - first)))
            for lon, lat, km, first, end in _ADVANCES
            if month <= end
        ]
        added = [
            _disc(lon, lat, km)
            for lon, lat, km, first, end in _RETREATS
            if first <= month <= end
        ]
        geom = shapely.difference(occupied, shapely.union_all(taken))
        geom = shapely.union(geom, shapely.intersection(free, shapely.union_all(added)))
        frame = gpd.GeoDataFrame(
            {"status": ["occupied", *["occupied_before_2022"] * len(pre)]},
            geometry=[geom, *pre],
            crs="EPSG:4326",
        )
        layer = read_control(frame, status_column="status", date=date)
        layer.attrs["source"] = SERIES_SOURCE
        layer.attrs["illustrative"] = True
        layers.append(layer)
    return layers


def _disc(lon: float, lat: float, km: float) -> Any:
    """Return a circle of ``km`` around (lon, lat), as an ellipse in degrees."""
    import math

    import shapely

    circle = shapely.Point(0, 0).buffer(1.0, quad_segs=16)
    kx = km / (111.32 * math.cos(math.radians(lat)))
    ky = km / 110.57
    return shapely.affinity.affine_transform(circle, [kx, 0, 0, ky, lon, lat])
