from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SituationConfig(AppConfig):
    name = "trygg.situation"
    verbose_name = _("Situational picture")
