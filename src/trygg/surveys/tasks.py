"""Background tasks of the survey: printing thousands of letters takes minutes."""

from __future__ import annotations

from django.tasks import task


@task
def letters_task(*, job_id: int, round_id: int, kind: str, answer_url: str) -> dict:
    from trygg.imports.models import Job
    from trygg.imports.services import job_finish, job_progress

    from .letters import letters_pdf
    from .models import SurveyRound
    from .selectors import survey_letter_persons
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
