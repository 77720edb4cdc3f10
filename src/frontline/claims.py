"""Claim checks: test a published figure against a control layer.

A claim such as "Russia controls 70–80% of the four regions, and Ukraine
still holds about 26,000 km² of them" is a set of quantities of the report
table (:func:`frontline.control_table`), each with a claimed value or range::

    check_claim(layer, "four", occupied_pct=(70, 80), held_km2=(26000, 0.1))

A claim is given as

- a range ``(lo, hi)`` with ``lo <= hi``: holds if ``lo <= measured <= hi``;
- a value with a relative tolerance ``(value, rel)`` with ``0 < rel < 1`` and
  ``rel < value``: holds within ``value × (1 ± rel)``;
- a bare value: the same, with ``tolerance`` (default 5 %);
- a :class:`Claim` (``Claim.between``, ``Claim.about``) or text
  (``"70:80"``, ``"26000~10%"``; see :meth:`Claim.parse`).

The verdict depends on the basis (polygon or official areas) and on the
boundary set, so both are part of it.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import pandas as pd

from frontline import _validate
from frontline.errors import OptionError
from frontline.regions import group_label, resolve_regions
from frontline.report import control_table

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable
    from pathlib import Path

    import geopandas as gpd

    from frontline.report import Basis

__all__ = ["QUANTITIES", "Claim", "ClaimCheck", "ClaimSpec", "check_claim"]

Quantity = Literal[
    "occupied_pct",
    "occupied_km2",
    "contested_pct",
    "contested_km2",
    "held_pct",
    "held_km2",
    "area_km2",
]
#: The quantities a claim can name, with their labels (report columns).
QUANTITIES: Final[dict[str, str]] = {
    "occupied_pct": "Russian-held share",
    "occupied_km2": "Russian-held area",
    "contested_pct": "contested share",
    "contested_km2": "contested area",
    "held_pct": "Ukrainian-held share",
    "held_km2": "Ukrainian-held area",
    "area_km2": "area",
}
_NUMBER = r"[-+]?\d[\d,_]*(?:\.\d+)?(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*(?::|\.\.|–|—)\s*({_NUMBER})\s*$")
_ABOUT = re.compile(rf"^\s*({_NUMBER})\s*(?:~|±|\+-|\+/-)\s*({_NUMBER})\s*(%?)\s*$")
_VALUE = re.compile(rf"^\s*({_NUMBER})\s*$")


@dataclass(frozen=True)
class Claim:
    """A claimed value or range of one quantity.

    Parameters
    ----------
    lo, hi : float
        The interval in which the claim holds.
    value : float, optional
        The claimed central value (for ``about``); else the midpoint.
    rel : float, optional
        The relative tolerance of ``about``.
    """

    lo: float
    hi: float
    value: float | None = None
    rel: float | None = None

    def __post_init__(self) -> None:
        lo = _validate.number(self.lo, "a claim's lo")
        hi = _validate.number(self.hi, "a claim's hi")
        if lo > hi:
            raise OptionError(
                f"a claim needs lo <= hi, got lo={self.lo!r}, hi={self.hi!r}; swap them"
            )
        if self.value is not None:
            _validate.number(self.value, "a claim's value")
        if self.rel is not None:
            _validate.number(self.rel, "a claim's rel", low=0, high=1, high_open=True)

    @classmethod
    def between(cls, lo: float, hi: float) -> Claim:
        """Claim that the quantity lies in ``[lo, hi]``.

        Parameters
        ----------
        lo, hi : float
            The bounds, ``lo <= hi``.

        Returns
        -------
        Claim
            The range claim.

        Raises
        ------
        OptionError
            If ``lo > hi`` or a bound is not finite.
        """
        lo, hi = _finite(lo), _finite(hi)
        if lo > hi:
            raise OptionError(
                f"a range claim needs lo <= hi, got ({lo:g}, {hi:g}); swap them"
            )
        return cls(lo, hi)

    @classmethod
    def about(cls, value: float, rel: float = 0.05) -> Claim:
        """Claim that the quantity is ``value`` within a relative tolerance.

        Parameters
        ----------
        value : float
            The claimed value.
        rel : float, default 0.05
            Relative tolerance, ``0 <= rel < 1`` (0.1 is ±10 %).

        Returns
        -------
        Claim
            The claim ``value × (1 ± rel)``.

        Raises
        ------
        OptionError
            If ``rel`` is outside ``[0, 1)`` or a number is not finite.
        """
        value, rel = _finite(value), _finite(rel)
        if not 0 <= rel < 1:
            raise OptionError(
                f"a relative tolerance must be in [0, 1), got {rel:g}; write 10 % "
                "as 0.1"
            )
        spread = abs(value) * rel
        return cls(value - spread, value + spread, value=value, rel=rel)

    @classmethod
    def parse(cls, spec: Any, *, tolerance: float = 0.05) -> Claim:
        """Read a claim from a number, a tuple, a Claim or text.

        Parameters
        ----------
        spec : float, tuple, Claim or str
            ``76.8`` (value, ± ``tolerance``), ``(70, 80)`` (range),
            ``(26000, 0.1)`` (value ± 10 %), or text: ``"70:80"`` or
            ``"70..80"`` (range), ``"26000~10%"``, ``"26000±0.1"`` (value
            with relative tolerance), ``"26,000"`` (value).
        tolerance : float, default 0.05
            Relative tolerance for a bare value.

        Returns
        -------
        Claim
            The parsed claim.

        Raises
        ------
        OptionError
            If the specification cannot be read.

        Examples
        --------
        >>> Claim.parse((70, 80))
        Claim(lo=70.0, hi=80.0, value=None, rel=None)
        >>> Claim.parse("26000~10%").text("km2")
        '26,000 km² ± 10%'
        """
        if isinstance(spec, Claim):
            return spec
        if isinstance(spec, str):
            return cls._parse_text(spec, tolerance)
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            return cls.about(float(spec), tolerance)
        if isinstance(spec, (tuple, list)) and len(spec) == 2:
            a, b = _finite(spec[0]), _finite(spec[1])
            if a <= b:
                return cls.between(a, b)
            if 0 < b < 1:
                return cls.about(a, b)
        raise OptionError(
            f"cannot read the claim {spec!r}; give a value (26000), a range "
            "(70, 80) with lo <= hi, a value with a relative tolerance (26000, 0.1), "
            "or text such as '70:80' or '26000~10%'"
        )

    @classmethod
    def _parse_text(cls, text: str, tolerance: float) -> Claim:
        if match := _RANGE.match(text):
            return cls.between(_num(match.group(1)), _num(match.group(2)))
        if match := _ABOUT.match(text):
            rel = _num(match.group(2))
            return cls.about(_num(match.group(1)), rel / 100 if match.group(3) else rel)
        if match := _VALUE.match(text):
            return cls.about(_num(match.group(1)), tolerance)
        raise OptionError(
            f"cannot read the claim {text!r}; write a range as '70:80', a value with "
            "a relative tolerance as '26000~10%' (or '26000~0.1'), or a value"
        )

    @property
    def centre(self) -> float:
        """The claimed value, or the middle of the range."""
        return self.value if self.value is not None else (self.lo + self.hi) / 2

    def text(self, unit: str = "") -> str:
        """Describe the claim (``'70–80%'``, ``'26,000 km² ± 10%'``).

        Parameters
        ----------
        unit : {"", "pct", "km2"}
            The quantity's unit.

        Returns
        -------
        str
            A short human-readable form.
        """
        suffix = {"pct": "%", "km2": " km²"}.get(unit, "")
        if self.value is not None and self.rel is not None:
            return f"{_num_text(self.value)}{suffix} ± {self.rel * 100:g}%"
        return f"{_num_text(self.lo)}–{_num_text(self.hi)}{suffix}"


ClaimSpec = Claim | float | tuple[float, float] | str

_COLUMNS: Final = [
    "quantity",
    "label",
    "region_id",
    "name",
    "measured",
    "claim",
    "lo",
    "hi",
    "holds",
    "margin",
    "deviation",
    "deviation_pct",
]


class ClaimCheck:
    """The verdict of :func:`check_claim`: one row per claimed quantity.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``quantity``, ``label``, ``region_id``, ``name``,
        ``measured``, ``claim`` (text), ``lo``, ``hi``, ``holds``,
        ``margin`` (distance to the nearest bound: positive inside, negative
        outside, in the quantity's unit), ``deviation`` (measured − claimed
        value or range middle) and ``deviation_pct`` (of that value).
    meta : dict
        ``regions``, ``basis``, ``boundaries``, ``water`` (the sea mask
        under ``basis="land"``, else None), ``date``, ``source``,
        ``illustrative`` and ``method``.
    """

    def __init__(self, table: pd.DataFrame, meta: dict[str, Any]):
        self.table = table
        self.meta = meta

    @property
    def holds(self) -> bool:
        """True when every claimed quantity holds."""
        return bool(self.table.holds.all())

    def verdict(self) -> str:
        """One line: holds or not, each quantity, basis and boundaries.

        Returns
        -------
        str
            The verdict in plain text.
        """
        parts = []
        for row in self._rows():
            text = (
                f"{row['label']} {_measured_text(row)} (claim {row['claim']}) "
                f"{'holds' if row['holds'] else 'fails'}"
            )
            if not row["holds"]:
                text += f" by {_num_text(abs(row['margin']))}{_unit(row)}"
            parts.append(text)
        head = "claim holds" if self.holds else "claim does not hold"
        return (
            f"{head}: {'; '.join(parts)} — {self._where()}; "
            f"basis {self._basis()}; boundaries {self.meta['boundaries']}"
        )

    def _basis(self) -> str:
        water = self.meta.get("water")
        return f"{self.meta['basis']} ({water})" if water else str(self.meta["basis"])

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-ready data.

        Returns
        -------
        dict
            ``holds`` (bool), ``verdict`` (text), ``meta`` and
            ``quantities`` (the table's rows).
        """
        rows = [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in self._rows()
        ]
        return {
            "holds": self.holds,
            "verdict": self.verdict(),
            "meta": dict(self.meta),
            "quantities": rows,
        }

    def __repr__(self) -> str:
        return f"ClaimCheck({self.verdict()})"

    def _repr_html_(self) -> str:
        mark = "✔" if self.holds else "✘"
        colour = "#1a7f37" if self.holds else "#cf222e"
        parts = []
        for row in self._rows():
            sign = "✔" if row["holds"] else "✘"
            parts.append(
                f"{html.escape(row['label'])} <b>{html.escape(_measured_text(row))}"
                f"</b> (claim {html.escape(row['claim'])}) {sign}"
            )
        return (
            f'<div style="font-family:sans-serif"><span style="color:{colour};'
            f'font-weight:bold">{mark} {"holds" if self.holds else "does not hold"}'
            f'</span> — {"; ".join(parts)} <span style="color:#57606a">'
            f"({html.escape(self._where())}; basis {html.escape(self._basis())}; "
            f"{html.escape(str(self.meta['boundaries']))})</span></div>"
        )

    def _rows(self) -> list[dict[str, Any]]:
        return [
            {str(k): v for k, v in row.items()}
            for row in self.table.to_dict(orient="records")
        ]

    def _where(self) -> str:
        date = self.meta.get("date") or "undated layer"
        what = self.meta["name"]
        flag = ", illustrative sample" if self.meta.get("illustrative") else ""
        return f"{what}, {date}{flag}"


def check_claim(
    control: str | Path | gpd.GeoDataFrame,
    regions: str | Iterable[str] = "four",
    *,
    occupied_pct: ClaimSpec | None = None,
    occupied_km2: ClaimSpec | None = None,
    contested_pct: ClaimSpec | None = None,
    contested_km2: ClaimSpec | None = None,
    held_pct: ClaimSpec | None = None,
    held_km2: ClaimSpec | None = None,
    area_km2: ClaimSpec | None = None,
    basis: Basis = "geometry",
    boundaries: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    water: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    tolerance: float = 0.05,
) -> ClaimCheck:
    """Check claimed figures for a region or group against a control layer.

    Parameters
    ----------
    control : path or GeoDataFrame
        A control layer (or a scenario result).
    regions : str or iterable of str, default "four"
        The region or group the claim is about: a group (``four`` …), one
        region, or several (their sum).
    occupied_pct, occupied_km2, contested_pct, contested_km2, held_pct, \
held_km2, area_km2 : claim, optional
        The claimed figures, as columns of :func:`frontline.control_table`
        (``occupied`` is Russian-held, ``held`` Ukrainian-held); see the
        module's forms. At least one.
    basis : {"geometry", "official", "land"}, default "geometry"
        As in :func:`frontline.control_table` (``land``: polygons minus sea
        water).
    boundaries : GeoDataFrame, str or path, optional
        Boundaries to measure with (default: embedded Natural Earth): a
        GeoDataFrame, a registered set or a boundary file, as in
        :func:`frontline.control_table`.
    water : path or GeoDataFrame, optional
        With ``basis="land"``, a finer sea mask (see
        :func:`frontline.load_water`).
    tolerance : float, default 0.05
        Relative tolerance for a claim given as a bare value.

    Returns
    -------
    ClaimCheck
        ``.holds``, ``.table`` (one row per quantity), ``.verdict()`` and a
        one-line HTML verdict in notebooks.

    Raises
    ------
    OptionError
        If no claim is given, one cannot be read or cannot be met (a negative
        figure, a share over 100 %), or ``tolerance`` is not in ``[0, 1)``.
    RegionNotFoundError
        For an unknown region.

    Examples
    --------
    >>> import frontline
    >>> from frontline.claims import check_claim
    >>> check = check_claim(frontline.load_sample(), "four", occupied_pct=(70, 80))
    >>> check.holds, check.table.quantity.tolist()
    (True, ['occupied_pct'])
    """
    given = {
        "occupied_pct": occupied_pct,
        "occupied_km2": occupied_km2,
        "contested_pct": contested_pct,
        "contested_km2": contested_km2,
        "held_pct": held_pct,
        "held_km2": held_km2,
        "area_km2": area_km2,
    }
    _validate.number(
        tolerance, "tolerance", low=0, high=1, high_open=True, example="0.05"
    )
    claims = {
        q: _plausible(q, Claim.parse(spec, tolerance=tolerance))
        for q, spec in given.items()
        if spec is not None
    }
    if not claims:
        raise OptionError(
            "no claim given; pass at least one of "
            f"{', '.join(get_args(Quantity))}, e.g. occupied_pct=(70, 80)"
        )
    selection = resolve_regions(regions)
    table = control_table(
        control, selection.ids, basis=basis, boundaries=boundaries, water=water
    )
    row, rid, name = _subject(table, selection.ids, selection.groups)
    rows = []
    for quantity, claim in claims.items():
        measured = float(row[quantity])
        margin = min(measured - claim.lo, claim.hi - measured)
        centre = claim.centre
        rows.append(
            {
                "quantity": quantity,
                "label": QUANTITIES[quantity],
                "region_id": rid,
                "name": name,
                "measured": measured,
                "claim": claim.text(quantity.rsplit("_", 1)[1]),
                "lo": claim.lo,
                "hi": claim.hi,
                "holds": bool(claim.lo <= measured <= claim.hi),
                "margin": margin,
                "deviation": measured - centre,
                "deviation_pct": 100 * (measured - centre) / centre
                if centre
                else math.nan,
            }
        )
    attrs = table.attrs
    date = attrs.get("date")
    meta = {
        "regions": list(selection.ids),
        "region_id": rid,
        "name": name,
        "basis": basis,
        "boundaries": attrs.get("boundaries"),
        "water": attrs.get("water"),
        "date": date.isoformat() if isinstance(date, dt.date) else date,
        "source": attrs.get("source"),
        "illustrative": bool(attrs.get("illustrative", False)),
        "method": attrs.get("method"),
    }
    return ClaimCheck(pd.DataFrame(rows, columns=_COLUMNS), meta)


def _subject(
    table: pd.DataFrame, ids: tuple[str, ...], groups: dict[str, tuple[str, ...]]
) -> tuple[pd.Series[Any], str, str]:
    """Pick the table row the claim is about: a region, a group, or a sum."""

    def row_of(rid: str) -> pd.Series[Any]:
        return table.loc[table.region_id == rid].iloc[0]

    if len(ids) == 1:
        row = row_of(ids[0])
        return row, ids[0], str(row["name"])
    for group, members in groups.items():
        if set(members) == set(ids):
            return row_of(group), group, group_label(group)
    part = table.set_index("region_id").loc[list(ids)]
    sums = part[["area_km2", "occupied_km2", "contested_km2", "held_km2"]].sum()
    for what in ("occupied", "contested", "held"):
        sums[f"{what}_pct"] = 100 * sums[f"{what}_km2"] / sums["area_km2"]
    label = ", ".join(str(n) for n in part["name"])
    return sums, "+".join(ids), label


def _plausible(quantity: str, claim: Claim) -> Claim:
    """Refuse a claim no measurement can meet: a negative area, a share over 100 %."""
    top = 100.0 if quantity.endswith("_pct") else math.inf
    if claim.lo < 0 or claim.hi > top:
        unit = "a share between 0 and 100 (%)" if top == 100 else "a non-negative km²"
        raise OptionError(
            f"{quantity}={claim.text(quantity.rsplit('_', 1)[1])} cannot be met: "
            f"expected {unit}; check the claim's sign and unit"
        )
    return claim


def _finite(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"expected a number in the claim, got {value!r}") from exc
    if not math.isfinite(number):
        raise OptionError(f"expected a finite number in the claim, got {value!r}")
    return number


def _num(text: str) -> float:
    return _finite(text.replace(",", "").replace("_", ""))


def _num_text(value: float) -> str:
    if value == round(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"


def _unit(row: dict[str, Any]) -> str:
    return {"pct": " points", "km2": " km²"}[str(row["quantity"]).rsplit("_", 1)[1]]


def _measured_text(row: dict[str, Any]) -> str:
    if str(row["quantity"]).endswith("_pct"):
        return f"{row['measured']:.1f}%"
    return f"{row['measured']:,.0f} km²"
