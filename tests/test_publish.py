"""Publishing: the map command's options, charts' captions, Jupyter views, series.

The map command's pictures, web pages and animations (sizes, captions,
credits, editable SVG, file modes, one-line errors); the chart captions and
axes; a control layer's Jupyter view; the generated illustrative series.
"""

from __future__ import annotations

import os
import re
import stat

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import geopandas as gpd
import shapely

import frontline as fl
from frontline import plot
from frontline.cli import main


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def caption(ax):
    (text,) = [t.get_text() for t in ax.texts if t.get_gid() == "caption"]
    return " ".join(text.split())


@pytest.fixture(scope="module")
def series_layers():
    return fl.load_sample_series()


@pytest.fixture(scope="module")
def series(series_layers):
    return fl.timeseries(series_layers, "four", progress=False)


# ------------------------------------------------------------- map command


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["-o", "{d}/x.mp4"], r"MP4 needs ffmpeg on the PATH"),
        (["-o", "{d}/x.png", "--dpi", "0"], r"--dpi must be a positive number, got 0"),
        (["-o", "{d}/x.png", "--dpi", "-3"], r"--dpi must be a positive number"),
        (["-o", "{d}/x.png", "--dpi", "5000"], r"1,688 megapixels; the limit is 100"),
        (["-o", "{d}/x.gif", "--size", "99x99", "--dpi", "120"], r"141 megapixels"),
        (["-o", "{d}/{{foo}}.png"], r"unknown field \{foo\} in the output template"),
        (["-o", "{d}/{{}}.png"], r"unknown field \{\} in the output template"),
        (["-o", "{d}/a}}.png"], r"broken output template .*Single '\}'"),
        (["-o", "{d}/{{date.png"], r"broken output template .*expected '\}'"),
        (["-o", "{d}/{{date:>3}}.png"], r"takes no format or conversion"),
        (["-o", "{d}/{{date}}.gif"], r"an animation is one file"),
        (["-o", "{d}/x.png", "--fps", "3"], r"--fps applies to \.gif and \.mp4"),
        (["-o", "{d}/x.gif", "--fps", "0"], r"--fps must be a whole number ≥ 1"),
        (["-o", "{d}/x.png", "--cdn"], r"--cdn applies to \.html outputs"),
        (["-o", "{d}/x.html", "--dpi", "90"], r"an \.html map fills the browser"),
        (["-o", "{d}/x.png", "--size", "9by7"], r"--size must be WIDTHxHEIGHT"),
        (["-o", "{d}/x.png", "--size", "0x7"], r"between 0 and 100 inches"),
    ],
)
def test_map_command_refuses_in_one_line(capsys, tmp_path, monkeypatch, argv, match):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    argv = [a.replace("{{", "{").replace("}}", "}") for a in argv]
    code, out, err = run(capsys, "map", *argv)
    assert code == 1 and out == ""
    lines = [ln for ln in err.splitlines() if "embedded ILLUSTRATIVE sample" not in ln]
    assert len(lines) == 1 and lines[0].startswith("frontline: error: "), err
    assert re.search(match, lines[0]), err
    assert list(tmp_path.iterdir()) == []  # nothing written, no temp file left


def test_map_command_literal_braces_and_size(capsys, tmp_path, umask_022):
    code, _, err = run(
        capsys,
        "map",
        "-o",
        str(tmp_path / "{{x}}.png"),
        "--regions",
        "Luhansk",
        "--size",
        "4x3",
        "--dpi",
        "50",
        "--caption",
        "none",
        "--no-line",
    )
    assert code == 0, err
    (out,) = tmp_path.iterdir()
    assert out.name == "{x}.png"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    from PIL import Image

    with Image.open(out) as im:  # bbox_inches="tight" trims, never grows much
        assert im.size[0] <= 4 * 50 + 20 and im.size[1] <= 3 * 50 + 40


def test_map_command_svg_keeps_editable_text_and_the_credit(capsys, tmp_path):
    out = tmp_path / "m.svg"
    code, _, err = run(
        capsys,
        "map",
        "-o",
        str(out),
        "--regions",
        "Luhansk",
        "--credit",
        "Analysis: A. Reporter",
        "--caption",
        "full",
        "--no-line",
    )
    assert code == 0, err
    svg = out.read_text(encoding="utf-8")
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert "Analysis: A. Reporter" in texts
    assert any(t.startswith("Territorial control: Luhansk") for t in texts)
    assert "Luhansk" in texts  # a label with a halo, still text
    assert any("Labels: Russian-held share" in t for t in texts)  # full caption


@pytest.mark.slow
def test_map_command_gif_size_fps_and_mode(capsys, tmp_path, umask_022):
    from PIL import Image

    out = tmp_path / "a.gif"
    code, _, err = run(
        capsys,
        "map",
        "-o",
        str(out),
        "--regions",
        "Luhansk",
        "--size",
        "3x2.5",
        "--dpi",
        "40",
        "--fps",
        "4",
        "--no-towns",
        "--caption",
        "none",
    )
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    with Image.open(out) as gif:
        assert gif.size == (120, 100)
        assert gif.info["duration"] == 250  # 4 frames per second
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"]


@pytest.mark.slow
def test_map_command_html_is_self_contained_and_0644(capsys, tmp_path, umask_022):
    pytest.importorskip("folium")
    pytest.importorskip("mapclassify")
    out = tmp_path / "m.html"
    code, _, err = run(
        capsys, "map", "-o", str(out), "--regions", "Luhansk", "--title", "A & B"
    )
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert "<title>A &amp; B</title>" in page
    assert "<script src" not in page and "Leaflet 1.9.4" in page
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]


# ------------------------------------------------------------------ charts


def test_chart_captions_source_dates_credit_and_modes(series, series_layers):
    ax = plot.plot_timeseries(series, credit="Chart: A. Reporter")
    text = caption(ax)
    assert text.startswith("ILLUSTRATIVE data, not a survey.")
    assert "Control: frontline illustrative series, 20 November 2023 to 20 " in text
    assert "Boundaries: Natural Earth (public domain). Made with frontline." in text
    assert text.endswith("Chart: A. Reporter")
    full = caption(plot.plot_timeseries(series, caption="full"))
    assert "Method: km² on the WGS84 ellipsoid" in full
    none = plot.plot_timeseries(series, caption="none")
    assert [t for t in none.texts if t.get_gid() == "caption"] == []
    monthly = fl.changes(series_layers[-3:], "D", "four", progress=False)
    text = caption(plot.plot_changes(monthly, source="My source: details"))
    assert text.startswith("Control: My source, 20 September 2024 to 20 November 2024")
    with pytest.raises(fl.OptionError, match=r"unknown caption 'brief'"):
        plot.plot_changes(monthly, caption="brief")
    with pytest.raises(fl.OptionError, match=r"credit must be a line of text"):
        plot.plot_shares(fl.control_table(fl.load_sample(), "four"), credit=["x"])


def test_share_axis_spans_the_data_and_every_year_is_named(series):
    ax = plot.plot_timeseries(series, regions=["Donetsk"])
    (line,) = ax.get_lines()
    lo, hi = ax.get_ylim()
    values = line.get_ydata()
    assert lo > 0 and lo <= values.min() and hi >= values.max()
    assert hi - lo <= 20  # a change of about 8 points fills the chart
    fig = ax.get_figure()
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels[0] == "Dec\n2023"  # the first year, at the first tick
    assert sum("2024" in label for label in labels) == 1
    assert all("\n" not in label for label in labels[1:] if "2024" not in label)


def test_series_colours_avoid_the_russian_held_reds(series):
    ax = plot.plot_timeseries(series)
    colours = {to_hex(line.get_color()) for line in ax.get_lines()}
    for red in (*plot.STATUS_COLORS.values(), *plot.CHANGE_COLORS.values(), "#ee6677"):
        assert red.lower() not in colours


def test_shares_legend_has_contested_only_when_there_is_some():
    table = fl.control_table(fl.load_sample(), "four")
    ax = plot.plot_shares(table)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Contested" not in labels and "Ukrainian-held" in labels
    grey = gpd.GeoDataFrame(
        {"status": ["contested"]},
        geometry=[shapely.box(37.2, 47.6, 37.4, 48.3)],
        crs="EPSG:4326",
    )
    layer = fl.read_control(grey, status_column="status", date="2024-11-20")
    labels = [
        t.get_text()
        for t in plot.plot_shares(fl.control_table(layer, "four"))
        .get_legend()
        .get_texts()
    ]
    assert "Contested" in labels


def test_changes_bars_are_not_cut_at_the_top(series_layers):
    monthly = fl.changes(series_layers, "D", "six", progress=False)
    ax = plot.plot_changes(monthly)
    tops = [p.get_y() + p.get_height() for p in ax.patches]
    bottoms = [min(p.get_y(), p.get_y() + p.get_height()) for p in ax.patches]
    lo, hi = ax.get_ylim()
    assert hi > max(tops) and lo < min(bottoms)


# ------------------------------------------------------------- the series


def test_sample_series_is_illustrative_monthly_and_moves_both_ways(series_layers):
    dates = [layer.attrs["date"].isoformat() for layer in series_layers]
    assert dates[0] == "2023-11-20" and dates[-1] == "2024-11-20"
    assert len({d[:7] for d in dates}) == 13
    assert all(layer.attrs["illustrative"] for layer in series_layers)
    assert all("generated" in layer.attrs["source"] for layer in series_layers)
    last = fl.control_table(series_layers[-1], "six").set_index("region_id")
    sample = fl.control_table(fl.load_sample(), "six").set_index("region_id")
    pd.testing.assert_series_equal(last.occupied_km2, sample.occupied_km2)
    monthly = fl.changes(series_layers, "D", "six", progress=False)
    six = monthly[monthly.region_id == "six"]
    assert (six.gained_km2 > 0).sum() >= 10  # the line moves forward …
    assert (six.lost_km2 > 50).sum() == 1  # … and back once, north of Kharkiv
    assert fl.load_sample().attrs["source"] != series_layers[-1].attrs["source"]


# ----------------------------------------------------------------- Jupyter


def test_control_layer_view_leaves_out_styling_columns():
    from frontline.plot._jupyter import layer_html

    raw = gpd.GeoDataFrame(
        {
            "name": ["Окуповано"],
            "styleUrl": ["#poly-A52714"],
            "fill": ["#a52714"],
            "fill-opacity": [0.34],
            "stroke-width": [1.2],
            "icon-scale": [np.nan],
            "description": ["a note"],
        },
        geometry=[shapely.box(37.5, 47.5, 38, 48)],
        crs="EPSG:4326",
    )
    layer = fl.read_control(raw, status="occupied", date="2024-11-20", source="generic")
    html = layer_html(layer)
    assert "a note" in html and "Окуповано" in html
    assert "#poly-A52714" not in html and "fill-opacity</th>" not in html
    assert (
        "5 styling column(s) of the source file not shown: styleUrl, fill, "
        "fill-opacity, stroke-width, icon-scale." in html
    )
    assert "max-width:100%" in html  # the caption wraps in the output area


def test_report_table_caption_is_a_wrapping_paragraph():
    html = fl.control_table(fl.load_sample(), "four")._repr_html_()
    assert "<caption" not in html
    assert html.startswith('<p class="frontline-caption" style="max-width:100%;')
