from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability


class TryggAdminSite(AdminSite):
    site_header = _("Trygg administration")
    site_title = _("Trygg administration")

    def has_permission(self, request) -> bool:
        # Staff status alone is not enough: only the administrator role may enter.
        user = request.user
        return bool(user.is_active and user.is_staff and user.can(Capability.ADMINISTER))
