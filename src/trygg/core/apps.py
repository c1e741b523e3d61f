from django.apps import AppConfig
from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.test.signals import setting_changed
from django.utils.translation import gettext_lazy as _

from trygg.analysis.tables import XLSX_LIMITS

from .cache import FALLBACK_TABLE
from .navigation import register_menu_entry, register_menu_section


class CoreConfig(AppConfig):
    default = True
    name = "trygg.core"
    verbose_name = _("Trygg")

    def ready(self) -> None:
        _xlsx_limits()
        setting_changed.connect(_xlsx_limits_changed)
        # Sent per app with models (this one has none): once, after django.contrib.auth's.
        post_migrate.connect(_create_cache_table, dispatch_uid="trygg-cache-table")
        register_menu_entry(name="home", label=_("Overview"), url_name="home", order=0)
        # The headings the apps gather their entries under (their ``section=``).
        register_menu_section(key="places", label=_("Areas and groups"))
        register_menu_section(key="analysis", label=_("Analysis"))
        register_menu_section(key="situation", label=_("Safety work"))


def _xlsx_limits() -> None:
    """The analysis layer reads workbooks without Django: give it the configured limits."""

    XLSX_LIMITS["max_unpacked_bytes"] = settings.TRYGG_XLSX_MAX_UNPACKED_MB * 1024 * 1024
    XLSX_LIMITS["max_ratio"] = settings.TRYGG_XLSX_MAX_RATIO


def _xlsx_limits_changed(*, setting, **kwargs) -> None:
    if setting in ("TRYGG_XLSX_MAX_UNPACKED_MB", "TRYGG_XLSX_MAX_RATIO"):
        _xlsx_limits()


def _create_cache_table(*, app_config=None, using: str = "default", **kwargs) -> None:
    # The shared cache's table (settings.CACHES, or the stand-in while Redis does not
    # answer: trygg.core.cache) is no model: create it with every migrate, whichever command
    # runs it.
    if app_config is not None and app_config.label == "auth":
        call_command("createcachetable", FALLBACK_TABLE, database=using, verbosity=0)
