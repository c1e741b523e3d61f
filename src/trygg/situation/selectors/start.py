"""The situational picture's parts of the signed-in start page (registered in apps.py).

Each function takes the request and returns the ``block`` of one start-page template. The
scopes are those of :func:`picture_scopes_for_user`, so nobody sees a group they could not
open; the figures are the weekly picture's own (cached, or frozen when published).
"""

from __future__ import annotations

from django.urls import reverse

from trygg.analysis.situation import IsoWeek

from ..categories import category_label
from ..display import week_url
from ..models import Observation, PictureStatus, WeeklyPicture
from .figures import picture_figures
from .scope import current_week, picture_scopes_for_user

#: The start page lists at most this many rows per block; the full lists are one click away.
START_ROWS = 5
#: Rises are looked up in at most this many pictures (each one cached), so that a
#: municipality with very many groups does not make the start page slow.
START_RISE_SCOPES = 30


def start_week_rises(request) -> dict:
    """This week's real rises per group (and for the whole municipality), from the same
    test as the weekly picture (``is_real_rise``/``compare_to_usual`` with their named
    thresholds): the scopes with a rise first, each with its category × area cells."""
    week = current_week()
    rows = []
    for scope in picture_scopes_for_user(request.user)[:START_RISE_SCOPES]:
        _picture, figures = picture_figures(scope, week)
        changes = [
            {"category": category_label(change["category"]), "area": change["area_name"]}
            for change in figures["changes"]
        ]
        rows.append(
            {
                "name": scope.name,
                "url": week_url(scope, week),
                "total": figures["total"],
                "total_rise": figures["total_rise"],
                "changes": changes,
            }
        )
    rows.sort(key=lambda row: (not (row["total_rise"] or row["changes"]), row["name"]))
    # The calm ones on one line: the rises are what the coordinator acts on.
    calm = [row for row in rows if not (row["total_rise"] or row["changes"])]
    return {"week": week, "rows": rows, "calm": calm}


def start_unpublished_pictures(request) -> dict:
    """Last week's pictures not yet published: the week is over, the meeting is due."""
    week = current_week().shifted(-1)
    scopes = picture_scopes_for_user(request.user)
    # One query for the week's pictures of every scope, not one per group.
    status = {
        (municipality, group): picture_status
        for municipality, group, picture_status in WeeklyPicture.objects.filter(
            municipality__in={scope.municipality.pk for scope in scopes},
            iso_year=week.year,
            iso_week=week.week,
        ).values_list("municipality_id", "group_id", "status")
    }
    rows = []
    for scope in scopes:
        key = (scope.municipality.pk, scope.group.pk if scope.group else None)
        picture = status.get(key)
        if picture != PictureStatus.PUBLISHED:
            rows.append(
                {"name": scope.name, "url": week_url(scope, week), "started": picture is not None}
            )
    return {"week": week, "rows": rows}


def start_current_pictures(request) -> dict:
    """The user's own groups' pictures: this week's (live) and the latest published one."""
    week = current_week()
    rows = []
    for scope in picture_scopes_for_user(request.user):
        latest = (
            WeeklyPicture.objects.filter(
                municipality=scope.municipality, group=scope.group, status=PictureStatus.PUBLISHED
            )
            .order_by("-iso_year", "-iso_week")
            .first()
        )
        rows.append(
            {
                "name": scope.name,
                "url": week_url(scope, week),
                "published": latest,
                "published_url": (
                    reverse_week(scope, latest.iso_year, latest.iso_week) if latest else ""
                ),
            }
        )
    return {"week": week, "rows": rows}


def start_published_pictures(request) -> dict:
    """The latest published pictures of every scope the user may open, newest first."""
    scopes = {
        (scope.municipality.pk, scope.group.pk if scope.group else None): scope
        for scope in picture_scopes_for_user(request.user)
    }
    municipality_ids = {municipality for municipality, _group in scopes}
    pictures = (
        WeeklyPicture.objects.filter(
            municipality__in=municipality_ids, status=PictureStatus.PUBLISHED
        )
        .select_related("municipality", "group")
        .order_by("-published_at", "-iso_year", "-iso_week")
    )
    rows = []
    for picture in pictures[: START_ROWS * 4]:
        scope = scopes.get((picture.municipality_id, picture.group_id))
        if scope is None:
            continue
        rows.append(
            {
                "name": scope.name,
                "week": f"{picture.iso_year}-W{picture.iso_week:02d}",
                "published_at": picture.published_at,
                "url": reverse_week(scope, picture.iso_year, picture.iso_week),
            }
        )
        if len(rows) == START_ROWS:
            break
    return {"rows": rows}


def start_own_reports(request) -> dict:
    """The user's own latest reports: what they sent, and that it arrived."""
    observations = (
        Observation.objects.filter(reporter=request.user)
        .select_related("area")
        .order_by("-observed_at")[:START_ROWS]
    )
    return {
        "rows": [
            {
                "url": reverse("situation:observation", args=[o.public_id]),
                "category": category_label(o.category),
                "observed_at": o.observed_at,
                "area": o.area.name if o.area else o.place_name,
            }
            for o in observations
        ]
    }


def reverse_week(scope, year: int, week: int) -> str:
    return week_url(scope, IsoWeek(year, week))


def start_overdue_actions(request) -> dict:
    """The decided actions whose date has passed: every group's for the coordinator, the
    person's groups' and own otherwise (``overdue_actions_for``), the oldest first."""
    from .actions import overdue_actions_for

    actions = overdue_actions_for(request.user)
    return {"actions": list(actions[:8]), "total": actions.count()}
