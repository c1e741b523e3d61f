from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry, register_start_block


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
            section="analysis",
            visible=lambda user: user.can(Capability.IMPORT_AREAS),
        )
        register_start_block(
            key="imports-latest",
            template="imports/start_imports.html",
            order=65,
            visible=lambda user: user.can(Capability.IMPORT_AREAS),
            context=_start_imports,
        )


def _start_imports(request) -> dict:
    """The start page's latest uploads: what came in, and whether it went through."""
    from .selectors import uploads_for_user

    return {"uploads": list(uploads_for_user(request.user).order_by("-created_at")[:5])}
