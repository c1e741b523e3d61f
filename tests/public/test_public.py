"""Publishing and the public page: only published, suppressed results without login."""

from __future__ import annotations

import io

import polars as pl
import pytest

from tests.factories import CitizenPromiseFactory, user_in
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.reports.models import Publication

# `demo_run` is built once for the module (tests/shared_db.py); the module is listed in
# SHARED_DATA_MODULES (tests/conftest.py), so its tests run on one xdist worker.
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(demo_run):
    return demo_run


def test_nothing_is_public_before_publishing(client, run):
    code = run.municipality.code
    assert client.get("/open/").status_code == 200
    assert client.get(f"/open/{code}/").status_code == 404
    assert client.get(f"/open/{code}/{run.year}/data.csv").status_code == 404
    assert client.get(f"/open/{code}/{run.year}/report.html").status_code == 404
    # the run's own files stay behind the login
    assert client.get(f"/reports/{run.public_id}/report.html").status_code == 302


def test_coordinator_publishes_and_anyone_reads(client, run, two_factor_off):
    coordinator = user_in(run.municipality, role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    CitizenPromiseFactory(municipality=run.municipality, is_public=True, title="Tryggare Nacksta")
    CitizenPromiseFactory(municipality=run.municipality, is_public=False, title="Utkast")
    assert client.post(f"/reports/{run.public_id}/publish/").status_code == 302
    assert AuditEvent.objects.filter(object_type="publication", action="create").exists()
    client.logout()
    code = run.municipality.code
    page = client.get(f"/open/{code}/").content.decode()
    assert "Nacksta" in page and "Tryggare Nacksta" in page and "Utkast" not in page
    assert "CC BY 4.0" in page
    table = pl.read_csv(io.BytesIO(client.get(f"/open/{code}/{run.year}/data.csv").content))
    assert "respondent_id" not in table.columns and table.height == 29
    # suppressed survey cells are empty, never a number computed from few answers
    publication = Publication.objects.get()
    suppressed = [r for r in publication.areas if r.get("problem_index") is None]
    assert suppressed and all(r["problem_index_low"] is None for r in suppressed)
    geo = client.get(f"/open/{code}/{run.year}/data.geojson").json()
    assert len(geo["features"]) == 29 and geo["licence"] == "CC BY 4.0"
    assert "id" not in geo["features"][0]["properties"]
    report = client.get(f"/open/{code}/{run.year}/report.html")
    assert report.status_code == 200 and "sandbox" in report.headers["Content-Security-Policy"]


def test_small_crime_counts_are_withheld(run, settings):
    from trygg.reports.services import _public_areas

    rows = _public_areas(run, min_count=10**9)
    assert all(r.get("crimes") is None and r.get("crime_rate_per_1000") is None for r in rows)


def test_withdrawn_publication_is_gone_and_others_cannot_publish(client, run, two_factor_off):
    from trygg.reports.services import publication_create, publication_withdraw

    publication = publication_create(run=run, actor=None)
    publication_withdraw(publication=publication, actor=None)
    assert client.get(f"/open/{run.municipality.code}/").status_code == 404
    client.force_login(user_in(run.municipality, role=Role.ANALYST))
    assert client.post(f"/reports/{run.public_id}/publish/").status_code == 404


def test_area_names_are_neutralised_in_the_public_data_csv(client, run, two_factor_off):
    import csv

    from tests.core.test_exports import PAYLOADS
    from trygg.areas.models import Area

    Area.objects.filter(municipality=run.municipality, name="Nacksta").update(name=PAYLOADS[0])
    Area.objects.filter(municipality=run.municipality, name="Skönsberg").update(name=PAYLOADS[2])
    client.force_login(user_in(run.municipality, role=Role.SAFETY_COORDINATOR))
    assert client.post(f"/reports/{run.public_id}/publish/").status_code == 302
    client.logout()
    response = client.get(f"/open/{run.municipality.code}/{run.year}/data.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    names = {r["name"] for r in rows}
    assert {"'" + PAYLOADS[0], "'" + PAYLOADS[2]} <= names
    assert not names & set(PAYLOADS)
