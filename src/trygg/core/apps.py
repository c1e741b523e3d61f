from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "trygg.core"
    verbose_name = _("Trygg")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Sent per app with models (this one has none): once, after django.contrib.auth's.
        post_migrate.connect(_create_cache_table, dispatch_uid="trygg-cache-table")


def _create_cache_table(*, app_config=None, using: str = "default", **kwargs) -> None:
    # The rate limits' shared cache (settings.CACHES, a database table) is no model: create
    # it with every migrate, whichever command runs it.
    from django.core.management import call_command

    if app_config is not None and app_config.label == "auth":
        call_command("createcachetable", database=using, verbosity=0)


class TryggAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "trygg.core.admin_site.TryggAdminSite"
