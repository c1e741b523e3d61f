"""Who reads which observation: the rule of the package docstring, the filters of the
list, its count and its pages, and what a reporter may report to."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from trygg.accounts.models import OrganisationKind, SafetyGroup
from trygg.accounts.roles import Capability
from trygg.areas.models import Area
from trygg.areas.selectors import (
    municipalities_for_user,
    municipality_ids_for_user,
)
from trygg.core.memo import memo

from ..models import Observation, Place


def is_police(user) -> bool:
    return bool(
        user.is_authenticated
        and user.organisation_id
        and user.organisation.kind == OrganisationKind.POLICE
    )


def _group_ids_of(user) -> list[int]:
    return list(user.group_memberships.values_list("group_id", flat=True))


def _in_groups(group_ids) -> Q:
    # The area ids are fetched first (a handful) rather than as a subquery: with literal
    # lists PostgreSQL combines the (group, observed_at) and (area, observed_at) indexes;
    # with a subquery it scans every observation of the municipality.
    group_ids = list(group_ids)
    areas = list(
        Area.objects.filter(safety_groups__in=group_ids).values_list("id", flat=True).distinct()
    )
    return Q(group_id__in=group_ids) | Q(area_id__in=areas)


def _readable(user, *, own: bool = True) -> QuerySet[Observation]:
    """The rule above. Without ``own``, only what the user reads by role, groups and
    organisation, not as the reporter: the same for every user of the same
    :func:`viewer_class`, so it may be cached for all of them."""
    if not user.is_authenticated or not (
        user.can(Capability.REPORT_OBSERVATIONS) or user.can(Capability.VIEW_ALL_OBSERVATIONS)
    ):
        return Observation.objects.none()
    observations = Observation.objects.filter(municipality_id__in=municipality_ids_for_user(user))
    if not user.can(Capability.VIEW_ALL_OBSERVATIONS):
        groups = _in_groups(_group_ids_of(user))
        observations = observations.filter(Q(reporter=user) | groups if own else groups)
    if not is_police(user):
        unrestricted = Q(restricted=False)
        observations = observations.filter(unrestricted | Q(reporter=user) if own else unrestricted)
    return observations


def observations_for_user(user) -> QuerySet[Observation]:
    """Every observation the user may read, with its text."""
    return _readable(user).select_related("area", "group", "place", "reporter", "municipality")


def viewer_class(user) -> str:
    """A digest of everything except the user's identity that decides which observations
    the user may read (see :func:`_readable` with ``own=False``): role capabilities,
    municipalities, police or not, and the groups with their areas. Two users with the same
    class read the same reports, apart from their own. One query for the groups; the
    organisation and the municipality ids are read at most once per user object."""
    if not user.is_authenticated:
        return "anonymous"
    view_all = user.can(Capability.VIEW_ALL_OBSERVATIONS)
    can_read = view_all or user.can(Capability.REPORT_OBSERVATIONS)
    police = is_police(user)
    municipalities = municipality_ids_for_user(user)
    groups, areas = [], []
    if not view_all:
        memberships = list(user.group_memberships.values_list("group_id", "group__areas"))
        groups = sorted({g for g, _a in memberships})
        areas = sorted({a for _g, a in memberships if a is not None})
    parts = (
        f"read={int(can_read)} all={int(view_all)} police={int(police)} "
        f"m={municipalities} g={groups} a={areas}"
    )
    return hashlib.sha256(parts.encode()).hexdigest()[:24]


def observations_filtered(
    observations: QuerySet[Observation],
    *,
    group: int | str | None = None,
    area: int | str | None = None,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Observation]:
    """The filters of the list page, its CSV export and the API: one implementation."""
    if group:
        observations = observations.filter(_in_groups([int(group)]))
    if area:
        observations = observations.filter(area_id=int(area))
    if category:
        observations = observations.filter(category=category)
    if since:
        observations = observations.filter(observed_at__gte=since)
    if until:
        observations = observations.filter(observed_at__lt=until)
    return observations


# How long a list's count may be reused at most; a new or edited report changes its key at
# once, this bounds what only culling (which deletes) or a changed membership could leave.
COUNT_CACHE_SECONDS = 60


def observations_count(user, observations: QuerySet[Observation], *, filters: dict) -> int:
    """``observations.count()`` for a list the user asked for with ``filters``, reused until
    a report in the user's municipalities is added or edited.

    Counting a group's month is most of what a page of the list costs (≈ 5 ms of SQL at a
    million reports), and the field app asks for the same page again and again. The key
    holds the user, what the user may read (:func:`viewer_class`) and the filters.
    """
    latest = (
        Observation.objects.filter(municipality=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    versions = list(
        municipalities_for_user(user).order_by("pk").values_list("pk", Subquery(latest))
    )
    key = (
        "trygg:observations-count:"
        + hashlib.sha256(
            repr((user.pk, viewer_class(user), sorted(filters.items()), versions)).encode()
        ).hexdigest()
    )
    return memo.get_or_set(key, observations.count, COUNT_CACHE_SECONDS)


def group_branches(group: int | str) -> list[Q]:
    """The group filter of :func:`observations_filtered` as separate conditions, each served
    by an index on (column, observed_at): the group itself and each of its areas."""
    group_id = int(group)
    areas = Area.objects.filter(safety_groups=group_id).order_by().values_list("id", flat=True)
    return [Q(group_id=group_id), *(Q(area_id=a) for a in areas)]


def observations_slice(
    observations: QuerySet[Observation],
    *,
    start: int,
    stop: int,
    branches: list[Q] | None = None,
) -> list[Observation]:
    """``observations`` newest first (``observed_at``, then ``id``), rows ``start:stop``.

    With ``branches`` (conditions whose union is what ``observations`` already selects),
    each branch is read newest first, at most ``stop`` rows along its own index, and the
    keys are merged; only the page's rows are then fetched whole. A group's list then reads a
    few hundred index entries instead of sorting every report of the period.
    """
    ordered = ("-observed_at", "-id")
    if not branches or stop <= start:
        return list(observations.order_by(*ordered)[start:stop])
    parts = [
        observations.filter(branch).order_by(*ordered).values_list("observed_at", "id")[:stop]
        for branch in branches
    ]
    if connection.features.supports_slicing_ordering_in_compound and len(parts) > 1:
        keys = list(parts[0].union(*parts[1:]))  # one round trip
    else:
        keys = [key for part in parts for key in part]
    ids = [i for _at, i in sorted(set(keys), reverse=True)[start:stop]]
    rows = {o.id: o for o in observations.filter(id__in=ids)}
    return [rows[i] for i in ids if i in rows]


def observation_get_for_user(user, *, public_id) -> Observation:
    try:
        return observations_for_user(user).get(public_id=public_id)
    except (Observation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def groups_for_reporting(user) -> QuerySet[SafetyGroup]:
    """The groups a user can report to: their own, or every group for coordinators."""
    groups = SafetyGroup.objects.filter(municipality__in=municipalities_for_user(user))
    if not user.can(Capability.VIEW_ALL_OBSERVATIONS):
        groups = groups.filter(memberships__user=user)
    return groups.select_related("municipality").order_by("municipality__code", "name")


def reporting_groups_by_id(user) -> dict[int, SafetyGroup]:
    """:func:`groups_for_reporting` by id, read once per user object (once per request).

    Filing a report asks twice whether the reporter may use a group: the API or form
    resolving the id, and the service's own check. Both answer from this one query. The
    groups are read again when the user's organisation or role changes.
    """
    key = (user.organisation_id, user.role)
    cached = getattr(user, "_trygg_reporting_groups", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    groups = {group.pk: group for group in groups_for_reporting(user)}
    user._trygg_reporting_groups = (key, groups)
    return groups


def places_for_user(user) -> QuerySet[Place]:
    return Place.objects.filter(municipality__in=municipalities_for_user(user)).select_related(
        "area", "municipality"
    )


def own_group_area_ids(user, areas: QuerySet[Area]) -> list[int]:
    """Which of ``areas`` belong to one of the user's safety groups: the phone form's map
    starts on them."""
    return list(areas.filter(safety_groups__memberships__user=user).values_list("id", flat=True))
