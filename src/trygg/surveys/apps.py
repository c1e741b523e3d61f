from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.core.navigation import register_menu_entry, register_public_link


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
            section="analysis",
            visible=survey_pages_visible,
        )
        register_public_link(
            key="survey",
            label=_("Answer the safety survey"),
            description=_("Did you get a letter with a code? Answer the survey here."),
            url=lambda municipality: reverse("answer:start"),
            applies=_round_open,
            order=10,
        )


def _round_open(municipality) -> bool:
    """As on /svar/: a round takes answers while it is open and within its dates."""
    from .models import RoundStatus, SurveyRound
    from .services import survey_round_accepts

    return any(
        survey_round_accepts(survey_round)
        for survey_round in SurveyRound.objects.filter(
            municipality=municipality, status=RoundStatus.OPEN
        )
    )
