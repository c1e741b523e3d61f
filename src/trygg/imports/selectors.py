"""Reads of uploads and background jobs, limited to what the user may see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from trygg.accounts.roles import Capability
from trygg.areas.selectors import municipalities_for_user

from .models import ImportUpload, Job, JobKind


def uploads_for_user(user) -> QuerySet[ImportUpload]:
    if not (user.is_authenticated and user.can(Capability.IMPORT_AREAS)):
        return ImportUpload.objects.none()
    return ImportUpload.objects.filter(
        municipality__in=municipalities_for_user(user)
    ).select_related("municipality", "source", "job", "created_by")


def upload_get_for_user(user, *, public_id) -> ImportUpload:
    try:
        return uploads_for_user(user).get(public_id=public_id)
    except (ImportUpload.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def jobs_for_user(user) -> QuerySet[Job]:
    """Import jobs for those who import, analysis jobs for those who run the analysis,
    letter printing for survey administrators."""
    if not user.is_authenticated:
        return Job.objects.none()
    kinds = []
    if user.can(Capability.IMPORT_AREAS):
        kinds += [JobKind.VALIDATE, JobKind.IMPORT]
    if user.can(Capability.RUN_ANALYSIS):
        kinds.append(JobKind.ANALYSIS)
    if user.can(Capability.MANAGE_SURVEY):
        kinds.append(JobKind.LETTERS)
    return Job.objects.filter(kind__in=kinds, municipality__in=municipalities_for_user(user))


def job_get_for_user(user, *, public_id) -> Job:
    try:
        return jobs_for_user(user).get(public_id=public_id)
    except (Job.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def job_notice(job: Job) -> str:
    """What the page says about a job whose worker stopped or that ran past its timeout."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    if job.timed_out:
        return _("The work took longer than allowed and was stopped.")
    if not job.lost_attempts:
        return ""
    if job.is_finished and job.status == "failed":
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
