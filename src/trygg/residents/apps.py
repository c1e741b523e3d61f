from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry


class ResidentsConfig(AppConfig):
    name = "trygg.residents"
    verbose_name = _("Residents' reports and safety walks")

    def ready(self) -> None:
        register_menu_entry(
            name="residents",
            label=_("Residents' reports"),
            url_name="residents:queue",
            order=60,
            visible=lambda user: user.can(Capability.MODERATE_RESIDENT_REPORTS),
        )
        register_menu_entry(
            name="walks",
            label=_("Safety walks"),
            url_name="residents:walks",
            order=70,
            visible=lambda user: user.can(Capability.REPORT_OBSERVATIONS),
        )
