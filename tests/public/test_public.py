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


def published_page(client, run):
    from trygg.reports.services import publication_create

    publication_create(run=run, actor=None)
    return client.get(f"/open/{run.municipality.code}/").content.decode()


def test_the_public_page_shows_levels_on_a_map_not_a_league_table(client, run, settings):
    settings.TRYGG_PUBLIC_SHOW_RANK = False
    page = published_page(client, run)
    # A labelled map of the areas, with the same content as a list of levels below it.
    assert '<svg aria-label="Karta över områdena' in page
    levels = [page.index(f'id="level-{code}"') for code in ("red", "yellow", "green")]
    assert levels == sorted(levels)  # worst first
    publication = Publication.objects.get()
    named = [r for r in publication.areas if r["problem_index"] is not None]
    for row in named:
        assert f"<li>{row['name']}</li>" in page
    # No ranking of neighbourhoods: no rank column, no rank interval in the page.
    assert ">Plats</th>" not in page
    table = pl.read_csv(
        io.BytesIO(client.get(f"/open/{run.municipality.code}/{run.year}/data.csv").content)
    )
    assert "rank" not in table.columns and "rank_low" not in table.columns
    geo = client.get(f"/open/{run.municipality.code}/{run.year}/data.geojson").json()
    assert "rank" not in geo["features"][0]["properties"]
    api = client.get(f"/api/v1/open/{run.municipality.code}/").json()
    assert api["areas"] and all(area["rank"] is None for area in api["areas"])


def test_each_area_gets_the_level_of_its_index_from_the_questionnaire(client, run):
    from trygg.public.selectors import publication_levels
    from trygg.reports.services import publication_create

    result = publication_levels(publication_create(run=run, actor=None))
    bounds = {"green": (0, 1.5), "yellow": (1.5, 3.0), "red": (3.0, 6.0)}
    for level in result["levels"]:
        low, high = bounds[level["code"]]
        assert all(
            low <= row["problem_index"] < high or level["code"] == "red" for row in level["areas"]
        )
    assert all(row["problem_index"] is None for row in result["without"])
    counted = sum(len(level["areas"]) for level in result["levels"]) + len(result["without"])
    assert counted == len(result["rows"]) == 29


def test_the_summary_says_it_in_short_sentences(client, run):
    page = published_page(client, run)
    summary = page.split('id="summary-heading"')[1].split("</section>")[0]
    assert "av 29 områden ser invånarna" in summary
    sentences = summary.split("<li>")[1:]
    assert sentences and all(len(s.split("</li>")[0].split()) <= 30 for s in sentences)
    assert "0 (inga problem) till 6 (mycket stora problem)" in summary


def test_an_install_may_publish_the_ranking(client, run, settings):
    settings.TRYGG_PUBLIC_SHOW_RANK = True
    page = published_page(client, run)
    assert ">Plats</th>" in page
    table = pl.read_csv(
        io.BytesIO(client.get(f"/open/{run.municipality.code}/{run.year}/data.csv").content)
    )
    assert {"rank", "rank_low", "rank_high"} <= set(table.columns)
