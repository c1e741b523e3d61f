"""Single sign-on against a real OpenID Connect provider (oidc-provider for Node.js, started by
these tests on loopback): login, matching, claim mapping, refused role escalation, the IdP's
second factor, logout, and local passwords switched off per organisation."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests
from allauth.socialaccount.models import SocialAccount, SocialApp

from tests.accounts.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    IDP_PASSWORD,
    OidcProvider,
    form_token,
)
from tests.factories import PASSWORD, MunicipalityFactory, OrganisationFactory, UserFactory
from trygg.accounts.models import OidcClaimMapping, User
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent

PROVIDER_ID = "kommun"

# The people the IdP knows, with the claims and the `amr` it asserts when they sign in.
IDP_USERS = {
    "anna": {
        "claims": {"email": "anna@kommun.example", "email_verified": True, "groups": ["trygg"]},
        "amr": ["pwd"],
    },
    "bo": {
        "claims": {
            "email": "bo@kommun.example",
            "email_verified": True,
            "given_name": "Bo",
            "family_name": "Berg",
            "employee_id": "E200",
            "groups": ["trygg-analys", "alla-anstallda"],
        },
        "amr": ["pwd"],
    },
    "cecilia": {
        "claims": {
            "email": "cecilia@kommun.example",
            "email_verified": True,
            "groups": ["sspf-samordnare"],
        },
        "amr": ["pwd"],
    },
    "dan": {
        "claims": {"email": "dan@kommun.example", "email_verified": True, "groups": []},
        "amr": ["pwd", "mfa"],
    },
    "eva": {
        "claims": {"email": "eva@kommun.example", "email_verified": True, "groups": []},
        "amr": ["pwd"],
    },
    "fredrik": {
        "claims": {"email": "fredrik@kommun.example", "email_verified": True, "groups": ["x"]},
        "amr": ["pwd"],
    },
    "gun": {
        "claims": {"email": "gun@kommun.example", "email_verified": True, "groups": []},
        "acr": "urn:kommun:loa:substantial",
    },
}


@pytest.fixture(scope="module")
def idp(live_server, tmp_path_factory):
    callback = f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
    provider = OidcProvider(
        redirect_uris=[callback],
        logout_uris=[f"{live_server.url}/accounts/login/"],
        users=IDP_USERS,
        tmp=tmp_path_factory.mktemp("idp"),
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def world(transactional_db, idp, settings):
    settings.TRYGG_OIDC_MATCH_CLAIM = "email"
    settings.TRYGG_OIDC_MFA_ACR = ["urn:kommun:loa:substantial"]
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id=PROVIDER_ID,
        name="Kommunens inloggning",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": idp.issuer},
    )
    municipality = MunicipalityFactory(code="2281")
    organisation = OrganisationFactory(key="kommunen", municipalities=[municipality])
    social = OrganisationFactory(key="socialtjansten", municipalities=[municipality])
    OidcClaimMapping.objects.create(
        provider=PROVIDER_ID,
        claim="groups",
        value="trygg-analys",
        organisation=organisation,
        role=Role.ANALYST,
    )
    OidcClaimMapping.objects.create(
        provider=PROVIDER_ID,
        claim="groups",
        value="sspf-samordnare",
        organisation=social,
        role=Role.SSPF_COORDINATOR,
    )
    return {"organisation": organisation, "social": social, "idp": idp}


def sso_login(base: str, idp: OidcProvider, username: str) -> tuple[requests.Session, str]:
    """Press the single sign-on button, sign in at the IdP; the session and the final page."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    assert f'data-sso="{PROVIDER_ID}"' in page.text
    at_idp = session.post(
        f"{base}/accounts/oidc/{PROVIDER_ID}/login/?process=login",
        data={"csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": page.url},
    )
    assert at_idp.url.startswith(f"{idp.issuer}/interaction/"), at_idp.url
    back = session.post(f"{at_idp.url}/login", data={"login": username, "password": IDP_PASSWORD})
    return session, back


def test_login_matches_an_existing_account_by_email(live_server, world):
    anna = UserFactory(username="anna.a", email="Anna@kommun.example", role=Role.SAFETY_COORDINATOR)
    session, back = sso_login(live_server.url, world["idp"], "anna")
    assert back.status_code == 200
    assert back.url == f"{live_server.url}/"
    assert session.get(f"{live_server.url}/areas/", allow_redirects=False).status_code == 200
    account = SocialAccount.objects.get(provider=PROVIDER_ID)
    assert account.user == anna
    # Trygg keeps the role the administrator gave; the IdP's groups do not change it.
    anna.refresh_from_db()
    assert anna.role == Role.SAFETY_COORDINATOR
    assert AuditEvent.objects.filter(actor_username="anna.a", action="login").exists()
    assert AuditEvent.objects.filter(summary__startswith="Linked anna.a").exists()


def test_login_matches_by_employee_id_when_the_operator_chooses_it(live_server, world, settings):
    settings.TRYGG_OIDC_MATCH_CLAIM = "employee_id"
    bo = UserFactory(username="bo.b", email="", employee_id="E200", role=Role.GROUP_MEMBER)
    sso_login(live_server.url, world["idp"], "bo")
    assert SocialAccount.objects.get(provider=PROVIDER_ID).user == bo


def test_new_account_takes_organisation_and_role_from_the_mapping(live_server, world):
    session, back = sso_login(live_server.url, world["idp"], "bo")
    assert back.url == f"{live_server.url}/"
    bo = User.objects.get(email="bo@kommun.example")
    assert (bo.organisation, bo.role) == (world["organisation"], Role.ANALYST)
    assert (bo.first_name, bo.last_name) == ("Bo", "Berg")
    assert not bo.has_usable_password()
    assert session.get(f"{live_server.url}/areas/", allow_redirects=False).status_code == 200
    assert AuditEvent.objects.filter(
        action="create", object_id=str(bo.pk), summary__contains="identity provider kommun"
    ).exists()


def test_a_claim_asking_for_a_case_role_is_refused_and_audited(live_server, world):
    sso_login(live_server.url, world["idp"], "cecilia")
    cecilia = User.objects.get(email="cecilia@kommun.example")
    assert cecilia.organisation == world["social"]
    assert cecilia.role == Role.READ_ONLY
    assert not cecilia.can("individual_cases")
    refusal = AuditEvent.objects.get(summary__startswith="Refused role sspf_coordinator")
    assert refusal.details["refused_role"] == Role.SSPF_COORDINATOR
    assert refusal.details["given_role"] == Role.READ_ONLY


def test_nobody_without_account_or_mapping_gets_in(live_server, world):
    session, back = sso_login(live_server.url, world["idp"], "fredrik")
    assert back.status_code == 403
    assert not User.objects.filter(email="fredrik@kommun.example").exists()
    assert session.get(f"{live_server.url}/areas/", allow_redirects=False).status_code == 302


def test_the_idps_mfa_replaces_trygg_second_factor(live_server, world):
    UserFactory(username="dan", email="dan@kommun.example", role=Role.CASE_WORKER)
    session, back = sso_login(live_server.url, world["idp"], "dan")
    assert back.url == f"{live_server.url}/"
    cases = session.get(f"{live_server.url}/cases/", allow_redirects=False)
    assert cases.status_code == 200


def test_an_acr_the_operator_accepts_counts_as_second_factor(live_server, world):
    UserFactory(username="gun", email="gun@kommun.example", role=Role.CASE_WORKER)
    session, _ = sso_login(live_server.url, world["idp"], "gun")
    assert session.get(f"{live_server.url}/cases/", allow_redirects=False).status_code == 200


def test_without_the_idps_mfa_a_case_role_must_set_up_trygg_totp(live_server, world):
    eva = UserFactory(username="eva", email="eva@kommun.example", role=Role.CASE_WORKER)
    eva.set_unusable_password()  # signs in through the IdP only
    eva.save()
    session, back = sso_login(live_server.url, world["idp"], "eva")
    assert back.url == f"{live_server.url}/accounts/2fa/totp/activate/"
    assert 'name="code"' in back.text
    cases = session.get(f"{live_server.url}/cases/", allow_redirects=False)
    assert cases.status_code == 302
    assert cases.headers["Location"] == "/accounts/2fa/totp/activate/"


def test_logout_ends_the_session_here_and_at_the_idp(live_server, world):
    UserFactory(username="anna.a", email="anna@kommun.example")
    idp = world["idp"]
    session, back = sso_login(live_server.url, idp, "anna")
    confirm = session.post(
        f"{live_server.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": form_token(back.text)},
        headers={"Referer": back.url},
    )
    assert session.get(f"{live_server.url}/areas/", allow_redirects=False).status_code == 302
    assert AuditEvent.objects.filter(actor_username="anna.a", action="logout").exists()
    # RP-initiated logout: the IdP asks to confirm, then sends the browser back to Trygg.
    assert confirm.url.startswith(f"{idp.issuer}/session/end")
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm.text))
    action = re.search(r'action="([^"]+)"', confirm.text).group(1)
    done = session.post(urljoin(confirm.url, action), data={**form, "logout": "yes"})
    assert done.url == f"{live_server.url}/accounts/login/"
    # The IdP's session is gone too: the next single sign-on asks for the password again.
    page = session.get(f"{live_server.url}/accounts/login/")
    again = session.post(
        f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/?process=login",
        data={"csrfmiddlewaretoken": form_token(page.text)},
        headers={"Referer": page.url},
    )
    assert again.url.startswith(f"{idp.issuer}/interaction/")


def test_local_password_is_refused_when_the_organisation_switched_it_off(live_server, world):
    organisation = world["organisation"]
    UserFactory(username="anna.a", email="anna@kommun.example", organisation=organisation)
    organisation.local_passwords_enabled = False
    organisation.save()
    session = requests.Session()
    page = session.get(f"{live_server.url}/accounts/login/")
    answer = session.post(
        f"{live_server.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": form_token(page.text),
            "login": "anna.a",
            "password": PASSWORD,
        },
        headers={"Referer": page.url},
    )
    assert answer.url == f"{live_server.url}/accounts/login/"
    assert "single sign-on" in answer.text or "inloggning" in answer.text
    assert session.get(f"{live_server.url}/areas/", allow_redirects=False).status_code == 302
    # The same person still gets in through the IdP.
    session, back = sso_login(live_server.url, world["idp"], "anna")
    assert back.url == f"{live_server.url}/"
