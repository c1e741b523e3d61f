"""Key sign-in for the API: the same two-factor rule as the pages, in one query."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiKey, api_key_digest


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token …`` header, checked against Trygg's hashed API keys.

    Keys are found by their SHA-256 (one indexed look-up) and refused when revoked or past
    their expiry. A role that must sign in with two factors on the pages (it can read
    individual data) gets no API access by key until the user has set up a second factor:
    otherwise a key handed to a case worker would be a way around it. And the user's
    organisation is read with the key, because almost every call asks for it (the audit
    log, police or not).
    """

    model = ApiKey

    def authenticate_credentials(self, key):
        try:
            api_key = ApiKey.objects.select_related("user", "user__organisation").get(
                digest=api_key_digest(key), revoked_at__isnull=True
            )
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if api_key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _("This API key expired on %(date)s: create a new one.")
                % {"date": date_format(timezone.localtime(api_key.expires_at), "DATE_FORMAT")}
            )
        user = api_key.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if settings.TRYGG_REQUIRE_TWO_FACTOR and user.needs_two_factor and not is_mfa_enabled(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "Your role gives access to individual data: set up two-factor login in "
                    "Trygg before you use the API."
                )
            )
        return user, api_key
