"""Changes made in the Django admin go to the audit log as well as Django's own admin log.

trygg.accounts.admin_site mixes this into every model admin it registers, third parties'
included, so that no change made in the admin (an authenticator removed, a password set,
an action run on a selection) escapes the audit chain.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import wraps

from django.contrib.admin.options import ActionLocation

from trygg.core.client import client_ip

from .models import AuditAction
from .services import audit_record

# Django's own bulk delete writes through log_deletions below.
_LOGGED_ELSEWHERE = frozenset({"delete_selected"})


def _municipality_code(obj) -> str:
    municipality = getattr(obj, "municipality", None)
    if municipality is not None:
        return getattr(municipality, "code", "") or ""
    # A user (or an object of one, such as an authenticator): the municipality its
    # organisation works in, when there is exactly one.
    user = obj if hasattr(obj, "organisation_id") else getattr(obj, "user", None)
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return ""
    codes = list(organisation.municipalities.values_list("code", flat=True)[:2])
    return codes[0] if len(codes) == 1 else ""


def _describe(message) -> str:
    if isinstance(message, list):
        return json.dumps(message, ensure_ascii=False, default=str)[:500]
    return str(message or "")[:500]


def _address(request) -> str | None:
    return client_ip(request) or None


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
            ip_address=_address(request),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        # Also the admin's password form (UserAdmin.user_change_password logs through here).
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE,
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            municipality_code=_municipality_code(obj),
            summary=f"Changed {obj._meta.verbose_name} '{obj}' in the admin",
            details={"change": _describe(message)},
            ip_address=_address(request),
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
                ip_address=_address(request),
            )
        return super().log_deletions(request, queryset)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Other bulk actions (allauth's "make verified", axes' clean-up) write nothing to
        # Django's admin log; wrap each, on the change list and the change form alike, so
        # that it is audited with the objects it ran on.
        actions = super().get_actions(request, action_location=action_location)
        return {
            name: (
                action
                if name in _LOGGED_ELSEWHERE
                else replace(action, func=self._audited_action(action.func, name))
            )
            for name, action in actions.items()
        }

    def _audited_action(self, func, name: str):
        @wraps(func)
        def run(modeladmin, request, queryset):
            ids = [str(pk) for pk in queryset.values_list("pk", flat=True)[:200]]
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE,
                object_type=self.model._meta.label_lower,
                summary=f"Ran the admin action '{name}' on {len(ids)} "
                f"{self.model._meta.verbose_name_plural}",
                details={"action": name, "ids": ids},
                ip_address=_address(request),
            )
            return func(modeladmin, request, queryset)

        return run
