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


def test_the_import_page_takes_a_geopackage_and_refuses_in_swedish(client, gpkg, tmp_path):
    import html
    import io

    from tests.factories import user_in
    from trygg.accounts.roles import Role

    municipality = MunicipalityFactory(code="2282", name="Timrå")
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    path = tmp_path / "utan-crs.geojson"
    features = [
        {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": projected(g, 3006)}
        for c, (n, g) in ORIGINALS.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    upload = io.BytesIO(path.read_bytes())
    upload.name = "utan-crs.geojson"
    response = client.post(
        "/areas/import/", {"kind": "areas", "municipality": municipality.pk, "file": upload}
    )
    page = html.unescape(response.content.decode())
    assert "utan-crs.geojson" in page
    assert "koordinaterna ser ut som SWEREF 99 TM (meter)" in page
    assert not Area.objects.exists()
    upload = io.BytesIO(gpkg.read_bytes())
    upload.name = "DeSO.gpkg"
    response = client.post(
        "/areas/import/", {"kind": "areas", "municipality": municipality.pk, "file": upload}
    )
    assert response.status_code == 302
    assert_stored_as_originals(municipality)


def test_analyze_reads_a_geopackage_as_it_reads_the_same_areas_in_geojson(tmp_path):
    import polars as pl

    from tests.analysis.strategies import Area as SyntheticArea
    from tests.analysis.strategies import Municipality as SyntheticMunicipality
    from trygg.analysis.pipeline import AnalysisParams, run_analysis

    areas = [
        SyntheticArea(
            code=f"2281R{i:03d}", name=f"Område {i}", cell=(i % 2, i // 2), parent=None,
            population={2024: 1500, 2025: 1500}, crimes={2024: 5 + i, 2025: 8 + 2 * i},
            respondents={},
        )
        for i in range(4)
    ]  # fmt: skip
    paths = SyntheticMunicipality(areas, {}, outside_crimes=0, items=(), seed=1).write(
        tmp_path / "in"
    )
    collection = json.loads(paths["areas"].read_text(encoding="utf-8"))
    gpkg = tmp_path / "areas.gpkg"
    write_gpkg(
        gpkg,
        [{"code": f["properties"]["code"], "name": f["properties"]["name"]}
         for f in collection["features"]],
        [projected(f["geometry"], 3006) for f in collection["features"]],
    )  # fmt: skip
    results = {}
    for label, areas_path in (("geojson", paths["areas"]), ("gpkg", gpkg)):
        results[label] = run_analysis(
            areas=areas_path, crimes=paths["crimes"], survey=None,
            population=paths["population"], out=tmp_path / label,
            params=AnalysisParams(draws=50, permutations=19, pdf=False, lang="en"), lang="en",
        ).priorities.table  # fmt: skip
    frame = results["geojson"]
    assert isinstance(frame, pl.DataFrame) and frame.height == 4
    assert results["gpkg"].equals(frame)


def test_scb_deso_file_for_two_municipalities_imports_this_one_s(municipality, tmp_path):
    path = tmp_path / "DeSO_2025.gpkg"
    rows = [
        {"desokod": "2281C1010", "kommunkod": "2281", "kommunnamn": "Sundsvall"},
        {"desokod": "2262C1010", "kommunkod": "2262", "kommunnamn": "Timrå"},
    ]
    write_gpkg(path, rows, [projected(g, 3006) for _, g in ORIGINALS.values()])
    result = areas_import_geojson(municipality=municipality, path=path)
    assert result.created == 1
    [area] = Area.objects.filter(municipality=municipality)
    assert (area.code, area.name) == ("2281C1010", "2281C1010")
    got = np.array(shape(area.geometry).exterior.coords)
    assert np.abs(got - np.array(ORIGINALS["A1"][1]["coordinates"][0])).max() < 1e-6
