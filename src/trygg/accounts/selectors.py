"""Reads for organisations, users and safety groups, scoped to what a user may see."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from trygg.areas.models import Area
from trygg.areas.selectors import municipalities_for_user

from .models import SafetyGroup, SafetyGroupMembership


def safety_groups_for_user(user) -> QuerySet[SafetyGroup]:
    """Every safety group in the user's municipalities (names and areas are not sensitive)."""
    return (
        SafetyGroup.objects.filter(municipality__in=municipalities_for_user(user))
        .select_related("municipality", "lead_organisation")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.order_by("name")))
        .annotate(member_count=Count("memberships", distinct=True))
    )


def safety_groups_of_user(user) -> QuerySet[SafetyGroup]:
    return safety_groups_for_user(user).filter(memberships__user=user)


def safety_group_get_for_user(user, *, group_id: int) -> SafetyGroup:
    try:
        return safety_groups_for_user(user).get(pk=group_id)
    except (SafetyGroup.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def safety_group_members(*, group: SafetyGroup) -> QuerySet[SafetyGroupMembership]:
    return group.memberships.select_related("user", "user__organisation").order_by(
        "-is_convener", "user__organisation__name", "user__last_name", "user__username"
    )
