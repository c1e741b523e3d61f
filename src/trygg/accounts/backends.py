"""Model permissions for the admin follow the role, not per-user permission rows."""

from __future__ import annotations

from .roles import Capability

# What the administrator role manages in the Django admin. Individual data (the cases app)
# is deliberately absent: administrators never see individual cases.
ADMINISTERED_APPS = frozenset({"accounts", "areas", "axes", "account", "mfa"})
READ_ONLY_APPS = frozenset({"audit"})


class RolePermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def _administers(self, user) -> bool:
        return bool(
            user.is_active and getattr(user, "can", None) and user.can(Capability.ADMINISTER)
        )

    def has_perm(self, user, perm: str, obj=None) -> bool:
        if not self._administers(user):
            return False
        app_label, _, codename = perm.partition(".")
        if app_label in ADMINISTERED_APPS:
            return True
        return app_label in READ_ONLY_APPS and codename.startswith("view_")

    def has_module_perms(self, user, app_label: str) -> bool:
        return self._administers(user) and app_label in ADMINISTERED_APPS | READ_ONLY_APPS
