"""The built documentation shows its figures (run by ``make docs``).

``make docs`` builds the site (executing the notebooks and the code cells of
the plotting page on the embedded sample and the generated series), then runs
this module with ``FRONTLINE_BUILT_DOCS`` pointing at it. The build's own
``_count_images`` check (``docs/conf.py``) fails a ``-W`` build for the same
reasons; this test counts again, in the HTML as published. Without
``FRONTLINE_BUILT_DOCS`` (the default test run) the module is skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

BUILT = os.environ.get("FRONTLINE_BUILT_DOCS")
pytestmark = pytest.mark.skipif(
    not BUILT, reason="set FRONTLINE_BUILT_DOCS to a built site (make docs does)"
)

PLOTS = (
    "plot_control",
    "plot_map",
    "plot_change_map",
    "plot_shares",
    "plot_timeseries",
    "plot_changes",
)
#: Figures each page must show, at least.
EXPECTED = {
    "index.html": 1,
    "gallery.html": 0,
    "notebooks/01_reuters_claim.html": 2,
    "notebooks/02_year_of_change.html": 5,
    "notebooks/03_ceasefire_scenarios.html": 2,
    "plotting.html": 7,
    "tolerance.html": 1,  # the before/after figure, drawn from synthetic shapes
    **{f"generated/frontline.{name}.html": 1 for name in PLOTS},
}


def figures(page: Path) -> list[str]:
    """The sources of a page's images, without the theme's icons."""
    html = page.read_text(encoding="utf-8")
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", html)
    return [src for src in sources if "_static/" not in src]


@pytest.mark.parametrize(("page", "least"), EXPECTED.items())
def test_page_shows_its_figures(page, least):
    path = Path(BUILT) / page
    assert path.is_file(), f"{page} was not built"
    found = figures(path)
    assert len(found) >= least, found
    for src in found:  # each image exists and is a real picture
        image = (path.parent / src).resolve()
        assert image.is_file(), src
        assert image.stat().st_size > 5_000, src


def test_the_site_has_figures_and_no_shared_data():
    root = Path(BUILT)
    total = sum(len(figures(p)) for p in root.rglob("*.html"))
    assert total >= sum(EXPECTED.values())
    text = "\n".join(
        (root / page).read_text(encoding="utf-8")
        for page in EXPECTED
        if page.startswith("notebooks/")
    )
    # Executed on the sample and the generated series, never on ../shared.
    assert "not found, so the notebook uses the embedded sample" in text
    assert "from ../shared" not in text and "downloaded:" not in text
