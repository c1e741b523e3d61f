"""Background jobs (with their progress) and the task queue that runs them.

The tables kept their names from the time these models lived in ``trygg.imports``
(``imports_job``, ``imports_taskrecord``): the move changed no data.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .steps import step_label


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobKind(models.TextChoices):
    """The kinds of job of every app. A fixed list (the column's choices); what each kind
    means to the job system (who sees it, where its page leads) the owning app registers
    in :mod:`trygg.jobs.steps`."""

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
        db_table = "imports_job"
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
        return step_label(self.step)

    @property
    def notice(self) -> str:
        """What the page says when the worker stopped or the job ran past its timeout."""
        # Function-level: the selectors import this module.
        from .selectors import job_notice

        return job_notice(self)

    @property
    def max_attempts(self) -> int:
        # Function-level: the backend imports this module.
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
        db_table = "imports_taskrecord"
        ordering = ["-priority", "enqueued_at"]
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")

    def __str__(self) -> str:
        return f"{self.task_path} {self.id} {self.status}"
