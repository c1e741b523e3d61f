from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

from trygg.core.client import client_address

from .oidc import idp_logout_url, note_single_sign_on


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are handed out by an administrator; nobody signs up on their own.
        return False

    def get_client_ip(self, request) -> str:
        # allauth's rate limits count per address: the same trusted-proxy rule as every
        # other limit (trygg.core.client), never a header anyone can send.
        return client_address(request) or super().get_client_ip(request)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        organisation = getattr(user, "organisation", None)
        if organisation is not None and not organisation.local_passwords_enabled:
            # Checked after the password so that the message tells nothing to someone who
            # does not know it.
            raise forms.ValidationError(
                _("Your organisation signs in through single sign-on: use its button below.")
            )
        return user

    def get_login_stages(self) -> list[str]:
        # The IdP's asserted second factor replaces allauth's TOTP step (trygg.accounts.oidc).
        return [
            "trygg.accounts.oidc.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def login(self, request, user) -> None:
        super().login(request, user)
        note_single_sign_on(request, user)

    def get_logout_redirect_url(self, request) -> str:
        # Asked before the session ends: a single sign-on session signs out at the IdP too,
        # or the next "Sign in with …" would pass straight through on the IdP's session.
        return idp_logout_url(request) or super().get_logout_redirect_url(request)
