"""The gallery notebooks: stripped, and they run top to bottom without error.

Each notebook is executed in a fresh ``python3`` kernel (this interpreter, see
jupyter_client's kernel spec), with the notebooks folder as working directory:
once without the validation data (``FRONTLINE_SHARED`` points at an empty
folder: the embedded sample only) and once on ../shared when it is present.
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
    "02_year_of_change.ipynb": (1, 5),
    "03_ceasefire_scenarios.ipynb": (2, 2),
}
#: Printed when a notebook falls back to the embedded sample.
NO_DATA = "not found, so the notebook uses the embedded sample"


def _execute_all(shared: Path) -> dict[str, object]:
    """Run every notebook with FRONTLINE_SHARED=shared; notebook or exception."""
    env = {**os.environ, "FRONTLINE_SHARED": str(shared)}
    books = {name: nbformat.read(NOTEBOOKS / name, as_version=4) for name in NAMES}
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
        for name, result in zip(NAMES, results, strict=True)
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


@pytest.fixture(scope="module")
def on_sample(tmp_path_factory):
    """The notebooks executed without validation data (an empty shared folder)."""
    return _execute_all(tmp_path_factory.mktemp("no-shared"))


@pytest.fixture(scope="module")
def on_shared():
    """The notebooks executed on ../shared (skipped when it is absent)."""
    shared_file("control", "deepstate_occupied_union")
    shared_file("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    return _execute_all(SHARED)


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
    assert "ILLUSTRATIVE" in text
    assert _figures(nb) == FIGURES[name][0]
    if name.startswith("02"):
        # no invented series: one date, and every change section says it skips
        assert "1 snapshot(s): 2024-11-20" in text
        assert "Monthly changes need at least two dates: skipped." in text
        assert text.count("Skipped: this needs control maps of several dates") == 5


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
        # the verdict on DeepState's map of 20 Nov 2024 (tests/test_claims.py)
        assert "2024-11-20 | DeepState daily union archive" in text
        assert "Russian-held share <b>76.8%</b>" in text  # the one-line verdict
        assert "76.82" in text  # its table
        assert "Minregion 2020" in text
    if name.startswith("02"):
        assert "13 snapshot(s)" in text
