"""Importing area files as a municipality has them (GeoPackage, SWEREF 99 TM GeoJSON): by the
service, the CLI and the guided import; stored in WGS84, atomic and idempotent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from tests.analysis.test_areas_projected import ORIGINALS, projected, write_gpkg
from tests.factories import MunicipalityFactory
from trygg.analysis.errors import InputError
from trygg.areas.models import Area
from trygg.areas.services import areas_import_geojson
from trygg.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="2281", name="Sundsvall")


@pytest.fixture
def gpkg(tmp_path):
    path = tmp_path / "DeSO.gpkg"
    rows = [{"code": c, "name": n} for c, (n, _) in ORIGINALS.items()]
    write_gpkg(path, rows, [projected(g, 3006) for _, g in ORIGINALS.values()])
    return path


def assert_stored_as_originals(municipality):
    stored = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    assert set(stored) == set(ORIGINALS)
    for code, (name, geometry) in ORIGINALS.items():
        assert stored[code].name == name
        got = np.array(shape(stored[code].geometry).exterior.coords)
        assert np.abs(got - np.array(geometry["coordinates"][0])).max() < 1e-6


def test_geopackage_import_is_wgs84_and_idempotent(municipality, gpkg):
    result = areas_import_geojson(municipality=municipality, path=gpkg)
    assert (result.created, result.updated) == (2, 0)
    assert_stored_as_originals(municipality)
    again = areas_import_geojson(municipality=municipality, path=gpkg)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_sweref_geojson_import(municipality, tmp_path):
    path = tmp_path / "omraden.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": c, "name": n},
                        "geometry": projected(g, 3006),
                    }
                    for c, (n, g) in ORIGINALS.items()
                ],
            }
        )
    )
    areas_import_geojson(municipality=municipality, path=path)
    assert_stored_as_originals(municipality)


def test_crs_less_projected_file_stores_nothing(municipality, tmp_path):
    path = tmp_path / "omraden.geojson"
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": projected(g, 3006)}
        for c, (n, g) in ORIGINALS.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InputError) as info:
        areas_import_geojson(municipality=municipality, path=path, file_name="kommun.geojson")
    assert info.value.problems[0].file == "kommun.geojson"
    assert info.value.problems[0].column == "crs"
    assert not Area.objects.exists()


def test_cli_imports_a_layer_of_a_geopackage(municipality, gpkg):
    rows = [{"code": "X1", "name": "Annat"}]
    write_gpkg(gpkg, rows, [projected(ORIGINALS["A1"][1], 3006)], layer="other")
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "areas", str(gpkg), "--municipality", "2281"])
    assert refused.exit_code != 0
    assert "DeSO.gpkg" in refused.output and "several layers" in refused.output
    assert not Area.objects.exists()
    args = ["import", "areas", str(gpkg), "--municipality", "2281", "--layer", "areas"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "DeSO.gpkg: 2 new, 0 changed, 0 unchanged" in result.output
    assert_stored_as_originals(municipality)


def test_guided_import_takes_a_geopackage(municipality, gpkg):
    from trygg.imports.models import ImportKind
    from trygg.imports.services import upload_create, upload_import, upload_validate

    upload = upload_create(
        municipality=municipality,
        kind=ImportKind.AREAS,
        uploaded_file=SimpleUploadedFile("DeSO.gpkg", gpkg.read_bytes()),
    )
    assert upload.file_type == "gpkg" and upload.columns == ["code", "name"]
    assert upload_validate(upload), upload.problems
    upload_import(upload)
    assert_stored_as_originals(municipality)
