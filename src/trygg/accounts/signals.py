"""Log-ins, log-outs, failed log-ins and second factors added or removed go to the audit log."""

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.core.client import client_ip

from .two_factor import SECOND_FACTOR_METHOD

SESSION_LOGIN_AT = "trygg_login_at"


def _address(request) -> str | None:
    return (client_ip(request) or None) if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_AT] = timezone.now().timestamp()
    audit_record(
        actor=user,
        action=AuditAction.LOGIN,
        object_type="user",
        object_id=user.pk,
        ip_address=_address(request),
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(
            actor=user,
            action=AuditAction.LOGOUT,
            object_type="user",
            object_id=user.pk,
            ip_address=_address(request),
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the name that was tried, never the password.
    tried = str(credentials.get("username") or credentials.get("login") or "")[:150]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="user",
        summary=f"Failed login as '{tried}'",
        details={"username": tried},
        ip_address=_address(request),
    )


@receiver(authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Setting up a TOTP device proves the code once: the session has passed the second
    # factor, and trygg.accounts.middleware must not sign it out right after.
    if request is not None and authenticator.type == authenticator.Type.TOTP:
        record_authentication(
            request, user, SECOND_FACTOR_METHOD, type=authenticator.type, id=authenticator.pk
        )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        object_type="mfa.authenticator",
        object_id=authenticator.pk,
        summary=f"Added a second factor ({authenticator.type}) for {user.username}",
        ip_address=_address(request),
    )


@receiver(authenticator_removed)
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        actor=user,
        action=AuditAction.DELETE,
        object_type="mfa.authenticator",
        object_id=authenticator.pk,
        summary=f"Removed a second factor ({authenticator.type}) of {user.username}",
        ip_address=_address(request),
    )
