"""A run's tables for analysts' own tools: GeoPackage (EPSG:3006, the areas' boundaries)
and Parquet next to the CSV, the choropleths' styles as QML and SLD, offered on the run
page with the CSV downloads' access (another municipality gets 404)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import polars as pl
import pyogrio
import pytest

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.reports.selectors.results import run_table

# `demo_run` is built once for the module (tests/shared_db.py; SHARED_DATA_MODULES).
pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client, demo_run, two_factor_off):
    client.force_login(user_in(demo_run.municipality, role=Role.ANALYST))
    return client


def _get(client, run, name: str) -> bytes:
    response = client.get(f"/reports/{run.public_id}/{name}")
    assert response.status_code == 200, name
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.content


def test_the_run_page_offers_the_gis_files(analyst, demo_run):
    page = analyst.get(f"/reports/{demo_run.public_id}/").content.decode()
    for name in ("analysis.gpkg", "priorities.gpkg", "priorities.parquet",
                 "crime_rates.parquet", "problem_index.qml", "crime_rates.sld"):  # fmt: skip
        assert f"/reports/{demo_run.public_id}/{name}" in page


def test_a_table_as_geopackage_in_sweref_with_its_areas(analyst, demo_run, tmp_path):
    path = tmp_path / "priorities.gpkg"
    path.write_bytes(_get(analyst, demo_run, "priorities.gpkg"))
    info = pyogrio.read_info(path, layer="priorities")
    assert info["crs"] == "EPSG:3006"
    frame = pyogrio.read_dataframe(path, layer="priorities")
    csv = run_table(demo_run, "priorities")
    assert len(frame) == csv.height
    assert sorted(frame["area_code"]) == sorted(csv["area_code"].to_list())
    # SWEREF 99 TM metres (Sundsvall is around x 600 000, y 6 900 000)
    minx, miny, maxx, maxy = frame.total_bounds
    assert 200_000 < minx < maxx < 1_000_000 and 6_100_000 < miny < maxy < 7_700_000
    assert AuditEvent.objects.filter(action="export", summary__contains="priorities.gpkg").exists()


def test_all_tables_in_one_geopackage(analyst, demo_run, tmp_path):
    path = tmp_path / "analysis.gpkg"
    path.write_bytes(_get(analyst, demo_run, "analysis.gpkg"))
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"priorities", "crime_rates", "survey_indices", "hotspots"} <= layers
    hotspots = pyogrio.read_dataframe(path, layer="hotspots")
    assert len(hotspots) == run_table(demo_run, "hotspots").height
    assert hotspots.geometry.notna().all()  # H3 cells or areas


def test_a_table_as_parquet(analyst, demo_run):
    frame = pl.read_parquet(io.BytesIO(_get(analyst, demo_run, "crime_rates.parquet")))
    assert frame.equals(run_table(demo_run, "crime_rates"))


def test_styles_are_xml_with_the_class_breaks(analyst, demo_run):
    qml = ET.fromstring(_get(analyst, demo_run, "problem_index.qml").split(b"\n", 1)[1])  # noqa: S314 (Trygg's own output)
    filters = [r.get("filter") for r in qml.iter("rule")]
    assert "\"index\" = 'problem_index'" in filters[0] and '"estimate" < 1.5' in filters[0]
    assert '"estimate" >= 3' in filters[-1]
    sld = ET.fromstring(_get(analyst, demo_run, "crime_rates.sld"))  # noqa: S314 (Trygg's own output)
    ns = {"sld": "http://www.opengis.net/sld", "ogc": "http://www.opengis.net/ogc"}
    assert sld.find("sld:NamedLayer/sld:Name", ns).text == "crime_rates"
    assert sld.findall(".//sld:Rule", ns)
    assert sld.findall(".//ogc:PropertyIsLessThan", ns)


def test_another_municipality_gets_404(client, demo_run, two_factor_off):
    client.force_login(user_in(MunicipalityFactory(code="2262"), role=Role.ANALYST))
    for name in ("analysis.gpkg", "priorities.parquet", "problem_index.sld"):
        assert client.get(f"/reports/{demo_run.public_id}/{name}").status_code == 404


def test_unknown_gis_names_are_404(analyst, demo_run):
    for name in ("secret.gpkg", "run.parquet", "other.qml"):
        assert analyst.get(f"/reports/{demo_run.public_id}/{name}").status_code == 404
