from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.field_crypto import keys_check
from trygg.core.navigation import register_menu_entry


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
