"""Reads for organisations, users and safety groups, scoped to what a user may see."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import Organisation, SafetyGroup, SafetyGroupMembership, User
from .roles import Capability
from .scoping import (
    area_model,
    municipalities_for_user,
    municipality_ids_for_user,
    municipality_model,
)


def safety_groups_for_user(user) -> QuerySet[SafetyGroup]:
    """Every safety group in the user's municipalities (names and areas are not sensitive)."""
    return (
        SafetyGroup.objects.filter(municipality__in=municipalities_for_user(user))
        .select_related("municipality", "lead_organisation")
        .prefetch_related(Prefetch("areas", queryset=area_model().objects.order_by("name")))
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


# --- the municipal administrator's pages (issue 14) -------------------------------------
#
# A municipal administrator manages the organisations that work only in municipalities the
# administrator's own organisation works in. An organisation that also works elsewhere (a
# police area spanning two municipalities) belongs to no single municipality: changing its
# users would change what another municipality's data is open to, so only the operator does.


def administers(user) -> bool:
    return bool(user.is_authenticated and user.can(Capability.ADMINISTER))


def organisations_for_administrator(user) -> QuerySet[Organisation]:
    if not administers(user):
        return Organisation.objects.none()
    own = municipality_ids_for_user(user)
    municipalities = municipality_model().objects
    return (
        Organisation.objects.filter(municipalities__in=own)
        .exclude(municipalities__in=municipalities.exclude(pk__in=own))
        .distinct()
        .prefetch_related("municipalities")
        .order_by("name")
    )


def organisation_get_for_administrator(user, *, organisation_id) -> Organisation:
    """One organisation the user administers; 404 for a missing one and another
    municipality's alike."""
    try:
        return organisations_for_administrator(user).get(pk=organisation_id)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def users_for_administrator(
    user,
    *,
    query: str = "",
    organisation: Organisation | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """The users of the organisations the user administers; the operator's accounts
    (superusers) are never among them."""
    users = User.objects.filter(
        organisation__in=organisations_for_administrator(user), is_superuser=False
    ).select_related("organisation")
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    if organisation is not None:
        users = users.filter(organisation=organisation)
    if role:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users.order_by("organisation__name", "last_name", "first_name", "username")


def user_get_for_administrator(user, *, user_id) -> User:
    try:
        return users_for_administrator(user).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def user_authenticators(*, user: User) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user).order_by("type")


def group_member_candidates(*, group: SafetyGroup) -> QuerySet[User]:
    """Active users who may join the group: their organisation works in its municipality,
    so membership shows them nothing of another municipality."""
    return (
        User.objects.filter(
            is_active=True,
            is_superuser=False,
            organisation__municipalities=group.municipality,
        )
        .exclude(group_memberships__group=group)
        .select_related("organisation")
        .distinct()
        .order_by("organisation__name", "last_name", "first_name", "username")
    )


def organisations_working_in(*, municipalities) -> QuerySet[Organisation]:
    return Organisation.objects.filter(municipalities__in=municipalities).distinct()
