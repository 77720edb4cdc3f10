"""The command line, run in-process."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline.cli import main
from frontline.report import REPORT_COLUMNS


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def control_file(tmp_path):
    path = tmp_path / "control.geojson"
    gpd.GeoDataFrame(
        {"status": ["occupied"]},
        geometry=[shapely.box(37.5, 47.5, 38.5, 48.5)],
        crs=4326,
    ).to_file(path)
    return path


def test_report_without_control_uses_the_sample_and_says_so(capsys):
    code, out, err = run(capsys, "report", "--format", "csv")
    assert code == 0
    assert "ILLUSTRATIVE sample" in err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:9]) == REPORT_COLUMNS
    assert table.region_id.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65", "four"]


def test_report_csv_matches_the_library(capsys, control_file):
    code, out, _ = run(
        capsys, "report", str(control_file), "--regions", "six", "--format", "csv"
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    expected = fl.control_table(control_file, "six")
    assert table.region_id.tolist() == expected.region_id.tolist()
    pd.testing.assert_series_equal(
        table.occupied_km2, expected.occupied_km2, check_exact=False, atol=1e-3
    )


def test_report_json_and_official_basis(capsys, control_file):
    code, out, _ = run(
        capsys,
        "report",
        str(control_file),
        "--format",
        "json",
        "--basis",
        "official",
        "--date",
        "2024-11-20",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["meta"]["basis"] == "official"
    assert doc["meta"]["date"] == "2024-11-20"
    rows = {r["region_id"]: r for r in doc["rows"]}
    assert rows["UA-14"]["area_km2"] == 26_517
    assert set(REPORT_COLUMNS) <= set(rows["four"])


def test_report_table_is_readable(capsys, control_file):
    code, out, _ = run(capsys, "report", str(control_file))
    assert code == 0
    assert "Donetsk" in out and "occupied_pct" in out and "WGS84 ellipsoid" in out


def test_output_file_is_written_atomically(capsys, tmp_path, control_file, monkeypatch):
    target = tmp_path / "report.csv"
    code, out, _ = run(
        capsys, "report", str(control_file), "--format", "csv", "-o", str(target)
    )
    assert code == 0 and out == ""
    before = target.read_text()
    assert before.startswith("region_id,name,area_km2")

    # A failure while writing leaves the previous file intact and no temp file.
    def boom(*args, **kwargs):
        raise fl.OptionError("simulated failure while writing")

    monkeypatch.setattr("frontline.cli._tables.write_table", boom)
    code, _, err = run(
        capsys, "report", str(control_file), "--format", "csv", "-o", str(target)
    )
    assert code == 1 and "simulated failure" in err
    assert target.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "control.geojson",
        "report.csv",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "missing.geojson"], "does not exist"),
        (["report", "--regions", "Atlantis"], "unknown region 'Atlantis'"),
        (["report", "--status", "occupied"], "apply to a CONTROL file"),
    ],
)
def test_user_errors_are_one_line_exit_1(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 1
    assert out == ""
    assert message in err
    assert err.startswith("frontline: error: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_unknown_status_label_is_a_user_error(capsys, tmp_path):
    path = tmp_path / "labels.geojson"
    gpd.GeoDataFrame(
        {"kind": ["Russian", "Mystery"]},
        geometry=[shapely.box(37, 47, 38, 48), shapely.box(38, 47, 39, 48)],
        crs=4326,
    ).to_file(path)
    code, _, err = run(capsys, "report", str(path), "--status-column", "kind")
    assert code == 1
    assert "'Mystery'" in err and "labels found" in err


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "report", "--basis", "degrees")[0] == 2
    assert run(capsys, "nonsense")[0] == 2
    assert run(capsys)[0] == 2


def test_debug_shows_the_traceback(capsys):
    with pytest.raises(fl.InputFileNotFoundError):
        main(["--debug", "report", "missing.geojson"])


def test_regions_listing(capsys):
    code, out, _ = run(capsys, "regions", "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 27
    assert table.set_index("region_id").loc["UA-23", "groups"] == "four,six"
    code, out, _ = run(capsys, "regions", "--format", "json")
    doc = json.loads(out)
    assert doc["groups"]["four"] == ["UA-14", "UA-09", "UA-23", "UA-65"]
    assert len(doc["groups"]["all"]) == 27
    code, out, _ = run(capsys, "regions")
    assert "Zaporizhzhia" in out and "groups:" in out


def test_version_and_show_versions(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("frontline ")
    code, out, _ = run(capsys, "--show-versions")
    assert code == 0 and "geopandas:" in out and "GDAL:" in out


def test_warnings_become_one_line(capsys, tmp_path):
    path = tmp_path / "labels.geojson"
    gpd.GeoDataFrame(
        {"note": ["a", "b"]},
        geometry=[shapely.box(37, 47, 38, 48), shapely.box(38, 47, 39, 48)],
        crs=4326,
    ).to_file(path)
    code, _, err = run(capsys, "report", str(path))
    assert code == 0
    assert "frontline: warning:" in err and "status_column" in err


# -- the analysis commands -----------------------------------------------------


@pytest.mark.slow
def test_line_command(capsys, tmp_path):
    code, out, err = run(capsys, "line", "--format", "json")
    assert code == 0 and "ILLUSTRATIVE" in err
    doc = json.loads(out)
    assert doc["length_km"] > 500
    assert doc["length_km"] == pytest.approx(
        sum(r["length_km"] for r in doc["regions"] if r["region_id"] != "total")
    )
    assert doc["meta"]["tolerance"]["border_m"] == 5000
    code, out, _ = run(capsys, "line", "--no-river", "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert table.set_index("region_id").loc["total", "river_length_km"] == 0
    # --tolerance-km is the border tolerance (Tolerance.border_m), in km.
    code, out, _ = run(capsys, "line", "--tolerance-km", "2", "--format", "json")
    assert code == 0
    assert json.loads(out)["meta"]["tolerance"]["border_m"] == 2000
    code, out, _ = run(capsys, "line")
    assert "Tolerance: gaps 5 m" in out and "pockets at the border 5 km" in out
    code, _, err = run(capsys, "line", "--tolerance-km", "-1")
    assert code == 1 and "--tolerance-km must be a non-negative" in err


def test_scenario_command(capsys):
    code, out, _ = run(
        capsys,
        "scenario",
        "--withdraw",
        "Kharkiv",
        "--format",
        "csv",
        "--regions",
        "Kharkiv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out)).set_index("region_id")
    expected = fl.control_table(fl.load_sample(), "Kharkiv").set_index("region_id")
    assert table.loc["UA-63", "to_held_km2"] == pytest.approx(
        expected.loc["UA-63", "occupied_km2"], rel=1e-6
    )
    code, out, _ = run(capsys, "scenario", "--cede", "four", "--format", "json")
    doc = json.loads(out)
    assert {"meta", "rows", "changes"} <= set(doc)
    assert run(capsys, "scenario", "--buffer-km", "-5")[0] == 1


def test_check_command(capsys):
    code, out, _ = run(capsys, "check", "--occupied-pct", "70:80")
    assert code == 0 and "holds" in out
    code, out, _ = run(
        capsys, "check", "--held-km2", "26000~0.01", "--format", "json", "--exit-code"
    )
    assert code == 3
    doc = json.loads(out)
    assert doc["holds"] is False
    code, _, err = run(capsys, "check")
    assert code == 1 and "no claim given" in err


def test_settlements_command(capsys, tmp_path):
    code, out, err = run(
        capsys, "settlements", "--min-population", "100000", "--format", "csv"
    )
    assert code == 0 and "GeoNames" in err and "pre-war" in err
    table = pd.read_csv(io.StringIO(out))
    assert {"name", "population", "zone", "lon", "lat"} <= set(table.columns)
    assert (table.population >= 100_000).all()
    code, out, _ = run(capsys, "settlements", "--by-zone", "--format", "csv")
    zones = pd.read_csv(io.StringIO(out))
    assert zones.region_id.tolist()[-1] == "four"
    # Against itself nothing changed hands.
    sample = tmp_path / "sample.geojson"
    fl.load_sample().to_file(sample)
    code, out, _ = run(
        capsys,
        "settlements",
        str(sample),
        "--changed-since",
        str(sample),
        "--format",
        "csv",
    )
    assert code == 0
    assert len(pd.read_csv(io.StringIO(out))) == 0


@pytest.mark.slow
def test_map_command_png_template_and_up_to_date(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    a = tmp_path / "a.geojson"
    b = tmp_path / "b.geojson"
    layer = fl.load_sample()
    layer.to_file(a)
    layer.to_file(b)
    template = str(tmp_path / "maps" / "{stem}-{region}.png")
    code, _, err = run(
        capsys,
        "map",
        str(a),
        str(b),
        "-o",
        template,
        "--regions",
        "Kharkiv,Kherson",
        "--dpi",
        "40",
        "--no-line",
    )
    assert code == 0, err
    made = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert made == ["a-UA-63.png", "a-UA-65.png", "b-UA-63.png", "b-UA-65.png"]
    png = (tmp_path / "maps" / "a-UA-63.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    stamp = (tmp_path / "maps" / "a-UA-63.png").stat().st_mtime_ns
    code, _, _ = run(
        capsys, "-v", "map", str(a), "-o", template, "--regions", "Kharkiv"
    )
    assert code == 0
    assert (tmp_path / "maps" / "a-UA-63.png").stat().st_mtime_ns == stamp  # skipped
    code, _, err = run(capsys, "map", str(a), str(b), "-o", str(tmp_path / "one.png"))
    assert code == 1 and "make it a template" in err
    code, _, err = run(capsys, "map", "-o", str(tmp_path / "x.bmp"))
    assert code == 1 and "cannot tell the map format" in err


def test_compare_command(capsys, tmp_path):
    a = tmp_path / "a.geojson"
    b = tmp_path / "b.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(37.0, 47.5, 38.0, 48.5)], crs=4326).to_file(
        a
    )
    gpd.GeoDataFrame(geometry=[shapely.box(37.5, 47.5, 38.0, 48.5)], crs=4326).to_file(
        b
    )
    code, out, _ = run(
        capsys,
        "compare",
        f"wide={a}",
        f"narrow={b}",
        "--regions",
        "Donetsk",
        "--kind",
        "disagreement",
        "--format",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    (row,) = table.itertuples()
    # Russian-held in one source and not in the other: the box's western half,
    # inside Donetsk oblast.
    donetsk = fl.load_regions("Donetsk").geometry[0]
    expected = fl.area_km2(
        shapely.intersection(shapely.box(37.0, 47.5, 37.5, 48.5), donetsk)
    )
    assert row.occupied_km2 == pytest.approx(expected, rel=1e-6)
    code, _, err = run(capsys, "compare", str(a), str(a))
    assert code == 1 and "both named 'a'" in err


def test_timeseries_and_change_commands(capsys, tmp_path):
    a = tmp_path / "a.geojson"
    b = tmp_path / "b.geojson"
    gpd.GeoDataFrame(
        {"date": ["2024-11-01"]},
        geometry=[shapely.box(37.5, 47.5, 38.0, 48.0)],
        crs=4326,
    ).to_file(a)
    gpd.GeoDataFrame(
        {"date": ["2024-11-08"]},
        geometry=[shapely.box(37.5, 47.5, 38.2, 48.0)],
        crs=4326,
    ).to_file(b)
    code, out, _ = run(capsys, "timeseries", str(a), str(b), "--regions", "Donetsk")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == [
        "date",
        "region_id",
        "status",
        "area_km2",
        "share_pct",
    ]
    assert sorted(set(table.date)) == ["2024-11-01", "2024-11-08"]
    code, out, _ = run(
        capsys, "change", str(a), str(b), "--regions", "Donetsk", "--format", "csv"
    )
    assert code == 0
    change = pd.read_csv(io.StringIO(out)).set_index("region_id")
    donetsk = fl.load_regions("Donetsk").geometry[0]
    gained = fl.area_km2(
        shapely.intersection(shapely.box(38.0, 47.5, 38.2, 48.0), donetsk)
    )
    assert change.loc["UA-14", "gained_km2"] == pytest.approx(gained, rel=1e-6)
    assert change.loc["UA-14", "lost_km2"] == pytest.approx(0, abs=1e-6)
    assert change.loc["UA-14", "date_before"] == "2024-11-01"
    assert change.loc["UA-14", "gained_noise_km2"] == 0
    code, out, _ = run(capsys, "change", str(a), str(b), "--regions", "Donetsk")
    assert code == 0 and "Change from 2024-11-01 to 2024-11-08 (7 days)" in out
    assert "of which narrower than 100 m" in out and "gained 0.00, lost 0.00" in out
