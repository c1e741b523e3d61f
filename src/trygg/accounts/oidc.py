"""Single sign-on through an OpenID Connect identity provider (allauth's openid_connect).

Who may come in and with which rights is Trygg's decision, not the IdP's:

- an existing account is found by the operator's chosen claim (TRYGG_OIDC_MATCH_CLAIM);
- a new account takes organisation and role from the administrator's mapping table
  (OidcClaimMapping), but never a role that sees individual data: such a mapping leaves the
  account read-only until an administrator assigns the role, and the refusal is audited;
- the IdP's second factor counts when its ID token asserts one (``amr``/``acr``); otherwise
  the case roles still need Trygg's own TOTP (middleware.RequireTwoFactorMiddleware).
"""

from __future__ import annotations

import requests
from allauth.account.internal.flows.login import record_authentication
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.core.client import client_address

from .models import OidcClaimMapping, User
from .roles import TWO_FACTOR_ROLES, Role

# Roles the mapping table may never hand out on its own: those that see individual data,
# and those that can grant it (the same set that must sign in with two factors).
CLAIM_REFUSED_ROLES = TWO_FACTOR_ROLES
# What a person whose mapping asked for a refused role gets until an administrator decides.
PENDING_ROLE = Role.READ_ONLY
# Set on the request by pre_social_login and read by the login stage and the login hook of
# the same request: the IdP asserted a second factor for this sign-in.
_IDP_MFA_ATTR = "_trygg_idp_mfa"
_MAPPING_ATTR = "_trygg_oidc_mapping"
_PROVIDER_ATTR = "_trygg_oidc_provider"
# The provider a session signed in through, for signing out there too.
SSO_SESSION_KEY = "trygg_sso_provider"
SECOND_FACTOR_METHOD = "mfa"


def id_token_claims(sociallogin) -> dict:
    return dict((sociallogin.account.extra_data or {}).get("id_token") or {})


def all_claims(sociallogin) -> dict:
    extra = sociallogin.account.extra_data or {}
    # The user-info endpoint has the profile claims; the ID token has amr/acr and wins ties.
    return {**(extra.get("userinfo") or {}), **(extra.get("id_token") or {})}


def idp_asserts_second_factor(id_token: dict) -> bool:
    amr = id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.TRYGG_OIDC_MFA_AMR):
        return True
    acr = id_token.get("acr")
    return bool(acr) and acr in settings.TRYGG_OIDC_MFA_ACR


def _claim_values(claims: dict, name: str) -> set[str]:
    value = claims.get(name)
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)}


def match_existing_user(claims: dict) -> User | None:
    """The account the operator's match claim points at, if exactly one does."""
    claim = settings.TRYGG_OIDC_MATCH_CLAIM
    value = claims.get(claim)
    if not value or not isinstance(value, str):
        return None
    if claim == "email":
        # An unverified address is anyone's to type in at the IdP.
        if claims.get("email_verified") is False:
            return None
        users = User.objects.filter(email__iexact=value)
    else:
        users = User.objects.filter(employee_id=value)
    users = list(users[:2])
    return users[0] if len(users) == 1 else None


class Mapping:
    """What the mapping table says for one sign-in."""

    def __init__(self, organisation, role: str, refused: list[OidcClaimMapping]):
        self.organisation = organisation
        self.role = role
        self.refused = refused


def map_claims(provider: str, claims: dict) -> Mapping | None:
    """Organisation and role for a new account; None when no row matches."""
    rows = [
        row
        for row in OidcClaimMapping.objects.filter(provider=provider).select_related("organisation")
        if row.value in _claim_values(claims, row.claim)
    ]
    if not rows:
        return None
    granted = [row for row in rows if row.role not in CLAIM_REFUSED_ROLES]
    refused = [row for row in rows if row.role in CLAIM_REFUSED_ROLES]
    if granted:
        return Mapping(granted[0].organisation, granted[0].role, refused)
    return Mapping(refused[0].organisation, PENDING_ROLE, refused)


def _refuse(request, reason: str):
    response = render(request, "socialaccount/refused.html", {"reason": reason}, status=403)
    raise ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return settings.TRYGG_OIDC_CREATE_ACCOUNTS

    def pre_social_login(self, request, sociallogin) -> None:
        setattr(request, _IDP_MFA_ATTR, idp_asserts_second_factor(id_token_claims(sociallogin)))
        claims = all_claims(sociallogin)
        provider = sociallogin.account.provider
        setattr(request, _PROVIDER_ATTR, provider)
        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                _refuse(request, "inactive")
            return
        user = match_existing_user(claims)
        if user is not None:
            if not user.is_active:
                _refuse(request, "inactive")
            with transaction.atomic():
                sociallogin.connect(request, user)
                audit_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    object_type="user",
                    object_id=user.pk,
                    summary=f"Linked {user.username} to identity provider {provider}",
                    details={"provider": provider, "match_claim": settings.TRYGG_OIDC_MATCH_CLAIM},
                    ip_address=client_address(request),
                )
            return
        mapping = map_claims(provider, claims)
        if mapping is None or not settings.TRYGG_OIDC_CREATE_ACCOUNTS:
            _refuse(request, "no_account")
        setattr(request, _MAPPING_ATTR, mapping)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = all_claims(sociallogin)
        if settings.TRYGG_OIDC_MATCH_CLAIM != "email":
            user.employee_id = str(claims.get(settings.TRYGG_OIDC_MATCH_CLAIM) or "")
        return user

    @transaction.atomic
    def save_user(self, request, sociallogin, form=None):
        mapping: Mapping | None = getattr(request, _MAPPING_ATTR, None)
        if mapping is None:
            _refuse(request, "no_account")
        user = sociallogin.user
        user.organisation = mapping.organisation
        user.role = mapping.role
        user.set_unusable_password()
        user = super().save_user(request, sociallogin, form)
        provider = sociallogin.account.provider
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="user",
            object_id=user.pk,
            summary=(
                f"Created user {user.username} ({user.role}, {user.organisation.key}) "
                f"from identity provider {provider}"
            ),
            details={"provider": provider},
            ip_address=client_address(request),
        )
        for row in mapping.refused:
            # The IdP asked for a role that sees individual data: the administrator decides.
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                object_type="user",
                object_id=user.pk,
                summary=(
                    f"Refused role {row.role} for {user.username} from claim "
                    f"{row.claim}={row.value}: pending the administrator's assignment"
                ),
                details={
                    "provider": provider,
                    "claim": row.claim,
                    "value": row.value,
                    "refused_role": row.role,
                    "given_role": user.role,
                },
                ip_address=client_address(request),
            )
        return user


def note_single_sign_on(request, user) -> None:
    """After the login itself: remember the provider (for signing out there too), and count
    the IdP's asserted second factor as this session's."""
    provider = getattr(request, _PROVIDER_ATTR, None)
    if provider is None:
        return
    request.session[SSO_SESSION_KEY] = provider
    if getattr(request, _IDP_MFA_ATTR, False):
        record_authentication(request, user, SECOND_FACTOR_METHOD, type="idp", provider=provider)


def idp_logout_url(request) -> str | None:
    """The IdP's end-session address (RP-initiated logout) for a session that signed in
    there, coming back to Trygg's sign-in page; None when it has none or cannot be reached."""
    provider_id = request.session.get(SSO_SESSION_KEY)
    if not provider_id:
        return None
    try:
        oidc = OpenIDConnectOAuth2Adapter(request, provider_id)
        endpoint = oidc.openid_config.get("end_session_endpoint")
        client_id = oidc.get_provider().app.client_id
    except (SocialApp.DoesNotExist, requests.RequestException, ValueError):
        # The provider entry was removed or its IdP is down: sign out of Trygg at least.
        return None
    if not endpoint:
        return None
    back = request.build_absolute_uri(reverse("account_login"))
    query = urlencode({"client_id": client_id, "post_logout_redirect_uri": back})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class AuthenticateStage(AllauthAuthenticateStage):
    """allauth's TOTP step, skipped when the IdP already asserted a second factor."""

    def _should_handle(self, request) -> bool:
        if getattr(request, _IDP_MFA_ATTR, False):
            return False
        return super()._should_handle(request)
