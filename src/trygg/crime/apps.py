from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrimeConfig(AppConfig):
    name = "trygg.crime"
    verbose_name = _("Police statistics")
