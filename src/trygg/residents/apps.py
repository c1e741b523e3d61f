from django.apps import AppConfig
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import (
    register_menu_entry,
    register_public_link,
    register_start_block,
)


class ResidentsConfig(AppConfig):
    name = "trygg.residents"
    verbose_name = _("Residents' reports and safety walks")

    def ready(self) -> None:
        register_menu_entry(
            name="residents",
            label=_("Residents' reports"),
            url_name="residents:queue",
            order=60,
            section="situation",
            visible=lambda user: user.can(Capability.MODERATE_RESIDENT_REPORTS),
        )
        register_menu_entry(
            name="walks",
            label=_("Safety walks"),
            url_name="residents:walks",
            order=70,
            section="situation",
            visible=lambda user: user.can(Capability.REPORT_OBSERVATIONS),
        )
        register_start_block(
            key="residents-moderation",
            template="residents/start_moderation.html",
            order=22,
            visible=lambda user: user.can(Capability.MODERATE_RESIDENT_REPORTS),
            context=_start_moderation,
        )
        register_public_link(
            key="report",
            label=_("Report an unsafe place"),
            description=_("Mark a place where you feel unsafe. You stay anonymous."),
            url=lambda municipality: reverse("trygghet:report", args=[municipality.code]),
            applies=_form_open,
            order=20,
        )


def _start_moderation(request) -> dict:
    """The start page's count of residents' reports that nobody has assessed yet."""
    from .models import ReportStatus
    from .selectors import reports_for_moderation

    return {
        "waiting": reports_for_moderation(request.user).filter(status=ReportStatus.RECEIVED).count()
    }


def _form_open(municipality) -> bool:
    # As the form itself (selectors.public_municipality_get): an empty list opens it for all.
    enabled = getattr(settings, "TRYGG_RESIDENT_MUNICIPALITIES", []) or []
    return not enabled or municipality.code in enabled
