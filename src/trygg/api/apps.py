from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.core.navigation import register_menu_entry


class ApiConfig(AppConfig):
    name = "trygg.api"
    verbose_name = "API"

    def ready(self) -> None:
        # Field staff have nothing to fetch by machine: the API is for those who do.
        register_menu_entry(
            name="api",
            label=_("API"),
            url_name="api-docs",
            order=120,
            visible=lambda user: user.can(Capability.USE_API),
        )
