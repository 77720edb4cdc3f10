"""Tests for the source adapters (frontline.sources) and their detection.

Synthetic files for each schema and trap are written into ``tmp_path``; the
real files in ../shared/data/control are read once per session (every one of
them) and checked against their documented dates and the geodesic areas in
``computed_areas.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import logging
import re
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

import geopandas as gpd
import shapely
from shapely.geometry import GeometryCollection, Point, Polygon, mapping

from frontline import (
    RUSSIAN_HELD,
    FrontlineWarning,
    OptionError,
    UnknownStatusError,
    UnsupportedFormatError,
    area_km2,
    read_control,
)
from frontline.sources import ADAPTERS, read_raw
from frontline.sources.deepstate import classify_name, situation_date
from frontline.sources.isw import isw_class, read_daily_areas

from .conftest import DATA, shared_file

if TYPE_CHECKING:
    from pathlib import Path

REL = 1e-9

# Synthetic geometry, placed where the real classes are.
OCC = shapely.box(37.0, 47.2, 37.5, 47.6)
BOWTIE = Polygon([(36.0, 48.5), (36.4, 48.9), (36.4, 48.5), (36.0, 48.9)])
ORDLO = shapely.box(37.6, 47.9, 39.5, 48.7)  # covers Donetsk and Luhansk
CRIMEA = shapely.box(33.9, 44.8, 34.6, 45.8)  # covers Simferopol and Dzhankoi
TUZLA = shapely.box(36.55, 45.2, 36.6, 45.25)
GREY = shapely.box(36.5, 47.2, 36.9, 47.4)
LIB = shapely.box(35.0, 47.0, 35.5, 47.3)
LIB2 = shapely.box(35.6, 47.0, 35.9, 47.3)
SNAKE = shapely.box(30.15, 45.2, 30.25, 45.3)
TRANSNISTRIA = shapely.box(29.0, 46.8, 29.5, 47.5)
KURIL = shapely.box(145.0, 43.5, 146.0, 44.5)
KURSK = shapely.box(35.8, 51.5, 36.1, 51.7)
BELGOROD = shapely.box(36.5, 50.6, 37.0, 51.0)


def km2(*geoms: Any) -> float:
    return float(np.sum(area_km2(list(geoms))))


def status_km2(layer: gpd.GeoDataFrame) -> dict[str, float]:
    """km² per status (features of one status may overlap: their union)."""
    return {
        str(status): km2(shapely.union_all(np.asarray(part.geometry.values)))
        for status, part in layer.groupby("status")
    }


def feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if geom is None else mapping(geom),
    }


def write_json(path: Path, doc: Any) -> Path:
    data = json.dumps(doc, ensure_ascii=False).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# --------------------------------------------------------------------------
# DeepState raw map versions

KEYED = [
    (shapely.force_3d(OCC), "Окуповано /// Occupied\xa0/// geoJSON.status.occupied\n"),
    (BOWTIE, "Окуповано /// Occupied /// geoJSON.status.occupied", "#a52714"),
    (ORDLO, "ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", "#880e4f"),
    (CRIMEA, "Окупований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea"),
    (TUZLA, "Острів Тузла /// Occupied Tuzla Island /// geoJSON.territories.tuzla"),
    (GREY, "Статус невідомий /// Unknown status /// geoJSON.status.unknown\n"),
    (LIB, "Звільнено /// Liberated\xa0\xa0/// geoJSON.status.dismissed", "#01579b"),
    (
        GeometryCollection([LIB2, Point(35.7, 47.1)]),
        "Звільнено 02.07 /// Liberated 02.07\xa0/// geoJSON.status.dismissed_at "
        "{{at:02.07}}",
    ),
    (SNAKE, "Зміїний ///\xa0Snake Island /// geoJSON.zmiinyi_island", "#0f9d58"),
    (
        TRANSNISTRIA,
        "Придністров'я/// Transnistria /// geoJSON.territories.transnistria",
        "#ff5252",
    ),
    (
        KURIL,
        "Окуповані Південні Курильські острови.\n///\nOccupied Southern Kuril "
        "islands.\n/// geoJSON.territories.kuril\n",
        "#ff5252",
    ),
    (Point(37.2, 47.4, 0.0), "", None),  # a unit icon
    (Point(36.2, 47.3, 0.0), "Бахмут", None),  # a label
]


def deepstate_doc(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    feats = []
    for geom, name, *fill in rows:
        props: dict[str, Any] = {"name": name, "styleUrl": "#poly"}
        if fill and fill[0]:
            props["fill"] = fill[0]
        feats.append(feature(geom, **props))
    return collection(*feats)


@pytest.fixture
def keyed_file(tmp_path: Path) -> Path:
    path = tmp_path / "20241120T213037Z_1732138237.geojson.gz"
    return write_json(path, deepstate_doc(KEYED))


def test_deepstate_keyed_classes(keyed_file: Path, caplog: Any) -> None:
    with (
        caplog.at_level(logging.INFO, logger="frontline.sources"),
        pytest.warns(FrontlineWarning, match=r"repaired 1 invalid feature"),
    ):
        layer = read_control(keyed_file)
    assert layer.attrs["source"].startswith("DeepState map")
    assert status_km2(layer) == pytest.approx(
        {
            "occupied": km2(OCC, shapely.make_valid(BOWTIE)),
            "occupied_before_2022": km2(ORDLO, CRIMEA, TUZLA),
            "contested": km2(GREY),
            "liberated": km2(LIB, LIB2),
        },
        rel=REL,
    )
    dropped = layer.attrs["dropped"]
    assert dropped["outside Ukraine: transnistria (km²)"] == pytest.approx(
        km2(TRANSNISTRIA), abs=1e-3
    )
    assert dropped["outside Ukraine: kuril (km²)"] == pytest.approx(
        km2(KURIL), abs=1e-3
    )
    assert dropped["dropped class: snake_island (km²)"] == pytest.approx(
        km2(SNAKE), abs=1e-3
    )
    assert dropped["features without polygons (unit icons, labels)"] == 2
    assert "outside Ukraine kuril" in caplog.text
    assert layer.attrs["date"] == dt.date(2024, 11, 20)
    assert layer.attrs["published"] == "2024-11-20T21:30:37+00:00"
    assert layer.attrs["coverage"] == {"crimea": True, "pre_2022_donbas": True}
    assert layer.attrs["repairs"][0]["what"] == "make_valid"
    assert sorted(set(layer.deepstate_class)) == [
        "crimea",
        "liberated",
        "occupied",
        "ordlo",
        "tuzla",
        "unknown",
    ]


OLD_STYLE = [
    (GeometryCollection([OCC]), "Окуповано", "#a52714"),
    # "Кримське" is a village in Luhansk oblast, not Crimea.
    (shapely.box(38.0, 49.0, 38.2, 49.1), "Окуповані Кримське", "#a52714"),
    (GeometryCollection([CRIMEA, Point(34, 45)]), "Крим", "#000000"),
    (ORDLO, "ОРДЛО", "#000000"),
    (GREY, "Під питанням", "#bcaaa4"),
    (LIB, "", "#0288d1"),
    (LIB2, "Звільнено 25.03.2022", "#0f9d58"),
    (TRANSNISTRIA, "Придністров'я", "#880e4f"),
    (SNAKE, "Зміїний", "#a52714"),
]


def test_deepstate_without_keys_uses_names_and_fill(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "20220430T203344Z_1651350824.geojson", deepstate_doc(OLD_STYLE)
    )
    layer = read_control(path)
    assert status_km2(layer) == pytest.approx(
        {
            "occupied": km2(OCC, shapely.box(38.0, 49.0, 38.2, 49.1)),
            "occupied_before_2022": km2(CRIMEA, ORDLO),
            "contested": km2(GREY),
            "liberated": km2(LIB, LIB2),
        },
        rel=REL,
    )
    assert list(layer.attrs["dropped"]) == [
        "outside Ukraine: transnistria (km²)",
        "dropped class: snake_island (km²)",
    ]
    assert layer.attrs["date"] == dt.date(2022, 4, 30)


@pytest.mark.parametrize(
    ("name", "fill", "expected"),
    [
        ("Окуповано /// Occupied /// geoJSON.status.occupied", None, "occupied"),
        ("x /// y /// geoJSON.territories.newland", "#ff5252", "foreign"),
        ("x /// y /// geoJSON.status.other", "#bcaaa4", "unknown"),
        ("Сіра зона", None, "unknown"),  # noqa: RUF001 - Cyrillic
        ("Звільнено /// Taken back", None, "liberated"),
        ("Аннексовані території Латвії /// Annexed from Latvia", "#ff5252", "foreign"),
        ("Багатокутник 11", "#A52714", "occupied"),
        ("Острів Тузла", "#000000", "tuzla"),
        ("Багатокутник 12", "#123456", ""),
        (None, None, ""),
    ],
)
def test_classify_name(name: str | None, fill: str | None, expected: str) -> None:
    assert classify_name(name, fill)[0] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("20241120T213037Z_1732138237.geojson.gz", dt.date(2024, 11, 20)),
        # Published after midnight UTC: the previous evening's update.
        ("20250228T002002Z_1740702002.geojson.gz", dt.date(2025, 2, 27)),
        ("20240531T043907Z_1717130347.geojson", dt.date(2024, 5, 30)),
        # Published during the day: that day.
        ("20220731T104126Z_1659264086.geojson", dt.date(2022, 7, 31)),
        ("1732138237.geojson", dt.date(2024, 11, 20)),
        ("20241120T213037Z.geojson", dt.date(2024, 11, 20)),
        ("deepstate_map.geojson", None),
    ],
)
def test_deepstate_date_rule(
    name: str, expected: dt.date | None, tmp_path: Path
) -> None:
    path = write_json(tmp_path / name, deepstate_doc(KEYED[:1]))
    assert read_control(path).attrs["date"] == expected
    assert read_control(path, date="2024-01-02").attrs["date"] == dt.date(2024, 1, 2)


def test_situation_date_uses_utc() -> None:
    kyiv = dt.timezone(dt.timedelta(hours=2))
    # 00:30 in Kyiv on the 21st is 22:30 UTC on the 20th.
    assert situation_date(dt.datetime(2024, 11, 21, 0, 30, tzinfo=kyiv)) == dt.date(
        2024, 11, 20
    )


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"id": 1732138237, "datetime": "2024-11-20T21:30:37Z"}, dt.date(2024, 11, 20)),
        ({"datetime": "2024-11-21T00:20:00+02:00"}, dt.date(2024, 11, 20)),
        ({"id": "1740702002"}, dt.date(2025, 2, 27)),
        ({"datetime": "yesterday"}, None),
    ],
)
def test_deepstate_api_wrapper(
    meta: dict[str, Any], expected: dt.date | None, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "last.json", {**meta, "map": deepstate_doc(KEYED[:1])})
    layer = read_control(path)
    assert layer.attrs["source"].startswith("DeepState map")
    assert layer.attrs["date"] == expected
    assert status_km2(layer) == pytest.approx({"occupied": km2(OCC)}, rel=REL)


def test_deepstate_status_map(keyed_file: Path) -> None:
    with pytest.warns(FrontlineWarning, match="repaired"):
        layer = read_control(
            keyed_file, status_map={"tuzla": "drop", "snake_island": "liberated"}
        )
    areas = status_km2(layer)
    assert areas["occupied_before_2022"] == pytest.approx(km2(ORDLO, CRIMEA), rel=REL)
    assert areas["liberated"] == pytest.approx(km2(LIB, LIB2, SNAKE), rel=REL)
    assert layer.attrs["dropped"]["dropped class: tuzla (km²)"] == pytest.approx(
        km2(TUZLA), abs=1e-3
    )
    with pytest.warns(FrontlineWarning, match="repaired"):
        layer = read_control(keyed_file, status_map={"crimea": "contested"})
    assert layer.attrs["coverage"] == {"crimea": False, "pre_2022_donbas": True}


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"status_map": {"foreign": "occupied"}}, OptionError, "always dropped"),
        ({"status_map": {"crimean": "occupied"}}, OptionError, "not a class of this"),
        ({"status_map": {"tuzla": "gone"}}, UnknownStatusError, "is not a status"),
        ({"status": "occupied"}, OptionError, "carry their own classes"),
        ({"status_column": "name"}, OptionError, "carry their own classes"),
    ],
)
def test_deepstate_option_errors(
    options: dict[str, Any], error: type[Exception], match: str, keyed_file: Path
) -> None:
    with pytest.raises(error, match=match):
        read_control(keyed_file, **options)


def test_deepstate_unclassifiable_polygon(tmp_path: Path) -> None:
    rows = [*KEYED[:1], (GREY, "Полігон 7 /// Polygon 7", "#123456")]
    path = write_json(tmp_path / "1732138237.geojson", deepstate_doc(rows))
    with pytest.raises(UnknownStatusError, match=r"cannot classify 1 DeepState.*7"):
        read_control(path)


# --------------------------------------------------------------------------
# ISW / CTP

CONTROL = shapely.box(35.0, 46.5, 39.6, 48.8)
PRE_2022 = ORDLO  # inside CONTROL
ADVANCES = shapely.box(34.5, 47.0, 34.9, 47.3)
CLAIMED = shapely.box(34.5, 47.4, 34.9, 47.6)
COUNTER = shapely.box(36.0, 47.0, 36.3, 47.2)  # inside CONTROL

ISW_LAYERS = {
    "Assessed Russian-controlled Ukrainian Territory": CONTROL,
    "Russian-controlled Ukrainian Territory before February 24, 2022": PRE_2022,
    "Assessed Russian Advances in Ukraine": ADVANCES,
    "Claimed Russian Territory in Ukraine": CLAIMED,
    "Claimed Ukrainian Counteroffensives": COUNTER,
    "Russian Advances in Russia": BELGOROD,
}


@pytest.fixture(scope="module")
def isw_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("isw") / "isw_export.gpkg"
    for name, geom in ISW_LAYERS.items():
        gpd.GeoDataFrame({"OBJECTID": [1]}, geometry=[geom], crs=4326).to_file(
            path, layer=name
        )
    return path


def test_isw_layers_default(isw_gpkg: Path) -> None:
    layer = read_control(isw_gpkg, date="2024-11-24")  # nested: no overlap warning
    assert layer.attrs["source"].startswith("ISW")
    assert status_km2(layer) == pytest.approx(
        {
            "occupied_before_2022": km2(PRE_2022),
            "occupied": km2(CONTROL) - km2(PRE_2022),
            "contested": km2(ADVANCES, CLAIMED),  # counteroffensives lie in control
        },
        rel=1e-6,
    )
    key = "outside Ukraine: Russian Advances in Russia (km²)"
    assert layer.attrs["dropped"][key] == pytest.approx(km2(BELGOROD), abs=1e-3)
    assert layer.attrs["russian_held_classes"] == ["control", "pre_2022"]
    assert layer.attrs["coverage"] == {"crimea": False, "pre_2022_donbas": True}


def test_isw_fixed_status_still_drops_russia(isw_gpkg: Path) -> None:
    layer = read_control(isw_gpkg, status="occupied")
    assert status_km2(layer) == pytest.approx(
        {"occupied": km2(shapely.union_all([CONTROL, ADVANCES, CLAIMED]))}, rel=1e-6
    )
    assert "outside Ukraine: Russian Advances in Russia (km²)" in layer.attrs["dropped"]


@pytest.mark.parametrize(
    ("status_map", "occupied_extra", "contested"),
    [
        ({"advances": "occupied"}, ADVANCES, [CLAIMED]),
        ({"Assessed Russian Advances in Ukraine": "occupied"}, ADVANCES, [CLAIMED]),
        ({"claimed": "drop"}, None, [ADVANCES]),
        ({"advances": "drop", "claimed": "drop"}, None, []),
    ],
)
def test_isw_status_map(
    status_map: dict[str, str],
    occupied_extra: Any,
    contested: list[Any],
    isw_gpkg: Path,
) -> None:
    layer = read_control(isw_gpkg, status_map=status_map)
    areas = status_km2(layer)
    extra = km2(occupied_extra) if occupied_extra is not None else 0.0
    assert areas["occupied"] == pytest.approx(
        km2(CONTROL) - km2(PRE_2022) + extra, rel=1e-6
    )
    assert areas.get("contested", 0.0) == pytest.approx(km2(*contested), rel=1e-6)


@pytest.mark.parametrize(
    ("status_map", "error", "match"),
    [
        ({"russia": "occupied"}, OptionError, "always dropped"),
        ({"Russian Advances in Russia": "occupied"}, OptionError, "always dropped"),
        ({"advance": "occupied"}, OptionError, "not a class of this source"),
        ({"claimed": "maybe"}, UnknownStatusError, "is not a status"),
    ],
)
def test_isw_status_map_errors(
    status_map: dict[str, str], error: type[Exception], match: str, isw_gpkg: Path
) -> None:
    with pytest.raises(error, match=match):
        read_control(isw_gpkg, status_map=status_map)


def isw_simplified(path: Path, *, layer_type: str = "ukraine_control_map") -> Path:
    doc = collection(
        feature(shapely.force_3d(CONTROL), layer_type=layer_type, area_km2=1000.0),
        feature(BOWTIE, layer_type=layer_type, area_km2=50.0),
        feature(None, layer_type=layer_type, area_km2=0.25),
    )
    for feat in doc["features"]:
        feat["properties"]["date"] = "2024-11-24"
    return write_json(path, doc)


def test_isw_simplified_file(tmp_path: Path) -> None:
    path = isw_simplified(tmp_path / "2024-11-24.geojson")
    with pytest.warns(FrontlineWarning, match="repaired 1 invalid feature"):
        layer = read_control(path)
    assert layer.attrs["source"].startswith("ISW")
    assert layer.attrs["date"] == dt.date(2024, 11, 24)
    assert layer.attrs["reported_area_km2"] == 1050.25
    assert layer.attrs["dropped"]["null geometry: area_km2 as reported (km²)"] == 0.25
    assert status_km2(layer) == pytest.approx(
        {"occupied": km2(shapely.union(CONTROL, shapely.make_valid(BOWTIE)))},
        rel=1e-6,
    )


def test_isw_unknown_layer_lists_it(tmp_path: Path) -> None:
    path = isw_simplified(tmp_path / "2024-11-24.geojson", layer_type="ukraine_other")
    with pytest.raises(UnknownStatusError, match=r"\['ukraine_other'\] not recogn"):
        read_control(path, source="isw")
    with pytest.warns(FrontlineWarning, match="repaired"):
        layer = read_control(
            path, source="isw", status_map={"ukraine_other": "contested"}
        )
    assert set(layer.status) == {"contested"}


def test_isw_single_layer_named_by_file(tmp_path: Path) -> None:
    path = tmp_path / "Assessed_Russian_Advances_in_Ukraine_20241124.geojson"
    gpd.GeoDataFrame({"OBJECTID": [1]}, geometry=[ADVANCES], crs=4326).to_file(path)
    layer = read_control(path)
    assert layer.attrs["source"].startswith("ISW")
    assert list(layer.status) == ["contested"]
    assert layer.attrs["date"] == dt.date(2024, 11, 24)


def test_isw_needs_a_layer_name() -> None:
    gdf = gpd.GeoDataFrame(geometry=[CONTROL], crs=4326)
    with pytest.raises(OptionError, match="cannot tell which ISW layer"):
        read_control(gdf, source="isw")
    assert list(read_control(gdf, source="isw", status="occupied").status) == [
        "occupied"
    ]
    with pytest.raises(OptionError, match="classified by their layer names"):
        read_control(gdf, source="isw", status_column="OBJECTID")


def test_isw_area_table(tmp_path: Path) -> None:
    rows = [
        {"date": "2024-11-24", "layerType": "ukraine_control_map", "areaKm2": 10.5},
        {"date": "2024-11-23", "layerType": "russian_advances", "areaKm2": 2.0},
    ]
    path = write_json(tmp_path / "daily_areas.json", rows)
    with pytest.raises(UnsupportedFormatError, match=r"not a map; read it with"):
        read_control(path)
    table = read_daily_areas(path)
    assert table.to_dict("list") == {
        "date": [dt.date(2024, 11, 23), dt.date(2024, 11, 24)],
        "layer_type": ["russian_advances", "ukraine_control_map"],
        "isw_class": ["advances", "control"],
        "area_km2": [2.0, 10.5],
    }
    with pytest.raises(UnsupportedFormatError, match="not an ISW area table"):
        read_daily_areas(write_json(tmp_path / "other.json", {"a": 1}))


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Assessed Russian Control", "control"),
        ("VIEW_RussiaCoTinUkraine_V3", ""),
        ("Russian Control of Terrain in Ukraine", "control"),
        ("DonbasBeforeFeb24_2022", "pre_2022"),
        ("AssessedRussianAdvancesinUkraine_V2", "advances"),
        ("Assessed_Russian_Gains_in_the_Past_24_Hours", "advances"),
        ("Claimed Russian Control over Ukrainian Territory", "claimed"),
        ("russian_infiltration", "infiltration"),
        ("MDS_ClaimedUkrainianCounteroffensives_V2", "counteroffensives"),
        ("Reported Ukrainian Partisan Warfare", "partisan"),
        ("Ukrainian Advances in Russia", "russia"),
    ],
)
def test_isw_class(label: str, expected: str) -> None:
    assert isw_class(label) == expected


# --------------------------------------------------------------------------
# NZZ / Liveuamap


def nzz_doc(*, ordlo: bool = True, date: str = "2024-11-21") -> dict[str, Any]:
    nochange = shapely.MultiPolygon([ORDLO, LIB] if ordlo else [LIB])
    window = {"_datefrom": "2024-11-17", "_dateto": "2024-11-21", "view": "daily"}
    return collection(
        feature(nochange, type="nochange", date=date, **window),
        feature(shapely.box(36.0, 47.0, 36.2, 47.1), type="gains", date=date, **window),
        feature(
            shapely.MultiPolygon([shapely.box(36.3, 47.0, 36.4, 47.1), KURSK]),
            type="losses",
            date=date,
            **window,
        ),
    )


def test_nzz_value_wrapper(tmp_path: Path, caplog: Any) -> None:
    path = write_json(tmp_path / "2024-11-22.json.gz", {"value": nzz_doc()})
    with caplog.at_level(logging.INFO, logger="frontline.sources"):
        layer = read_control(path)
    assert layer.attrs["source"].startswith("NZZ")
    assert layer.attrs["date"] == dt.date(2024, 11, 21)  # the property, not the name
    assert layer.attrs["window"] == {"from": ["2024-11-17"], "to": ["2024-11-21"]}
    assert status_km2(layer) == pytest.approx(
        {
            "occupied": km2(ORDLO, LIB, shapely.box(36.0, 47.0, 36.2, 47.1)),
            "liberated": km2(shapely.box(36.3, 47.0, 36.4, 47.1)),
        },
        rel=REL,
    )
    key = "outside Ukraine: losses (Ukrainian-held land in Russia) (km²)"
    assert layer.attrs["dropped"][key] == pytest.approx(km2(KURSK), abs=1e-3)
    assert "losses (Ukrainian-held land in Russia)" in caplog.text
    assert layer.attrs["coverage"] == {"crimea": False, "pre_2022_donbas": True}
    assert layer.attrs["coverage_note"] == (
        "this NZZ/Liveuamap layer does not map Crimea"
    )


def test_nzz_without_ordlo_and_unwrapped(tmp_path: Path) -> None:
    path = write_json(tmp_path / "nzz.geojson", nzz_doc(ordlo=False))
    layer = read_control(path)
    assert layer.attrs["source"].startswith("NZZ")
    assert layer.attrs["coverage"] == {"crimea": False, "pre_2022_donbas": False}
    assert "Crimea or pre-2022 Donbas (ORDLO)" in layer.attrs["coverage_note"]


def test_nzz_status_map(tmp_path: Path) -> None:
    path = write_json(tmp_path / "2024-11-22.json", {"value": nzz_doc()})
    layer = read_control(path, status_map={"gains": "contested", "losses": "drop"})
    areas = status_km2(layer)
    assert areas == pytest.approx(
        {
            "occupied": km2(ORDLO, LIB),
            "contested": km2(shapely.box(36.0, 47.0, 36.2, 47.1)),
        },
        rel=REL,
    )
    assert "dropped type: losses (km²)" in layer.attrs["dropped"]
    with pytest.raises(OptionError, match="their own classes in 'type'"):
        read_control(path, status="occupied")
    with pytest.raises(OptionError, match="not a class of this source"):
        read_control(path, status_map={"gain": "occupied"})


# --------------------------------------------------------------------------
# Detection and the reading hook


def test_adapter_order() -> None:
    assert list(ADAPTERS) == ["deepstate-union", "deepstate", "nzz", "isw", "generic"]


@pytest.mark.parametrize(
    ("name", "doc", "source"),
    [
        (
            "deepstatemap_data_20241121.geojson",
            collection(feature(OCC)),
            "DeepState daily",
        ),
        (
            "20241120T213037Z_1732138237.geojson",
            deepstate_doc(KEYED[:1]),
            "DeepState map",
        ),
        ("2024-11-21.json", {"value": nzz_doc()}, "NZZ"),
        (
            "Claimed_Russian_Territory_in_Ukraine.geojson",
            collection(feature(OCC)),
            "ISW",
        ),
        ("map.json", collection(feature(OCC)), "map.json"),
        ("isw.geojson", collection(feature(OCC, layer="Occupied")), "isw.geojson"),
    ],
)
def test_detection(name: str, doc: Any, source: str, tmp_path: Path) -> None:
    path = write_json(tmp_path / name, doc)
    assert read_control(path).attrs["source"].startswith(source)


def test_read_raw_leaves_other_files_to_pyogrio(tmp_path: Path) -> None:
    assert read_raw(write_json(tmp_path / "a.json", collection(feature(OCC)))) is None
    assert read_raw(write_json(tmp_path / "a.geojson", {"value": nzz_doc()})) is None
    assert read_raw(tmp_path / "missing.json") is None
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(b"not gzip")
    assert read_raw(broken) is None
    odd = write_json(tmp_path / "odd.json", {"value": 1})
    with pytest.raises(UnsupportedFormatError, match=r"odd\.json"):
        read_control(odd)


# --------------------------------------------------------------------------
# The real files in ../shared/data/control

CONTROL_DIRS = (
    "deepstate_occupied_union",
    "deepstate_raw_multiclass",
    "isw_control_map_simplified",
    "nzz_liveuamap",
)


def _real_files() -> list[str]:
    found = [
        f"{d}/{p.name}"
        for d in CONTROL_DIRS
        for p in sorted((DATA / "control" / d).glob("*"))
        if p.name != "daily_areas.json"
    ]
    return found or ["deepstate_raw_multiclass/absent"]


REAL_FILES = _real_files()


@pytest.fixture(scope="session")
def real_layers() -> dict[str, Any]:
    """Every real control layer, read once: (layer, warnings) or the exception."""
    shared_file("control", "computed_areas.csv")
    out: dict[str, Any] = {}
    for rel in REAL_FILES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                layer = read_control(DATA / "control" / rel)
            except Exception as exc:  # re-raised by the file's own test
                out[rel] = exc
                continue
        out[rel] = (layer, [f"{w.category.__name__}: {w.message}" for w in caught])
    return out


def real_layer(real_layers: dict[str, Any], rel: str) -> tuple[Any, list[str]]:
    shared_file("control", rel)
    result = real_layers[rel]
    if isinstance(result, Exception):
        raise result
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def reference_km2() -> dict[str, float]:
    """Russian-held km² per file, from computed_areas.csv (see PROVENANCE.md)."""
    path = shared_file("control", "computed_areas.csv")
    with path.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return {
        f"{r['dataset']}/{r['file']}": float(
            r["nzz_nochange_plus_gains"]
            if r["dataset"] == "nzz_liveuamap"
            else r["total_occupied_incl_crimea"]
        )
        for r in rows
    }


UNION_EXCEPTIONS = {
    "deepstatemap_data_20250301.geojson": dt.date(2025, 2, 27),
    "deepstatemap_data_20250701.geojson": dt.date(2025, 6, 29),
    "deepstatemap_data_20250801.geojson": dt.date(2025, 7, 30),
}


def union_manifest_dates() -> dict[str, dt.date]:
    from importlib.resources import files

    text = (files("frontline") / "data" / "deepstate_union_manifest.csv").read_text(
        "utf-8"
    )
    return {
        r["file"]: dt.date.fromisoformat(r["situation_date"])
        for r in csv.DictReader(text.splitlines())
    }


def documented_date(rel: str) -> dt.date:
    """The date each source's rule assigns, computed here from first principles."""
    folder, name = rel.split("/")
    path = DATA / "control" / rel
    if folder == "deepstate_occupied_union":
        # The rule (file D shows D - 1), except where the shipped manifest knows
        # the version the file holds (20250301, 20250701 and 20250801 show D - 2).
        ruled = dt.date.fromisoformat(name[18:26]) - dt.timedelta(days=1)
        shown = UNION_EXCEPTIONS.get(name, ruled)
        assert shown == union_manifest_dates()[name]
        return shown
    if folder == "deepstate_raw_multiclass":
        stamp, unix = name.split(".")[0].split("_")
        published = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
        assert published == dt.datetime.fromtimestamp(int(unix), dt.UTC).replace(
            tzinfo=None
        )
        return (published - dt.timedelta(hours=6)).date()
    if folder == "isw_control_map_simplified":
        return dt.date.fromisoformat(name[:10])
    with gzip.open(path) as stream:
        head = stream.read(4096).decode()
    return dt.date.fromisoformat(re.search(r'"date": "([\d-]{10})"', head)[1])


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("rel", REAL_FILES)
def test_every_real_file(
    rel: str,
    real_layers: dict[str, Any],
    reference_km2: dict[str, float],
) -> None:
    layer, caught = real_layer(real_layers, rel)
    for message in caught:  # only the documented traps may warn
        assert message.startswith("FrontlineWarning"), message
        assert "repaired" in message or "more than one status" in message, message
    assert layer.attrs["date"] == documented_date(rel)
    held = area_km2(layer[layer.status.isin(RUSSIAN_HELD)]).sum()
    assert held == pytest.approx(reference_km2[rel], rel=2e-4)
    if rel.startswith("isw"):
        # Simplified geometry, measured, within 0.1 % of the exporter's area.
        assert area_km2(layer).sum() == pytest.approx(
            layer.attrs["reported_area_km2"], rel=1e-3
        )
    cover = layer.attrs["coverage"]
    if rel.startswith("nzz"):
        assert cover == {
            "crimea": False,
            "pre_2022_donbas": rel < "nzz_liveuamap/2024-03-14",
        }
    else:
        assert cover == {"crimea": True, "pre_2022_donbas": True}


@pytest.mark.slow
@pytest.mark.shared
def test_deepstate_raw_20241120(
    real_layers: dict[str, Any],
) -> None:
    rel = "deepstate_raw_multiclass/20241120T213037Z_1732138237.geojson.gz"
    layer, _ = real_layer(real_layers, rel)
    areas = status_km2(layer)
    # PROVENANCE.md: 111,166.7 km² Russian-held incl. Crimea and Tuzla.
    held = areas["occupied"] + areas["occupied_before_2022"]
    assert held == pytest.approx(111_166.7, rel=1e-3)
    assert held == pytest.approx(111_166.7, abs=2.0)
    assert areas["occupied_before_2022"] == pytest.approx(
        16_804.5 + 27_173.6 + 4.4, abs=1
    )
    assert areas["contested"] == pytest.approx(1_017.5, abs=0.5)
    outside = {
        k: v for k, v in layer.attrs["dropped"].items() if k.startswith("outside")
    }
    assert len(outside) == 12
    # 12 overlays outside Ukraine, measured: ≈140,055 km² (not counted).
    assert sum(outside.values()) == pytest.approx(140_054.6, rel=1e-4)
    assert layer.attrs["dropped"]["outside Ukraine: kuril (km²)"] == pytest.approx(
        39_676.6, abs=0.5
    )


@pytest.mark.slow
@pytest.mark.shared
def test_isw_daily_areas_match_the_territory_files(
    real_layers: dict[str, Any],
) -> None:
    path = shared_file("control", "isw_control_map_simplified", "daily_areas.json")
    with pytest.raises(UnsupportedFormatError, match="read_daily_areas"):
        read_control(path)
    table = read_daily_areas(path)
    assert set(table.isw_class) == {
        "control",
        "advances",
        "claimed",
        "infiltration",
        "partisan",
        "counteroffensives",
        "russia",
        "",
    }
    control = table[table.layer_type == "ukraine_control_map"].set_index("date")
    layer, _ = real_layer(real_layers, "isw_control_map_simplified/2024-11-24.geojson")
    assert layer.attrs["reported_area_km2"] == pytest.approx(
        control.area_km2[dt.date(2024, 11, 24)], abs=0.05
    )
    # The simplified geometry measures within 0.1 % of the exporter's area.
    held = area_km2(layer).sum()
    assert held == pytest.approx(layer.attrs["reported_area_km2"], rel=1e-3)


# --------------------------------------------------------------------------
# The union archive read as arrays (the time series' reader)


def _both_ways(path: Any) -> tuple[Any, Any, list[str], list[str]]:
    """The layer as read_control reads it and as the time series reads it."""
    from frontline.control import _read_layer

    options = {
        "status": None,
        "status_column": None,
        "status_map": None,
        "date": None,
        "source": "auto",
        "layer": None,
    }
    out = []
    for frame in (True, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer = _read_layer(path, frame=frame, **options)
        out.append((layer, [str(w.message) for w in caught]))
    (a, wa), (b, wb) = out
    return a, b, wa, wb


def _assert_same_layer(a: Any, b: Any) -> None:
    assert list(shapely.to_wkb(a.geoms)) == list(shapely.to_wkb(b.geoms))
    assert a.status.tolist() == b.status.tolist()
    assert a.rows.tolist() == b.rows.tolist()
    assert a.attrs == b.attrs


@pytest.mark.parametrize("suffix", [".geojson", ".geojson.gz"])
def test_union_files_read_as_arrays_equal_the_frame_reader(tmp_path, suffix):
    feature = {
        "type": "Feature",
        "id": 1,
        "properties": {},
        "geometry": mapping(CONTROL),
    }
    bowtie = {"type": "Feature", "properties": {}, "geometry": mapping(BOWTIE)}
    doc = {"type": "FeatureCollection", "features": [feature, bowtie]}
    path = tmp_path / f"deepstatemap_data_20241121{suffix}"
    data = json.dumps(doc).encode()
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    a, b, wa, wb = _both_ways(path)
    assert a.table is not None and b.table is None  # b came the array way
    _assert_same_layer(a, b)
    assert wa == wb and any("make_valid" in w for w in wa)  # the bow-tie
    assert b.attrs["date"] == dt.date(2024, 11, 20)


def test_union_named_files_the_array_reader_leaves_to_the_full_reader(tmp_path):
    # A class column (not the archive's schema), and a file GDAL cannot read:
    # both go through read_vector, which gives the figures and the errors.
    named = tmp_path / "deepstatemap_data_20241121.geojson"
    gpd.GeoDataFrame(
        {"status": ["contested"]}, geometry=[CONTROL], crs="EPSG:4326"
    ).to_file(named)
    a, b, _, _ = _both_ways(named)
    assert b.table is not None
    _assert_same_layer(a, b)
    assert a.status.tolist() == ["contested"]
    broken = tmp_path / "deepstatemap_data_20241122.geojson"
    broken.write_text("{not json")
    with pytest.raises(UnsupportedFormatError, match="deepstatemap_data_20241122"):
        _both_ways(broken)
    empty = tmp_path / "deepstatemap_data_20241123.geojson"
    empty.write_text("")
    with pytest.raises(UnsupportedFormatError, match="is empty"):
        _both_ways(empty)


@pytest.mark.shared
def test_every_union_file_reads_the_same_as_arrays():
    files = sorted(shared_file("control", "deepstate_occupied_union").glob("*"))
    for path in files:
        a, b, wa, wb = _both_ways(path)
        assert b.table is None, path.name
        _assert_same_layer(a, b)
        assert wa == wb
