"""Writes of background jobs: create, report progress, finish, and the worker's loss."""

from __future__ import annotations

from django.utils import timezone

from .models import Job, JobStatus
from .steps import kind_spec


def job_create(*, kind: str, municipality, actor=None) -> Job:
    return Job.objects.create(
        kind=kind,
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def job_progress(job: Job, step: str, fraction: float) -> None:
    """Record progress; an UPDATE outside any transaction, so the page sees it at once."""
    fields = {"step": step[:100], "progress": max(0.0, min(1.0, fraction))}
    if job.status == JobStatus.QUEUED:
        fields |= {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    Job.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def job_task_lost(*, task_id: str, attempts: int, retried: bool, timed_out: bool = False) -> None:
    """The worker of a job's task stopped (or the task ran past its timeout): the job goes
    back to the queue, or fails, and what its app keeps waiting on it (an upload) fails
    with it."""
    job = Job.objects.filter(task_id=task_id).first()
    if job is None:
        return
    if retried:
        job.status, job.step, job.progress = JobStatus.QUEUED, "", 0.0
        job.lost_attempts = attempts
        job.message = f"The worker stopped during attempt {attempts}; queued again."
    else:
        job.status = JobStatus.FAILED
        job.finished_at = timezone.now()
        job.timed_out = timed_out
        if timed_out:
            job.message = "The task ran past its timeout and was stopped."
        else:
            job.lost_attempts = attempts
            job.message = f"The worker stopped; failed after {attempts} attempts."
    job.save(
        update_fields=[
            "status", "step", "progress", "lost_attempts", "timed_out", "message", "finished_at",
        ]
    )  # fmt: skip
    spec = kind_spec(job.kind)
    if not retried and spec is not None and spec.on_lost is not None:
        spec.on_lost(job)


def job_finish(job: Job, *, ok: bool, message: str = "", result: dict | None = None) -> None:
    job.status = JobStatus.DONE if ok else JobStatus.FAILED
    job.progress = 1.0 if ok else job.progress
    job.message = message
    job.result = result or {}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "progress", "message", "result", "finished_at"])
