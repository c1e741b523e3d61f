"""Changes made in the Django admin go to the audit log as well as Django's own admin log."""

from __future__ import annotations

import json

from .models import AuditAction
from .services import audit_record


def _municipality_code(obj) -> str:
    municipality = getattr(obj, "municipality", None)
    return getattr(municipality, "code", "") or ""


def _describe(message) -> str:
    if isinstance(message, list):
        return json.dumps(message, ensure_ascii=False, default=str)[:500]
    return str(message or "")[:500]


class AuditedAdminMixin:
    def log_addition(self, request, obj, message):
        audit_record(
            actor=request.user,
            action=AuditAction.CREATE,
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            municipality_code=_municipality_code(obj),
            summary=f"Added {obj._meta.verbose_name} '{obj}' in the admin",
            details={"change": _describe(message)},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE,
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            municipality_code=_municipality_code(obj),
            summary=f"Changed {obj._meta.verbose_name} '{obj}' in the admin",
            details={"change": _describe(message)},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(
                actor=request.user,
                action=AuditAction.DELETE,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                municipality_code=_municipality_code(obj),
                summary=f"Deleted {obj._meta.verbose_name} '{obj}' in the admin",
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        return super().log_deletions(request, queryset)
