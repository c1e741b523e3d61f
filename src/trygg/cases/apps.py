from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.core.field_crypto import keys_check


class CasesConfig(AppConfig):
    name = "trygg.cases"
    verbose_name = _("Individual cases (SSPF)")

    def ready(self) -> None:
        # A deployed install never encrypts personal identity numbers with a derived key.
        keys_check()
