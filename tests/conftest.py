"""Shared fixtures: the real data in ../shared (skipped cleanly when absent)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

#: The read-only validation data beside the repository (override with
#: FRONTLINE_SHARED=/path/to/shared).
SHARED = Path(
    os.environ.get(
        "FRONTLINE_SHARED", Path(__file__).resolve().parents[1].parent / "shared"
    )
)
DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    """Each test gets an empty download cache (never the user's own).

    The series cache lives there too, so a test never reuses another test's
    results. Tests that need a particular cache set FRONTLINE_CACHE_DIR again.
    """
    monkeypatch.setenv(
        "FRONTLINE_CACHE_DIR", str(tmp_path_factory.mktemp("frontline-cache"))
    )


def shared_file(*parts: str) -> Path:
    """Path of a file under ../shared/data, or skip the test if it is absent."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"validation data not available: {path}")
    return path


@pytest.fixture(scope="session")
def deepstate_20241120():
    """DeepState union archive, situation on the evening of 20 Nov 2024."""
    import frontline as fl

    path = shared_file(
        "control", "deepstate_occupied_union", "deepstatemap_data_20241121.geojson"
    )
    return fl.read_control(path)


@pytest.fixture(scope="session")
def minregion():
    """Official-grade Minregion 2020 oblast polygons in frontline's schema."""
    import geopandas as gpd

    import frontline as fl

    path = shared_file("reference_regions", "ukraine_oblasts_minregion_2020.geojson")
    raw = gpd.read_file(path)
    return fl.from_geodataframe(raw, column="ADMIN_1", source="Minregion 2020")


@pytest.fixture(scope="module")
def boxes():
    """Four fake 'oblasts' as 1°×1° boxes, each tagged with a real id.

    Test modules that need other shapes define their own ``boxes``.
    """
    import geopandas as gpd
    import shapely

    import frontline as fl

    raw = gpd.GeoDataFrame(
        {"id": ["UA-14", "UA-09", "UA-23", "UA-65"]},
        geometry=[
            shapely.box(37, 47, 38, 48),
            shapely.box(38, 47, 39, 48),
            shapely.box(35, 47, 36, 48),
            shapely.box(33, 46, 34, 47),
        ],
        crs="EPSG:4326",
    )
    return fl.from_geodataframe(raw, column="id", source="boxes")


#: The "frontline" logger as the library leaves it (no handler, propagating).
_LOGGER = logging.getLogger("frontline")
_PRISTINE = (_LOGGER.handlers[:], _LOGGER.level, _LOGGER.propagate)


@pytest.fixture(autouse=True)
def _restore_frontline_logger():
    """Undo what ``frontline.cli.main`` does to the "frontline" logger.

    ``main`` gives the logger its own stderr handler, a level (``-q``: ERROR)
    and ``propagate = False``; left so (also by a module fixture that runs the
    command line), a later test's ``caplog`` sees nothing.
    """
    yield
    _LOGGER.handlers[:], _LOGGER.level, _LOGGER.propagate = _PRISTINE
