"""Maps and charts: the drawn artists, checked one by one (Agg backend)."""

from __future__ import annotations

import datetime as dt
import math
import sys

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.testing.decorators import check_figures_equal

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Geod

import frontline as fl
from frontline import plot
from frontline._units import ukraine_outline
from frontline.plot import CHANGE_COLORS, HELD_COLOR, STATUS_COLORS, _parts, _style
from frontline.tolerance import close_gaps

GEOD = Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sample():
    return fl.load_sample()


@pytest.fixture(scope="module")
def donetsk_layer():
    """All four statuses as boxes inside Donetsk oblast (disjoint)."""
    gdf = gpd.GeoDataFrame(
        {
            "status": ["occupied_before_2022", "occupied", "contested", "liberated"],
        },
        geometry=[
            shapely.box(38.0, 47.6, 38.5, 48.3),
            shapely.box(37.4, 47.6, 38.0, 48.3),
            shapely.box(37.2, 47.6, 37.4, 48.3),
            shapely.box(37.0, 48.6, 37.5, 48.9),
        ],
        crs="EPSG:4326",
    )
    layer = fl.read_control(gdf, status_column="status", date="2024-11-20")
    layer.attrs["source"] = "test boxes"
    return layer


def texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def facecolors(collection):
    return [to_hex(c) for c in collection.get_facecolor()]


# ------------------------------------------------------------ plot_control


def test_plot_control_draws_each_status_in_its_colour(donetsk_layer):
    ax = plot.plot_control(donetsk_layer)
    order = ["liberated", "contested", "occupied", "occupied_before_2022"]
    assert len(ax.collections) == 4
    for collection, status in zip(ax.collections, order, strict=True):
        assert facecolors(collection) == [STATUS_COLORS[status].lower()]
    contested = ax.collections[1]
    assert contested.get_hatch() == "////"
    assert all(c.get_hatch() is None for c in ax.collections if c is not contested)


@check_figures_equal(extensions=["png"])
def test_plot_control_matches_plain_geopandas(fig_test, fig_ref, donetsk_layer):
    # Each status is drawn dissolved, hairline gaps closed (no seams); the
    # occupied colour under the whole Russian-held area, the pre-2022 over it.
    plot.plot_control(donetsk_layer, ax=fig_test.subplots())
    ax = fig_ref.subplots()
    for status in ("liberated", "contested", "occupied", "occupied_before_2022"):
        drawn = fl.RUSSIAN_HELD if status == "occupied" else (status,)
        features = donetsk_layer[donetsk_layer.status.isin(drawn)].geometry.values
        part = gpd.GeoSeries([_parts.drawable(close_gaps(features))], crs=4326)
        extra = (
            {"hatch": "////", "edgecolor": "#8C8C8C"} if status == "contested" else {}
        )
        part.plot(
            ax=ax,
            facecolor=STATUS_COLORS[status],
            edgecolor=extra.get("edgecolor", "none"),
            linewidth=0,
            hatch=extra.get("hatch"),
        )
    # The whole layer's middle latitude sets the aspect; no axis labels.
    _, y0, _, y1 = donetsk_layer.total_bounds
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_xlabel("")
    ax.set_ylabel("")


def test_status_shapes_keep_the_vertices_of_the_input(sample):
    # close_gaps works on edges densified every 250 m; what is drawn drops
    # those vertices again (the web map's page would be 1.5 times as large).
    shapes = _parts.status_shapes(sample)
    for status, geom in shapes.items():
        given = shapely.get_num_coordinates(
            sample.geometry[sample.status == status].values
        ).sum()
        assert shapely.get_num_coordinates(geom) <= given
        assert fl.area_km2(geom) == pytest.approx(
            fl.area_km2(close_gaps(sample.geometry[sample.status == status])),
            abs=0.01,
        )


def test_plot_control_skips_absent_statuses(sample):
    ax = plot.plot_control(sample)
    assert [facecolors(c) for c in ax.collections] == [
        [STATUS_COLORS["occupied"].lower()],
        [STATUS_COLORS["occupied_before_2022"].lower()],
    ]


# ---------------------------------------------------------------- plot_map


@pytest.fixture(scope="module")
def four_table(sample):
    return fl.control_table(sample, "four").set_index("region_id")


def test_plot_map_parts_on_the_sample(sample, four_table):
    before = sample.copy()
    ax = plot.plot_map(sample, "four", line=False, caption="full")
    assert_geodataframe_equal(sample, before)  # the input is not modified
    assert ax.get_xlabel() == ax.get_ylabel() == ""

    # One label per oblast with its Russian-held share from control_table.
    labels = sorted(texts(ax, "region_label"))
    expected = sorted(
        f"{four_table.loc[rid, 'name']}\n"
        f"{four_table.loc[rid, 'occupied_pct']:.0f}% Russian-held"
        for rid in ("UA-14", "UA-09", "UA-23", "UA-65")
    )
    assert labels == expected

    # Legend: the statuses present, then Ukrainian-held land.
    assert legend_texts(ax) == [
        "Russian-held since 24 Feb 2022",
        "Russian-held before 24 Feb 2022",
        "Ukrainian-held",
    ]
    handles = ax.get_legend().legend_handles
    assert [to_hex(h.get_facecolor()) for h in handles] == [
        STATUS_COLORS["occupied"].lower(),
        STATUS_COLORS["occupied_before_2022"].lower(),
        HELD_COLOR.lower(),
    ]

    # Caption: illustrative, shares of the group, source, date, attributions.
    (caption,) = texts(ax, "caption")
    flat = " ".join(caption.split())
    assert flat.startswith("ILLUSTRATIVE sample, not a survey")
    assert f"{four_table.loc['four', 'occupied_pct']:.0f}% of the four regions" in flat
    assert "frontline illustrative sample for 2024-11-20" in flat
    assert "situation on 20 November 2024" in flat
    assert "Boundaries and neighbouring countries: Natural Earth (public domain)" in (
        flat
    )
    assert "Towns and settlement positions: GeoNames (geonames.org), CC BY 4.0" in (
        flat
    )
    assert flat.endswith("Made with frontline.")
    assert texts(ax, "illustrative") == ["ILLUSTRATIVE SAMPLE\nnot a survey"]
    assert ax.get_title(loc="left") == (
        "Territorial control: Donetsk, Luhansk, Zaporizhzhia and Kherson, "
        "20 November 2024"
    )
    # The inset locates the view in Ukraine.
    (inset,) = [a for a in ax.child_axes if a.get_label() == "inset"]
    (view,) = [p for p in inset.patches if p.get_gid() == "view"]
    assert view.get_x() == pytest.approx(ax.get_xlim()[0])
    assert view.get_width() == pytest.approx(np.diff(ax.get_xlim())[0])


def test_plot_map_statuses_labels_with_contested_range(donetsk_layer):
    ax = plot.plot_map(donetsk_layer, "Donetsk", line=False, decimals=1)
    row = fl.control_table(donetsk_layer, "Donetsk").iloc[0]
    lo, hi = row.occupied_pct, row.occupied_pct + row.contested_pct
    assert texts(ax, "region_label") == [f"Donetsk\n{lo:.1f}–{hi:.1f}% Russian-held"]
    assert legend_texts(ax) == [
        "Russian-held since 24 Feb 2022",
        "Russian-held before 24 Feb 2022",
        "Contested (grey zone)",
        "Liberated (retaken by Ukraine)",
        "Ukrainian-held",
        _parts.RANGE_NOTE,
    ]
    # Not illustrative: no stamp; the source is named in the caption.
    assert texts(ax, "illustrative") == []
    assert "Control: test boxes, situation on 20 November 2024." in " ".join(
        texts(ax, "caption")[0].split()
    )
    # Status patches are drawn in the palette (one collection each).
    drawn = {
        to_hex(c.get_facecolor()[0]) for c in ax.collections if len(c.get_facecolor())
    }
    assert {c.lower() for c in STATUS_COLORS.values()} <= drawn


def test_legend_lists_only_what_is_in_view(sample):
    ax = plot.plot_map(sample, "Kharkiv", line=False, labels=False, caption=False)
    assert "Russian-held before 24 Feb 2022" not in legend_texts(ax)
    assert "Russian-held since 24 Feb 2022" in legend_texts(ax)


def scale_bar(ax):
    (bar,) = [a for a in ax.artists if a.get_gid() == "scale_bar"]
    return bar


@pytest.mark.parametrize("regions", ["four", "Kharkiv", "all"])
def test_scale_bar_is_true_at_its_latitude(sample, regions):
    ax = plot.plot_map(
        sample, regions, line=False, labels=False, caption=False, towns=False
    )
    bar = scale_bar(ax)
    # matplotlib-scalebar: dx metres per data unit (a degree of longitude).
    lat = bar.frontline_latitude
    _, _, metres = GEOD.inv(30.0, lat, 31.0, lat)  # the geodesic: ~1e-5 shorter
    assert bar.dx == pytest.approx(metres, rel=1e-4)
    assert bar.units == "m" and bar.fixed_units == "km"
    length_km = bar.fixed_value
    # Drawn near the parallel it is true on: within the lowest tenth of the map.
    fig = ax.get_figure()
    fig.canvas.draw()
    box = bar.get_window_extent().transformed(ax.transData.inverted())
    assert (
        box.y0 - 0.02 * np.diff(ax.get_ylim())[0]
        <= lat
        <= box.y1 + 0.05 * (np.diff(ax.get_ylim())[0])
    )
    # A round length (1, 2 or 5 × 10ⁿ km: no "12.5" or "25"), about a fifth
    # of the map's width; its only label says it.
    width_km = np.diff(ax.get_xlim())[0] * metres / 1000
    assert 0.08 < length_km / width_km <= 0.2
    mantissa = length_km / 10 ** math.floor(math.log10(length_km))
    assert mantissa in {1, 2, 5}
    assert bar.info.scale_text == f"{length_km:g} km"  # drawn above


def test_map_aspect_is_one_over_cos_latitude(sample):
    ax = plot.plot_map(sample, "four", line=False, labels=False, caption=False)
    mid = sum(ax.get_ylim()) / 2
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(mid)))


def test_labels_do_not_overlap_on_the_whole_country(sample):
    ax = plot.plot_map(sample, "all", line=False, caption=False)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == "region_label"]
    assert len(labels) == 27
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlaps = [
        (labels[i].get_text(), labels[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert overlaps == []
    # Terse labels at country scale: no "Russian-held" suffix, no 0% units.
    names = {t.get_text().split("\n")[0] for t in labels}
    assert "Lviv" in names and "Lviv" in [t.get_text() for t in labels]
    assert not any("Russian-held" in t.get_text() for t in labels)
    # The whole country is in view: no inset locator.
    assert not [a for a in ax.child_axes if a.get_label() == "inset"]


def test_furniture_takes_distinct_corners(sample):
    ax = plot.plot_map(sample, "six", line=False, caption=False)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    (inset,) = [a for a in ax.child_axes if a.get_label() == "inset"]
    stamp = next(t for t in ax.texts if t.get_gid() == "illustrative")
    boxes = [
        legend,
        inset.get_window_extent(renderer),
        stamp.get_window_extent(renderer),
    ]
    boxes.append(scale_bar(ax).get_window_extent(renderer))
    for i in range(3):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])


def test_fixed_corners_are_respected(sample):
    ax = plot.plot_map(
        sample,
        "four",
        line=False,
        labels=False,
        caption=False,
        legend_loc="lower left",
        inset_loc="upper right",
    )
    fig = ax.get_figure()
    fig.canvas.draw()
    host = ax.get_window_extent()
    legend = ax.get_legend().get_window_extent()
    (inset,) = [a for a in ax.child_axes if a.get_label() == "inset"]
    box = inset.get_window_extent()
    assert legend.x0 - host.x0 < 0.05 * host.width
    assert legend.y0 - host.y0 < 0.05 * host.height
    assert host.x1 - box.x1 < 0.05 * host.width
    assert host.y1 - box.y1 < 0.05 * host.height


@pytest.fixture(scope="module")
def hand_line():
    """A front line as frontline.line.front_line shapes it: lines + river flag."""
    return gpd.GeoDataFrame(
        {"region_id": ["UA-14", "UA-65"], "river": [False, True]},
        geometry=[
            shapely.LineString([(37.4, 47.6), (37.4, 48.3)]),
            shapely.LineString([(33.0, 46.8), (33.6, 46.75)]),
        ],
        crs="EPSG:4326",
    )


def test_a_given_line_is_drawn_land_solid_river_dashed(sample, hand_line):
    ax = plot.plot_map(sample, "four", line=hand_line, labels=False, caption="full")
    by_gid = {c.get_gid(): c for c in ax.collections if c.get_gid()}
    land, river = by_gid["front_line"], by_gid["front_line_river"]
    assert len(land.get_paths()) == 1 and len(river.get_paths()) == 1
    np.testing.assert_allclose(
        land.get_paths()[0].vertices, [(37.4, 47.6), (37.4, 48.3)]
    )
    assert land.get_linestyle()[0][1] is None  # solid
    assert river.get_linestyle()[0][1] is not None  # dashed
    assert legend_texts(ax)[-2:] == ["Front line", "Front line along a river"]
    assert "Front line: as supplied with the map call." in " ".join(
        texts(ax, "caption")[0].split()
    )


def test_line_outside_the_view_stays_out_of_the_legend(sample, hand_line):
    ax = plot.plot_map(sample, "Kharkiv", line=hand_line, labels=False, caption=False)
    assert "Front line along a river" not in legend_texts(ax)


@pytest.mark.slow
def test_default_line_comes_from_frontline_line(sample):
    pytest.importorskip("frontline.line")
    ax = plot.plot_map(sample, "four", labels=False, caption="full")
    (land,) = [c for c in ax.collections if c.get_gid() == "front_line"]
    assert len(land.get_paths()) > 0
    assert to_hex(land.get_color()[0]) == "#111111"
    assert "Front line" in legend_texts(ax)
    river = [c for c in ax.collections if c.get_gid() == "front_line_river"]
    assert ("Front line along a river" in legend_texts(ax)) == bool(river)
    caption = " ".join(texts(ax, "caption")[0].split())
    assert "Front line (frontline.line.front_line): the edge of the Russian-held" in (
        caption
    )
    assert ("River guide:" in caption) == bool(river)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"line": "yes"}, r"line must be True, False or a GeoDataFrame"),
        ({"inset_loc": "middle"}, r"unknown inset_loc 'middle'"),
        ({"legend_loc": "best"}, r"unknown legend_loc 'best'"),
    ],
)
def test_plot_map_rejects_bad_options(sample, kwargs, match):
    with pytest.raises(fl.OptionError, match=match):
        plot.plot_map(sample, "four", **kwargs)


def test_plot_map_rejects_a_projected_line(sample, hand_line):
    with pytest.raises(fl.OptionError, match=r"line must be in EPSG:4326"):
        plot.plot_map(sample, "four", line=hand_line.to_crs("EPSG:3857"))


def test_plot_map_uses_the_given_axes_and_never_shows_or_saves(sample, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("plot functions must not show or save")

    monkeypatch.setattr(plt, "show", forbidden)
    monkeypatch.setattr(mpl.figure.Figure, "savefig", forbidden)
    fig, ax = plt.subplots()
    assert plot.plot_map(sample, "four", line=False, ax=ax) is ax
    assert plt.get_fignums() == [fig.number]


@check_figures_equal(extensions=["png"])
def test_bare_map_is_the_geopandas_drawing(fig_test, fig_ref, donetsk_layer):
    """With every extra off, plot_map is outlines + statuses, nothing else."""
    kw = {
        "line": False,
        "labels": False,
        "legend": False,
        "scale_bar": False,
        "inset": False,
    }
    plot.plot_map(
        donetsk_layer,
        "Donetsk",
        caption=False,
        context=False,
        towns=False,
        title="",
        ax=fig_test.subplots(),
        **kw,
    )
    ax = fig_ref.subplots()
    units = fl.load_regions("all")
    units.plot(
        ax=ax, facecolor=HELD_COLOR, edgecolor="#B4B4B4", linewidth=0.5, zorder=1
    )
    # The statuses as drawn: dissolved, gaps closed, cut to Ukraine's outline
    # (the occupied_before_2022 box reaches into the Taganrog bay).
    shapes = _parts.status_shapes(donetsk_layer, ukraine_outline())
    before_2022 = donetsk_layer.status == "occupied_before_2022"
    whole = close_gaps(donetsk_layer.geometry[before_2022].values)
    assert fl.area_km2(shapes["occupied_before_2022"]) < fl.area_km2(whole) - 1
    russian = _parts.drawable(
        close_gaps([shapes["occupied"], shapes["occupied_before_2022"]])
    )
    for status, geom in shapes.items():
        gpd.GeoSeries([russian if status == "occupied" else geom], crs=4326).plot(
            ax=ax, zorder=2, **_style.status_style(status)
        )
    units.boundary.plot(ax=ax, color="#B4B4B4", linewidth=0.5, zorder=3)
    gpd.GeoSeries([ukraine_outline()], crs=4326).boundary.plot(
        ax=ax, color="#7A7A7A", linewidth=0.9, zorder=3.05
    )
    fl.load_regions("Donetsk").boundary.plot(
        ax=ax, color="#3C3C3C", linewidth=1.0, zorder=3.1
    )
    x0, y0, x1, y1 = fl.load_regions("Donetsk").total_bounds
    px, py = max(0.06 * (x1 - x0), 0.15), max(0.06 * (y1 - y0), 0.1)
    ax.set_xlim(x0 - px, x1 + px)
    ax.set_ylim(y0 - py, y1 + py)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#9A9A9A")
        spine.set_linewidth(0.8)


# ------------------------------------------------- context, towns, captions


def test_context_fills_sea_and_neighbours_and_names_them(sample):
    ax = plot.plot_map(
        sample, "Donetsk", line=False, labels=False, caption=False, towns=False
    )
    assert to_hex(ax.get_facecolor()) == plot.SEA_COLOR.lower()
    (neighbours,) = [c for c in ax.collections if c.get_gid() == "neighbours"]
    assert {to_hex(c) for c in neighbours.get_facecolor()} == {
        plot.NEIGHBOUR_COLOR.lower()
    }
    assert neighbours.get_zorder() < 1  # under Ukraine's units
    assert texts(ax, "country_label") == ["RUSSIA"]
    whole = plot.plot_map(sample, "all", line=False, labels=False, caption=False)
    assert {"RUSSIA", "BELARUS", "POLAND", "MOLDOVA", "ROMANIA"} <= set(
        texts(whole, "country_label")
    )
    assert "Black Sea" in texts(whole, "sea_label")
    bare = plot.plot_map(sample, "Donetsk", line=False, context=False, towns=False)
    assert to_hex(bare.get_facecolor()) == "#ffffff"
    assert not texts(bare, "country_label")
    assert not [c for c in bare.collections if c.get_gid() == "neighbours"]


def _boxes(ax, gid):
    renderer = ax.get_figure().canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == gid]


def test_towns_at_oblast_zoom_largest_first_and_clear_of_other_labels(sample):
    ax = plot.plot_map(sample, "Donetsk", line=False, caption=False)
    ax.get_figure().canvas.draw()
    towns = texts(ax, "town_label")
    assert 5 <= len(towns) <= 12
    assert {"Kramatorsk", "Pokrovsk", "Mariupol"} <= set(towns)
    (dots,) = [c for c in ax.collections if c.get_gid() == "town"]
    assert len(dots.get_offsets()) == len(towns)
    boxes = _boxes(ax, "town_label") + _boxes(ax, "region_label")
    boxes.append(ax.get_legend().get_window_extent())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    frame = ax.get_window_extent()
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)
    # Credited in the caption.
    caption = plot.plot_map(sample, "Donetsk", line=False)
    assert "Towns and settlement positions: GeoNames" in " ".join(
        texts(caption, "caption")[0].split()
    )


@pytest.mark.parametrize(("towns", "most"), [(False, 0), (3, 3)])
def test_towns_option(sample, towns, most):
    ax = plot.plot_map(sample, "Donetsk", line=False, caption=False, towns=towns)
    assert 0 < len(texts(ax, "town_label")) <= most or most == 0
    assert len(texts(ax, "town_label")) <= most


def test_no_towns_on_the_whole_country(sample):
    ax = plot.plot_map(sample, "all", line=False, labels=False, caption=False)
    assert texts(ax, "town_label") == []
    with pytest.raises(fl.OptionError, match=r"towns must be True, False or a number"):
        plot.plot_map(sample, "all", towns=-1)


def test_short_caption_names_source_date_boundaries_and_credit(sample):
    ax = plot.plot_map(sample, "four", line=False, credit="Analysis: A. Reporter")
    (caption,) = texts(ax, "caption")
    lines = caption.split("\n")
    flat = " ".join(caption.split())
    assert lines[0] == "ILLUSTRATIVE sample, not a survey."
    assert (
        "Control: frontline illustrative sample for 2024-11-20, situation on 20 "
        "November 2024." in flat
    )
    assert "Natural Earth (public domain)" in flat and "Made with frontline." in flat
    assert lines[-1] == "Analysis: A. Reporter"
    # No method text in the short caption.
    assert "WGS84" not in flat and "tolerance" not in flat
    assert len(lines) <= 5


@pytest.mark.slow
def test_full_caption_has_the_method_and_none_has_nothing(sample, hand_line):
    full = plot.plot_map(sample, "four", line=hand_line, caption="full", credit="X")
    flat = " ".join(texts(full, "caption")[0].split())
    assert "Labels: Russian-held share of each region's area" in flat
    assert "Front line: as supplied with the map call." in flat
    assert flat.endswith("Made with frontline. X")
    none = plot.plot_map(sample, "four", line=False, caption="none")
    assert texts(none, "caption") == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"caption": "long"}, r"unknown caption 'long'; expected one of"),
        ({"credit": 3}, r"credit must be a line of text"),
    ],
)
def test_caption_options_are_checked(sample, kwargs, match):
    with pytest.raises(fl.OptionError, match=match):
        plot.plot_map(sample, "four", line=False, **kwargs)


@pytest.mark.parametrize(
    ("occupied", "contested", "expected"),
    [(76.6, 0.3, "77%"), (65.4, 3.9, "65–69%"), (50.0, 0.0, "50%")],
)
def test_share_ranges_never_collapse(occupied, contested, expected):
    from frontline.plot._caption import _share_text

    row = pd.Series({"occupied_pct": occupied, "contested_pct": contested})
    assert _share_text(row, 0, suffix=False) == expected


def test_a_range_is_explained_in_the_legend(donetsk_layer, sample):
    ax = plot.plot_map(donetsk_layer, "Donetsk", line=False, towns=False)
    assert legend_texts(ax)[-1] == _parts.RANGE_NOTE
    ax = plot.plot_map(sample, "Donetsk", line=False, towns=False)
    assert _parts.RANGE_NOTE not in legend_texts(ax)


def test_editable_svg_keeps_texts(sample):
    import io
    import re

    ax = plot.plot_map(sample, "four", line=False, credit="Analysis: A. Reporter")
    halos = [t for t in ax.texts if t.get_path_effects()]
    out = io.StringIO()
    with plot.editable_text(ax.get_figure()):
        ax.get_figure().savefig(out, format="svg")
    svg = out.getvalue()
    drawn = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert ax.get_title(loc="left") in drawn
    assert "Analysis: A. Reporter" in drawn
    assert {"Donetsk", "Kramatorsk"} <= set(drawn)  # a region and a town label
    # The halos are back afterwards.
    assert all(t.get_path_effects() for t in halos)
    assert all(t.get_bbox_patch() is None for t in halos)


# ------------------------------------------------------------- plot_shares


@pytest.fixture(scope="module")
def shares_table():
    """A report table by hand: two oblasts (one with a grey zone), a group."""
    table = pd.DataFrame(
        {
            "region_id": ["UA-14", "UA-09", "four"],
            "name": ["Donetsk", "Luhansk", "Donetsk, Luhansk, Zaporizhzhia, Kherson"],
            "area_km2": [26500.0, 26700.0, 53200.0],
            "occupied_km2": [17500.0, 26400.0, 43900.0],
            "contested_km2": [530.0, 0.0, 530.0],
            "held_km2": [8470.0, 300.0, 8770.0],
            "occupied_before_2022_km2": [8900.0, 8600.0, 17500.0],
        }
    )
    for what in ("occupied", "contested", "held"):
        table[f"{what}_pct"] = 100 * table[f"{what}_km2"] / table.area_km2
    table.attrs.update(
        {"date": "2024-11-20", "source": "hand-made table", "boundaries": "boxes"}
    )
    return table


def test_plot_shares_bars_ranges_and_groups(shares_table):
    ax = plot.plot_shares(shares_table)
    t = shares_table
    pre = 100 * t.occupied_before_2022_km2 / t.area_km2
    by_gid = {}
    for patch in ax.patches:
        by_gid.setdefault(patch.get_gid(), []).append(patch)
    assert [
        len(by_gid[g])
        for g in ("occupied_before_2022", "occupied", "contested", "held")
    ] == [3, 3, 3, 3]
    np.testing.assert_allclose(
        [p.get_width() for p in by_gid["occupied_before_2022"]], pre
    )
    np.testing.assert_allclose(
        [p.get_width() for p in by_gid["occupied"]], t.occupied_pct - pre
    )
    np.testing.assert_allclose([p.get_x() for p in by_gid["contested"]], t.occupied_pct)
    np.testing.assert_allclose(
        [p.get_width() for p in by_gid["contested"]], t.contested_pct
    )
    np.testing.assert_allclose(
        [p.get_x() + p.get_width() for p in by_gid["held"]], 100, rtol=1e-12
    )
    assert {to_hex(p.get_facecolor()) for p in by_gid["occupied"]} == {"#ee8866"}
    assert all(p.get_hatch() == "////" for p in by_gid["contested"])
    # Contested area makes the Russian-held share a range: text and bracket.
    lo, hi = t.occupied_pct, t.occupied_pct + t.contested_pct
    assert texts(ax, "value") == [
        f"{lo[0]:.1f}–{hi[0]:.1f}%",
        f"{lo[1]:.1f}%",
        f"{lo[2]:.1f}–{hi[2]:.1f}%",
    ]
    (bracket, _) = [ln for ln in ax.lines if ln.get_gid() == "range"]
    assert min(bracket.get_xdata()) == pytest.approx(lo[0])
    assert max(bracket.get_xdata()) == pytest.approx(hi[0])
    # Rows top to bottom; the group row is named and set in bold on a band.
    ticks = ax.get_yticklabels()
    assert [tk.get_text() for tk in ticks] == ["Donetsk", "Luhansk", "Four regions"]
    assert [tk.get_fontweight() for tk in ticks] == ["normal", "normal", "bold"]
    assert legend_texts(ax) == [
        "Russian-held before 2022",
        "Russian-held since 2022",
        "Contested",
        "Ukrainian-held",
    ]
    assert ax.get_title(loc="left") == "Share of each region's area, 20 November 2024"
    assert (
        "Control: hand-made table, situation on 20 November 2024. Boundaries: "
        in (texts(ax, "caption")[0])
    )


def test_plot_shares_of_a_real_report(sample):
    table = fl.control_table(sample, "six")
    ax = plot.plot_shares(table)
    values = texts(ax, "value")
    assert values == [f"{v:.1f}%" for v in table.occupied_pct]
    assert "ILLUSTRATIVE data, not a survey." in texts(ax, "caption")[0]


def test_plot_shares_needs_a_report_table():
    with pytest.raises(fl.OptionError, match=r"missing column\(s\) \['contested_pct'"):
        plot.plot_shares(
            pd.DataFrame(
                {"region_id": ["UA-14"], "name": ["Donetsk"], "occupied_pct": [60.0]}
            )
        )


# ---------------------------------------------------- time series, changes


@pytest.fixture(scope="module")
def series():
    """A tidy time series as frontline.timeseries shapes it (two months)."""
    dates = pd.to_datetime(["2024-10-31", "2024-11-30"])
    rows = []
    for date, shift in zip(dates, (0.0, 1.0), strict=True):
        rows += [
            (date, "UA-14", "occupied", 8000 + 500 * shift, 30.0 + 2 * shift),
            (date, "UA-14", "occupied_before_2022", 8900.0, 33.6),
            (date, "UA-14", "contested", 500.0, 1.9),
            (date, "UA-23", "occupied", 19600.0 + 10 * shift, 72.1 + 0.1 * shift),
            (date, "UA-23", "occupied_before_2022", 0.0, 0.0),
            (date, "UA-23", "contested", 0.0, 0.0),
            (date, "four", "occupied", 60000.0 + 600 * shift, 55.0 + shift),
            (date, "four", "occupied_before_2022", 17500.0, 16.0),
            (date, "four", "contested", 500.0, 0.5),
        ]
    return pd.DataFrame(
        rows, columns=["date", "region_id", "status", "area_km2", "share_pct"]
    )


def test_plot_timeseries_sums_russian_held_per_region(series):
    ax = plot.plot_timeseries(series)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert list(lines) == ["Donetsk", "Zaporizhzhia", "Four regions"]
    np.testing.assert_allclose(lines["Donetsk"].get_ydata(), [63.6, 65.6])
    np.testing.assert_allclose(lines["Zaporizhzhia"].get_ydata(), [72.1, 72.2])
    assert to_hex(lines["Donetsk"].get_color()) == "#4477aa"
    assert lines["Four regions"].get_linestyle() == "--"
    # Contested area shades a band above Donetsk and the group, not Zaporizhzhia.
    assert len(ax.collections) == 2
    assert legend_texts(ax)[-1] == "shaded: + contested"
    assert ax.get_ylabel() == "Russian-held, % of region"


def test_plot_timeseries_uses_a_russian_held_status_when_the_table_has_one(series):
    own = series[series.status == "occupied"].assign(status="russian_held")
    ax = plot.plot_timeseries(pd.concat([series, own]), value="area_km2", band=False)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_allclose(lines["Donetsk"].get_ydata(), [8000, 8500])


def test_plot_timeseries_one_status_and_selected_regions(series):
    ax = plot.plot_timeseries(series, status="contested", regions=["Donetsk"])
    (line,) = ax.get_lines()
    assert line.get_label() == "Donetsk"
    np.testing.assert_allclose(line.get_ydata(), [1.9, 1.9])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": "liberated"}, r"status 'liberated' is not in the time series"),
        ({"value": "km2"}, r"unknown value 'km2'"),
        ({"regions": ["Kharkiv"]}, r"region 'Kharkiv' is not in the table"),
        ({"regions": ["Atlantis"]}, r"region 'Atlantis' is not in the table"),
    ],
)
def test_plot_timeseries_rejects(series, kwargs, match):
    with pytest.raises(fl.OptionError, match=match):
        plot.plot_timeseries(series, **kwargs)


def test_plot_timeseries_needs_the_tidy_columns(series):
    with pytest.raises(fl.OptionError, match=r"missing column\(s\) \['status'\]"):
        plot.plot_timeseries(series.drop(columns="status"))


@pytest.fixture(scope="module")
def change_table():
    """A change table as frontline.timeseries.changes shapes it."""
    periods = pd.to_datetime(["2024-10-01", "2024-11-01"])
    rows = []
    for period, g14, l14, g23 in zip(
        periods, (480, 600), (5, 12), (10, 0), strict=True
    ):
        rows += [
            (period, "UA-14", "russian_held", g14, l14, g14 - l14),
            (period, "UA-23", "russian_held", g23, 2, g23 - 2),
            (period, "four", "russian_held", g14 + g23, l14 + 2, g14 + g23 - l14 - 2),
            (period, "UA-14", "contested", 1, 1, 0),
        ]
    return pd.DataFrame(
        rows,
        columns=["period", "region_id", "status", "gained_km2", "lost_km2", "net_km2"],
    )


def test_plot_changes_one_region_diverging(change_table):
    ax = plot.plot_changes(change_table, region="Donetsk")
    gained = [p.get_height() for p in ax.patches if p.get_gid() == "gained"]
    lost = [p.get_height() for p in ax.patches if p.get_gid() == "lost"]
    assert gained == [480, 600] and lost == [-5, -12]
    assert {
        to_hex(p.get_facecolor()) for p in ax.patches if p.get_gid() == "gained"
    } == {CHANGE_COLORS["gained"].lower()}
    assert {to_hex(p.get_facecolor()) for p in ax.patches if p.get_gid() == "lost"} == {
        CHANGE_COLORS["lost"].lower()
    }
    (net,) = [ln for ln in ax.lines if ln.get_gid() == "net"]
    np.testing.assert_allclose(net.get_ydata(), [475, 588])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Oct 2024", "Nov 2024"]
    assert (
        ax.get_title(loc="left")
        == "Gains and losses of Russian-held territory: Donetsk"
    )


def test_plot_changes_stacks_units_and_leaves_groups_out(change_table):
    ax = plot.plot_changes(change_table)
    gained = [p for p in ax.patches if p.get_gid() == "gained"]
    assert len(gained) == 4  # two units × two periods; the group row is not added
    tops = {}
    for p in gained:
        tops[round(p.get_x(), 3)] = max(
            tops.get(round(p.get_x(), 3), 0), p.get_y() + p.get_height()
        )
    assert sorted(tops.values()) == [490, 600]
    assert legend_texts(ax) == ["Donetsk", "Zaporizhzhia", "Net"]
    (net,) = [ln for ln in ax.lines if ln.get_gid() == "net"]
    np.testing.assert_allclose(net.get_ydata(), [483, 586])


def test_plot_changes_net_only(change_table):
    net_only = change_table.assign(gained_km2=np.nan, lost_km2=np.nan)
    ax = plot.plot_changes(net_only, region="UA-14")
    assert [p.get_gid() for p in ax.patches] == ["net", "net"]
    assert [p.get_height() for p in ax.patches] == [475, 588]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"region": "Kharkiv"}, r"region 'Kharkiv' is not in the table"),
        ({"status": "liberated"}, r"status 'liberated' is not in the change table"),
        ({"period": "week"}, r"missing column\(s\) \['week'\]"),
    ],
)
def test_plot_changes_rejects(change_table, kwargs, match):
    with pytest.raises(fl.OptionError, match=match):
        plot.plot_changes(change_table, **kwargs)


def test_plot_changes_needs_a_period_and_one_group(change_table):
    with pytest.raises(
        fl.OptionError, match=r"cannot tell which column holds the period"
    ):
        plot.plot_changes(change_table.drop(columns="period"))
    groups = change_table.assign(
        region_id=change_table.region_id.map(
            {"UA-14": "four", "UA-23": "six", "four": "four"}
        )
    )
    with pytest.raises(fl.OptionError, match=r"several groups \['four', 'six'\]"):
        plot.plot_changes(groups)


# --------------------------------------------------------- plot_change_map


def _layer(box, date):
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(*box)], crs="EPSG:4326")
    return fl.read_control(gdf, date=date)


def test_plot_change_map_gained_and_lost(sample):
    before = _layer((37.5, 47.5, 38.0, 48.0), "2024-11-01")
    after = _layer((37.4, 47.5, 37.9, 48.0), "2024-11-30")
    ax = plot.plot_change_map(before, after, "Donetsk")
    by_gid = {c.get_gid(): c for c in ax.collections if c.get_gid()}
    assert {"gained", "lost"} <= set(by_gid)
    np.testing.assert_allclose(
        by_gid["gained"].get_paths()[0].get_extents().bounds, (37.4, 47.5, 0.1, 0.5)
    )
    np.testing.assert_allclose(
        by_gid["lost"].get_paths()[0].get_extents().bounds, (37.9, 47.5, 0.1, 0.5)
    )
    gained = fl.area_km2(shapely.box(37.4, 47.5, 37.5, 48.0))
    lost = fl.area_km2(shapely.box(37.9, 47.5, 38.0, 48.0))
    assert legend_texts(ax) == [
        "Russian-held on 30 November 2024",
        f"Became Russian-held: {gained:,.0f} km²",
        f"No longer Russian-held: {lost:,.0f} km²",
    ]
    assert texts(ax, "region_label") == [f"Donetsk\n+{gained:,.0f} / −{lost:,.0f} km²"]
    # Wrapped to stay in the figure (the map of one oblast is narrow).
    assert " ".join(ax.get_title(loc="left").split()) == (
        "Change in Russian-held territory, 1 November 2024 to 30 November 2024"
    )


def test_plot_change_map_leaves_the_redrawn_coast_out():
    # The Kherson coast redrawn 22 m further out, and nothing else: the sliver
    # is noise, not drawn; the label says "no change", never "+0 / −0"; the
    # caption gives its km², counted in the legend's total.
    coast = shapely.box(33.0, 46.6, 33.8, 46.9)
    jitter = shapely.box(33.0, 46.6 - 0.0002, 33.8, 46.6)
    before = fl.read_control(
        gpd.GeoDataFrame(geometry=[coast], crs="EPSG:4326"), date="2025-08-01"
    )
    after = fl.read_control(
        gpd.GeoDataFrame(geometry=[coast.union(jitter)], crs="EPSG:4326"),
        date="2026-08-01",
    )
    ax = plot.plot_change_map(before, after, "Kherson", caption="full")
    assert not [c for c in ax.collections if c.get_gid() in ("gained", "lost")]
    assert texts(ax, "region_label") == ["Kherson\nno change"]
    noise = fl.area_km2(jitter)
    assert legend_texts(ax)[1] == f"Became Russian-held: {noise:,.0f} km²"
    caption = texts(ax, "caption")[0].replace("\n", " ")
    assert f"+{noise:,.1f} / −0.0 km²" in caption
    assert "narrower than 100 m" in caption
    assert "Tolerance: gaps 5 m, slivers 100 m" in caption
    # The short caption (the default) leaves the method out.
    short = plot.plot_change_map(before, after, "Kherson")
    assert "narrower than" not in texts(short, "caption")[0]
    # A stricter tolerance draws it.
    ax = plot.plot_change_map(
        before, after, "Kherson", tolerance=fl.Tolerance(sliver_m=10)
    )
    gids = [c.get_gid() for c in ax.collections]
    assert "gained" in gids and "lost" not in gids
    assert texts(ax, "region_label") == [f"Kherson\n+{noise:,.0f} km²"]


@pytest.mark.parametrize(
    ("gained", "lost", "text"),
    [
        (0.0, 0.0, "no change"),
        (0.3, 0.0, "+<1 km²"),
        (0.0, 14.2, "−14 km²"),
        (1234.4, 0.2, "+1,234 / −<1 km²"),
    ],
)
def test_change_labels_never_say_zero(gained, lost, text):
    from frontline.plot.maps import _change_text

    assert _change_text(gained, lost) == text


def test_plot_map_draws_nothing_outside_the_outline():
    # A "liberated" polygon reaching from Mykolaiv oblast into the Black Sea
    # and an occupied patch drawn across the Russian border: what lies outside
    # Ukraine's outline is not drawn, in the PNG as in explore's HTML.
    gdf = gpd.GeoDataFrame(
        {"status": ["liberated", "occupied"]},
        geometry=[
            shapely.box(31.0, 45.5, 31.6, 47.0),
            shapely.box(39.5, 49.0, 40.8, 49.4),
        ],
        crs="EPSG:4326",
    )
    layer = fl.read_control(gdf, status_column="status", date="2024-11-20")
    ax = plot.plot_map(layer, "six", line=False, caption="full")
    outline = ukraine_outline().buffer(1e-6)
    colours = {STATUS_COLORS[s].lower() for s in ("liberated", "occupied")}
    drawn = [
        c
        for c in ax.collections
        if len(c.get_facecolor()) and to_hex(c.get_facecolor()[0]) in colours
    ]
    assert len(drawn) == 2
    for collection in drawn:
        for path in collection.get_paths():
            for ring in path.to_polygons():
                assert outline.contains(shapely.MultiPoint(ring)), ring.min(axis=0)
    caption = texts(ax, "caption")[0].replace("\n", " ")
    assert "for shapes and lines only, areas are exact" in caption
    # The report table still counts the layer as it is (areas are exact).
    table = fl.control_table(layer, "all")
    assert table.set_index("region_id").loc["all", "liberated_km2"] == pytest.approx(
        fl.area_km2(shapely.intersection(gdf.geometry[0], ukraine_outline())), rel=1e-6
    )


def test_plot_control_draws_no_seam_between_features():
    # Two occupied features 0.4 m apart (a map's hairline gap): one shape.
    gdf = gpd.GeoDataFrame(
        geometry=[
            shapely.box(37.0, 47.5, 37.5, 48.0),
            shapely.box(37.500005, 47.5, 38.0, 48.0),
        ],
        crs="EPSG:4326",
    )
    layer = fl.read_control(gdf, status="occupied", date="2024-11-20")
    ax = plot.plot_control(layer)
    (collection,) = ax.collections
    (path,) = collection.get_paths()
    assert len(path.to_polygons()) == 1  # one ring: no gap left between them
    ax = plot.plot_control(layer, tolerance=fl.Tolerance(gap_m=0))
    assert len(ax.collections[0].get_paths()[0].to_polygons()) == 2


# ----------------------------------------------------------------- animate


def test_animate_writes_a_gif_one_frame_per_layer(tmp_path):
    from PIL import Image

    layers = [
        _layer((37.5, 47.5, 38.0, 48.0), "2024-11-01"),
        _layer((37.4, 47.5, 38.0, 48.0), "2024-11-30"),
    ]
    out = plot.animate(
        layers, tmp_path / "map.gif", "Donetsk", dpi=30, line=False, figsize=(4, 3.5)
    )
    assert out == tmp_path / "map.gif"
    with Image.open(out) as gif:
        assert gif.n_frames == 2
        assert gif.size == (120, 105)
    assert [p.name for p in tmp_path.iterdir()] == ["map.gif"]  # no temp file left
    assert plt.get_fignums() == []


def test_animate_without_ffmpeg_names_the_fix(tmp_path, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    layer = _layer((37.5, 47.5, 38.0, 48.0), "2024-11-01")
    with pytest.raises(ImportError, match=r"MP4 needs ffmpeg.*apt install ffmpeg"):
        plot.animate([layer], tmp_path / "map.mp4")
    with pytest.raises(ImportError, match=r"GIF needs pillow"):
        plot.animate([layer], tmp_path / "map.gif")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "layers", "kwargs", "match"),
    [
        ("map.avi", 1, {}, r"extension must be \.gif or \.mp4"),
        ("map.gif", 0, {}, r"at least one control layer"),
        ("map.gif", 1, {"fps": 0}, r"fps must be a whole number"),
    ],
)
def test_animate_rejects(tmp_path, name, layers, kwargs, match):
    layer = _layer((37.5, 47.5, 38.0, 48.0), "2024-11-01")
    with pytest.raises(fl.OptionError, match=match):
        plot.animate([layer] * layers, tmp_path / name, **kwargs)


# ----------------------------------------------------------------- explore


def test_explore_builds_a_folium_map(sample, hand_line):
    folium = pytest.importorskip("folium")
    pytest.importorskip("mapclassify")
    m = plot.explore(sample, "four", line=hand_line, credit="Analysis: A. Reporter")
    assert isinstance(m, folium.Map)
    html = m.get_root().render()
    for color in (STATUS_COLORS["occupied"], STATUS_COLORS["occupied_before_2022"]):
        assert color.lower() in html.lower()
    assert "Russian-held %" in html  # per-region popups
    assert "ILLUSTRATIVE sample, not a survey." in html
    assert "Natural Earth (public domain)" in html
    assert "GeoNames (geonames.org), CC BY 4.0" in html
    assert "Analysis: A. Reporter" in html and "Made with frontline." in html
    # Legend (no branca legend and its jQuery UI), Ukrainian-held filled, the
    # line's two kinds, the title; hover leaves the fill alone.
    assert "frontline-legend" in html and "jquery-ui" not in html
    assert "Ukrainian-held" in html and HELD_COLOR in html
    assert "Front line" in html and "Dashed: the front line along a river." in html
    assert "<title>Territorial control: Donetsk, Luhansk, Zaporizhzhia" in html
    assert "frontline-hover" in html and "fillOpacity: 0.75" not in html.replace(
        '"fillOpacity": 0.75', ""
    )
    assert "frontline-notice" in html  # says so when Leaflet or tiles fail
    page = plot.to_html(m)
    assert "<script src" not in page and "Leaflet 1.9.4" in page
    assert plot.to_html(m, self_contained=False).count("<script src") >= 1
    titled = plot.to_html(plot.explore(sample, "four", line=False, title="A & B"))
    assert "<title>A &amp; B</title>" in titled
    # The tolerance is method: in the full caption only (and in attrs).
    assert "Tolerance: gaps 5 m" not in html
    full = plot.explore(sample, "four", line=hand_line, caption="full")
    assert "Tolerance: gaps 5 m" in full.get_root().render()


def test_explore_draws_nothing_outside_the_outline():
    pytest.importorskip("folium")
    pytest.importorskip("mapclassify")
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.box(31.0, 45.5, 31.6, 47.0)], crs="EPSG:4326"
    )
    layer = fl.read_control(gdf, status="liberated", date="2024-11-20")
    html = plot.explore(layer, "six", line=False).get_root().render()
    # The box's corners in Mykolaiv oblast are drawn, those in the Black Sea
    # are cut off (the outline, filled Ukrainian-held, has its own vertices).
    assert "[31.0, 47.0]" in html and "[31.6, 47.0]" in html
    assert "[31.0, 45.5]" not in html and "[31.6, 45.5]" not in html


def test_explore_without_folium_says_how_to_install(sample, monkeypatch):
    monkeypatch.setitem(sys.modules, "folium", None)
    with pytest.raises(ImportError, match=r'pip install "frontline\[explore\]"'):
        plot.explore(sample)


def test_date_text_formats():
    assert _parts.date_text(dt.date(2024, 11, 2)) == "2 November 2024"
    assert _parts.date_text("2024-11-02") == "2 November 2024"
    assert _parts.date_text(None) == "date unknown"


def test_plot_map_with_own_boundaries_credits_them(donetsk_layer):
    raw = gpd.GeoDataFrame(
        {"id": ["UA-14", "UA-09"]},
        geometry=[shapely.box(36.5, 47.0, 38.5, 49.0), shapely.box(38.5, 47.5, 40, 50)],
        crs="EPSG:4326",
    )
    boxes = fl.from_geodataframe(raw, column="id", source="two test boxes")
    ax = plot.plot_map(donetsk_layer, "Donetsk", line=False, boundaries=boxes)
    caption = " ".join(texts(ax, "caption")[0].split())
    assert "Boundaries: two test boxes." in caption
    assert "Boundaries: Natural Earth" not in caption
    assert "Neighbouring countries: Natural Earth" in caption
    row = fl.control_table(donetsk_layer, "Donetsk", boundaries=boxes).iloc[0]
    assert texts(ax, "region_label") == [
        f"Donetsk\n{row.occupied_pct:.0f}–"
        f"{row.occupied_pct + row.contested_pct:.0f}% Russian-held"
    ]
    # The context is the boundaries given: two boxes, no other unit of Ukraine.
    (context,) = [
        c
        for c in ax.collections
        if len(c.get_facecolor()) and to_hex(c.get_facecolor()[0]) == HELD_COLOR.lower()
    ]
    assert len(context.get_paths()) == 2
