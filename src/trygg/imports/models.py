"""The guided import: an uploaded file, its column mapping and its validation report.

The background jobs that validate and import it are :mod:`trygg.jobs`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportKind(models.TextChoices):
    AREAS = "areas", _("Areas (GeoJSON)")
    POPULATION = "population", _("Population (CSV, XLSX or SCB's JSON-stat)")
    SURVEY = "survey", _("Survey answers (CSV, XLSX or SPSS)")
    CRIMES = "crimes", _("Reported crimes (CSV)")
    CRIME_STATISTICS = "crime_stats", _("Reported crimes per municipality (Brå, CSV)")


class ImportSource(models.Model):
    """Where files come from (a survey vendor, the police's extract), with the column
    mapping and the reading settings that worked last time, so the next file of the same
    source needs no setting up."""

    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="import_sources"
    )
    kind = models.CharField(_("what the file holds"), max_length=16, choices=ImportKind.choices)
    name = models.CharField(_("source"), max_length=100)
    mapping = models.JSONField(_("column mapping"), default=dict)
    delimiter = models.CharField(_("separator"), max_length=2, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "name"], name="imports_source_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class UploadStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    VALIDATING = "validating", _("validating")
    INVALID = "invalid", _("has errors")
    VALID = "valid", _("ready to import")
    IMPORTING = "importing", _("importing")
    # One file: "importerad", not the audit log's verb "importerade".
    IMPORTED = "imported", pgettext_lazy("upload status", "imported")
    FAILED = "failed", _("failed")


class ImportUpload(models.Model):
    """One uploaded file on its way through preview, mapping, validation and import.

    The file is kept in ``VAR_DIR/imports/<public_id>/``; ``problems`` is the validation
    report (file, line, column, reason for every bad row).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(_("what the file holds"), max_length=16, choices=ImportKind.choices)
    source = models.ForeignKey(
        ImportSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    file_name = models.CharField(_("file"), max_length=255)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_type = models.CharField(max_length=10)
    delimiter = models.CharField(_("separator"), max_length=2, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    columns = models.JSONField(default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    problems = models.JSONField(default=list)
    problem_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.UPLOADED
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return self.file_name

    @property
    def directory(self):
        return settings.VAR_DIR / "imports" / str(self.public_id)

    @property
    def path(self):
        return self.directory / f"upload.{self.file_type}"
