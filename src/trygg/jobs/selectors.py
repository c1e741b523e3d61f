"""Reads of background jobs, limited to what the user may see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trygg.areas.selectors import municipalities_for_user

from .models import Job, JobStatus
from .steps import kind_spec, registered_kinds


def jobs_for_user(user) -> QuerySet[Job]:
    """The jobs of the kinds the user's capabilities cover (each app registers who sees
    its kinds: import jobs for those who import, analysis jobs for those who run the
    analysis, letter printing for survey administrators), in the user's municipalities."""
    if not user.is_authenticated:
        return Job.objects.none()
    kinds = [kind for kind, spec in registered_kinds().items() if user.can(spec.capability)]
    return Job.objects.filter(kind__in=kinds, municipality__in=municipalities_for_user(user))


def job_get_for_user(user, *, public_id) -> Job:
    try:
        return jobs_for_user(user).get(public_id=public_id)
    except (Job.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def job_done_url(job: Job) -> str:
    """The page a finished job leads to, as its app registered it ("" when none)."""
    spec = kind_spec(job.kind)
    if spec is None or spec.done_url is None:
        return ""
    return spec.done_url(job)


def job_notice(job: Job) -> str:
    """What the page says about a job whose worker stopped or that ran past its timeout."""
    if job.timed_out:
        return _("The work took longer than allowed and was stopped.")
    if not job.lost_attempts:
        return ""
    if job.is_finished and job.status == JobStatus.FAILED:
        return ngettext(
            "The worker stopped; failed after %(n)d attempt.",
            "The worker stopped; failed after %(n)d attempts.",
            job.lost_attempts,
        ) % {"n": job.lost_attempts}
    if job.is_finished:
        return ""
    return _("The worker stopped; retried (attempt %(n)d of %(max)d).") % {
        "n": job.lost_attempts + 1,
        "max": job.max_attempts,
    }
