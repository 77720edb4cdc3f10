"""Fetching by source and date, source URIs and the local archive (issue 12).

Everything runs against tests/fake_services.py: a local server imitating the
union archive (``<commit>/data/<file>`` and ``main/data/<file>``), DeepState's
history API (``/public`` with ``status``/``updatedAt``) and an ArcGIS layer
with an empty flagged page, filled from the real files in ../shared (the
module skips without them). Nothing touches the internet.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import frontline as fl
from frontline import fetch
from frontline.cli import main
from frontline.errors import (
    ChecksumError,
    DownloadError,
    FrontlineWarning,
    OptionError,
    SnapshotNotFoundError,
)
from frontline.fetch import fetch_control, fetch_map, fetch_range

from .conftest import shared_file
from .fake_services import EDITED_AT, EDITED_ID, FakeServices

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("FRONTLINE_CACHE_DIR", str(path))
    return path


@pytest.fixture
def services(monkeypatch, cache):
    with FakeServices() as srv:
        srv.setenv(monkeypatch)
        yield srv


@pytest.fixture
def today(monkeypatch):
    """Pretend today is 2026-08-25 (three days past the manifest's last file)."""
    day = dt.date(2026, 8, 25)
    monkeypatch.setattr(fetch, "_today", lambda: day)
    return day


def union_hits(srv: FakeServices) -> dict[str, int]:
    """Requests for union files that were answered with a file (not 404)."""
    known = {r["file"] for r in srv.manifest}
    return {
        p: n
        for p, n in srv.hits.items()
        if p.startswith("/cyterat/") and p.rsplit("/", 1)[-1] in known
    }


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# ----------------------------------------------------------------------------
# Dates that are right


def test_union_evening_comes_from_the_file_that_shows_it(services, capsys):
    # The rule would take deepstatemap_data_20250524 (it shows 22 May).
    assert main(["fetch", "deepstate-union", "2025-05-23"]) == 0
    out, err = capsys.readouterr()
    day, path = out.strip().split("\t")
    assert day == "2025-05-23"
    assert Path(path).name == "deepstatemap_data_20250525.geojson"
    assert "shows the evening of 2025-05-23, not 2025-05-24" in err
    # Downloaded by its pinned commit (immutable), never from main.
    assert (
        services.count(services.pinned_path("deepstatemap_data_20250525.geojson")) == 1
    )
    assert services.total(f"{services.union_path('x').rsplit('/', 3)[0]}/main") == 0
    layer = fl.read_control(path)
    assert layer.attrs["date"] == dt.date(2025, 5, 23)
    assert layer.attrs["date_basis"] == "checked"
    assert layer.attrs["manifest"]["shows_version_id"] == "1748033313"
    assert layer.attrs["published"] == "2025-05-23T20:48:33+00:00"


def test_the_naive_file_reads_with_its_real_evening(services):
    naive = fetch_map("deepstate-union", "2025-05-22")
    assert naive.path.name == "deepstatemap_data_20250524.geojson"
    assert fl.read_control(naive.path).attrs["date"] == dt.date(2025, 5, 22)


def test_report_from_a_uri(services, capsys):
    assert main(["report", "deepstate-union:2024-11-20", "--regions", "four"]) == 0
    out = capsys.readouterr().out
    four = next(line for line in out.splitlines() if "Four regions" in line)
    assert "76.82" in four
    assert "24,609" in four
    assert "Control by region, 2024-11-20" in out


def test_one_evening_two_versions_takes_the_evening_one(services):
    got = fetch_map("deepstate-union", "2025-06-23")
    assert got.path.name == "deepstatemap_data_20250625.geojson"  # 21:18 UTC
    assert got.published == "2025-06-23T21:18:15+00:00"


def test_an_evening_no_file_shows(services):
    with pytest.raises(
        SnapshotNotFoundError,
        match=r"no file of the DeepState union archive shows the evening of "
        r"2025-06-25 .*nearest evenings with a file: 2025-06-23, 2025-06-24, "
        r"2025-06-26, 2025-06-27. Use source 'deepstate'",
    ):
        fetch_control("deepstate-union", "2025-06-25")
    assert services.total() == 0


def test_rewritten_file_is_pinned_to_the_rewrite(services):
    name = "deepstatemap_data_20250805.geojson"
    services.serve(services.union_path(name), b'{"type": "FeatureCollection"}')
    got = fetch_map("deepstate-union", "2025-08-05")
    assert got.path.name == name
    assert services.count(services.pinned_path(name)) == 1
    assert "e904719a6726c7e6b5d6e87a7701e1b77b18e554" in got.url
    assert got.basis == "rule"
    assert fl.read_control(got.path).attrs["date"] == dt.date(2025, 8, 5)
    with pytest.raises(SnapshotNotFoundError, match="evening of 2025-08-04"):
        fetch_control("deepstate-union", "2025-08-04")


def test_hand_added_file_uses_the_rule(services):
    got = fetch_map("deepstate-union", "2025-11-10")
    assert got.path.name == "deepstatemap_data_20251111.geojson"
    assert got.basis == "rule"
    assert got.version_id is None
    layer = fl.read_control(got.path)
    assert layer.attrs["date_basis"] == "rule"
    assert "unchecked" in layer.attrs["date_rule"]


def test_other_bytes_at_the_pin_are_refused(services, cache):
    name = "deepstatemap_data_20241121.geojson"
    services.serve(services.pinned_path(name), b'{"type": "FeatureCollection"}')
    with pytest.raises(ChecksumError, match="is not the expected one"):
        fetch_control("deepstate-union", "2024-11-20")
    assert not list((cache / "control" / "deepstate-union").glob("*.geojson"))


def test_newer_than_the_manifest_uses_the_rule_and_says_so(services, today, capsys):
    body = shared_file(
        "control", "deepstate_union_archive", "deepstatemap_data_20260822.geojson"
    ).read_bytes()
    for day in ("20260823", "20260824"):
        services.serve(services.union_path(f"deepstatemap_data_{day}.geojson"), body)
    with pytest.warns(FrontlineWarning, match="newer than the shipped manifest") as w:
        got = fetch_map("deepstate-union", "latest")
    assert len(w) == 1
    assert got.date == dt.date(2026, 8, 23)
    assert got.basis == "rule"
    assert got.beyond_manifest
    layer = fl.read_control(got.path)
    assert layer.attrs["date"] == dt.date(2026, 8, 23)
    assert layer.attrs["date_basis"] == "rule"
    assert layer.attrs["manifest"] is None
    assert "newer than the shipped manifest" in layer.attrs["date_note"]
    # A range: one warning for both evenings; the CLI shows it as one line.
    assert main(["fetch", "deepstate-union", "2026-08-20..2026-08-23"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "newer than the shipped" in line]
    assert len(lines) == 1
    assert lines[0].startswith("frontline: warning: deepstate-union: 2 evenings")


def test_latest_probes_back_to_the_manifest(services, today):
    got = fetch_map("deepstate-union", "latest")
    assert got.date == dt.date(2026, 8, 21)  # the manifest's newest evening
    probes = [p for p in services.hits if "/main/data/" in p]
    assert sorted(p.rsplit("_", 1)[-1] for p in probes) == [
        "20260823.geojson",
        "20260824.geojson",
        "20260825.geojson",
    ]


# ----------------------------------------------------------------------------
# Base addresses


def test_base_addresses_come_from_the_environment_at_each_call(services, monkeypatch):
    fetch_control("deepstate-union", "2024-11-20")
    monkeypatch.setenv(
        "FRONTLINE_DEEPSTATE_UNION_URL", "http://example.com/cyterat/deepstate"
    )
    with pytest.raises(
        OptionError,
        match=r"FRONTLINE_DEEPSTATE_UNION_URL='http://example.com/cyterat/deepstate' "
        r"is not a usable address: only https",
    ):
        fetch_control("deepstate-union", "2024-11-21")
    monkeypatch.delenv("FRONTLINE_DEEPSTATE_UNION_URL")
    plan = fetch.union_plan(dt.date(2024, 11, 20))
    assert plan.url.startswith(
        "https://raw.githubusercontent.com/cyterat/deepstate-map-data/"
    )


# ----------------------------------------------------------------------------
# DeepState's history API


def test_unpublished_versions_are_skipped(services):
    got = fetch_map("deepstate", "2024-11-20")
    # A draft (status false) at 22:45 would otherwise be the evening's last.
    assert got.version_id == "1732138237"
    assert got.path.name == "deepstate_20241120T213037Z_1732138237.geojson"
    assert got.basis == "published"
    assert services.count("/api/history/public") == 1


def test_an_edited_version_is_downloaded_again(services):
    entry = next(e for e in services.versions if e["id"] == EDITED_ID)
    entry["updatedAt"] = entry["createdAt"]
    first = fetch_map("deepstate", "2024-11-21")
    assert first.status == "downloaded"
    again = fetch_map("deepstate", "2024-11-21")
    assert again.status == "present"
    assert services.count("/api/history/public") == 1  # final date: remembered
    entry["updatedAt"] = EDITED_AT
    edited = fetch_map("deepstate", "2024-11-21", refresh=True)
    assert edited.status == "downloaded"
    assert "edited after publication" in edited.note
    assert services.count(f"/api/history/{EDITED_ID}/geojson") == 2
    same = fetch_map("deepstate", "2024-11-21", refresh=True)
    assert same.status == "present"
    assert services.count(f"/api/history/{EDITED_ID}/geojson") == 2


def test_deepstate_latest_and_a_range(services, tmp_path):
    newest = fetch_map("deepstate", "latest")
    assert newest.date == max(
        fl.sources.deepstate.situation_date(
            dt.datetime.fromisoformat(e["createdAt"].replace("Z", "+00:00"))
        )
        for e in services.versions
        if e["status"]
    )
    maps = fetch_range("deepstate", "2024-11-19", "2024-11-23", folder=tmp_path / "r")
    assert [m.status for m in maps] == ["downloaded"] * 5
    assert services.count("/api/history/public") == 2  # once per call
    again = fetch_range("deepstate", "2024-11-19", "2024-11-23", folder=tmp_path / "r")
    assert [m.status for m in again] == ["present"] * 5
    assert services.count("/api/history/public") == 2  # final dates: no request
    assert visible(tmp_path / "r") == sorted(m.path.name for m in maps)


# ----------------------------------------------------------------------------
# The local archive


def test_cron_run_twice_downloads_nothing_the_second_time(services, today, tmp_path):
    folder = tmp_path / "maps"
    argv = ["fetch", "deepstate-union", "2026-08-10..latest", "-o", str(folder)]
    assert main(argv) == 0
    first = union_hits(services)
    assert len(first) == 12  # 2026-08-10 … 2026-08-21, one file each
    assert all(n == 1 for n in first.values())
    names = visible(folder)
    assert len(names) == 12
    assert sorted(p.name for p in folder.iterdir()) == names  # no lock, no temp
    services.reset()
    assert main(argv) == 0
    assert union_hits(services) == {}  # nothing downloaded
    assert visible(folder) == names


def test_an_interrupted_run_leaves_no_partial_file_and_resumes(services, tmp_path):
    folder = tmp_path / "maps"
    broken = "deepstatemap_data_20241118.geojson"
    services.drop_after(services.pinned_path(broken), 1000)
    with pytest.raises(
        DownloadError,
        match=r"broke off after 1,000 bytes.*stopped at the evening of 2024-11-17, "
        r"2 of 5 evenings done.*run again to resume",
    ):
        fetch_range("deepstate-union", "2024-11-15", "2024-11-19", folder=folder)
    assert visible(folder) == [
        "deepstatemap_data_20241116.geojson",
        "deepstatemap_data_20241117.geojson",
    ]
    assert sorted(p.name for p in folder.iterdir()) == visible(folder)
    services.reset()
    maps = fetch_range("deepstate-union", "2024-11-15", "2024-11-19", folder=folder)
    assert [m.status for m in maps] == ["present"] * 2 + ["downloaded"] * 3
    assert len(union_hits(services)) == 3


@pytest.mark.slow
def test_killed_mid_download_leaves_no_partial_file(services, tmp_path, cache):
    folder = tmp_path / "maps"
    held = "deepstatemap_data_20241121.geojson"
    services.stall(services.pinned_path(held), 5000)
    env = {
        **os.environ,
        **services.environ,
        "FRONTLINE_CACHE_DIR": str(cache),
        "PYTHONPATH": str(REPO / "src"),
    }
    argv = ["fetch", "deepstate-union", "2024-11-19..2024-11-21", "-o", str(folder)]
    child = subprocess.Popen(
        [sys.executable, "-m", "frontline.cli", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert services.stalled.wait(60), "the download never started"
        time.sleep(0.2)  # the first 5,000 bytes are in the temporary file
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        services.release()
    assert child.returncode == -signal.SIGKILL
    # The evening before is whole; of the held file there is nothing to see.
    assert visible(folder) == ["deepstatemap_data_20241120.geojson"]
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".~")]
    assert len(leftovers) == 1  # SIGKILL: the writer could not clean up
    assert main(argv) == 0
    assert visible(folder) == [
        "deepstatemap_data_20241120.geojson",
        "deepstatemap_data_20241121.geojson",
        "deepstatemap_data_20241122.geojson",
    ]
    assert sorted(p.name for p in folder.iterdir()) == visible(folder)


# ----------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["fetch", "deepstate-union", "2024-11-20..2024-11-01"],
            "the range 2024-11-20..2024-11-01 is reversed: its start is after its "
            "end; write 2024-11-01..2024-11-20",
        ),
        (
            ["fetch", "deepstate-union", "2024-11-40"],
            "cannot read date '2024-11-40'",
        ),
        (
            ["fetch", "deepstate-union", "2024-11-01..2099-01-01"],
            "ends in the future",
        ),
        (
            ["fetch", "deepstate-union", "2024-07-07..2026-08-21"],
            "needs up to 730 downloads \\(730 of its 776 evenings are not here yet\\), "
            "more than the limit of 400; confirm with "
            "--yes",
        ),
        (["fetch", "liveuamap"], "unknown source 'liveuamap'"),
        (["fetch", "isw", "2024-11-20"], "WHEN must be latest"),
        (["fetch", "isw"], "no address for ISW's layer"),
        (["fetch", "minregion-2020", "2024-11-20"], "boundary set: it has no date"),
        (["fetch", "deepstate:2024-11-20", "latest"], "got both the URI"),
        (["fetch", "deepstate:yesterday"], "cannot read the date 'yesterday'"),
        (
            ["report", "deepstate-union:2024-11-01..2024-11-30"],
            "names one map per evening; this reads one map",
        ),
        (
            ["fetch", "deepstate-union", "2024-06-01"],
            "starts with the evening of 2024-07-07",
        ),
    ],
)
def test_errors_are_one_line(services, capsys, argv, message):
    import re

    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("frontline: error: ")
    assert re.search(message, err), err
    assert union_hits(services) == {}


def test_offline_with_nothing_here(services, monkeypatch, capsys):
    monkeypatch.setenv("FRONTLINE_DEEPSTATE_UNION_URL", "http://127.0.0.1:9/gone")
    assert main(["fetch", "deepstate-union", "2024-11-20"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to 127.0.0.1" in err
    assert "are you offline?" in err
    assert err.count("\n") == 1


# ----------------------------------------------------------------------------
# Source URIs everywhere


def test_uris_in_read_control_and_a_path_that_looks_like_one(
    services, tmp_path, monkeypatch
):
    layer = fl.read_control("deepstate-union:2024-11-20")
    assert layer.attrs["uri"] == "deepstate-union:2024-11-20"
    assert layer.attrs["date"] == dt.date(2024, 11, 20)
    with pytest.raises(OptionError, match="names one map per evening"):
        fl.read_control("deepstate:2024-11-01..2024-11-30")
    # A file literally named like a URI is a path: read, nothing fetched.
    monkeypatch.chdir(tmp_path)
    Path("deepstate-union:2024-11-21").write_bytes(
        Path(fetch_control("deepstate-union", "2024-11-20")).read_bytes()
    )
    services.reset()
    local = fl.read_control("deepstate-union:2024-11-21", status="occupied")
    assert "uri" not in local.attrs
    assert services.total() == 0


def test_timeseries_over_a_range_uri(services, capsys):
    with pytest.warns(FrontlineWarning, match="1 of 3 evenings have no map"):
        series = fl.timeseries(
            "deepstate-union:2025-06-24..2025-06-26", "four", progress=False
        )
    assert sorted({d.date().isoformat() for d in series.date}) == [
        "2025-06-24",
        "2025-06-26",
    ]
    assert (
        main(
            [
                "timeseries",
                "deepstate-union:2024-11-19..2024-11-20",
                "--regions",
                "four",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "2024-11-20,four,occupied,81558.038,76.820" in out


@pytest.mark.slow
def test_change_and_map_take_uris(services, tmp_path, capsys):
    assert (
        main(
            [
                "change",
                "deepstate-union:2024-11-01",
                "deepstate-union:2024-11-20",
                "--regions",
                "four",
            ]
        )
        == 0
    )
    assert "Change from 2024-11-01 to 2024-11-20" in capsys.readouterr().out
    target = tmp_path / "out" / "{date}.svg"
    argv = ["map", "deepstate-union:2024-11-19..2024-11-20", "-o", str(target)]
    assert main([*argv, "--regions", "four", "--no-labels"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "2024-11-19.svg",
        "2024-11-20.svg",
    ]


def test_check_and_compare_take_uris(services, capsys):
    assert (
        main(
            [
                "check",
                "deepstate-union:2024-11-20",
                "--occupied-pct",
                "70:80",
                "--format",
                "json",
            ]
        )
        == 0
    )
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["holds"] is True
    assert (
        main(
            [
                "compare",
                "a=deepstate-union:2024-11-19",
                "b=deepstate-union:2024-11-20",
                "--kind",
                "source",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert ",source,a,,2024-11-19," in out
    assert ",source,b,,2024-11-20," in out


# ----------------------------------------------------------------------------
# ISW and boundary sets


def test_arcgis_keeps_paging_after_an_empty_flagged_page(services, tmp_path):
    path = fl.fetch.fetch_arcgis(services.layer_url, cache_dir=tmp_path)
    doc = json.loads(path.read_text("utf-8"))
    assert services.layer.empty_served == 1
    assert doc["frontline"]["feature_count"] == 8  # 11, three without geometry
    assert doc["frontline"]["without_geometry"] == 3


def test_fetch_isw_latest(services, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "isw"
    argv = ["fetch", "isw", "--url", services.layer_url, "-o", str(folder)]
    assert main(argv) == 0
    day, path = capsys.readouterr().out.strip().split("\t")
    assert day == "2024-11-24"  # the layer's last edit (UTC)
    assert Path(path).parent == folder
    monkeypatch.setenv(fetch.ISW_ENV, services.layer_url)
    with pytest.warns(FrontlineWarning):
        layer = fl.read_control("isw:latest")
    assert layer.attrs["uri"] == "isw:latest"
    assert "ISW" in layer.attrs["source"]


def test_fetch_a_boundary_set_file(services, tmp_path, monkeypatch, capsys):
    import dataclasses

    body = shared_file(
        "reference_regions", "ukraine_oblasts_minregion_2020.geojson"
    ).read_bytes()
    url = services.serve("/boundaries/oblast.geojson", body)
    entry = dataclasses.replace(fetch.BOUNDARY_SETS["minregion-2020"], urls=(url,))
    monkeypatch.setitem(fetch.BOUNDARY_SETS, "minregion-2020", entry)
    assert main(["fetch", "minregion-2020", "-o", str(tmp_path / "b")]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == tmp_path / "b"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_fetch_json_lists_every_field(services, capsys):
    argv = ["fetch", "deepstate-union", "2025-05-22..2025-05-23", "--format", "json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["date"], Path(r["path"]).name, r["basis"]) for r in rows] == [
        ("2025-05-22", "deepstatemap_data_20250524.geojson", "checked"),
        ("2025-05-23", "deepstatemap_data_20250525.geojson", "checked"),
    ]
    assert all(r["pinned"] and r["status"] == "downloaded" for r in rows)
    assert rows[1]["version_id"] == "1748033313"


@pytest.mark.parametrize("tty", [True, False])
def test_progress_bar_only_on_a_terminal(services, capsys, monkeypatch, tty):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert main(["fetch", "deepstate-union", "2024-11-18..2024-11-20"]) == 0
    err = capsys.readouterr().err
    assert ("fetch:" in err) is tty  # tqdm's "fetch: 100%|…| 3/3"
    assert "3 map(s) downloaded" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["line", "deepstate-union:2024-11-20", "--regions", "four", "--format", "csv"],
        ["scenario", "deepstate-union:2024-11-20", "--cede", "four", "--format", "csv"],
        [
            "settlements",
            "deepstate-union:2024-11-20",
            "--changed-since",
            "deepstate-union:2024-11-01",
            "--format",
            "csv",
        ],
    ],
)
def test_other_commands_take_uris(services, capsys, argv):
    assert main(argv) == 0
    assert capsys.readouterr().out.count("\n") > 1
