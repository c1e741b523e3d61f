from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

from trygg.core.navigation import register_menu_entry, register_start_page

from .roles import Capability


class AccountsConfig(AppConfig):
    default = True
    name = "trygg.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import signals  # noqa: F401

        register_menu_entry(
            name="groups",
            label=_("Safety groups"),
            url_name="groups:list",
            order=11,
            section="places",
            visible=lambda user: user.can(Capability.VIEW_AREAS),
        )
        # The municipality's own administration; the raw Django admin is the operator's.
        register_menu_entry(
            name="admin",
            label=_("Administration"),
            url_name="manage:index",
            order=130,
            visible=lambda user: user.can(Capability.ADMINISTER),
        )
        register_start_page(key="accounts", context=_start_page)


def _start_page(request) -> dict:
    """The start page's list of the user's own safety groups."""
    from .selectors import safety_groups_of_user

    return {"my_groups": safety_groups_of_user(request.user)}


class TryggAdminConfig(admin_apps.AdminConfig):
    """The Django admin with Trygg's site: who may enter is an accounts rule (superuser and
    second factor), and accounts sits above audit, whose mixin the site puts on every model
    admin."""

    default = False
    default_site = "trygg.accounts.admin_site.TryggAdminSite"
