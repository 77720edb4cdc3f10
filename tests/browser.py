"""Open a local HTML page in headless Chromium without network; get DOM and screenshot.

A test helper, not a test module. Standard library only: Chromium runs once
with ``--dump-dom`` (the DOM after the page's scripts ran, within a virtual-time
budget) and ``--screenshot``; no DevTools client is needed.

The browser is ``$FRONTLINE_CHROMIUM`` or the first of ``chromium``,
``chromium-browser``, ``google-chrome`` … on the PATH (Debian: ``apt-get
install chromium``). Without one, :func:`chromium_or_skip` skips the test,
unless ``FRONTLINE_REQUIRE_BROWSER=1`` (set it in CI) makes that a failure.

The network is cut three ways: every host name resolves to nothing
(``--host-resolver-rules``), every request goes to a proxy on a closed local
port, and background/component/sync traffic is off. The page is opened from a
``file://`` URL with a fresh profile.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "NO_NETWORK_FLAGS",
    "Node",
    "Rendered",
    "chromium_or_skip",
    "find_chromium",
    "parse_dom",
    "render",
]

BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)

#: Flags for a headless, sandbox-less run that cannot reach any network.
NO_NETWORK_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers; the page is our own file
    "--disable-gpu",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",  # discard port: connection refused
    "--proxy-bypass-list=<-loopback>",  # ... for localhost too
)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    env = os.environ.get("FRONTLINE_CHROMIUM")
    if env:
        return env
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path is not None:
            return path
    return None


def chromium_or_skip() -> str:
    """Path of Chromium, or skip the test (fail under FRONTLINE_REQUIRE_BROWSER=1)."""
    path = find_chromium()
    if path is None:
        msg = (
            "no headless browser: install Debian's chromium "
            "(apt-get install -y chromium) or set FRONTLINE_CHROMIUM"
        )
        if os.environ.get("FRONTLINE_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@dataclass(frozen=True)
class Rendered:
    """What the browser produced for one page."""

    dom: str
    screenshot: Path
    seconds: float
    stderr: str


def render(
    page: Path,
    out_dir: Path,
    *,
    browser: str | None = None,
    size: tuple[int, int] = (1000, 700),
    budget_ms: int = 5000,
    timeout_s: float = 90,
) -> Rendered:
    """Open *page* from ``file://`` offline; return the DOM and a PNG screenshot.

    Both are also written to *out_dir* (``<stem>.png``, ``<stem>.dom.html``).

    *budget_ms* of virtual time lets scripts, timers and (failing) tile
    requests run before the DOM is dumped and the screenshot taken. Raises
    AssertionError with Chromium's stderr if it fails or times out.
    """
    browser = browser or chromium_or_skip()
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = out_dir / f"{page.stem}.png"
    profile = out_dir / f"{page.stem}-profile"
    cmd = [
        browser,
        *NO_NETWORK_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        f"--screenshot={shot}",
        page.resolve().as_uri(),
    ]
    start = time.perf_counter()
    # Own session, so that on a timeout the whole process group (renderer,
    # GPU and zygote children) is killed, not only the launcher.
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "HOME": str(out_dir)},  # keep ~/.config/chromium out
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError(
            f"{browser} did not finish within {timeout_s} s:\n{stderr[-3000:]}"
        ) from None
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or "<html" not in stdout or not shot.is_file():
        raise AssertionError(
            f"{browser} failed (exit {proc.returncode}) on {page}:\n{stderr[-3000:]}"
        )
    shutil.rmtree(profile, ignore_errors=True)
    (out_dir / f"{page.stem}.dom.html").write_text(stdout, encoding="utf-8")
    return Rendered(dom=stdout, screenshot=shot, seconds=seconds, stderr=stderr)


# --------------------------------------------------------------- DOM access

_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


@dataclass
class Node:
    """An element of a parsed DOM dump."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """The element's classes."""
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        """All text inside the element, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            parts.extend(node.text_parts)
            for child in node.children:
                walk(child)

        walk(self)
        return " ".join(" ".join(parts).split())

    def iter(self) -> list[Node]:
        """This element and all below it, in document order."""
        out = [self]
        for child in self.children:
            out += child.iter()
        return out

    def find_all(self, tag: str | None = None, *, cls: str | None = None) -> list[Node]:
        """Elements below (and including) this one by tag name and/or class."""
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def ancestors(self) -> list[Node]:
        """The enclosing elements, innermost first."""
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        if self.current.tag not in {"script", "style"}:
            self.current.text_parts.append(data)


def parse_dom(dom: str) -> Node:
    """Parse a ``--dump-dom`` output into a tree of :class:`Node`."""
    builder = _TreeBuilder()
    builder.feed(dom)
    builder.close()
    return builder.root
