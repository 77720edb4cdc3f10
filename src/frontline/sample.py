"""The embedded, illustrative sample control layer."""

from __future__ import annotations

import datetime as dt
from importlib.resources import as_file, files
from typing import TYPE_CHECKING, Final

from frontline.control import read_control

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["SAMPLE_DATE", "SAMPLE_SOURCE", "load_sample"]

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
