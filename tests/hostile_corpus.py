"""A generated corpus of hostile and odd inputs, grouped in families.

Every case is built at test time in a temporary directory (no committed
binaries). A case says how to build its inputs, what to run (a library call,
a CLI argv, or both) and which outcomes are acceptable:

``error``
    The library raises a :class:`frontline.FrontlineError` that also derives
    from a builtin (ValueError, LookupError, OSError …), with a short message
    (≤ :data:`MAX_MESSAGE` characters once the temporary directory is
    replaced by ``<tmp>``) that names what was received and hints at a fix.
    The CLI exits 1 (2 for a usage error) and prints exactly one line
    ``frontline: error: …`` on stderr, no traceback, nothing on stdout.
``ok``
    It works, and the figures stated in the case hold (e.g. a repaired ring
    measures 8,005.2 km² in the four regions).
``warn``
    It works and emits a :class:`frontline.FrontlineWarning` (the CLI prints
    ``frontline: warning: …``); the figures stated hold too.

A case that accepts ``("error", "warn")`` must be refused or loudly flagged:
never a silent figure. Every run is bounded: 10 s, and (in a subprocess)
1 GiB of address space.

The cases that may hang or exhaust memory (FIFOs, ``/dev/zero``, sparse
gigabyte files, decompression bombs, 100,000 features) are ``isolate``: they
only run in a subprocess, in the ``FRONTLINE_FUZZ=1`` subset.

Run one case by hand::

    python tests/hostile_corpus.py list                 # ids and families
    python tests/hostile_corpus.py run CASE_ID          # library + CLI, subprocess
    python tests/hostile_corpus.py summary report.json  # from FRONTLINE_HOSTILE_REPORT
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import itertools
import json
import math
import os
import re
import resource
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    Inputs = dict[str, Any]

# ---------------------------------------------------------------------------
# Bounds of the promise

MAX_SECONDS = 10.0
MAX_BYTES = 1 << 30  # RLIMIT_AS of a subprocess run
#: Characters of a one-line error, temporary paths elided (the CLI itself cuts at 600).
MAX_MESSAGE = int(os.environ.get("FRONTLINE_HOSTILE_MAX_MESSAGE", "400"))
OUTCOMES = ("error", "ok", "warn")
#: A message says how to fix the problem: one of these words or phrases.
HINT = re.compile(
    r"expected|expect |must|should|pass |use |set |give|choose|one of|remove|"
    r"fix|check|raise|add |drop|try|re-encode|rename|reproject|swap|create|"
    r"extract|need|valid|instead|supported|allowed|did you mean|run `|"
    r"delete|convert|make|replace|keep|select|limit|only|at least|at most|"
    r"between|positive|finite|range|increase|decrease|repair|split|smaller|"
    r"columns are|labels found|valid|available|known|accepted|call |today is|"
    r"looked for",
    re.IGNORECASE,
)
_BUILTIN_BASES = (ValueError, LookupError, OSError, TypeError, ArithmeticError)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _frontline_exe() -> str:
    exe = Path(sys.executable).with_name("frontline")
    return str(exe) if exe.exists() else shutil.which("frontline") or "frontline"


# ---------------------------------------------------------------------------
# Reference shapes and their figures (the area engine is tested elsewhere;
# these are its results for shapes lying inside the four regions)

NAN = float("nan")
INF = float("inf")
BOX_RING = [[37.0, 47.0], [38.0, 47.0], [38.0, 48.0], [37.0, 48.0], [37.0, 47.0]]
BOX_B_RING = [[35.2, 47.0], [35.8, 47.0], [35.8, 47.6], [35.2, 47.6], [35.2, 47.0]]
HOLE_RING = [[37.4, 47.4], [37.4, 47.6], [37.6, 47.6], [37.6, 47.4], [37.4, 47.4]]
TRI_RING = [[37.0, 47.0], [38.0, 47.0], [37.5, 48.0], [37.0, 47.0]]
#: km² of each shape inside the four regions (Donetsk, Luhansk, Zaporizhzhia,
#: Kherson); BOX straddles Donetsk/Zaporizhzhia and reaches outside them.
BOX_FOUR = 8005.1597
BOX_B_FOUR = 3026.9407  # entirely in Zaporizhzhia
TRI_FOUR = 3848.2454
HOLED_FOUR = 7670.0902  # BOX minus HOLE
HOLE_FOUR = 335.0695
BOWTIE_FOUR = 4151.5188  # the two triangles of a self-crossing BOX ring
BOX_TOTAL = 8376.6325  # the whole box, geodesic


@dataclass(frozen=True)
class Figure:
    """A value a control table (or the row of another table) must show."""

    region: str
    column: str
    value: float
    rel: float = 2e-3
    abs: float = 0.5
    #: Which outcomes the figure applies to.
    when: tuple[str, ...] = ("ok", "warn")

    def check(self, table: Any) -> str | None:
        try:
            rows = table.set_index("region_id")
            got = float(rows.loc[self.region, self.column])
        except Exception as exc:
            return (
                f"figure {self.region}/{self.column}: not in the result ({exc!r:.80})"
            )
        tol = max(self.abs, self.rel * abs(self.value))
        if not math.isfinite(got) or abs(got - self.value) > tol:
            return (
                f"figure {self.region}/{self.column} = {got:,.3f}, expected "
                f"{self.value:,.3f} ± {tol:,.3f}"
            )
        return None


def occupied(value: float, region: str = "four", **kw: Any) -> Figure:
    return Figure(region, "occupied_km2", value, **kw)


# ---------------------------------------------------------------------------
# The case


@dataclass
class Case:
    """One hostile input, how to run it and what must happen."""

    id: str
    family: str
    build: Callable[[Path], Inputs]
    expect: tuple[str, ...]
    lib: Callable[[Inputs], Any] | None = None
    argv: Callable[[Inputs], list[str]] | None = None
    #: Exception class the library must raise (a FrontlineError subclass).
    error: str = "FrontlineError"
    #: Regex the error message must match (search, case-insensitive).
    match: str | None = None
    #: The message must name what was received: one of these substrings.
    mentions: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    #: Extra check of the library result: returns a problem or None.
    check: Callable[[Any], str | None] | None = None
    #: Regex a FrontlineWarning must match when the outcome is "warn".
    warn_match: str | None = None
    #: The CLI rejects the arguments as a usage error (exit 2).
    usage: bool = False
    #: May hang or exhaust memory: run only in a bounded subprocess.
    isolate: bool = False
    #: Takes more than about a second: run only in the fuzz subset.
    slow: bool = False
    #: Extra check after the CLI ran: (inputs, stdout) -> problem or None.
    cli_check: Callable[[Inputs, str], str | None] | None = None
    #: Close the CLI's stdout (``>&-``); subprocess only.
    stdout_closed: bool = False
    #: Run the subprocess as an unprivileged user (unreadable files as root).
    unprivileged: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        assert all(o in OUTCOMES for o in self.expect), self.expect
        if not set(self.expect) & {"ok", "warn"}:
            self.figures = ()  # only a working run has figures
        if self.stdout_closed or self.unprivileged:
            self.isolate = True

    @property
    def fuzz_only(self) -> bool:
        return self.isolate or self.slow


CASES: list[Case] = []
_IDS: set[str] = set()


def add(case: Case) -> Case:
    if case.id in _IDS:
        raise AssertionError(f"duplicate case id {case.id}")
    _IDS.add(case.id)
    CASES.append(case)
    return case


# ---------------------------------------------------------------------------
# Builders: each returns a function tmp_path -> inputs (paths as strings)

Content = Any  # str | bytes | dict | list | Callable[[Path], None]


def _write(path: Path, content: Content) -> None:
    if callable(content):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_text(dumps(content), encoding="utf-8", errors="surrogatepass")


def files(*specs: tuple[str, str, Content]) -> Callable[[Path], Inputs]:
    """Write (key, file name, content) triples; inputs map key -> path."""

    def build(tmp: Path) -> Inputs:
        out: Inputs = {}
        for key, name, content in specs:
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, content)
            out[key] = str(path)
        return out

    return build


def lazy(make: Callable[[], Any]) -> Callable[[Path], None]:
    """Content computed when the case is built, not when the corpus is imported."""

    def write(path: Path) -> None:
        _write(path, make())

    return write


def one(name: str, content: Content) -> Callable[[Path], Inputs]:
    return files(("control", name, content))


def nothing(tmp: Path) -> Inputs:
    return {}


def combine(*builders: Callable[[Path], Inputs]) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        out: Inputs = {}
        for b in builders:
            out.update(b(tmp))
        return out

    return build


def dumps(doc: Any) -> str:
    """JSON with NaN/Infinity literals (GDAL reads them) and raw non-ASCII."""
    return json.dumps(doc, ensure_ascii=False)


def poly(*rings: Any) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def mpoly(*polys: Any) -> dict[str, Any]:
    return {"type": "MultiPolygon", "coordinates": list(polys)}


def feat(geometry: Any, props: Any = None, **kw: Any) -> dict[str, Any]:
    if props is None:
        props = kw
    return {"type": "Feature", "properties": props, "geometry": geometry}


def fc(*features: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


BOX = poly(BOX_RING)
BOX_B = poly(BOX_B_RING)
OCC = {"status": "occupied"}
DS_NAME = "Окуповано /// Occupied /// geoJSON.status.occupied"


def box_fc(**props: Any) -> dict[str, Any]:
    return fc(feat(BOX, {"status": "occupied", **props}))


def nzz_doc(*features: Any, date: str = "2024-11-20") -> dict[str, Any]:
    return {"value": fc(*features)}


def nzz_feat(geometry: Any, kind: str = "nochange", **props: Any) -> dict[str, Any]:
    return feat(geometry, {"type": kind, "date": "2024-11-20", **props})


def deepstate_doc(*features: Any, **meta: Any) -> dict[str, Any]:
    return {"map": fc(*features), "datetime": "2024-11-20T21:00:00Z", "id": 1, **meta}


def ds_feat(geometry: Any, name: Any = DS_NAME, **props: Any) -> dict[str, Any]:
    return feat(geometry, {"name": name, **props})


def geojsonl(*features: Any) -> str:
    return "".join(dumps(f) + "\n" for f in features)


def gz(content: str | bytes) -> Callable[[Path], None]:
    data = (
        content.encode("utf-8", "surrogatepass")
        if isinstance(content, str)
        else content
    )

    def write(path: Path) -> None:
        with gzip.open(path, "wb", compresslevel=6) as f:
            f.write(data)

    return write


def _coord_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def kml_coords(ring: Iterable[Iterable[float]]) -> str:
    return " ".join(",".join(_coord_text(v) for v in pos) for pos in ring)


def kml_polygon(outer: Any = None, inner: Iterable[Any] = ()) -> str:
    parts = ["<Polygon>"]
    if outer is not None:
        parts.append(
            "<outerBoundaryIs><LinearRing><coordinates>"
            f"{kml_coords(outer)}</coordinates></LinearRing></outerBoundaryIs>"
        )
    for ring in inner:
        parts.append(
            "<innerBoundaryIs><LinearRing><coordinates>"
            f"{kml_coords(ring)}</coordinates></LinearRing></innerBoundaryIs>"
        )
    parts.append("</Polygon>")
    return "".join(parts)


def placemark(geometry: str, name: str = "Occupied", extra: str = "") -> str:
    return f"<Placemark><name>{name}</name>{extra}{geometry}</Placemark>"


def kml(body: str, prolog: str = "", root: bool = True) -> str:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog
    if not root:
        return head + body
    return (
        head
        + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + body
        + "</Document></kml>"
    )


def wkb_polygon(*rings: Iterable[Iterable[float]]) -> bytes:
    rings = [list(r) for r in rings]
    out = struct.pack("<BII", 1, 3, len(rings))
    for ring in rings:
        out += struct.pack("<I", len(ring))
        for pos in ring:
            out += struct.pack("<dd", *pos[:2])
    return out


def gpkg(
    wkbs: list[bytes],
    props: dict[str, list[Any]] | None = None,
    *,
    srs_id: int = 4326,
    layer: str = "control",
) -> Callable[[Path], None]:
    """A GeoPackage whose geometry blobs are the given (possibly broken) WKB."""

    def write(path: Path) -> None:
        import sqlite3

        import geopandas as gpd
        import shapely

        n = len(wkbs)
        columns = props if props is not None else {"status": ["occupied"] * n}
        gdf = gpd.GeoDataFrame(
            columns, geometry=[shapely.box(37, 47, 38, 48)] * n, crs="EPSG:4326"
        )
        gdf.to_file(path, layer=layer, driver="GPKG", SPATIAL_INDEX="NO")
        con = sqlite3.connect(path)
        try:
            (col,) = con.execute(
                "select column_name from gpkg_geometry_columns where table_name=?",
                (layer,),
            ).fetchone()
            fids = [
                r[0] for r in con.execute(f'select fid from "{layer}" order by fid')
            ]
            for fid, wkb in zip(fids, wkbs, strict=True):
                blob = b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", srs_id) + wkb
                con.execute(f'update "{layer}" set "{col}"=? where fid=?', (blob, fid))
            con.commit()
        finally:
            con.close()

    return write


def gpkg_frame(make: Callable[[], Any], **kw: Any) -> Callable[[Path], None]:
    """A GeoPackage written from a GeoDataFrame built by ``make``."""

    def write(path: Path) -> None:
        make().to_file(path, driver="GPKG", **kw)

    return write


def parquet(
    wkbs: list[Any],
    columns: dict[str, Any] | None = None,
    *,
    geo: Any = "default",
    crs: Any = None,
    geometry_type: Any = None,
) -> Callable[[Path], None]:
    """A GeoParquet file from raw WKB values and arbitrary pyarrow columns."""

    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data: dict[str, Any] = {}
        if columns is None:
            data["status"] = pa.array(["occupied"] * len(wkbs))
        else:
            data.update(columns)
        data["geometry"] = (
            pa.array(wkbs, geometry_type)
            if geometry_type is not None
            else pa.array(wkbs, pa.binary())
        )
        table = pa.table(data)
        meta: Any = geo
        if geo == "default":
            column: dict[str, Any] = {"encoding": "WKB", "geometry_types": []}
            if crs is not None:
                column["crs"] = crs
            meta = {
                "version": "1.0.0",
                "primary_column": "geometry",
                "columns": {"geometry": column},
            }
        if meta is not None:
            raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
            table = table.replace_schema_metadata({b"geo": raw})
        pq.write_table(table, path)

    return write


def gdf(geoms: list[Any] | None = None, crs: Any = "EPSG:4326", **columns: Any) -> Any:
    import geopandas as gpd
    import shapely

    if geoms is None:
        geoms = [shapely.box(37, 47, 38, 48)]
    return gpd.GeoDataFrame(columns or None, geometry=geoms, crs=crs)


def box_layer(**kw: Any) -> Any:
    """A normalised control layer of BOX (occupied), fresh each call."""
    import frontline as fl

    return fl.read_control(gdf(status=["occupied"]), **kw)


def sample() -> Any:
    import frontline as fl

    return fl.load_sample()


# Library calls -------------------------------------------------------------


def report(regions: str = "four", **kw: Any) -> Callable[[Inputs], Any]:
    """control_table(read_control(inputs['control'], **kw), regions)."""

    def call(inputs: Inputs) -> Any:
        import frontline as fl

        return fl.control_table(fl.read_control(inputs["control"], **kw), regions)

    return call


_CLI_FLAGS = {
    "status": "--status",
    "status_column": "--status-column",
    "date": "--date",
    "source": "--source",
}


def report_argv(
    regions: str = "four", *extra: str, **kw: Any
) -> Callable[[Inputs], list[str]] | None:
    """The CLI twin of :func:`report`; None when a keyword has no flag."""
    if any(k not in _CLI_FLAGS for k in kw):
        return None
    flags = [x for k, v in kw.items() for x in (_CLI_FLAGS[k], str(v))]

    def argv(inputs: Inputs) -> list[str]:
        return ["report", inputs["control"], "--regions", regions, *flags, *extra]

    return argv


def control_case(
    id: str,
    family: str,
    build: Callable[[Path], Inputs],
    expect: tuple[str, ...] | str,
    *,
    regions: str = "four",
    kw: dict[str, Any] | None = None,
    cli: bool = True,
    mentions: tuple[str, ...] | None = None,
    **extra: Any,
) -> Case:
    """A control file through read_control + control_table and ``frontline report``."""
    kw = kw or {}
    expect = (expect,) if isinstance(expect, str) else expect
    return add(
        Case(
            id=id,
            family=family,
            build=build,
            expect=expect,
            lib=report(regions, **kw),
            argv=report_argv(regions, **kw) if cli else None,
            mentions=mentions if mentions is not None else (),
            **extra,
        )
    )


def lib_case(
    id: str,
    family: str,
    call: Callable[[Inputs], Any],
    expect: tuple[str, ...] | str = "error",
    *,
    build: Callable[[Path], Inputs] = nothing,
    argv: Callable[[Inputs], list[str]] | None = None,
    **extra: Any,
) -> Case:
    expect = (expect,) if isinstance(expect, str) else expect
    return add(
        Case(
            id=id,
            family=family,
            build=build,
            expect=expect,
            lib=call,
            argv=argv,
            **extra,
        )
    )


def cli_case(
    id: str,
    family: str,
    argv: Callable[[Inputs], list[str]],
    expect: tuple[str, ...] | str = "error",
    *,
    build: Callable[[Path], Inputs] = nothing,
    **extra: Any,
) -> Case:
    expect = (expect,) if isinstance(expect, str) else expect
    return add(
        Case(id=id, family=family, build=build, expect=expect, argv=argv, **extra)
    )


def file_name(inputs: Inputs, key: str = "control") -> str:
    return Path(inputs[key]).name


# ---------------------------------------------------------------------------
# Result of one run and the judgement


@dataclass
class LibResult:
    outcome: str  # error | ok | warn | crash | timeout
    exc_type: str = ""
    exc_module: str = ""
    frontline: bool = False
    builtin: bool = False
    is_class: str = ""  # name of case.error if isinstance, else ""
    message: str = ""
    trace: str = ""
    warnings: list[str] = field(default_factory=list)
    other_warnings: list[str] = field(default_factory=list)
    problems_from_result: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    maxrss_mb: float = 0.0


class _NoNetwork(OSError):
    pass


@contextlib.contextmanager
def no_network() -> Iterator[None]:
    """Refuse every socket connection (the corpus never needs the network)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise _NoNetwork("network disabled in the hostile corpus")

    saved = (socket.socket.connect, socket.create_connection, socket.getaddrinfo)
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign,assignment]


def _evaluate(case: Case, value: Any, outcome: str) -> list[str]:
    problems = []
    for fig in case.figures:
        if outcome not in fig.when:
            continue
        problem = fig.check(value)
        if problem:
            problems.append(problem)
    if case.check is not None:
        try:
            problem = case.check(value)
        except Exception as exc:
            problem = f"check failed: {exc!r:.200}"
        if problem:
            problems.append(problem)
    return problems


def run_library(case: Case, inputs: Inputs) -> LibResult:
    """Run the case's library call in this process; classify what happened."""
    import frontline as fl

    assert case.lib is not None
    result = LibResult(outcome="ok")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, no_network():
        warnings.simplefilter("always")
        try:
            value = case.lib(inputs)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            value = None
            result.exc_type = type(exc).__name__
            result.exc_module = type(exc).__module__
            result.frontline = isinstance(exc, fl.FrontlineError)
            result.builtin = isinstance(exc, _BUILTIN_BASES)
            wanted = getattr(fl, case.error, fl.FrontlineError)
            result.is_class = case.error if isinstance(exc, wanted) else ""
            try:
                result.message = str(exc)
            except Exception as inner:  # a __str__ that fails is a crash too
                result.message = f"<str() failed: {inner!r}>"
            result.trace = "".join(traceback.format_exception(exc)[-6:])[-3000:]
            result.outcome = "error" if result.frontline else "crash"
            if not _through_frontline(exc):
                # Raised before frontline saw the input: the case is wrong.
                result.outcome = "harness"
    result.elapsed = time.perf_counter() - start
    for item in caught:
        text = f"{item.category.__name__}: {item.message}"
        if issubclass(item.category, fl.FrontlineWarning):
            result.warnings.append(text[:500])
        else:
            result.other_warnings.append(text[:500])
    if result.outcome == "ok":
        if result.warnings:
            result.outcome = "warn"
        result.problems_from_result = _evaluate(case, value, result.outcome)
    result.maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _through_frontline(exc: BaseException) -> bool:
    """Tell whether the exception passed through frontline's own code."""
    marker = os.sep + "frontline" + os.sep
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if marker in name and not name.endswith("hostile_corpus.py"):
            return True
        tb = tb.tb_next
    return isinstance(exc, ImportError)


def _elide(text: str, inputs: Inputs) -> str:
    tmp = inputs.get("tmp")
    if tmp:
        text = text.replace(str(tmp), "<tmp>")
        text = text.replace(os.path.realpath(str(tmp)), "<tmp>")
    return text.replace(os.getcwd(), "<cwd>")


def _mentions_ok(case: Case, message: str, inputs: Inputs) -> bool:
    tokens = list(case.mentions)
    if not tokens:
        return True
    low = message.casefold()
    return any(str(t).casefold()[:60] in low for t in tokens)


def judge_error_message(case: Case, message: str, inputs: Inputs) -> list[str]:
    problems = []
    short = _elide(message, inputs)
    if len(short) > MAX_MESSAGE:
        problems.append(f"message is {len(short):,} characters (max {MAX_MESSAGE})")
    if case.match and not re.search(case.match, message, re.IGNORECASE | re.DOTALL):
        problems.append(f"message does not match {case.match!r}")
    if not _mentions_ok(case, message, inputs):
        problems.append(
            "message does not name what was received "
            f"(one of {list(case.mentions)[:4]!r:.120})"
        )
    if not HINT.search(message):
        problems.append("message gives no expectation or fix")
    return problems


def judge_library(case: Case, res: LibResult, inputs: Inputs) -> list[str]:
    problems: list[str] = []
    head = _elide(res.message, inputs)[:240]
    if res.outcome == "timeout":
        return [f"library run exceeded {MAX_SECONDS:.0f} s"]
    if res.outcome == "crash":
        return [f"raised {res.exc_module}.{res.exc_type}, not a FrontlineError: {head}"]
    if res.outcome == "harness":
        return [f"HARNESS: the case itself raised {res.exc_type}: {head}"]
    if res.outcome not in case.expect:
        detail = head if res.outcome == "error" else "; ".join(res.warnings)[:240]
        problems.append(
            f"expected {'/'.join(case.expect)}, got {res.outcome}"
            + (
                f" ({res.exc_type}: {detail})"
                if res.outcome == "error"
                else f" ({detail})"
                if detail
                else ""
            )
        )
    if res.outcome == "error":
        if not res.builtin:
            problems.append(f"{res.exc_type} has no builtin base (ValueError, …)")
        if case.error != "FrontlineError" and not res.is_class:
            problems.append(f"raised {res.exc_type}, expected {case.error}")
        problems += judge_error_message(case, res.message, inputs)
    else:
        problems += list(res.problems_from_result)
        if (
            res.outcome == "warn"
            and case.warn_match
            and not any(
                re.search(case.warn_match, w, re.IGNORECASE) for w in res.warnings
            )
        ):
            problems.append(f"no FrontlineWarning matches {case.warn_match!r}")
        geographic = [w for w in res.other_warnings if "geographic CRS" in w]
        if geographic:
            problems.append(f"area taken in degrees: {geographic[0][:120]}")
    if res.elapsed > MAX_SECONDS:
        problems.append(f"took {res.elapsed:.1f} s (max {MAX_SECONDS:.0f})")
    return problems


@dataclass
class CliResult:
    code: int | None
    stdout: str
    stderr: str
    elapsed: float
    maxrss_mb: float = 0.0
    timed_out: bool = False


_ALLOWED_EXTRA = re.compile(
    r"^(frontline: (warning|WARNING|INFO|info):|frontline: no CONTROL given|"
    r"frontline: .*GeoNames)",
)


def cli_outcome(res: CliResult) -> str:
    if res.timed_out:
        return "timeout"
    if "Traceback (most recent call last)" in res.stderr or res.code not in (0, 1, 2):
        return "crash"
    if res.code == 0:
        return "warn" if "frontline: warning:" in res.stderr else "ok"
    return "error"


def _csv_table(stdout: str) -> Any:
    import pandas as pd

    return pd.read_csv(io.StringIO(stdout))


def judge_cli(  # noqa: PLR0912 - one branch per rule of the promise
    case: Case, res: CliResult, inputs: Inputs, argv: list[str]
) -> list[str]:
    outcome = cli_outcome(res)
    err_lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    tail = _elide(" | ".join(err_lines[-3:]), inputs)[:300]
    if outcome == "timeout":
        return [f"CLI did not finish in {MAX_SECONDS:.0f} s"]
    if outcome == "crash":
        last = [ln for ln in err_lines if ln.strip()][-1:] or ["(no stderr)"]
        return [
            f"CLI exit {res.code} with a traceback or crash: "
            f"{_elide(last[0], inputs)[:240]}"
        ]
    problems: list[str] = []
    if outcome not in case.expect:
        problems.append(
            f"CLI: expected {'/'.join(case.expect)}, got {outcome} "
            f"(exit {res.code}): {tail}"
        )
    if outcome == "error":
        wanted = 2 if case.usage else 1
        if res.code != wanted and "error" in case.expect:
            problems.append(f"CLI exit {res.code}, expected {wanted}")
        errors = [ln for ln in err_lines if "error:" in ln]
        others = [ln for ln in err_lines if not _ALLOWED_EXTRA.match(ln)]
        if res.code == 1:
            if len(errors) != 1 or len(others) != 1:
                problems.append(
                    f"CLI printed {len(others)} stderr line(s), expected one "
                    f"'frontline: error:' line: {tail}"
                )
            elif not errors[0].startswith("frontline: error: "):
                problems.append(
                    "CLI error line does not start 'frontline: error: ': "
                    f"{errors[0][:80]}"
                )
            if errors:
                text = errors[-1].removeprefix("frontline: error: ")
                short = _elide(text, inputs)
                if len(short) > MAX_MESSAGE:
                    problems.append(
                        f"CLI message is {len(short):,} characters (max {MAX_MESSAGE})"
                    )
        elif res.code != 2:
            problems.append(f"CLI exit {res.code} for a usage error: {tail}")
        if res.stdout.strip():
            problems.append("CLI wrote to stdout although it failed")
    elif case.figures and "--format" in argv and "csv" in argv and "-o" not in argv:
        try:
            table = _csv_table(res.stdout)
        except Exception as exc:
            problems.append(f"CLI output is not CSV: {exc!r:.120}")
        else:
            for fig in case.figures:
                if outcome in fig.when:
                    problem = fig.check(table)
                    if problem:
                        problems.append("CLI " + problem)
    if case.cli_check is not None and outcome in ("ok", "warn"):
        problem = case.cli_check(inputs, res.stdout)
        if problem:
            problems.append("CLI " + problem)
    if res.elapsed > MAX_SECONDS:
        problems.append(f"CLI took {res.elapsed:.1f} s")
    return problems


def cli_argv(case: Case, inputs: Inputs) -> list[str]:
    """The case's argv; figures of a report are read from its CSV output."""
    assert case.argv is not None
    argv = [str(a) for a in case.argv(inputs)]
    if (
        case.figures
        and argv
        and argv[0] in ("report", "compare")
        and "--format" not in argv
        and "-o" not in argv
    ):
        argv += ["--format", "csv"]
    return argv


@contextlib.contextmanager
def _saved_logging() -> Iterator[None]:
    import logging

    logger = logging.getLogger("frontline")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        yield
    finally:
        logger.handlers[:], logger.level, logger.propagate = (
            saved[0],
            saved[1],
            saved[2],
        )


def run_cli_inprocess(argv: list[str]) -> CliResult:
    """``frontline.cli.main(argv)`` with stdout/stderr captured (text and bytes)."""
    from frontline.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(
        out_bytes, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    err = io.TextIOWrapper(
        err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    start = time.perf_counter()
    code: int | None
    with (
        _saved_logging(),
        no_network(),
        warnings.catch_warnings(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.simplefilter("default")
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            err.write("Traceback (most recent call last):\n")
            err.write("".join(traceback.format_exception(exc)[-4:]))
            code = None
    out.flush()
    err.flush()
    return CliResult(
        code=code,
        stdout=out_bytes.getvalue().decode("utf-8", "backslashreplace"),
        stderr=err_bytes.getvalue().decode("utf-8", "backslashreplace"),
        elapsed=time.perf_counter() - start,
    )


def subprocess_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FRONTLINE_CACHE_DIR": str(tmp / "_cache"),
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "NO_PROXY": "",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            "PYTHONFAULTHANDLER": "1",
            "PYTHONIOENCODING": "",
        }
    )
    env.pop("PYTHONIOENCODING")
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _limits(
    *, close_stdout: bool = False, unprivileged: bool = False
) -> Callable[[], None]:
    def pre() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MAX_BYTES, MAX_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if close_stdout:
            os.close(1)
        if unprivileged and os.geteuid() == 0:
            _drop_file_capabilities()

    return pre


def _drop_file_capabilities() -> None:
    """Let root obey file permissions: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.

    Dropped from the bounding set, so they stay dropped across exec.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run(
    cmd: list[str],
    tmp: Path,
    *,
    close_stdout: bool = False,
    unprivileged: bool = False,
    cwd: Path | None = None,
) -> CliResult:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(tmp),
        cwd=str(cwd or tmp),
        # No threads run in the parent between fork and exec here.
        preexec_fn=_limits(close_stdout=close_stdout, unprivileged=unprivileged),  # noqa: PLW1509
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=MAX_SECONDS + 2)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        timed_out = True
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return CliResult(
        code=proc.returncode,
        stdout=out.decode("utf-8", "backslashreplace"),
        stderr=err.decode("utf-8", "backslashreplace"),
        elapsed=elapsed,
        maxrss_mb=max(after, before) / 1024,
        timed_out=timed_out or elapsed > MAX_SECONDS + 1.5,
    )


def run_cli_subprocess(
    case: Case, inputs: Inputs, tmp: Path
) -> tuple[CliResult, list[str]]:
    argv = cli_argv(case, inputs)
    # Arguments that are not valid UTF-8 travel as bytes, as a shell passes them.
    cmd = [_frontline_exe(), *[a.encode("utf-8", "surrogateescape") for a in argv]]
    res = _run(
        cmd, tmp, close_stdout=case.stdout_closed, unprivileged=case.unprivileged
    )  # type: ignore[arg-type]
    return res, argv


def run_library_subprocess(case: Case, inputs: Inputs, tmp: Path) -> LibResult:
    spec = tmp / "_inputs.json"
    spec.write_text(
        json.dumps(inputs, default=str), encoding="utf-8", errors="surrogateescape"
    )
    cmd = [sys.executable, str(Path(__file__).resolve()), "_child", case.id, str(spec)]
    res = _run(cmd, tmp, unprivileged=case.unprivileged, cwd=tmp)
    if res.timed_out:
        return LibResult(outcome="timeout", elapsed=res.elapsed)
    marker = "@@RESULT@@"
    for line in reversed(res.stdout.splitlines()):
        if line.startswith(marker):
            data = json.loads(line[len(marker) :])
            out = LibResult(**data)
            out.maxrss_mb = res.maxrss_mb
            return out
    last = [ln for ln in res.stderr.splitlines() if ln.strip()][-3:]
    return LibResult(
        outcome="crash",
        exc_type=f"process exit {res.code}",
        message=" | ".join(last)[:500] or "(no output)",
        elapsed=res.elapsed,
        maxrss_mb=res.maxrss_mb,
    )


def _child(case_id: str, spec: str) -> None:
    """Subprocess entry: run one case's library call, print the result."""
    import dataclasses

    inputs = json.loads(
        Path(spec).read_text(encoding="utf-8", errors="surrogateescape")
    )
    case = by_id(case_id)
    res = run_library(case, inputs)
    print("@@RESULT@@" + json.dumps(dataclasses.asdict(res), default=str), flush=True)


def by_id(case_id: str) -> Case:
    for case in CASES:
        if case.id == case_id:
            return case
    raise KeyError(case_id)


def build_inputs(case: Case, tmp: Path) -> Inputs:
    tmp.mkdir(parents=True, exist_ok=True)
    inputs = dict(case.build(tmp))
    inputs["tmp"] = str(tmp)
    return inputs


# Directories outside pytest's private tmp (readable by an unprivileged user).
_EXTERNAL: list[Path] = []


def external_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="frontline-hostile-"))
    path.chmod(0o755)
    _EXTERNAL.append(path)
    return path


def cleanup_external() -> None:
    while _EXTERNAL:
        shutil.rmtree(_EXTERNAL.pop(), ignore_errors=True)


# ---------------------------------------------------------------------------
# Families


def _fmt_geojson(rings: list[Any]) -> tuple[str, Content]:
    return "rings.geojson", fc(feat(poly(*rings), status="occupied"))


def _fmt_geojsonl(rings: list[Any]) -> tuple[str, Content]:
    return "rings.geojsonl", geojsonl(feat(poly(*rings), status="occupied"))


def _fmt_geojson_gz(rings: list[Any]) -> tuple[str, Content]:
    return "rings.geojson.gz", gz(dumps(fc(feat(poly(*rings), status="occupied"))))


def _fmt_nzz(rings: list[Any]) -> tuple[str, Content]:
    return "2024-11-21.json", nzz_doc(nzz_feat(poly(*rings)))


def _fmt_nzz_gz(rings: list[Any]) -> tuple[str, Content]:
    return "2024-11-21.json.gz", gz(dumps(nzz_doc(nzz_feat(poly(*rings)))))


def _fmt_deepstate(rings: list[Any]) -> tuple[str, Content]:
    return "deepstate_api.json", deepstate_doc(ds_feat(poly(*rings)))


def _fmt_kml(rings: list[Any]) -> tuple[str, Content]:
    return "rings.kml", kml(placemark(kml_polygon(rings[0], rings[1:])))


def _fmt_gpkg(rings: list[Any]) -> tuple[str, Content]:
    return "rings.gpkg", gpkg([wkb_polygon(*rings)])


def _fmt_parquet(rings: list[Any]) -> tuple[str, Content]:
    return "rings.parquet", parquet([wkb_polygon(*rings)])


RING_FORMATS: dict[str, Callable[[list[Any]], tuple[str, Content]]] = {
    "geojson": _fmt_geojson,
    "geojsonl": _fmt_geojsonl,
    "geojson.gz": _fmt_geojson_gz,
    "nzz-json": _fmt_nzz,
    "nzz-json.gz": _fmt_nzz_gz,
    "deepstate-api": _fmt_deepstate,
    "kml": _fmt_kml,
    "gpkg": _fmt_gpkg,
    "parquet": _fmt_parquet,
}

_UNCLOSED = BOX_RING[:-1]
#: Ring variants tried in every format: (rings, outcomes, figures).
RING_VARIANTS: dict[str, tuple[list[Any], tuple[str, ...], tuple[Figure, ...]]] = {
    # Closing a ring of >= 3 distinct points is unambiguous: repair it.
    "unclosed": ([_UNCLOSED], ("ok", "warn"), (occupied(BOX_FOUR),)),
    "one-point": ([[[37.0, 47.0]]], ("error",), ()),
    "two-points": ([[[37.0, 47.0], [38.0, 48.0]]], ("error",), ()),
    "nan-first": ([[[NAN, 47.0], *BOX_RING[1:]]], ("error",), ()),
    "nan-closing": ([[*BOX_RING[:-1], [NAN, NAN]]], ("error",), ()),
    "nan-first-and-closing": (
        [[[NAN, 47.0], *BOX_RING[1:-1], [NAN, 47.0]]],
        ("error",),
        (),
    ),
}


def family_rings() -> None:
    fam = "F01 rings GEOS refuses while decoding"
    for fmt, encode in RING_FORMATS.items():
        for variant, (rings, expect, figures) in RING_VARIANTS.items():
            name, content = encode(rings)
            control_case(
                f"ring-{variant}-{fmt}",
                fam,
                one(name, content),
                expect,
                figures=figures,
                mentions=(name,),
                match=r"nan|infinite|ring|vertices|points|coordinates|closed"
                if "error" in expect
                else None,
            )
    extras: dict[str, tuple[Any, tuple[str, ...], tuple[Figure, ...]]] = {
        "unclosed-triangle": (
            poly([[37.0, 47.0], [38.0, 47.0], [37.5, 48.0]]),
            ("ok", "warn"),
            (occupied(TRI_FOUR),),
        ),
        "three-points-closed": (
            poly([[37.0, 47.0], [38.0, 48.0], [37.0, 47.0]]),
            ("error",),
            (),
        ),
        "inf-first": (poly([[INF, 47.0], *BOX_RING[1:]]), ("error",), ()),
        "minus-inf-closing": (poly([*BOX_RING[:-1], [-INF, 47.0]]), ("error",), ()),
        "empty-ring": (poly([]), ("error",), ()),
        "empty-coordinates": ({"type": "Polygon", "coordinates": []}, ("error",), ()),
        "null-coordinates": ({"type": "Polygon", "coordinates": None}, ("error",), ()),
        "hole-unclosed": (
            poly(BOX_RING, HOLE_RING[:-1]),
            ("ok", "warn"),
            (occupied(HOLED_FOUR),),
        ),
        "hole-two-points": (
            poly(BOX_RING, [[37.4, 47.4], [37.6, 47.6]]),
            ("warn", "error"),
            (occupied(BOX_FOUR),),
        ),
        "hole-nan-first": (
            poly(BOX_RING, [[NAN, 47.4], *HOLE_RING[1:]]),
            ("error",),
            (),
        ),
        "multipolygon-good-and-unclosed": (
            mpoly([BOX_RING], [BOX_B_RING[:-1]]),
            ("ok", "warn"),
            (occupied(BOX_FOUR + BOX_B_FOUR),),
        ),
        "multipolygon-good-and-one-point": (
            mpoly([BOX_RING], [[[35.2, 47.0]]]),
            ("warn", "error"),
            (occupied(BOX_FOUR),),
        ),
        "position-one-value": (
            poly([[37.0], [38.0, 47.0], [38.0, 48.0], [37.0]]),
            ("error",),
            (),
        ),
        "position-strings": (
            poly([[str(x), str(y)] for x, y in BOX_RING]),
            ("error",),
            (),
        ),
        "position-null": (poly([None, *BOX_RING[1:]]), ("error",), ()),
        "position-bool": (
            poly([[True, False], *BOX_RING[1:]]),
            ("error", "ok", "warn"),
            (),
        ),
        "nested-too-deep": (poly([BOX_RING]), ("error",), ()),
        "nested-too-shallow": (
            {"type": "Polygon", "coordinates": BOX_RING},
            ("error",),
            (),
        ),
        "positions-3d": (
            poly([[x, y, 0.0] for x, y in BOX_RING]),
            ("ok",),
            (occupied(BOX_FOUR),),
        ),
        "positions-4d": (
            poly([[x, y, 0.0, 5.0] for x, y in BOX_RING]),
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
        ),
        "positions-mixed-2d-3d": (
            poly(
                [[x, y, 1.0] if i % 2 else [x, y] for i, (x, y) in enumerate(BOX_RING)]
            ),
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
        ),
        "z-nan": (
            poly([[x, y, NAN] for x, y in BOX_RING]),
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
        ),
        "huge-coordinate": (poly([[1e308, 47.0], *BOX_RING[1:]]), ("error",), ()),
    }
    for variant, (geometry, expect, figures) in extras.items():
        control_case(
            f"ring-{variant}-geojson",
            fam,
            one("rings.geojson", fc(feat(geometry, status="occupied"))),
            expect,
            figures=figures,
            mentions=("rings.geojson",),
        )
    # The same in a layer that also holds a good feature: the good one is
    # never silently lost, and the bad one is refused or flagged.
    for variant in ("one-point", "two-points", "nan-first"):
        rings = RING_VARIANTS[variant][0]
        control_case(
            f"ring-{variant}-beside-good-feature",
            fam,
            one(
                "mixed.geojson",
                fc(
                    feat(BOX_B, status="occupied"),
                    feat(poly(*rings), status="occupied"),
                ),
            ),
            ("error", "warn"),
            figures=(occupied(BOX_B_FOUR),),
            mentions=("mixed.geojson",),
        )
    # KML specific spellings of a ring.
    kml_rings = {
        "kml-coordinates-empty": ("", ("error",)),
        "kml-coordinates-garbage": ("abc def", ("error",)),
        "kml-coordinates-one-value": ("37 38 38 37", ("error",)),
        "kml-coordinates-1e999": ("1e999,47 38,47 38,48 37,48 1e999,47", ("error",)),
    }
    for variant, (text, expect) in kml_rings.items():
        body = placemark(
            "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
            f"{text}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        )
        control_case(
            f"ring-{variant}",
            fam,
            one("rings.kml", kml(body)),
            expect,
            mentions=("rings.kml",),
        )
    # Bytes GEOS refuses inside otherwise valid WKB containers.
    truncated = wkb_polygon(BOX_RING)[:-12]
    control_case(
        "ring-wkb-truncated-gpkg",
        fam,
        one("trunc.gpkg", gpkg([truncated])),
        "error",
        mentions=("trunc.gpkg",),
    )
    control_case(
        "ring-wkb-truncated-parquet",
        fam,
        one("trunc.parquet", parquet([truncated])),
        "error",
        mentions=("trunc.parquet",),
    )
    huge_count = (
        struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 2**31 - 1) + b"\0" * 32
    )
    control_case(
        "ring-wkb-huge-point-count-parquet",
        fam,
        one("count.parquet", parquet([huge_count])),
        "error",
        mentions=("count.parquet",),
    )
    control_case(
        "ring-wkb-huge-point-count-gpkg",
        fam,
        one("count.gpkg", gpkg([huge_count])),
        "error",
        mentions=("count.gpkg",),
    )
    wrong_type = struct.pack("<BI", 1, 99) + b"\0" * 40
    control_case(
        "ring-wkb-unknown-type-parquet",
        fam,
        one("type.parquet", parquet([wrong_type])),
        "error",
        mentions=("type.parquet",),
    )
    control_case(
        "ring-wkb-empty-bytes-parquet",
        fam,
        one("empty.parquet", parquet([b""])),
        "error",
        mentions=("empty.parquet",),
    )
    control_case(
        "ring-wkb-null-parquet",
        fam,
        one("null.parquet", parquet([None])),
        "error",
        mentions=("null.parquet",),
    )


def _date_is_none(table: Any) -> str | None:
    date = getattr(table, "attrs", {}).get("date")
    return (
        None
        if date in (None, "", "None")
        else f"date {date!r} from an impossible value"
    )


def family_properties() -> None:
    fam = "F02 property values that are arrays or objects"
    two = (occupied(BOX_FOUR + BOX_B_FOUR),)
    # (id, features' properties, outcomes, figures, mentions)
    cases: list[
        tuple[str, list[Any], tuple[str, ...], tuple[Figure, ...], tuple[str, ...]]
    ] = [
        (
            "tags-list-with-status",
            [{"status": "occupied", "tags": ["front", "2024"]}],
            ("ok",),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "tags-list-no-status",
            [{"tags": ["front", "2024"]}, {"tags": ["x"]}],
            ("ok", "warn"),
            two,
            (),
        ),
        (
            "tags-object-no-status",
            [{"tags": {"a": 1}}, {"tags": {"b": [2]}}],
            ("ok", "warn"),
            two,
            (),
        ),
        (
            "mixed-list-and-string-column",
            [{"note": ["a"]}, {"note": "b"}],
            ("ok", "warn"),
            two,
            (),
        ),
        (
            "status-list",
            [{"status": ["occupied"]}],
            ("error",),
            (),
            ("status", "occupied"),
        ),
        ("status-object", [{"status": {"v": "occupied"}}], ("error",), (), ("status",)),
        ("status-number", [{"status": 1}], ("error",), (), ("1",)),
        ("status-float", [{"status": 2.5}], ("error",), (), ("2.5",)),
        ("status-bool", [{"status": True}], ("error",), (), ("true",)),
        (
            "status-list-in-one-feature",
            [{"status": "occupied"}, {"status": ["grey"]}],
            ("error",),
            (),
            ("grey",),
        ),
        (
            "status-nested-list",
            [{"status": [["occupied"]]}],
            ("error",),
            (),
            ("occupied",),
        ),
        ("status-empty-list", [{"status": []}], ("error",), (), ("status",)),
        ("status-empty-object", [{"status": {}}], ("error",), (), ("status",)),
        ("status-empty-string", [{"status": ""}], ("error",), (), ("status", "''")),
        (
            "status-whitespace-case",
            [{"status": "  Occupied \t"}],
            ("ok",),
            (occupied(BOX_FOUR),),
            (),
        ),
        ("status-nul", [{"status": "occu\u0000pied"}], ("error",), (), ("occu",)),
        (
            "status-newline-ansi",
            [{"status": "occ\nupied\x1b[31m"}],
            ("error",),
            (),
            ("occ",),
        ),
        (
            "status-lone-surrogate",
            [{"status": "\ud800occupied"}],
            ("error", "ok"),
            (),
            ("occupied",),
        ),
        (
            "date-object",
            [{"status": "occupied", "date": {"y": 2024}}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("date",),
        ),
        (
            "date-list",
            [{"status": "occupied", "date": ["2024-11-20"]}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("date",),
        ),
        (
            "date-number",
            [{"status": "occupied", "date": 20241120}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("date",),
        ),
        (
            "date-impossible",
            [{"status": "occupied", "date": "2024-02-30"}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("2024-02-30",),
        ),
        (
            "date-year-zero",
            [{"status": "occupied", "date": "0000-01-01"}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("0000",),
        ),
        (
            "date-mixed-types",
            [
                {"status": "occupied", "date": "2024-11-20"},
                {"status": "occupied", "date": [5]},
            ],
            ("ok", "warn", "error"),
            two,
            ("date",),
        ),
        (
            "date-bool",
            [{"status": "occupied", "date": True}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            ("date",),
        ),
        (
            "property-named-geometry",
            [{"status": "occupied", "geometry": "POINT (0 0)"}],
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "property-key-empty",
            [{"": 1, "status": "occupied"}],
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "property-key-unicode-control",
            [{"\u202estatus": "x", "status": "occupied"}],
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "property-huge-int",
            [{"status": "occupied", "n": 2**70}],
            ("ok", "warn"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "property-deep-object",
            [{"status": "occupied", "deep": _nested(200)}],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            (),
        ),
        ("properties-null", [None], ("ok", "warn"), (occupied(BOX_FOUR),), ()),
        (
            "properties-list",
            [[1, 2]],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "properties-string",
            ["occupied"],
            ("ok", "warn", "error"),
            (occupied(BOX_FOUR),),
            (),
        ),
        (
            "status-capitalised-column",
            [{"Status": "grey"}, {"Status": "occupied"}],
            ("warn", "error"),
            (),
            ("Status",),
        ),
    ]
    for id_, props, expect, figures, mentions in cases:
        geoms = [BOX, BOX_B]
        features = [
            {"type": "Feature", "properties": p, "geometry": geoms[i % 2]}
            for i, p in enumerate(props)
        ]
        name = f"{id_}.geojson"
        control_case(
            f"prop-{id_}",
            fam,
            one(name, fc(*features)),
            expect,
            figures=figures,
            mentions=(*mentions, name),
            # A number such as 20241120 may be read as that date.
            check=_date_is_none
            if id_.startswith("date-") and id_ != "date-number"
            else None,
        )
    # A 5 MiB label and 10,000 distinct labels: errors quote them capped.
    control_case(
        "prop-status-5mib-label",
        fam,
        one("big.geojson", lazy(lambda: fc(feat(BOX, status="x" * (5 << 20))))),
        "error",
        mentions=("xxxxxxxx",),
    )
    many = lazy(lambda: fc(*[feat(BOX, status=f"label{i}") for i in range(10_000)]))
    control_case(
        "prop-status-10k-distinct-labels",
        fam,
        one("many.geojson", many),
        "error",
        mentions=("label",),
    )
    control_case(
        "prop-status-column-5mib-name",
        fam,
        one("col.geojson", box_fc()),
        "error",
        kw={"status_column": "c" * (5 << 20)},
        cli=False,
        mentions=("ccccccc",),
    )
    control_case(
        "prop-status-map-list-values",
        fam,
        one("map.geojson", fc(feat(BOX, status="a"))),
        "error",
        kw={"status_map": {"a": ["occupied"]}},
        mentions=("occupied", "a"),
    )
    control_case(
        "prop-status-map-int-keys",
        fam,
        one("map2.geojson", fc(feat(BOX, status=1))),
        ("ok",),
        kw={"status_map": {1: "occupied"}},
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "prop-status-map-none-value",
        fam,
        one("map3.geojson", fc(feat(BOX, status="a"))),
        "error",
        kw={"status_map": {"a": None}},
        mentions=("None",),
    )
    # Source adapters sniff and classify property values.
    control_case(
        "prop-deepstate-name-list",
        fam,
        one("1732138237.geojson", fc(feat(BOX, name=[DS_NAME], fill="#a52714"))),
        ("error", "ok", "warn"),
        figures=(occupied(BOX_FOUR),),
        mentions=("1732138237",),
    )
    control_case(
        "prop-deepstate-name-object",
        fam,
        one("1732138238.geojson", fc(feat(BOX, name={"en": DS_NAME}, fill="#a52714"))),
        ("error", "ok", "warn"),
        figures=(occupied(BOX_FOUR),),
        mentions=("1732138238",),
    )
    control_case(
        "prop-deepstate-fill-list",
        fam,
        one("1732138239.geojson", fc(feat(BOX, name="Окуповано", fill=["#a52714"]))),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "prop-nzz-type-list",
        fam,
        one(
            "2024-11-21.json", nzz_doc(feat(BOX, type=["nochange"], date="2024-11-20"))
        ),
        ("error", "warn"),
        mentions=("type", "nochange", "2024-11-21"),
    )
    control_case(
        "prop-nzz-type-object",
        fam,
        one(
            "2024-11-22.json",
            nzz_doc(feat(BOX, type={"t": "nochange"}, date="2024-11-20")),
        ),
        ("error", "warn"),
        mentions=("type", "2024-11-22"),
    )
    control_case(
        "prop-nzz-date-list",
        fam,
        one(
            "2024-11-23.json", nzz_doc(feat(BOX, type="nochange", date=["2024-11-20"]))
        ),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "prop-nzz-type-mixed",
        fam,
        one("2024-11-24.json", nzz_doc(nzz_feat(BOX), feat(BOX_B, type=["gains"]))),
        ("error", "warn"),
        mentions=("gains", "type", "2024-11-24"),
    )
    isw_label = "Assessed Russian-controlled Ukrainian Territory"
    control_case(
        "prop-isw-layer-type-list",
        fam,
        one("isw_2024-11-20.geojson", fc(feat(BOX, layer_type=[isw_label]))),
        ("error", "ok", "warn"),
        figures=(occupied(BOX_FOUR),),
        mentions=("layer_type", "isw_2024"),
    )
    control_case(
        "prop-isw-area-list",
        fam,
        one(
            "isw_2024-11-21.geojson",
            fc(feat(BOX, layer_type=isw_label, area_km2=[1, 2], date="2024-11-21")),
        ),
        ("ok", "warn"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "prop-isw-date-object",
        fam,
        one(
            "isw_2024-11-22.geojson", fc(feat(BOX, layer_type=isw_label, date={"d": 1}))
        ),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
    )
    # GeoPackage and Parquet column types.
    control_case(
        "prop-gpkg-blob-status",
        fam,
        one("blob.gpkg", gpkg_frame(lambda: gdf(status=[b"occupied"]))),
        "error",
        mentions=("occupied", "status"),
    )
    control_case(
        "prop-gpkg-int-status",
        fam,
        one("int.gpkg", gpkg_frame(lambda: gdf(status=[3]))),
        "error",
        mentions=("3",),
    )
    control_case(
        "prop-gpkg-datetime-date",
        fam,
        one(
            "dt.gpkg",
            gpkg_frame(
                lambda: gdf(status=["occupied"], date=[dt.datetime(2024, 11, 20, 18)])
            ),
        ),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
        check=lambda t: (
            None
            if str(t.attrs.get("date")) == "2024-11-20"
            else f"date {t.attrs.get('date')!r}, expected 2024-11-20"
        ),
    )
    _parquet_columns(fam)
    # GeoDataFrames with object columns (library only).
    import_values: list[tuple[str, Any, tuple[str, ...]]] = [
        ("status-lists", [["occupied"]], ("error",)),
        ("status-dicts", [{"s": "occupied"}], ("error",)),
        ("status-sets", [{"occupied"}], ("error",)),
        ("status-tuples", [("occupied",)], ("error",)),
        ("status-bytes", [b"occupied"], ("error",)),
        ("status-ints", [7], ("error",)),
        ("status-pd-NA", ["pd.NA"], ("error",)),
        ("status-decimal", ["decimal"], ("error",)),
    ]
    for id_, values, expect in import_values:
        lib_case(
            f"prop-gdf-{id_}",
            fam,
            _gdf_status_call(values),
            expect,
            mentions=("status",),
        )
    lib_case(
        "prop-gdf-categorical-unused-categories",
        fam,
        _gdf_categorical,
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    lib_case(
        "prop-gdf-tags-lists-no-status",
        fam,
        lambda i: _table(gdf([_box(), _box_b()], tags=[["a"], ["b", "c"]])),
        ("ok", "warn"),
        figures=two,
    )
    lib_case(
        "prop-gdf-date-dicts",
        fam,
        lambda i: _table(gdf(status=["occupied"], date=[{"y": 2024}])),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        check=_date_is_none,
    )
    lib_case(
        "prop-gdf-date-lists",
        fam,
        lambda i: _table(gdf(status=["occupied"], date=[["2024-11-20"]])),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        check=_date_is_none,
    )
    lib_case(
        "prop-gdf-int-column-names",
        fam,
        lambda i: _table(_int_columns()),
        ("ok", "warn"),
        figures=(occupied(BOX_FOUR),),
    )


def _nested(depth: int) -> Any:
    doc: Any = 1
    for _ in range(depth):
        doc = {"a": doc}
    return doc


def _box() -> Any:
    import shapely

    return shapely.box(37, 47, 38, 48)


def _box_b() -> Any:
    import shapely

    return shapely.Polygon(BOX_B_RING)


def _table(data: Any, regions: str = "four", **kw: Any) -> Any:
    import frontline as fl

    return fl.control_table(fl.read_control(data, **kw), regions)


def _gdf_status_call(values: list[Any]) -> Callable[[Inputs], Any]:
    def call(inputs: Inputs) -> Any:
        import decimal

        import pandas as pd

        vals = [
            pd.NA if v == "pd.NA" else decimal.Decimal("1.5") if v == "decimal" else v
            for v in values
        ]
        frame = gdf()
        frame["status"] = pd.Series(vals, dtype=object, index=frame.index)
        return _table(frame)

    return call


def _gdf_categorical(inputs: Inputs) -> Any:
    import pandas as pd

    frame = gdf()
    frame["status"] = pd.Categorical(["occupied"], categories=["occupied", "nonsense"])
    return _table(frame)


def _int_columns() -> Any:
    frame = gdf()
    frame[0] = ["x"]
    frame["status"] = ["occupied"]
    return frame


def _parquet_columns(fam: str) -> None:
    def col(kind: str) -> Any:
        import pyarrow as pa

        if kind == "list":
            return pa.array([["occupied"]], pa.list_(pa.string()))
        if kind == "struct":
            return pa.array([{"s": "occupied"}], pa.struct([("s", pa.string())]))
        if kind == "dictionary":
            return pa.array(["occupied"]).dictionary_encode()
        if kind == "binary":
            return pa.array([b"occupied"], pa.binary())
        if kind == "large-string":
            return pa.array(["occupied"], pa.large_string())
        raise AssertionError(kind)

    wkb = [wkb_polygon(BOX_RING)]
    for kind, expect in (
        ("list", ("error",)),
        ("struct", ("error",)),
        ("binary", ("error",)),
        ("dictionary", ("ok",)),
        ("large-string", ("ok",)),
    ):

        def write(path: Path, kind: str = kind) -> None:
            parquet(wkb, {"status": col(kind)})(path)

        control_case(
            f"prop-parquet-status-{kind}",
            fam,
            one(f"{kind}.parquet", write),
            expect,
            figures=(occupied(BOX_FOUR),) if "ok" in expect else (),
            mentions=("status", "occupied", f"{kind}.parquet"),
        )

    def dates(path: Path) -> None:
        import pyarrow as pa

        parquet(
            wkb,
            {
                "status": pa.array(["occupied"]),
                "date": pa.array([["2024-11-20"]], pa.list_(pa.string())),
            },
        )(path)

    control_case(
        "prop-parquet-date-list",
        fam,
        one("dates.parquet", dates),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        check=_date_is_none,
    )


def _deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_dict(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def family_wrappers() -> None:  # noqa: PLR0912 - one table per kind of document
    fam = "F03 malformed wrappers and documents"
    bad_geometries: dict[str, Any] = {
        "geometry-no-coordinates": {"type": "Polygon"},
        "geometry-unknown-type": {"type": "Hexagon", "coordinates": [BOX_RING]},
        "geometry-string": "POLYGON ((37 47, 38 47, 38 48, 37 47))",
        "geometry-number": 5,
        "geometry-list": [BOX_RING],
        "geometry-coordinates-string": {"type": "Polygon", "coordinates": "abc"},
        "geometry-collection-null": {"type": "GeometryCollection", "geometries": None},
        "geometry-type-null": {"type": None, "coordinates": [BOX_RING]},
        "geometry-type-lowercase": {"type": "polygon", "coordinates": [BOX_RING]},
    }
    lenient = {"geometry-type-lowercase"}  # GDAL reads it; accepting it is fine
    for key, geometry in bad_geometries.items():
        expect = ("error", "ok") if key in lenient else ("error",)
        figs = (occupied(BOX_FOUR),) if key in lenient else ()
        control_case(
            f"wrap-deepstate-{key}",
            fam,
            one("deepstate_api.json", deepstate_doc(ds_feat(geometry))),
            expect,
            figures=figs,
            mentions=("deepstate_api.json",),
        )
        control_case(
            f"wrap-nzz-{key}",
            fam,
            one("2024-11-21.json", nzz_doc(nzz_feat(geometry))),
            expect,
            figures=figs,
            mentions=("2024-11-21.json",),
        )
        control_case(
            f"wrap-geojson-{key}",
            fam,
            one("doc.geojson", fc(feat(geometry, status="occupied"))),
            ("error", "ok") if key in lenient else ("error",),
            figures=figs,
            mentions=("doc.geojson",),
        )
    for key in ("geometry-no-coordinates", "geometry-unknown-type", "geometry-string"):
        geometry = bad_geometries[key]
        control_case(
            f"wrap-deepstate-{key}-beside-good",
            fam,
            one("deepstate_api.json", deepstate_doc(ds_feat(BOX_B), ds_feat(geometry))),
            ("error", "warn"),
            figures=(occupied(BOX_B_FOUR),),
            mentions=("deepstate_api.json",),
        )
        control_case(
            f"wrap-nzz-{key}-beside-good",
            fam,
            one("2024-11-21.json", nzz_doc(nzz_feat(BOX_B), nzz_feat(geometry))),
            ("error", "warn"),
            figures=(occupied(BOX_B_FOUR),),
            mentions=("2024-11-21.json",),
        )
    features_values: dict[str, Any] = {
        "missing": "MISSING",
        "empty": [],
        "null": None,
        "object": {},
        "string": "x",
        "numbers": [1, 2],
        "nulls": [None],
        "strings": ["feature"],
    }
    for key, value in features_values.items():
        inner = {"type": "FeatureCollection"}
        if value != "MISSING":
            inner["features"] = value
        control_case(
            f"wrap-deepstate-features-{key}",
            fam,
            one(
                "deepstate_api.json", {"map": inner, "datetime": "2024-11-20T21:00:00Z"}
            ),
            "error",
            mentions=("deepstate_api.json",),
        )
        control_case(
            f"wrap-nzz-features-{key}",
            fam,
            one("2024-11-21.json", {"value": inner}),
            "error",
            mentions=("2024-11-21.json",),
        )
        control_case(
            f"wrap-geojson-features-{key}",
            fam,
            one("doc.geojson", inner),
            "error",
            mentions=("doc.geojson",),
        )
    # The wrapper itself is odd.
    odd_wrappers: dict[str, tuple[Any, tuple[str, ...]]] = {
        "deepstate-map-list": ({"map": []}, ("error",)),
        "deepstate-map-string": ({"map": "x"}, ("error",)),
        "deepstate-map-null": ({"map": None}, ("error",)),
        "nzz-value-list": ({"value": [1]}, ("error",)),
        "nzz-value-string": ({"value": "x"}, ("error",)),
        "nzz-value-null": ({"value": None}, ("error",)),
        "both-wrappers": (
            {"map": fc(ds_feat(BOX)), "value": fc(nzz_feat(BOX))},
            ("ok", "warn", "error"),
        ),
    }
    for key, (doc, expect) in odd_wrappers.items():
        control_case(
            f"wrap-{key}",
            fam,
            one("wrapped.json", doc),
            expect,
            figures=(occupied(BOX_FOUR),) if "ok" in expect else (),
            mentions=("wrapped.json",),
        )
    # Wrapper metadata of the wrong type or impossible value: the map still reads.
    for key, meta in {
        "datetime-impossible": {"datetime": "2024-13-45T25:00:00Z"},
        "datetime-number": {"datetime": 12345},
        "datetime-list": {"datetime": ["2024-11-20"]},
        "id-huge": {"id": 10**30},
        "id-string": {"id": "abc"},
        "id-negative": {"id": -1},
    }.items():
        control_case(
            f"wrap-deepstate-{key}",
            fam,
            one("deepstate_api.json", deepstate_doc(ds_feat(BOX), **meta)),
            ("ok", "warn"),
            figures=(occupied(BOX_FOUR),),
        )
    # An NZZ period file in which one feature has no (or a null) 'type'.
    for key, extra in {"type-missing": {}, "type-null": {"type": None}}.items():
        control_case(
            f"wrap-nzz-feature-{key}",
            fam,
            one(
                "2024-11-21.json",
                nzz_doc(nzz_feat(BOX), feat(BOX_B, {"date": "2024-11-20", **extra})),
            ),
            ("error", "warn"),
            mentions=("2024-11-21.json", "type"),
        )
    control_case(
        "wrap-deepstate-properties-list",
        fam,
        one("deepstate_api.json", deepstate_doc(feat(BOX, [DS_NAME]))),
        ("error",),
        mentions=("deepstate_api.json",),
    )
    # Deeply nested JSON: refused, not a RecursionError.
    for depth in (100_000,):
        control_case(
            f"wrap-deep-list-{depth}-json",
            fam,
            one("deep.json", _deep_list(depth)),
            "error",
            mentions=("deep.json",),
        )
        control_case(
            f"wrap-deep-list-{depth}-json.gz",
            fam,
            one("deep.json.gz", gz(_deep_list(depth))),
            "error",
            mentions=("deep.json.gz",),
        )
        control_case(
            f"wrap-deep-list-{depth}-geojson",
            fam,
            one("deep.geojson", _deep_list(depth)),
            "error",
            mentions=("deep.geojson",),
        )
        control_case(
            f"wrap-deep-dict-{depth}-json",
            fam,
            one("deepd.json", _deep_dict(depth)),
            "error",
            mentions=("deepd.json",),
        )
        nested_props = (
            '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
            + json.dumps(BOX)
            + ',"properties":{"status":"occupied","x":'
            + _deep_list(depth)
            + "}}]}"
        )
        control_case(
            f"wrap-deep-properties-{depth}-json",
            fam,
            one("deepp.json", nested_props),
            ("error", "ok", "warn"),
            figures=(occupied(BOX_FOUR),),
            mentions=("deepp.json",),
        )
        control_case(
            f"wrap-nzz-deep-properties-{depth}",
            fam,
            one(
                "2024-11-21.json",
                '{"value":'
                + nested_props.replace('"status":"occupied"', '"type":"nochange"')
                + "}",
            ),
            ("error", "ok", "warn"),
            figures=(occupied(BOX_FOUR),),
            mentions=("2024-11-21.json",),
        )
    # Other top-level JSON values.
    for key, text in {
        "array": "[]",
        "null": "null",
        "number": "5",
        "string": '"FeatureCollection"',
        "true": "true",
        "empty-object": "{}",
    }.items():
        for suffix in ("json", "geojson"):
            control_case(
                f"wrap-top-{key}-{suffix}",
                fam,
                one(f"top.{suffix}", text),
                "error",
                mentions=(f"top.{suffix}",),
            )
    # Valid GeoJSON that is not a FeatureCollection, and cousins of GeoJSON.
    control_case(
        "wrap-bare-polygon",
        fam,
        one("bare.geojson", BOX),
        ("ok", "warn"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "wrap-bare-feature",
        fam,
        one("feature.geojson", feat(BOX, status="occupied")),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "wrap-geometry-collection",
        fam,
        one("gc.geojson", {"type": "GeometryCollection", "geometries": [BOX]}),
        ("ok", "warn"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "wrap-featurecollection-lowercase",
        fam,
        one(
            "lower.geojson",
            {"type": "featurecollection", "features": [feat(BOX, status="occupied")]},
        ),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("lower.geojson",),
    )
    esri = {
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": 4326},
        "fields": [{"name": "status", "type": "esriFieldTypeString"}],
        "features": [
            {
                "attributes": {"status": "occupied"},
                "geometry": {"rings": [BOX_RING[::-1]]},
            }
        ],
    }
    control_case(
        "wrap-esri-json",
        fam,
        one("esri.json", esri),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("esri.json",),
    )
    topo = {
        "type": "Topology",
        "objects": {
            "control": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "Polygon",
                        "arcs": [[0]],
                        "properties": {"status": "occupied"},
                    }
                ],
            }
        },
        "arcs": [BOX_RING],
    }
    control_case(
        "wrap-topojson",
        fam,
        one("topo.json", topo),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("topo.json",),
    )
    control_case(
        "wrap-topojson-bad-arc-index",
        fam,
        one(
            "topo2.json",
            {
                **topo,
                "objects": {
                    "c": {
                        "type": "GeometryCollection",
                        "geometries": [{"type": "Polygon", "arcs": [[99]]}],
                    }
                },
            },
        ),
        "error",
        mentions=("topo2.json",),
    )
    # KML documents without polygons.
    for key, text in {
        "empty-document": '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
        "kml-root-only": '<kml xmlns="http://www.opengis.net/kml/2.2"/>',
        "empty-folder": kml("<Folder><name>x</name></Folder>"),
        "placemark-without-geometry": kml("<Placemark><name>x</name></Placemark>"),
        "empty-multigeometry": kml(placemark("<MultiGeometry></MultiGeometry>")),
        "html-with-kml-suffix": "<html><body>not kml</body></html>",
        "truncated": kml(placemark(kml_polygon(BOX_RING)))[:150],
        "two-roots": kml("") + kml(""),
        "ground-overlay-only": kml("<GroundOverlay><name>x</name></GroundOverlay>"),
        "network-link-only": kml(
            "<NetworkLink><Link><href>http://127.0.0.1:9/x.kml</href></Link></NetworkLink>"
        ),
        "undefined-entity": kml(placemark(kml_polygon(BOX_RING), name="&foo;")),
    }.items():
        control_case(
            f"wrap-kml-{key}", fam, one("doc.kml", text), "error", mentions=("doc.kml",)
        )
    # Parquet metadata.
    wkb = [wkb_polygon(BOX_RING)]
    for key, kwargs in {
        "unknown-crs-id": {"crs": {"id": {"authority": "XXX", "code": 1}}},
        "crs-string-garbage": {"crs": "EPSG:nope"},
        "crs-number": {"crs": 5},
        "geo-not-json": {"geo": b"{not json"},
        "geo-list": {"geo": [1, 2]},
        "geo-missing-primary": {
            "geo": {
                "version": "1.0.0",
                "primary_column": "geom",
                "columns": {"geom": {"encoding": "WKB"}},
            }
        },
        "geo-unknown-encoding": {
            "geo": {
                "version": "1.0.0",
                "primary_column": "geometry",
                "columns": {"geometry": {"encoding": "klingon"}},
            }
        },
        "geo-columns-null": {
            "geo": {"version": "1.0.0", "primary_column": "geometry", "columns": None}
        },
    }.items():
        control_case(
            f"wrap-parquet-{key}",
            fam,
            one("meta.parquet", parquet(wkb, **kwargs)),
            "error",
            mentions=("meta.parquet",),
        )
    control_case(
        "wrap-parquet-zero-rows",
        fam,
        one("zero.parquet", parquet([])),
        "error",
        mentions=("zero.parquet",),
    )

    def int_geometry(path: Path) -> None:
        import pyarrow as pa

        parquet([1], {"status": pa.array(["occupied"])}, geometry_type=pa.int64())(path)

    control_case(
        "wrap-parquet-geometry-int",
        fam,
        one("int.parquet", int_geometry),
        "error",
        mentions=("int.parquet",),
    )
    # A source forced on a file that is not from it.
    plain = fc(feat(BOX, status="occupied"))
    for source in ("nzz", "deepstate", "isw"):
        control_case(
            f"wrap-force-{source}-on-plain-file",
            fam,
            one("plain.geojson", plain),
            ("error", "warn"),
            kw={"source": source},
            mentions=(source, "plain.geojson"),
        )
    control_case(
        "wrap-force-deepstate-union-on-plain-file",
        fam,
        one("plain.geojson", plain),
        ("ok", "warn", "error"),
        kw={"source": "deepstate-union"},
        figures=(occupied(BOX_FOUR),),
        mentions=("deepstate-union", "plain.geojson"),
    )
    control_case(
        "wrap-force-nzz-on-unknown-type",
        fam,
        one("typed.geojson", fc(feat(BOX, type="stable"))),
        "error",
        kw={"source": "nzz"},
        mentions=("stable", "typed.geojson"),
    )
    control_case(
        "wrap-force-deepstate-on-random-names",
        fam,
        one("named.geojson", fc(feat(BOX, name="Bakhmut"))),
        "error",
        kw={"source": "deepstate"},
        mentions=("Bakhmut", "named.geojson"),
    )
    control_case(
        "wrap-source-wrong-case",
        fam,
        one("plain2.geojson", plain),
        "error",
        kw={"source": "DeepState"},
        mentions=("DeepState",),
    )


UNION = fc(feat(mpoly([BOX_RING]), {}))


def _date_check(expected: str | None) -> Callable[[Any], str | None]:
    def check(table: Any) -> str | None:
        date = getattr(table, "attrs", {}).get("date")
        date = None if date in (None, "", "None") else str(date)[:10]
        if date != expected:
            return f"date {date!r}, expected {expected!r}"
        return None

    return check


def _series_dates(n: int) -> Callable[[Any], str | None]:
    def check(table: Any) -> str | None:
        dates = sorted(set(map(str, table["date"])))
        if len(dates) != n:
            return f"{len(dates)} dates in the series ({dates[:5]}), expected {n}"
        return None

    return check


def family_dates() -> None:
    fam = "F04 impossible dates in file names"
    union_names = {
        "20241131": None,
        "20230229": None,
        "00000101": None,
        "00010101": None,
        "20241300": None,
        "20241100": None,
        "20240229": "2024-02-28",  # valid: the evening before
        "20240301": "2024-02-29",
        "99991231": "any",  # a real calendar date, if not a plausible map date
    }
    for stamp, expected in union_names.items():
        name = f"deepstatemap_data_{stamp}.geojson"
        valid = expected not in (None, "any")
        control_case(
            f"date-union-{stamp}",
            fam,
            one(name, UNION),
            ("ok",) if valid else ("error", "warn", "ok"),
            figures=(occupied(BOX_FOUR),),
            check=_date_check(expected)
            if valid
            else _date_is_none
            if expected is None
            else None,
            mentions=(stamp, name),
        )
    raw_names = {
        "20221131T222403Z.geojson": None,
        "20221130T256199Z.geojson": None,
        "00000101T000000Z.geojson": None,
        "00010101T010000Z.geojson": None,
        "20221130T222403Z_map.geojson": "2022-11-30",
        "9999999999.geojson": None,
        "0000000001.geojson": None,
    }
    for name, expected in raw_names.items():
        stem = name.split(".")[0]
        control_case(
            f"date-raw-{stem}",
            fam,
            one(name, fc(ds_feat(BOX, fill="#a52714"))),
            ("ok",) if expected else ("error", "warn", "ok"),
            figures=(occupied(BOX_FOUR),),
            check=_date_check(expected) if expected else None,
            mentions=(stem, name),
        )
    isw = "Assessed Russian-controlled Ukrainian Territory"
    for name in (
        "isw_2024-02-30.geojson",
        "isw_20241399.geojson",
        "isw_0000-01-01.geojson",
    ):
        control_case(
            f"date-isw-{name.split('.')[0]}",
            fam,
            one(name, fc(feat(BOX, layer_type=isw))),
            ("error", "warn", "ok"),
            figures=(occupied(BOX_FOUR),),
            check=_date_is_none,
            mentions=(name,),
        )
    control_case(
        "date-nzz-property-impossible",
        fam,
        one("2024-11-21.json", nzz_doc(feat(BOX, type="nochange", date="2024-02-30"))),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        check=_date_is_none,
    )
    # A folder in which one file has an impossible name.
    good = [f"deepstatemap_data_2024110{d}.geojson" for d in (1, 2, 3)]
    for bad in ("20241131", "00010101", "00000101"):
        folder = files(
            *[("f" + str(i), f"maps/{n}", UNION) for i, n in enumerate(good)],
            ("bad", f"maps/deepstatemap_data_{bad}.geojson", UNION),
        )

        def build(tmp: Path, folder: Any = folder) -> Inputs:
            folder(tmp)
            return {"folder": str(tmp / "maps")}

        lib_case(
            f"date-timeseries-folder-with-{bad}",
            fam,
            lambda i: _timeseries(i["folder"]),
            ("error", "warn"),
            build=build,
            check=_series_dates(3),
            argv=lambda i: ["timeseries", i["folder"], "--regions", "four"],
            mentions=(bad,),
        )
    # Dates given as options.
    for value, expect in {
        "0000-01-01": ("error",),
        "2024-02-30": ("error",),
        "2024-11-20T25:00": ("error",),
        "+2024-11-20": ("error",),
        "\uff12\uff10\uff12\uff14-\uff11\uff11-\uff12\uff10": (
            "error",
            "ok",
        ),  # full-width
        "20241120": ("ok",),
        "-1": ("error",),
    }.items():
        control_case(
            f"date-option-{value}",
            fam,
            one("box.geojson", box_fc()),
            expect,
            kw={"date": value},
            figures=(occupied(BOX_FOUR),),
            mentions=(value,),
        )


def _timeseries(snapshots: Any, regions: str = "four", **kw: Any) -> Any:
    import frontline as fl

    return fl.timeseries(snapshots, regions, progress=False, **kw)


def _symlinked_output(tmp: Path) -> Inputs:
    _write(tmp / "box.geojson", box_fc())
    real = tmp / "real.csv"
    real.write_text("old\n")
    (tmp / "link.csv").symlink_to(real)
    return {
        "control": str(tmp / "box.geojson"),
        "out": str(tmp / "link.csv"),
        "real": str(real),
    }


def _check_symlink_target(inputs: Inputs, stdout: str) -> str | None:
    link, real = Path(inputs["out"]), Path(inputs["real"])
    if not link.is_symlink():
        return "replaced the symlink -o points through instead of writing its target"
    if "region_id" not in real.read_text():
        return "did not write the symlink's target"
    return None


def _stdout_link(tmp: Path) -> Inputs:
    _write(tmp / "box.geojson", box_fc())
    (tmp / "stdout.csv").symlink_to("/dev/stdout")
    return {"control": str(tmp / "box.geojson"), "out": str(tmp / "stdout.csv")}


def _check_stdout_written(inputs: Inputs, stdout: str) -> str | None:
    if "region_id" not in stdout:
        link = Path(inputs["out"])
        state = "a symlink" if link.is_symlink() else "replaced by a regular file"
        return (
            "-o /dev/stdout (via a link) wrote nothing to stdout; "
            f"the link is now {state}"
        )
    return None


def _dated_pair(tmp: Path) -> Inputs:
    for d in ("20241101", "20241102"):
        _write(tmp / f"deepstatemap_data_{d}.geojson", UNION)
    (tmp / "maps").mkdir()
    return {
        "a": str(tmp / "deepstatemap_data_20241101.geojson"),
        "b": str(tmp / "deepstatemap_data_20241102.geojson"),
        "maps": str(tmp / "maps"),
    }


def family_cli() -> None:
    fam = "F05 CLI arguments"
    box = one("box.geojson", box_fc())
    for key, template in {
        "unknown-field": "{date}{foo}.png",
        "empty-field": "{date}{}.png",
        "lone-close": "{date}}.png",
        "lone-open": "{date}{.png",
        "format-spec": "{date:%Y}.png",
        "conversion": "{date!x}.png",
        "index": "{date[99]}.png",
        "positional": "{0}{date}.png",
        "attribute": "{date.real}.png",
    }.items():
        cli_case(
            f"cli-map-template-{key}",
            fam,
            lambda i, t=template: ["map", i["a"], i["b"], "-o", f"{i['maps']}/{t}"],
            build=_dated_pair,
            mentions=(template,),
        )
    for dpi, extra in {"0": {}, "-5": {}, "1000000": {"isolate": True}}.items():
        cli_case(
            f"cli-map-dpi-{dpi}",
            fam,
            lambda i, d=dpi: [
                "map",
                i["control"],
                "-o",
                f"{i['tmp']}/m.png",
                f"--dpi={d}",
            ],
            build=box,
            slow=True,
            mentions=(dpi,),
            **extra,
        )
    cli_case(
        "cli-output-through-symlink",
        fam,
        lambda i: ["report", i["control"], "--format", "csv", "-o", i["out"]],
        ("ok", "error"),
        build=_symlinked_output,
        cli_check=_check_symlink_target,
    )
    # /dev/stdout is the real descriptor 1: only meaningful in a subprocess.
    cli_case(
        "cli-output-dev-stdout-link",
        fam,
        lambda i: ["report", i["control"], "--format", "csv", "-o", i["out"]],
        ("ok", "error"),
        build=_stdout_link,
        cli_check=_check_stdout_written,
        isolate=True,
    )
    cli_case(
        "cli-output-is-directory",
        fam,
        lambda i: ["report", i["control"], "-o", i["tmp"]],
        build=box,
        mentions=("<tmp>", "directory"),
    )
    cli_case(
        "cli-output-under-a-file",
        fam,
        lambda i: ["report", i["control"], "-o", i["control"] + "/x.csv"],
        build=box,
        mentions=("box.geojson",),
    )
    cli_case(
        "cli-output-name-300-bytes",
        fam,
        lambda i: ["report", i["control"], "-o", f"{i['tmp']}/{'o' * 300}.csv"],
        build=box,
        mentions=("ooooo",),
    )
    cli_case(
        "cli-output-empty-string",
        fam,
        lambda i: ["report", i["control"], "-o", ""],
        build=box,
        mentions=("''",),
    )
    cli_case(
        "cli-output-proc-file",
        fam,
        lambda i: ["report", i["control"], "-o", "/proc/version"],
        build=box,
        mentions=("/proc",),
    )
    # Scenario and line widths that make no sense.
    for width, expect in {
        "20000": ("error",),
        "5000": ("error", "warn"),
        "nan": ("error",),
        "inf": ("error",),
        "-inf": ("error",),
        "1e-300": ("error", "ok", "warn"),
    }.items():
        cli_case(
            f"cli-buffer-km-{width}",
            fam,
            lambda i, w=width: [
                "scenario",
                i["control"],
                f"--buffer-km={w}",
                "--regions",
                "four",
            ],
            expect,
            build=box,
            mentions=(width,),
        )
        lib_case(
            f"lib-buffer-zone-width-{width}",
            fam,
            lambda i, w=width: _buffer(float(w)),
            expect,
            mentions=(width,),
        )
    for flag, values in {
        "--tolerance-km": ("nan", "-1", "inf", "1e9"),
        "--river-km": ("nan", "-1", "inf"),
    }.items():
        for value in values:
            cli_case(
                f"cli-line{flag}-{value}",
                fam,
                lambda i, f=flag, v=value: ["line", i["control"], f"{f}={v}"],
                build=box,
                mentions=(value,),
            )
    for claim in (
        "abc",
        "80:70",
        "nan",
        "inf:1",
        ":",
        "~",
        "5~-1",
        "1e400",
        "",
        "50~nan%",
    ):
        cli_case(
            f"cli-check-claim-{claim or 'empty'}",
            fam,
            lambda i, c=claim: ["check", i["control"], f"--occupied-pct={c}"],
            build=box,
            mentions=(repr(claim), claim or "''", "occupied"),
        )
    for tol in ("nan", "-1", "inf"):
        cli_case(
            f"cli-check-tolerance-{tol}",
            fam,
            lambda i, t=tol: [
                "check",
                i["control"],
                "--occupied-pct",
                "7",
                f"--tolerance={t}",
            ],
            build=box,
            mentions=(tol,),
        )
    for pop, expect in {"-5": ("error", "ok"), str(10**30): ("error", "ok")}.items():
        cli_case(
            f"cli-settlements-min-population-{pop[:6]}",
            fam,
            lambda i, p=pop: ["settlements", i["control"], f"--min-population={p}"],
            expect,
            build=box,
            mentions=(pop[:10],),
        )
    long = "z" * (100 << 10)
    for flag in ("--regions", "--status-column", "--date", "--source", "--status"):
        cli_case(
            f"cli-long-value{flag}",
            fam,
            lambda i, f=flag: ["report", i["control"], f, long],
            build=box,
            mentions=("zzzzzzzz",),
        )
    cli_case(
        "cli-regions-many-commas",
        fam,
        lambda i: ["report", i["control"], "--regions", ",,,"],
        build=box,
        mentions=(",,,",),
    )
    cli_case(
        "cli-regions-repeated",
        fam,
        lambda i: ["report", i["control"], "--regions", ",".join(["Donetsk"] * 5000)],
        ("ok",),
        build=box,
        figures=(occupied(7703.4135, region="UA-14"),),
    )
    cli_case(
        "cli-surrogate-path",
        fam,
        lambda i: ["report", i["tmp"] + "/\udcff.geojson"],
        mentions=(".geojson",),
    )
    cli_case("cli-control-dash", fam, lambda i: ["report", "-"], mentions=("-",))
    for key, argv in {
        "no-arguments": [],
        "format-xml": ["report", "--format", "xml"],
        "unknown-option": ["report", "--frobnicate"],
        "map-without-output": ["map"],
        "dpi-not-a-number": ["map", "-o", "x.png", "--dpi", "abc"],
        "buffer-not-a-number": ["scenario", "--buffer-km", "abc"],
        "unknown-command": ["frobnicate"],
    }.items():
        cli_case(f"cli-usage-{key}", fam, lambda i, a=argv: list(a), usage=True)
    cli_case(
        "cli-compare-one-file",
        fam,
        lambda i: ["compare", i["control"]],
        build=box,
        mentions=("1",),
    )
    cli_case(
        "cli-compare-empty-name",
        fam,
        lambda i: ["compare", "=" + i["control"], "b=" + i["control"]],
        build=box,
        expect=("error", "ok"),
        mentions=("''", "name"),
    )
    cli_case(
        "cli-compare-missing",
        fam,
        lambda i: ["compare", "a=" + i["control"], "b=" + i["tmp"] + "/none.geojson"],
        build=box,
        mentions=("none.geojson",),
    )
    cli_case(
        "cli-change-same-file",
        fam,
        lambda i: ["change", i["a"], i["a"], "--regions", "four"],
        ("ok", "warn"),
        build=_dated_pair,
    )
    cli_case(
        "cli-timeseries-glob-nothing",
        fam,
        lambda i: ["timeseries", i["tmp"] + "/*.nothing"],
        mentions=("*.nothing",),
    )
    cli_case(
        "cli-timeseries-bad-glob",
        fam,
        lambda i: ["timeseries", i["tmp"] + "/[.geojson"],
        mentions=("[.geojson",),
    )
    # Closed stdout: refused with a message on stderr, not exit 0 with no output.
    for cmd in (["regions"], ["report"]):
        cli_case(
            f"cli-stdout-closed-{cmd[0]}",
            fam,
            lambda i, c=cmd: list(c),
            stdout_closed=True,
            mentions=("stdout", "output"),
        )
    more_cli_cases(fam)


def _buffer(width: float) -> Any:
    import frontline as fl

    return fl.scenario_table(fl.buffer_zone(box_layer(), width), "four")


def fifo(name: str) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        os.mkfifo(tmp / name)
        return {"control": str(tmp / name)}

    return build


def link_to(name: str, target: str) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        (tmp / name).symlink_to(target)
        return {"control": str(tmp / name)}

    return build


def sparse(name: str, size: int, head: bytes = b"") -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        with open(tmp / name, "wb") as f:
            f.write(head)
            f.truncate(size)
        return {"control": str(tmp / name)}

    return build


def padded_gzip(name: str, pad: int) -> Callable[[Path], Inputs]:
    """A valid GeoJSON whose whitespace padding decompresses to ``pad`` bytes."""

    def build(tmp: Path) -> Inputs:
        head = b'{"type":"FeatureCollection","features":['
        body = dumps(feat(BOX, status="occupied")).encode()
        chunk = b" " * (8 << 20)
        with gzip.open(tmp / name, "wb", compresslevel=1) as f:
            f.write(head)
            for _ in range(pad // len(chunk)):
                f.write(chunk)
            f.write(body + b"]}")
        return {"control": str(tmp / name)}

    return build


def padded_kmz(name: str, pad: int) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        doc = kml(placemark(kml_polygon(BOX_RING)))
        head, tail = doc.split("<Document>")
        chunk = b" " * (8 << 20)
        with (
            zipfile.ZipFile(
                tmp / name, "w", zipfile.ZIP_DEFLATED, compresslevel=1
            ) as z,
            z.open("doc.kml", "w", force_zip64=True) as f,
        ):
            f.write(head.encode() + b"<Document>")
            for _ in range(pad // len(chunk)):
                f.write(chunk)
            f.write(tail.encode())
        return {"control": str(tmp / name)}

    return build


def padded_plain(name: str, pad: int) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        with open(tmp / name, "wb") as f:
            f.write(b'{"type":"FeatureCollection","features":[')
            chunk = b" " * (8 << 20)
            for _ in range(pad // len(chunk)):
                f.write(chunk)
            f.write(dumps(feat(BOX, status="occupied")).encode() + b"]}")
        return {"control": str(tmp / name)}

    return build


def family_hangs() -> None:
    fam = "F06 hangs and memory"
    for suffix in (
        "geojson",
        "json",
        "kml",
        "gpkg",
        "geojson.gz",
        "kmz",
        "parquet",
        "fgb",
    ):
        control_case(
            f"hang-fifo-{suffix}",
            fam,
            fifo(f"pipe.{suffix}"),
            "error",
            isolate=True,
            mentions=(f"pipe.{suffix}",),
        )
    for suffix in (
        "geojson",
        "json",
        "kml",
        "gpkg",
        "geojson.gz",
        "json.gz",
        "kmz",
        "parquet",
    ):
        control_case(
            f"hang-dev-zero-{suffix}",
            fam,
            link_to(f"zero.{suffix}", "/dev/zero"),
            "error",
            isolate=True,
            mentions=(f"zero.{suffix}",),
        )
    control_case(
        "hang-dev-urandom-geojson",
        fam,
        link_to("random.geojson", "/dev/urandom"),
        "error",
        isolate=True,
        mentions=("random.geojson",),
    )
    control_case(
        "hang-dev-null-geojson",
        fam,
        link_to("null.geojson", "/dev/null"),
        "error",
        isolate=True,
        mentions=("null.geojson",),
    )
    control_case(
        "hang-dev-stdin",
        fam,
        lambda tmp: {"control": "/dev/stdin"},
        "error",
        isolate=True,
        mentions=("/dev/stdin",),
    )
    control_case(
        "hang-proc-self-mem",
        fam,
        link_to("mem.geojson", "/proc/self/mem"),
        "error",
        isolate=True,
        mentions=("mem.geojson",),
    )
    gib3 = 3 << 30
    control_case(
        "mem-sparse-3gib-kml",
        fam,
        sparse("nul.kml", gib3),
        "error",
        isolate=True,
        mentions=("nul.kml",),
    )
    control_case(
        "mem-sparse-3gib-geojson",
        fam,
        sparse("nul.geojson", gib3),
        "error",
        isolate=True,
        mentions=("nul.geojson",),
    )
    control_case(
        "mem-sparse-3gib-json",
        fam,
        sparse("nul.json", gib3),
        "error",
        isolate=True,
        mentions=("nul.json",),
    )
    control_case(
        "mem-sparse-3gib-gpkg",
        fam,
        sparse("nul.gpkg", gib3, b"SQLite format 3\0"),
        "error",
        isolate=True,
        mentions=("nul.gpkg",),
    )
    control_case(
        "mem-sparse-3gib-kml-after-header",
        fam,
        sparse("head.kml", gib3, kml("").split("</Document>")[0].encode()),
        "error",
        isolate=True,
        mentions=("head.kml",),
    )
    # Within the decompression limit, but the parse must stay under 1 GiB.
    control_case(
        "mem-geojson-gz-500mib",
        fam,
        padded_gzip("pad.geojson.gz", 500 << 20),
        ("ok", "error"),
        isolate=True,
        figures=(occupied(BOX_FOUR),),
        mentions=("pad.geojson.gz",),
    )
    control_case(
        "mem-kmz-500mib",
        fam,
        padded_kmz("pad.kmz", 500 << 20),
        ("ok", "error"),
        isolate=True,
        figures=(occupied(BOX_FOUR),),
        mentions=("pad.kmz",),
    )
    control_case(
        "mem-geojson-plain-400mib",
        fam,
        padded_plain("pad.geojson", 400 << 20),
        ("ok", "error"),
        isolate=True,
        figures=(occupied(BOX_FOUR),),
        mentions=("pad.geojson",),
    )
    control_case(
        "mem-json-plain-400mib",
        fam,
        padded_plain("pad.json", 400 << 20),
        ("ok", "error"),
        isolate=True,
        figures=(occupied(BOX_FOUR),),
        mentions=("pad.json",),
    )

    # A hang hidden in a folder of snapshots.
    def folder_with(kind: str) -> Callable[[Path], Inputs]:
        def build(tmp: Path) -> Inputs:
            maps = tmp / "maps"
            maps.mkdir()
            _write(maps / "deepstatemap_data_20241101.geojson", UNION)
            if kind == "fifo":
                os.mkfifo(maps / "deepstatemap_data_20241102.geojson")
            else:
                (maps / "deepstatemap_data_20241102.geojson").symlink_to("/dev/zero")
            return {"folder": str(maps)}

        return build

    # Skipping a non-regular file in a folder is fine; hanging on it is not.
    for kind in ("fifo", "dev-zero"):
        lib_case(
            f"hang-timeseries-folder-with-{kind}",
            fam,
            lambda i: _timeseries(i["folder"]),
            ("error", "warn", "ok"),
            build=folder_with(kind),
            isolate=True,
            argv=lambda i: ["timeseries", i["folder"], "--regions", "four"],
            check=_series_dates(1),
            mentions=("20241102",),
        )
    lib_case(
        "hang-boundaries-fifo",
        fam,
        lambda i: _table_kw(box_layer(), boundaries=i["control"]),
        build=fifo("units.geojson"),
        isolate=True,
        mentions=("units.geojson",),
    )
    lib_case(
        "mem-line-change-tiny-spacing",
        fam,
        lambda i: _line_change(spacing_km=1e-9),
        isolate=True,
        mentions=("1e-09",),
    )
    lib_case(
        "mem-region-name-5mib",
        fam,
        lambda i: _resolve("Donetsk" + "q" * (5 << 20)),
        isolate=True,
        mentions=("Donetskqqq",),
    )
    lib_case(
        "mem-settlement-name-1mib",
        fam,
        lambda i: _find_settlement("Bakhmut" + "q" * (1 << 20)),
        isolate=True,
        mentions=("Bakhmutqqq",),
    )


def _table_kw(layer: Any, regions: str = "four", **kw: Any) -> Any:
    import frontline as fl

    return fl.control_table(layer, regions, **kw)


def _line_change(**kw: Any) -> Any:
    import frontline as fl

    return fl.line_change(box_layer(), box_layer(), **kw)


def _resolve(name: Any) -> Any:
    import frontline as fl

    return fl.resolve_region(name)


def _find_settlement(name: Any, **kw: Any) -> Any:
    import frontline as fl

    return fl.find_settlement(name, **kw)


WORLD_RING = [
    [-180.0, -90.0],
    [180.0, -90.0],
    [180.0, 90.0],
    [-180.0, 90.0],
    [-180.0, -90.0],
]
KYIV_HOLE = [[30.0, 50.0], [30.0, 51.0], [31.0, 51.0], [31.0, 50.0], [30.0, 50.0]]
ANTIMERIDIAN = [
    [179.0, 47.0],
    [-179.0, 47.0],
    [-179.0, 48.0],
    [179.0, 48.0],
    [179.0, 47.0],
]
CHUKOTKA = [[170.0, 64.0], [-170.0, 64.0], [-170.0, 68.0], [170.0, 68.0], [170.0, 64.0]]


def _nzz_only(*kinds: str) -> dict[str, Any]:
    geoms = {"losses": BOX, "gains": BOX_B, "nochange": BOX}
    return nzz_doc(*[nzz_feat(geoms[k], k) for k in kinds])


def family_figures() -> None:
    fam = "F07 silently wrong figures"
    refuse_or_flag = ("error", "warn")
    for key, doc in {
        "antimeridian-alone": fc(feat(poly(ANTIMERIDIAN), status="occupied")),
        "antimeridian-beside-ukraine": fc(
            feat(BOX, status="occupied"), feat(poly(CHUKOTKA), status="occupied")
        ),
        "world": fc(feat(poly(WORLD_RING), status="occupied")),
        "world-with-hole": fc(feat(poly(WORLD_RING, KYIV_HOLE), status="occupied")),
        "near-world": fc(
            feat(
                poly([[-170, -80], [170, -80], [170, 80], [-170, 80], [-170, -80]]),
                status="occupied",
            )
        ),
        "northern-hemisphere": fc(
            feat(
                poly([[-180, 0], [180, 0], [180, 90], [-180, 90], [-180, 0]]),
                status="occupied",
            )
        ),
        "europe-sized": fc(
            feat(
                poly([[10, 35], [60, 35], [60, 70], [10, 70], [10, 35]]),
                status="occupied",
            )
        ),
        "ukraine-plus-australia": fc(
            feat(BOX, status="occupied"),
            feat(
                poly([[140, -30], [141, -30], [141, -29], [140, -30]]),
                status="occupied",
            ),
        ),
        "romania-inside-the-margin": fc(
            feat(
                poly([[21, 44], [22, 44], [22, 45], [21, 45], [21, 44]]),
                status="occupied",
            )
        ),
        "russia-inside-the-margin": fc(
            feat(
                poly([[41, 50], [41.8, 50], [41.8, 51], [41, 51], [41, 50]]),
                status="occupied",
            )
        ),
        "black-sea-only": fc(
            feat(
                poly([[31, 43.2], [33, 43.2], [33, 44], [31, 44], [31, 43.2]]),
                status="occupied",
            )
        ),
        "one-feature-lat-lon-swapped": fc(
            feat(BOX, status="occupied"),
            feat(poly([[y, x] for x, y in BOX_B_RING]), status="occupied"),
        ),
    }.items():
        control_case(
            f"fig-{key}",
            fam,
            one(f"{key}.geojson", doc),
            refuse_or_flag,
            mentions=(f"{key}.geojson",),
        )
    control_case(
        "fig-world-with-hole-all-regions",
        fam,
        one("mask.geojson", fc(feat(poly(WORLD_RING, KYIV_HOLE), status="occupied"))),
        refuse_or_flag,
        regions="all",
        mentions=("mask.geojson",),
    )
    control_case(
        "fig-antimeridian-gpkg",
        fam,
        one("anti.gpkg", gpkg([wkb_polygon(ANTIMERIDIAN)])),
        refuse_or_flag,
        mentions=("anti.gpkg",),
    )
    control_case(
        "fig-world-parquet",
        fam,
        one("world.parquet", parquet([wkb_polygon(WORLD_RING)])),
        refuse_or_flag,
        mentions=("world.parquet",),
    )
    lib_case(
        "fig-world-geodataframe",
        fam,
        lambda i: _table(
            gdf([__import__("shapely").box(-180, -90, 180, 90)], status=["occupied"])
        ),
        refuse_or_flag,
        mentions=("180", "world", "extent"),
    )
    # KML rings in the wrong element.
    control_case(
        "fig-kml-inner-boundary-only",
        fam,
        one(
            "inner.kml",
            kml(
                placemark(
                    "<Polygon><innerBoundaryIs><LinearRing><coordinates>"
                    f"{kml_coords(BOX_RING)}</coordinates></LinearRing></innerBoundaryIs>"
                    "</Polygon>"
                )
            ),
        ),
        refuse_or_flag,
        mentions=("inner.kml",),
    )
    control_case(
        "fig-kml-inner-larger-than-outer",
        fam,
        one("swapped.kml", kml(placemark(kml_polygon(HOLE_RING, [BOX_RING])))),
        refuse_or_flag,
        mentions=("swapped.kml",),
    )
    control_case(
        "fig-geojson-hole-outside-shell",
        fam,
        one("hole.geojson", fc(feat(poly(BOX_RING, BOX_B_RING), status="occupied"))),
        refuse_or_flag,
        mentions=("hole.geojson",),
    )
    control_case(
        "fig-geojson-hole-equals-shell",
        fam,
        one(
            "same.geojson", fc(feat(poly(BOX_RING, BOX_RING[::-1]), status="occupied"))
        ),
        ("error", "warn", "ok"),
        figures=(occupied(0.0, when=("ok",)),),
        mentions=("same.geojson",),
    )
    # NZZ files without their 'nochange' layer.
    control_case(
        "fig-nzz-losses-only",
        fam,
        one("2024-11-21.json", _nzz_only("losses")),
        ("error", "warn", "ok"),
        figures=(occupied(0.0, when=("ok",)),),
        mentions=("2024-11-21.json", "losses"),
    )
    control_case(
        "fig-nzz-losses-and-gains",
        fam,
        one("2024-11-22.json", _nzz_only("losses", "gains")),
        ("error", "warn", "ok"),
        figures=(occupied(BOX_B_FOUR, when=("ok",)),),
        mentions=("2024-11-22.json", "losses"),
    )
    control_case(
        "fig-nzz-gains-only",
        fam,
        one("2024-11-23.json", _nzz_only("gains")),
        ("error", "warn", "ok"),
        figures=(occupied(BOX_B_FOUR, when=("ok",)),),
        mentions=("2024-11-23.json", "gains"),
    )
    control_case(
        "fig-nzz-losses-only-unwrapped",
        fam,
        one("nzz_2024-11-21.geojson", _nzz_only("losses")["value"]),
        ("error", "warn", "ok"),
        figures=(occupied(0.0, when=("ok",)),),
        mentions=("nzz_2024-11-21.geojson", "losses"),
    )
    # One corrupt record among good ones: refused, or flagged with the rest intact.
    good = [feat(BOX, status="occupied"), feat(BOX_B, status="occupied")]
    both = (occupied(BOX_FOUR + BOX_B_FOUR),)
    control_case(
        "fig-geojsonl-corrupt-record",
        fam,
        one("seq.geojsonl", geojsonl(*good) + '{"type": "Feature", "geom\n'),
        refuse_or_flag,
        figures=both,
        mentions=("seq.geojsonl",),
    )
    control_case(
        "fig-geojsonl-corrupt-record-in-middle",
        fam,
        one("seq2.geojsonl", dumps(good[0]) + "\n{broken\n" + dumps(good[1]) + "\n"),
        refuse_or_flag,
        figures=both,
        mentions=("seq2.geojsonl",),
    )
    control_case(
        "fig-geojsonl-record-not-a-feature",
        fam,
        one("seq3.geojsonl", geojsonl(*good) + "[1, 2, 3]\n"),
        refuse_or_flag,
        figures=both,
        mentions=("seq3.geojsonl",),
    )
    control_case(
        "fig-geojsonseq-rs-corrupt",
        fam,
        one(
            "seq4.geojsons",
            "".join("\x1e" + dumps(f) + "\n" for f in good) + "\x1e{bad\n",
        ),
        refuse_or_flag,
        figures=both,
        mentions=("seq4.geojsons",),
    )
    for key, geometry in {
        "strings": {"type": "Polygon", "coordinates": [["a", "b"]]},
        "unknown-type": {"type": "Hexagon", "coordinates": [BOX_RING]},
        "no-coordinates": {"type": "Polygon"},
        "too-few-points": poly([[37.0, 47.0], [38.0, 48.0]]),
    }.items():
        control_case(
            f"fig-geojson-bad-geometry-beside-good-{key}",
            fam,
            one("some.geojson", fc(*good, feat(geometry, status="occupied"))),
            refuse_or_flag,
            figures=both,
            mentions=("some.geojson",),
        )
    # Legitimate variations that must give the exact figure.
    ok_cases: dict[str, tuple[Any, tuple[Figure, ...], tuple[str, ...]]] = {
        "duplicate-feature": (
            fc(feat(BOX, status="occupied"), feat(BOX, status="occupied")),
            (occupied(BOX_FOUR),),
            ("ok", "warn"),
        ),
        "clockwise-exterior": (
            fc(feat(poly(BOX_RING[::-1]), status="occupied")),
            (occupied(BOX_FOUR),),
            ("ok",),
        ),
        "with-hole": (
            fc(feat(poly(BOX_RING, HOLE_RING), status="occupied")),
            (occupied(HOLED_FOUR),),
            ("ok",),
        ),
        "collection-with-point": (
            fc(
                feat(
                    {
                        "type": "GeometryCollection",
                        "geometries": [
                            BOX,
                            {"type": "Point", "coordinates": [37.5, 47.5]},
                        ],
                    },
                    status="occupied",
                )
            ),
            (occupied(BOX_FOUR),),
            ("ok", "warn"),
        ),
        "two-statuses-same-area": (
            fc(feat(BOX, status="occupied"), feat(BOX, status="grey")),
            (occupied(BOX_FOUR), Figure("four", "contested_km2", 0.0)),
            ("warn",),
        ),
        "bowtie": (
            fc(
                feat(
                    poly([[37, 47], [38, 48], [38, 47], [37, 48], [37, 47]]),
                    status="occupied",
                )
            ),
            (occupied(BOWTIE_FOUR),),
            ("warn",),
        ),
        "repeated-vertices": (
            fc(
                feat(
                    poly([BOX_RING[0], *[p for p in BOX_RING for _ in (0, 1)]]),
                    status="occupied",
                )
            ),
            (occupied(BOX_FOUR),),
            ("ok", "warn"),
        ),
        "crs-3857-member": (
            {
                **fc(feat(poly(_mercator(BOX_RING)), status="occupied")),
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
            },
            (occupied(BOX_FOUR, rel=5e-3),),
            ("ok",),
        ),
        "liberated-only": (
            fc(feat(BOX, status="liberated")),
            (occupied(0.0),),
            ("ok",),
        ),
    }
    for key, (doc, figures, expect) in ok_cases.items():
        control_case(
            f"fig-ok-{key}", fam, one(f"{key}.geojson", doc), expect, figures=figures
        )


def _mercator(ring: list[list[float]]) -> list[list[float]]:
    out = []
    for lon, lat in ring:
        x = math.radians(lon) * 6378137.0
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
        out.append([x, y])
    return out


FOUR_IDS = ("UA-14", "UA-09", "UA-23", "UA-65")


def _swap_xy(geom: Any) -> Any:
    import shapely

    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _units(
    transform: Callable[[Any], Any] | None = None,
    *,
    crs: bool = True,
    replace: dict[str, Any] | None = None,
    drop_crs_member: bool = False,
) -> Content:
    """The embedded four units as a GeoJSON boundary file, altered."""

    def write(path: Path) -> None:
        import shapely

        import frontline as fl

        units = fl.load_regions("four")
        feats = []
        for rid, geom in zip(units.region_id, units.geometry, strict=True):
            g = (replace or {}).get(rid, geom)
            if transform is not None and g is not None and not isinstance(g, dict):
                g = transform(g)
            if g is None:
                geometry = None
            elif isinstance(g, dict):
                geometry = g
            else:
                geometry = json.loads(shapely.to_geojson(g))
            feats.append(feat(geometry, region_id=rid))
        _write(path, fc(*feats))

    return write


def _box_units(**boxes: Any) -> Content:
    return _units(replace={k.replace("_", "-"): v for k, v in boxes.items()})


def family_boundaries() -> None:
    fam = "F08 user-supplied boundaries"
    import_shapely = __import__("shapely")
    box = one("box.geojson", box_fc())

    def case(
        key: str,
        content: Content,
        expect: tuple[str, ...] | str = ("error", "warn"),
        **extra: Any,
    ) -> None:
        build = combine(box, files(("units", "units.geojson", content)))
        expect = (expect,) if isinstance(expect, str) else expect
        lib_case(
            f"bounds-{key}",
            fam,
            lambda i: _table_kw(box_layer(), boundaries=i["units"]),
            expect,
            build=build,
            argv=lambda i: [
                "report",
                i["control"],
                "--boundaries",
                i["units"],
                "--regions",
                "four",
            ],
            mentions=extra.pop("mentions", ("units.geojson",)),
            **extra,
        )

    case("embedded-copy", _units(), ("ok",), figures=(occupied(BOX_FOUR),))
    case(
        "world-unit", _box_units(UA_14={"type": "Polygon", "coordinates": [WORLD_RING]})
    )
    case(
        "units-in-australia",
        _units(lambda g: __import__("shapely").affinity.translate(g, 110, -77)),
    )
    case(
        "metres-without-crs",
        _units(
            lambda g: __import__("shapely").transform(
                g,
                lambda xy: __import__("numpy").array(
                    [
                        [
                            math.radians(x) * 6378137.0,
                            math.log(math.tan(math.pi / 4 + math.radians(y) / 2))
                            * 6378137.0,
                        ]
                        for x, y in xy
                    ]
                ),
            )
        ),
        mentions=("units.geojson", "metre", "projected"),
    )
    case("null-geometry-unit", _box_units(UA_09=None), mentions=("UA-09", "Luhansk"))
    case(
        "empty-polygon-unit",
        _box_units(UA_09={"type": "Polygon", "coordinates": []}),
        mentions=("UA-09", "Luhansk"),
    )
    case("point-units", _units(lambda g: g.representative_point()))
    case(
        "line-units",
        _units(lambda g: g.exterior if g.geom_type == "Polygon" else g.boundary),
    )
    case(
        "nan-vertex-unit",
        _box_units(
            UA_14={
                "type": "Polygon",
                "coordinates": [[[37, 47], [38, 47], [NAN, 48], [37, 48], [37, 47]]],
            }
        ),
        mentions=("UA-14", "Donetsk", "units.geojson", "NaN"),
    )
    case(
        "unit-ten-times-official",
        _box_units(
            UA_14={
                "type": "Polygon",
                "coordinates": [[[30, 44], [40, 44], [40, 52], [30, 52], [30, 44]]],
            }
        ),
        mentions=("UA-14", "Donetsk"),
    )
    case("unit-lat-lon-swapped", _units(_swap_xy))
    case(
        "bowtie-unit",
        _box_units(
            UA_14={
                "type": "Polygon",
                "coordinates": [[[37, 47], [38, 48], [38, 47], [37, 48], [37, 47]]],
            }
        ),
        ("error", "warn"),
        mentions=("UA-14", "Donetsk"),
    )
    case("directory", lambda p: p.mkdir(), "error")
    case("empty-file", b"", "error")
    case("no-attribute-column", fc(feat(BOX)), "error")
    case(
        "unknown-names",
        fc(feat(BOX, name="Atlantis")),
        "error",
        mentions=("Atlantis", "units.geojson"),
    )
    case(
        "region-id-list-values",
        fc(feat(BOX, region_id=["UA-14"])),
        "error",
        mentions=("UA-14", "region_id"),
    )
    case(
        "region-id-object-values",
        fc(feat(BOX, region_id={"id": "UA-14"})),
        "error",
        mentions=("UA-14", "region_id"),
    )

    # GeoDataFrames given as boundaries (library only).
    def gdf_case(
        key: str,
        make: Callable[[], Any],
        expect: tuple[str, ...] | str = "error",
        **extra: Any,
    ) -> None:
        lib_case(
            f"bounds-gdf-{key}",
            fam,
            lambda i: _table_kw(box_layer(), boundaries=make()),
            expect,
            **extra,
        )

    def four(**changes: Any) -> Any:
        import frontline as fl

        units = fl.load_regions("four")
        for col, values in changes.items():
            if col == "geometry":
                units = units.set_geometry(values, crs=units.crs)
            else:
                units[col] = values
        return units

    gdf_case(
        "region-id-ints", lambda: four(region_id=[14, 9, 23, 65]), mentions=("14",)
    )
    gdf_case(
        "region-id-lists",
        lambda: four(region_id=[[r] for r in FOUR_IDS]),
        mentions=("UA-14",),
    )
    gdf_case(
        "geometry-none",
        lambda: four(geometry=[None, *four().geometry[1:]]),
        ("error", "warn"),
        mentions=("UA-14", "Donetsk"),
    )
    gdf_case(
        "geometry-nan",
        lambda: four(
            geometry=[
                import_shapely.Polygon([(37, 47), (38, 47), (NAN, 48)]),
                *four().geometry[1:],
            ]
        ),
        mentions=("UA-14", "NaN"),
    )
    gdf_case(
        "world-unit",
        lambda: four(
            geometry=[import_shapely.box(-180, -90, 180, 90), *four().geometry[1:]]
        ),
        ("error", "warn"),
        mentions=("UA-14", "Donetsk"),
    )
    gdf_case(
        "points",
        lambda: four(geometry=list(four().geometry.representative_point())),
        mentions=("Point", "point"),
    )
    gdf_case(
        "plain-dataframe",
        lambda: __import__("pandas").DataFrame(four()),
        mentions=("DataFrame",),
    )
    gdf_case(
        "no-crs",
        lambda: four().set_crs(None, allow_override=True),
        mentions=("None", "CRS"),
    )
    gdf_case(
        "engineering-crs",
        lambda: four().set_crs(
            'ENGCRS["local",EDATUM["d"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
            'AXIS["y",north,LENGTHUNIT["metre",1]]]',
            allow_override=True,
        ),
        mentions=("local", "CRS"),
    )
    for value in (5, [], b"units.geojson", 3.5, object()):
        gdf_case(
            f"boundaries-{type(value).__name__}",
            lambda v=value: v,
            mentions=(type(value).__name__,),
        )
    more_boundary_cases(fam)


class _Odd:
    """An object of no expected type, with a recognisable repr."""

    def __repr__(self) -> str:
        return "<Odd object>"


def _bad_values() -> dict[str, Any]:
    return {
        "None": None,
        "int": 5,
        "nan": NAN,
        "bytes": b"x.geojson",
        "list": [],
        "dict": {},
        "object": _Odd(),
    }


def _mention(value: Any) -> tuple[str, ...]:
    """Ways a message can name a value: its type, its repr, its parts."""
    out = [type(value).__name__]
    text = repr(value)
    if len(text) < 40:
        out.append(text)
    if isinstance(value, float) and math.isnan(value):
        out.append("nan")
    if isinstance(value, (list, tuple, set)):
        out += [repr(v) for v in value] + [type(v).__name__ for v in value]
    if isinstance(value, dict):
        out += [repr(v) for v in value.values()] + [repr(k) for k in value]
    if isinstance(value, str):
        out += [p for p in re.split(r"[:~%]", value) if p]
    return tuple(dict.fromkeys(out))


def _plot(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        return fn(*args, **kw)
    finally:
        plt.close("all")


def _ts_table() -> Any:
    return _timeseries([box_layer(date="2024-11-01"), box_layer(date="2024-11-02")])


def family_types() -> None:  # noqa: PLR0912 - one table of calls
    import functools

    fam = "F09 library errors that are not FrontlineError; argument types"
    fl_ = functools.partial(_call)

    def arg(
        fn: str,
        label: str,
        build_call: Callable[[], Any],
        mentions: tuple[str, ...],
        expect: tuple[str, ...] | str = "error",
        **extra: Any,
    ) -> None:
        lib_case(
            f"type-{fn}-{label}",
            fam,
            lambda i: build_call(),
            expect,
            mentions=mentions,
            **extra,
        )

    bad = _bad_values()
    # The data argument of every function that takes a control layer.
    control_fns = [
        "read_control",
        "control_table",
        "front_line",
        "freeze",
        "withdraw",
        "cede",
        "buffer_zone",
        "distance_bands",
        "check_claim",
        "population_table",
        "settlements_status",
        "plot_control",
        "plot_map",
        "explore",
    ]
    for fn in control_fns:
        for label in ("None", "int", "list", "object"):
            value = bad[label]
            extra: dict[str, Any] = (
                {"occupied_pct": "1:2"} if fn == "check_claim" else {}
            )
            arg(
                fn,
                f"control-{label}",
                lambda f=fn, v=value, e=extra: fl_(f, v, **e),
                _mention(value),
            )
        arg(
            fn,
            "control-missing-path",
            lambda f=fn: fl_(
                f,
                "no/such/map.geojson",
                **({"occupied_pct": "1:2"} if f == "check_claim" else {}),
            ),
            ("map.geojson",),
            error="InputFileNotFoundError",
        )
    for fn in (
        "line_change",
        "change",
        "change_polygons",
        "settlements_changed",
        "plot_change_map",
    ):
        for label in ("None", "int", "list", "object"):
            value = bad[label]
            arg(
                fn,
                f"before-{label}",
                lambda f=fn, v=value: fl_(f, v, box_layer()),
                _mention(value),
            )
    # Region selections.
    region_fns = [
        "control_table",
        "load_regions",
        "withdraw",
        "cede",
        "scenario_table",
        "check_claim",
        "timeseries",
        "compare_sources",
        "resolve_regions",
        "population_table",
        "plot_map",
    ]
    bad_regions = {
        "int": 5,
        "list-of-None": [None],
        "empty-list": [],
        "dict": {"Donetsk": 1},
        "float": 3.5,
        "None": None,
    }
    for fn in region_fns:
        for label, value in bad_regions.items():
            # None may mean the default; a dict iterates over its keys (names).
            expect = ("error", "ok") if label in ("None", "dict") else ("error",)
            arg(
                fn,
                f"regions-{label}",
                lambda f=fn, v=value: _with_regions(f, v),
                (*_mention(value), "region"),
                expect,
            )
    # Mode strings.
    for fn, kw, values in [
        ("control_table", "basis", ("x", 5, None)),
        ("area_km2", "method", ("x", 5, None)),
        ("distance_bands", "side", ("x", 5)),
        ("buffer_zone", "side", ("x", 5)),
        ("change", "status", ("x", 5, None)),
        ("rate", "status", ("x", 5)),
        ("plot_timeseries", "value", ("x", 5)),
        ("plot_map", "legend_loc", ("x", 5)),
        ("timeseries", "parallel", ("x", 5)),
        ("fetch_boundaries", "clip", ("x", 5)),
    ]:
        for value in values:
            arg(
                fn,
                f"{kw}-{value!r}",
                lambda f=fn, k=kw, v=value: _with_option(f, k, v),
                _mention(value),
            )
    # Numbers that are not numbers, or not finite, or out of range.
    numeric = [
        ("front_line", "tolerance_km"),
        ("front_line", "river_km"),
        ("buffer_zone", "width_km"),
        ("buffer_zone", "tolerance_km"),
        ("line_change", "spacing_km"),
        ("distance_bands", "tolerance_km"),
        ("check_claim", "tolerance"),
        ("load_settlements", "min_population"),
        ("population_table", "min_population"),
        ("fetch_control", "timeout"),
        ("fetch_boundaries", "timeout"),
        ("fetch_arcgis", "timeout"),
        ("fetch_arcgis", "page_size"),
        ("fetch_arcgis", "max_features"),
        ("animate", "fps"),
        ("animate", "dpi"),
        ("plot_map", "decimals"),
    ]
    for fn, kw in numeric:
        for label, value in {
            "nan": NAN,
            "negative": -1,
            "string": "3",
            "inf": INF,
        }.items():
            if label == "inf" and kw in ("min_population", "timeout"):
                continue  # no limit: a legitimate value
            arg(
                fn,
                f"{kw}-{label}",
                lambda f=fn, k=kw, v=value: _with_option(f, k, v),
                (*_mention(value), kw),
            )
    for label, value in {
        "empty": [],
        "descending": [40, 10],
        "nan": [0, NAN],
        "string": "0,10",
        "inf": [0, INF],
    }.items():
        arg(
            "distance_bands",
            f"edges_km-{label}",
            lambda v=value: _call("distance_bands", box_layer(), edges_km=v),
            (*_mention(value), "edges_km"),
        )
    # read_control keywords.
    for kw, values in {
        "status": (5, ["occupied"], b"occupied"),
        "status_column": (5, ["status"], b"status"),
        "status_map": (["occupied"], "occupied", {"a": 5}, 5),
        "date": ([2024], {}, 3.5, NAN, b"2024-11-20", "", dt.time(12)),
        "source": (None, 5, ["auto"]),
        "layer": (-1, 99, 1.5, "nope", [0]),
    }.items():
        for value in values:
            if kw == "layer":  # a layer is chosen in a file, not in a GeoDataFrame
                lib_case(
                    f"type-read_control-layer-{value!r}",
                    fam,
                    lambda i, v=value: _table(i["control"], layer=v),
                    "error",
                    build=one("one.gpkg", gpkg_frame(lambda: gdf(status=["occupied"]))),
                    mentions=(*_mention(value), "layer"),
                )
                continue
            arg(
                "read_control",
                f"{kw}-{value!r}"[:60],
                lambda k=kw, v=value: _table(_path_or_frame(k), **{k: v}),
                (*_mention(value), kw),
            )
    # area_km2 of things that are not geometries.
    for label, value in {
        **bad,
        "path": "box.geojson",
        "strings": ["a"],
        "ints": [5],
        "ndarray": "ndarray",
    }.items():
        # An empty list or dict is an empty collection of geometries: [] back.
        expect = ("error", "ok") if label in ("list", "dict") else ("error",)
        arg(
            "area_km2",
            f"geometry-{label}",
            lambda v=value: _area(v),
            _mention(value),
            expect,
        )
    arg(
        "area_km2",
        "geometry-nan-polygon",
        lambda: _area(__import__("shapely").Polygon([(37, 47), (38, 47), (NAN, 48)])),
        ("nan", "NaN"),
    )
    arg(
        "area_km2",
        "geoseries-no-crs",
        lambda: _area(gdf(crs=None).geometry),
        ("None", "CRS"),
        error="CRSError",
    )
    arg(
        "area_km2",
        "dataframe",
        lambda: _area(__import__("pandas").DataFrame({"a": [1]})),
        ("DataFrame",),
    )
    # compare_sources given the wrong container.
    for label, value in {
        "list": "LIST",
        "None": None,
        "string": "a.geojson",
        "int": 5,
        "empty-dict": {},
        "none-value": {"a": None, "b": "LAYER"},
        "int-keys": {1: "LAYER", 2: "LAYER"},
        "one-layer": {"a": "LAYER"},
    }.items():
        arg(
            "compare_sources",
            f"layers-{label}",
            lambda v=value: _compare(v),
            (*_mention(value), "layer"),
            ("error", "ok") if label == "int-keys" else ("error",),
        )
    # GeoDataFrames that are not control layers.
    for label, make in {
        "no-geometry-column": lambda: __import__("geopandas").GeoDataFrame({"a": [1]}),
        "duplicate-status-columns": _duplicate_status,
        "engineering-crs": lambda: gdf(
            crs='ENGCRS["local",EDATUM["d"],CS[Cartesian,2],'
            'AXIS["x",east,LENGTHUNIT["metre",1]],'
            'AXIS["y",north,LENGTHUNIT["metre",1]]]',
            status=["occupied"],
        ),
        "mars-crs": lambda: gdf(crs="IAU_2015:49900", status=["occupied"]),
        "geometry-column-of-strings": _string_geometry,
        "geoseries": lambda: gdf().geometry,
        "shapely-geometry": _box,
        "dataframe": lambda: __import__("pandas").DataFrame({"status": ["occupied"]}),
        "multiindex-columns": _multiindex,
    }.items():
        arg(
            "read_control",
            f"frame-{label}",
            lambda m=make: _table(m()),
            (
                label.split("-")[0],
                "geometry",
                "CRS",
                "status",
                "GeoSeries",
                "Polygon",
                "DataFrame",
                "local",
                "IAU",
                "Mars",
                "column",
            ),
            ("error", "ok", "warn") if label == "multiindex-columns" else ("error",),
        )
    # Functions of tables.
    for fn in (
        "rate",
        "resample",
        "plot_timeseries",
        "plot_changes",
        "plot_shares",
        "line_lengths",
    ):
        for label, value in {
            "None": None,
            "empty-frame": "EMPTY",
            "int": 5,
            "wrong-frame": "WRONG",
        }.items():
            arg(
                fn,
                f"table-{label}",
                lambda f=fn, v=value: fl_(f, _frame(v)),
                (
                    *_mention(value),
                    "DataFrame",
                    "column",
                    "empty",
                    "table",
                    "series",
                    "line",
                    "changes",
                ),
            )
    for freq in ("X", 5, "", "1000000D"):
        arg(
            "resample",
            f"freq-{freq!r}",
            lambda fr=freq: _call("resample", _ts_table(), fr),
            (*_mention(freq), "freq"),
        )
        arg(
            "rate",
            f"freq-{freq!r}",
            lambda fr=freq: _call("rate", _ts_table(), fr),
            (*_mention(freq), "freq"),
        )
    for label, value in {
        "None": None,
        "int": 5,
        "empty-list": [],
        "list-of-None": [None],
        "empty-dict": {},
        "string-glob-nothing": "no/such/*.geojson",
    }.items():
        arg(
            "timeseries",
            f"snapshots-{label}",
            lambda v=value: _timeseries(v),
            (*_mention(value), "snapshot"),
        )
        arg(
            "changes",
            f"snapshots-{label}",
            lambda v=value: _call("changes", v),
            (*_mention(value), "snapshot"),
        )
        arg(
            "settlements_change_dates",
            f"layers-{label}",
            lambda v=value: _call("settlements_change_dates", v),
            (*_mention(value), "layer"),
        )
    arg(
        "animate",
        "layers-None",
        lambda: _plot(_fn("animate"), None, "x.gif"),
        ("None",),
    )
    arg(
        "animate",
        "layers-empty",
        lambda: _plot(_fn("animate"), [], "x.gif"),
        ("[]", "layer"),
    )
    arg(
        "animate",
        "path-int",
        lambda: _plot(_fn("animate"), [box_layer()], 5),
        ("int", "5"),
    )
    lib_case(
        "type-animate-into-missing-folder",
        fam,
        lambda i: _plot(
            _fn("animate"),
            [box_layer(date="2024-11-01")],
            i["tmp"] + "/missing/dir/a.gif",
        ),
        "error",
        slow=True,
        mentions=("missing",),
    )
    # Claims.
    for label, value in {
        "abc": "abc",
        "reversed": "80:70",
        "nan": NAN,
        "list": [1],
        "dict": {},
        "negative": -5,
        "inf-range": "0:inf",
    }.items():
        arg(
            "check_claim",
            f"occupied_pct-{label}",
            lambda v=value: _call("check_claim", box_layer(), occupied_pct=v),
            (*_mention(value), "occupied_pct"),
        )
    arg(
        "check_claim", "no-claim", lambda: _call("check_claim", box_layer()), ("claim",)
    )
    for label, args in {
        "nan": (NAN, 1.0),
        "reversed": (5.0, 1.0),
        "strings": ("a", "b"),
        "inf": (0.0, INF),
    }.items():
        arg("Claim", label, lambda a=args: _fn("Claim")(*a), tuple(map(repr, args)))
    # Settlements.
    for label, value in {
        "None": None,
        "empty": "",
        "float": 5.5,
        "list": ["Bakhmut"],
        "int-unknown": 999_999_999,
    }.items():
        arg(
            "find_settlement",
            f"name-{label}",
            lambda v=value: _find_settlement(v),
            _mention(value),
        )
    arg(
        "find_settlement",
        "region-unknown",
        lambda: _find_settlement("Bakhmut", region="Atlantis"),
        ("Atlantis",),
    )
    for label, value in {"int": 5, "list": [5], "object": _Odd()}.items():
        arg(
            "population_in",
            f"areas-{label}",
            lambda v=value: _call("population_in", v),
            _mention(value),
        )
    arg(
        "population_in",
        "by-missing-column",
        lambda: _call("population_in", box_layer(), by="nope"),
        ("nope",),
    )
    arg(
        "settlements_status",
        "line-int",
        lambda: _call("settlements_status", box_layer(), line=5),
        ("int", "line"),
    )
    # Region names and region sets.
    for label, value in {
        "None": None,
        "int": 5,
        "empty": "",
        "list": ["Donetsk"],
        "bytes": b"Donetsk",
    }.items():
        arg(
            "resolve_region",
            f"name-{label}",
            lambda v=value: _resolve(v),
            _mention(value),
        )
    for label, value in bad.items():
        arg(
            "from_geodataframe",
            f"gdf-{label}",
            lambda v=value: _call("from_geodataframe", v),
            _mention(value),
        )
        arg(
            "read_boundaries",
            f"path-{label}",
            lambda v=value: _call("read_boundaries", v),
            _mention(value),
        )
        if label != "None":
            arg(
                "resolve_boundaries",
                f"spec-{label}",
                lambda v=value: _call("resolve_boundaries", v),
                _mention(value),
            )
    arg(
        "from_geodataframe",
        "column-int",
        lambda: _call("from_geodataframe", _named_units(), column=5),
        ("5",),
    )
    arg(
        "from_geodataframe",
        "no-crs",
        lambda: _call(
            "from_geodataframe",
            _named_units().set_crs(None, allow_override=True),
            column="name",
        ),
        ("CRS",),
    )
    # Downloads refused before any network access.
    for label, call in {
        "source-unknown": lambda: _call("fetch_control", "tass", "2024-11-20"),
        "source-int": lambda: _call("fetch_control", 5, "2024-11-20"),
        "source-None": lambda: _call("fetch_control", None, "2024-11-20"),
        "date-garbage": lambda: _call("fetch_control", "deepstate-union", "yesterday"),
        "date-int": lambda: _call("fetch_control", "deepstate-union", 5),
        "date-None": lambda: _call("fetch_control", "deepstate-union", None),
        "date-1900": lambda: _call("fetch_control", "deepstate-union", "1900-01-01"),
        "date-future": lambda: _call("fetch_control", "deepstate-union", "2999-01-01"),
        "hash-garbage": lambda: _call(
            "fetch_control", "deepstate-union", "2024-11-20", known_hash="zzz"
        ),
        "boundaries-unknown": lambda: _call("fetch_boundaries", "nope"),
        "boundaries-int": lambda: _call("fetch_boundaries", 5),
        "arcgis-None": lambda: _call("fetch_arcgis", None),
        "arcgis-int": lambda: _call("fetch_arcgis", 5),
        "arcgis-ftp": lambda: _call(
            "fetch_arcgis", "ftp://example.com/FeatureServer/0"
        ),
        "arcgis-file": lambda: _call("fetch_arcgis", "file:///etc/passwd"),
        "arcgis-out-fields-int": lambda: _call(
            "fetch_arcgis",
            "https://example.com/arcgis/rest/services/x/FeatureServer/0",
            out_fields=5,
        ),
        "arcgis-where-int": lambda: _call(
            "fetch_arcgis",
            "https://example.com/arcgis/rest/services/x/FeatureServer/0",
            where=5,
        ),
    }.items():
        arg(
            "fetch",
            label,
            call,
            (
                label.split("-")[-1],
                "tass",
                "5",
                "None",
                "yesterday",
                "1900",
                "2999",
                "zzz",
                "nope",
                "ftp",
                "file",
            ),
        )
    # The file system, seen through the library.
    for fn, call in {
        "fetch_control": lambda c: _call(
            "fetch_control", "deepstate-union", "2024-11-20", cache_dir=c
        ),
        "fetch_boundaries": lambda c: _call(
            "fetch_boundaries", "minregion-2020", cache_dir=c
        ),
        "fetch_arcgis": lambda c: _call(
            "fetch_arcgis",
            "https://example.com/arcgis/rest/services/x/FeatureServer/0",
            cache_dir=c,
        ),
        "resolve_boundaries": lambda c: _call(
            "resolve_boundaries", "minregion-2020", cache_dir=c
        ),
    }.items():
        # fetch_arcgis asks the server first (refused here: no network).
        lib_case(
            f"type-{fn}-cache-dir-is-a-file",
            fam,
            lambda i, c=call: c(i["cache"]),
            "error",
            build=files(("cache", "cache", "not a directory")),
            mentions=("cache", "connect") if fn == "fetch_arcgis" else ("cache",),
        )
    long_name = "n" * 300 + ".geojson"
    lib_case(
        "type-read-control-name-300-bytes",
        fam,
        lambda i: _table(i["tmp"] + "/" + long_name),
        "error",
        mentions=("nnnnnnnn",),
        argv=lambda i: ["report", i["tmp"] + "/" + long_name],
    )
    lib_case(
        "type-read-control-path-5000-bytes",
        fam,
        lambda i: _table(i["tmp"] + "/" + "/".join(["d" * 200] * 25) + "/x.geojson"),
        "error",
        mentions=("dddddddd",),
        argv=lambda i: [
            "report",
            i["tmp"] + "/" + "/".join(["d" * 200] * 25) + "/x.geojson",
        ],
    )
    lib_case(
        "type-read-control-path-with-nul",
        fam,
        lambda i: _table(i["tmp"] + "/box\0.geojson"),
        "error",
        mentions=("box",),
    )
    lib_case(
        "type-read-control-bytes-path",
        fam,
        lambda i: _table(os.fsencode(i["control"])),
        ("error", "ok"),
        build=one("box.geojson", box_fc()),
        figures=(occupied(BOX_FOUR),),
        mentions=("bytes",),
    )
    root = os.geteuid() == 0

    def unreadable(tmp: Path) -> Inputs:
        path = tmp / "secret.geojson"
        _write(path, box_fc())
        path.chmod(0)
        return {"control": str(path)}

    control_case(
        "type-unreadable-file",
        fam,
        unreadable,
        "error",
        unprivileged=root,
        mentions=("secret.geojson",),
    )

    def unreadable_dir(tmp: Path) -> Inputs:
        where = tmp / "locked"
        where.mkdir()
        _write(where / "box.geojson", box_fc())
        where.chmod(0)
        return {"control": str(where / "box.geojson")}

    control_case(
        "type-file-in-unreadable-dir",
        fam,
        unreadable_dir,
        "error",
        unprivileged=root,
        mentions=("box.geojson",),
    )
    more_type_cases(fam)


def _fn(name: str) -> Any:
    import frontline as fl

    return getattr(fl, name)


def _call(name: str, *args: Any, **kw: Any) -> Any:
    if name.startswith(("plot_", "animate", "explore")):
        return _plot(_fn(name), *args, **kw)
    if name in ("timeseries", "changes"):
        kw.setdefault("progress", False)
    return _fn(name)(*args, **kw)


_CONTROL_FIRST = {
    "control_table",
    "withdraw",
    "cede",
    "check_claim",
    "population_table",
    "plot_map",
    "scenario_table",
}


def _with_regions(fn: str, regions: Any) -> Any:
    if fn == "load_regions":
        return _call(fn, regions)
    if fn == "resolve_regions":
        return _call(fn, regions)
    if fn == "timeseries":
        return _timeseries([box_layer(date="2024-11-01")], regions)
    if fn == "compare_sources":
        return _call(fn, {"a": box_layer(), "b": box_layer()}, regions)
    layer = box_layer()
    if fn == "scenario_table":
        layer = _call("freeze", layer)
    extra = {"occupied_pct": "1:2"} if fn == "check_claim" else {}
    return _call(fn, layer, regions, **extra)


def _with_option(fn: str, kw: str, value: Any) -> Any:  # noqa: PLR0911 - a dispatch
    if fn == "area_km2":
        return _call(fn, _box(), **{kw: value})
    if fn in ("rate",):
        return _call(fn, _ts_table(), **{kw: value})
    if fn == "plot_timeseries":
        return _call(fn, _ts_table(), **{kw: value})
    if fn == "timeseries":
        return _timeseries([box_layer(date="2024-11-01")], **{kw: value})
    if fn == "change":
        return _call(
            fn,
            box_layer(date="2024-11-01"),
            box_layer(date="2024-11-02"),
            **{kw: value},
        )
    if fn == "line_change":
        return _call(fn, box_layer(), box_layer(), **{kw: value})
    if fn == "load_settlements":
        return _call(fn, **{kw: value})
    if fn == "fetch_control":
        return _call(fn, "deepstate-union", "2024-11-20", **{kw: value})
    if fn == "fetch_boundaries":
        return _call(fn, "minregion-2020", **{kw: value})
    if fn == "fetch_arcgis":
        return _call(
            fn,
            "https://example.com/arcgis/rest/services/x/FeatureServer/0",
            **{kw: value},
        )
    if fn == "animate":
        return _call(fn, [box_layer(date="2024-11-01")], "never.gif", **{kw: value})
    extra = {"occupied_pct": "1:2"} if fn == "check_claim" else {}
    return _call(fn, box_layer(), **{kw: value}, **extra)


def _path_or_frame(kw: str) -> Any:
    return gdf(status=["occupied"])


def _area(value: Any) -> Any:
    import numpy as np

    if isinstance(value, str) and value == "ndarray":
        value = np.array([1.0, 2.0])
    return _fn("area_km2")(value)


def _compare(value: Any) -> Any:
    def sub(v: Any) -> Any:
        return box_layer() if v == "LAYER" else v

    if value == "LIST":
        value = [box_layer(), box_layer()]
    elif isinstance(value, dict):
        value = {k: sub(v) for k, v in value.items()}
    return _fn("compare_sources")(value, "four")


def _duplicate_status() -> Any:
    import pandas as pd

    frame = gdf()
    data = pd.concat(
        [pd.DataFrame({"status": ["occupied"]}), pd.DataFrame({"status": ["grey"]})],
        axis=1,
    )
    return _geo(data, frame)


def _geo(data: Any, frame: Any) -> Any:
    import geopandas as gpd

    data = data.copy()
    data["geometry"] = frame.geometry.values
    return gpd.GeoDataFrame(data, geometry="geometry", crs=frame.crs)


def _string_geometry() -> Any:
    import pandas as pd

    import geopandas as gpd

    frame = pd.DataFrame(
        {"status": ["occupied"], "geometry": ["POLYGON ((0 0, 1 0, 1 1, 0 0))"]}
    )
    out = gpd.GeoDataFrame(frame)
    return out


def _multiindex() -> Any:
    import pandas as pd

    frame = gdf()
    data = pd.DataFrame(
        [["occupied"]], columns=pd.MultiIndex.from_tuples([("a", "status")])
    )
    return _geo(data, frame)


def _frame(kind: Any) -> Any:
    import pandas as pd

    if kind == "EMPTY":
        return pd.DataFrame()
    if kind == "WRONG":
        return pd.DataFrame({"x": [1, 2]})
    return kind


def _named_units() -> Any:
    return gdf(name=["Donetsk"])


# ---------------------------------------------------------------------------
# Round 2, API side: more cases found while fixing F05, F08 and F09


def _newer_directory(tmp: Path) -> Inputs:
    """A control file and, at the map's output, a folder newer than it."""
    inputs = one("box.geojson", box_fc())(tmp)
    out = tmp / "map.png"
    out.mkdir()
    later = time.time() + 3600
    os.utime(out, (later, later))
    return {**inputs, "out": str(out)}


def more_cli_cases(fam: str) -> None:
    cli_case(
        "cli-map-output-is-a-newer-directory",
        fam,
        lambda i: ["map", i["control"], "-o", i["out"]],
        build=_newer_directory,
        slow=True,
        mentions=("map.png", "directory"),
        note="a folder at -o is not an up-to-date map",
    )
    cli_case(
        "cli-sample-with-source",
        fam,
        lambda i: ["report", "--source", "nzz"],
        mentions=("--source",),
        note="the sample has no source adapter; --source was ignored",
    )
    for key, call, mentions in (
        ("buffer-zone-width-1500.5", lambda: _buffer(1500.5), ("1500.5", "width")),
        (
            "front-line-tolerance-101",
            lambda: _call("front_line", box_layer(), tolerance_km=101),
            ("101", "tolerance_km"),
        ),
        (
            "front-line-river-1e9",
            lambda: _call("front_line", box_layer(), river_km=1e9),
            ("1e+09", "1000000000", "river_km"),
        ),
        (
            "line-change-spacing-1mm",
            lambda: _line_change(spacing_km=1e-6),
            ("1e-06", "spacing_km"),
        ),
        (
            "line-change-spacing-bool",
            lambda: _line_change(spacing_km=True),
            ("bool", "True", "spacing_km"),
        ),
        (
            "distance-bands-edge-2000",
            lambda: _call("distance_bands", box_layer(), edges_km=[0, 2000]),
            ("2000", "edges_km"),
        ),
    ):
        lib_case(f"lib-{key}", fam, lambda i, c=call: c(), mentions=mentions)


def _four_with(**geometries: Any) -> Any:
    """The embedded four units with some geometries replaced (UA_14=...)."""
    import frontline as fl

    units = fl.load_regions("four")
    geoms = list(units.geometry)
    for key, geom in geometries.items():
        geoms[list(units.region_id).index(key.replace("_", "-"))] = geom
    return units.set_geometry(
        __import__("geopandas").GeoSeries(geoms, crs=units.crs), crs=units.crs
    )


def more_boundary_cases(fam: str) -> None:
    import shapely

    def donetsk() -> Any:
        import frontline as fl

        return fl.load_regions("UA-14").geometry.iloc[0]

    def case(
        key: str,
        make: Callable[[], Any],
        expect: tuple[str, ...] | str = "error",
        regions: str = "four",
        **extra: Any,
    ) -> None:
        lib_case(
            f"bounds-gdf-{key}",
            fam,
            lambda i: _table_kw(box_layer(), regions, boundaries=make()),
            expect,
            **extra,
        )

    case(
        "bowtie-unit-repaired",
        lambda: _four_with(
            UA_14=shapely.Polygon([(37, 47), (38, 48), (38, 47), (37, 48), (37, 47)])
        ),
        ("warn",),
        warn_match="UA-14",
    )
    case(
        "unit-collection-with-a-line",
        lambda: _four_with(
            UA_14=shapely.GeometryCollection(
                [donetsk(), shapely.LineString([(37, 47), (38, 48)])]
            )
        ),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    case(
        "null-unit-not-selected",
        lambda: _four_with(UA_09=None),
        ("ok",),
        regions="Donetsk",
        figures=(occupied(7703.4135, region="UA-14"),),
    )
    case(
        "nan-in-a-unit-not-selected",
        lambda: _four_with(
            UA_65=shapely.Polygon([(33, 46), (34, 46), (NAN, 47), (33, 46)])
        ),
        regions="Donetsk",
        mentions=("UA-65", "Kherson"),
    )
    case(
        "sevastopol-the-size-of-crimea",
        _crimea_as_sevastopol,
        regions="UA-40",
        mentions=("UA-40", "Sevastopol"),
    )
    case(
        "duplicate-columns",
        lambda: _duplicated_columns(_four_with()),
        mentions=("region_id", "name", "column"),
    )
    case(
        "no-geometry-column",
        lambda: __import__("geopandas").GeoDataFrame({"region_id": list(FOUR_IDS)}),
        mentions=("geometry",),
    )
    lib_case(
        "bounds-from-geodataframe-mars-crs",
        fam,
        lambda i: _call(
            "from_geodataframe",
            _four_with().set_crs("IAU_2015:49900", allow_override=True),
        ),
        error="CRSError",
        mentions=("Mars", "IAU"),
    )


def _crimea_as_sevastopol() -> Any:
    import frontline as fl

    units = fl.load_regions(["UA-43", "UA-40"])
    crimea = units.geometry.iloc[0]
    return units.set_geometry(
        __import__("geopandas").GeoSeries([crimea, crimea], crs=units.crs),
        crs=units.crs,
    )


def _duplicated_columns(units: Any) -> Any:
    import pandas as pd

    import geopandas as gpd

    data = pd.DataFrame(units.drop(columns="geometry"))
    data = pd.concat([data, data[["name"]]], axis=1)
    data["geometry"] = units.geometry.values
    return gpd.GeoDataFrame(data, geometry="geometry", crs=units.crs)


def more_type_cases(fam: str) -> None:
    def arg(
        label: str, call: Callable[[], Any], mentions: tuple[str, ...], **kw: Any
    ) -> None:
        lib_case(f"type-{label}", fam, lambda i: call(), mentions=mentions, **kw)

    arg("Claim-between-strings", lambda: _fn("Claim").between("a", 1), ("'a'", "str"))
    for quantity, value in (("occupied_pct", 150), ("held_km2", -1)):
        arg(
            f"check_claim-{quantity}-{value}",
            lambda q=quantity, v=value: _call("check_claim", box_layer(), **{q: v}),
            (quantity, str(value)),
        )
    arg(
        "animate-dpi-100000",
        lambda: _plot(_fn("animate"), [box_layer()], "never.gif", dpi=100_000),
        ("dpi", "pixels"),
    )
    arg(
        "animate-figsize-string",
        lambda: _plot(_fn("animate"), [box_layer()], "never.gif", figsize="big"),
        ("figsize", "'big'"),
    )
    arg(
        "animate-path-300-bytes",
        lambda: _plot(_fn("animate"), [box_layer()], "a" * 300 + ".gif"),
        ("aaaaaaaa",),
    )
    lib_case(
        "type-area_km2-list-with-missing",
        fam,
        lambda i: _area([None, NAN, _box()]),
        "ok",
        check=lambda v: (
            None
            if list(v[:2]) == [0.0, 0.0] and abs(v[2] - BOX_TOTAL) < 0.5
            else f"areas {list(v)!r}"
        ),
    )
    arg(
        "area_km2-geodataframe-no-geometry",
        lambda: _area(__import__("geopandas").GeoDataFrame({"a": [1]})),
        ("geometry",),
    )
    for label, value in (("zero", 0), ("bool", True)):
        arg(
            f"fetch_control-timeout-{label}",
            lambda v=value: _with_option("fetch_control", "timeout", v),
            ("timeout", repr(value)),
        )
    for label, value in (("bytes", b"four"), ("list-of-ints", [14, 9])):
        arg(
            f"resolve_regions-{label}",
            lambda v=value: _call("resolve_regions", v),
            ("regions", *_mention(value)),
        )
    arg(
        "compare_sources-layers-tuple",
        lambda: _compare(("LAYER", "LAYER")),
        ("tuple", "layers"),
    )
    arg(
        "population_in-areas-dataframe",
        lambda: _call("population_in", __import__("pandas").DataFrame({"a": [1]})),
        ("DataFrame",),
    )
    arg("read_boundaries-path-empty", lambda: _call("read_boundaries", ""), ("''",))
    arg(
        "read_boundaries-name-300-bytes",
        lambda: _call("read_boundaries", "b" * 300 + ".geojson"),
        ("bbbbbbbb",),
    )
    layer_calls: dict[str, Callable[[Any], Any]] = {
        "plot_map": lambda kw: _call("plot_map", box_layer(), "four", **kw),
        "plot_control": lambda kw: _call("plot_control", box_layer(), **kw),
        "plot_shares": lambda kw: _call(
            "plot_shares", _fn("control_table")(box_layer(), "four"), **kw
        ),
        "plot_timeseries": lambda kw: _call("plot_timeseries", _ts_table(), **kw),
    }
    for fn, call in layer_calls.items():
        for kw, value, mention in (
            ("ax", 5, ("ax", "int")),
            ("figsize", 5, ("figsize", "int")),
            ("figsize", (1e6, 1), ("figsize", "1000000")),
        ):
            arg(
                f"{fn}-{kw}-{value!r}"[:60],
                lambda c=call, k=kw, v=value: c({k: v}),
                mention,
            )
    for label, kw in (
        ("status-list", {"status": []}),
        ("regions-empty-list", {"regions": []}),
    ):
        arg(
            f"plot_timeseries-{label}",
            lambda k=kw: _call("plot_timeseries", _ts_table(), **k),
            (*kw, "[]", "list"),
        )
    for fn in ("settlements_status", "population_table"):
        arg(
            f"{fn}-settlements-int",
            lambda f=fn: _call(f, box_layer(), settlements=5),
            ("settlements", "int"),
        )
    for fn, call in {
        "fetch_control-source-list": lambda: _call("fetch_control", [], "2024-11-20"),
        "fetch_boundaries-name-list": lambda: _call("fetch_boundaries", []),
        "fetch_control-cache_dir-int": lambda: _call(
            "fetch_control", "deepstate-union", "2024-11-20", cache_dir=5
        ),
        "fetch_control-folder-int": lambda: _call(
            "fetch_control", "deepstate-union", "2024-11-20", folder=5
        ),
    }.items():
        arg(fn, call, ("list", "int", "source", "name", "cache_dir", "folder"))
    arg(
        "read_control-status_map-list-of-pairs",
        lambda: _table(gdf(status=["occupied"]), status_map=[("occupied", "occupied")]),
        ("list", "status_map"),
    )


def _tiny_boxes(n: int, size: float = 0.001) -> dict[str, Any]:
    side = math.ceil(math.sqrt(n))
    step = 2.0 / side
    feats = []
    for k in range(n):
        x = 36.0 + (k % side) * step
        y = 47.0 + (k // side) * step * 0.5
        ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
        feats.append(feat(poly(ring), status="occupied"))
    return fc(*feats)


def _tiny_total(n: int, size: float = 0.001) -> Callable[[Any], str | None]:
    def check(table: Any) -> str | None:
        import shapely

        import frontline as fl

        doc = _tiny_boxes(n, size)
        geoms = [shapely.geometry.shape(f["geometry"]) for f in doc["features"]]
        expected = float(fl.area_km2(geoms).sum())
        got = float(table.attrs.get("control_russian_held_km2", float("nan")))
        if not math.isclose(got, expected, rel_tol=1e-3):
            return f"Russian-held total {got:,.3f} km², expected {expected:,.3f}"
        return None

    return check


def family_performance() -> None:
    fam = "F10 performance as a defence"
    control_case(
        "perf-100k-tiny-features",
        fam,
        one("tiny.geojson", lazy(lambda: _tiny_boxes(100_000))),
        ("ok",),
        regions="six",
        isolate=True,
        check=_tiny_total(100_000),
    )
    control_case(
        "perf-20k-tiny-features",
        fam,
        one("tiny20k.geojson", lazy(lambda: _tiny_boxes(20_000))),
        ("ok",),
        regions="six",
        slow=True,
        check=_tiny_total(20_000),
    )
    control_case(
        "perf-100k-tiny-features-gpkg",
        fam,
        one("tiny.gpkg", lambda p: _geojson_to(p, _tiny_boxes(100_000), "GPKG")),
        ("ok",),
        regions="six",
        isolate=True,
        check=_tiny_total(100_000),
    )
    control_case(
        "perf-50k-overlapping-pairs",
        fam,
        one("pairs.geojson", lazy(lambda: _overlapping_pairs(25_000))),
        ("warn",),
        isolate=True,
    )
    control_case(
        "perf-one-ring-1m-vertices",
        fam,
        one("dense.geojson", lazy(lambda: _dense_ring(1_000_000))),
        ("ok",),
        isolate=True,
        figures=(occupied(BOX_FOUR, rel=5e-3),),
    )
    control_case(
        "perf-10k-holes",
        fam,
        one("holes.geojson", lazy(lambda: _many_holes(10_000))),
        ("ok", "warn"),
        isolate=True,
    )
    control_case(
        "perf-deep-geometry-collection",
        fam,
        one("gc.geojson", lazy(lambda: _deep_gc(5_000))),
        ("ok", "warn", "error"),
        isolate=True,
    )
    control_case(
        "perf-kml-2000-folders",
        fam,
        one("folders.kml", lazy(lambda: _kml_folders(2_000))),
        ("ok", "warn"),
        isolate=True,
    )
    control_case(
        "perf-gpkg-300-layers",
        fam,
        one("layers.gpkg", _gpkg_layers(300)),
        ("ok", "warn"),
        isolate=True,
    )
    control_case(
        "perf-bowtie-100k-vertices",
        fam,
        one("bow.geojson", lazy(lambda: _zigzag(100_000))),
        ("warn",),
        isolate=True,
    )
    control_case(
        "perf-200k-points-only",
        fam,
        one(
            "points.geojson",
            lazy(
                lambda: fc(
                    *[
                        feat({"type": "Point", "coordinates": [37, 47]})
                        for _ in range(200_000)
                    ]
                )
            ),
        ),
        "error",
        isolate=True,
        mentions=("points.geojson",),
    )
    control_case(
        "perf-kml-deep-folders",
        fam,
        one(
            "deepf.kml",
            lazy(
                lambda: kml(
                    "<Folder>" * 100_000
                    + placemark(kml_polygon(BOX_RING))
                    + "</Folder>" * 100_000
                )
            ),
        ),
        ("ok", "error"),
        isolate=True,
        figures=(occupied(BOX_FOUR),),
        mentions=("deepf.kml",),
    )
    lib_case(
        "perf-timeseries-300-snapshots",
        fam,
        lambda i: _timeseries(i["folder"]),
        ("ok",),
        isolate=True,
        build=_many_snapshots(300),
        check=_series_dates(300),
        argv=lambda i: ["timeseries", i["folder"], "--regions", "four"],
    )


def _geojson_to(path: Path, doc: dict[str, Any], driver: str) -> None:
    import geopandas as gpd

    gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326").to_file(
        path, driver=driver
    )


def _overlapping_pairs(n: int) -> dict[str, Any]:
    doc = _tiny_boxes(n, 0.002)
    extra = [feat(f["geometry"], status="grey") for f in doc["features"]]
    return fc(*doc["features"], *extra)


def _dense_ring(n: int) -> dict[str, Any]:
    per = n // 4
    ring = []
    for (x0, y0), (x1, y1) in itertools.pairwise(BOX_RING):
        ring += [
            [x0 + (x1 - x0) * k / per, y0 + (y1 - y0) * k / per] for k in range(per)
        ]
    ring.append(ring[0])
    return fc(feat(poly(ring), status="occupied"))


def _many_holes(n: int) -> dict[str, Any]:
    side = math.ceil(math.sqrt(n))
    step = 1.0 / (side + 1)
    holes = []
    for k in range(n):
        x = 37.0 + step * (1 + k % side)
        y = 47.0 + step * (1 + k // side)
        s = step / 4
        holes.append([[x, y], [x, y + s], [x + s, y + s], [x + s, y], [x, y]])
    return fc(feat(poly(BOX_RING, *holes), status="occupied"))


def _deep_gc(depth: int) -> str:
    """A FeatureCollection whose geometry nests ``depth`` GeometryCollections.

    Written as text: json.dumps itself would recurse too deep.
    """
    head = '{"type": "GeometryCollection", "geometries": [' * depth
    geometry = head + json.dumps(BOX) + "]}" * depth
    return (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"status": "occupied"}, "geometry": ' + geometry + "}]}"
    )


def _kml_folders(n: int) -> str:
    body = "".join(
        f"<Folder><name>f{k}</name>"
        + placemark(
            kml_polygon(
                [
                    [37 + k * 1e-4, 47],
                    [37 + k * 1e-4 + 5e-5, 47],
                    [37 + k * 1e-4 + 5e-5, 47.1],
                    [37 + k * 1e-4, 47],
                ]
            )
        )
        + "</Folder>"
        for k in range(n)
    )
    return kml(body)


def _gpkg_layers(n: int) -> Content:
    def write(path: Path) -> None:
        import shapely

        for k in range(n):
            x = 37 + k * 1e-3
            gdf([shapely.box(x, 47, x + 5e-4, 47.1)], status=["occupied"]).to_file(
                path, layer=f"l{k}", driver="GPKG"
            )

    return write


def _zigzag(n: int) -> dict[str, Any]:
    ring = []
    for k in range(n // 2):
        x = 37.0 + k / (n // 2)
        ring.append([x, 47.0 if k % 2 else 48.0])
    for k in range(n // 2):
        x = 38.0 - k / (n // 2)
        ring.append([x, 48.0 if k % 2 else 47.0])
    ring.append(ring[0])
    return fc(feat(poly(ring), status="occupied"))


def _many_snapshots(n: int) -> Callable[[Path], Inputs]:
    def build(tmp: Path) -> Inputs:
        maps = tmp / "maps"
        maps.mkdir()
        day = dt.date(2024, 1, 1)
        text = dumps(UNION)
        for k in range(n):
            stamp = (day + dt.timedelta(days=k)).strftime("%Y%m%d")
            (maps / f"deepstatemap_data_{stamp}.geojson").write_text(text)
        return {"folder": str(maps)}

    return build


def family_xml() -> None:
    fam = "F11 XML and KML"
    pm = placemark(kml_polygon(BOX_RING))
    laughs = (
        '<!DOCTYPE kml [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]>\n"
    )
    pad_space = " " * (1 << 20) + "\n"
    pad_comment = "<!--" + "x" * (1 << 20) + "-->\n"
    for key, prolog in {"whitespace": pad_space, "comment": pad_comment}.items():
        doc = kml(
            placemark(kml_polygon(BOX_RING), name="&lol9;"),
            pad_space[:0] + prolog + laughs,
        )
        control_case(
            f"xml-dtd-after-1mib-{key}",
            fam,
            one("late.kml", doc),
            "error",
            mentions=("late.kml",),
        )
        kmz_doc = doc.encode()

        def write(path: Path, data: bytes = kmz_doc) -> None:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("doc.kml", data)

        control_case(
            f"xml-dtd-after-1mib-{key}-kmz",
            fam,
            one("late.kmz", write),
            "error",
            mentions=("late.kmz",),
        )
        control_case(
            f"xml-dtd-after-1mib-{key}-kml.gz",
            fam,
            one("late.kml.gz", gz(doc)),
            "error",
            mentions=("late.kml.gz",),
        )
    utf16_laughs = (
        kml(placemark(kml_polygon(BOX_RING), name="&lol9;"), laughs)
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16")
    )
    control_case(
        "xml-dtd-utf16",
        fam,
        one("wide.kml", utf16_laughs),
        "error",
        mentions=("wide.kml",),
    )
    control_case(
        "xml-external-entity-utf16",
        fam,
        one(
            "xxe16.kml",
            kml(
                placemark(kml_polygon(BOX_RING), name="&xxe;"),
                '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
            )
            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
            .encode("utf-16"),
        ),
        "error",
        mentions=("xxe16.kml",),
    )
    control_case(
        "xml-utf16-plain",
        fam,
        one(
            "plain16.kml",
            kml(pm).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        ),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("plain16.kml",),
    )
    control_case(
        "xml-dtd-in-xml-suffix",
        fam,
        one("doc.xml", kml(pm, laughs)),
        "error",
        mentions=("doc.xml",),
    )
    control_case(
        "xml-kml-named-geojson",
        fam,
        one("looks.geojson", kml(pm)),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("looks.geojson",),
    )
    control_case(
        "xml-kml-dtd-named-geojson",
        fam,
        one("looks2.geojson", kml(pm, laughs)),
        "error",
        mentions=("looks2.geojson",),
    )
    control_case(
        "xml-coordinates-whitespace",
        fam,
        one("ws.kml", kml(placemark(kml_polygon(BOX_RING)).replace(" ", "\n\t  "))),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "xml-coordinates-with-z",
        fam,
        one("z.kml", kml(placemark(kml_polygon([[x, y, 0.0] for x, y in BOX_RING])))),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "xml-namespace-prefix",
        fam,
        one(
            "ns.kml",
            '<?xml version="1.0"?><k:kml xmlns:k="http://www.opengis.net/kml/2.2">'
            "<k:Document><k:Placemark><k:Polygon><k:outerBoundaryIs><k:LinearRing>"
            f"<k:coordinates>{kml_coords(BOX_RING)}</k:coordinates></k:LinearRing>"
            "</k:outerBoundaryIs></k:Polygon></k:Placemark></k:Document></k:kml>",
        ),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("ns.kml",),
    )
    control_case(
        "xml-no-namespace",
        fam,
        one("nons.kml", kml(pm).replace(' xmlns="http://www.opengis.net/kml/2.2"', "")),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("nons.kml",),
    )
    control_case(
        "xml-lowercase-tags",
        fam,
        one("lower.kml", kml(pm.lower())),
        "error",
        mentions=("lower.kml",),
    )
    control_case(
        "xml-name-5mib-cdata",
        fam,
        one(
            "cdata.kml",
            lazy(
                lambda: kml(
                    placemark(
                        kml_polygon(BOX_RING),
                        name="<![CDATA[" + "n" * (5 << 20) + "]]>",
                    )
                )
            ),
        ),
        ("ok", "warn"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "xml-coordinates-50mb",
        fam,
        one(
            "long.kml",
            lazy(
                lambda: kml(
                    placemark(
                        kml_polygon(
                            [
                                [37 + 1e-7 * k, 47 + (k % 2) * 1e-7]
                                for k in range(2_000_000)
                            ]
                            + [[38, 48], [37, 48], [37, 47]]
                        )
                    )
                )
            ),
        ),
        # Unbounded it reads in 18 s and 1.4 GB; under the corpus' 1 GiB GEOS
        # runs out of memory, which must be one clear error, not a traceback.
        ("ok", "warn", "error"),
        error="GeometryError",
        match="ran out of memory",
        isolate=True,
    )
    control_case(
        "xml-processing-instruction",
        fam,
        one("pi.kml", kml(pm, '<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>\n')),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "xml-xinclude",
        fam,
        one(
            "xi.kml",
            kml(
                pm + '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                'href="file:///etc/passwd" parse="text"/>'
            ),
        ),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("xi.kml",),
    )
    control_case(
        "xml-extended-data-status",
        fam,
        one(
            "ext.kml",
            kml(
                placemark(
                    kml_polygon(BOX_RING),
                    extra=(
                        '<ExtendedData><Data name="status"><value>grey</value></Data>'
                        "</ExtendedData>"
                    ),
                )
            ),
        ),
        ("ok",),
        figures=(Figure("four", "contested_km2", BOX_FOUR),),
    )


def family_encodings() -> None:
    fam = "F12 encodings and JSON syntax"
    text = dumps(box_fc())
    control_case(
        "enc-utf8-bom",
        fam,
        one("bom.geojson", b"\xef\xbb\xbf" + text.encode()),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "enc-utf8-bom-nzz-wrapper",
        fam,
        one(
            "2024-11-21.json", b"\xef\xbb\xbf" + dumps(nzz_doc(nzz_feat(BOX))).encode()
        ),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("2024-11-21.json",),
    )
    control_case(
        "enc-utf16-bom",
        fam,
        one("u16.geojson", text.encode("utf-16")),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("u16.geojson",),
    )
    control_case(
        "enc-utf32",
        fam,
        one("u32.geojson", text.encode("utf-32")),
        "error",
        mentions=("u32.geojson",),
    )
    control_case(
        "enc-cp1251-label",
        fam,
        one(
            "cp.geojson",
            dumps(fc(feat(BOX, status="occupied", name="Донецьк"))).encode("cp1251"),
        ),
        "error",
        mentions=("cp.geojson",),
    )
    control_case(
        "enc-crlf",
        fam,
        one("crlf.geojson", json.dumps(box_fc(), indent=1).replace("\n", "\r\n")),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "enc-comments",
        fam,
        one("comments.geojson", "// map\n" + text),
        "error",
        mentions=("comments.geojson",),
    )
    control_case(
        "enc-trailing-comma",
        fam,
        one("comma.geojson", text[:-2] + ",]}"),
        "error",
        mentions=("comma.geojson",),
    )
    control_case(
        "enc-single-quotes",
        fam,
        one("quotes.geojson", text.replace('"', "'")),
        "error",
        mentions=("quotes.geojson",),
    )
    control_case(
        "enc-400-digit-numbers",
        fam,
        one("digits.geojson", text.replace("37.0", "37." + "0" * 400)),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "enc-1e999",
        fam,
        one("big.geojson", text.replace("38.0", "1e999", 1)),
        "error",
        mentions=("big.geojson",),
    )
    control_case(
        "enc-minus-zero-hex",
        fam,
        one("hex.geojson", text.replace("37.0", "0x25", 1)),
        "error",
        mentions=("hex.geojson",),
    )
    control_case(
        "enc-nul-bytes-between-tokens",
        fam,
        one("nul.geojson", text.replace(", ", ",\0").encode()),
        "error",
        mentions=("nul.geojson",),
    )
    control_case(
        "enc-escaped-nul-in-key",
        fam,
        one("nulkey.geojson", text.replace('"status"', '"sta\\u0000tus"')),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
    )
    control_case(
        "enc-duplicate-keys",
        fam,
        one(
            "dupe.geojson",
            text.replace(
                '"status": "occupied"', '"status": "grey", "status": "occupied"'
            ),
        ),
        ("ok", "warn", "error"),
    )
    control_case(
        "enc-gz-of-utf16",
        fam,
        one("u16.geojson.gz", gz(text.encode("utf-16"))),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("u16.geojson.gz",),
    )
    control_case(
        "enc-latin1-json-wrapper",
        fam,
        one(
            "2024-11-25.json", dumps(nzz_doc(nzz_feat(BOX, note="é"))).encode("latin-1")
        ),
        "error",
        mentions=("2024-11-25.json",),
    )


def _zip(
    members: dict[str, Any],
    *,
    method: int = zipfile.ZIP_DEFLATED,
    patch: Callable[[bytearray], None] | None = None,
) -> Content:
    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w", method) as z:
            for name, data in members.items():
                if callable(data):
                    data(z, name)
                else:
                    z.writestr(name, data)
        if patch is not None:
            raw = bytearray(path.read_bytes())
            patch(raw)
            path.write_bytes(bytes(raw))

    return write


def _shapefile_members(
    drop: tuple[str, ...] = (), prefix: str = "control"
) -> dict[str, bytes]:
    import geopandas as gpd

    d = Path(tempfile.mkdtemp(prefix="frontline-shp-"))
    try:
        gpd.GeoDataFrame({"status": ["occupied"]}, geometry=[_box()], crs=4326).to_file(
            d / "control.shp"
        )
        return {
            f"{prefix}{p.suffix}": p.read_bytes()
            for p in d.iterdir()
            if p.suffix not in drop
        }
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _lazy_zip(make_members: Callable[[], dict[str, Any]], **kw: Any) -> Content:
    def write(path: Path) -> None:
        _zip(make_members(), **kw)(path)

    return write


def _set_method(name: str, method: int) -> Callable[[bytearray], None]:
    def patch(raw: bytearray) -> None:
        for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
            start = 0
            while (at := raw.find(sig, start)) >= 0:
                raw[at + off : at + off + 2] = method.to_bytes(2, "little")
                start = at + 4

    return patch


def _encrypt_flag(raw: bytearray) -> None:
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := raw.find(sig, start)) >= 0:
            raw[at + off] |= 1
            start = at + 4


def _symlink_member(z: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, "/etc/passwd")


def family_archives() -> None:
    fam = "F13 archives"
    doc = kml(placemark(kml_polygon(BOX_RING))).encode()
    ok_fig = (occupied(BOX_FOUR),)
    control_case(
        "zip-shapefile-ok",
        fam,
        one("shapes.zip", _lazy_zip(_shapefile_members)),
        ("ok",),
        figures=ok_fig,
    )
    control_case(
        "zip-shapefile-without-dbf",
        fam,
        one("nodbf.zip", _lazy_zip(lambda: _shapefile_members((".dbf",)))),
        ("ok", "warn", "error"),
        mentions=("nodbf.zip",),
    )
    control_case(
        "zip-shapefile-without-shx",
        fam,
        one("noshx.zip", _lazy_zip(lambda: _shapefile_members((".shx",)))),
        ("error", "ok", "warn"),
        mentions=("noshx.zip",),
    )
    control_case(
        "zip-two-shapefiles",
        fam,
        one(
            "two.zip",
            _lazy_zip(
                lambda: {
                    **_shapefile_members(prefix="a"),
                    **_shapefile_members(prefix="b"),
                }
            ),
        ),
        ("ok", "warn"),
        figures=ok_fig,
    )
    control_case(
        "zip-20k-members",
        fam,
        one("many.zip", _zip({f"f{k}.txt": b"" for k in range(20_000)})),
        "error",
        slow=True,
        mentions=("many.zip",),
    )
    control_case(
        "zip-member-name-300-bytes",
        fam,
        one("longname.zip", _zip({"n" * 300 + ".shp": b"\0" * 100})),
        "error",
        mentions=("longname.zip",),
    )
    control_case(
        "zip-member-name-newline",
        fam,
        one("nl.zip", _zip({"a\nb.shp": b"\0" * 100})),
        "error",
        mentions=("nl.zip",),
    )
    control_case(
        "zip-encrypted-flag",
        fam,
        one("enc.zip", _lazy_zip(_shapefile_members, patch=_encrypt_flag)),
        ("error", "ok"),
        figures=ok_fig,
        mentions=("enc.zip",),
    )
    control_case(
        "zip-symlink-member",
        fam,
        one("link.zip", _zip({"control.shp": _symlink_member})),
        "error",
        mentions=("link.zip",),
    )
    control_case(
        "zip-empty-archive",
        fam,
        one("empty.zip", _zip({})),
        "error",
        mentions=("empty.zip",),
    )
    control_case(
        "zip-unknown-method",
        fam,
        one(
            "method.zip",
            _lazy_zip(_shapefile_members, patch=_set_method("control.shp", 99)),
        ),
        "error",
        mentions=("method.zip",),
    )
    control_case(
        "zip-tar-renamed",
        fam,
        one("tar.zip", b"ustar\0" + b"\0" * 1000),
        "error",
        mentions=("tar.zip",),
    )
    control_case(
        "kmz-encrypted-flag",
        fam,
        one("enc.kmz", _zip({"doc.kml": doc}, patch=_encrypt_flag)),
        "error",
        mentions=("enc.kmz",),
    )
    control_case(
        "kmz-unknown-method",
        fam,
        one("method.kmz", _zip({"doc.kml": doc}, patch=_set_method("doc.kml", 99))),
        "error",
        mentions=("method.kmz",),
    )
    control_case(
        "kmz-doc-is-directory-entry",
        fam,
        one("dir.kmz", _zip({"doc.kml/": b""})),
        "error",
        mentions=("dir.kmz",),
    )
    control_case(
        "kmz-two-documents",
        fam,
        one("two.kmz", _zip({"a.kml": doc, "doc.kml": doc})),
        ("ok", "warn"),
        figures=ok_fig,
    )
    control_case(
        "kmz-member-name-300-bytes",
        fam,
        one("long.kmz", _zip({"n" * 300 + ".kml": doc})),
        ("ok", "error"),
        figures=ok_fig,
        mentions=("long.kmz",),
    )
    control_case(
        "kmz-50k-members",
        fam,
        one(
            "many.kmz",
            _zip({**{f"img{k}.png": b"" for k in range(50_000)}, "doc.kml": doc}),
        ),
        ("ok", "error"),
        slow=True,
        figures=ok_fig,
        mentions=("many.kmz",),
    )
    control_case(
        "kmz-symlink-doc",
        fam,
        one("link.kmz", _zip({"doc.kml": _symlink_member})),
        "error",
        mentions=("link.kmz",),
    )
    control_case(
        "kmz-stored-not-deflated",
        fam,
        one("stored.kmz", _zip({"doc.kml": doc}, method=zipfile.ZIP_STORED)),
        ("ok",),
        figures=ok_fig,
    )
    control_case(
        "kmz-lzma",
        fam,
        one("lzma.kmz", _zip({"doc.kml": doc}, method=zipfile.ZIP_LZMA)),
        ("ok", "error"),
        figures=ok_fig,
        mentions=("lzma.kmz",),
    )
    text = dumps(box_fc()).encode()
    control_case(
        "gz-of-gz",
        fam,
        one("double.geojson.gz", gz(gzip.compress(text))),
        "error",
        mentions=("double.geojson.gz",),
    )
    control_case(
        "gz-trailing-garbage",
        fam,
        one("trail.geojson.gz", gzip.compress(text) + b"garbage!"),
        ("ok", "error"),
        figures=ok_fig,
        mentions=("trail.geojson.gz",),
    )
    control_case(
        "gz-concatenated-members",
        fam,
        one("concat.geojson.gz", gzip.compress(text[:40]) + gzip.compress(text[40:])),
        ("ok",),
        figures=ok_fig,
    )
    control_case(
        "gz-truncated",
        fam,
        one("cut.geojson.gz", gzip.compress(text)[:-20]),
        "error",
        mentions=("cut.geojson.gz",),
    )
    control_case(
        "gz-not-gzip",
        fam,
        one("plain.geojson.gz", text),
        ("ok", "error"),
        figures=ok_fig,
        mentions=("plain.geojson.gz",),
    )
    control_case(
        "gz-empty-payload",
        fam,
        one("nothing.geojson.gz", gzip.compress(b"")),
        "error",
        mentions=("nothing.geojson.gz",),
    )
    control_case(
        "gz-kml",
        fam,
        one("doc.kml.gz", gzip.compress(doc)),
        ("ok", "error"),
        figures=ok_fig,
        mentions=("doc.kml.gz",),
    )
    control_case(
        "gz-gpkg",
        fam,
        one("x.gpkg.gz", gzip.compress(b"SQLite format 3\0" + b"\0" * 100)),
        "error",
        mentions=("x.gpkg.gz",),
    )
    control_case(
        "gz-nzz-json",
        fam,
        one("2024-11-21.json.gz", gz(dumps(nzz_doc(nzz_feat(BOX))))),
        ("ok",),
        figures=ok_fig,
    )


def family_crs() -> None:
    fam = "F14 CRS oddities"

    def with_crs(name: str, ring: list[list[float]] | None = None) -> dict[str, Any]:
        return {
            **fc(feat(poly(ring or BOX_RING), status="occupied")),
            "crs": {"type": "name", "properties": {"name": name}},
        }

    control_case(
        "crs-unknown-epsg",
        fam,
        one("u.geojson", with_crs("EPSG:999999")),
        ("error", "warn", "ok"),
        figures=(occupied(BOX_FOUR),),
        mentions=("999999", "u.geojson"),
    )
    control_case(
        "crs-garbage-name",
        fam,
        one("g.geojson", with_crs("not a crs")),
        ("error", "warn", "ok"),
        figures=(occupied(BOX_FOUR, when=("ok",)),),
        mentions=("not a crs", "g.geojson"),
    )
    control_case(
        "crs-urn-4326-lat-lon",
        fam,
        one("urn.geojson", with_crs("urn:ogc:def:crs:EPSG::4326")),
        ("ok", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("urn.geojson",),
    )
    control_case(
        "crs-geocentric-4978",
        fam,
        one("geoc.geojson", with_crs("EPSG:4978")),
        "error",
        mentions=("4978", "geoc.geojson"),
    )
    control_case(
        "crs-3857-with-degrees",
        fam,
        one("deg.geojson", with_crs("EPSG:3857")),
        "error",
        mentions=("deg.geojson", "3857"),
    )
    control_case(
        "crs-utm-37n",
        fam,
        one("utm.geojson", with_crs("EPSG:32637", _utm(BOX_RING))),
        ("ok",),
        figures=(occupied(BOX_FOUR, rel=5e-3),),
    )
    control_case(
        "crs-feet-texas",
        fam,
        one("ft.geojson", with_crs("EPSG:2277", _mercator(BOX_RING))),
        "error",
        mentions=("ft.geojson",),
    )
    control_case(
        "crs-gpkg-undefined-srs",
        fam,
        one("srs.gpkg", gpkg([wkb_polygon(BOX_RING)], srs_id=999_999)),
        ("ok", "warn", "error"),
        figures=(occupied(BOX_FOUR),),
        mentions=("srs.gpkg",),
    )
    control_case(
        "crs-parquet-projjson-vertical",
        fam,
        one(
            "vert.parquet", parquet([wkb_polygon(BOX_RING)], crs=_projjson("EPSG:5773"))
        ),
        "error",
        mentions=("vert.parquet",),
    )
    control_case(
        "crs-parquet-mars",
        fam,
        one(
            "mars.parquet",
            parquet([wkb_polygon(BOX_RING)], crs=_projjson("IAU_2015:49900")),
        ),
        "error",
        mentions=("mars.parquet", "IAU", "Mars"),
    )
    lib_case(
        "crs-gdf-mars",
        fam,
        lambda i: _table(gdf(crs="IAU_2015:49900", status=["occupied"])),
        "error",
        mentions=("IAU", "Mars"),
    )
    lib_case(
        "crs-gdf-moon",
        fam,
        lambda i: _table(gdf(crs="IAU_2015:30100", status=["occupied"])),
        "error",
        mentions=("IAU", "Moon"),
    )
    lib_case(
        "crs-gdf-compound-3d",
        fam,
        lambda i: _table(gdf(crs="EPSG:4979", status=["occupied"])),
        ("ok",),
        figures=(occupied(BOX_FOUR),),
    )
    lib_case(
        "crs-gdf-4326-lat-lon-values",
        fam,
        lambda i: _table(gdf([_swap_xy(_box())], status=["occupied"])),
        "error",
        mentions=("lat", "swap"),
    )
    lib_case(
        "crs-gdf-4326-radians",
        fam,
        lambda i: _table(
            gdf(
                [__import__("shapely").box(0.6458, 0.8203, 0.6632, 0.8378)],
                status=["occupied"],
            )
        ),
        "error",
        mentions=("0.6",),
    )
    lib_case(
        "crs-gdf-pulkovo-geographic",
        fam,
        lambda i: _table(gdf(crs="EPSG:4284", status=["occupied"])),
        ("ok",),
        figures=(occupied(BOX_FOUR, rel=5e-3),),
    )


def _utm(ring: list[list[float]]) -> list[list[float]]:
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
    return [list(t.transform(x, y)) for x, y in ring]


def _projjson(code: str) -> Any:
    from pyproj import CRS

    return json.loads(CRS.from_user_input(code).to_json())


def family_filesystem() -> None:
    fam = "F15 file-system oddities"

    def build_with(make: Callable[[Path], str]) -> Callable[[Path], Inputs]:
        def build(tmp: Path) -> Inputs:
            return {"control": make(tmp)}

        return build

    def gdb_dir(tmp: Path) -> str:
        (tmp / "empty.gdb").mkdir()
        return str(tmp / "empty.gdb")

    def shp_dir(tmp: Path) -> str:
        (tmp / "dir.shp").mkdir()
        return str(tmp / "dir.shp")

    def dangling(tmp: Path) -> str:
        (tmp / "dangling.geojson").symlink_to(tmp / "gone.geojson")
        return str(tmp / "dangling.geojson")

    def loop(tmp: Path) -> str:
        (tmp / "a.geojson").symlink_to(tmp / "b.geojson")
        (tmp / "b.geojson").symlink_to(tmp / "a.geojson")
        return str(tmp / "a.geojson")

    def socket_file(tmp: Path) -> str:
        path = tmp / "s.geojson"
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(str(path))
        finally:
            s.close()
        return str(path)

    def trailing_slash(tmp: Path) -> str:
        _write(tmp / "box.geojson", box_fc())
        return str(tmp / "box.geojson") + "/"

    def through_file(tmp: Path) -> str:
        _write(tmp / "box.geojson", box_fc())
        return str(tmp / "box.geojson" / "inner.geojson")

    def no_suffix(tmp: Path) -> str:
        _write(tmp / "control", box_fc())
        return str(tmp / "control")

    def upper_suffix(tmp: Path) -> str:
        _write(tmp / "BOX.GEOJSON", box_fc())
        return str(tmp / "BOX.GEOJSON")

    def wrong_suffix(tmp: Path) -> str:
        _write(tmp / "box.kml", box_fc())
        return str(tmp / "box.kml")

    def txt_suffix(tmp: Path) -> str:
        _write(tmp / "box.txt", box_fc())
        return str(tmp / "box.txt")

    def dotfile(tmp: Path) -> str:
        _write(tmp / ".geojson", box_fc())
        return str(tmp / ".geojson")

    def newline_name(tmp: Path) -> str:
        _write(tmp / "a\nb.geojson", box_fc())
        return str(tmp / "a\nb.geojson")

    def missing_newline(tmp: Path) -> str:
        return str(tmp / "gone\nerror: fake.geojson")

    def relative_dots(tmp: Path) -> str:
        _write(tmp / "box.geojson", box_fc())
        (tmp / "x").mkdir()
        return str(tmp / "x" / ".." / "box.geojson")

    for key, make, expect, figures, mentions in [
        ("gdb-directory-empty", gdb_dir, ("error",), (), ("empty.gdb",)),
        ("shp-named-directory", shp_dir, ("error",), (), ("dir.shp",)),
        ("dangling-symlink", dangling, ("error",), (), ("dangling.geojson",)),
        ("symlink-loop", loop, ("error",), (), ("a.geojson",)),
        ("unix-socket", socket_file, ("error",), (), ("s.geojson",)),
        (
            "trailing-slash",
            trailing_slash,
            ("error", "ok"),
            (occupied(BOX_FOUR),),
            ("box.geojson",),
        ),
        (
            "path-through-a-file",
            through_file,
            ("error",),
            (),
            ("inner.geojson", "box.geojson"),
        ),
        ("no-suffix", no_suffix, ("ok", "error"), (occupied(BOX_FOUR),), ("control",)),
        ("upper-case-suffix", upper_suffix, ("ok",), (occupied(BOX_FOUR),), ()),
        (
            "geojson-named-kml",
            wrong_suffix,
            ("ok", "error"),
            (occupied(BOX_FOUR),),
            ("box.kml",),
        ),
        (
            "geojson-named-txt",
            txt_suffix,
            ("ok", "error"),
            (occupied(BOX_FOUR),),
            ("box.txt",),
        ),
        (
            "dotfile-geojson",
            dotfile,
            ("ok", "error"),
            (occupied(BOX_FOUR),),
            (".geojson",),
        ),
        ("newline-in-name", newline_name, ("ok",), (occupied(BOX_FOUR),), ()),
        ("missing-with-newline-in-name", missing_newline, ("error",), (), ("gone",)),
        ("dot-dot-segments", relative_dots, ("ok",), (occupied(BOX_FOUR),), ()),
    ]:
        control_case(
            f"fs-{key}",
            fam,
            build_with(make),
            expect,
            figures=figures,
            mentions=mentions,
        )
    control_case(
        "fs-empty-path",
        fam,
        lambda tmp: {"control": ""},
        "error",
        mentions=("''", "'.'"),
    )
    control_case(
        "fs-home-tilde",
        fam,
        lambda tmp: {"control": "~/no-such-frontline.geojson"},
        "error",
        mentions=("no-such-frontline",),
    )
    cli_case(
        "fs-cli-output-in-missing-dir",
        fam,
        lambda i: ["report", i["control"], "-o", i["tmp"] + "/no/dir/out.csv"],
        build=one("box.geojson", box_fc()),
        mentions=("no/dir",),
    )
    cli_case(
        "fs-cli-output-onto-input",
        fam,
        lambda i: ["report", i["control"], "--format", "csv", "-o", i["control"]],
        ("ok", "error"),
        build=one("box.geojson", box_fc()),
    )
    cli_case(
        "fs-cli-map-output-is-dir",
        fam,
        lambda i: ["map", i["control"], "-o", i["tmp"] + "/d.png"],
        build=combine(
            one("box.geojson", box_fc()), lambda tmp: ((tmp / "d.png").mkdir(), {})[1]
        ),
        slow=True,
        mentions=("d.png",),
    )


def family_timeseries_inputs() -> None:
    fam = "F16 time-series inputs"

    def folder(names: dict[str, Content]) -> Callable[[Path], Inputs]:
        def build(tmp: Path) -> Inputs:
            maps = tmp / "maps"
            maps.mkdir()
            for name, content in names.items():
                path = maps / name
                path.parent.mkdir(parents=True, exist_ok=True)
                if content == "DIR":
                    path.mkdir()
                else:
                    _write(path, content)
            return {"folder": str(maps)}

        return build

    def ts(
        key: str, names: dict[str, Content], expect: tuple[str, ...] | str, **extra: Any
    ) -> None:
        expect = (expect,) if isinstance(expect, str) else expect
        lib_case(
            f"ts-{key}",
            fam,
            lambda i: _timeseries(i["folder"]),
            expect,
            build=folder(names),
            argv=lambda i: ["timeseries", i["folder"], "--regions", "four"],
            **extra,
        )

    good = {f"deepstatemap_data_2024110{d}.geojson": UNION for d in (1, 2, 3)}
    ts("ok-three-days", good, ("ok",), check=_series_dates(3))
    ts("empty-folder", {}, "error", mentions=("maps",))
    ts("only-subfolders", {"a": "DIR", "b": "DIR"}, "error", mentions=("maps",))
    ts(
        "only-text-files",
        {"notes.txt": "x", "readme.md": "y"},
        "error",
        mentions=("maps",),
    )
    ts(
        "good-and-garbage-file",
        {**good, "deepstatemap_data_20241104.geojson": b"\0garbage"},
        ("error", "warn"),
        check=_series_dates(3),
        mentions=("20241104",),
    )
    ts(
        "good-and-empty-file",
        {**good, "deepstatemap_data_20241104.geojson": b""},
        ("error", "warn"),
        check=_series_dates(3),
        mentions=("20241104",),
    )
    ts(
        "good-and-no-date",
        {**good, "undated.geojson": box_fc()},
        ("error", "warn"),
        check=_series_dates(3),
        mentions=("undated.geojson",),
    )
    ts(
        "same-date-twice",
        {**good, "sub/deepstatemap_data_20241101.geojson": UNION},
        ("ok", "warn"),
        check=_series_dates(3),
    )
    ts(
        "good-and-world-polygon",
        {
            **good,
            "deepstatemap_data_20241104.geojson": fc(feat(mpoly([WORLD_RING]), {})),
        },
        ("error", "warn"),
        mentions=("20241104",),
    )
    ts(
        "200-empty-files",
        {
            f"deepstatemap_data_2024{m:02d}{d:02d}.geojson": b""
            for m in range(1, 8)
            for d in range(1, 29)
        },
        "error",
        mentions=("deepstatemap_data",),
        slow=True,
    )
    lib_case(
        "ts-duplicated-path",
        fam,
        lambda i: _timeseries([i["a"], i["a"]]),
        ("ok", "warn"),
        build=files(("a", "deepstatemap_data_20241101.geojson", UNION)),
        check=_series_dates(1),
    )
    lib_case(
        "ts-mixed-paths-and-frames",
        fam,
        lambda i: _timeseries([i["a"], box_layer(date="2024-11-05")]),
        ("ok", "warn"),
        build=files(("a", "deepstatemap_data_20241101.geojson", UNION)),
        check=_series_dates(2),
    )
    lib_case(
        "ts-frame-without-date",
        fam,
        lambda i: _timeseries([box_layer()]),
        "error",
        mentions=("date",),
    )
    lib_case(
        "ts-generator-input",
        fam,
        lambda i: _timeseries(x for x in [box_layer(date="2024-11-01")]),
        ("ok",),
        check=_series_dates(1),
    )


def family_round3() -> None:
    """Cases added while fixing the readers (issue 18): the gate's margins,
    one-pass multi-layer reads, large documents, folders."""
    sliver = poly([[64.0, 14.0], [64.05, 14.0], [64.05, 14.05], [64.0, 14.0]])
    big = poly([[35.0, 47.0], [39.0, 47.0], [39.0, 49.0], [35.0, 49.0], [35.0, 47.0]])
    # A real DeepState map of 2023 carries a 527 km² sliver in the Arabian Sea
    # (0.35 % of it): no region holds it; the layer must still be read.
    control_case(
        "fig-ok-far-sliver-beside-a-large-layer",
        "F07 silently wrong figures",
        one(
            "sliver.geojson",
            fc(feat(big, status="occupied"), feat(sliver, status="occupied")),
        ),
        ("ok",),
    )
    control_case(
        "fig-ok-straddling-the-border",
        "F07 silently wrong figures",
        one(
            "straddle.geojson",
            fc(
                feat(
                    poly(
                        [
                            [39.0, 47.5],
                            [40.5, 47.5],
                            [40.5, 48.5],
                            [39.0, 48.5],
                            [39.0, 47.5],
                        ]
                    ),
                    status="occupied",
                )
            ),
        ),
        ("ok",),
    )
    control_case(
        "fig-union-archive-world",
        "F07 silently wrong figures",
        one("deepstatemap_data_20241121.geojson", fc(feat(mpoly([WORLD_RING]), {}))),
        "error",
        mentions=("deepstatemap_data_20241121",),
    )

    def gpkg_layers_mixed_crs(path: Path) -> None:
        import shapely

        for k in range(10):
            frame = gdf(
                [shapely.box(37 + k * 0.1, 47, 37.05 + k * 0.1, 47.5)],
                status=["occupied"],
            )
            if k == 3:
                frame = frame.to_crs("EPSG:3857")
            frame.to_file(path, layer=f"l{k}", driver="GPKG")

    control_case(
        "perf-gpkg-10-layers-mixed-crs",
        "F10 performance as a defence",
        one("mixed.gpkg", gpkg_layers_mixed_crs),
        ("ok",),
        check=_layer_count(10),
    )

    def kml_folders_other_fields(path: Path) -> None:
        body = "".join(
            f"<Folder><name>f{k}</name>"
            + placemark(
                kml_polygon(
                    [
                        [37 + k * 0.1, 47],
                        [37.05 + k * 0.1, 47],
                        [37.05 + k * 0.1, 47.5],
                        [37 + k * 0.1, 47],
                    ]
                ),
                extra=(
                    f'<ExtendedData><Data name="x{k}"><value>{k}</value></Data>'
                    "</ExtendedData>"
                    if k % 2
                    else ""
                ),
            )
            + "</Folder>"
            for k in range(12)
        )
        path.write_text(kml(body))

    control_case(
        "perf-kml-12-folders-other-fields",
        "F10 performance as a defence",
        one("fields.kml", kml_folders_other_fields),
        ("ok", "warn"),
        check=_layer_count(12),
    )

    def parquet_string_geometry(path: Path) -> None:
        import pyarrow as pa

        parquet(
            ["POLYGON ((37 47, 38 47, 38 48, 37 47))"],
            {"status": pa.array(["occupied"])},
            geometry_type=pa.string(),
        )(path)

    control_case(
        "wrap-parquet-geometry-wkt-strings",
        "F03 malformed wrappers and documents",
        one("wkt.parquet", parquet_string_geometry),
        "error",
        mentions=("wkt.parquet",),
    )
    bad_big = lazy(
        lambda: (
            '{"type": "FeatureCollection", "features": ['
            + dumps(feat(BOX, status="occupied", pad="x" * (17 << 20)))
            + ", "
            + dumps(
                feat({"type": "Hexagon", "coordinates": [BOX_RING]}, status="occupied")
            )
            + "]}"
        )
    )
    control_case(
        "wrap-geojson-17mib-bad-geometry",
        "F03 malformed wrappers and documents",
        one("big.geojson", bad_big),
        "error",
        slow=True,
        mentions=("big.geojson",),
        match="Hexagon",
    )

    def folder_with_odd_entries(tmp: Path) -> Inputs:
        maps = tmp / "maps"
        maps.mkdir()
        for d in (1, 2, 3):
            _write(maps / f"deepstatemap_data_2024110{d}.geojson", UNION)
        (maps / "deepstatemap_data_20241104.geojson").symlink_to(tmp / "gone.geojson")
        return {"folder": str(maps)}

    lib_case(
        "ts-dangling-link-in-folder",
        "F16 time-series inputs",
        lambda i: _timeseries(i["folder"]),
        ("warn",),
        build=folder_with_odd_entries,
        argv=lambda i: ["timeseries", i["folder"], "--regions", "four"],
        check=_series_dates(3),
        warn_match="20241104",
    )


def _layer_count(n: int) -> Callable[[Any], str | None]:
    def check(table: Any) -> str | None:
        km2 = float(table.attrs.get("control_russian_held_km2", 0.0))
        return None if km2 > 0 else f"no Russian-held area from the {n} layers"

    return check


def register() -> list[Case]:
    """Build every family once (idempotent)."""
    if not CASES:
        for family in (
            family_rings,
            family_properties,
            family_wrappers,
            family_dates,
            family_cli,
            family_hangs,
            family_figures,
            family_boundaries,
            family_types,
            family_performance,
            family_xml,
            family_encodings,
            family_archives,
            family_crs,
            family_filesystem,
            family_timeseries_inputs,
            family_round3,
        ):
            family()
    return CASES


register()


# ---------------------------------------------------------------------------
# Command line: list, run one case, summarise a report


def summarise(report: dict[str, Any]) -> str:
    lines = []
    families: dict[str, dict[str, int]] = {}
    for row in report.get("runs", []):
        fam = families.setdefault(row["family"], {"runs": 0, "failed": 0})
        fam["runs"] += 1
        fam["failed"] += bool(row["problems"])
    for name in sorted(families):
        f = families[name]
        lines.append(f"{name}: {f['runs'] - f['failed']}/{f['runs']} runs pass")
    return "\n".join(lines)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["_child"]:
        _child(argv[1], argv[2])
        return 0
    if argv[:1] == ["list"]:
        for case in CASES:
            mode = "isolate" if case.isolate else "slow" if case.slow else "default"
            print(f"{case.family[:3]}  {mode:8}  {case.id}")
        print(f"{len(CASES)} cases", file=sys.stderr)
        return 0
    if argv[:1] == ["summary"]:
        print(summarise(json.loads(Path(argv[1]).read_text())))
        return 0
    if argv[:1] == ["run"]:
        case = by_id(argv[1])
        tmp = Path(tempfile.mkdtemp(prefix="frontline-case-"))
        try:
            inputs = build_inputs(case, tmp)
            if case.lib is not None:
                res = run_library_subprocess(case, inputs, tmp)
                print(
                    "library:",
                    res.outcome,
                    res.exc_type,
                    _elide(res.message, inputs)[:300],
                )
                print("  problems:", judge_library(case, res, inputs) or "none")
            if case.argv is not None:
                cli, args = run_cli_subprocess(case, inputs, tmp)
                print(
                    "cli:",
                    cli.code,
                    f"{cli.elapsed:.1f} s",
                    _elide(cli.stderr, inputs)[-400:],
                )
                print("  problems:", judge_cli(case, cli, inputs, args) or "none")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            cleanup_external()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
