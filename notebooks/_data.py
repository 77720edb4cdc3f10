"""Where the notebooks get their control maps: the network, ../shared, the sample.

In order:

1. DeepState's daily union archive, fetched with :func:`frontline.fetch_control`
   (the file the archive's manifest says shows the evening, checked by its
   sha256, downloaded once into the cache), unless ``FRONTLINE_OFFLINE=1``;
2. the same files in the validation data in ``../shared`` beside the
   repository (or wherever ``FRONTLINE_SHARED`` points), when it is there;
3. the embedded **illustrative** sample (:func:`frontline.load_sample`) and the
   series generated from it (:func:`frontline.load_sample_series`).

Each function prints one line, starting ``data:``, saying which it used. The
documentation is built with ``FRONTLINE_OFFLINE=1`` and no ``../shared``: its
figures show the sample and the generated series only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import frontline as fl

__all__ = ["DATA", "control_layer", "control_series", "latest_layer"]

#: The union archive's folder inside the validation data.
UNION = Path("control") / "deepstate_occupied_union"

NO_DATA = "validation data not found, so the notebook uses the embedded sample"


def shared_data() -> Path | None:
    """Return the validation data folder ../shared/data, or None if it is absent."""
    root = os.environ.get("FRONTLINE_SHARED")
    if not root:
        here = Path.cwd().resolve()
        repo = next(
            (p for p in (here, *here.parents) if (p / "pyproject.toml").is_file()),
            None,
        )
        if repo is None:
            return None
        root = str(repo.parent / "shared")
    data = Path(root) / "data"
    return data if data.is_dir() else None


DATA = shared_data()


def _fetch(date: dt.date | str) -> tuple[Path | None, str]:
    """Fetch the union map of ``date``: (path, "") or (None, why not)."""
    if os.environ.get("FRONTLINE_OFFLINE") == "1":
        return None, "FRONTLINE_OFFLINE=1"
    try:
        return fl.fetch_control("deepstate-union", date, timeout=10), ""
    except fl.FrontlineError as exc:  # offline, or the archive cannot be reached
        return None, str(exc).split(";")[0]


def _shared_files() -> list[Path]:
    if DATA is None:
        return []
    return sorted((DATA / UNION).glob("deepstatemap_data_*.geojson"))


def control_layer(evening: str = "2024-11-20"):
    """Return DeepState's map of ``evening``: fetched, from ../shared, or the sample."""
    path, why = _fetch(evening)
    if path is not None:
        print(f"data: fetched deepstate-union:{evening} ({path.name}, into the cache)")
        return fl.read_control(path)
    day = dt.date.fromisoformat(evening) + dt.timedelta(days=1)
    name = f"deepstatemap_data_{day:%Y%m%d}.geojson"
    local = UNION / name
    if DATA is not None and (DATA / local).is_file():
        print(
            f"data: ../shared validation data, {local.as_posix()} (not fetched: {why})"
        )
        return fl.read_control(DATA / local)
    print(f"data: {NO_DATA} (ILLUSTRATIVE; not fetched: {why})")
    return fl.load_sample()


def latest_layer():
    """Return the latest map: fetched, the last of ../shared, or the sample."""
    path, why = _fetch("latest")
    if path is not None:
        print(f"data: fetched deepstate-union:latest ({path.name}, into the cache)")
        return fl.read_control(path)
    files = _shared_files()
    if files:
        print(f"data: ../shared validation data, {files[-1].name} (not fetched: {why})")
        return fl.read_control(files[-1])
    print(f"data: {NO_DATA} (ILLUSTRATIVE; not fetched: {why})")
    return fl.load_sample()


def control_series(months: int = 13):
    """Return monthly maps: fetched, ../shared's archive, or the generated series.

    Fetched: the evenings of the 1st of the last ``months`` months (the latest
    first of the month with a map). From ../shared: the first file of each
    month, the last ``months``. Otherwise the ILLUSTRATIVE series generated
    from the sample.
    """
    today = dt.date.today().replace(day=1)
    firsts = []
    year, month = today.year, today.month
    for _ in range(months + 1):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    paths: list[Path] = []
    why = ""
    for date in reversed(firsts):
        path, why = _fetch(date)
        if path is None and not paths:
            break  # offline (or the archive is out of reach): no more tries
        if path is not None:
            paths.append(path)
    if len(paths) >= months:
        print(f"data: fetched {months} monthly deepstate-union maps (into the cache)")
        return [fl.read_control(p) for p in paths[-months:]]
    files = _shared_files()
    if files:
        first_of_month: dict[str, Path] = {}
        for path in files:
            first_of_month.setdefault(path.stem[-8:-2], path)  # YYYYMM -> first
        chosen = list(first_of_month.values())[-months:]
        print(
            f"data: ../shared validation data, {len(chosen)} monthly files "
            f"(not fetched: {why})"
        )
        return [fl.read_control(p) for p in chosen]
    print(
        f"data: {NO_DATA} (ILLUSTRATIVE series generated from it; not fetched: {why})"
    )
    return fl.load_sample_series()
