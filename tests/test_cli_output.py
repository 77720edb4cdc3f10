"""What the command line writes: pipes, help texts, one-line errors, n/a columns."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline.cli import _parser, main, one_line

CLI = [sys.executable, "-m", "frontline.cli"]


@pytest.mark.slow
def test_broken_pipe_is_quiet():
    """`frontline … | head` stops quietly, with the status of a SIGPIPE."""
    with subprocess.Popen(
        [*CLI, "-q", "settlements", "--regions", "all", "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()  # the reader goes away
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 141
    assert "Broken pipe" not in err and "Traceback" not in err


@pytest.mark.slow
def test_closed_stdout_is_one_line_error():
    proc = subprocess.run(
        [*CLI, "-q", "report"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        # >&- : the child starts with file descriptor 1 closed
        preexec_fn=lambda: __import__("os").close(1),
    )
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert errors == [
        "frontline: error: standard output is closed; write to a file with -o "
        "FILE instead"
    ]


def subcommands():
    parser = _parser()
    (action,) = [a for a in parser._actions if isinstance(a.choices, dict)]
    return sorted(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_help_has_no_doubled_percent(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "%%" not in out
    assert out.startswith("usage: frontline")


def test_top_level_help_has_no_doubled_percent(capsys):
    assert main(["--help"]) == 0
    assert "%%" not in capsys.readouterr().out


def test_one_line_joins_and_caps():
    assert one_line("a\n  b\n\n c") == "a; b; c"
    long = "label " + "x" * 5_000_000
    short = one_line(long)
    assert len(short) == 600 and "[…]" in short


def test_long_error_is_capped_on_the_command_line(tmp_path, capsys):
    """A 5 MiB label is not quoted in full (the CLI caps every message)."""
    path = tmp_path / "big.geojson"
    label = "L" * (5 * 2**20)
    feature = {
        "type": "Feature",
        "properties": {"status": label},
        "geometry": shapely.geometry.mapping(shapely.box(37, 47, 38, 48)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    code = main(["report", str(path), "--status-column", "status"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and len(err[0]) <= 600 + len("frontline: error: ")


def test_one_name_per_group():
    table = fl.control_table(fl.load_sample(), "six")
    names = dict(zip(table.region_id, table.name, strict=True))
    assert names["four"] == "Four regions"
    assert names["six"] == "Six regions"
    ax = fl.plot_shares(table)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Four regions" in labels and "Six regions" in labels
    out = io.StringIO()
    from frontline.cli._common import write_table

    write_table(table, "table", out)
    assert "Four regions" in out.getvalue()
    assert "Donetsk, Luhansk, Zaporizhzhia, Kherson" not in out.getvalue()


@pytest.fixture
def union_file(tmp_path):
    """A file named like the DeepState union archive: one class, no split."""
    path = tmp_path / "deepstatemap_data_20241121.geojson"
    gpd.GeoDataFrame(
        geometry=[shapely.box(37.5, 47.5, 38.5, 48.5)], crs="EPSG:4326"
    ).to_file(path)
    return path


def test_union_map_has_no_pre_2022_split(union_file, capsys):
    table = fl.control_table(fl.read_control(union_file), "four")
    assert table.attrs["pre_2022_split"] is False
    assert table.occupied_before_2022_km2.isna().all()
    assert table.occupied_since_2022_km2.isna().all()
    assert (table.occupied_km2 > 0).any()
    assert (
        "do not separate" in table.attrs["notes"][0]
        or "does not separate" in (table.attrs["notes"][0])
    )
    assert main(["report", str(union_file), "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    header = csv[0].split(",")
    donetsk = dict(zip(header, csv[1].split(","), strict=True))
    assert donetsk["occupied_before_2022_km2"] == ""
    assert main(["report", str(union_file), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"][0]["occupied_before_2022_km2"] is None
    assert doc["meta"]["pre_2022_split"] is False


def test_split_map_keeps_its_columns():
    table = fl.control_table(fl.load_sample(), "four")
    assert table.attrs["pre_2022_split"] is True
    assert table.occupied_before_2022_km2.notna().all()
