from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry


class InterventionsConfig(AppConfig):
    name = "trygg.interventions"
    verbose_name = _("Operations and citizen promises")

    def ready(self) -> None:
        register_menu_entry(
            name="operations",
            label=_("Operations"),
            url_name="interventions:list",
            order=80,
            visible=lambda user: (
                user.can(Capability.VIEW_SITUATION) or user.can(Capability.MANAGE_OPERATIONS)
            ),
        )
