"""The tenancy rule: a user sees the data of the municipalities the user's organisation
works in, and the areas that lie in them. Every scoped query in every app starts here.

The rule belongs to accounts, which declares the relation it rests on
(``Organisation.municipalities``). The models at the other end of accounts' relations
(``areas.Municipality``, ``areas.Area``) are reached through those relations rather than
imported, as the relations themselves name them by string: accounts stays below areas.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Organisation, SafetyGroup
from .roles import Capability


def municipality_model():
    """areas.Municipality, the tenant."""
    return Organisation.municipalities.field.related_model


def area_model():
    """areas.Area."""
    return SafetyGroup.areas.field.related_model


def _sees_areas(user) -> bool:
    return bool(user.is_authenticated and user.can(Capability.VIEW_AREAS))


def municipalities_for_user(user) -> QuerySet:
    municipality = municipality_model()
    if not _sees_areas(user):
        return municipality.objects.none()
    return municipality.objects.filter(pk__in=municipality_ids_for_user(user))


def municipality_ids_for_user(user) -> list[int]:
    """The ids of the municipalities the user's organisation works in.

    Read once per user object, i.e. once per request, and used as a literal list: as a
    subquery (organisation → municipalities, distinct) inside every scoped query it cost
    PostgreSQL 1–3 ms of planning per query, several times per request. The list is read
    again when the user's organisation changes.
    """
    if not _sees_areas(user):
        return []
    cached = getattr(user, "_trygg_municipality_ids", None)
    if cached is not None and cached[0] == user.organisation_id:
        return cached[1]
    ids = list(
        municipality_model()
        .objects.filter(organisations__users=user)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    user._trygg_municipality_ids = (user.organisation_id, ids)
    return ids


def municipality_get_for_user(user, *, code: str):
    municipality = municipality_model()
    try:
        return municipalities_for_user(user).get(code=code)
    except municipality.DoesNotExist:
        raise Http404 from None


def areas_for_user(user, *, municipality=None) -> QuerySet:
    areas = area_model().objects.filter(municipality__in=municipalities_for_user(user))
    if municipality is not None:
        areas = areas.filter(municipality=municipality)
    return areas.select_related("municipality", "parent")


def area_get_for_user(user, *, area_id: int):
    """One area, or 404 for a missing area and a forbidden one alike."""
    area = area_model()
    try:
        return areas_for_user(user).get(pk=area_id)
    except (area.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
