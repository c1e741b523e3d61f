"""Reads of operations and citizen promises (the evaluation is in :mod:`.evaluation`).

Operations are not personal data: every user who sees the situational picture of a
municipality sees its operations. Citizen promises, once published, are public.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.areas.models import Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.situation.models import WeeklyPicture

from .models import CitizenPromise, Operation


def operations_for_user(user) -> QuerySet[Operation]:
    if not (
        user.is_authenticated
        and (user.can(Capability.VIEW_SITUATION) or user.can(Capability.MANAGE_OPERATIONS))
    ):
        return Operation.objects.none()
    return (
        Operation.objects.filter(municipality__in=municipalities_for_user(user))
        .select_related("municipality", "lead_organisation")
        .prefetch_related("areas", "organisations")
    )


def operation_get_for_user(user, *, operation_id: int) -> Operation:
    try:
        return operations_for_user(user).get(pk=operation_id)
    except (Operation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


#: Weekly pictures offered for linking: from this many weeks before the operation starts
#: (the pictures that led to it) to a few weeks after it ends (its follow-up).
LINK_WEEKS_BEFORE = 12
LINK_WEEKS_AFTER = 4


def pictures_for_linking(user, operation: Operation) -> QuerySet[WeeklyPicture]:
    """The weekly pictures a planner may link to an operation: the operation's municipality,
    around its period, plus those already linked. Only planners (who see every group's
    picture) get any; the labels show a group's name and a week, never a report."""
    if not (
        user.is_authenticated
        and user.can(Capability.MANAGE_OPERATIONS)
        and user.can(Capability.VIEW_MUNICIPAL_PICTURE)
    ):
        return WeeklyPicture.objects.none()
    first = _monday(operation.starts_on) - timedelta(weeks=LINK_WEEKS_BEFORE)
    last = _monday(operation.ends_on) + timedelta(weeks=LINK_WEEKS_AFTER)
    weeks: dict[int, list[int]] = {}
    day = first
    while day <= last:
        iso = day.isocalendar()
        weeks.setdefault(iso.year, []).append(iso.week)
        day += timedelta(weeks=1)
    in_window = Q(pk__in=[])
    for year, numbers in weeks.items():
        in_window |= Q(iso_year=year, iso_week__in=numbers)
    linked = operation.weekly_pictures.values_list("pk", flat=True)
    return (
        WeeklyPicture.objects.filter(municipality=operation.municipality)
        .filter(in_window | Q(pk__in=list(linked)))
        .select_related("group", "municipality")
        .order_by("-iso_year", "-iso_week", "group__name")
    )


def promises_for_user(user) -> QuerySet[CitizenPromise]:
    if not (user.is_authenticated and user.can(Capability.MANAGE_OPERATIONS)):
        return CitizenPromise.objects.none()
    return CitizenPromise.objects.filter(municipality__in=municipalities_for_user(user))


def promise_get_for_user(user, *, promise_id: int) -> CitizenPromise:
    try:
        return promises_for_user(user).get(pk=promise_id)
    except (CitizenPromise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def promises_public(*, today: date | None = None) -> QuerySet[CitizenPromise]:
    """Published promises whose period has not ended: the public page's list."""
    today = today or timezone.localdate()
    return (
        CitizenPromise.objects.filter(is_public=True, ends_on__gte=today)
        .select_related("municipality")
        .prefetch_related("operations")
        .order_by("municipality__name", "starts_on")
    )


def promise_municipalities_public(*, today: date | None = None) -> list[dict]:
    """The municipalities with current public promises, for the overview: each with its
    promises (title and id), in name order."""
    overview: dict[int, dict] = {}
    for promise in promises_public(today=today):
        entry = overview.setdefault(
            promise.municipality_id, {"municipality": promise.municipality, "promises": []}
        )
        entry["promises"].append(promise)
    return list(overview.values())


def promises_public_of(*, code: str, today: date | None = None):
    """A municipality's current public promises: ``(municipality, promises)``, or 404 when
    there is no such municipality."""
    try:
        municipality = Municipality.objects.get(code=code)
    except Municipality.DoesNotExist:
        raise Http404 from None
    return municipality, promises_public(today=today).filter(municipality=municipality)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
