from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "trygg.cases"
    verbose_name = _("Individual cases (SSPF)")

    def ready(self) -> None:
        # A deployed install never encrypts personal identity numbers with a derived key.
        from .pin import keys_check

        keys_check()
