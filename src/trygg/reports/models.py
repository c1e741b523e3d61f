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
