"""Background jobs (with their progress), the task queue that runs them, and the guided
import: an uploaded file, its column mapping and its validation report."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobKind(models.TextChoices):
    VALIDATE = "validate", _("validation")
    IMPORT = "import", _("import")
    ANALYSIS = "analysis", _("analysis")
    LETTERS = "letters", _("survey letters")


class Job(models.Model):
    """A piece of work done in the background, with the progress the page shows."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=JobKind.choices)
    municipality = models.ForeignKey(
        "areas.Municipality", on_delete=models.CASCADE, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    step = models.CharField(_("step"), max_length=100, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    #: How many times the worker running this job stopped (died, lost its lease).
    lost_attempts = models.PositiveSmallIntegerField(default=0)
    timed_out = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def step_label(self) -> str:
        """The current step in the user's language (``step`` holds a stable code)."""
        from .steps import step_label

        return step_label(self.step)

    @property
    def notice(self) -> str:
        """What the page says when the worker stopped or the job ran past its timeout."""
        from .selectors import job_notice

        return job_notice(self)

    @property
    def max_attempts(self) -> int:
        from .backend import backend_options

        return backend_options()["MAX_ATTEMPTS"]


class TaskRecord(models.Model):
    """One enqueued task of Django's tasks framework, stored for the database worker."""

    id = models.CharField(primary_key=True, max_length=64)
    task_path = models.CharField(max_length=300)
    queue_name = models.CharField(max_length=100, default="default")
    priority = models.SmallIntegerField(default=0)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=16, default="READY", db_index=True)
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    return_value = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list)
    worker_ids = models.JSONField(default=list)
    # The claim of the worker running the task: it renews the lease while it works; a task
    # whose lease ran out lost its worker and is queued again (up to a maximum of attempts).
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "enqueued_at"]
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")

    def __str__(self) -> str:
        return f"{self.task_path} {self.id} {self.status}"


class ImportKind(models.TextChoices):
    AREAS = "areas", _("Areas (GeoJSON)")
    POPULATION = "population", _("Population (CSV or XLSX)")
    SURVEY = "survey", _("Survey answers (CSV, XLSX or SPSS)")
    CRIMES = "crimes", _("Reported crimes (CSV)")


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
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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
