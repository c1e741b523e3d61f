"""Pages and API answers about individuals must not be kept by a browser or proxy cache
(issue 14, item 18): every route and operation of tests/cases/authz.yaml answers with
`Cache-Control: no-store`, whoever asks and whatever the answer."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import MunicipalityFactory
from tests.shared_db import module_transaction

from .test_matrix import MATRIX, target
from .world import World


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with override_settings(TRYGG_SYNTHETIC_PINS=True), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = World()
        yield world


@pytest.fixture
def world(db, two_factor_off, module_world):
    return module_world


def request(client, name: str, world):
    method, route = name.split(" ", 1)
    t = target(world, name, "own_team")
    url = reverse(t["route"], kwargs=t["kwargs"])
    if method == "GET":
        return client.get(url, t["query"])
    if route.startswith("cases:"):
        return client.post(url, t["data"])
    return client.post(url, t["data"], format="json")


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_case_route_is_never_stored(world, name):
    is_api = not name.split(" ", 1)[1].startswith("cases:")
    client = APIClient() if is_api else Client()
    client.force_login(world.users["coordinator"])
    response = request(client, name, world)
    assert response.status_code < 500
    assert no_store(response), (name, response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize("name", sorted(name for name in MATRIX if name.startswith("GET cases:")))
def test_case_page_refused_to_an_outsider_is_not_stored_either(world, name):
    client = Client()
    client.force_login(world.users["foreign_coordinator"])
    assert no_store(request(client, name, world))


def test_api_answer_to_a_caller_authenticated_by_the_api_is_not_stored(world):
    # Not through the session: DRF authenticates inside the view (API keys work like this).
    client = APIClient()
    client.force_authenticate(world.users["coordinator"])
    response = client.get(reverse("case-list"))
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_open_data_stays_cacheable():
    municipality = MunicipalityFactory(code="2281")
    response = APIClient().get(reverse("api-open-data", kwargs={"code": municipality.code}))
    assert response.status_code < 500
    assert not no_store(response)
