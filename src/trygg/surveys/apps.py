from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from trygg.core.navigation import register_menu_entry


class SurveysConfig(AppConfig):
    name = "trygg.surveys"
    verbose_name = _("Safety survey")

    def ready(self) -> None:
        # Function-level: the tasks module needs the models, which are loaded only now.
        from .tasks import register_jobs

        register_jobs()

        from .selectors import survey_pages_visible

        register_menu_entry(
            name="surveys",
            label=_("Surveys"),
            url_name="surveys:list",
            order=30,
            visible=survey_pages_visible,
        )
