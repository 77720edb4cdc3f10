"""frontline: territorial-control analysis for Ukraine.

Read a control map, measure it on the ellipsoid, per oblast and per group::

    >>> import frontline
    >>> table = frontline.control_table(frontline.load_sample(), "four")
    >>> list(table.columns[:4])
    ['region_id', 'name', 'area_km2', 'occupied_km2']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from frontline._water import load_water
from frontline.areas import area_km2
from frontline.boundaries import (
    fetch_boundaries,
    read_boundaries,
    resolve_boundaries,
)
from frontline.claims import Claim, ClaimCheck, check_claim
from frontline.compare import compare_sources
from frontline.control import read_control
from frontline.errors import (
    AmbiguousSettlementError,
    ArgumentTypeError,
    ChecksumError,
    CRSError,
    DownloadError,
    EmptyLayerError,
    FrontlineError,
    FrontlineWarning,
    GeometryError,
    InputFileNotFoundError,
    OptionError,
    OutputError,
    RegionNotFoundError,
    SettlementLookupError,
    SettlementNotFoundError,
    SnapshotNotFoundError,
    UnknownStatusError,
    UnsupportedFormatError,
)
from frontline.fetch import (
    FetchedMap,
    fetch_arcgis,
    fetch_control,
    fetch_map,
    fetch_range,
)
from frontline.line import distance_bands, front_line, line_change, line_lengths
from frontline.plot import (
    animate,
    explore,
    plot_change_map,
    plot_changes,
    plot_control,
    plot_map,
    plot_shares,
    plot_timeseries,
)
from frontline.plot._jupyter import register_jupyter as _register_jupyter
from frontline.population import population_in, population_table
from frontline.reconcile import reconcile
from frontline.regions import (
    GROUPS,
    from_geodataframe,
    load_regions,
    region_names,
    resolve_region,
    resolve_regions,
)
from frontline.report import REPORT_COLUMNS, control_table
from frontline.sample import load_sample, load_sample_series
from frontline.scenarios import (
    buffer_zone,
    cede,
    freeze,
    scenario_changes,
    scenario_table,
    withdraw,
)
from frontline.series import (
    change,
    change_polygons,
    changes,
    rate,
    resample,
    timeseries,
)
from frontline.settlements import (
    find_settlement,
    load_settlements,
    settlements_change_dates,
    settlements_changed,
    settlements_status,
)
from frontline.status import PRECEDENCE, RUSSIAN_HELD, STATUSES
from frontline.tolerance import DEFAULT_TOLERANCE, Tolerance
from frontline.zones import ZONE_SETS, fetch_zones, read_zones

_register_jupyter()

try:
    __version__ = version("frontline")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_TOLERANCE",
    "GROUPS",
    "PRECEDENCE",
    "REPORT_COLUMNS",
    "RUSSIAN_HELD",
    "STATUSES",
    "ZONE_SETS",
    "AmbiguousSettlementError",
    "ArgumentTypeError",
    "CRSError",
    "ChecksumError",
    "Claim",
    "ClaimCheck",
    "DownloadError",
    "EmptyLayerError",
    "FetchedMap",
    "FrontlineError",
    "FrontlineWarning",
    "GeometryError",
    "InputFileNotFoundError",
    "OptionError",
    "OutputError",
    "RegionNotFoundError",
    "SettlementLookupError",
    "SettlementNotFoundError",
    "SnapshotNotFoundError",
    "Tolerance",
    "UnknownStatusError",
    "UnsupportedFormatError",
    "__version__",
    "animate",
    "area_km2",
    "buffer_zone",
    "cede",
    "change",
    "change_polygons",
    "changes",
    "check_claim",
    "compare_sources",
    "control_table",
    "distance_bands",
    "explore",
    "fetch_arcgis",
    "fetch_boundaries",
    "fetch_control",
    "fetch_map",
    "fetch_range",
    "fetch_zones",
    "find_settlement",
    "freeze",
    "from_geodataframe",
    "front_line",
    "line_change",
    "line_lengths",
    "load_regions",
    "load_sample",
    "load_sample_series",
    "load_settlements",
    "load_water",
    "plot_change_map",
    "plot_changes",
    "plot_control",
    "plot_map",
    "plot_shares",
    "plot_timeseries",
    "population_in",
    "population_table",
    "rate",
    "read_boundaries",
    "read_control",
    "read_zones",
    "reconcile",
    "region_names",
    "resample",
    "resolve_boundaries",
    "resolve_region",
    "resolve_regions",
    "scenario_changes",
    "scenario_table",
    "settlements_change_dates",
    "settlements_changed",
    "settlements_status",
    "timeseries",
    "withdraw",
]
