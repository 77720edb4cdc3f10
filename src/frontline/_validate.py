"""Checks of the arguments of public functions (the bottom layer).

Every public function checks what it was given at its top, through these
helpers, before any work: a wrong type raises
:class:`~frontline.errors.ArgumentTypeError` (a ``TypeError`` and an
``OptionError``), a value out of range :class:`~frontline.errors.OptionError`
(a ``ValueError``). Each message names the argument, what was received
(quoted through :func:`frontline._messages.quote`, so a huge value stays
short), what was expected and how to fix it.

Limits that belong to the geography (no two points of Ukraine are farther
apart than about 1,400 km) are here too, so that every function refuses the
same nonsense in the same words.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from frontline._messages import quote
from frontline.errors import (
    ArgumentTypeError,
    InputFileNotFoundError,
    OptionError,
    OutputError,
)

if TYPE_CHECKING:
    from collections.abc import Collection

    import pandas as pd

    import geopandas as gpd

__all__ = [
    "MAX_DISTANCE_KM",
    "MAX_TOLERANCE_KM",
    "MIN_SPACING_KM",
    "distance_km",
    "frame",
    "geoframe",
    "is_number",
    "mapping",
    "number",
    "one_of",
    "path",
    "received",
    "regions",
    "sequence",
    "text",
]

#: No two points of Ukraine are farther apart than about 1,400 km (Uzhhorod to
#: the Luhansk border); a distance beyond this (a buffer, a band edge, a
#: river margin) cannot mean anything on a map of Ukraine.
MAX_DISTANCE_KM: Final = 1500.0
#: A border or coast drawn farther off than this is not the same map: the
#: tolerance of the front line (a few km) stops here.
MAX_TOLERANCE_KM: Final = 100.0
#: Lines are traced every 250 m; sampling them more finely than every 10 m
#: adds nothing but memory (1e-9 km asked for 169 GiB).
MIN_SPACING_KM: Final = 0.01
#: Longest file name (bytes) and path Linux accepts (NAME_MAX, PATH_MAX).
_NAME_MAX: Final = 255
_PATH_MAX: Final = 4095


def received(value: Any) -> str:
    """Name a received value: its type and its (capped) repr.

    Examples
    --------
    >>> received([1, 2])
    'list [1, 2]'
    >>> received(None)
    'None'
    """
    if value is None:
        return "None"
    return f"{type(value).__name__} {quote(value)}"


def is_number(value: Any) -> bool:
    """Tell a real number (Python or NumPy) from anything else, bools included."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return False
    return isinstance(value, numbers.Real)


def _fmt(value: float) -> str:
    return f"{value:,g}" if abs(value) < 1e6 else f"{value:g}"


def number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    unit: str = "",
    why: str = "",
    example: str | None = None,
) -> float:
    """Check a number option: type, finiteness and range; return it as float.

    Parameters
    ----------
    value : object
        What was received.
    name : str
        The argument's name, for the message.
    low, high : float, optional
        Bounds (inclusive unless ``low_open``/``high_open``).
    integer : bool, default False
        Require a whole number.
    unit : str
        Unit for the message (``"km"``).
    why : str
        Why the bound exists, appended to the message.
    example : str, optional
        A valid value to suggest.

    Returns
    -------
    float

    Raises
    ------
    ArgumentTypeError
        If ``value`` is not a real number (a string, None, a bool …).
    OptionError
        If it is NaN, infinite, not whole when ``integer``, or out of range.

    Examples
    --------
    >>> number(3, "dpi", low=1)
    3.0
    >>> number(float("nan"), "width_km", low=0, unit="km")
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: width_km must be a non-negative number of km ...
    """
    expected = _expected(low, high, low_open, high_open, integer, unit)
    hint = f"; pass e.g. {name}={example}" if example is not None else ""
    if not is_number(value):
        quoted = " (a string: pass it without quotes)" if isinstance(value, str) else ""
        raise ArgumentTypeError(
            f"{name} must be {expected}, got {received(value)}{quoted}{hint}"
        )
    number = float(value)
    reason = f" ({why})" if why else ""
    if not math.isfinite(number):
        raise OptionError(
            f"{name} must be {expected} (finite), got {_given(value)}{hint}"
        )
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above or (integer and number != int(number)):
        raise OptionError(
            f"{name} must be {expected}, got {_given(value)}{reason}{hint}"
        )
    return number


def _given(value: Any) -> str:
    """Show a received number as typed (``20000``, ``1e-09``, ``nan``)."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


def _expected(  # noqa: PLR0917 - the parts of one phrase
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
    integer: bool,
    unit: str,
) -> str:
    """Say which numbers are expected: 'a positive number of km, at most 1,500'."""
    noun = "a whole number" if integer else "a number"
    of = f" of {unit}" if unit else ""
    top = (
        f", {'less than' if high_open else 'at most'} {_fmt(high)}"
        if high is not None
        else ""
    )
    if low is None:
        return f"{noun}{of}{top}"
    if low == 0:
        sign = "positive" if low_open else "non-negative"
        return f"a {sign} {noun.removeprefix('a ')}{of}{top}"
    if low > 0:
        lo = f"greater than {_fmt(low)}" if low_open else f"at least {_fmt(low)}"
        return f"positive: {noun}{of}, {lo}{top}"
    lo = f"greater than {_fmt(low)}" if low_open else f"at least {_fmt(low)}"
    return f"{noun}{of}, {lo}{top}"


def distance_km(
    value: Any,
    name: str,
    *,
    positive: bool = False,
    high: float = MAX_DISTANCE_KM,
    example: str | None = None,
) -> float:
    """Check a distance in km: finite, non-negative (or positive), at most ``high``.

    Examples
    --------
    >>> distance_km(15, "width_km", positive=True)
    15.0
    """
    why = (
        "no two points of Ukraine are farther apart than about 1,400 km"
        if high == MAX_DISTANCE_KM
        else ""
    )
    return number(
        value,
        name,
        low=0.0,
        high=high,
        low_open=positive,
        unit="km",
        why=why,
        example=example,
    )


def text(
    value: Any,
    name: str,
    *,
    none: bool = False,
    empty: bool = False,
    example: str | None = None,
) -> str | None:
    """Check a string option (a column name, a source name …).

    Examples
    --------
    >>> text("status", "status_column")
    'status'
    """
    if value is None and none:
        return None
    hint = f"; pass e.g. {name}={example!r}" if example else ""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {received(value)}{hint}")
    if not empty and not value.strip():
        raise OptionError(f"{name} must not be empty, got {value!r}{hint}")
    return value


def one_of(value: Any, name: str, allowed: Collection[str]) -> str:
    """Check a mode string against its allowed values.

    Examples
    --------
    >>> one_of("both", "side", ("both", "ukrainian"))
    'both'
    """
    if isinstance(value, str) and value in allowed:
        return value
    error = ArgumentTypeError if not isinstance(value, str) else OptionError
    choices = ", ".join(map(repr, allowed))
    raise error(f"unknown {name} {quote(value)}; expected one of {choices}")


def mapping(value: Any, name: str, *, example: str) -> Mapping[Any, Any]:
    """Check that an option is a mapping (a dict).

    Examples
    --------
    >>> mapping({"a": "occupied"}, "status_map", example="{}")
    {'a': 'occupied'}
    """
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(
            f"{name} must be a mapping (a dict), got {received(value)}; pass e.g. "
            f"{name}={example}"
        )
    return value


def sequence(value: Any, name: str, *, what: str, example: str) -> list[Any]:
    """Check that an argument is a list-like of items; return it as a list.

    A string, bytes, a mapping or a single object is refused (a string would
    be read letter by letter).

    Examples
    --------
    >>> sequence((1, 2), "layers", what="control layers", example="[a, b]")
    [1, 2]
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ArgumentTypeError(
            f"{name} must be a list of {what}, got {received(value)}; pass e.g. "
            f"{name}={example}"
        )
    return list(value)


def regions(spec: Any, name: str = "regions") -> str | list[str]:
    """Check a region selection: a string, or an iterable of strings.

    Examples
    --------
    >>> regions("four")
    'four'
    >>> regions(5)
    Traceback (most recent call last):
    ...
    frontline.errors.ArgumentTypeError: regions must be a group ...
    """
    expected = (
        f"{name} must be a group ('four', 'six', 'all'), a region name or ISO id "
        "('Donetsk', 'UA-14'), a comma-separated string of them, or a list of them"
    )
    if isinstance(spec, str):
        return spec
    if spec is None or isinstance(spec, bytes) or not isinstance(spec, Iterable):
        raise ArgumentTypeError(f"{expected}; got {received(spec)}")
    items = list(spec)
    bad = [item for item in items if not isinstance(item, str)]
    if bad:
        raise ArgumentTypeError(
            f"{expected}; got a {type(spec).__name__} holding {received(bad[0])}"
        )
    return items


def path(
    value: Any,
    name: str,
    *,
    role: Literal["input", "output", "folder"] = "input",
) -> Path:
    """Check a file path: its type and what the operating system accepts.

    A name longer than 255 bytes or a path longer than 4,095 bytes cannot
    exist (``ENAMETOOLONG``), and a NUL character cannot be in a path: they
    are refused with the (capped) path, before any file is touched.

    Raises
    ------
    ArgumentTypeError
        For a value that is not a ``str`` or ``os.PathLike``.
    InputFileNotFoundError, OutputError, OptionError
        For a path no file can have (an input, an output, a folder).

    Examples
    --------
    >>> path("maps/a.png", "path", role="output").name
    'a.png'
    """
    if not isinstance(value, (str, os.PathLike)):
        fix = "; decode it with os.fsdecode(...)" if isinstance(value, bytes) else ""
        raise ArgumentTypeError(
            f"{name} must be a file path (str or pathlib.Path), got "
            f"{received(value)}{fix}"
        )
    text_path = os.fspath(value)
    if not isinstance(text_path, str):
        text_path = os.fsdecode(text_path)
    error: type[Exception] = {
        "input": InputFileNotFoundError,
        "output": OutputError,
        "folder": OptionError,
    }[role]
    if "\0" in text_path:
        raise error(
            f"{name} {quote(text_path)} holds a NUL character, which no file name "
            "can contain; check how the path was built"
        )
    raw = os.fsencode(text_path)
    parts = raw.split(b"/")
    longest = max(parts, key=len, default=b"")
    if len(longest) > _NAME_MAX:
        raise error(
            f"{name} holds a file name of {len(longest):,} bytes "
            f"({quote(os.fsdecode(longest), 40)}), longer than the {_NAME_MAX} "
            "bytes a file system allows; use a shorter name"
        )
    if len(raw) > _PATH_MAX:
        raise error(
            f"{name} is a path of {len(raw):,} bytes (ending "
            f"'…{text_path[-40:]}'), longer than the {_PATH_MAX:,} bytes a file "
            "system allows; use a shorter path"
        )
    if not text_path:
        raise error(f"{name} is '' (an empty string); give a file path")
    return Path(text_path)


def frame(value: Any, name: str, *, what: str) -> pd.DataFrame:
    """Check that a table argument is a pandas DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> len(frame(pd.DataFrame({"a": [1]}), "series", what="a time series"))
    1
    """
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        raise ArgumentTypeError(
            f"{name} must be a pandas DataFrame ({what}), got {received(value)}"
        )
    return value


def geoframe(value: Any, name: str, *, what: str) -> gpd.GeoDataFrame:
    """Check that an argument is a usable GeoDataFrame.

    It must have an active geometry column of geometries and unique column
    names (two ``status`` columns cannot be told apart).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    >>> len(geoframe(gdf, "gdf", what="boundaries"))
    1
    """
    import geopandas as gpd

    if not isinstance(value, gpd.GeoDataFrame):
        raise ArgumentTypeError(
            f"{name} must be a GeoDataFrame ({what}), got {received(value)}"
        )
    columns = list(value.columns)
    dupes = sorted({str(c) for c in columns if columns.count(c) > 1})
    if dupes:
        raise OptionError(
            f"{name} has several columns named {', '.join(map(repr, dupes[:5]))}; "
            "rename or drop the duplicates so that each column has one name"
        )
    active = value._geometry_column_name
    if active is None or active not in value.columns:
        raise OptionError(
            f"{name} has no active geometry column (columns: "
            f"{quote([str(c) for c in columns])}); set one with "
            "gdf.set_geometry('geometry'), or build it with "
            "geopandas.GeoDataFrame(..., geometry=...)"
        )
    if not isinstance(value[active].dtype, gpd.array.GeometryDtype):
        raise OptionError(
            f"{name}'s geometry column {active!r} holds "
            f"{value[active].dtype} values, not geometries; convert it with "
            "geopandas.GeoSeries.from_wkt(...) or set_geometry(...)"
        )
    return value
