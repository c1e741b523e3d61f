"""Signing in and out: lockout, timeouts, two-factor enforcement, sessions, audit."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MunicipalityFactory, user_in
from trygg.accounts.middleware import SESSION_LAST_SEEN
from trygg.accounts.roles import Role
from trygg.accounts.signals import SESSION_LOGIN_AT
from trygg.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture
def coordinator():
    return user_in(MunicipalityFactory(code="2281"), username="sara")


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": username, "password": password}, **extra)


def test_login_page_is_swedish_and_has_no_signup(client):
    response = client.get(LOGIN)
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv"' in text
    assert "/accounts/signup/" not in text


def test_signup_is_closed(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "id_password1" not in response.content.decode()


def test_login_and_logout_are_audited(client, coordinator):
    response = login(client, "SARA")  # user names are case-insensitive
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    actions = list(
        AuditEvent.objects.filter(actor_username="sara").values_list("action", flat=True)
    )
    assert actions == ["login", "logout"]


def test_failed_login_is_audited_without_the_password(client, coordinator):
    login(client, "sara", "wrong-password-123")
    event = AuditEvent.objects.get(action="login_failed")
    assert event.details == {"username": "sara"}
    assert "wrong-password" not in str(event.details) + event.summary


def test_lockout_after_repeated_failures(client, coordinator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "sara", "wrong-password-123")
    response = login(client, "sara")  # even the right password is refused now
    assert response.status_code == 429
    assert (
        "Too many failed sign-in attempts" in response.content.decode()
        or "För många" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user(client, coordinator):
    other = user_in(coordinator.organisation.municipalities.first(), username="anna")
    for _ in range(5):
        login(client, "sara", "wrong-password-123")
    assert login(client, other.username).status_code == 302


def test_idle_session_is_ended(client, coordinator, settings):
    client.force_login(coordinator)
    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    # Signed out: a staff page sends to the login form (/ is the public start page now).
    assert client.get(reverse("groups:list")).status_code == 302


def test_session_has_an_absolute_limit(client, coordinator, settings):
    client.force_login(coordinator)
    session = client.session
    session[SESSION_LOGIN_AT] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() - 5
    session[SESSION_LAST_SEEN] = time.time()
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_active_session_continues(client, coordinator):
    client.force_login(coordinator)
    for _ in range(3):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", [Role.CASE_WORKER, Role.SSPF_COORDINATOR, Role.ADMINISTRATOR])
def test_roles_with_individual_data_must_set_up_two_factor(client, role):
    user = user_in(MunicipalityFactory(), role=role)
    login(client, user.username)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before a second factor can be added.
    reauth = client.get(response.url)
    assert reauth.url.startswith(reverse("account_reauthenticate"))
    client.post(reauth.url, {"password": PASSWORD})
    page = client.get(response.url)
    assert page.status_code == 200
    assert "otpauth://" in page.content.decode() or "totp" in page.content.decode().lower()


@pytest.mark.parametrize(
    "role",
    [Role.SAFETY_COORDINATOR, Role.ANALYST, Role.GROUP_MEMBER, Role.MANAGEMENT, Role.READ_ONLY],
)
def test_other_roles_are_not_forced_into_two_factor(client, role):
    client.force_login(user_in(MunicipalityFactory(), role=role))
    assert client.get("/").status_code == 200


def test_demo_relaxes_two_factor_and_says_so(client, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_DEMO_MODE = True
    client.post("/i18n/setlang/", {"language": "en"})
    assert "Two-factor login is optional here" in client.get(LOGIN).content.decode()
    client.force_login(user_in(MunicipalityFactory(), role=Role.CASE_WORKER))
    assert client.get("/").status_code == 200


def test_two_factor_login_with_totp(client, coordinator, settings):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    response = login(client, "sara")
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_session_list_and_sign_out_everywhere(client, coordinator):
    from django.test import Client

    other_device = Client()
    login(other_device, "sara")
    login(client, "sara")
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.content.decode().count("<tr") >= 3  # header and two sessions
    client.post(reverse("usersessions_list"))
    assert other_device.get(reverse("groups:list")).status_code == 302  # signed out
    assert client.get("/").status_code == 200


def test_session_activity_is_noted_once_a_minute_not_on_every_request(client, coordinator):
    from allauth.usersessions.models import UserSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, "sara")
    assert client.get("/").status_code == 200  # the first page after login notes it
    record = UserSession.objects.get(user=coordinator)
    first_seen = record.last_seen_at
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "usersession" in q["sql"].lower()]
    record.refresh_from_db()
    assert record.last_seen_at == first_seen

    session = client.session
    session[SESSION_LAST_SEEN] = time.time() - 90
    session.save()
    assert client.get("/").status_code == 200
    record.refresh_from_db()
    assert record.last_seen_at > first_seen
    assert UserSession.objects.filter(user=coordinator).count() == 1
