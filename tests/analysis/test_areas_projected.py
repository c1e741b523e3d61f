"""Area files as a municipality has them: SWEREF 99 TM / local zones / RT90 GeoJSON and
GeoPackage, reprojected to WGS84 on reading (ADR 0014)."""

from __future__ import annotations

import json

import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import shape

from trygg.analysis.areas_io import collection_as_read, load_areas, parse_areas
from trygg.analysis.errors import InputError

TOLERANCE = 1e-6


def square(lon, lat, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


def projected(geometry: dict, epsg: int) -> dict:
    to = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    moved = shapely.transform(shape(geometry), to.transform, interleaved=False)
    return json.loads(shapely.to_geojson(moved))


ORIGINALS = {
    "A1": ("Centrum", square(17.30, 62.39)),
    "A2": ("Haga", square(17.31, 62.39)),
}


def sweref_collection(epsg=3006, crs_name="urn:ogc:def:crs:EPSG::3006", **props):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, **props},
                "geometry": projected(geometry, epsg),
            }
            for code, (name, geometry) in ORIGINALS.items()
        ],
    }
    if crs_name is not None:
        data["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return data


def assert_same_as_originals(features, originals=ORIGINALS):
    assert [f.code for f in features] == list(originals)
    for feature in features:
        name, geometry = originals[feature.code]
        assert feature.name == name
        got = np.array(shape(feature.geometry).exterior.coords)
        want = np.array(shape(geometry).exterior.coords)
        assert got.shape == want.shape
        assert np.abs(got - want).max() < TOLERANCE


def write_gpkg(path, rows: list[dict], geometries: list[dict], *, epsg=3006, layer="areas"):
    fields = list(rows[0])
    field_data = [np.array([row[f] for row in rows], dtype=object) for f in fields]
    wkb = np.array([shapely.to_wkb(shape(g)) for g in geometries], dtype=object)
    pyogrio.raw.write(
        str(path),
        wkb,
        field_data,
        fields,
        layer=layer,
        driver="GPKG",
        geometry_type="Polygon",
        crs=f"EPSG:{epsg}",
        append=path.exists(),
    )


@pytest.mark.parametrize(
    "crs_name",
    ["urn:ogc:def:crs:EPSG::3006", "EPSG:3006", "urn:ogc:def:crs:EPSG:6.3:3006"],
)
def test_sweref_99_tm_geojson_is_reprojected(crs_name):
    features = parse_areas(sweref_collection(crs_name=crs_name), file="areas.geojson")
    assert_same_as_originals(features)


@pytest.mark.parametrize("epsg", [3007, 3011, 3014, 3018, 3021])
def test_local_zones_and_rt90_are_reprojected(epsg):
    data = sweref_collection(epsg=epsg, crs_name=f"EPSG:{epsg}")
    assert_same_as_originals(parse_areas(data, file="areas.geojson"))


def test_projected_file_without_crs_is_refused_with_a_clear_reason():
    data = sweref_collection(crs_name=None)
    with pytest.raises(InputError) as info:
        parse_areas(data, file="kommun.geojson")
    [problem] = info.value.problems
    assert problem.file == "kommun.geojson" and problem.column == "crs"
    assert "SWEREF 99 TM" in problem.reason and "coordinate system" in problem.reason


def test_unknown_crs_names_file_field_and_value():
    data = sweref_collection(crs_name="EPSG:99999")
    with pytest.raises(InputError) as info:
        parse_areas(data, file="kommun.geojson")
    [problem] = info.value.problems
    assert (problem.file, problem.column) == ("kommun.geojson", "crs")
    assert "unknown coordinate system 'EPSG:99999'" in problem.reason


def test_wrong_crs_that_puts_areas_outside_sweden_is_refused():
    # SWEREF 99 TM metres said to be Web Mercator: converted, they land in the Arctic Ocean.
    data = sweref_collection(crs_name="EPSG:3857")
    with pytest.raises(InputError) as info:
        parse_areas(data, file="kommun.geojson")
    problem = info.value.problems[0]
    assert problem.column == "geometry" and "outside Sweden" in problem.reason
    assert "EPSG:3857" in problem.reason


def test_input_collection_is_not_modified():
    data = sweref_collection()
    before = json.dumps(data)
    parse_areas(data, file="areas.geojson")
    assert json.dumps(data) == before


def test_collection_as_read_is_wgs84_with_codes():
    data = sweref_collection()
    features = parse_areas(data, file="areas.geojson")
    read = collection_as_read(data, features)
    assert "crs" not in read
    assert [f["properties"]["code"] for f in read["features"]] == ["A1", "A2"]
    assert shape(read["features"][0]["geometry"]).bounds[0] == pytest.approx(17.30, abs=1e-6)


def test_geopackage_in_sweref_is_read_and_reprojected(tmp_path):
    path = tmp_path / "omraden.gpkg"
    rows = [{"code": c, "name": n} for c, (n, _) in ORIGINALS.items()]
    write_gpkg(path, rows, [projected(g, 3006) for _, g in ORIGINALS.values()])
    data = load_areas(path)
    assert_same_as_originals(parse_areas(data, file=path.name))


def test_geopackage_is_known_by_content_not_name(tmp_path):
    path = tmp_path / "omraden.gpkg"
    rows = [{"code": c, "name": n} for c, (n, _) in ORIGINALS.items()]
    write_gpkg(path, rows, [projected(g, 3006) for _, g in ORIGINALS.values()])
    renamed = tmp_path / "upload"
    path.rename(renamed)
    assert_same_as_originals(parse_areas(load_areas(renamed, file="x.gpkg"), file="x.gpkg"))


def test_scb_deso_columns_give_code_and_name(tmp_path):
    path = tmp_path / "DeSO_2025.gpkg"
    rows = [
        {"desokod": "2281C1010", "regsokod": "2281R001", "kommunkod": "2281", "lanskod": "22"},
        {"desokod": "2281C1020", "regsokod": "2281R001", "kommunkod": "2281", "lanskod": "22"},
    ]
    write_gpkg(path, rows, [projected(g, 3006) for _, g in ORIGINALS.values()])
    features = parse_areas(load_areas(path), file=path.name)
    assert [(f.code, f.name) for f in features] == [
        ("2281C1010", "2281C1010"),
        ("2281C1020", "2281C1020"),
    ]


def test_scb_regso_columns_give_code_and_name():
    data = sweref_collection()
    for feature, (code, name) in zip(
        data["features"], [("2281R001", "Centrum"), ("2281R002", "Haga")], strict=True
    ):
        feature["properties"] = {"regsokod": code, "RegSO": name, "kommun": "2281"}
    features = parse_areas(data, file="RegSO.geojson")
    assert [(f.code, f.name) for f in features] == [
        ("2281R001", "Centrum"),
        ("2281R002", "Haga"),
    ]


def test_geopackage_with_several_polygon_layers_is_refused_naming_them(tmp_path):
    path = tmp_path / "two.gpkg"
    rows = [{"code": c, "name": n} for c, (n, _) in ORIGINALS.items()]
    geometries = [projected(g, 3006) for _, g in ORIGINALS.values()]
    write_gpkg(path, rows, geometries, layer="deso")
    write_gpkg(path, rows, geometries, layer="regso")
    with pytest.raises(InputError) as info:
        load_areas(path)
    [problem] = info.value.problems
    assert problem.file == "two.gpkg" and problem.column == "layer"
    assert "deso" in problem.reason and "regso" in problem.reason
    chosen = load_areas(path, layer="regso")
    assert_same_as_originals(parse_areas(chosen, file=path.name))
    with pytest.raises(InputError) as info:
        load_areas(path, layer="lan")
    assert "no layer 'lan'" in info.value.problems[0].reason


def test_broken_geopackage_is_refused(tmp_path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(InputError) as info:
        load_areas(path)
    [problem] = info.value.problems
    assert problem.file == "broken.gpkg" and "not a readable GeoPackage" in problem.reason


@settings(max_examples=30, deadline=None)
@given(
    lon=st.floats(11.5, 23.5),
    lat=st.floats(55.5, 68.5),
    size=st.floats(0.001, 0.2),
    epsg=st.sampled_from([3006, 3010, 3014, 3021]),
)
def test_random_squares_round_trip_through_sweref(lon, lat, size, epsg):
    geometry = square(lon, lat, size)
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": f"EPSG:{epsg}"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "X", "name": "X"},
                "geometry": projected(geometry, epsg),
            }
        ],
    }
    [feature] = parse_areas(data, file="areas.geojson")
    got = np.array(shape(feature.geometry).exterior.coords)
    want = np.array(geometry["coordinates"][0])
    assert np.abs(got - want).max() < TOLERANCE


def test_scb_file_for_all_of_sweden_gives_the_municipality_s_areas():
    data = sweref_collection()
    data["features"][0]["properties"] |= {"kommun": "2281"}
    data["features"][1]["properties"] |= {"kommun": "2262"}
    assert [f.code for f in parse_areas(data, file="DeSO.gpkg", municipality_code="2281")] == ["A1"]
    assert len(parse_areas(data, file="DeSO.gpkg")) == 2  # no municipality: all
    with pytest.raises(InputError) as info:
        parse_areas(data, file="DeSO.gpkg", municipality_code="0180")
    [problem] = info.value.problems
    assert (problem.file, problem.column) == ("DeSO.gpkg", "kommun")
    assert "municipality 0180" in problem.reason


def test_a_kommun_column_in_words_filters_nothing():
    data = sweref_collection(kommun="Sundsvall")
    assert len(parse_areas(data, file="areas.geojson", municipality_code="2281")) == 2
