"""Token sign-in: the two-factor rule of the pages holds for the API too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.api.services import user_api_token

pytestmark = pytest.mark.django_db


def token_client(username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(username=username)}")
    return client


@pytest.fixture
def municipality():
    return MunicipalityFactory(code="2281")


@pytest.mark.parametrize("role", [Role.CASE_WORKER, Role.SSPF_COORDINATOR])
def test_a_role_with_individual_data_needs_a_second_factor_before_its_token_works(
    municipality, role, settings
):
    settings.TRYGG_REQUIRE_TWO_FACTOR = True
    user = user_in(municipality, username="kim", role=role)
    response = token_client("kim").get("/api/v1/cases/")
    assert response.status_code == 401
    assert "tvåfaktorsinloggning" in response.json()["detail"]

    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    assert token_client("kim").get("/api/v1/me/").status_code == 200


def test_other_roles_and_relaxed_installations_are_not_stopped(municipality, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = True
    user_in(municipality, username="mia", role=Role.GROUP_MEMBER)
    assert token_client("mia").get("/api/v1/me/").status_code == 200
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    user_in(municipality, username="kim", role=Role.CASE_WORKER)
    assert token_client("kim").get("/api/v1/me/").status_code == 200


def test_bad_and_inactive_tokens_are_refused(municipality):
    user = user_in(municipality, username="mia", role=Role.GROUP_MEMBER)
    client = token_client("mia")
    user.is_active = False
    user.save()
    assert client.get("/api/v1/me/").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get("/api/v1/me/").status_code == 401


def test_the_organisation_comes_with_the_token(municipality):
    user_in(municipality, username="mia", role=Role.GROUP_MEMBER)
    client = token_client("mia")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/").status_code == 200
    assert not [q for q in queries if 'FROM "accounts_organisation" WHERE' in q["sql"]]
