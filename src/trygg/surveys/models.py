from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")


class AnswerChannel(models.TextChoices):
    WEB = "web", _("Web")
    PAPER = "paper", _("Paper")
    FILE = "file", _("Vendor file")


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
    # The web questionnaire (issue 7): draft -> open (answers accepted) -> closed (sample culled).
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    opens_on = models.DateField(_("open from"), null=True, blank=True)
    closes_on = models.DateField(_("open until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "-year"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="surveys_round_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"


def random_response_id() -> int:
    # A running number would give the order of the answers, to be matched against the order
    # of the sample rows' "answered" marks: a random positive 63-bit id gives none.
    return secrets.randbits(62) + 1


class SurveyResponse(models.Model):
    """One respondent's answers: about places, never about named persons.

    ``answers`` maps item codes to the scale value given; "no opinion" is stored as null.
    """

    id = models.BigIntegerField(primary_key=True, default=random_response_id, editable=False)
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


class SurveySamplePerson(models.Model):
    """One sampled resident while the round is open: personal data for the letters.

    Name and postal address are encrypted (``contact_encrypted``, Fernet) and so is the
    one-time code, which must be re-printable for reminders; ``code_hash`` (HMAC) finds the
    row when a resident types the code. Only survey administrators read these rows, and the
    round's closing deletes them all. The answer itself never points here: only
    ``answered`` (with the channel, never a time) is kept, for the reminder list, and it is
    set in batches apart from the answers (SurveyCodeUse, ADR 0011).
    """

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="persons")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    sex = models.CharField(_("sex"), max_length=1)
    age_group = models.CharField(_("age group"), max_length=8)
    contact_encrypted = models.TextField()
    code_encrypted = models.TextField()
    code_hash = models.CharField(max_length=64, unique=True)
    answered = models.BooleanField(_("answered"), default=False)
    channel = models.CharField(
        _("channel"), max_length=8, choices=AnswerChannel.choices, blank=True
    )

    class Meta:
        verbose_name = _("sampled person")
        verbose_name_plural = _("sampled persons")
        indexes = [models.Index(fields=["round", "answered"], name="surveys_person_answered")]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"


class SurveyCodeUse(models.Model):
    """A code that has answered and whose sample row is not yet marked.

    Written in the answer's own transaction, so that a code answers once; it names no
    person (``used_hash`` is a keyed hash of the code's hash, matched to a sample row only by
    the batched marking step, never by a reference) and holds no time. A separate step marks
    the sample rows answered in shuffled batches (``survey_answers_mark``) and deletes these
    rows, so that neither a transaction id nor a time ties an answer to a person.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="code_uses")
    used_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=AnswerChannel.choices)

    def __str__(self) -> str:
        return f"{self.round} code used ({self.channel})"


class SurveySampleCell(models.Model):
    """What is kept of the sample after closing: counts per area, sex and age group."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="cells")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    sex = models.CharField(_("sex"), max_length=1)
    age_group = models.CharField(_("age group"), max_length=8)
    sampled = models.PositiveIntegerField(_("sampled"))
    answered_web = models.PositiveIntegerField(default=0)
    answered_paper = models.PositiveIntegerField(default=0)
    answered_file = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sample cell")
        verbose_name_plural = _("sample cells")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "area", "sex", "age_group"], name="surveys_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.area_id} {self.sex} {self.age_group}: {self.sampled}"


class SurveyDraft(models.Model):
    """Answers given so far by a resident who paused: keyed by the code's hash only, so the
    resident can continue on another device. Deleted when the answer is sent."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="drafts")
    code_hash = models.CharField(max_length=64, unique=True)
    answers = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.round} draft #{self.pk}"


class SurveyCodeAttempt(models.Model):
    """A wrong code typed on the answer page, counted per client for the rate limit.

    The client address is kept only as a keyed hash, and rows older than the window are
    deleted as new ones come in."""

    client_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"wrong code at {self.at:%Y-%m-%d %H:%M}"
