from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnalysisRun(models.Model):
    """One run of the analysis on a municipality's data, kept with its run.json so that a
    published number can always be traced to the inputs and parameters behind it.

    The output files (CSV, report.html, report.pdf, run.json) live in
    ``VAR_DIR/analysis/<public_id>/``.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="analysis_runs"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    parameters = models.JSONField(_("parameters"), default=dict)
    run_record = models.JSONField(_("run record"), default=dict)
    summary = models.JSONField(_("summary"), default=list)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")

    def __str__(self) -> str:
        return f"{self.municipality} {self.year} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def directory(self):
        return settings.VAR_DIR / "analysis" / str(self.public_id)

    @property
    def is_published(self) -> bool:
        publication = getattr(self, "publication", None)
        return publication is not None and publication.withdrawn_at is None


class Publication(models.Model):
    """An analysis run published to residents: its report and its tables with small cells
    suppressed. Only what is stored here is reachable without login."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.OneToOneField(AnalysisRun, on_delete=models.PROTECT, related_name="publication")
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="publications"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    licence = models.CharField(_("licence"), max_length=100)
    #: One row per area: code, name, the published indices and rates, rank and interval.
    areas = models.JSONField(default=list)
    #: Area boundaries (GeoJSON) at the time of publication.
    geometry = models.JSONField(default=dict)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "-year", "-published_at"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"
