"""Background tasks (Django's tasks framework) of the guided import."""

from __future__ import annotations

from django.tasks import task

from trygg.analysis.errors import InputError


@task
def upload_task(*, upload_id: int, job_id: int, mode: str) -> dict:
    from .models import ImportUpload, Job, UploadStatus
    from .services import job_finish, upload_import, upload_validate

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
