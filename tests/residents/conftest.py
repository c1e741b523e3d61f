"""A municipality with two areas and a safety group, and a coordinator who moderates."""

from __future__ import annotations

import secrets
import time

import pytest
from django.utils import translation

from tests.factories import AreaFactory, MunicipalityFactory, SafetyGroupFactory, inside, user_in
from trygg.accounts.roles import Role
from trygg.residents.forms import SESSION_FORMS


@pytest.fixture(autouse=True)
def english(client, settings):
    """The tests read the interface's English messages, whatever the catalog holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def place(db):
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    area = AreaFactory(municipality=municipality, name="Nacksta")
    other_area = AreaFactory(municipality=municipality, name="Skönsberg")
    group = SafetyGroupFactory(municipality=municipality, name="Trygghetsgrupp Nacksta")
    group.areas.add(area)
    coordinator = user_in(municipality, role=Role.SAFETY_COORDINATOR)
    lon, lat = inside(area)
    return {
        "municipality": municipality,
        "area": area,
        "other_area": other_area,
        "group": group,
        "coordinator": coordinator,
        "lat": lat,
        "lon": lon,
    }


def filled_long_ago(client, seconds: float = 60) -> str:
    """A form stamp in the client's session, as if the page was opened ``seconds`` ago."""
    token = secrets.token_urlsafe(16)
    session = client.session
    forms = dict(session.get(SESSION_FORMS) or {})
    forms[token] = time.time() - seconds
    session[SESSION_FORMS] = forms
    session.save()
    return token


@pytest.fixture
def form_data(place, client):
    def make(**overrides):
        data = {
            "reasons": ["dark"],
            "lat": f"{place['lat']:.6f}",
            "lon": f"{place['lon']:.6f}",
            "text": "Trasig belysning i gångtunneln.",
            "when": "evening",
            "started": filled_long_ago(client),
            "website": "",
            "client_key": "",
        }
        data.update(overrides)
        return data

    return make
