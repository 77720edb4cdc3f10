"""The gallery notebooks: stripped, and they run top to bottom without error.

Each notebook is executed in a fresh ``python3`` kernel (this interpreter, see
jupyter_client's kernel spec), with the notebooks folder as working directory:
once without the validation data (``FRONTLINE_SHARED`` points at an empty
folder: the embedded sample and the series generated from it) and once on
../shared when it is present,
both offline (the archive's address is a closed local port); notebook 01
once more "online", against the local imitation of the union archive
(tests/fake_services.py).
The three notebooks of one run execute concurrently. A cell error fails the
notebook's test (nbclient's ``CellExecutionError``, with the cell and the
traceback). The module skips when the Jupyter packages (nbformat, nbclient,
ipykernel) are not installed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from .conftest import SHARED, shared_file
from .fake_services import FakeServices

# Slow (executes the notebooks): make test runs it, a bare pytest does not.
pytestmark = pytest.mark.slow

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = [
    "01_reuters_claim.ipynb",
    "02_year_of_change.ipynb",
    "03_ceasefire_scenarios.ipynb",
]
#: Seconds a cell may run, and the kernel may take to start.
CELL_TIMEOUT = 120
#: Figures each notebook draws: without the validation data, and with it.
FIGURES = {
    "01_reuters_claim.ipynb": (2, 2),
    "02_year_of_change.ipynb": (5, 5),
    "03_ceasefire_scenarios.ipynb": (2, 2),
}
#: Printed when a notebook falls back to the embedded sample.
NO_DATA = "not found, so the notebook uses the embedded sample"


#: Where notebook 01 fetches from when no local server stands in: a closed
#: port on the loopback interface, so that the runs are offline even on a
#: machine with a network (the notebook then falls back, as offline).
OFFLINE = {
    "FRONTLINE_DEEPSTATE_UNION_URL": "http://127.0.0.1:9/offline",
    "FRONTLINE_DEEPSTATE_API_URL": "http://127.0.0.1:9/offline",
}


def _execute_all(
    shared: Path,
    cache: Path,
    names: list[str] = NAMES,
    services: dict[str, str] = OFFLINE,
) -> dict[str, object]:
    """Run notebooks with FRONTLINE_SHARED=shared; notebook or exception."""
    env = {
        **os.environ,
        "FRONTLINE_SHARED": str(shared),
        "FRONTLINE_CACHE_DIR": str(cache),
        **services,
    }
    books = {name: nbformat.read(NOTEBOOKS / name, as_version=4) for name in names}
    clients = [
        nbclient.NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            startup_timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        for nb in books.values()
    ]

    async def run() -> list[object]:
        jobs = [client.async_execute(env=env) for client in clients]
        return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(run())
    return {
        name: result if isinstance(result, BaseException) else books[name]
        for name, result in zip(names, results, strict=True)
    }


def _result(runs: dict[str, object], name: str) -> nbformat.NotebookNode:
    result = runs[name]
    if isinstance(result, BaseException):
        raise result
    return result


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [
        out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    ]


def _text(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed or displayed as text or HTML."""
    parts = []
    for out in _outputs(nb):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts += [out.data.get("text/plain", ""), out.data.get("text/html", "")]
    return "\n".join(parts)


def _figures(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for out in _outputs(nb))


def _first_line(nb: nbformat.NotebookNode) -> str:
    """The notebook's first line of output."""
    return next(
        out.text for out in _outputs(nb) if out.output_type == "stream"
    ).splitlines()[0]


@pytest.fixture(scope="module")
def on_sample(tmp_path_factory):
    """The notebooks executed without validation data (an empty shared folder)."""
    return _execute_all(
        tmp_path_factory.mktemp("no-shared"), tmp_path_factory.mktemp("cache")
    )


@pytest.fixture(scope="module")
def on_shared(tmp_path_factory):
    """The notebooks executed on ../shared (skipped when it is absent)."""
    shared_file("control", "deepstate_occupied_union")
    shared_file("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    return _execute_all(SHARED, tmp_path_factory.mktemp("cache"))


@pytest.mark.shared
def test_notebook_01_fetches_when_online(tmp_path):
    """Online (the local imitation of the archive): fetched, not ../shared."""
    with FakeServices() as services:
        runs = _execute_all(
            tmp_path / "no-shared",
            tmp_path / "cache",
            ["01_reuters_claim.ipynb"],
            services.environ,
        )
        nb = _result(runs, "01_reuters_claim.ipynb")
        assert (
            services.count(services.pinned_path("deepstatemap_data_20241121.geojson"))
            == 1
        )
    assert _first_line(nb) == (
        "data: fetched deepstate-union:2024-11-20 "
        "(deepstatemap_data_20241121.geojson, into the cache)"
    )
    text = _text(nb)
    assert "Russian-held share <b>76.8%</b>" in text
    assert "76.82" in text
    assert "ILLUSTRATIVE" not in text


def test_the_gallery_is_complete():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] for cell in code)
    assert all(cell.execution_count is None for cell in code)
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_embedded_sample(on_sample, name):
    nb = _result(on_sample, name)
    text = _text(nb)
    assert NO_DATA in text
    if name.startswith("01"):
        assert _first_line(nb).startswith(
            "data: validation data not found, so the notebook uses the embedded "
            "sample (ILLUSTRATIVE; not fetched: cannot connect to 127.0.0.1"
        )
    assert "ILLUSTRATIVE" in text
    assert _figures(nb) == FIGURES[name][0]
    assert "Traceback" not in text and "Skipped" not in text
    assert _first_line(nb).startswith(
        "data: validation data not found, so the notebook uses the embedded sample"
    )
    if name.startswith("02"):
        # the series generated from the sample, said to be generated
        assert "ILLUSTRATIVE series generated from it" in text
        assert "13 snapshot(s): 2023-11-20, 2023-12-20 … 2024-11-20" in text
    # The map first; no data-finding helper in the notebook itself.
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "def " not in first.source
    assert any("image/png" in o.get("data", {}) for o in first.outputs)


@pytest.mark.shared
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_shared_data(on_shared, name):
    nb = _result(on_shared, name)
    text = _text(nb)
    assert NO_DATA not in text
    assert "ILLUSTRATIVE" not in text
    assert "is not here" not in text
    assert _figures(nb) == FIGURES[name][1]
    if name.startswith("01"):
        assert _first_line(nb).startswith(
            "data: ../shared validation data, control/deepstate_occupied_union/"
            "deepstatemap_data_20241121.geojson (not fetched: cannot connect"
        )
        # the verdict on DeepState's map of 20 Nov 2024 (tests/test_claims.py)
        assert "2024-11-20 | DeepState daily union archive" in text
        assert "Russian-held share <b>76.8%</b>" in text  # the one-line verdict
        assert "76.82" in text  # its table
        assert "Minregion 2020" in text
    assert _first_line(nb).startswith("data: ../shared validation data, ")
    if name.startswith("02"):
        assert "13 snapshot(s)" in text
        assert "13 monthly files (not fetched: cannot connect" in text
