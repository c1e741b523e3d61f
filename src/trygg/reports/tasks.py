"""Background tasks of the reports app (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task


@task
def analysis_task(*, job_id: int, params: dict) -> dict:
    from trygg.analysis.pipeline import AnalysisParams
    from trygg.imports.models import Job
    from trygg.imports.services import job_finish, job_progress

    from .services import analysis_run_create

    job = Job.objects.select_related("municipality", "created_by").get(pk=job_id)
    # The pipeline's steps, in order, so that the bar moves evenly from step to step.
    steps = ["areas", "place crimes", "crime rates", "trends", "weighting", "survey indices",
             "hot spots", "priorities", "write tables", "report html", "report pdf"]  # fmt: skip

    def progress(step: str, fraction: float) -> None:
        position = steps.index(step) if step in steps else len(steps) - 1
        job_progress(job, step, (position + fraction) / len(steps) * 0.98)

    try:
        run = analysis_run_create(
            municipality=job.municipality,
            actor=job.created_by,
            params=AnalysisParams(**params),
            progress=progress,
        )
    except Exception as exc:
        job_finish(job, ok=False, message=f"{type(exc).__name__}: {exc}")
        raise
    job_finish(job, ok=True, result={"run": str(run.public_id), "year": run.year})
    return {"run": str(run.public_id)}
