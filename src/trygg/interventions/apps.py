from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "trygg.interventions"
    verbose_name = _("Operations and citizen promises")
