"""Log-ins, log-outs and failed log-ins go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

SESSION_LOGIN_AT = "trygg_login_at"


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
