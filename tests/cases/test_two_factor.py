"""Two-factor enforcement on the case pages and the cases API (session sign-in): with
TRYGG_REQUIRE_TWO_FACTOR on, a case worker or coordinator without a second factor is sent
to set one up from every /cases/ page and every API call, reads nothing, and is not even
logged as reading a case."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import sign_in_with_second_factor
from trygg.audit.models import AuditEvent

from .test_matrix import MATRIX, target

pytestmark = pytest.mark.django_db


def operations(prefix_api: bool):
    for name in sorted(MATRIX):
        method, route = name.split(" ", 1)
        if route.startswith("cases:") != prefix_api:
            yield method, name


@pytest.fixture
def required(world, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = True
    return world


def totp_page() -> str:
    return reverse("mfa_activate_totp")


@pytest.mark.parametrize("actor", ["police", "coordinator"])
def test_every_case_page_sends_a_user_without_totp_to_set_it_up(required, client, actor):
    world = required
    client.force_login(world.users[actor])
    for method, name in operations(prefix_api=False):
        t = target(world, name, "own_team")
        url = reverse(t["route"], kwargs=t["kwargs"])
        response = client.get(url) if method == "GET" else client.post(url, t["data"])
        assert response.status_code == 302 and response.url == totp_page(), name
    assert not AuditEvent.objects.filter(object_type__startswith="cases.").exists()


@pytest.mark.parametrize("actor", ["police", "coordinator"])
def test_every_api_call_with_session_sign_in_is_sent_to_set_it_up(required, actor):
    world = required
    client = APIClient()
    client.force_login(world.users[actor])
    for method, name in operations(prefix_api=True):
        t = target(world, name, "own_team")
        url = reverse(t["route"], kwargs=t["kwargs"])
        if method == "GET":
            response = client.get(url, t["query"])
        else:
            response = client.post(url, t["data"], format="json")
        assert response.status_code == 302 and response.url == totp_page(), name
    assert not AuditEvent.objects.filter(object_type__startswith="cases.").exists()


def test_with_totp_set_up_the_case_pages_open(required, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    world = required
    police = world.users["police"]
    TOTP.activate(police, generate_totp_secret())
    sign_in_with_second_factor(client, police)
    case = world.cases["own_team"]
    assert client.get(f"/cases/{case.public_id}/").status_code == 200
    api = APIClient()
    sign_in_with_second_factor(api, police)
    assert api.get(f"/api/v1/cases/{case.public_id}/").status_code == 200


def test_roles_that_never_see_a_case_are_not_stopped_at_the_case_pages(required, client):
    client.force_login(required.users["group_member"])
    assert client.get("/cases/concerns/new/").status_code == 200
