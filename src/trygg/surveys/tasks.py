"""Background tasks of the survey: printing thousands of letters takes minutes. And what the
letters job means to the job system (registered from the app's ``ready``)."""

from __future__ import annotations

from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trygg.accounts.roles import Capability
from trygg.jobs.models import Job, JobKind
from trygg.jobs.services import job_finish, job_progress
from trygg.jobs.steps import register_kind, register_steps

from .letters import letters_pdf
from .models import SurveyRound
from .selectors import survey_letter_persons

#: The step the letters job reports.
STEP_LABELS = {"letters": _("Writing the letters")}


@task
def letters_task(*, job_id: int, round_id: int, kind: str, answer_url: str) -> dict:
    # Function-level: the services import this module to enqueue the task (a cycle);
    # this side of it stays in the function so that theirs can be at the top.
    from .services import letters_file_path

    job = Job.objects.get(pk=job_id)
    survey_round = SurveyRound.objects.select_related("municipality").get(pk=round_id)
    result = {"round": round_id, "kind": kind}
    persons = survey_letter_persons(survey_round=survey_round, reminder=kind == "reminder")
    if not persons:
        job_finish(job, ok=False, message="Nobody to write to.", result=result)
        return result
    job_progress(job, "letters", 0.0)
    pdf = letters_pdf(
        survey_round=survey_round,
        persons=persons,
        answer_url=answer_url,
        reminder=kind == "reminder",
        progress=lambda fraction: job_progress(job, "letters", fraction * 0.95),
    )
    path = letters_file_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    result["letters"] = len(persons)
    job_finish(job, ok=True, result=result)
    return result


def letters_done_url(job: Job) -> str:
    """Back to the letters page, which then offers the file (or says what went wrong)."""
    letters_url = reverse("surveys:letters", kwargs={"round_id": job.result.get("round", 0)})
    return f"{letters_url}?job={job.public_id}"


def register_jobs() -> None:
    """Tell the job system about the letters job: its step, who sees it (survey
    administrators), and the page it leads to."""
    register_steps(STEP_LABELS)
    register_kind(JobKind.LETTERS, capability=Capability.MANAGE_SURVEY, done_url=letters_done_url)
