"""Importing areas and population: atomic, idempotent, audited."""

from __future__ import annotations

import json

import pytest

from tests.factories import MunicipalityFactory, square
from trygg.analysis.errors import InputError
from trygg.areas.models import Area, AreaLevel, PopulationCount
from trygg.areas.services import areas_import_geojson, population_import_csv
from trygg.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def write_areas(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(code, name, parent=None, lon=17.3, size=0.01, population=100):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "parent_code": parent, "population": population},
        "geometry": square(lon, 62.39, size),
    }


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="2281", name="Sundsvall")


@pytest.fixture
def areas_file(tmp_path):
    return write_areas(
        tmp_path,
        [
            feature("A1", "Centrum", parent="D1"),
            feature("D1", "Centrala staden", size=0.03, population=None),
            feature("A2", "Haga", parent="D1", lon=17.31),
        ],
    )


def test_import_creates_the_hierarchy(municipality, areas_file):
    result = areas_import_geojson(municipality=municipality, path=areas_file)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    district = Area.objects.get(code="D1")
    assert district.level == AreaLevel.DISTRICT
    assert sorted(district.children.values_list("code", flat=True)) == ["A1", "A2"]
    assert Area.objects.get(code="A1").level == AreaLevel.AREA


def test_reimport_changes_nothing(municipality, areas_file):
    areas_import_geojson(municipality=municipality, path=areas_file)
    stamps = dict(Area.objects.values_list("code", "updated_at"))
    events = AuditEvent.objects.count()
    result = areas_import_geojson(municipality=municipality, path=areas_file)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps
    assert AuditEvent.objects.count() == events


def test_reimport_updates_what_changed(municipality, areas_file, tmp_path):
    areas_import_geojson(municipality=municipality, path=areas_file)
    changed = write_areas(
        tmp_path,
        [
            feature("D1", "Centrala staden", size=0.03, population=None),
            feature("A1", "Centrum", parent="D1", population=150),
            feature("A2", "Haga", parent="D1", lon=17.31),
        ],
        name="v2.geojson",
    )
    result = areas_import_geojson(municipality=municipality, path=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Area.objects.get(code="A1").population == 150


def test_a_bad_feature_imports_nothing(municipality, tmp_path):
    bad = write_areas(
        tmp_path,
        [
            feature("A1", "Centrum"),
            {"type": "Feature", "properties": {"name": "X"}, "geometry": None},
        ],
    )
    with pytest.raises(InputError) as caught:
        areas_import_geojson(municipality=municipality, path=bad)
    assert caught.value.first.feature == 1
    assert Area.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_import_is_audited(municipality, areas_file, django_user_model):
    areas_import_geojson(municipality=municipality, path=areas_file, file_name="områden.geojson")
    event = AuditEvent.objects.get(action="import", object_type="areas")
    assert event.municipality_code == "2281"
    assert "områden.geojson" in event.summary and event.details["created"] == 3


def test_same_code_in_two_municipalities_is_allowed(areas_file):
    first, second = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    areas_import_geojson(municipality=first, path=areas_file)
    areas_import_geojson(municipality=second, path=areas_file)
    assert Area.objects.filter(code="A1").count() == 2


@pytest.fixture
def imported(municipality, areas_file):
    areas_import_geojson(municipality=municipality, path=areas_file)
    return municipality


def write_population(tmp_path, rows, name="befolkning.csv"):
    path = tmp_path / name
    path.write_text("area_code;year;sex;age_group;count\n" + "\n".join(rows) + "\n")
    return path


def test_population_import_and_reimport(imported, tmp_path):
    path = write_population(
        tmp_path, ["A1;2025;F;16-24;120", "A1;2025;M;16-24;110", "A2;2025;F;75+;40"]
    )
    first = population_import_csv(municipality=imported, path=path)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    again = population_import_csv(municipality=imported, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert PopulationCount.objects.count() == 3


def test_population_correction_replaces_the_count(imported, tmp_path):
    population_import_csv(
        municipality=imported, path=write_population(tmp_path, ["A1;2025;F;16-24;120"])
    )
    result = population_import_csv(
        municipality=imported,
        path=write_population(tmp_path, ["A1;2025;F;16-24;125"], name="v2.csv"),
    )
    assert (result.created, result.updated) == (0, 1)
    assert PopulationCount.objects.get().count == 125


def test_population_with_an_unknown_area_imports_nothing(imported, tmp_path):
    path = write_population(tmp_path, ["A1;2025;F;16-24;120", "Z9;2025;F;16-24;1"])
    with pytest.raises(InputError) as caught:
        population_import_csv(municipality=imported, path=path, file_name="befolkning 2025.csv")
    assert str(caught.value).startswith("befolkning 2025.csv, line 3, column 'area_code'")
    assert PopulationCount.objects.count() == 0


def test_population_of_another_municipality_is_unknown(imported, tmp_path):
    other = MunicipalityFactory(code="2262")
    path = write_population(tmp_path, ["A1;2025;F;16-24;120"])
    with pytest.raises(InputError, match="unknown area code"):
        population_import_csv(municipality=other, path=path)
