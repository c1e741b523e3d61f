"""The GIS writers: GeoPackage in SWEREF 99 TM read back by pyogrio, Parquet by polars,
and the choropleth styles as valid QML/SLD with the class breaks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pyogrio

from trygg.analysis import gis_export
from trygg.analysis.questionnaire import standard_questionnaire

SQUARE = {"type": "Polygon", "coordinates": [[[17.30, 62.39], [17.31, 62.39], [17.31, 62.40],
                                              [17.30, 62.40], [17.30, 62.39]]]}  # fmt: skip
DOCS = Path(__file__).resolve().parents[2] / "docs" / "qgis"


def test_geopackage_round_trip_in_sweref(tmp_path: Path) -> None:
    table = pl.DataFrame({"area_code": ["E01", None], "rank": [1, 2], "score": [0.5, None]})
    hot = pl.DataFrame({"unit": ["881f1d4a87fffff", "E01"], "gi_z": [2.1, -0.3]})
    path = gis_export.write_geopackage(
        {"priorities": table, "hotspots": hot}, areas={"E01": SQUARE}, path=tmp_path / "a.gpkg"
    )
    assert [n for n, _ in pyogrio.list_layers(path)] == ["priorities", "hotspots"]
    assert pyogrio.read_info(path, layer="priorities")["crs"] == "EPSG:3006"
    back = pyogrio.read_dataframe(path, layer="priorities")
    assert back["rank"].tolist() == [1, 2]
    assert back.geometry.isna().tolist() == [False, True]  # the municipality's row: no area
    x, y = back.geometry.iloc[0].centroid.coords[0]
    assert 600_000 < x < 620_000 and 6_910_000 < y < 6_930_000  # Sundsvall in SWEREF 99 TM
    assert pyogrio.read_dataframe(path, layer="hotspots").geometry.notna().all()


def test_parquet_is_read_back_by_polars(tmp_path: Path) -> None:
    table = pl.DataFrame({"area_code": ["E01"], "rate_per_1000": [12.5]})
    assert pl.read_parquet(gis_export.write_parquet(table, tmp_path / "t.parquet")).equals(table)


def test_index_styles_carry_the_questionnaire_thresholds() -> None:
    rules = gis_export.index_rules(standard_questionnaire().colours, year=2025)
    assert [(r.low, r.high, r.colour) for r in rules] == [
        (None, 1.5, "#1a9850"), (1.5, 3.0, "#fee08b"), (3.0, None, "#d73027")]  # fmt: skip
    root = ET.fromstring(gis_export.qml(rules).split("\n", 1)[1])  # noqa: S314 (Trygg's own output)
    filters = [r.get("filter") for r in root.iter("rule")]
    assert filters[1] == (
        '"index" = \'problem_index\' AND "year" = 2025 AND "estimate" >= 1.5 AND "estimate" < 3'
    )
    colours = [o.get("value") for o in root.iter("Option") if o.get("name") == "color"]
    assert colours == ["26,152,80,255", "254,224,139,255", "215,48,39,255"]


def test_rate_styles_are_quantiles_per_category_of_the_latest_year() -> None:
    rates = pl.DataFrame({
        "area_code": ["A", "B", "C", "D", "A"], "year": [2025, 2025, 2025, 2025, 2024],
        "category": ["theft"] * 5, "rate_per_1000": [1.0, 2.0, 3.0, 4.0, 99.0]})  # fmt: skip
    rules = gis_export.rate_rules(rates, k=2)
    assert [(r.low, r.high) for r in rules] == [(None, 2.5), (2.5, None)]
    assert rules[0].equals == (("category", "theft"), ("year", "2025"))
    root = ET.fromstring(gis_export.sld(rules, layer="crime_rates", title="t"))  # noqa: S314 (Trygg's own output)
    ns = {"ogc": "http://www.opengis.net/ogc"}
    assert [e.text for e in root.iterfind(".//ogc:PropertyIsLessThan/ogc:Literal", ns)] == ["2.5"]


def test_shipped_styles_are_current() -> None:
    for name, text in gis_export.standard_styles().items():
        assert (DOCS / name).read_text(encoding="utf-8") == text, (
            f"run scripts/qgis_styles.py to update docs/qgis/{name}"
        )
        ET.fromstring(text.split("\n", 1)[1] if name.endswith(".qml") else text.encode())  # noqa: S314 (Trygg's own output)
