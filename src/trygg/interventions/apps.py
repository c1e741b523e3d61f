from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry, register_public_link


class InterventionsConfig(AppConfig):
    name = "trygg.interventions"
    verbose_name = _("Operations and citizen promises")

    def ready(self) -> None:
        register_menu_entry(
            name="operations",
            label=_("Operations"),
            url_name="interventions:list",
            order=80,
            section="situation",
            visible=lambda user: (
                user.can(Capability.VIEW_SITUATION) or user.can(Capability.MANAGE_OPERATIONS)
            ),
        )
        register_public_link(
            key="promises",
            label=_("Citizen promises"),
            description=_("What the police and the municipality have promised to do."),
            url=lambda municipality: reverse(
                "interventions:promises-municipality", args=[municipality.code]
            ),
            applies=_has_public_promises,
            order=40,
        )


def _has_public_promises(municipality) -> bool:
    from .selectors import promises_public

    return promises_public().filter(municipality=municipality).exists()
