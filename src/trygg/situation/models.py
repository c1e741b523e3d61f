"""The situational picture: named places, observations and the weekly pictures.

Observations are about places and situations, never about named private persons. Each row
carries its municipality (the shard key). A weekly picture, once published, holds a frozen
copy of its figures so that later edits to observations do not change what the meeting saw.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 600


class Place(models.Model):
    """A named place that reporters pick instead of tapping the map (a square, a school)."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="places"
    )
    name = models.CharField(_("name"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="places"
    )

    class Meta:
        ordering = ["municipality__code", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="situation_place_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ObservationSource(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")
    IMPORT = "import", _("import")
    # A resident's report of an unsafe place, approved by the safety coordinator.
    RESIDENTS = "residents", _("residents")


class Observation(models.Model):
    """One thing a safety-group member saw: when, where, what, how serious."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="observations"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("reporter"),
    )
    group = models.ForeignKey(
        "accounts.SafetyGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("safety group"),
    )
    observed_at = models.DateTimeField(_("when"))
    category = models.CharField(_("category"), max_length=32)
    severity = models.PositiveSmallIntegerField(
        _("severity"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    people_count = models.PositiveIntegerField(_("people involved"), null=True, blank=True)
    text = models.TextField(_("description"), max_length=TEXT_MAX_LENGTH, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="observations",
        verbose_name=_("area"),
    )
    restricted = models.BooleanField(
        _("police only"),
        default=False,
        help_text=_("Only police users and the reporter see the report; counts include it."),
    )
    source = models.CharField(max_length=16, choices=ObservationSource.choices, default="web")
    # The import file's id, or the form's own key: a retried submission is not a second report.
    source_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-observed_at"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=3),
                name="situation_observation_severity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                name="situation_observation_lat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lon__isnull=True)
                | models.Q(lat__isnull=False, lon__isnull=False),
                name="situation_observation_point_complete",
            ),
            models.UniqueConstraint(
                fields=["municipality", "reporter", "source", "source_id"],
                condition=~models.Q(source_id=""),
                name="situation_observation_source_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "observed_at"]),
            models.Index(fields=["area", "observed_at"]),
            models.Index(fields=["group", "observed_at"]),
            models.Index(fields=["reporter", "observed_at"]),
            # The weekly picture's cache version: the latest change in a municipality.
            models.Index(fields=["municipality", "updated_at"], name="situation_obs_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.observed_at:%Y-%m-%d %H:%M}"


class PictureStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class WeeklyPicture(models.Model):
    """The picture of one ISO week for one safety group, or the whole municipality.

    While a draft, its figures are computed live; publishing stores them in ``snapshot``
    and the page shows that copy from then on.
    """

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="weekly_pictures"
    )
    group = models.ForeignKey(
        "accounts.SafetyGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="weekly_pictures",
    )
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(53)]
    )
    assessment = models.TextField(_("analyst's assessment"), blank=True)
    decided_actions = models.TextField(_("decided actions"), blank=True)
    status = models.CharField(
        max_length=16, choices=PictureStatus.choices, default=PictureStatus.DRAFT
    )
    snapshot = models.JSONField(default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-iso_year", "-iso_week"]
        verbose_name = _("weekly picture")
        verbose_name_plural = _("weekly pictures")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "group", "iso_year", "iso_week"],
                condition=models.Q(group__isnull=False),
                name="situation_picture_group_week_unique",
            ),
            models.UniqueConstraint(
                fields=["municipality", "iso_year", "iso_week"],
                condition=models.Q(group__isnull=True),
                name="situation_picture_municipality_week_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(iso_week__gte=1, iso_week__lte=53),
                name="situation_picture_week_range",
            ),
        ]

    def __str__(self) -> str:
        scope = self.group.name if self.group_id else self.municipality.name
        return f"{scope} {self.iso_year}-W{self.iso_week:02d}"

    @property
    def is_published(self) -> bool:
        return self.status == PictureStatus.PUBLISHED
