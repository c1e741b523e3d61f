"""Area (GeoJSON) and population (CSV) validation: every bad input names where and why."""

from __future__ import annotations

import copy
import json

import pytest

from trygg.analysis.areas_io import load_geojson, parse_areas, read_population
from trygg.analysis.errors import InputError


def square(lon, lat, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def feature(code, name="Område", parent=None, geometry=None, population=100):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "parent_code": parent, "population": population},
        "geometry": geometry or square(17.3, 62.39),
    }


@pytest.fixture
def collection():
    return {
        "type": "FeatureCollection",
        "features": [
            feature("D1", "Centrala staden", geometry=square(17.3, 62.39, 0.02), population=None),
            feature("A1", "Centrum", parent="D1", geometry=square(17.3, 62.39)),
            feature("A2", "Haga", parent="D1", geometry=square(17.31, 62.39)),
        ],
    }


def problems_of(collection, **kwargs):
    with pytest.raises(InputError) as caught:
        parse_areas(collection, file="areas.geojson", **kwargs)
    return caught.value.problems


def test_valid_collection_is_parsed_in_file_order(collection):
    areas = parse_areas(collection, file="areas.geojson")
    assert [a.code for a in areas] == ["D1", "A1", "A2"]
    assert areas[1].parent_code == "D1"
    assert areas[0].population is None and areas[1].population == 100
    assert areas[1].centroid_lon == pytest.approx(17.305)


def test_missing_code_names_the_feature(collection):
    del collection["features"][2]["properties"]["code"]
    [problem] = problems_of(collection)
    assert (problem.feature, problem.column) == (2, "code")
    assert "missing code" in str(problem)
    assert str(problem).startswith("areas.geojson, feature 2")


def test_missing_name(collection):
    collection["features"][1]["properties"]["name"] = "  "
    [problem] = problems_of(collection)
    assert (problem.feature, problem.column, problem.reason) == (1, "name", "missing name")


def test_duplicate_code_names_both_features(collection):
    collection["features"][2]["properties"]["code"] = "A1"
    [problem] = problems_of(collection)
    assert problem.feature == 2
    assert "duplicate code 'A1'" in problem.reason and "feature 1" in problem.reason


def test_self_intersecting_polygon_is_invalid(collection):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[17, 62], [17.1, 62.1], [17.1, 62], [17, 62.1], [17, 62]]],
    }
    collection["features"][1]["geometry"] = bowtie
    [problem] = problems_of(collection)
    assert problem.feature == 1 and problem.column == "geometry"
    assert "Self-intersection" in problem.reason


def test_point_geometry_is_refused(collection):
    collection["features"][0]["geometry"] = {"type": "Point", "coordinates": [17.3, 62.3]}
    [problem] = problems_of(collection)
    assert "Polygon or MultiPolygon" in problem.reason


def test_missing_geometry_is_refused(collection):
    collection["features"][0]["geometry"] = None
    [problem] = problems_of(collection)
    assert problem.feature == 0 and problem.column == "geometry"


def test_unreadable_coordinates(collection):
    collection["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[["a", "b"]]]}
    [problem] = problems_of(collection)
    assert "cannot be read" in problem.reason


def test_wrong_crs_member_is_refused(collection):
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}
    [problem] = problems_of(collection)
    assert problem.column == "crs"
    assert "EPSG::3006" in problem.reason and "WGS84" in problem.reason


def test_wgs84_crs_member_is_accepted(collection):
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert len(parse_areas(collection, file="areas.geojson")) == 3


def test_projected_coordinates_without_crs_are_recognised(collection):
    # SWEREF 99 TM metres, as a GIS exports them when nobody converts to WGS84.
    collection["features"][1]["geometry"] = square(616000, 6917000, 500)
    [problem] = problems_of(collection)
    assert problem.feature == 1 and "SWEREF 99 TM" in problem.reason


def test_unknown_parent(collection):
    collection["features"][2]["properties"]["parent_code"] = "D9"
    [problem] = problems_of(collection)
    assert problem.column == "parent_code" and "'D9'" in problem.reason


def test_parent_may_be_already_imported(collection):
    collection["features"][2]["properties"]["parent_code"] = "D9"
    assert len(parse_areas(collection, file="x", known_parent_codes={"D9"})) == 3


def test_parent_cycle(collection):
    collection["features"][0]["properties"]["parent_code"] = "A1"
    problems = problems_of(collection)
    assert any("circle" in p.reason for p in problems)


def test_own_parent(collection):
    collection["features"][1]["properties"]["parent_code"] = "A1"
    [problem] = problems_of(collection)
    assert "own parent" in problem.reason


def test_negative_population(collection):
    collection["features"][1]["properties"]["population"] = -3
    [problem] = problems_of(collection)
    assert problem.column == "population"


def test_every_problem_is_reported_at_once(collection):
    del collection["features"][0]["properties"]["name"]
    collection["features"][2]["properties"]["code"] = ""
    problems = problems_of(collection)
    assert [(p.feature, p.column) for p in problems] == [(0, "name"), (2, "code")]


def test_not_a_feature_collection():
    with pytest.raises(InputError, match="not a GeoJSON FeatureCollection"):
        parse_areas({"type": "Feature"}, file="a.geojson")


def test_empty_collection():
    with pytest.raises(InputError, match="no features"):
        parse_areas({"type": "FeatureCollection", "features": []}, file="a.geojson")


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [}\n')
    with pytest.raises(InputError) as caught:
        load_geojson(path)
    assert caught.value.first.line == 2 and "not valid JSON" in caught.value.first.reason


def test_geojson_with_byte_order_mark_is_read(tmp_path, collection):
    path = tmp_path / "areas.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(collection).encode())
    assert load_geojson(path)["type"] == "FeatureCollection"


def test_input_is_not_modified(collection):
    before = copy.deepcopy(collection)
    parse_areas(collection, file="x")
    assert collection == before


# Population ----------------------------------------------------------------------------


def write(tmp_path, text, name="population.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_population_reads_semicolons_and_bom(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_bytes(
        "\ufeffarea_code;year;sex;age_group;count\nA1;2025;F;16-24;120\nA1;2025;M;75+;80\n".encode()
    )
    frame = read_population(path, known_area_codes={"A1"})
    assert frame.to_dicts() == [
        {"area_code": "A1", "year": 2025, "sex": "F", "age_group": "16-24", "count": 120},
        {"area_code": "A1", "year": 2025, "sex": "M", "age_group": "75+", "count": 80},
    ]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("A9,2025,F,16-24,10", "area_code", "unknown area code 'A9'"),
        (",2025,F,16-24,10", "area_code", "missing area code"),
        ("A1,20x5,F,16-24,10", "year", "is not a year"),
        ("A1,2025,X,16-24,10", "sex", "is not F or M"),
        ("A1,2025,F,24-16,10", "age_group", "is not an age group"),
        ("A1,2025,F,young,10", "age_group", "is not an age group"),
        ("A1,2025,F,16-24,-1", "count", "whole number"),
        ("A1,2025,F,16-24,ten", "count", "whole number"),
    ],
)
def test_population_bad_rows_name_line_and_column(tmp_path, row, column, reason):
    path = write(tmp_path, f"area_code,year,sex,age_group,count\nA1,2025,M,16-24,5\n{row}\n")
    with pytest.raises(InputError) as caught:
        read_population(path, known_area_codes={"A1"})
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("population.csv", 3, column)
    assert reason in problem.reason


def test_population_duplicate_row(tmp_path):
    path = write(
        tmp_path, "area_code,year,sex,age_group,count\nA1,2025,F,16-24,5\nA1,2025,F,16-24,6\n"
    )
    with pytest.raises(InputError, match="line 2 too"):
        read_population(path, known_area_codes={"A1"})


def test_population_missing_column(tmp_path):
    path = write(tmp_path, "area_code,year,sex,count\nA1,2025,F,5\n")
    with pytest.raises(InputError) as caught:
        read_population(path)
    assert caught.value.first.column == "age_group"
    assert caught.value.first.reason == "required column is missing"


def test_population_not_utf8(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_bytes(
        "area_code,year,sex,age_group,count\nSkönsberg,2025,F,16-24,5\n".encode("latin-1")
    )
    with pytest.raises(InputError) as caught:
        read_population(path)
    assert caught.value.first.line == 2 and "UTF-8" in caught.value.first.reason


def test_population_uses_the_given_file_name(tmp_path):
    path = write(tmp_path, "area_code,year,sex,age_group,count\nA1,2025,Q,16-24,5\n", name="upload")
    with pytest.raises(InputError) as caught:
        read_population(path, file="befolkning.csv")
    assert str(caught.value).startswith("befolkning.csv, line 2, column 'sex'")


def test_population_accepts_swedish_sex_codes_and_grouped_digits(tmp_path):
    path = write(
        tmp_path, "area_code;year;sex;age_group;count\nA1;2024;K;16-24;1 200\nA1;2024;män;75+;80\n"
    )
    frame = read_population(path, known_area_codes={"A1"})
    assert frame["sex"].to_list() == ["F", "M"]
    assert frame["count"].to_list() == [1200, 80]


def test_population_from_xlsx(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["area_code", "year", "sex", "age_group", "count"])
    sheet.append(["A1", 2024, "F", "16-24", 120])
    sheet.append(["A1", 2024, "X", "16-24", 5])
    path = tmp_path / "befolkning.xlsx"
    workbook.save(path)
    with pytest.raises(InputError) as caught:
        read_population(path, known_area_codes={"A1"})
    assert (caught.value.first.line, caught.value.first.column) == (3, "sex")


def test_population_file_missing(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_population(tmp_path / "nope.csv")
