"""Whether the current session passed a second factor, as allauth records it at login."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records

SECOND_FACTOR_METHOD = "mfa"


def session_has_second_factor(request) -> bool:
    """True when this session's sign-in included a second factor (a TOTP or recovery code).

    allauth notes every authentication step in the session; a session made by any other
    login view (the admin's, a password-only form) has no such step and is not trusted.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == SECOND_FACTOR_METHOD for record in records)
