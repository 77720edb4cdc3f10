"""Self-contained HTML maps: vendored Leaflet, offline notices, title, legend.

The browser tests open the pages in headless Chromium from ``file://`` with the
network cut (see ``tests/browser.py``) and read the DOM after the scripts ran
and a screenshot. They are skipped where no Chromium is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from frontline import _webassets as wa
from frontline.errors import OptionError

from .browser import parse_dom, render

folium = pytest.importorskip("folium")
gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")

VENDOR = files("frontline") / "data" / "vendor"
TITLE = "Control of Donetsk & Luhansk, 20 Nov 2024"
LEGEND = [
    wa.LegendItem("Russian-held since 24 Feb 2022", "#EE8866"),
    wa.LegendItem("Russian-held before 24 Feb 2022", "#882255"),
    wa.LegendItem("Contested (grey zone)", "#DDDDDD", "hatch"),
    wa.LegendItem("Liberated (retaken by Ukraine)", "#77AADD"),
    wa.LegendItem("Ukrainian-held", "#F4F1EA"),
    wa.LegendItem("Front line", "#111111", "line"),
]
STATUS_FILL = {
    "occupied": "#EE8866",
    "occupied_before_2022": "#882255",
    "liberated": "#77AADD",
}
# Written into the DOM after load, so that the dump carries the layout.
MEASURE_JS = """<script>
window.addEventListener("load", function () {
  var out = {};
  [".frontline-legend", ".frontline-caption", ".frontline-heading",
   ".frontline-notice-tiles",
   ".leaflet-control-scale", ".leaflet-control-attribution",
   ".leaflet-control-layers", ".leaflet-control-zoom"].forEach(function (s) {
    var el = document.querySelector(s);
    if (el) { var r = el.getBoundingClientRect();
      out[s] = [r.left, r.top, r.right, r.bottom]; }
  });
  var pre = document.createElement("pre");
  pre.id = "layout"; pre.style.display = "none";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


# ------------------------------------------------------------------ the map


def _map(*, measure: bool = True) -> folium.Map:
    """Three control polygons, two outlined 'regions', a front line; like explore."""
    crs = "EPSG:4326"
    control = gpd.GeoDataFrame(
        {
            "status": ["occupied", "occupied_before_2022", "liberated"],
            "label": ["Russian-held", "Russian-held before 2022", "Liberated"],
        },
        geometry=[
            shapely.box(37.0, 47.0, 38.0, 48.0),
            shapely.box(38.0, 47.5, 39.5, 48.5),
            shapely.box(36.0, 47.0, 37.0, 47.8),
        ],
        crs=crs,
    )
    regions = gpd.GeoDataFrame(
        {"name": ["Donetsk", "Luhansk"], "share": ["55 %", "98 %"]},
        geometry=[
            shapely.box(36.0, 46.9, 38.5, 49.3),
            shapely.box(38.5, 47.8, 40.2, 50.1),
        ],
        crs=crs,
    )
    front = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(37.0, 46.9), (37.0, 48.0), (38.0, 48.0), (38.0, 49.0)])
        ],
        crs=crs,
    )
    m = folium.Map(tiles="OpenStreetMap", control_scale=True)
    control.explore(
        m=m,
        column="status",
        categories=list(STATUS_FILL),
        cmap=list(STATUS_FILL.values()),
        legend=False,
        tooltip=["label"],
        style_kwds={"fillOpacity": 0.75, "weight": 0},
        highlight=False,
        name="Control",
    )
    front.explore(
        m=m, color="#111111", style_kwds={"weight": 2}, tooltip=False, name="Front line"
    )
    regions.explore(
        m=m,
        color="#3C3C3C",
        style_kwds={"fillOpacity": 0.0, "weight": 1.5, "className": wa.HOVER_CLASS},
        highlight=False,
        tooltip=["name", "share"],
        popup=["name", "share"],
        name="Regions",
    )
    m.fit_bounds([[46.9, 36.0], [50.1, 40.2]])
    folium.LayerControl(collapsed=True).add_to(m)
    root = m.get_root()
    root.header.add_child(folium.Element(wa.offline_notice_html() + wa.hover_css()))
    root.html.add_child(
        folium.Element(
            wa.heading_html(TITLE, subtitle="ILLUSTRATIVE test map")
            + wa.legend_html(LEGEND, title="Control", note="65–66 %: range of sources")
            + wa.caption_html(
                ["Control: synthetic boxes", "Boundaries: none", "frontline"]
            )
            + (MEASURE_JS if measure else "")
        )
    )
    return m


@pytest.fixture(scope="module")
def cdn_page() -> str:
    """The page as folium writes it (CDN links), with notice, title and boxes."""
    return wa.set_title(_map().get_root().render(), TITLE)


@pytest.fixture(scope="module")
def self_contained(cdn_page: str) -> str:
    return wa.inline_assets(cdn_page)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, cdn_page, self_contained):
    """Both pages opened in headless Chromium, offline."""
    out = tmp_path_factory.mktemp("browser")
    pages = {"self_contained": self_contained, "cdn": cdn_page}
    result = {}
    for name, text in pages.items():
        path = out / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        result[name] = render(path, out)
    keep = os.environ.get("FRONTLINE_ARTIFACTS")  # e.g. a CI artefact folder
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for r in result.values():
            shutil.copy(r.screenshot, Path(keep) / r.screenshot.name)
    return result


def _colours(png: Path):
    """(unique RGB colours, pixel array) of a screenshot."""
    import numpy as np
    from PIL import Image

    with Image.open(png) as im:
        rgb = np.asarray(im.convert("RGB"))
    return np.unique(rgb.reshape(-1, 3), axis=0), rgb


def _blend(hex_colour: str, alpha: float, background=(221, 221, 221)):
    """Leaflet's fill over the plain grey map background (#ddd)."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return [
        round(alpha * c + (1 - alpha) * b) for c, b in zip(rgb, background, strict=True)
    ]


def _has_colour(pixels, rgb, tol: int = 2) -> int:
    import numpy as np

    return int((np.abs(pixels.astype(int) - rgb).max(axis=-1) <= tol).sum())


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------- browser tests


@pytest.mark.slow
def test_self_contained_map_renders_offline(rendered):
    result = rendered["self_contained"]
    doc = parse_dom(result.dom)

    # Leaflet ran: a map container with SVG paths, one per feature.
    assert doc.find_all("div", cls="leaflet-container")
    paths = doc.find_all("path", cls="leaflet-interactive")
    fills = [p.attrs.get("fill") for p in paths]
    assert sorted(f for f in fills if f in STATUS_FILL.values()) == sorted(
        STATUS_FILL.values()
    )
    assert [p.attrs["stroke-opacity"] for p in paths if "frontline-hover" in p.classes]
    assert len(doc.find_all("path", cls=wa.HOVER_CLASS)) == 2  # the regions
    assert sum(p.attrs.get("fill") == "none" for p in paths) == 1  # the line
    assert len(paths) == 6

    # Title, heading, legend, caption, layer control.
    (title,) = doc.find_all("title")
    assert title.text == TITLE
    assert TITLE in doc.find_all(cls="frontline-heading")[0].text
    (legend,) = doc.find_all(cls="frontline-legend")
    for item in LEGEND:
        assert item.label in legend.text
    assert "Control: synthetic boxes" in doc.find_all(cls="frontline-caption")[0].text
    assert doc.find_all(cls="leaflet-control-layers")

    # The boxes were moved into Leaflet's corners, stacked with its controls.
    corner = legend.ancestors()[0]
    assert {"leaflet-bottom", "leaflet-left"} <= corner.classes
    assert "leaflet-control" in legend.classes
    assert "frontline-floating" not in legend.classes
    layout = json.loads(doc.find_all("pre")[-1].text)
    boxes = [
        ".frontline-legend",
        ".frontline-caption",
        ".frontline-heading",
        ".frontline-notice-tiles",
    ]
    controls = [k for k in layout if k.startswith(".leaflet-control")]
    assert len(controls) == 4, layout
    for box in boxes:
        for other in boxes + controls:
            if other != box:
                assert not _overlap(layout[box], layout[other]), (box, other, layout)

    # No "Leaflet did not load"; the tiles (network cut) are reported instead,
    # above the caption.
    assert not doc.find_all(cls="frontline-notice-leaflet")
    assert "did not load" not in doc.text
    (tiles,) = doc.find_all(cls="frontline-notice-tiles")
    assert "base map could not be loaded" in tiles.text
    assert {"leaflet-bottom", "leaflet-right"} <= tiles.ancestors()[0].classes

    # The screenshot shows the polygons in their colours, not a blank page.
    colours, pixels = _colours(result.screenshot)
    assert len(colours) > 50
    for fill in STATUS_FILL.values():
        assert _has_colour(pixels, _blend(fill, 0.75)) > 1000, fill


def test_cdn_page_offline_says_leaflet_did_not_load(rendered):
    doc = parse_dom(rendered["cdn"].dom)
    assert not doc.find_all("path", cls="leaflet-interactive")
    (notice,) = doc.find_all(cls="frontline-notice-leaflet")
    assert "Leaflet" in notice.text and "did not load" in notice.text
    # The legend still shows, floating where it would sit on the map.
    (legend,) = doc.find_all(cls="frontline-legend")
    assert "frontline-floating" in legend.classes
    colours, _ = _colours(rendered["cdn"].screenshot)
    assert len(colours) > 10


# ------------------------------------------------------------ inline_assets


def test_cdn_page_links_folium_defaults(cdn_page):
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9" in cdn_page
    assert "code.jquery.com" in cdn_page


def test_inline_assets_leaves_no_external_script_or_stylesheet(self_contained):
    assert not re.search(r"<script[^>]*\bsrc=", self_contained)
    assert not re.search(r"<link[^>]*stylesheet", self_contained)
    assert self_contained.count("Leaflet 1.9.4") == 2  # script banner, css banner
    assert "jquery" not in self_contained.lower()
    assert wa.inline_assets(self_contained) == self_contained  # idempotent


def test_inline_assets_inlines_leaflet_once():
    link = "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js"
    page = f'<head><script src="{link}"></script><script src="{link}"></script></head>'
    out = wa.inline_assets(page)
    assert out.count("<script>") == 1
    assert out.startswith("<head><script>/* @preserve")


@pytest.mark.parametrize(
    ("tag", "match"),
    [
        (
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js">'
            "</script>",
            r"links 'https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js'.*"
            r"d3 comes from a branca colour bar",
        ),
        (
            '<script src="https://code.jquery.com/ui/1.12.1/jquery-ui.js"></script>',
            r"jQuery UI comes from GeoDataFrame\.explore\(legend=True\)",
        ),
        (
            '<link rel="stylesheet" href="https://example.org/plugin.css"/>',
            "which frontline does not vendor",
        ),
        ('<script src="local.js"></script>', "links 'local.js'"),
    ],
)
def test_inline_assets_rejects_unknown_assets(tag, match):
    with pytest.raises(OptionError, match=match):
        wa.inline_assets(f"<html><head>{tag}</head></html>")


def test_inline_assets_rejects_use_of_dropped_library():
    m = folium.Map()
    folium.Marker([48, 37], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(OptionError, match=r"uses Leaflet\.awesome-markers"):
        wa.inline_assets(m.get_root().render())


def test_inline_assets_keeps_data_uris_and_other_links():
    page = (
        '<script src="data:text/javascript,1"></script>'
        '<link rel="icon" href="https://example.org/favicon.ico">'
    )
    assert wa.inline_assets(page) == page


# ----------------------------------------------------------- vendored files


def test_vendored_files_match_licenses_md():
    text = (VENDOR / "LICENSES.md").read_text(encoding="utf-8")
    rows = re.findall(r"\| `([^`]+)` \| [\d,]+ \| `([0-9a-f]{64})` \|", text)
    assert {name for name, _ in rows} == {
        "leaflet.js",
        "leaflet.css",
        "leaflet.LICENSE.txt",
    }
    for name, sha256 in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha256
    assert "BSD-2-Clause" in text and "1.9.4" in text


def test_vendored_css_has_no_relative_image_for_controls():
    css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    assert "url(images/layers" not in css
    assert css.count("url(data:image/png;base64,") == 2


# ------------------------------------------------------------ other pieces


def test_set_title_replaces_or_adds():
    page = "<html><head><meta charset='utf-8'></head><body></body></html>"
    once = wa.set_title(page, "A <b> map")
    assert "<meta charset='utf-8'><title>A &lt;b&gt; map</title>" in once
    assert wa.set_title(once, "B").count("<title>") == 1
    assert "<title>B</title>" in wa.set_title(once, "B")


def test_offline_notice_escapes_messages():
    snippet = wa.offline_notice_html(leaflet_message='</script><b>"x"')
    assert "</script><b>" not in snippet
    assert r"\u003c/script\u003e\u003cb\u003e\"x\"" in snippet


def test_legend_swatches():
    box = wa.legend_html(
        [("a", "#EE8866"), ("b", "#DDDDDD", "hatch"), ("c <i>", "#111", "line")]
    )
    assert "background:#EE8866" in box
    assert "repeating-linear-gradient" in box
    assert "border-top-color:#111" in box
    assert "c &lt;i&gt;" in box


def test_caption_escapes_unless_asked():
    assert "&lt;b&gt;" in wa.caption_html(["<b>x</b>"])
    assert "<b>x</b>" in wa.caption_html("<b>x</b>", escape=False)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: wa.set_title("<p>no head</p>", "t"), "the page has no <head>"),
        (lambda: wa.hover_css(class_name="a b"), "plain CSS class name"),
        (lambda: wa.hover_css(weight=0), "positive width"),
        (lambda: wa.legend_html([]), "at least one item"),
        (lambda: wa.legend_html([("a", "#fff")], position="top"), "position must be"),
        (lambda: wa.caption_html("a", position="left"), "position must be"),
        (lambda: wa.legend_html([("a", "#fff", "dots")]), "kind must be one of"),
        (lambda: wa.legend_html([("a", "red;x:y")]), "must be a CSS colour"),
        (lambda: wa.legend_html([("a", "#fff", "fill", "1px")]), "edge must be"),
    ],
)
def test_errors(call, match):
    with pytest.raises(OptionError, match=match):
        call()
