"""frontline: territorial-control analysis for Ukraine.

Read a control map, measure it on the ellipsoid, per oblast and per group::

    >>> import frontline
    >>> table = frontline.control_table(frontline.load_sample(), "four")
    >>> list(table.columns[:4])
    ['region_id', 'name', 'area_km2', 'occupied_km2']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from frontline.areas import area_km2
from frontline.control import PRECEDENCE, RUSSIAN_HELD, STATUSES, read_control
from frontline.errors import (
    CRSError,
    EmptyLayerError,
    FrontlineError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
    RegionNotFoundError,
    UnknownStatusError,
    UnsupportedFormatError,
)
from frontline.regions import (
    GROUPS,
    from_geodataframe,
    load_regions,
    region_names,
    resolve_region,
    resolve_regions,
)
from frontline.report import REPORT_COLUMNS, control_table
from frontline.sample import load_sample

try:
    __version__ = version("frontline")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "GROUPS",
    "PRECEDENCE",
    "REPORT_COLUMNS",
    "RUSSIAN_HELD",
    "STATUSES",
    "CRSError",
    "EmptyLayerError",
    "FrontlineError",
    "FrontlineWarning",
    "GeometryError",
    "InputFileNotFoundError",
    "OptionError",
    "RegionNotFoundError",
    "UnknownStatusError",
    "UnsupportedFormatError",
    "__version__",
    "area_km2",
    "control_table",
    "from_geodataframe",
    "load_regions",
    "load_sample",
    "read_control",
    "region_names",
    "resolve_region",
    "resolve_regions",
]
