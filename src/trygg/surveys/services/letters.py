"""The web questionnaire (issue 7): the letters with the codes, printed in a job."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from ..models import SurveyRound


def letters_file_path(job) -> Path:
    """Where a letters job leaves its PDF (names and addresses: deleted at the round's close)."""
    return Path(settings.VAR_DIR) / "letters" / f"{job.public_id}.pdf"


def survey_letters_start(*, survey_round: SurveyRound, kind: str, answer_url: str, actor):
    """Queue the invitation or reminder letters of a round as a background job."""
    from trygg.jobs.models import Job, JobKind
    from trygg.jobs.services import job_create

    from ..tasks import letters_task

    with transaction.atomic():
        job = job_create(kind=JobKind.LETTERS, municipality=survey_round.municipality, actor=actor)
        job.result = {"round": survey_round.pk, "kind": kind}
        job.save(update_fields=["result"])
    result = letters_task.enqueue(
        job_id=job.pk, round_id=survey_round.pk, kind=kind, answer_url=answer_url
    )
    Job.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()
    return job


def _letters_files_delete(survey_round: SurveyRound) -> int:
    from trygg.jobs.models import Job, JobKind

    deleted = 0
    for job in Job.objects.filter(kind=JobKind.LETTERS, municipality=survey_round.municipality):
        path = letters_file_path(job)
        if job.result.get("round") == survey_round.pk and path.exists():
            path.unlink()
            deleted += 1
    return deleted


def survey_letters_printed(
    *, survey_round: SurveyRound, kind: str, count: int, actor, what: str = "letters"
) -> None:
    """Printing letters or exporting the reminder list is logged: how many, never whom."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="survey_sample",
        object_id=str(survey_round.pk),
        municipality_code=survey_round.municipality.code,
        summary=f"Printed {count} {kind} {what} for the survey {survey_round}",
        details={"kind": kind, "count": count, "what": what},
    )
