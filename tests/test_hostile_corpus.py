"""Run the generated hostile corpus (tests/hostile_corpus.py) against the promise.

Default run (fast, about a third of the corpus): a deterministic sample of
the cases that cannot hang or exhaust memory — in every family, the
:data:`SAMPLE_FRACTION` of its cases whose ids hash lowest (crc32; at least
:data:`SAMPLE_MIN` per family, all of a smaller family) — each through the
library and through ``frontline.cli.main`` in this process. The same cases
run every time and on every machine; a new case joins the sample or not by
its id alone. ``FRONTLINE_HOSTILE_SAMPLE=1`` (or any fraction) changes the
share; ``make fuzz`` runs them all.

``FRONTLINE_FUZZ=1`` (``make fuzz``, run by CI): every default case, and also
the ``isolate``/``slow`` cases (FIFOs, /dev/zero,
sparse gigabyte files, decompression bombs, 100,000 features, a closed stdout,
unreadable files), each in a subprocess bounded to 10 s and 1 GiB of address
space. ``FRONTLINE_FUZZ=all`` runs every CLI case in such a subprocess.

``FRONTLINE_HOSTILE_REPORT=path.json`` writes a compact summary of every run
(per family, and each failing run with its problems); print it with
``python tests/hostile_corpus.py summary path.json``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest


def _load_corpus() -> Any:
    name = "hostile_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("hostile_corpus.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


hc = _load_corpus()

FUZZ = os.environ.get("FRONTLINE_FUZZ", "").strip().lower()
REPORT = os.environ.get("FRONTLINE_HOSTILE_REPORT")


def _fuzz_mark() -> Any:
    """``pytest.mark.fuzz`` once the marker is registered in pyproject.toml."""
    try:
        import tomllib

        config = tomllib.loads(
            (Path(__file__).parents[1] / "pyproject.toml").read_text()
        )
        markers = config["tool"]["pytest"]["ini_options"].get("markers", [])
    except Exception:
        return ()
    if any(str(m).split(":")[0].strip() == "fuzz" for m in markers):
        return (pytest.mark.fuzz,)
    return ()


FUZZ_MARKS = _fuzz_mark()
needs_fuzz = pytest.mark.skipif(
    not FUZZ, reason="subprocess-bounded hostile cases: set FRONTLINE_FUZZ=1"
)

RUNS: list[dict[str, Any]] = []


def _record(
    case: Any, mode: str, outcome: str, problems: list[str], **detail: Any
) -> None:
    RUNS.append(
        {
            "id": case.id,
            "family": case.family,
            "mode": mode,
            "expect": list(case.expect),
            "outcome": outcome,
            "problems": problems,
            **detail,
        }
    )


@pytest.fixture(scope="module", autouse=True)
def _hostile_report() -> Any:
    start = time.perf_counter()
    yield
    hc.cleanup_external()
    if not REPORT:
        return
    families: dict[str, dict[str, Any]] = {}
    by_case: dict[str, bool] = {}
    for run in RUNS:
        by_case[run["id"]] = by_case.get(run["id"], True) and not run["problems"]
    for case in hc.CASES:
        fam = families.setdefault(
            case.family, {"cases": 0, "run": 0, "passed": 0, "failed": 0, "not_run": 0}
        )
        fam["cases"] += 1
        if case.id not in by_case:
            fam["not_run"] += 1
        else:
            fam["run"] += 1
            fam["passed" if by_case[case.id] else "failed"] += 1
    failing = [r for r in RUNS if r["problems"]]
    report = {
        "fuzz": FUZZ or "0",
        "seconds": round(time.perf_counter() - start, 1),
        "cases": len(hc.CASES),
        "runs_total": len(RUNS),
        "runs_failed": len(failing),
        "families": dict(sorted(families.items())),
        "failures": failing,
        "runs": [
            {k: r[k] for k in ("id", "family", "mode", "outcome", "problems")}
            for r in RUNS
        ],
    }
    Path(REPORT).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")


def _ids(cases: list[Any]) -> list[str]:
    return [c.id for c in cases]


#: Cases that still fail (issue 18, being fixed family by family): expected
#: to fail, strictly — a case that starts passing must leave the list.
KNOWN = {
    line.strip()
    for line in Path(__file__)
    .with_name("hostile_known_failures.txt")
    .read_text()
    .splitlines()
    if line.strip() and not line.startswith("#")
}


def _known(case: Any) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason="known failure (issue 18)")]
    return pytest.param(case, marks=marks) if case.id in KNOWN else case


#: Share of each family's cases in the default run, and the least taken.
SAMPLE_FRACTION = float(os.environ.get("FRONTLINE_HOSTILE_SAMPLE", "0.3"))
SAMPLE_MIN = 4


def _sample(cases: list[Any]) -> list[Any]:
    """The deterministic sample of the default run (see the module docstring)."""
    if FUZZ or SAMPLE_FRACTION >= 1:
        return cases
    families: dict[str, list[Any]] = {}
    for case in cases:
        families.setdefault(case.family, []).append(case)
    chosen: set[str] = set()
    for members in families.values():
        ranked = sorted(members, key=lambda c: (zlib.crc32(c.id.encode()), c.id))
        take = max(SAMPLE_MIN, math.ceil(SAMPLE_FRACTION * len(ranked)))
        chosen.update(c.id for c in ranked[:take])
    return [c for c in cases if c.id in chosen]


DEFAULT = _sample([c for c in hc.CASES if not c.fuzz_only])
LIB_SUB = [c for c in hc.CASES if c.lib is not None and c.fuzz_only]
CLI_SUB = [c for c in hc.CASES if c.argv is not None and (c.fuzz_only or FUZZ == "all")]


def _fail(case: Any, problems: list[str]) -> None:
    if problems:
        note = f" [{case.note}]" if case.note else ""
        pytest.fail(
            f"{case.id} ({case.family}){note}:\n  - " + "\n  - ".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("case", [_known(c) for c in DEFAULT], ids=_ids(DEFAULT))
def test_hostile(case: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library call, then the CLI (in this process), on the same inputs."""
    problems: list[str] = []
    if case.lib is not None:
        inputs = hc.build_inputs(case, tmp_path / "lib")
        res = hc.run_library(case, inputs)
        found = hc.judge_library(case, res, inputs)
        _record(
            case,
            "library",
            res.outcome,
            found,
            exc_type=res.exc_type,
            message=hc._elide(res.message, inputs)[:300],
            warnings=[hc._elide(w, inputs)[:200] for w in res.warnings[:3]],
            seconds=round(res.elapsed, 3),
        )
        problems += found
    if case.argv is not None:
        inputs = hc.build_inputs(case, tmp_path / "cli")
        monkeypatch.chdir(inputs["tmp"])
        monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(tmp_path / "_cache"))
        argv = hc.cli_argv(case, inputs)
        cli = hc.run_cli_inprocess(argv)
        found = hc.judge_cli(case, cli, inputs, argv)
        _record(
            case,
            "cli",
            hc.cli_outcome(cli),
            found,
            exit=cli.code,
            stderr=hc._elide(cli.stderr, inputs)[-300:],
            seconds=round(cli.elapsed, 3),
        )
        problems += found
    _fail(case, problems)


@needs_fuzz
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=[*FUZZ_MARKS, *_known(c).marks])
        if c.id in KNOWN
        else pytest.param(c, marks=FUZZ_MARKS)
        for c in LIB_SUB
    ],
    ids=_ids(LIB_SUB),
)
def test_library_subprocess(case: Any, tmp_path: Path) -> None:
    inputs = hc.build_inputs(case, tmp_path)
    res = hc.run_library_subprocess(case, inputs, tmp_path)
    problems = hc.judge_library(case, res, inputs)
    if res.maxrss_mb > hc.MAX_BYTES / 2**20:
        problems.append(f"peak RSS {res.maxrss_mb:,.0f} MiB")
    _record(
        case,
        "library-subprocess",
        res.outcome,
        problems,
        exc_type=res.exc_type,
        message=hc._elide(res.message, inputs)[:300],
        seconds=round(res.elapsed, 2),
        maxrss_mb=round(res.maxrss_mb),
    )
    _fail(case, problems)


@needs_fuzz
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=[*FUZZ_MARKS, *_known(c).marks])
        if c.id in KNOWN
        else pytest.param(c, marks=FUZZ_MARKS)
        for c in CLI_SUB
    ],
    ids=_ids(CLI_SUB),
)
def test_cli_subprocess(case: Any, tmp_path: Path) -> None:
    inputs = hc.build_inputs(case, tmp_path)
    res, argv = hc.run_cli_subprocess(case, inputs, tmp_path)
    problems = hc.judge_cli(case, res, inputs, argv)
    _record(
        case,
        "cli-subprocess",
        hc.cli_outcome(res),
        problems,
        exit=res.code,
        stderr=hc._elide(res.stderr, inputs)[-300:],
        seconds=round(res.elapsed, 2),
    )
    _fail(case, problems)


def test_corpus_covers_every_family_of_issue_18() -> None:
    families = {c.family[:3] for c in hc.CASES}
    assert {f"F{n:02d}" for n in range(1, 17)} <= families
    assert len(hc.CASES) >= 400
    assert len({c.id for c in hc.CASES}) == len(hc.CASES)


def test_default_sample_covers_every_family() -> None:
    every = {c.family for c in hc.CASES if not c.fuzz_only}
    assert {c.family for c in DEFAULT} == every
    # Deterministic: the same ids on every run.
    assert [c.id for c in _sample(hc.CASES)] == [c.id for c in _sample(hc.CASES)]


def test_corpus_cases_are_well_formed() -> None:
    for case in hc.CASES:
        assert case.lib is not None or case.argv is not None, case.id
        assert set(case.expect) <= set(hc.OUTCOMES), case.id
        if case.figures:
            assert set(case.expect) & {"ok", "warn"}, case.id
    # Dataclass fields survive the JSON trip to a subprocess.
    fields = {f.name for f in dataclasses.fields(hc.LibResult)}
    assert {"outcome", "message", "warnings"} <= fields
