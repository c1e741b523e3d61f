"""The start page for visitors who are not signed in (issue 18): what residents can do here,
per municipality, with only the links that apply now; staff still get their overview."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import (
    AreaFactory,
    CitizenPromiseFactory,
    MunicipalityFactory,
    SafetyGroupFactory,
    user_in,
)
from trygg.surveys.models import RoundStatus, SurveyRound

pytestmark = pytest.mark.django_db

SURVEY, RESULTS = "/svar/", "/open/{code}/"
REPORT, PROMISES = "/trygghet/{code}/", "/operations/promises/{code}/"


def open_round(municipality, **dates):
    from trygg.surveys.services import survey_round_create

    survey_round = survey_round_create(municipality=municipality, year=2026)
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=RoundStatus.OPEN, **dates)
    return survey_round


def publish(municipality, settings, tmp_path):
    from trygg.reports.models import AnalysisRun, Publication

    settings.VAR_DIR = tmp_path
    run = AnalysisRun.objects.create(municipality=municipality, year=2026)
    return Publication.objects.create(
        run=run, municipality=municipality, year=2026, licence="CC BY 4.0"
    )


def page(client, **query) -> str:
    response = client.get("/", query)
    assert response.status_code == 200
    assert response.templates[0].name == "core/public_home.html"
    return response.content.decode()


def test_one_municipality_shows_every_link_that_applies(client, settings, tmp_path):
    m = MunicipalityFactory(code="2281", name="Sundsvall")
    open_round(m)
    publish(m, settings, tmp_path)
    CitizenPromiseFactory(municipality=m)
    settings.TRYGG_RESIDENT_MUNICIPALITIES = []
    text = page(client)
    assert "Sundsvall" in text
    for href in (SURVEY, REPORT, RESULTS, PROMISES):
        assert f'href="{href.format(code=m.code)}"' in text, href
    assert f'href="{reverse("account_login")}"' in text
    # In the page's order: answer, report, results, promises.
    positions = [text.index(f'data-link="{key}"') for key in ("survey", "report", "results")]
    assert positions == sorted(positions)


def test_links_that_do_not_apply_are_hidden(client, settings):
    m = MunicipalityFactory(code="2281", name="Sundsvall")
    settings.TRYGG_RESIDENT_MUNICIPALITIES = ["2262"]  # another municipality's form only
    CitizenPromiseFactory(municipality=m, is_public=False)
    text = page(client)
    assert f'href="{SURVEY}"' not in text  # no round at all
    assert REPORT.format(code=m.code) not in text
    assert RESULTS.format(code=m.code) not in text  # nothing published
    assert PROMISES.format(code=m.code) not in text  # only an unpublished promise
    assert "Nothing is open to residents here right now" in text or "Just nu finns" in text
    assert f'href="{reverse("account_login")}"' in text


def test_a_round_is_offered_only_while_it_takes_answers(client):
    m = MunicipalityFactory(code="2281")
    survey_round = open_round(m, closes_on=datetime.date(2020, 1, 31))
    assert f'href="{SURVEY}"' not in page(client)  # open, but past its last day
    SurveyRound.objects.filter(pk=survey_round.pk).update(closes_on=None)
    assert f'href="{SURVEY}"' in page(client)
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=RoundStatus.CLOSED)
    assert f'href="{SURVEY}"' not in page(client)


def test_the_links_of_one_municipality_do_not_leak_to_another(client, settings, tmp_path):
    open_one, other = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    open_round(open_one)
    publish(open_one, settings, tmp_path)
    CitizenPromiseFactory(municipality=open_one)
    settings.TRYGG_RESIDENT_MUNICIPALITIES = ["2281"]
    text = page(client, kommun=other.code)
    for href in (SURVEY, REPORT, RESULTS, PROMISES):
        assert f'href="{href.format(code=other.code)}"' not in text, href
        assert f'href="{href.format(code=open_one.code)}"' not in text, href
    text = page(client, kommun=open_one.code)
    for href in (SURVEY, REPORT, RESULTS, PROMISES):
        assert f'href="{href.format(code=open_one.code)}"' in text, href


def test_with_two_municipalities_a_chooser_lists_both(client):
    MunicipalityFactory(code="2281", name="Sundsvall")
    MunicipalityFactory(code="2262", name="Timrå")
    text = page(client)
    assert 'href="/?kommun=2281"' in text and 'href="/?kommun=2262"' in text
    assert text.index("Sundsvall") < text.index("Timrå")
    assert "/trygghet/" not in text  # the links come after the choice
    chosen = page(client, kommun="2262")
    assert 'href="/trygghet/2262/"' in chosen and 'href="/"' in chosen  # and back
    # An unknown or malformed choice shows the chooser again, never an error.
    for code in ("9999", "<x>", ""):
        assert 'href="/?kommun=2281"' in page(client, kommun=code)


def test_the_sign_in_link_leads_to_the_login_form(client):
    MunicipalityFactory()
    text = page(client)
    login = reverse("account_login")
    assert f'href="{login}"' in text
    assert client.get(login).status_code == 200


def test_the_page_is_swedish_by_default_and_english_on_request(client):
    MunicipalityFactory()
    text = page(client)
    assert '<html lang="sv"' in text and "Välkommen till Trygg" in text
    assert "Logga in" in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = page(client)
    assert '<html lang="en"' in text and "Welcome to Trygg" in text


def test_no_staff_data_on_the_public_page(client):
    m = MunicipalityFactory(code="2281", name="Sundsvall")
    area = AreaFactory(municipality=m, name="Hemliga området")
    group = SafetyGroupFactory(municipality=m, name="Trygghetsgruppen Nacksta")
    group.areas.add(area)
    staff = user_in(m)
    text = page(client)
    for secret in (group.name, staff.username, staff.display_name, area.name):
        assert secret not in text
    # The staff overview's figures and map are not on it either.
    assert "area-map" not in text and 'class="figures"' not in text
    assert 'id="main-menu"' not in text  # no staff menu


def test_signed_in_users_get_the_overview(client, two_factor_off):
    m = MunicipalityFactory(code="2281", name="Sundsvall")
    client.force_login(user_in(m))
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "core/home.html"
    assert 'class="figures"' in response.content.decode()
