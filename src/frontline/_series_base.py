"""The vocabulary of the time series: columns, statuses, calendar periods, gaps."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, get_args

import numpy as np
import pandas as pd

from frontline import _validate
from frontline.errors import (
    FrontlineWarning,
    OptionError,
    UnknownStatusError,
)
from frontline.status import PRECEDENCE

if TYPE_CHECKING:
    from pathlib import Path

    import geopandas as gpd

__all__ = [
    "ALL_STATUSES",
    "CHANGE_COLUMNS",
    "FREQUENCIES",
    "METHOD",
    "RUSSIAN_HELD_STATUS",
    "TIMESERIES_COLUMNS",
    "Freq",
    "Snapshot",
    "check_change_status",
    "check_freq",
    "check_series",
    "freq_word",
    "period_of",
    "report_gaps",
    "too_few_periods",
]

log = logging.getLogger(__name__)

Snapshot: TypeAlias = "str | Path | gpd.GeoDataFrame"


Freq = Literal["D", "W", "MS"]


#: Calendar periods understood by :func:`changes`, :func:`resample` and
#: :func:`rate`: every date, weeks (Monday to Sunday, labelled by their Monday)
#: and calendar months (labelled by their first day). ``M`` and ``ME`` are
#: accepted for ``MS``.
FREQUENCIES: Final = ("D", "W", "MS")


_FREQ_ALIASES: Final = {"M": "MS", "ME": "MS", "W-SUN": "W", "W-MON": "W"}


_RANGE: Final = {"W": "W-MON", "MS": "MS"}


#: The derived status of Russian-held area (``occupied`` + ``occupied_before_2022``).
RUSSIAN_HELD_STATUS: Final = "russian_held"


ALL_STATUSES: Final = (*PRECEDENCE, RUSSIAN_HELD_STATUS)


#: Columns of the :func:`timeseries` table, in order.
TIMESERIES_COLUMNS: Final = ["date", "region_id", "status", "area_km2", "share_pct"]


#: Columns of the :func:`change` / :func:`changes` tables, in order. The
#: ``*_noise_km2`` columns are the part of ``gained_km2`` / ``lost_km2``
#: narrower than the tolerance's ``sliver_m`` (coast and border redrawn),
#: which change maps leave out: reported apart, still counted in the totals.
CHANGE_COLUMNS: Final = [
    "period",
    "date_before",
    "date_after",
    "days",
    "region_id",
    "name",
    "status",
    "before_km2",
    "after_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "km2_per_day",
    "gained_noise_km2",
    "lost_noise_km2",
]


METHOD: Final = (
    "km² on the WGS84 ellipsoid (exact for edges straight in lon/lat), control "
    "clipped to each region through a tiled overlay"
)


def report_gaps(dates: list[dt.date], freq: str | None) -> list[dict[str, Any]]:
    """Gaps between sorted dates (``freq`` None: spacing rule; else periods)."""
    gaps: list[dict[str, Any]] = []
    if len(dates) < 2:
        return gaps
    if freq is None or freq == "D":
        steps = np.diff(np.array(dates, dtype="datetime64[D]")).astype(int)
        limit = 1.5 * float(np.median(steps))
        for a, b, step in zip(dates[:-1], dates[1:], steps.tolist(), strict=True):
            if step > limit:
                gaps.append(
                    {"after": a.isoformat(), "before": b.isoformat(), "days": step}
                )
        what = f"spacing over {limit:g} days (1.5 × the median spacing)"
    else:
        have = {period_of(d, freq) for d in dates}
        start, end = min(have), max(have)
        missing = [
            p.date()
            for p in pd.date_range(start, end, freq=_RANGE[freq])
            if p.date() not in have
        ]
        gaps = [{"period": p.isoformat()} for p in missing]
        what = f"{freq_word(freq)}s without a snapshot"
    if gaps:
        shown = ", ".join(
            g.get("period") or f"{g['after']}…{g['before']}" for g in gaps[:5]
        )
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        message = (
            f"the series has {len(gaps)} gap(s), {what}: {shown}{more}; they are "
            "not filled (see attrs['gaps'])"
        )
        log.info(message)
        warnings.warn(message, FrontlineWarning, stacklevel=4)
    return gaps


# -- changes ---------------------------------------------------------------
def check_change_status(status: str) -> tuple[str, ...]:
    if status == "all":
        return ALL_STATUSES
    if status in ALL_STATUSES:
        return (status,)
    raise UnknownStatusError(
        f"unknown status {status!r}; expected one of {', '.join(ALL_STATUSES)} or 'all'"
    )


def check_freq(freq: str) -> str:
    freq = _FREQ_ALIASES.get(str(freq).upper(), str(freq).upper())
    if freq not in get_args(Freq):
        raise OptionError(
            f"unknown freq {freq!r}; expected one of {', '.join(FREQUENCIES)} "
            "(every date, weeks, calendar months)"
        )
    return freq


def freq_word(freq: str) -> str:
    return {"D": "date", "W": "week", "MS": "month"}[freq]


def period_of(date: dt.date, freq: str) -> dt.date:
    """Label the period holding ``date``: itself, its Monday or its 1st."""
    if freq == "W":
        return date - dt.timedelta(days=date.weekday())
    if freq == "MS":
        return date.replace(day=1)
    return date


def too_few_periods(freq: str, n_items: int, dates: list[dt.date]) -> OptionError:
    return OptionError(
        f"changes need snapshots of at least two different {freq_word(freq)}s; "
        f"got {n_items} snapshot(s) for dates "
        f"{sorted({d.isoformat() for d in dates})}"
    )


def check_series(series: pd.DataFrame) -> pd.DataFrame:
    """Check a table from :func:`frontline.timeseries`; return a copy with dates."""
    _validate.frame(series, "series", what="a table from frontline.timeseries")
    missing = [
        c for c in ("date", "region_id", "status", "area_km2") if c not in series
    ]
    if missing:
        raise OptionError(
            f"expected a table from timeseries() with columns {TIMESERIES_COLUMNS}; "
            f"missing {missing}"
        )
    table = series.copy()
    table["date"] = pd.to_datetime(table["date"])
    return table
