"""The built wheel carries the package data and the typing marker."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = [
    "frontline/data/regions.geojson",
    "frontline/data/region_names.csv",
    "frontline/data/sample_control_20241120.geojson",
    "frontline/data/LICENSES.md",
    "frontline/data/sea_mask.geojson",
    "frontline/data/context.geojson",
    "frontline/data/deepstate_union_manifest.csv",
    "frontline/data/vendor/leaflet.js",
    "frontline/data/vendor/leaflet.css",
    "frontline/data/vendor/leaflet.LICENSE.txt",
    "frontline/data/vendor/LICENSES.md",
    "frontline/py.typed",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    if shutil.which("git") is None:  # pragma: no cover - hatch-vcs needs git
        pytest.skip("git is needed to version the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("frontline-*.whl")
    return path


def test_wheel_contains_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in DATA:
        assert member in names, member
    # Nothing from the repository's build folders or the validation data.
    assert not any(n.startswith(("data/", "tests/", "shared/")) for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)
