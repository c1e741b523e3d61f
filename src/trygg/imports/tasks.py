"""Background tasks (Django's tasks framework) of the guided import, and what its jobs mean
to the job system (registered from :class:`~trygg.imports.apps.ImportsConfig`)."""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError
from trygg.jobs.models import Job, JobKind
from trygg.jobs.services import job_finish
from trygg.jobs.steps import register_kind, register_steps

from .models import ImportUpload, UploadStatus

#: The steps the guided import reports (trygg.imports.services).
STEP_LABELS = {
    "prepare": _("Preparing the file"),
    "read": _("Reading the file"),
    "check": _("Checking every row"),
    "checked": _("Checked"),
    "store": _("Reading, checking and storing the rows"),
    "stored": _("Stored"),
}


@task
def upload_task(*, upload_id: int, job_id: int, mode: str) -> dict:
    # Function-level: the services import this module to enqueue the task (a cycle);
    # this side of it stays in the function so that theirs can be at the top.
    from .services import upload_import, upload_validate

    upload = ImportUpload.objects.select_related("municipality", "created_by").get(pk=upload_id)
    job = Job.objects.get(pk=job_id)
    try:
        if mode == "validate":
            ok = upload_validate(upload, job=job)
            job_finish(job, ok=True, result={"valid": ok, "problems": upload.problem_count})
            return {"valid": ok}
        counts = upload_import(upload, job=job)
    except InputError as exc:
        job_finish(job, ok=False, message=str(exc), result={"problems": upload.problem_count})
        return {"problems": upload.problem_count}
    except Exception as exc:
        upload.status = UploadStatus.FAILED
        upload.save(update_fields=["status"])
        job_finish(job, ok=False, message=f"{type(exc).__name__}: {exc}")
        raise
    job_finish(job, ok=True, result=counts)
    return counts


def _upload_job_lost(job: Job) -> None:
    # Function-level: the services import this module (see upload_task).
    from .services import upload_job_lost

    upload_job_lost(job)


def register_jobs() -> None:
    """Tell the job system about the import's jobs: their steps, who sees them (those who
    import), and that an upload fails with its job when the job's worker is lost."""
    register_steps(STEP_LABELS)
    for kind in (JobKind.VALIDATE, JobKind.IMPORT):
        register_kind(kind, capability=Capability.IMPORT_AREAS, on_lost=_upload_job_lost)
