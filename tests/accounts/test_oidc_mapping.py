"""The single sign-on rules on their own: which claims give which organisation and role, and
which `amr`/`acr` count as the IdP's second factor (the flows: test_oidc.py)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.factories import OrganisationFactory
from trygg.accounts.models import OidcClaimMapping
from trygg.accounts.oidc import CLAIM_REFUSED_ROLES, idp_asserts_second_factor, map_claims
from trygg.accounts.roles import Capability, Role, role_has


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
