"""Reads of the meetings' decided actions, the groups' meetings and the overdue lists.

An action is seen by whoever may open its picture (the group's members, and the roles that
see every group's picture); :func:`overdue_actions_for` also gives a person the actions
they answer for themselves.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.situation import IsoWeek
from trygg.areas.selectors import municipalities_for_user

from ..models import (
    PENDING_STATUSES,
    DecidedAction,
    GroupMeeting,
    WeeklyPicture,
    week_index,
)
from .scope import PictureScope, picture_scope_for_user


def _index(week: IsoWeek) -> int:
    return week_index(week.year, week.week)


def _of_scope(scope: PictureScope) -> QuerySet[DecidedAction]:
    return DecidedAction.objects.filter(
        municipality=scope.municipality, group=scope.group
    ).select_related("responsible_organisation", "responsible_user", "picture")


def actions_decided(scope: PictureScope, week: IsoWeek) -> QuerySet[DecidedAction]:
    """The actions the week's meeting decided."""
    return _of_scope(scope).filter(decided_week=_index(week)).order_by("pk")


def actions_carried(scope: PictureScope, week: IsoWeek) -> QuerySet[DecidedAction]:
    """Earlier weeks' actions still pending when the week's meeting began (including those
    the meeting has just closed, so that the page shows what it marked)."""
    index = _index(week)
    return (
        _of_scope(scope)
        .filter(decided_week__lt=index)
        .filter(Q(closed_week__isnull=True) | Q(closed_week__gte=index))
        .order_by("due_on", "pk")
    )


def action_row(action: DecidedAction, *, week: IsoWeek | None = None, today=None) -> dict:
    """What a page, the PDF, the e-mail and the frozen snapshot show of one action."""
    today = today or timezone.localdate()
    status, due_on = action.status, action.due_on
    if week is not None:
        # As the week's meeting left it: its own review, or the last one before it (a
        # later meeting's word does not change an earlier week's page).
        reviews = [
            (week_index(r.picture.iso_year, r.picture.iso_week), r) for r in action.reviews.all()
        ]
        earlier = [r for w, r in reviews if w <= _index(week)]
        later = [r for w, r in reviews if w > _index(week)]
        if earlier:
            status, due_on = earlier[-1].status, earlier[-1].due_on
        elif later:
            status = "open"
    return {
        "id": action.pk,
        "what": action.what,
        "organisation": str(action.responsible_organisation or ""),
        "person": action.responsible_name
        or (
            (action.responsible_user.get_full_name() or action.responsible_user.username)
            if action.responsible_user_id
            else ""
        ),
        "due_on": due_on,
        "status": status,
        "status_label": str(dict(DecidedAction._meta.get_field("status").choices)[status]),
        "overdue": status in PENDING_STATUSES and due_on < today,
        "decided": IsoWeek(action.picture.iso_year, action.picture.iso_week),
    }


def _with_reviews(actions: QuerySet[DecidedAction]) -> list[DecidedAction]:
    return list(actions.prefetch_related("reviews__picture"))


def picture_actions(scope: PictureScope, week: IsoWeek, picture: WeeklyPicture | None) -> dict:
    """The week's decided and carried actions: the frozen copy once the picture is
    published, otherwise as they stand."""
    if picture is not None and picture.is_published and "actions" in picture.snapshot:
        return actions_thawed(picture.snapshot["actions"])
    return {
        "decided": [action_row(a, week=week) for a in _with_reviews(actions_decided(scope, week))],
        "carried": [action_row(a, week=week) for a in _with_reviews(actions_carried(scope, week))],
    }


def actions_frozen(actions: dict) -> dict:
    """The rows as JSON for the picture's snapshot."""
    return {
        key: [
            row | {"due_on": row["due_on"].isoformat(), "decided": str(row["decided"])}
            for row in rows
        ]
        for key, rows in actions.items()
    }


def actions_thawed(frozen: dict) -> dict:
    return {
        key: [
            row
            | {
                "due_on": date.fromisoformat(row["due_on"]),
                "decided": IsoWeek.parse(row["decided"]),
                # Overdue as the meeting saw it: frozen, like the figures.
            }
            for row in rows
        ]
        for key, rows in frozen.items()
    }


def action_get_for_user(user, *, action_id: int) -> DecidedAction:
    """One action whose picture the user may open, or 404."""
    try:
        action = DecidedAction.objects.select_related(
            "group", "municipality", "picture", "responsible_organisation", "responsible_user"
        ).get(pk=action_id)
    except (DecidedAction.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if action.group_id is not None:
        picture_scope_for_user(user, group_id=action.group_id)
    else:
        picture_scope_for_user(user, municipality_code=action.municipality.code)
    return action


def actions_pending(scope: PictureScope) -> QuerySet[DecidedAction]:
    return _of_scope(scope).filter(status__in=PENDING_STATUSES)


def actions_overdue(scope: PictureScope, *, today: date | None = None) -> QuerySet[DecidedAction]:
    return actions_pending(scope).filter(due_on__lt=today or timezone.localdate())


def overdue_actions_for(user, *, today: date | None = None) -> QuerySet[DecidedAction]:
    """The overdue actions a person should chase: every group's in their municipalities for
    those who see every picture (the coordinator), their groups' otherwise, and always the
    ones they answer for themselves. Oldest due first."""
    if not (user.is_authenticated and user.can(Capability.VIEW_SITUATION)):
        return DecidedAction.objects.none()
    municipalities = municipalities_for_user(user)
    mine = Q(responsible_user=user)
    if user.can(Capability.VIEW_MUNICIPAL_PICTURE):
        seen = Q(municipality__in=municipalities)
    else:
        seen = Q(group__memberships__user=user, municipality__in=municipalities)
    return (
        DecidedAction.objects.filter(seen | mine)
        .filter(status__in=PENDING_STATUSES, due_on__lt=today or timezone.localdate())
        .select_related("group", "municipality", "responsible_organisation", "responsible_user")
        .distinct()
        .order_by("due_on", "pk")
    )


def group_meeting_of(group: SafetyGroup) -> GroupMeeting | None:
    return GroupMeeting.objects.filter(group=group).select_related("contact_person").first()


def group_members_with_roles(group: SafetyGroup) -> list[tuple]:
    """(membership, its role key or "") for each member, by name."""
    memberships = group.memberships.select_related(
        "user", "user__organisation", "group_role"
    ).order_by("user__last_name", "user__first_name", "user__username")
    return [(m, getattr(m, "group_role", None)) for m in memberships]


def pictures_of_group(group: SafetyGroup, *, limit: int = 52) -> list[WeeklyPicture]:
    """The group's weekly pictures, latest first (a year of meetings)."""
    return list(
        WeeklyPicture.objects.filter(group=group).order_by("-iso_year", "-iso_week")[:limit]
    )
