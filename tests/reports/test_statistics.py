"""The area page, the priority dashboard, comparisons, downloads and runs from the page."""

from __future__ import annotations

import io

import polars as pl
import pytest

from tests.factories import IMMEDIATE_TASKS, MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.areas.models import Area
from trygg.audit.models import AuditEvent
from trygg.jobs.models import Job, JobStatus
from trygg.reports.models import AnalysisRun

# `demo_run` is built once for the module (tests/shared_db.py); the module is listed in
# SHARED_DATA_MODULES (tests/conftest.py), so its tests run on one xdist worker.
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(demo_run):
    return demo_run


@pytest.fixture
def coordinator(client, run, two_factor_off):
    user = user_in(run.municipality, role=Role.SAFETY_COORDINATOR)
    client.force_login(user)
    return user


def test_area_page_shows_everything_about_the_area(client, run, coordinator):
    nacksta = Area.objects.get(name="Nacksta")
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    # rank with interval and explanation, hot spot, survey indices with interval, crime
    assert "Nacksta hamnar på plats 1" in page
    assert "1–1" in page and "priority-heading" in page
    assert "survey-heading" in page and "sparkline" in page and "crime-heading" in page
    assert "Våldsbrott" in page and "Trygghetsgrupp" in page
    assert "operations-heading" in page


def test_area_page_without_report_rights_has_no_statistics(client, run, two_factor_off):
    client.force_login(user_in(run.municipality, role=Role.GROUP_MEMBER))
    nacksta = Area.objects.get(name="Nacksta")
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    assert "Nacksta" in page and "priority-heading" not in page and "survey-heading" not in page


def test_dashboard_ranks_areas_with_intervals_bars_map_and_table_view(client, run, coordinator):
    page = client.get("/reports/dashboard/").content.decode()
    assert page.index("Nacksta") < page.index("Skönsberg")
    assert 'class="zbar"' in page and 'id="map-geojson"' in page
    assert "The map as a table" in page or "Kartan som tabell" in page
    for layer in ("problem_index", "crime_rate", "hotspots", "rank"):
        assert f'data-legend="{layer}"' in page


def test_district_filter_and_download_honour_the_filters(client, run, coordinator):
    nacksta = Area.objects.get(name="Nacksta")
    district = nacksta.parent
    page = client.get(f"/reports/dashboard/?district={district.code}").content.decode()
    assert "Nacksta" in page and "Bredsand" not in page
    csv = client.get(f"/reports/dashboard.csv?district={district.code}")
    assert csv["Content-Disposition"].startswith("attachment")
    table = pl.read_csv(io.BytesIO(csv.content))
    expected = set(Area.objects.filter(parent=district).values_list("code", flat=True))
    assert set(table["code"].to_list()) == expected
    assert {"rank", "rank_low", "rank_high", "problem_index", "crime_rate"} <= set(table.columns)
    xlsx = client.get("/reports/dashboard.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="export", object_type="priority_dashboard").count() == 2


def test_other_municipality_sees_nothing_of_the_run(client, run, two_factor_off):
    client.force_login(user_in(MunicipalityFactory(code="2262"), role=Role.SAFETY_COORDINATOR))
    page = client.get("/reports/dashboard/").content.decode()
    assert "Nacksta" not in page
    assert client.get(f"/reports/dashboard.csv?run={run.public_id}").status_code == 404


def test_compare_two_areas_and_two_years(client, run, coordinator):
    a, b = Area.objects.get(name="Nacksta"), Area.objects.get(name="Skönsberg")
    page = client.get(f"/reports/compare/?a={a.id}&b={b.id}").content.decode()
    assert "Nacksta" in page and "Skönsberg" in page and "1 (1–1)" in page
    page = client.get("/reports/compare/?year_a=2025&year_b=2026").content.decode()
    assert "2025" in page and "Nacksta" in page


def test_run_from_the_page_with_weights_then_compare_runs(client, run, coordinator, settings):
    settings.TASKS = IMMEDIATE_TASKS
    weights = {
        "weight_problem_index": 0, "weight_unsafety": 0, "weight_crime_rate": 1,
        "weight_harm_rate": 0, "weight_trend": 0, "weight_observation_rate": 0,
    }  # fmt: skip
    response = client.post(
        "/reports/runs/new/",
        {"municipality": run.municipality.pk, "draws": 100, "alpha": 0.05, **weights},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/jobs/{job.public_id}/"
    assert job.status == JobStatus.DONE and job.progress == 1.0
    status = client.get(f"/imports/jobs/{job.public_id}/").json()
    assert status["finished"] and status["done_url"].startswith("/reports/")
    new = AnalysisRun.objects.get(public_id=job.result["run"])
    assert new.parameters["weights"]["crime_rate"] == 1 and new.parameters["draws"] == 100
    assert new.run_record["parameters"]["weights"]["problem_index"] == 0
    page = client.get(f"/reports/runs/compare/?a={run.public_id}&b={new.public_id}")
    assert "Nacksta" in page.content.decode()


def test_roles_without_run_rights_cannot_start_a_run(client, run, two_factor_off):
    client.force_login(user_in(run.municipality, role=Role.MANAGEMENT))
    assert client.post("/reports/runs/new/", {}).status_code == 404


def test_api_priorities_area_statistics_and_open_data(client, run, coordinator):
    nacksta = Area.objects.get(name="Nacksta")
    rows = client.get("/api/v1/priorities/").json()
    assert rows[0]["name"] == "Nacksta" and rows[0]["rank_low"] == 1
    assert "problem_index" in rows[0]["components"]
    district = client.get(f"/api/v1/priorities/?district={nacksta.parent.code}").json()
    assert {r["code"] for r in district} <= set(
        Area.objects.filter(parent=nacksta.parent).values_list("code", flat=True)
    )
    stats = client.get(f"/api/v1/areas/{nacksta.id}/statistics/").json()
    assert stats["priority"]["rank"] == 1 and stats["survey"][0]["index"] == "problem_index"
    runs = client.get("/api/v1/analysis-runs/").json()
    assert runs["results"][0]["public_id"] == str(run.public_id)
    client.logout()
    assert client.get("/api/v1/open/2281/").status_code == 404
    from trygg.reports.services import publication_create

    publication_create(run=run, actor=None)
    data = client.get("/api/v1/open/2281/").json()
    assert data["licence"] == "CC BY 4.0" and len(data["areas"]) == 29
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/priorities/", "/api/v1/areas/{id}/statistics/", "/api/v1/open/{code}/"):
        assert path in schema["paths"], sorted(schema["paths"])


def test_compare_two_years_reads_each_year_from_its_own_run(client, run, coordinator):
    """A year with its own run is read from that run, and the page says which run."""
    nacksta = Area.objects.get(name="Nacksta")
    older = AnalysisRun.objects.create(municipality=run.municipality, year=2025)
    older.directory.mkdir(parents=True)
    (older.directory / "survey_indices.csv").write_text(
        "area_code,index,year,estimate,ci_low,ci_high,n,method,suppressed\n"
        f"{nacksta.code},problem_index,2025,3.21,3.0,3.4,40,direct,false\n",
        encoding="utf-8",
    )
    (older.directory / "crime_rates.csv").write_text(
        f"area_code,year,category,count,population\n{nacksta.code},2025,theft,50,1000\n",
        encoding="utf-8",
    )
    page = client.get("/reports/compare/?year_a=2025&year_b=2026").content.decode()
    assert str(older.public_id) in page and str(run.public_id) in page
    row = page[page.index(f"/areas/{nacksta.id}/") :].split("</tr>")[0]
    assert "3,21" in row or "3.21" in row  # 2025 from the 2025 run
    assert "50,0" in row or "50.0" in row
    # A newer run of 2025 that nobody published does not replace the published one.
    from trygg.reports.services import publication_create

    publication_create(run=older, actor=None)
    newer = AnalysisRun.objects.create(municipality=run.municipality, year=2025)
    newer.directory.mkdir(parents=True)
    page = client.get("/reports/compare/?year_a=2025&year_b=2026").content.decode()
    assert str(older.public_id) in page and str(newer.public_id) not in page
    newer.delete()
    older.publication.delete()
    # A year without a run of its own is read from the newest run that holds it.
    older.delete()
    page = client.get("/reports/compare/?year_a=2025&year_b=2026").content.decode()
    assert page.count(f'href="/reports/{run.public_id}/"') == 2


def test_area_names_are_neutralised_in_the_dashboard_csv_and_xlsx(client, run, coordinator):
    from tests.core.test_exports import PAYLOADS, assert_no_formula, xlsx_cells

    planted = dict(zip(("Nacksta", "Skönsberg", "Bredsand"), PAYLOADS, strict=False))
    for name, payload in planted.items():
        Area.objects.filter(municipality=run.municipality, name=name).update(name=payload)
    table = pl.read_csv(io.BytesIO(client.get("/reports/dashboard.csv").content))
    names = set(table["name"].to_list())
    assert {"'" + p for p in planted.values()} <= names
    assert not names & set(planted.values())
    assert table["rank"].dtype.is_integer()  # numbers stay numbers
    xlsx = client.get("/reports/dashboard.xlsx").content
    assert_no_formula(xlsx)
    rows = xlsx_cells(xlsx)
    column = [c[0] for c in rows[0]].index("name")
    cells = {row[column][0]: row[column] for row in rows[1:]}
    for payload in planted.values():
        assert cells[payload] == (payload, "s", True)
    assert rows[1][0][1] == "n"  # the rank is a number cell
