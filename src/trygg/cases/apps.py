from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.field_crypto import keys_check
from trygg.core.navigation import register_menu_entry, register_start_block


class CasesConfig(AppConfig):
    name = "trygg.cases"
    verbose_name = _("Individual cases (SSPF)")

    def ready(self) -> None:
        # A deployed install never encrypts personal identity numbers with a derived key.
        keys_check()
        # Case workers get the cases; roles that only count them, the statistics.
        register_menu_entry(
            name="cases",
            label=_("Cases"),
            url_name="cases:index",
            order=90,
            visible=lambda user: user.can(Capability.INDIVIDUAL_CASES),
        )
        register_menu_entry(
            name="cases",
            label=_("Case statistics"),
            url_name="cases:statistics",
            order=91,
            visible=lambda user: (
                not user.can(Capability.INDIVIDUAL_CASES)
                and user.can(Capability.VIEW_CASE_STATISTICS)
            ),
        )
        register_menu_entry(
            name="concern", label=_("Report a concern"), url_name="cases:concern-new", order=100
        )
        # A count only: no concern is shown on the start page, so none is logged.
        register_start_block(
            key="cases-concerns",
            template="cases/start_concerns.html",
            order=24,
            visible=_is_coordinator,
            context=_start_concerns,
        )
        # The coordinator's consents that run out soon and the cases whose follow-up is due;
        # each case shown is logged as read (cases.selectors), and no name is shown.
        register_start_block(
            key="cases-reminders",
            template="cases/start_reminders.html",
            order=25,
            visible=lambda user: user.can(Capability.INDIVIDUAL_CASES),
            context=_start_reminders,
        )


def _is_coordinator(user) -> bool:
    from .access import is_coordinator

    return is_coordinator(user)


def _start_concerns(request) -> dict:
    from .selectors import open_concern_count

    return {"waiting": open_concern_count(request.user)}


def _start_reminders(request) -> dict:
    from trygg.core.client import client_ip

    from .selectors import consent_warnings_for, followups_due_for

    ip_address = client_ip(request) or None
    return {
        "consents": consent_warnings_for(request.user, ip_address=ip_address)[:10],
        "followups": followups_due_for(request.user, ip_address=ip_address)[:10],
    }
