"""The accessibility statement (lag 2018:1937, DIGG's structure) and the personal-data page
(GDPR art. 13): public, linked from every page, naming the municipality a visitor came from."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

# The headings DIGG's model statement prescribes, in order.
DIGG_HEADINGS_SV = [
    "Tillgänglighet för Trygg",
    "Hur tillgänglig är webbplatsen?",
    "Vad kan du göra om du inte kan använda delar av webbplatsen?",
    "Rapportera brister i webbplatsens tillgänglighet",
    "Tillsyn",
    "Teknisk information om webbplatsens tillgänglighet",
    "Innehåll som inte är tillgängligt",
    "Hur vi testat webbplatsen",
]


def text_of(client, url, language="sv"):
    if language != "sv":
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_statement_follows_diggs_structure_in_swedish(client):
    text = text_of(client, reverse("accessibility"))
    positions = [text.index(f"{heading}</h") for heading in DIGG_HEADINGS_SV]
    assert positions == sorted(positions)
    assert 'lang="sv"' in text
    assert "delvis förenlig med nivå AA" in text
    assert "digg.se" in text


def test_the_statement_lists_its_known_gaps_with_their_criteria(client):
    text = text_of(client, reverse("accessibility"))
    gaps = text.split('id="brister"')[1].split("Hur vi testat")[0]
    for criterion in ("1.1.1", "1.3.1", "1.4.4", "2.1.1"):
        assert criterion in gaps


def test_the_statement_is_english_on_request(client):
    text = text_of(client, reverse("accessibility"), language="en")
    assert "Accessibility of Trygg" in text
    assert "partially compliant with level AA" in text
    assert 'lang="en"' in text


def test_the_review_date_is_the_configured_one_in_swedish_style(client, settings):
    settings.TRYGG_ACCESSIBILITY_REVIEWED = "2027-02-15"
    assert "15 februari 2027" in text_of(client, reverse("accessibility"))


def test_the_contact_is_the_configured_one_or_the_municipality(client, settings):
    MunicipalityFactory(code="2281", name="Sundsvall")
    MunicipalityFactory(code="2262", name="Timrå")
    settings.TRYGG_ACCESSIBILITY_CONTACT = ""
    text = text_of(client, reverse("accessibility") + "?kommun=2262")
    assert "Timrås kundtjänst" in text
    assert "Sundsvall" not in text
    settings.TRYGG_ACCESSIBILITY_CONTACT = "tillganglighet@example.se"
    assert "tillganglighet@example.se" in text_of(client, reverse("accessibility"))


def test_the_personal_data_page_names_the_controller(client, settings):
    MunicipalityFactory(code="2281", name="Sundsvall")
    MunicipalityFactory(code="2262", name="Timrå")
    settings.TRYGG_PRIVACY_CONTACT = ""
    settings.TRYGG_SURVEY_CONTROLLER_CONTACT = "Kommunstyrelsen, dso@example.se"
    text = text_of(client, reverse("privacy") + "?kommun=2281")
    assert "Personuppgiftsansvarig är <strong>Sundsvall</strong>" in text
    assert "dso@example.se" in text
    assert "imy.se" in text
    # Without a municipality among several: no name is guessed.
    text = text_of(client, reverse("privacy"))
    assert "den kommun vars sidor du använder" in text


def test_an_unknown_or_malformed_municipality_is_not_an_error_page(client):
    MunicipalityFactory(code="2281", name="Sundsvall")
    MunicipalityFactory(code="2262", name="Timrå")
    assert "den kommun vars sidor du använder" in text_of(
        client, reverse("privacy") + "?kommun=9999"
    )
    response = client.get(reverse("privacy") + "?kommun=%3Dcmd")
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["home", "accessibility", "privacy"])
def test_every_page_links_both_in_its_footer(client, name):
    text = text_of(client, reverse(name))
    footer = text.split('<footer class="site-footer">')[1]
    assert f'href="{reverse("accessibility")}"' in footer
    assert f'href="{reverse("privacy")}"' in footer


def test_the_start_page_links_both_for_the_chosen_municipality(client):
    MunicipalityFactory(code="2281", name="Sundsvall")
    text = text_of(client, reverse("home"))
    assert f'href="{reverse("privacy")}?kommun=2281"' in text
    assert f'href="{reverse("accessibility")}?kommun=2281"' in text


def test_only_get_is_answered(client):
    assert client.post(reverse("accessibility")).status_code == 405
