"""Reads of operations and citizen promises, and the evaluation of an operation.

Operations are not personal data: every user who sees the situational picture of a
municipality sees its operations. Citizen promises, once published, are public.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.analysis.evaluation import (
    DidResult,
    choose_comparison_areas,
    difference_in_differences,
    weekly_series,
)
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.crime.models import ReportedCrime
from trygg.situation.categories import categories
from trygg.situation.models import Observation, WeeklyPicture

from .models import CitizenPromise, Operation

#: The period before an operation that it is compared with: as long as the operation has
#: run, but at least MIN and at most MAX weeks.
MIN_BEFORE_WEEKS = 8
MAX_BEFORE_WEEKS = 26
COMPARISON_AREAS = 5


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


# --------------------------------------------------------------------------- evaluation


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def evaluation_periods(operation: Operation, *, today: date | None = None):
    """Whole ISO weeks before and after the start (the after period ends today at the latest)."""
    today = today or timezone.localdate()
    start = _monday(operation.starts_on)
    end = min(operation.ends_on, today - timedelta(days=1))
    after = max(0, (_monday(end) - start).days // 7 + 1) if end >= start else 0
    before = min(MAX_BEFORE_WEEKS, max(MIN_BEFORE_WEEKS, after))
    weeks_before = [start - timedelta(weeks=i) for i in range(before, 0, -1)]
    weeks_after = [start + timedelta(weeks=i) for i in range(after)]
    return weeks_before, weeks_after


def _events(outcome: str, operation: Operation, first: date, last: date) -> pl.DataFrame:
    from datetime import datetime, time

    since = datetime.combine(first, time.min, tzinfo=LOCAL)
    until = datetime.combine(last + timedelta(weeks=1), time.min, tzinfo=LOCAL)
    if outcome == "observations":
        rows = Observation.objects.filter(municipality=operation.municipality).exclude(area=None)
        if operation.categories:
            rows = rows.filter(category__in=operation.categories)
        field = "observed_at"
    else:
        rows = ReportedCrime.objects.filter(municipality=operation.municipality).exclude(area=None)
        crime_categories = {
            c for cat in categories() if cat.key in operation.categories for c in cat.crime
        }
        if crime_categories:
            rows = rows.filter(category__in=crime_categories)
        field = "occurred_at"
    counted = (
        rows.filter(**{f"{field}__gte": since, f"{field}__lt": until})
        .annotate(week=TruncWeek(field, tzinfo=LOCAL))
        .values("area_id", "week")
        .annotate(n=Count("id"))
        .values_list("area_id", "week", "n")
    )
    records = [
        (str(area_id), week.date() if hasattr(week, "date") else week)
        for area_id, week, n in counted
        for _ in range(n)
    ]
    return pl.DataFrame(records, schema={"area_code": pl.String, "week": pl.Date}, orient="row")


def operation_evaluation(
    operation: Operation, *, outcome: str = "observations", today: date | None = None
) -> dict:
    """Before/after against automatically chosen comparison areas, for one outcome
    (``observations`` of the operation's categories, or ``crimes`` of the matching crime
    categories)."""
    weeks_before, weeks_after = evaluation_periods(operation, today=today)
    treated = [str(a.pk) for a in operation.areas.all()]
    names = dict(Area.objects.filter(municipality=operation.municipality).values_list("id", "name"))
    if not weeks_after or not treated:
        return {"outcome": outcome, "result": None, "comparison": [], "weeks": (0, 0)}
    events = _events(outcome, operation, weeks_before[0], weeks_after[-1])
    before_events = events.filter(pl.col("week") < weeks_after[0])
    per_area = dict(before_events.group_by("area_code").len().iter_rows())
    candidates = pl.DataFrame(
        [
            (str(i), p or 0, per_area.get(str(i), 0))
            for i, p in Area.objects.filter(
                municipality=operation.municipality, level=AreaLevel.AREA
            ).values_list("id", "population")
        ],
        schema={"area_code": pl.String, "population": pl.Int64, "before": pl.Int64},
        orient="row",
    )
    comparison = choose_comparison_areas(candidates, treated=treated, k=COMPARISON_AREAS)
    result: DidResult = difference_in_differences(
        weekly_series(events, areas=treated, weeks=weeks_before),
        weekly_series(events, areas=treated, weeks=weeks_after),
        weekly_series(events, areas=comparison, weeks=weeks_before),
        weekly_series(events, areas=comparison, weeks=weeks_after),
    )
    return {
        "outcome": outcome,
        "result": result,
        "comparison": [names.get(int(c), c) for c in comparison],
        "weeks": (len(weeks_before), len(weeks_after)),
    }
