"""Reads of uploads, limited to what the user may see (the jobs: :mod:`trygg.jobs.selectors`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from trygg.accounts.roles import Capability
from trygg.areas.selectors import municipalities_for_user

from .models import ImportUpload


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
