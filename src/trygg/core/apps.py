from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "trygg.core"
    verbose_name = _("Trygg")

    def ready(self):
        from django.test.signals import setting_changed

        _xlsx_limits()
        setting_changed.connect(_xlsx_limits_changed)


def _xlsx_limits() -> None:
    """The analysis layer reads workbooks without Django: give it the configured limits."""
    from django.conf import settings

    from trygg.analysis.tables import XLSX_LIMITS

    XLSX_LIMITS["max_unpacked_bytes"] = settings.TRYGG_XLSX_MAX_UNPACKED_MB * 1024 * 1024
    XLSX_LIMITS["max_ratio"] = settings.TRYGG_XLSX_MAX_RATIO


def _xlsx_limits_changed(*, setting, **kwargs) -> None:
    if setting in ("TRYGG_XLSX_MAX_UNPACKED_MB", "TRYGG_XLSX_MAX_RATIO"):
        _xlsx_limits()


class TryggAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "trygg.core.admin_site.TryggAdminSite"
