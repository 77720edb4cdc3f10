"""Charts: shares per region, time series, change per period."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import pandas as pd

from frontline import _validate
from frontline._messages import quote
from frontline.errors import OptionError
from frontline.plot._caption import (
    CaptionMode,
    caption_mode,
    chart_caption,
    check_credit,
    draw_caption,
    draw_title,
)
from frontline.plot._parts import date_text, new_axes, require_columns
from frontline.plot._style import (
    CHANGE_COLORS,
    GROUP_STYLES,
    MUTED,
    STATUS_LABELS,
    TEXT,
    UNIT_ID,
    TimeseriesValue,
    bar_style,
    region_colors,
    row_name,
    thousands,
)
from frontline.regions import (
    resolve_region,
)
from frontline.status import RUSSIAN_HELD

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from matplotlib.axes import Axes


__all__ = ["plot_changes", "plot_shares", "plot_timeseries"]

log = logging.getLogger(__name__)


def plot_shares(  # noqa: PLR0912, PLR0915 - one chart, many parts
    table: pd.DataFrame,
    *,
    decimals: int = 1,
    legend: bool = True,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Bar chart of the Russian-held, contested and Ukrainian-held share of each row.

    One horizontal bar per row of a report table, top to bottom in table
    order: Russian-held (held before 2022 in a darker shade when the table
    separates it), contested hatched, Ukrainian-held pale. Where there is
    contested area, the Russian-held share is a range (Russian-held …
    Russian-held + contested), drawn as a bracket over the bar and printed at
    the right. Group rows (``four``, ``six`` …) are set on a shaded band in
    bold.

    Parameters
    ----------
    table : pandas.DataFrame
        A report table from :func:`frontline.control_table`: columns
        ``region_id``, ``name``, ``occupied_pct``, ``contested_pct``,
        ``held_pct``; ``occupied_before_2022_km2`` and ``area_km2`` are used
        when present.
    decimals : int, default 1
        Decimals of the printed percentages.
    legend : bool, default True
        Draw the legend (below the bars); "Contested" only when a row has
        contested area.
    caption : {"short", "full", "none"} or bool, default "short"
        The caption under the chart, from the table's ``attrs``: ``short``
        names the control source, the boundaries and frontline; ``full`` adds
        the basis and the method; ``none`` (or False) draws none.
    credit : str, optional
        A line of your own at the end of the caption (``"Chart: A.
        Reporter"``).
    title : str, optional
        Default: "Share of each region's area" and the date.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure (height grows with the rows).
    figsize : tuple of float, optional
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; bar segments are patches with ``gid`` set to
        ``occupied_before_2022``, ``occupied``, ``contested`` or ``held``.

    Raises
    ------
    OptionError
        If a required column is missing, or for an unknown caption mode.

    Examples
    --------
    >>> import frontline as fl
    >>> from frontline.plot import plot_shares
    >>> ax = plot_shares(fl.control_table(fl.load_sample(), "four"))
    >>> [t.get_text() for t in ax.get_yticklabels()][-1]
    'Four regions'
    """
    from matplotlib.patches import Patch

    _validate.number(decimals, "decimals", low=0, high=6, integer=True, example="1")
    need = ["region_id", "name", "occupied_pct", "contested_pct", "held_pct"]
    require_columns(table, need, "a report table from frontline.control_table")
    mode = caption_mode(caption)
    credit = check_credit(credit)
    n = len(table)
    ax = new_axes(ax, figsize or (8.0, 1.4 + 0.42 * n))
    rows = table.reset_index(drop=True)
    occ = rows.occupied_pct.to_numpy(dtype=float)
    cont = rows.contested_pct.to_numpy(dtype=float)
    held = rows.held_pct.to_numpy(dtype=float)
    if {"occupied_before_2022_km2", "area_km2"} <= set(rows.columns):
        pre = 100 * (
            rows.occupied_before_2022_km2.to_numpy(dtype=float)
            / rows.area_km2.to_numpy(dtype=float)
        )
        pre = np.minimum(np.nan_to_num(pre), occ)  # NaN: the map has no split
    else:
        pre = np.zeros(n)
    y = np.arange(n)
    height = 0.62
    segments = [
        ("occupied_before_2022", 0.0 * occ, pre),
        ("occupied", pre, occ - pre),
        ("contested", occ, cont),
        ("held", occ + cont, held),
    ]
    for gid, left, width in segments:
        style = bar_style(gid)
        bars = ax.barh(y, width, left=left, height=height, **style)
        for patch in bars.patches:
            patch.set_gid(gid)
    groups = [i for i, rid in enumerate(rows.region_id) if not UNIT_ID.match(rid)]
    for i in groups:
        ax.axhspan(i - 0.5, i + 0.5, color="#ECECEC", zorder=0, lw=0)
    if groups and groups[0] > 0:
        ax.axhline(groups[0] - 0.5, color="#9A9A9A", lw=0.8, zorder=0.5)
    fmt = f"{{:.{decimals}f}}"
    for i in range(n):
        if cont[i] > 0.5 * 10 ** (-decimals):
            lo, hi = occ[i], occ[i] + cont[i]
            ax.plot(
                [lo, lo, hi, hi],
                [i - 0.36, i - 0.42, i - 0.42, i - 0.36],
                color=TEXT,
                lw=0.9,
                gid="range",
                solid_capstyle="butt",
            )
            value = f"{fmt.format(lo)}–{fmt.format(hi)}%"
        else:
            value = f"{fmt.format(occ[i])}%"
        ax.text(
            101.5,
            i,
            value,
            va="center",
            ha="left",
            fontsize=9,
            color=TEXT,
            fontweight="bold" if i in groups else "normal",
            gid="value",
        )
    ax.set_yticks(
        y,
        [
            row_name(rid, name)
            for rid, name in zip(rows.region_id, rows.name, strict=True)
        ],
    )
    for i, tick in enumerate(ax.get_yticklabels()):
        if i in groups:
            tick.set_fontweight("bold")
    ax.set_ylim(n - 0.5, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    ax.tick_params(axis="x", labelsize=8.5, colors=MUTED)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#9A9A9A")
    ax.text(
        101.5,
        -0.5,
        "Russian-held",
        ha="left",
        va="bottom",
        fontsize=8,
        color=MUTED,
        style="italic",
    )
    attrs = table.attrs
    if title is None:
        title = "Share of each region's area"
        if attrs.get("date"):
            title += f", {date_text(attrs['date'])}"
    if title:
        draw_title(ax, title)
    if legend:
        handles = []
        if (pre > 0).any():
            handles.append(
                Patch(
                    **bar_style("occupied_before_2022"),
                    label="Russian-held before 2022",
                )
            )
            handles.append(
                Patch(**bar_style("occupied"), label="Russian-held since 2022")
            )
        else:
            handles.append(Patch(**bar_style("occupied"), label="Russian-held"))
        if (cont > 0.5 * 10 ** (-decimals)).any():
            handles.append(Patch(**bar_style("contested"), label="Contested"))
        handles.append(Patch(**bar_style("held"), label="Ukrainian-held"))
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0, -0.04 - 0.25 / max(n, 1)),
            ncol=len(handles),
            frameon=False,
            fontsize=8.5,
            handlelength=1.4,
            columnspacing=1.2,
        )
    lines = chart_caption(
        attrs,
        mode=mode,
        credit=credit,
        dates=f"situation on {date_text(attrs['date'])}" if attrs.get("date") else None,
    )
    if lines:
        draw_caption(ax, lines, y=-0.12 - 0.6 / max(n, 1) if legend else -0.08)
    return ax


def plot_timeseries(  # noqa: PLR0912, PLR0915 - one chart, many parts
    series: pd.DataFrame,
    *,
    status: str = "russian_held",
    value: TimeseriesValue = "share_pct",
    regions: str | Iterable[str] | None = None,
    band: bool = True,
    legend: bool = True,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    source: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 5.0),
) -> Axes:
    """Plot area or share over time, one line per region.

    Parameters
    ----------
    series : pandas.DataFrame
        A tidy time-series table (``frontline.timeseries``): columns
        ``date``, ``region_id``, ``status``, and ``value``; group rows
        (``four``, ``six``) are drawn as dark dashed lines.
    status : str, default "russian_held"
        ``russian_held`` sums both Russian-held statuses; or any status in
        the table.
    value : {"share_pct", "area_km2"}, default "share_pct"
        What to plot.
    regions : str or iterable of str, optional
        Plot only these regions (names, ids or group names as in the table).
    band : bool, default True
        With ``russian_held`` and contested rows in the table, shade the
        range Russian-held … Russian-held + contested.
    legend : bool, default True
        Draw a legend right of the plot.
    caption : {"short", "full", "none"} or bool, default "short"
        The caption under the chart: the control source (``source``, else the
        table's ``attrs["sources"]``) and the dates, the boundaries and
        frontline; ``full`` adds the method; ``none`` (or False) draws none.
    credit : str, optional
        A line of your own at the end of the caption.
    source : str, optional
        The control source to name in the caption, when the table does not
        record it (a table built by hand).
    title : str, optional
        Default from the status and value.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    figsize : tuple of float, default (9, 5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; one :class:`~matplotlib.lines.Line2D` per region, labelled
        with the region's name. A share axis spans the data (with a margin),
        not 0–100 %, so that change shows; every year is named on the date
        axis.

    Raises
    ------
    OptionError
        For missing columns, an unknown ``value`` or a status absent from the
        table.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontline.plot import plot_timeseries
    >>> series = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-10-31", "2024-11-30"] * 2),
    ...     "region_id": ["UA-14", "UA-14", "UA-23", "UA-23"],
    ...     "status": "occupied", "area_km2": [17000.0, 17600, 19600, 19610],
    ...     "share_pct": [64.4, 66.6, 72.1, 72.2]})
    >>> [line.get_label() for line in plot_timeseries(series).get_lines()]
    ['Donetsk', 'Zaporizhzhia']
    """
    if value not in get_args(TimeseriesValue):
        raise OptionError(
            f"unknown value {value!r}; expected one of {get_args(TimeseriesValue)}"
        )
    mode = caption_mode(caption)
    credit = check_credit(credit)
    require_columns(
        series,
        ["date", "region_id", "status", value],
        "a tidy time series from frontline.timeseries",
    )
    table = series.assign(date=pd.to_datetime(series.date))
    wide = _status_values(table, status, value)
    if regions is not None:
        wide = wide[_pick_regions(wide.columns, regions)]
    contested = None
    if band and status == "russian_held" and (table.status == "contested").any():
        contested = _status_values(table, "contested", value).reindex(
            index=wide.index, columns=wide.columns, fill_value=0.0
        )
    ax = new_axes(ax, figsize)
    units = [r for r in wide.columns if UNIT_ID.match(str(r))]
    colors = region_colors(units)
    banded = False
    groups = iter(GROUP_STYLES * len(wide.columns))
    for rid in wide.columns:
        values = wide[rid]
        if rid in colors:
            style: dict[str, Any] = {"color": colors[rid], "lw": 1.8}
        else:
            color, dashes = next(groups)
            style = {"color": color, "lw": 2.2, "ls": dashes}
        ax.plot(wide.index, values, label=row_name(str(rid)), **style)
        if contested is not None and contested[rid].gt(0).any():
            banded = True
            ax.fill_between(
                wide.index,
                values,
                values + contested[rid],
                color=style["color"],
                alpha=0.18,
                lw=0,
            )
    what = (
        "Russian-held"
        if status == "russian_held"
        else STATUS_LABELS.get(status, status)
    )
    ax.set_ylabel(
        f"{what}, % of region" if value == "share_pct" else f"{what}, km²",
        fontsize=9,
    )
    top = wide if contested is None else wide + contested
    if value == "share_pct":
        ax.set_ylim(*_share_limits(wide.to_numpy(), top.to_numpy()))
        ax.yaxis.set_major_formatter("{x:g}%")
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(thousands())
    ax.xaxis.set_major_locator(_date_locator(pd.DatetimeIndex(wide.index)))
    ax.xaxis.set_major_formatter(_year_date_formatter())
    ax.tick_params(labelsize=8.5)
    ax.grid(axis="y", color="#E3E3E3", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"{what} {'share' if value == 'share_pct' else 'area'} over time"
    if title:
        draw_title(ax, title)
    if legend:
        from matplotlib.patches import Patch

        handles, _labels = ax.get_legend_handles_labels()
        if banded:
            handles.append(
                Patch(facecolor="#BBBBBB", alpha=0.5, label="shaded: + contested")
            )
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=9,
        )
    dates = pd.DatetimeIndex(wide.index)
    lines = chart_caption(
        series.attrs,
        mode=mode,
        credit=credit,
        source=source,
        dates=_date_span(dates) if len(dates) else None,
    )
    if lines:
        draw_caption(ax, lines, below_axis=True)
    return ax


def _share_limits(low: Any, high: Any) -> tuple[float, float]:
    """Y limits of a share chart: the data with a margin, on multiples of 5 %."""
    lo, hi = float(np.nanmin(low)), float(np.nanmax(high))
    pad = max(2.0, 0.1 * (hi - lo))
    bottom = max(0.0, 5 * math.floor((lo - pad) / 5))
    return bottom, min(100.0, max(bottom + 5, 5 * math.ceil((hi + pad) / 5)))


def _date_span(dates: pd.DatetimeIndex) -> str:
    first, last = date_text(dates.min().date()), date_text(dates.max().date())
    return f"situation on {first}" if first == last else f"{first} to {last}"


def _date_locator(dates: pd.DatetimeIndex) -> Any:
    """Ticks on the first of months from the first date on, at most about eight.

    Spans under two months get matplotlib's automatic day ticks.
    """
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator

    if len(dates) < 2 or (dates.max() - dates.min()).days < 60:
        return mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    months = pd.date_range(
        dates.min().normalize() + pd.offsets.MonthBegin(0), dates.max(), freq="MS"
    )
    step = max(1, math.ceil(len(months) / 8))
    ticks = mdates.date2num(months[::step].to_pydatetime())  # type: ignore[no-untyped-call]
    return FixedLocator(ticks)


def _year_date_formatter() -> Any:
    """Month (or day) names, with the year under the first tick of each year.

    matplotlib's ``ConciseDateFormatter`` names a year only at its first
    January (or in an offset at the corner), so a series that starts in, say,
    November shows months without a year until the next January.
    """
    import matplotlib.dates as mdates
    from matplotlib.ticker import Formatter

    class YearDateFormatter(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self.format_ticks([x])[0]

        def format_ticks(self, values: Any) -> list[str]:
            ticks = [mdates.num2date(v) for v in values]  # type: ignore[no-untyped-call]
            if not ticks:
                return []
            daily = len(ticks) > 1 and (ticks[1] - ticks[0]).days < 28
            lo, hi = (0.0, 0.0) if self.axis is None else self.axis.get_view_interval()
            inside = [lo <= v <= hi for v in values] if hi > lo else [True] * len(ticks)
            first = inside.index(True) if True in inside else 0
            out = []
            year = None
            for i, t in enumerate(ticks):
                text = f"{t.day} {t:%b}" if daily else f"{t:%b}"
                if i >= first and t.year != year:
                    text += f"\n{t:%Y}"
                    year = t.year
                out.append(text)
            return out

    return YearDateFormatter()


def plot_changes(  # noqa: PLR0912, PLR0915 - one chart, many parts
    changes: pd.DataFrame,
    *,
    region: str | None = None,
    status: str = "russian_held",
    period: str | None = None,
    legend: bool = True,
    caption: CaptionMode | bool = "short",
    credit: str | None = None,
    source: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 5.0),
) -> Axes:
    """Diverging bars of the area gained and lost in each period.

    ``gained_km2`` (area that took on the status, e.g. became Russian-held)
    goes up, ``lost_km2`` goes down, and the net is marked by a black
    diamond. With one region the bars are red and blue
    (:data:`CHANGE_COLORS`); with several, each region's part is stacked in
    its own colour (group rows are left out so nothing counts twice). A table
    with the net only (gains and losses NaN, as ``changes`` gives from a
    time-series table) is drawn as net bars.

    Parameters
    ----------
    changes : pandas.DataFrame
        A change table (``frontline.changes``): ``region_id``,
        ``gained_km2``, ``lost_km2`` (positive numbers; the sign is ignored),
        optionally ``net_km2`` and ``status``, and a period column.
    region : str, optional
        Plot only this region (id or group name as in the table, or a region
        name).
    status : str, default "russian_held"
        When the table has a ``status`` column, plot the rows of this status.
    period : str, optional
        The period column; default: the first of ``period``, ``date``,
        ``date_after``, ``end`` present.
    legend : bool, default True
        Draw a legend.
    caption : {"short", "full", "none"} or bool, default "short"
        The caption under the chart: the control source (``source``, else the
        table's ``attrs``) and the periods, the boundaries and frontline;
        ``full`` adds the method; ``none`` (or False) draws none.
    credit : str, optional
        A line of your own at the end of the caption.
    source : str, optional
        The control source to name in the caption, when the table does not
        record it.
    title : str, optional
        Default: "Gains and losses of Russian-held territory".
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    figsize : tuple of float, default (9, 5)
        Size of the new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; bar patches have ``gid`` ``gained``, ``lost`` or ``net``;
        the net markers are a line with ``gid="net"``.

    Raises
    ------
    OptionError
        For missing columns, a region or status absent from the table, or a
        table of several groups and no region.

    Examples
    --------
    >>> import pandas as pd
    >>> from frontline.plot import plot_changes
    >>> changes = pd.DataFrame({"period": ["2024-10", "2024-11"],
    ...     "region_id": "UA-14", "gained_km2": [480.0, 600.0],
    ...     "lost_km2": [5.0, 12.0], "net_km2": [475.0, 588.0]})
    >>> ax = plot_changes(changes)
    >>> [round(p.get_height()) for p in ax.patches]
    [480, 600, -5, -12]
    """
    require_columns(
        changes,
        ["region_id", "gained_km2", "lost_km2"],
        "a change table from frontline.changes",
    )
    _validate.text(status, "status", example="russian_held")
    _validate.text(period, "period", none=True, example="period")
    _validate.text(region, "region", none=True, example="Donetsk")
    mode = caption_mode(caption)
    credit = check_credit(credit)
    if period is None:
        found = [
            c for c in ("period", "date", "date_after", "end") if c in changes.columns
        ]
        if not found:
            raise OptionError(
                "cannot tell which column holds the period; pass period=..., one of "
                f"{list(changes.columns)}"
            )
        period = found[0]
    require_columns(changes, [period], "the period column")
    table = changes
    if "status" in table.columns:
        if status not in set(table.status):
            raise OptionError(
                f"status {status!r} is not in the change table; it holds "
                f"{sorted(set(table.status))}"
            )
        table = table[table.status == status]
    if region is not None:
        table = table[
            table.region_id.isin(_pick_regions(table.region_id.unique(), [region]))
        ]
    ids = list(dict.fromkeys(table.region_id))
    units = [r for r in ids if UNIT_ID.match(str(r))]
    if len(ids) > 1 and units:
        ids = units
    elif len(ids) > 1:
        raise OptionError(
            f"the change table holds several groups {ids} and no single region; "
            "pick one with region=..."
        )
    table = table[table.region_id.isin(ids)]
    periods = list(dict.fromkeys(table[period]))
    x = np.arange(len(periods))
    gained = _by_period(table, period, "gained_km2", periods, ids)
    lost = _by_period(table, period, "lost_km2", periods, ids)
    if "net_km2" in table.columns:
        net_by = table.pivot_table(
            index=period, columns="region_id", values="net_km2", aggfunc="sum"
        )
        net = net_by.reindex(index=periods, columns=ids).sum(axis=1).to_numpy()
    else:
        net = (gained - lost).sum(axis=1).to_numpy()
    net_only = bool(table.gained_km2.isna().all() and table.lost_km2.isna().all())
    ax = new_axes(ax, figsize)
    single = len(ids) == 1
    colors = region_colors(ids)
    width = 0.7 if len(periods) > 1 else 0.4
    what = "Russian-held"
    if status != "russian_held":
        label = STATUS_LABELS.get(status, status)
        what = label[0].lower() + label[1:]
    took, gave = f"Became {what}", f"No longer {what}"
    if net_only:
        bars = ax.bar(
            x,
            net,
            width,
            color=[CHANGE_COLORS["gained" if v >= 0 else "lost"] for v in net],
            label="Net change",
        )
        for patch in bars.patches:
            patch.set_gid("net")
    else:
        up = np.zeros(len(periods))
        down = np.zeros(len(periods))
        for rid in ids:
            g = gained[rid].fillna(0.0).to_numpy()
            lo = lost[rid].fillna(0.0).to_numpy()
            name = row_name(str(rid))
            for gid, values, bottom, label in (
                ("gained", g, up, took if single else name),
                ("lost", -lo, -down, gave if single else "_" + name),
            ):
                bars = ax.bar(
                    x,
                    values,
                    width,
                    bottom=bottom,
                    color=CHANGE_COLORS[gid] if single else colors[rid],
                    label=label,
                    edgecolor="white",
                    lw=0 if single else 0.4,
                )
                for patch in bars.patches:
                    patch.set_gid(gid)
            up += g
            down += lo
        ax.plot(
            x,
            net,
            ls="none",
            marker="D",
            ms=5,
            color=TEXT,
            label="Net",
            gid="net",
            zorder=5,
        )
    ax.axhline(0, color=TEXT, lw=0.8, zorder=4)
    # Stacked bars of 0 km² put sticky edges at the tallest stack: ignore them.
    ax.use_sticky_edges = False
    ax.margins(y=0.08)
    ax.set_xticks(x, _period_labels(periods))
    step = max(1, math.ceil(len(periods) / 14))
    for i, tick in enumerate(ax.get_xticklabels()):
        tick.set_visible(i % step == 0)
    ax.tick_params(axis="x", labelsize=8.5, rotation=0 if len(periods) <= 8 else 45)
    ax.tick_params(axis="y", labelsize=8.5)
    ax.yaxis.set_major_formatter(thousands(signed=True))
    ax.set_ylabel(f"km² that became {what} (+) / stopped being it (−)", fontsize=9)
    ax.grid(axis="y", color="#E3E3E3", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"Gains and losses of {what} territory"
        if single:
            title += f": {row_name(str(ids[0]))}"
    if title:
        draw_title(ax, title)
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] == "Net")
        ax.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            fontsize=9,
        )
    lines = chart_caption(
        changes.attrs,
        mode=mode,
        credit=credit,
        source=source,
        dates=_period_span(table),
    )
    if lines:
        draw_caption(ax, lines, below_axis=True)
    return ax


def _period_span(table: pd.DataFrame) -> str | None:
    """From the first snapshot to the last, when the table says which they are."""
    if not {"date_before", "date_after"} <= set(table.columns) or table.empty:
        return None
    first = pd.to_datetime(table.date_before).min()
    last = pd.to_datetime(table.date_after).max()
    return f"{date_text(first.date())} to {date_text(last.date())}"


def _status_values(table: pd.DataFrame, status: str, value: str) -> pd.DataFrame:
    """Wide frame (date × region_id) of one status, or of both Russian-held ones."""
    _validate.text(status, "status", example="russian_held")
    available = sorted(set(table.status))
    if status in available or status != "russian_held":
        statuses = [status]
    else:
        statuses = list(RUSSIAN_HELD)
    if not set(statuses) & set(available):
        raise OptionError(
            f"status {status!r} is not in the time series; it holds {available} "
            "(or use 'russian_held' for both Russian-held statuses)"
        )
    part = table[table.status.isin(statuses)]
    wide = part.pivot_table(
        index="date", columns="region_id", values=value, aggfunc="sum", sort=False
    )
    order = list(dict.fromkeys(table.region_id))
    return wide.sort_index()[[r for r in order if r in wide.columns]]


def _pick_regions(available: Iterable[Any], wanted: str | Iterable[str]) -> list[Any]:
    have = list(available)
    checked = _validate.regions(wanted)
    items = [checked] if isinstance(checked, str) else list(checked)
    picked: list[Any] = []
    for item in items:
        if item in have:
            picked.append(item)
            continue
        try:
            rid = resolve_region(item)
        except KeyError:
            rid = None
        if rid is None or rid not in have:
            raise OptionError(
                f"region {quote(item)} is not in the table; it holds {quote(have)}"
            )
        picked.append(rid)
    if not picked:
        raise OptionError(
            f"regions={quote(wanted)} selects nothing; pass region names or ids "
            f"from the table ({quote(have)})"
        )
    return list(dict.fromkeys(picked))


def _by_period(
    table: pd.DataFrame, period: str, column: str, periods: list[Any], ids: list[Any]
) -> pd.DataFrame:
    wide = table.pivot_table(
        index=period, columns="region_id", values=column, aggfunc="sum", sort=False
    ).abs()
    return wide.reindex(index=periods, columns=ids, fill_value=0.0).fillna(0.0)


def _period_labels(periods: Sequence[Any]) -> list[str]:
    """Tick labels: "Nov 2024" when no two periods share a month, else ISO dates."""
    stamps = []
    for value in periods:
        if isinstance(value, pd.Period):
            return [str(p) for p in periods]
        try:
            stamps.append(pd.Timestamp(value))
        except (TypeError, ValueError):
            return [str(p) for p in periods]
    if len({(t.year, t.month) for t in stamps}) == len(stamps):
        return [f"{t:%b %Y}" for t in stamps]  # one period per month
    return [f"{t:%Y-%m-%d}" for t in stamps]
