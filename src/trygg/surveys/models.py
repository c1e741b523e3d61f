from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyRound(models.Model):
    """One year's safety survey in a municipality, with the questionnaire it used.

    The questionnaire is stored as its YAML text so that a published figure can always be
    traced to the exact items, scale and index mapping it was computed with.
    """

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="survey_rounds"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    questionnaire_name = models.CharField(_("questionnaire"), max_length=200)
    questionnaire_yaml = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-year"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="surveys_round_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"


class SurveyResponse(models.Model):
    """One respondent's answers: about places, never about named persons.

    ``answers`` maps item codes to the scale value given; "no opinion" is stored as null.
    """

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    respondent_id = models.CharField(_("respondent"), max_length=64)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    sex = models.CharField(_("sex"), max_length=1)
    age_group = models.CharField(_("age group"), max_length=8)
    answers = models.JSONField(_("answers"), default=dict)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "respondent_id"], name="surveys_response_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.respondent_id}"


class SurveySample(models.Model):
    """How many residents of an area were sent the questionnaire in a round, so that the
    response rate can be shown."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="samples")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    size = models.PositiveIntegerField(_("sample"))

    class Meta:
        verbose_name = _("survey sample")
        verbose_name_plural = _("survey samples")
        constraints = [
            models.UniqueConstraint(fields=["round", "area"], name="surveys_sample_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.area.code}: {self.size}"
