"""Token sign-in for the API: the same two-factor rule as the pages, in one query."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token …`` check, with two changes.

    A role that must sign in with two factors on the pages (it can read individual data)
    gets no API access by token until the user has set up a second factor: otherwise a token
    handed to a case worker would be a way around it. And the user's organisation is read
    with the token, because almost every call asks for it (the audit log, police or not).
    """

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user", "user__organisation").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if settings.TRYGG_REQUIRE_TWO_FACTOR and user.needs_two_factor and not is_mfa_enabled(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "Your role gives access to individual data: set up two-factor login in "
                    "Trygg before you use the API."
                )
            )
        return user, token
