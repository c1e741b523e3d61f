"""The single sign-on rules on their own: which claims give which organisation and role, and
which `amr`/`acr` count as the IdP's second factor (the flows: test_oidc.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.factories import MunicipalityFactory, OrganisationFactory, user_in
from trygg.accounts.models import OidcClaimMapping
from trygg.accounts.oidc import CLAIM_REFUSED_ROLES, idp_asserts_second_factor, map_claims
from trygg.accounts.roles import Capability, Role, role_has
from trygg.audit.models import AuditEvent


def test_every_role_that_sees_individual_data_is_refused_from_claims():
    for role in Role.values:
        if role_has(role, Capability.INDIVIDUAL_CASES) or role_has(role, Capability.ADMINISTER):
            assert role in CLAIM_REFUSED_ROLES


@pytest.mark.django_db
def test_a_granted_role_wins_over_a_refused_one_and_the_refusal_is_kept():
    organisation = OrganisationFactory()
    for value, role in [("admins", Role.ADMINISTRATOR), ("analysts", Role.ANALYST)]:
        OidcClaimMapping.objects.create(
            provider="kommun", claim="groups", value=value, organisation=organisation, role=role
        )
    mapping = map_claims("kommun", {"groups": ["admins", "analysts"]})
    assert mapping.role == Role.ANALYST
    assert [row.role for row in mapping.refused] == [Role.ADMINISTRATOR]
    assert map_claims("kommun", {"groups": "admins"}).role == Role.READ_ONLY
    assert map_claims("kommun", {"groups": ["others"]}) is None
    assert map_claims("another-idp", {"groups": ["analysts"]}) is None


@settings(max_examples=60, derandomize=True, deadline=None)
@given(amr=st.lists(st.sampled_from(["pwd", "kba", "pin", "user", "face", "otp", "mfa", "hwk"])))
@example(amr=["pwd"])
@example(amr=["pwd", "mfa"])
def test_only_a_second_factor_in_amr_counts(amr):
    expected = bool(set(amr) & {"otp", "mfa", "hwk"})
    assert idp_asserts_second_factor({"amr": amr}) is expected


def test_acr_counts_only_when_the_operator_lists_it(settings):
    settings.TRYGG_OIDC_MFA_ACR = ["urn:kommun:loa:substantial"]
    assert idp_asserts_second_factor({"acr": "urn:kommun:loa:substantial"})
    assert not idp_asserts_second_factor({"acr": "urn:kommun:loa:low"})
    assert not idp_asserts_second_factor({})


# --- the municipal administrator's pages -------------------------------------------------


@pytest.fixture
def sso_admin(client, two_factor_off):
    from allauth.socialaccount.models import SocialApp

    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="kommun",
        name="Kommunens inloggning",
        client_id="trygg",
        secret="x",
        settings={"server_url": "https://idp.kommun.example"},
    )
    sundsvall, timra = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    admin = user_in(sundsvall, role=Role.ADMINISTRATOR, username="admin-sundsvall")
    client.force_login(admin)
    return {"client": client, "own": admin.organisation, "other": user_in(timra).organisation}


@pytest.mark.django_db
def test_administrator_keeps_the_mapping_table_of_own_organisations(sso_admin):
    client, own = sso_admin["client"], sso_admin["own"]
    url = reverse("manage:organisation-sign-on", args=[own.pk])
    data = {"action": "add", "provider": "kommun", "claim": "groups", "value": "sspf"}
    response = client.post(url, {**data, "role": Role.SSPF_COORDINATOR})
    assert response.status_code == 302
    mapping = OidcClaimMapping.objects.get()
    assert (mapping.organisation, mapping.role) == (own, Role.SSPF_COORDINATOR)
    page = client.get(url).content.decode()
    assert "sspf" in page
    assert AuditEvent.objects.filter(object_type="oidc_mapping", action="create").exists()
    # The same claim value once only.
    assert client.post(url, {**data, "role": Role.ANALYST}).status_code == 200
    client.post(url, {"action": "delete", "mapping": mapping.pk})
    assert not OidcClaimMapping.objects.exists()
    assert AuditEvent.objects.filter(object_type="oidc_mapping", action="delete").exists()


@pytest.mark.django_db
def test_another_municipalitys_organisation_is_not_found(sso_admin):
    client, other = sso_admin["client"], sso_admin["other"]
    url = reverse("manage:organisation-sign-on", args=[other.pk])
    assert client.get(url).status_code == 404
    add = {"action": "add", "provider": "kommun", "claim": "g", "value": "v", "role": "analyst"}
    assert client.post(url, add).status_code == 404
    assert not OidcClaimMapping.objects.exists()


@pytest.mark.django_db
def test_administrator_switches_local_passwords_off_audited(sso_admin):
    client, own = sso_admin["client"], sso_admin["own"]
    url = reverse("manage:organisation", args=[own.pk])
    response = client.post(url, {"name": own.name, "kind": own.kind})  # box left unticked
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.local_passwords_enabled is False
    event = AuditEvent.objects.get(object_type="organisation", action="update")
    assert event.details["changed"]["local_passwords_enabled"] == [True, False]
