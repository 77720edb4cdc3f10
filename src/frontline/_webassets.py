"""HTML pieces for the interactive (folium/Leaflet) map, independent of the data.

* :func:`inline_assets` makes a folium page self-contained: Leaflet's script and
  stylesheet are inlined from the copy vendored in ``frontline/data/vendor/``
  (built by ``data/vendor/build_vendor.py``); the assets folium links but such
  a map does not use (jQuery, Bootstrap, glyphicons, Font Awesome,
  Leaflet.awesome-markers) are dropped; any other external script or
  stylesheet is an error.
* :func:`offline_notice_html` shows a message when Leaflet did not load (a page
  that links the CDN, opened offline) and when the base-map tiles cannot load.
* :func:`set_title`, :func:`hover_css`, :func:`legend_html`,
  :func:`caption_html` and :func:`heading_html`: the page title, an outline-only
  hover style, and boxes placed in Leaflet's own control corners so that they
  stack with the scale bar and the attribution instead of covering them
  (legend above the scale bar at the bottom left, caption above the
  attribution at the bottom right, heading at the top centre).

Every function takes and returns strings; add the pieces to a folium map with
``m.get_root().header.add_child(folium.Element(...))`` (notice, CSS) or
``m.get_root().html.add_child(folium.Element(...))`` (boxes), then call
:func:`inline_assets` / :func:`set_title` on ``m.get_root().render()``.
"""

from __future__ import annotations

import hashlib
import html as _html
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, get_args

from frontline.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "LegendItem",
    "caption_html",
    "heading_html",
    "hover_css",
    "inline_assets",
    "legend_html",
    "offline_notice_html",
    "set_title",
]

log = logging.getLogger(__name__)

_VENDOR = files("frontline") / "data" / "vendor"

Kind = Literal["script", "stylesheet"]
Corner = Literal["topleft", "topright", "bottomleft", "bottomright"]
SwatchKind = Literal["fill", "hatch", "line"]
_CORNERS: Final = get_args(Corner)
_SWATCH_KINDS: Final = get_args(SwatchKind)


@dataclass(frozen=True)
class _Asset:
    """A URL pattern folium may emit and what to do with it."""

    name: str
    kind: Kind
    url: re.Pattern[str]
    #: Vendored file inlined in its place; None means the asset is dropped.
    file: str | None = None
    #: For a dropped asset: a pattern that, found in the page, means it is used.
    used_if: re.Pattern[str] | None = None


_LEAFLET_CDN = (
    r"https?://(?:cdn\.jsdelivr\.net/npm/leaflet@|unpkg\.com/leaflet@)"
    r"1\.9\.\d+/dist/leaflet"
)
_ASSETS: Final[tuple[_Asset, ...]] = (
    # Inlined: any Leaflet 1.9.x link gets the vendored 1.9.4 (bug-fix release).
    _Asset("leaflet", "script", re.compile(_LEAFLET_CDN + r"\.js$"), "leaflet.js"),
    _Asset(
        "leaflet", "stylesheet", re.compile(_LEAFLET_CDN + r"\.css$"), "leaflet.css"
    ),
    # Dropped: folium's defaults for markers and icons.
    _Asset(
        "jQuery",
        "script",
        re.compile(r"https?://code\.jquery\.com/jquery-3\.\d+\.\d+(?:\.min)?\.js$"),
        used_if=re.compile(r"\bjQuery\b|\$\("),
    ),
    _Asset(
        "Bootstrap",
        "script",
        re.compile(r"https?://cdn\.jsdelivr\.net/npm/bootstrap@5\.[\d.]+/dist/js/"),
        used_if=re.compile(r"\bbootstrap\.\w"),
    ),
    _Asset(
        "Bootstrap",
        "stylesheet",
        re.compile(r"https?://cdn\.jsdelivr\.net/npm/bootstrap@5\.[\d.]+/dist/css/"),
    ),
    _Asset(
        "Bootstrap glyphicons",
        "stylesheet",
        re.compile(r"https?://netdna\.bootstrapcdn\.com/bootstrap/3\.[\d.]+/css/"),
        used_if=re.compile(r"\bglyphicon-"),
    ),
    _Asset(
        "Font Awesome",
        "stylesheet",
        re.compile(r"https?://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@"),
        used_if=re.compile(r"""["'\s]fa-[a-z]"""),
    ),
    _Asset(
        "Leaflet.awesome-markers",
        "script",
        re.compile(
            r"https?://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/"
        ),
        used_if=re.compile(r"\bL\.AwesomeMarkers\b"),
    ),
    _Asset(
        "Leaflet.awesome-markers",
        "stylesheet",
        re.compile(
            r"https?://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/"
        ),
    ),
    _Asset(
        "folium awesome-rotate",
        "stylesheet",
        re.compile(r"https?://cdn\.jsdelivr\.net/gh/python-visualization/folium/"),
    ),
)

#: Where an unknown link usually comes from (part of the URL, explanation).
_HINTS: Final = (
    (
        "jquery-ui",
        "jQuery UI comes from GeoDataFrame.explore(legend=True) with categories "
        "(a draggable legend); pass legend=False and add legend_html(). ",
    ),
    (
        "/d3/",
        "d3 comes from a branca colour bar (GeoDataFrame.explore(legend=True) on "
        "numbers); pass legend=False and add legend_html(). ",
    ),
)

_EXTERNAL_TAG = re.compile(
    r"<script\b(?P<script>[^>]*\bsrc\s*=[^>]*)>\s*</script\s*>"
    r"|<link\b(?P<link>[^>]*)/?>",
    re.IGNORECASE,
)
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(?P<body>.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


@cache
def _vendored(name: str) -> str:
    return (_VENDOR / name).read_text(encoding="utf-8")


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): _html.unescape(
            next(g for g in m.groups()[1:] if g is not None)
        )
        for m in _ATTR.finditer(text)
    }


def _classify(kind: Kind, url: str) -> _Asset | None:
    return next(
        (a for a in _ASSETS if a.kind == kind and a.url.search(url) is not None), None
    )


def inline_assets(html: str) -> str:
    """Make a folium page self-contained: inline Leaflet, drop unused assets.

    Each ``<script src=…>`` and ``<link rel="stylesheet" href=…>`` that folium
    emits is replaced: Leaflet 1.9's script and stylesheet by the vendored
    Leaflet 1.9.4 (``<script>…</script>``, ``<style>…</style>``, once each),
    jQuery, Bootstrap, glyphicons, Font Awesome and Leaflet.awesome-markers by
    nothing (a map of polygons, lines, tooltips, popups, a layer control, a
    scale bar and HTML boxes does not use them).

    Parameters
    ----------
    html : str
        A whole page, e.g. ``m.get_root().render()``.

    Returns
    -------
    str
        The page with no external script or stylesheet left.

    Raises
    ------
    OptionError
        If an external script or stylesheet is not one of the above (a folium
        plugin, branca's colour bar or draggable legend…), or if the page uses
        a dropped library (``L.AwesomeMarkers``, ``$(…)``, ``fa-`` icons …).

    Examples
    --------
    >>> page = (
    ...     '<html><head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/'
    ...     'dist/leaflet.js"></script></head><body></body></html>'
    ... )
    >>> out = inline_assets(page)
    >>> "<script src" in out, "Leaflet 1.9.4" in out
    (False, True)
    >>> inline_assets('<script src="https://example.org/x.js"></script>')
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: cannot make the map self-contained: ...
    """
    inlined: set[str] = set()
    dropped: list[_Asset] = []
    unknown: list[str] = []

    def replace(kind: Kind, url: str, tag: str) -> str:
        if url.startswith("data:"):
            return tag
        asset = _classify(kind, url)
        if asset is None:
            unknown.append(url)
            return tag
        if asset.file is None:
            dropped.append(asset)
            log.debug("dropped unused %s %s", kind, url)
            return ""
        if asset.file in inlined:
            return ""
        inlined.add(asset.file)
        log.debug("inlined %s for %s", asset.file, url)
        text = _vendored(asset.file)
        tag_name = "script" if kind == "script" else "style"
        return f"<{tag_name}>{text}</{tag_name}>"

    def tag(m: re.Match[str]) -> str:
        if m["script"] is not None:
            return replace("script", _attrs(m["script"]).get("src", ""), m.group(0))
        attrs = _attrs(m["link"])
        if "stylesheet" not in attrs.get("rel", "").lower().split():
            return m.group(0)
        return replace("stylesheet", attrs.get("href", ""), m.group(0))

    # One pass over the page as given, so inlined text is never re-scanned.
    out = _EXTERNAL_TAG.sub(tag, html)
    if unknown:
        hints = [h for pattern, h in _HINTS if any(pattern in u for u in unknown)]
        raise OptionError(
            "cannot make the map self-contained: it links "
            + ", ".join(repr(u) for u in dict.fromkeys(unknown))
            + ", which frontline does not vendor (only Leaflet 1.9 is inlined; "
            "jQuery, Bootstrap, Font Awesome and awesome-markers are dropped). "
            + "".join(hints)
            + "Leave out the plugin or legend that adds it, or save the map "
            "without the self-contained option"
        )
    # Look for uses in the page as given (the inlined Leaflet is minified code).
    scripts = "\n".join(m["body"] for m in _INLINE_SCRIPT.finditer(html))
    for asset in dict.fromkeys(dropped):
        if asset.used_if is None:
            continue
        where = scripts if asset.kind == "script" else html
        hit = asset.used_if.search(where)
        if hit is not None:
            raise OptionError(
                f"cannot make the map self-contained: it uses {asset.name} "
                f"({hit.group(0)!r} in the page), which frontline does not vendor. "
                "Use plain polygons, lines and circle markers, or save the map "
                "without the self-contained option"
            )
    return out


# ------------------------------------------------------------------ notices

_NOTICE_CSS: Final = """
.frontline-notice{box-sizing:border-box;border-radius:4px;color:#1a1a1a;
font:13px/1.4 sans-serif;padding:8px 12px;box-shadow:0 1px 5px rgba(0,0,0,.4)}
.frontline-notice-fixed{position:fixed;z-index:10000;left:50%;
transform:translateX(-50%);max-width:min(90vw,36em)}
.frontline-notice-leaflet{top:30%;background:#fff;border:2px solid #882255;
font-size:15px;padding:14px 18px}
.frontline-notice-tiles{background:#fff8e1;border:1px solid #c9a227;
font-size:12px;padding:5px 8px;max-width:min(45vw,24em)}
.frontline-notice-tiles.frontline-notice-fixed{top:10px}
"""

_NOTICE_JS: Final = """
(function () {
  var LEAFLET = %(leaflet)s, TILES = %(tiles)s, tileLoads = 0;
  function show(id, cls, text, corner) {
    if (document.getElementById(id)) return;
    var el = document.createElement("div");
    el.id = id;
    el.className = "frontline-notice " + cls;
    el.setAttribute("role", "alert");
    el.textContent = text;
    // Inside a Leaflet corner it stacks with the controls, covering none.
    var map = corner && document.querySelector(".leaflet-container");
    var box = map && map.querySelector(".leaflet-control-container " + corner);
    if (box) {
      el.className += " leaflet-control";
      box.insertBefore(el, box.firstChild);
    } else {
      el.className += " frontline-notice-fixed";
      (document.body || document.documentElement).appendChild(el);
    }
  }
  function isTile(t) {
    return t && t.tagName === "IMG" && t.classList.contains("leaflet-tile");
  }
  // Tile images fire "error"/"load" on themselves; catch them while capturing.
  document.addEventListener("error", function (e) {
    if (isTile(e.target) && tileLoads === 0)
      show("frontline-notice-tiles", "frontline-notice-tiles", TILES,
           ".leaflet-bottom.leaflet-right");
  }, true);
  document.addEventListener("load", function (e) {
    if (!isTile(e.target)) return;
    tileLoads += 1;
    var el = document.getElementById("frontline-notice-tiles");
    if (el) el.parentNode.removeChild(el);
  }, true);
  window.addEventListener("load", function () {
    if (typeof window.L === "undefined")
      show("frontline-notice-leaflet", "frontline-notice-leaflet", LEAFLET);
  });
})();
"""

_LEAFLET_MISSING: Final = (
    "This map could not be drawn: its JavaScript library (Leaflet) did not load, "
    "probably because there is no internet connection. Open the page online, "
    "or save the map as a self-contained file."
)
_TILES_MISSING: Final = (
    "The base map could not be loaded (offline?). The data layers are shown "
    "on a plain background."
)


def offline_notice_html(
    *, leaflet_message: str = _LEAFLET_MISSING, tiles_message: str = _TILES_MISSING
) -> str:
    """Build a style and script that say when the map cannot load.

    The script, which needs no library, shows a box in the middle of the page
    with *leaflet_message* if Leaflet is missing once the page has loaded (a
    CDN-linking page opened offline), and a small box with *tiles_message*
    when base-map tiles fail and none loaded (removed again as soon as one
    loads), stacked above the caption and attribution at the bottom right.
    Put it in the page's ``<head>``, before the map's own script, so that it
    sees the first tiles.

    Parameters
    ----------
    leaflet_message : str
        Text shown when Leaflet did not load.
    tiles_message : str
        Text shown when the base-map tiles cannot be loaded.

    Returns
    -------
    str
        HTML (``<style>`` and ``<script>``).

    Examples
    --------
    >>> snippet = offline_notice_html()
    >>> "frontline-notice-leaflet" in snippet and "<script>" in snippet
    True
    """
    js = _NOTICE_JS % {
        "leaflet": _js_string(leaflet_message),
        "tiles": _js_string(tiles_message),
    }
    return f"<style>{_NOTICE_CSS}</style>\n<script>{js}</script>\n"


def _js_string(text: str) -> str:
    """*text* as a JavaScript string literal that is safe inside ``<script>``."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return f'"{escaped}"'


# -------------------------------------------------------------------- title

_TITLE = re.compile(r"<title\b[^>]*>.*?</title\s*>", re.IGNORECASE | re.DOTALL)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"<meta\b[^>]*charset[^>]*>", re.IGNORECASE)


def set_title(html: str, title: str) -> str:
    """Set the page's ``<title>`` (replaced if there is one, else added).

    Parameters
    ----------
    html : str
        A whole page with a ``<head>``.
    title : str
        Plain text; it is HTML-escaped.

    Returns
    -------
    str
        The page with exactly one ``<title>``.

    Raises
    ------
    OptionError
        If the page has no ``<head>``.

    Examples
    --------
    >>> set_title("<html><head></head><body></body></html>", "Donetsk & Luhansk")
    '<html><head><title>Donetsk &amp; Luhansk</title></head><body></body></html>'
    """
    tag = f"<title>{_html.escape(title, quote=False)}</title>"
    if _TITLE.search(html):
        return _TITLE.sub(lambda _: tag, html, count=1)
    anchor = _CHARSET.search(html) or _HEAD.search(html)
    if anchor is None:
        raise OptionError(
            f"cannot set the title {title!r}: the page has no <head> "
            "(expected a whole HTML page, such as m.get_root().render())"
        )
    return html[: anchor.end()] + tag + html[anchor.end() :]


# -------------------------------------------------------------------- hover

#: ``className`` to give a layer's paths (``style_kwds={"className": ...}``).
HOVER_CLASS: Final = "frontline-hover"


def hover_css(*, class_name: str = HOVER_CLASS, weight: float = 3) -> str:
    """CSS that thickens the outline of hovered paths and changes nothing else.

    Give the layer's paths the class (``GeoDataFrame.explore(...,
    style_kwds={"className": class_name}, highlight=False)``); with
    ``highlight=False`` geopandas adds no mouse-over restyling, whose default
    ``fillOpacity: 0.75`` is what fills an outline-only layer in dark grey.

    Parameters
    ----------
    class_name : str, default "frontline-hover"
        Class of the paths that react.
    weight : float, default 3
        Outline width in pixels while hovered.

    Returns
    -------
    str
        A ``<style>`` element.

    Raises
    ------
    OptionError
        If *class_name* is not a plain CSS class name or *weight* not positive.

    Examples
    --------
    >>> print(hover_css(weight=2.5))
    <style>.leaflet-container path.frontline-hover:hover{stroke-width:2.5px}</style>
    """
    if not re.fullmatch(r"[A-Za-z_][\w-]*", class_name):
        raise OptionError(
            f"class_name must be a plain CSS class name such as 'frontline-hover', "
            f"got {class_name!r}"
        )
    if not weight > 0:
        raise OptionError(f"weight must be a positive width in pixels, got {weight!r}")
    return (
        f"<style>.leaflet-container path.{class_name}:hover"
        f"{{stroke-width:{weight:g}px}}</style>"
    )


# ------------------------------------------------------------------- boxes

_BOX_CSS: Final = """<style>
.frontline-box{background:rgba(255,255,255,.9);padding:6px 8px;border-radius:4px;
box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.35 sans-serif;color:#1a1a1a;
box-sizing:border-box}
.frontline-box.frontline-floating{position:fixed;z-index:1000;margin:10px}
.frontline-floating.frontline-bottomleft{bottom:30px;left:0}
.frontline-floating.frontline-bottomright{bottom:20px;right:0}
.frontline-floating.frontline-topleft{top:80px;left:0}
.frontline-floating.frontline-topright{top:50px;right:0}
.frontline-legend-title{font-weight:bold;margin-bottom:3px}
.frontline-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.frontline-swatch{flex:none;display:inline-block;width:18px;height:12px;
box-sizing:border-box}
.frontline-swatch-line{height:0;border-top-style:solid}
.frontline-legend-note{margin-top:4px;color:#555;max-width:22em}
.frontline-caption{font-size:11px;max-width:min(45vw,30em)}
.frontline-heading{position:fixed;z-index:1000;top:10px;left:50%;
transform:translateX(-50%);max-width:calc(100% - 140px);text-align:center;
pointer-events:none}
.frontline-heading .frontline-heading-title{font-size:16px;font-weight:bold}
</style>"""

# Moves the box into the matching corner of the first Leaflet map once the
# map's script has run, so that Leaflet stacks it with its own controls (scale
# bar, attribution, layer control) instead of letting them overlap. Without
# Leaflet the box stays where frontline-floating puts it.
_PLACE_JS: Final = """<script>(function () {
  var el = document.getElementById(%(id)s);
  function place() {
    var map = document.querySelector(".leaflet-container");
    var corner = map && map.querySelector(
      ".leaflet-control-container " + %(corner)s);
    if (!el || !corner) return;
    el.classList.remove("frontline-floating");
    el.classList.add("leaflet-control");
    if (%(bottom)s) corner.insertBefore(el, corner.firstChild);
    else corner.appendChild(el);
    if (window.L && L.DomEvent) {
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
    }
  }
  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", place);
  else place();
})();</script>"""


def _check_corner(position: str) -> None:
    if position not in _CORNERS:
        raise OptionError(
            f"position must be one of {', '.join(_CORNERS)}; got {position!r}"
        )


def _corner_box(inner: str, *, position: Corner, css_class: str) -> str:
    _check_corner(position)
    # Derived from the content, so that the same map renders the same page.
    digest = hashlib.sha256(f"{position}\0{css_class}\0{inner}".encode()).hexdigest()
    box_id = f"frontline-box-{digest[:12]}"
    corner = "." + ".".join(f"leaflet-{p}" for p in _split_corner(position))
    script = _PLACE_JS % {
        "id": _js_string(box_id),
        "corner": _js_string(corner),
        "bottom": "true" if position.startswith("bottom") else "false",
    }
    return (
        f'{_BOX_CSS}<div id="{box_id}" class="frontline-box {css_class} '
        f'frontline-floating frontline-{position}">{inner}</div>{script}'
    )


def _split_corner(position: str) -> tuple[str, str]:
    vertical = "top" if position.startswith("top") else "bottom"
    return vertical, position[len(vertical) :]


class LegendItem(NamedTuple):
    """One legend row: a swatch and its label.

    ``kind`` is ``"fill"`` (a filled box), ``"hatch"`` (a box hatched in
    ``edge``, as the grey zone is drawn) or ``"line"`` (a line of width
    ``width`` px, for the front line). ``edge`` is the box outline (default: a
    darker grey); plain text labels are HTML-escaped.
    """

    label: str
    color: str
    kind: SwatchKind = "fill"
    edge: str | None = None
    width: float = 2


_COLOR = re.compile(
    r"#[0-9A-Fa-f]{3,4}|#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{8}|[A-Za-z]+"
    r"|rgba?\(\s*[\d.%\s,/]+\)"
)


def _color(value: str, what: str) -> str:
    if not isinstance(value, str) or not _COLOR.fullmatch(value.strip()):
        raise OptionError(
            f"{what} must be a CSS colour such as '#EE8866' or 'grey', got {value!r}"
        )
    return value.strip()


def _swatch(item: LegendItem) -> str:
    if item.kind not in _SWATCH_KINDS:
        raise OptionError(
            f"legend item {item.label!r}: kind must be one of "
            f"{', '.join(_SWATCH_KINDS)}; got {item.kind!r}"
        )
    color = _color(item.color, f"legend item {item.label!r}: color")
    edge = _color(item.edge or "#8C8C8C", f"legend item {item.label!r}: edge")
    if item.kind == "line":
        style = f"border-top-width:{item.width:g}px;border-top-color:{color}"
        return (
            '<span class="frontline-swatch frontline-swatch-line" '
            f'style="{style}"></span>'
        )
    if item.kind == "hatch":
        fill = (
            f"background:repeating-linear-gradient(135deg,{edge} 0 1px,{color} 1px 4px)"
        )
    else:
        fill = f"background:{color}"
    style = f"{fill};border:1px solid {edge}"
    return f'<span class="frontline-swatch" style="{style}"></span>'


def legend_html(
    items: Iterable[LegendItem | tuple[str, str] | tuple[str, str, str]],
    *,
    title: str | None = None,
    note: str | None = None,
    position: Corner = "bottomleft",
) -> str:
    """Build a legend box, one swatch per row, stacked with Leaflet's controls.

    At the default bottom left it sits just above the scale bar (Leaflet
    stacks the controls of a corner); pair it with :func:`caption_html` at the
    bottom right, above the attribution. If Leaflet did not load, the box is
    fixed at the same place of the window.

    Parameters
    ----------
    items : iterable of LegendItem or tuple
        ``(label, color)``, ``(label, color, kind)`` or :class:`LegendItem`.
    title : str, optional
        Bold first line.
    note : str, optional
        Small grey text under the rows (e.g. what a range means).
    position : {"bottomleft", "bottomright", "topleft", "topright"}
        Leaflet control corner.

    Returns
    -------
    str
        HTML (``<style>``, ``<div>``, ``<script>``); all text is escaped.

    Raises
    ------
    OptionError
        For an unknown *position* or swatch kind, a value that is not a CSS
        colour, or no item.

    Examples
    --------
    >>> box = legend_html(
    ...     [("Russian-held", "#EE8866"), ("Front line", "#111111", "line")],
    ...     title="Control",
    ... )
    >>> "Front line" in box and "frontline-swatch-line" in box
    True
    >>> legend_html([])
    Traceback (most recent call last):
    ...
    frontline.errors.OptionError: legend_html needs at least one item, got none
    """
    rows = [LegendItem(*item) for item in items]
    if not rows:
        raise OptionError("legend_html needs at least one item, got none")
    parts = []
    if title:
        parts.append(f'<div class="frontline-legend-title">{_html.escape(title)}</div>')
    parts += [
        f'<div class="frontline-legend-row">{_swatch(r)}'
        f"<span>{_html.escape(r.label)}</span></div>"
        for r in rows
    ]
    if note:
        parts.append(f'<div class="frontline-legend-note">{_html.escape(note)}</div>')
    return _corner_box("".join(parts), position=position, css_class="frontline-legend")


def caption_html(
    lines: Sequence[str] | str,
    *,
    position: Corner = "bottomright",
    escape: bool = True,
) -> str:
    """Build a small caption box (sources, credits) stacked with Leaflet's controls.

    At the default bottom right it sits just above the attribution line and
    leaves the scale bar (bottom left) free.

    Parameters
    ----------
    lines : str or sequence of str
        The lines, one ``<br>`` apart.
    position : {"bottomright", "bottomleft", "topleft", "topright"}
        Leaflet control corner.
    escape : bool, default True
        HTML-escape the lines; pass False for trusted markup such as ``<b>``.

    Returns
    -------
    str
        HTML (``<style>``, ``<div>``, ``<script>``).

    Raises
    ------
    OptionError
        For an unknown *position*.

    Examples
    --------
    >>> "Control: DeepState" in caption_html(["Control: DeepState", "frontline"])
    True
    """
    seq = [lines] if isinstance(lines, str) else list(lines)
    text = "<br>".join(_html.escape(s) if escape else s for s in seq)
    return _corner_box(text, position=position, css_class="frontline-caption")


def heading_html(title: str, *, subtitle: str | None = None) -> str:
    """Build a title (and subtitle) centred at the top of the map, over the tiles.

    Parameters
    ----------
    title : str
        The heading; escaped.
    subtitle : str, optional
        A smaller second line (e.g. the date); escaped.

    Returns
    -------
    str
        HTML (``<style>`` and ``<div>``).

    Examples
    --------
    >>> "Zaporizhzhia" in heading_html("Zaporizhzhia", subtitle="20 Nov 2024")
    True
    """
    sub = f"<div>{_html.escape(subtitle)}</div>" if subtitle else ""
    return (
        f'{_BOX_CSS}<div class="frontline-box frontline-heading">'
        f'<div class="frontline-heading-title">{_html.escape(title)}</div>{sub}</div>'
    )
