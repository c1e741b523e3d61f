from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "trygg.core"
    verbose_name = _("Trygg")


class TryggAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "trygg.core.admin_site.TryggAdminSite"
