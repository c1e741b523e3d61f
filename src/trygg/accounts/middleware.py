"""Session lifetime and two-factor enforcement for signed-in users."""

from __future__ import annotations

import time

from allauth.mfa.utils import is_mfa_enabled
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .signals import SESSION_LOGIN_AT
from .two_factor import session_has_second_factor

SESSION_LAST_SEEN = "trygg_last_seen"
# Writing the session on every request costs a database write; once a minute is enough
# to measure idleness in minutes.
_LAST_SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """End a session after a period without activity, and after a fixed time in any case;
    note the activity once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(SESSION_LOGIN_AT, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last_seen > idle or now - login_at > absolute:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if SESSION_LAST_SEEN not in session or now - last_seen > _LAST_SEEN_RESOLUTION:
                session[SESSION_LAST_SEEN] = now
                # The "last seen" of the user's session list, at the same pace: allauth's
                # own middleware wrote it (a transaction and a commit) on every request.
                if settings.USERSESSIONS_TRACK_ACTIVITY and session.session_key:
                    UserSession.objects.create_from_request(request)
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Send users whose role needs two-factor login to set it up before anything else, and
    sign out a session of such a user that was opened without the second factor."""

    ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")
    ALWAYS_ALLOWED_PREFIXES = ("/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TRYGG_REQUIRE_TWO_FACTOR
            and user is not None
            and user.is_authenticated
            and user.needs_two_factor
            and not request.path.startswith(self.ALWAYS_ALLOWED_PREFIXES)
            and not session_has_second_factor(request)
        ):
            if is_mfa_enabled(user):
                # Only a login view that skips allauth's second step gets here (the admin's
                # once did): the session is not trusted, not even on the account pages,
                # where a password alone would let it remove the authenticator.
                logout(request)
                messages.warning(request, _("Sign in with your second factor."))
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
            if not request.path.startswith(self.ALLOWED_PREFIXES):
                messages.warning(
                    request,
                    _("Your role gives access to individual data: set up two-factor login first."),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


def lockout_username(request, credentials) -> str | None:
    """The user name that django-axes counts failures for.

    allauth's form field is ``login`` but it authenticates with ``username``; both must
    count as the same user name, case-insensitively as at log-in.
    """
    name = (credentials or {}).get("username")
    if not name and request is not None:
        name = request.POST.get("login")
    return name.strip().lower() if name else None
