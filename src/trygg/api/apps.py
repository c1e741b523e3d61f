from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.core.navigation import register_menu_entry


class ApiConfig(AppConfig):
    name = "trygg.api"
    verbose_name = "API"

    def ready(self) -> None:
        register_menu_entry(name="api", label=_("API"), url_name="api-docs", order=120)
