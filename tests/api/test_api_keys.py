"""API keys: kept only as a hash, shown once, listed by their first characters, expiring,
revocable by their user (page, CLI) and the operator (admin), every creation and revocation
audited."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.contrib import admin
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import MunicipalityFactory, sign_in_with_second_factor, user_in
from trygg.accounts.roles import Role
from trygg.api.models import ApiKey
from trygg.api.services import user_api_token
from trygg.audit.models import AuditEvent
from trygg.cli import main

pytestmark = pytest.mark.django_db
PAGE = "/api-keys/"


def api_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def sundsvall():
    return MunicipalityFactory(code="2281", name="Sundsvall")


@pytest.fixture
def mia(sundsvall):
    return user_in(sundsvall, username="mia", role=Role.GROUP_MEMBER)


def every_stored_value() -> str:
    return " ".join(str(row) for row in ApiKey.objects.values_list())


def test_a_key_is_stored_only_as_its_hash(mia):
    key = user_api_token(username="mia")
    stored = ApiKey.objects.get(user=mia)
    assert key not in every_stored_value()
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(stored.prefix) and len(key) - len(stored.prefix) >= 36
    assert api_with(key).get("/api/v1/me/").json()["username"] == "mia"
    # Each call makes a new key; the first keeps working.
    second = user_api_token(username="mia")
    assert second != key and ApiKey.objects.filter(user=mia).count() == 2
    assert api_with(key).get("/api/v1/me/").status_code == 200


def test_a_key_expires_after_the_configured_days(mia, settings):
    settings.TRYGG_API_KEY_DAYS = 30
    key = user_api_token(username="mia")
    stored = ApiKey.objects.get(user=mia)
    assert stored.expires_at - stored.created_at == timedelta(days=30)
    ApiKey.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api_with(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert "skapa en ny" in response.json()["detail"]


def test_creation_and_revocation_are_audited_without_the_key(mia, client):
    key = user_api_token(username="mia")
    created = AuditEvent.objects.get(action="create", object_type="api.apikey")
    assert created.actor_username == "mia" and created.municipality_code == "2281"
    client.force_login(mia)
    stored = ApiKey.objects.get(user=mia)
    response = client.post(PAGE, {"revoke": stored.pk})
    assert response.status_code == 302
    assert api_with(key).get("/api/v1/me/").status_code == 401
    revoked = AuditEvent.objects.get(action="update", object_type="api.apikey")
    assert revoked.object_id == str(stored.pk) and revoked.actor_username == "mia"
    logged = " ".join(f"{e.summary} {e.details}" for e in AuditEvent.objects.all())
    assert key not in logged and key[len(stored.prefix) :][:10] not in logged


def test_the_page_shows_a_new_key_once_and_lists_keys_by_their_beginning(client, mia):
    client.force_login(mia)
    response = client.post(PAGE, {"name": "Skript för veckorapporten"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    assert api_with(key).get("/api/v1/me/").status_code == 200
    listing = client.get(PAGE).content.decode()
    assert key not in listing
    assert ApiKey.objects.get(user=mia).prefix in listing
    assert "Skript för veckorapporten" in listing


def test_nobody_revokes_another_users_key_and_bad_ids_do_no_harm(client, mia, sundsvall):
    other = user_in(MunicipalityFactory(code="2262"), username="timra-ola")
    their_key = user_api_token(username=other.username)
    client.force_login(mia)
    theirs = ApiKey.objects.get(user=other)
    assert client.post(PAGE, {"revoke": theirs.pk}).status_code == 404
    for bad in ("abc", "", "-1", "99999999999999999999999", "1\x00"):
        assert client.post(PAGE, {"revoke": bad}).status_code in (302, 404)
    assert api_with(their_key).get("/api/v1/me/").status_code == 200
    assert client.put(PAGE).status_code == 405


def test_a_two_factor_role_gets_the_page_only_after_setting_up_the_second_factor(client, sundsvall):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    worker = user_in(sundsvall, role=Role.CASE_WORKER)
    client.force_login(worker)
    assert client.get(PAGE).status_code == 302
    TOTP.activate(worker, generate_totp_secret())
    sign_in_with_second_factor(client, worker)
    assert client.get(PAGE).status_code == 200


def test_the_operator_lists_and_revokes_keys_in_the_admin_but_never_sees_one(client, mia):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    key = user_api_token(username="mia")
    operator = user_in(MunicipalityFactory(code="2281"), is_superuser=True, is_staff=True)
    TOTP.activate(operator, generate_totp_secret())
    sign_in_with_second_factor(client, operator)
    listing = client.get("/admin/api/apikey/")
    assert listing.status_code == 200
    stored = ApiKey.objects.get(user=mia)
    assert stored.prefix in listing.content.decode() and key not in listing.content.decode()
    assert client.get("/admin/api/apikey/add/").status_code == 403
    detail = client.get(f"/admin/api/apikey/{stored.pk}/change/").content.decode()
    assert key not in detail and stored.digest not in detail
    response = client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [stored.pk]}
    )
    assert response.status_code == 302
    assert api_with(key).get("/api/v1/me/").status_code == 401
    event = AuditEvent.objects.get(action="update", object_type="api.apikey", object_id=stored.pk)
    assert event.actor_username == operator.username
    assert not [m for m in admin.site._registry if m._meta.app_label == "authtoken"]


def test_the_cli_creates_lists_and_revokes(mia):
    runner = CliRunner()
    created = runner.invoke(main, ["token", "mia", "--name", "backup"])
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    assert api_with(key).get("/api/v1/me/").status_code == 200
    listed = runner.invoke(main, ["token", "mia", "--list"])
    stored = ApiKey.objects.get(user=mia)
    assert stored.prefix in listed.output and "valid" in listed.output
    assert key not in listed.output
    revoked = runner.invoke(main, ["token", "mia", "--revoke", stored.prefix])
    assert revoked.exit_code == 0, revoked.output
    assert api_with(key).get("/api/v1/me/").status_code == 401
    again = runner.invoke(main, ["token", "mia", "--revoke", stored.prefix])
    assert again.exit_code == 1 and "0 keys" in again.output


def test_drf_tokens_of_an_existing_install_are_hashed_and_removed(mia):
    migration = importlib.import_module("trygg.api.migrations.0002_hash_drf_tokens")
    legacy = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp"
            " NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [legacy, timezone.now(), mia.pk],
        )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    from django.apps import apps

    migration.hash_legacy_tokens(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert legacy not in every_stored_value()
    assert api_with(legacy).get("/api/v1/me/").json()["username"] == "mia"
    assert ApiKey.objects.get(user=mia).expires_at > timezone.now() + timedelta(days=29)
