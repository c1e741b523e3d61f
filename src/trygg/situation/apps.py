from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry


class SituationConfig(AppConfig):
    name = "trygg.situation"
    verbose_name = _("Situational picture")

    def ready(self) -> None:
        register_menu_entry(
            name="report",
            label=_("Report"),
            url_name="situation:report",
            order=40,
            visible=lambda user: user.can(Capability.REPORT_OBSERVATIONS),
        )
        register_menu_entry(
            name="situation",
            label=_("Situation"),
            url_name="situation:index",
            order=50,
            visible=lambda user: (
                user.can(Capability.VIEW_SITUATION) or user.can(Capability.REPORT_OBSERVATIONS)
            ),
        )
