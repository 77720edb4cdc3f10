"""The web map as ``frontline map -o map.html`` writes it, opened offline.

Headless Chromium (``tests/browser.py``) opens the page from a ``file://`` URL
with the network cut, runs its scripts, and gives back the DOM and a
screenshot: the self-contained page (the default) must draw the polygons,
legend, heading, caption and title; the ``--cdn`` page must say that Leaflet
did not load. Skipped where no Chromium is installed (a failure under
``FRONTLINE_REQUIRE_BROWSER=1``, as in CI). Also: table captions wrap within a
narrow output area (Jupyter).
"""

from __future__ import annotations

import json
import re

import pytest

import frontline as fl
from frontline.cli import main
from frontline.plot import HELD_COLOR, STATUS_COLORS

from .browser import parse_dom, render

# Slow (a headless browser): make test runs it, a bare pytest does not.
pytestmark = pytest.mark.slow

pytest.importorskip("folium")
pytest.importorskip("mapclassify")

TITLE = (
    "Territorial control: Donetsk, Luhansk, Zaporizhzhia and Kherson, 20 November 2024"
)
CREDIT = "Analysis: A. Reporter"
#: Written into the DOM after load, so that the dump carries the layout.
MEASURE_JS = """<script>
window.addEventListener("load", function () {
  var out = {};
  [".frontline-legend", ".frontline-caption", ".frontline-heading",
   ".frontline-notice-tiles", ".leaflet-control-scale",
   ".leaflet-control-attribution", ".leaflet-control-layers",
   ".leaflet-control-zoom"].forEach(function (s) {
    var el = document.querySelector(s);
    if (el) { var r = el.getBoundingClientRect();
      out[s] = [r.left, r.top, r.right, r.bottom]; }
  });
  out.width = document.documentElement.clientWidth;
  var pre = document.createElement("pre");
  pre.id = "layout"; pre.style.display = "none";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _write_map(tmp_path, name, *extra):
    out = tmp_path / name
    code = main(["-q", "map", "-o", str(out), "--regions", "four", *extra])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The CLI's self-contained and CDN pages, and both opened in Chromium."""
    tmp = tmp_path_factory.mktemp("html-map")
    written = {
        "self_contained": _write_map(tmp, "map.html", "--credit", CREDIT),
        "cdn": _write_map(tmp, "cdn.html", "--credit", CREDIT, "--cdn"),
    }
    rendered = {}
    for name, path in written.items():
        text = path.read_text(encoding="utf-8")
        measured = tmp / f"{name}-measured.html"
        measured.write_text(text.replace("</body>", MEASURE_JS + "</body>"), "utf-8")
        rendered[name] = render(measured, tmp / "out")
    return written, rendered


def _blend(colour: str, alpha: float, under: tuple[float, ...]) -> list[float]:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return [alpha * c + (1 - alpha) * b for c, b in zip(rgb, under, strict=True)]


def _pixels_near(png, rgb, tol: int = 3) -> int:
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    target = np.round(rgb).astype(int)
    return int((np.abs(pixels - target).max(axis=-1) <= tol).sum())


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_self_contained_page_has_no_external_script(pages):
    written, _ = pages
    page = written["self_contained"].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*stylesheet", page)
    assert f"<title>{TITLE}</title>" in page
    cdn = written["cdn"].read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/leaflet@1.9" in cdn
    assert len(page) < 600_000  # the four regions, Leaflet inlined


def test_self_contained_map_renders_offline(pages):
    _, rendered = pages
    result = rendered["self_contained"]
    doc = parse_dom(result.dom)

    # Leaflet ran: the statuses, Ukrainian-held land, the four regions.
    assert doc.find_all("div", cls="leaflet-container")
    fills = [p.attrs.get("fill", "").upper() for p in doc.find_all("path")]
    for status in ("occupied", "occupied_before_2022"):
        assert STATUS_COLORS[status] in fills
    assert HELD_COLOR in fills
    assert len(doc.find_all("path", cls="frontline-hover")) == 4

    # Title, heading, legend, caption.
    (title,) = doc.find_all("title")
    assert title.text == TITLE
    assert doc.find_all(cls="frontline-heading")[0].text == TITLE
    (legend,) = doc.find_all(cls="frontline-legend")
    for label in (
        "Russian-held since 24 Feb 2022",
        "Russian-held before 24 Feb 2022",
        "Ukrainian-held",
        "Front line",
    ):
        assert label in legend.text
    (caption,) = doc.find_all(cls="frontline-caption")
    assert CREDIT in caption.text and "ILLUSTRATIVE" in caption.text
    assert "Made with frontline." in caption.text

    # Nothing covers anything: boxes in Leaflet's corners, stacked.
    layout = json.loads(doc.find_all("pre")[-1].text)
    boxes = [k for k in layout if k.startswith(".frontline")]
    controls = [k for k in layout if k.startswith(".leaflet-control")]
    assert len(boxes) == 4 and len(controls) == 4, layout
    for box in boxes:
        for other in boxes + controls:
            if other != box:
                assert not _overlap(layout[box], layout[other]), (box, other)

    # Offline: no "Leaflet did not load", but the tiles are said to be missing.
    assert not doc.find_all(cls="frontline-notice-leaflet")
    assert doc.find_all(cls="frontline-notice-tiles")

    # The screenshot shows the colours: Russian-held over Ukrainian-held land
    # over Leaflet's grey background.
    held = _blend(HELD_COLOR, 0.7, (221, 221, 221))
    for status in ("occupied", "occupied_before_2022"):
        colour = _blend(STATUS_COLORS[status], 0.75, held)
        assert _pixels_near(result.screenshot, colour) > 2000, status
    assert _pixels_near(result.screenshot, held) > 2000


def test_cdn_page_offline_says_leaflet_did_not_load(pages):
    _, rendered = pages
    doc = parse_dom(rendered["cdn"].dom)
    assert not doc.find_all("path", cls="leaflet-interactive")
    (notice,) = doc.find_all(cls="frontline-notice-leaflet")
    assert "did not load" in notice.text
    assert CREDIT in doc.find_all(cls="frontline-caption")[0].text


#: A front end's stylesheet that keeps table text on one line (as notebook
#: front ends do for cells): a ``<caption>`` then widens the table to its
#: whole length (3,916 px here), past the output area.
NOWRAP_CSS = (
    "<style>.out table, .out caption, .out td, .out th, .out p "
    "{white-space: nowrap} .out table {table-layout: fixed}</style>"
)


def test_table_caption_wraps_in_a_narrow_output_area(tmp_path):
    table = fl.control_table(fl.load_sample(), "four")
    table.attrs["source"] = "a source with a long name " * 12
    page = tmp_path / "table.html"
    page.write_text(
        f"<html><head>{NOWRAP_CSS}</head><body style='margin:0'>"
        "<div class='out' style='width:360px;overflow:auto'>"
        + table[["region_id", "name"]]._repr_html_()
        + "</div>"
        + MEASURE_JS.replace(
            '".leaflet-control-zoom"', '".leaflet-control-zoom", ".frontline-caption"'
        )
        + "</body></html>",
        encoding="utf-8",
    )
    result = render(page, tmp_path / "out", size=(600, 400))
    layout = json.loads(parse_dom(result.dom).find_all("pre")[-1].text)
    left, _, right, _ = layout[".frontline-caption"]
    assert right - left <= 360
