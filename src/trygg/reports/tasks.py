"""Background tasks of the reports app (Django's tasks framework), and what the analysis
job means to the job system (registered from the app's ``ready``)."""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.jobs.models import Job, JobKind
from trygg.jobs.services import job_finish, job_progress
from trygg.jobs.steps import register_kind, register_steps

#: The steps of the analysis pipeline (trygg.analysis.pipeline), which knows nothing of
#: Django or translations and reports its English step names.
STEP_LABELS = {
    "read areas": _("Reading the areas"),
    "read population": _("Reading the population"),
    "read survey": _("Reading the survey answers"),
    "read crimes": _("Reading the reported crimes"),
    "read observations": _("Reading the observations"),
    "areas": _("Preparing the area boundaries"),
    "place crimes": _("Placing the crimes in areas"),
    "crime rates": _("Computing crime rates"),
    "trends": _("Computing trends"),
    "weighting": _("Weighting the survey answers"),
    "survey indices": _("Computing the survey indices"),
    "hot spots": _("Finding hot spots"),
    "priorities": _("Ranking the areas"),
    "write tables": _("Writing the tables"),
    "report html": _("Writing the report"),
    "report pdf": _("Making the PDF"),
}


@task
def analysis_task(*, job_id: int, params: dict) -> dict:
    # Function-level: the services import this module to enqueue the task (a cycle; this
    # side of it stays in the function so that theirs can be at the top), and the pipeline
    # is heavy (half a second), which the app's ``ready`` (it imports this module) skips.
    from trygg.analysis.pipeline import AnalysisParams

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


def analysis_done_url(job: Job) -> str:
    """The run the analysis made ("" until there is one)."""
    if not job.result.get("run"):
        return ""
    return reverse("reports:detail", kwargs={"public_id": job.result["run"]})


def register_jobs() -> None:
    """Tell the job system about the analysis job: the pipeline's steps, who sees the job
    (those who run the analysis), and the run it leads to."""
    register_steps(STEP_LABELS)
    register_kind(JobKind.ANALYSIS, capability=Capability.RUN_ANALYSIS, done_url=analysis_done_url)
