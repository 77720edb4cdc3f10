"""control_table: exact figures on synthetic shapes, and the real Reuters check."""

from __future__ import annotations

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import frontline as fl
from frontline.report import REPORT_COLUMNS


def box_area(*bounds):
    return fl.area_km2(shapely.box(*bounds))


def layer(*features):
    """A normalised control layer from (status, geometry) pairs."""
    statuses, geoms = zip(*features, strict=True)
    gdf = gpd.GeoDataFrame({"status": list(statuses)}, geometry=list(geoms), crs=4326)
    return fl.read_control(gdf, date="2024-11-20")


def test_known_areas_per_region_and_group(boxes):
    with pytest.warns(fl.FrontlineWarning, match=r"taken from occupied"):
        control = layer(
            ("occupied", shapely.box(37.5, 47, 39, 48)),  # half of UA-14, all UA-09
            ("occupied_before_2022", shapely.box(38, 47.5, 39, 48)),  # inside UA-09
            ("contested", shapely.box(37.25, 47, 37.5, 48)),  # a strip of UA-14
            ("liberated", shapely.box(35, 47, 35.5, 48)),  # half of UA-23
        )
    table = fl.control_table(control, "four", boundaries=boxes)
    assert list(table.columns[:9]) == REPORT_COLUMNS
    assert table.region_id.tolist() == ["UA-14", "UA-09", "UA-23", "UA-65", "four"]
    t = table.set_index("region_id")

    donetsk = box_area(37, 47, 38, 48)
    assert t.loc["UA-14", "area_km2"] == pytest.approx(donetsk, rel=1e-12)
    assert t.loc["UA-14", "occupied_km2"] == pytest.approx(
        box_area(37.5, 47, 38, 48), rel=1e-9
    )
    assert t.loc["UA-14", "contested_km2"] == pytest.approx(
        box_area(37.25, 47, 37.5, 48), rel=1e-9
    )
    assert t.loc["UA-14", "held_km2"] == pytest.approx(
        box_area(37, 47, 37.25, 48), rel=1e-9
    )
    # Two statuses in one region: Russian-held sums both, counted once.
    assert t.loc["UA-09", "occupied_pct"] == pytest.approx(100, rel=1e-9)
    assert t.loc["UA-09", "occupied_before_2022_km2"] == pytest.approx(
        box_area(38, 47.5, 39, 48), rel=1e-9
    )
    assert t.loc["UA-23", "liberated_km2"] == pytest.approx(
        box_area(35, 47, 35.5, 48), rel=1e-9
    )
    assert t.loc["UA-23", "held_pct"] == pytest.approx(100)
    assert t.loc["UA-65", "occupied_km2"] == 0
    # The group row sums the members and recomputes shares.
    members = t.loc[["UA-14", "UA-09", "UA-23", "UA-65"]]
    for col in ("area_km2", "occupied_km2", "contested_km2", "held_km2"):
        assert t.loc["four", col] == pytest.approx(members[col].sum(), rel=1e-12)
    assert t.loc["four", "occupied_pct"] == pytest.approx(
        100 * members.occupied_km2.sum() / members.area_km2.sum()
    )
    assert t.loc["four", "name"] == "Four regions"
    total = table[["occupied_pct", "contested_pct", "held_pct"]].sum(axis=1)
    assert (total - 100).abs().max() < 1e-9


def test_overlaps_counted_once_by_precedence(boxes):
    with pytest.warns(fl.FrontlineWarning, match=r"more than one status"):
        control = layer(
            ("contested", shapely.box(37, 47, 38, 48)),
            ("occupied", shapely.box(37, 47, 37.5, 48)),
            ("occupied", shapely.box(37.2, 47, 37.5, 48)),  # duplicate-ish feature
        )
    t = fl.control_table(control, "UA-14", boundaries=boxes).set_index("region_id")
    assert t.loc["UA-14", "occupied_km2"] == pytest.approx(
        box_area(37, 47, 37.5, 48), rel=1e-9
    )
    assert t.loc["UA-14", "contested_km2"] == pytest.approx(
        box_area(37.5, 47, 38, 48), rel=1e-9
    )
    assert t.loc["UA-14", "held_km2"] == pytest.approx(0, abs=1e-6)


def test_official_basis_scales_km2_not_shares(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 38, 48)))
    geo = fl.control_table(control, "four", boundaries=boxes).set_index("region_id")
    off = fl.control_table(
        control, "four", basis="official", boundaries=boxes
    ).set_index("region_id")
    assert off.loc["UA-14", "area_km2"] == 26_517
    scale = 26_517 / geo.loc["UA-14", "area_km2"]
    assert off.loc["UA-14", "occupied_km2"] == pytest.approx(
        geo.loc["UA-14", "occupied_km2"] * scale
    )
    assert off.loc["UA-14", "occupied_pct"] == pytest.approx(
        geo.loc["UA-14", "occupied_pct"]
    )
    assert off.loc["four", "area_km2"] == pytest.approx(
        26_517 + 26_684 + 27_183 + 28_461
    )
    assert off.attrs["basis"] == "official"


def test_attrs_record_method_source_and_totals(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 38.5, 48)))
    table = fl.control_table(control, "UA-14", boundaries=boxes)
    attrs = table.attrs
    assert attrs["date"] == "2024-11-20"
    assert "WGS84 ellipsoid" in attrs["method"]
    assert attrs["boundaries"] == "boxes"
    total = box_area(37.5, 47, 38.5, 48)
    assert attrs["control_area_km2"]["occupied"] == pytest.approx(total, abs=1e-3)
    assert attrs["control_russian_held_km2"] == pytest.approx(total, abs=1e-3)
    # Nothing of this box lies outside the four boxes.
    assert attrs["control_outside_boundaries_km2"]["occupied"] == pytest.approx(
        0, abs=1e-3
    )
    assert table.region_id.tolist() == ["UA-14"]  # a single region: no group row


def test_accepts_paths_and_raw_geodataframes(tmp_path, boxes):
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(37.5, 47, 38, 48)], crs=4326)
    path = tmp_path / "control.geojson"
    gdf.to_file(path)
    from_path = fl.control_table(path, "UA-14", boundaries=boxes)
    from_gdf = fl.control_table(gdf, "UA-14", boundaries=boxes)
    pd.testing.assert_frame_equal(
        from_path, from_gdf, check_like=False, check_exact=False
    )


def test_bad_options(boxes):
    control = layer(("occupied", shapely.box(37.5, 47, 38, 48)))
    with pytest.raises(fl.OptionError, match="unknown basis 'area'"):
        fl.control_table(control, basis="area")  # type: ignore[arg-type]
    with pytest.raises(fl.RegionNotFoundError, match="unknown region 'Narnia'"):
        fl.control_table(control, "Narnia")


def test_embedded_boundaries_groups_for_six():
    table = fl.control_table(fl.load_sample(), "six")
    assert table.region_id.tolist() == [
        "UA-14",
        "UA-09",
        "UA-23",
        "UA-65",
        "UA-63",
        "UA-48",
        "four",
        "six",
    ]
    assert table.attrs["illustrative"] is True


# -- real data: the Reuters report of 20 Nov 2024 -----------------------------

# Measured 2026-11-29 on DeepState's union archive (evening of 20 Nov 2024):
# the figures the README quotes.
REUTERS_GEOMETRY = {"four_pct": 76.82, "four_held_km2": 24_609.2}
REUTERS_OFFICIAL = {"four_pct": 76.80, "four_held_km2": 25_252.2}


@pytest.mark.shared
def test_reuters_figures_from_deepstate(deepstate_20241120):
    assert deepstate_20241120.attrs["date"].isoformat() == "2024-11-20"
    geo = fl.control_table(deepstate_20241120, "four").set_index("region_id")
    off = fl.control_table(deepstate_20241120, "four", basis="official").set_index(
        "region_id"
    )
    # "Russian forces control 70-80% of the four regions"
    assert 70 <= geo.loc["four", "occupied_pct"] <= 80
    assert geo.loc["four", "occupied_pct"] == pytest.approx(
        REUTERS_GEOMETRY["four_pct"], abs=0.01
    )
    # "about 26,000 km² still held by Ukraine"
    assert geo.loc["four", "held_km2"] == pytest.approx(
        REUTERS_GEOMETRY["four_held_km2"], abs=1
    )
    assert off.loc["four", "held_km2"] == pytest.approx(
        REUTERS_OFFICIAL["four_held_km2"], abs=1
    )
    assert off.loc["four", "held_km2"] == pytest.approx(26_000, rel=0.05)
    # The layer's own total: ../shared's PROVENANCE gives 111,162.4 km² taking
    # every edge as a geodesic; with edges straight in lon/lat it is 0.5 km² more.
    assert geo.attrs["control_russian_held_km2"] == pytest.approx(111_162.9, abs=0.1)


@pytest.mark.shared
def test_official_grade_boundaries_change_little(deepstate_20241120, minregion):
    ne = fl.control_table(deepstate_20241120, "four").set_index("region_id")
    mr = fl.control_table(deepstate_20241120, "four", boundaries=minregion).set_index(
        "region_id"
    )
    assert mr.attrs["boundaries"] == "Minregion 2020"
    # Shares move by at most ~2 points between boundary sets (Kherson most).
    diff = (ne.occupied_pct - mr.occupied_pct).abs()
    assert diff.max() < 2.0
    assert mr.loc["four", "held_km2"] == pytest.approx(25_230.1, abs=1)


def test_report_renders_in_jupyter_with_its_provenance():
    table = fl.control_table(fl.load_sample(), "four")
    assert isinstance(table, pd.DataFrame)
    html = table._repr_html_()
    assert "2024-11-20" in html and "ILLUSTRATIVE" in html and "basis: geometry" in html
    assert "Natural Earth" in html
    # km² with thousands separators, shares with one decimal, groups in bold.
    donetsk = table.set_index("region_id").loc["UA-14"]
    assert f"{donetsk.area_km2:,.1f}" in html
    assert f"{donetsk.occupied_pct:.1f}" in html
    assert html.count("font-weight: bold") >= 1
    # Slices and copies stay renderable and keep their attrs.
    assert "2024-11-20" in table.head(2)._repr_html_()


def test_control_layer_shows_a_small_map_in_jupyter():
    from frontline.plot._jupyter import layer_html, register_jupyter

    html = layer_html(fl.load_sample())
    assert html.startswith('<div><img src="data:image/png;base64,')
    assert "ILLUSTRATIVE" in html and "2024-11-20" in html
    assert "occupied_before_2022" in html  # the table follows the map
    plain = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    assert layer_html(plain) == plain._repr_html_()
    # Outside IPython nothing is registered.
    assert register_jupyter() is False


def test_register_jupyter_in_an_ipython_shell():
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    from frontline.plot._jupyter import register_jupyter

    shell = InteractiveShell.instance()
    try:
        assert register_jupyter() is True
        data, _ = shell.display_formatter.format(fl.load_sample())
        assert data["text/html"].startswith("<div><img")
    finally:
        InteractiveShell.clear_instance()
