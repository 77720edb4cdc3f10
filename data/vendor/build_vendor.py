"""Build the JavaScript/CSS that ``frontline`` inlines into self-contained HTML maps.

An interactive map (polygons, lines, tooltips and popups, a layer control, a
scale bar, a legend and a caption written as plain HTML) needs only Leaflet's
script and stylesheet.  Everything else folium's page references (jQuery,
Bootstrap, Bootstrap glyphicons, Font Awesome, Leaflet.awesome-markers and its
"rotate" stylesheet) serves markers, icons or branca's draggable legend, which
frontline does not use; ``frontline._webassets`` drops those links.

The package comes from the npm registry with ``npm pack`` at a pinned version.
The tarball's sha512 must equal the integrity hard-coded below *and* the
integrity the registry publishes (``npm view … dist.integrity``); anything else
fails.  Outputs, in ``src/frontline/data/vendor/``:

* ``leaflet.js``: ``dist/leaflet.js``, minus its ``//# sourceMappingURL=`` line
  (the map file is not shipped);
* ``leaflet.css``: ``dist/leaflet.css`` with the layer-control icons
  (``images/layers.png``, ``images/layers-2x.png``) inlined as ``data:`` URIs,
  so the collapsed layer control shows its icon without an ``images/`` folder;
* ``leaflet.LICENSE.txt``: the package's ``LICENSE``;
* ``LICENSES.md``: package, version, licence, npm integrity and the sha256 of
  every file written.

The build is deterministic: two runs give byte-identical files.

Usage::

    python data/vendor/build_vendor.py           # (re)write the vendored files
    python data/vendor/build_vendor.py --check   # exit 1 if they differ from a build

See ``data/vendor/README.md``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUTPUT_DIR = REPO / "src" / "frontline" / "data" / "vendor"


@dataclass(frozen=True)
class Package:
    """One pinned npm package and what is taken from it."""

    name: str
    version: str
    integrity: str  # npm's "sha512-<base64>" of the tarball
    licence: str
    homepage: str


LEAFLET = Package(
    name="leaflet",
    version="1.9.4",
    integrity=(
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL"
        "+YR3XnWyZAxwQixURb+FA74PA=="
    ),
    licence="BSD-2-Clause",
    homepage="https://leafletjs.com",
)

#: Images referenced by leaflet.css that are inlined.  The default-marker icon
#: (``images/marker-icon.png``) is left alone: Leaflet reads that URL to find
#: its marker images, and frontline draws no default markers.
INLINED_IMAGES = ("images/layers.png", "images/layers-2x.png")
SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")


class BuildError(RuntimeError):
    """The build cannot go on (npm missing, integrity mismatch, changed tarball)."""


def sri_sha512(data: bytes) -> str:
    """Subresource-integrity string (``sha512-<base64>``) of *data*."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(pkg: Package, dest: Path) -> bytes:
    """Download *pkg* with ``npm pack`` into *dest*; return the verified tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm not found; install Node.js/npm (apt-get install npm)")
    spec = f"{pkg.name}@{pkg.version}"
    print(f"npm pack {spec}", file=sys.stderr)
    out = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (info,) = json.loads(out)
    published = subprocess.run(
        [npm, "view", spec, "dist.integrity"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    filename: str = info["filename"]
    data = (dest / filename).read_bytes()
    actual = sri_sha512(data)
    for what, expected in (
        ("pinned in build_vendor.py", pkg.integrity),
        ("published by the registry", published),
        ("reported by npm pack", info["integrity"]),
    ):
        if actual != expected:
            raise BuildError(
                f"{spec}: tarball integrity {actual} differs from the one "
                f"{what} ({expected}); refusing to vendor it"
            )
    return data


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(f"package/{name}")
    if handle is None:
        raise BuildError(f"package/{name} is not a regular file in the tarball")
    return handle.read()


def build_leaflet(tarball: bytes) -> dict[str, bytes]:
    """The vendored files (name -> content) taken from the leaflet tarball."""
    with tempfile.TemporaryFile() as fh:
        fh.write(tarball)
        fh.seek(0)
        with tarfile.open(fileobj=fh, mode="r:gz") as tar:
            js = _member(tar, "dist/leaflet.js")
            css = _member(tar, "dist/leaflet.css")
            licence = _member(tar, "LICENSE")
            images = {name: _member(tar, f"dist/{name}") for name in INLINED_IMAGES}

    js, n = SOURCE_MAP.subn(b"\n", js)
    if n != 1:
        raise BuildError("leaflet.js: expected one sourceMappingURL comment")
    for name, png in images.items():
        ref = f"url({name})".encode()
        if css.count(ref) != 1:
            raise BuildError(f"leaflet.css: expected one {ref.decode()}")
        uri = b"url(data:image/png;base64," + base64.b64encode(png) + b")"
        css = css.replace(ref, uri)
    banner = (
        f"/* Leaflet {LEAFLET.version} ({LEAFLET.licence}), {LEAFLET.homepage}; "
        "layer-control icons inlined as data: URIs by data/vendor/build_vendor.py "
        "*/\n"
    ).encode()
    for bad in (b"</script", b"</style"):
        if bad in js.lower() or bad in css.lower():
            raise BuildError(f"vendored text contains {bad!r}; it cannot be inlined")
    return {
        "leaflet.js": js,
        "leaflet.css": banner + css,
        "leaflet.LICENSE.txt": licence,
    }


def licenses_md(files: dict[str, bytes]) -> bytes:
    """``LICENSES.md``: what each vendored file is, where it comes from, checksums."""
    pkg = LEAFLET
    package_row = (
        f"| [`{pkg.name}`]({pkg.homepage}) | {pkg.version} | "
        f"{pkg.licence} (`leaflet.LICENSE.txt`) | `{pkg.integrity}` |"
    )
    rows = "\n".join(
        f"| `{name}` | {len(data):,} | `{hashlib.sha256(data).hexdigest()}` |"
        for name, data in sorted(files.items())
    )
    text = f"""\
# Third-party files in `frontline/data/vendor/`

Inlined into self-contained HTML maps (`frontline._webassets.inline_assets`).
Built by `data/vendor/build_vendor.py` in the source repository; do not edit.

| package | version | licence | npm integrity (tarball) |
|---|---|---|---|
{package_row}

| file | bytes | sha256 |
|---|---:|---|
{rows}

Changes from the package: `leaflet.js` is `dist/leaflet.js` without its
`//# sourceMappingURL=` line; `leaflet.css` is `dist/leaflet.css` with
`images/layers.png` and `images/layers-2x.png` inlined as `data:` URIs and a
one-line banner. Nothing else from folium's default page (jQuery, Bootstrap,
glyphicons, Font Awesome, Leaflet.awesome-markers) is shipped: the maps do
not use it.
"""
    return text.encode()


def build(dest: Path) -> dict[str, bytes]:
    """All vendored files, fetched and verified into the scratch folder *dest*."""
    files = build_leaflet(npm_pack(LEAFLET, dest))
    files["LICENSES.md"] = licenses_md(files)
    return files


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare a fresh build with --output-dir instead of writing",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            files = build(Path(tmp))
        except (BuildError, subprocess.CalledProcessError) as exc:
            print(f"build_vendor: {exc}", file=sys.stderr)
            return 1
    out: Path = args.output_dir
    if args.check:
        stale = [
            name
            for name, data in files.items()
            if not (out / name).is_file() or (out / name).read_bytes() != data
        ]
        extra = sorted({p.name for p in out.glob("*")} - set(files))
        for name in stale:
            print(f"differs from a fresh build: {out / name}", file=sys.stderr)
        for name in extra:
            print(f"not produced by the build: {out / name}", file=sys.stderr)
        return 1 if stale or extra else 0
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
        print(f"wrote {out / name} ({len(data):,} bytes)", file=sys.stderr)
    total = sum(len(d) for n, d in files.items() if n.endswith((".js", ".css")))
    print(f"inlined per map: {total:,} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
