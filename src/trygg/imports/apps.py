from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry


class ImportsConfig(AppConfig):
    name = "trygg.imports"
    verbose_name = _("Imports and background jobs")

    def ready(self) -> None:
        # Function-level: the tasks module needs the models, which are loaded only now.
        from .tasks import register_jobs

        register_jobs()

        register_menu_entry(
            name="import",
            label=_("Import"),
            url_name="imports:index",
            order=110,
            visible=lambda user: user.can(Capability.IMPORT_AREAS),
        )
