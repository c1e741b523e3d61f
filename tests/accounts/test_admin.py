"""The raw Django admin is the operator's (a superuser who signed in with a second factor);
no login view grants a session without the second factor; every change made in the admin
is audited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from rest_framework.test import APIClient

from tests.factories import PASSWORD, MunicipalityFactory, sign_in_with_second_factor, user_in
from trygg.accounts.roles import TWO_FACTOR_ROLES, Role
from trygg.audit.admin_mixins import AuditedAdminMixin
from trygg.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PROTECTED = ("/admin/", "/admin/accounts/user/", "/cases/statistics/", "/api/v1/me/")


def activate_totp(user) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture
def sundsvall():
    return MunicipalityFactory(code="2281", name="Sundsvall")


@pytest.fixture
def timra():
    return MunicipalityFactory(code="2262", name="Timrå")


@pytest.fixture
def operator(sundsvall):
    user = user_in(sundsvall, username="drift", role=Role.ADMINISTRATOR, is_superuser=True)
    activate_totp(user)
    return user


@pytest.fixture
def operator_client(client, operator):
    sign_in_with_second_factor(client, operator)
    return client


def two_factor_users(municipality):
    """One user of every role that must sign in with two factors, and the operator."""
    users = [user_in(municipality, role=role) for role in sorted(TWO_FACTOR_ROLES)]
    users.append(user_in(municipality, role=Role.ANALYST, is_superuser=True, is_staff=True))
    return users


def assert_no_session(client):
    assert "_auth_user_id" not in client.session
    for url in PROTECTED:
        response = client.get(url)
        assert response.status_code in (302, 401, 403), url
        if response.status_code == 302:
            assert response.url.startswith(("/accounts/login/", "/admin/login/")), url


# --- item 1: the admin's login is the site's login, with its second factor ----------------


def test_admin_login_sends_to_the_site_login_and_back(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # A foreign `next` is not carried over.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.url == "/accounts/login/?next=%2Fadmin%2F"


@pytest.mark.parametrize("with_totp", [True, False])
def test_a_password_alone_at_the_admin_login_never_opens_a_session(client, sundsvall, with_totp):
    for user in two_factor_users(sundsvall):
        if with_totp:
            activate_totp(user)
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": user.username, "password": PASSWORD, "next": "/admin/"},
        )
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
        assert_no_session(client)


def test_no_other_password_login_view_is_routed():
    """Django's LoginView (and DRF's browsable-API login, which is one) would open a
    session on a password alone; only allauth's login and the admin's redirect exist."""
    from django.contrib.auth.views import LoginView
    from django.urls import URLPattern, URLResolver, get_resolver

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    found = [
        view
        for view in views(get_resolver().url_patterns)
        if isinstance(getattr(view, "view_class", None), type)
        and issubclass(view.view_class, LoginView)
    ]
    assert found == []


def test_a_session_opened_without_the_second_factor_is_signed_out(sundsvall):
    """Whatever login view a password-only session came from (the admin's once), a user with
    a second factor set up is signed out everywhere, the account pages included, where a
    password alone would let it remove the authenticator."""
    for user in two_factor_users(sundsvall):
        activate_totp(user)
        for url in (*PROTECTED, "/accounts/2fa/", "/accounts/2fa/totp/deactivate/"):
            api = APIClient()
            api.force_login(user)  # a session without allauth's second step
            response = api.get(url)
            assert response.status_code == 302, (user.role, url)
            assert response.url.startswith("/accounts/login/"), (user.role, url)
            assert "_auth_user_id" not in api.session


def test_the_operator_signs_in_with_the_second_factor_and_reaches_the_admin(client, operator):
    operator.authenticator_set.all().delete()
    secret = activate_totp(operator)
    response = client.post("/accounts/login/", {"login": "drift", "password": PASSWORD})
    assert response.url.startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert client.get("/admin/").status_code == 200
    assert client.get("/cases/statistics/").status_code in (200, 403)


# allauth notes the new device after the commit: a real transaction, as in production.
@pytest.mark.django_db(transaction=True)
def test_setting_up_totp_in_a_session_keeps_it_signed_in(client, sundsvall):
    user = user_in(sundsvall, role=Role.CASE_WORKER)
    client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(
        action="create", object_type="mfa.authenticator", actor_username=user.username
    ).exists()


# --- item 3: the admin is the operator's only, and every change in it is audited ------------


def test_a_municipal_administrator_cannot_use_the_admin_on_another_municipality(
    client, sundsvall, timra
):
    administrator = user_in(sundsvall, role=Role.ADMINISTRATOR)
    activate_totp(administrator)
    sign_in_with_second_factor(client, administrator)
    victim = user_in(timra, role=Role.CASE_WORKER, username="timra-kim")
    device = victim.authenticator_set.model.objects.create(
        user=victim, type="totp", data={"secret": "x"}
    )
    assert client.get("/admin/").status_code == 302
    response = client.post(
        f"/admin/accounts/user/{victim.pk}/password/",
        {"password1": "Nytt-lösen-4711-x", "password2": "Nytt-lösen-4711-x"},
    )
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)
    client.post(f"/admin/mfa/authenticator/{device.pk}/delete/", {"post": "yes"})
    assert victim.authenticator_set.filter(pk=device.pk).exists()


def test_a_signed_in_user_who_is_not_the_operator_is_told_so_without_a_loop(client, sundsvall):
    administrator = user_in(sundsvall, role=Role.ADMINISTRATOR)
    activate_totp(administrator)
    sign_in_with_second_factor(client, administrator)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == ("/", 302)
    assert response.status_code == 200
    assert "driftansvarig" in response.content.decode()


def test_staff_and_superuser_flags_need_the_second_factor_session(client, sundsvall, settings):
    superuser = user_in(sundsvall, role=Role.ANALYST, is_superuser=True, is_staff=True)
    activate_totp(superuser)
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 302
    # With two factors relaxed (the demo), the superuser still needs no more than a login,
    # and a staff flag alone is never enough.
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    staff = user_in(sundsvall, role=Role.ADMINISTRATOR, is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302


def test_every_model_admin_is_audited():
    labels = {model._meta.label_lower for model in admin.site._registry}
    assert "mfa.authenticator" in labels and "accounts.user" in labels
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedAdminMixin), model


def test_other_roles_have_no_model_permissions(two_factor_off):
    analyst = user_in(MunicipalityFactory(), role=Role.ANALYST)
    assert not analyst.has_perm("accounts.change_user")
    assert not analyst.has_module_perms("areas")


def test_operator_changes_are_audited(operator_client, operator, sundsvall):
    from trygg.accounts.models import Organisation

    client = operator_client
    organisation = Organisation.objects.create(
        key="kyrkan", name="Svenska kyrkan", kind="civil_society"
    )
    response = client.post(
        f"/admin/accounts/organisation/{organisation.pk}/change/",
        {
            "key": "kyrkan",
            "name": "Svenska kyrkan Sundsvall",
            "kind": "civil_society",
            "municipalities": [sundsvall.pk],
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="update", object_type="accounts.organisation")
    assert event.actor_username == operator.username
    assert "Svenska kyrkan Sundsvall" in event.summary
    client.post(f"/admin/accounts/organisation/{organisation.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(action="delete", object_id=str(organisation.pk)).exists()


def test_a_password_set_in_the_admin_is_audited(operator_client, timra):
    victim = user_in(timra, role=Role.CASE_WORKER, username="timra-kim")
    response = operator_client.post(
        f"/admin/accounts/user/{victim.pk}/password/",
        {"password1": "Nytt-lösen-4711-x", "password2": "Nytt-lösen-4711-x"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="update", object_type="accounts.user")
    assert event.object_id == str(victim.pk) and event.municipality_code == "2262"
    assert "password" in event.details["change"].lower()
    assert "Nytt-lösen" not in str(event.details) + event.summary


def test_an_authenticator_removed_in_the_admin_is_audited(operator_client, operator, timra):
    victim = user_in(timra, role=Role.CASE_WORKER, username="timra-kim")
    activate_totp(victim)
    device = victim.authenticator_set.get()
    response = operator_client.post(
        f"/admin/mfa/authenticator/{device.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not victim.authenticator_set.exists()
    event = AuditEvent.objects.get(action="delete", object_type="mfa.authenticator")
    assert event.object_id == str(device.pk)
    assert event.actor_username == operator.username and event.municipality_code == "2262"


def test_bulk_actions_in_the_admin_are_audited(operator_client, timra):
    from allauth.account.models import EmailAddress

    victim = user_in(timra, role=Role.CASE_WORKER)
    address = EmailAddress.objects.create(user=victim, email="kim@example.org", verified=False)
    response = operator_client.post(
        "/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [address.pk]},
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified
    event = AuditEvent.objects.get(object_type="account.emailaddress")
    assert event.details == {"action": "make_verified", "ids": [str(address.pk)]}
