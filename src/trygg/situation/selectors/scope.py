"""The scope of a weekly picture (a group or a whole municipality) and who may open it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.situation import (
    IsoWeek,
    week_of,
)
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import (
    municipalities_for_user,
)
from trygg.crime.models import ReportedCrime

from ..models import Observation, WeeklyPicture
from .observations import _in_groups


@dataclass(frozen=True)
class PictureScope:
    municipality: Municipality
    group: SafetyGroup | None

    @property
    def name(self) -> str:
        return self.group.name if self.group else self.municipality.name

    def areas(self) -> QuerySet[Area]:
        if self.group is not None:
            return self.group.areas.all()
        return Area.objects.filter(municipality=self.municipality, level=AreaLevel.AREA)

    def observations(self) -> QuerySet[Observation]:
        """Every observation in the scope, restricted ones too: for counting only."""
        observations = Observation.objects.filter(municipality=self.municipality)
        if self.group is not None:
            observations = observations.filter(_in_groups([self.group.pk]))
        return observations

    def crimes(self) -> QuerySet[ReportedCrime]:
        crimes = ReportedCrime.objects.filter(municipality=self.municipality)
        if self.group is not None:
            crimes = crimes.filter(area__in=self.group.areas.all())
        return crimes


def picture_scope_for_user(
    user, *, municipality_code: str | None = None, group_id: int | None = None
) -> PictureScope:
    """The scope of a weekly picture the user may see, or 404."""
    if not (user.is_authenticated and user.can(Capability.VIEW_SITUATION)):
        raise Http404
    municipalities = municipalities_for_user(user)
    if group_id is not None:
        try:
            group = SafetyGroup.objects.select_related("municipality").get(
                pk=group_id, municipality__in=municipalities
            )
        except SafetyGroup.DoesNotExist:
            raise Http404 from None
        if not (
            user.can(Capability.VIEW_MUNICIPAL_PICTURE)
            or group.memberships.filter(user=user).exists()
        ):
            raise Http404
        return PictureScope(group.municipality, group)
    if not user.can(Capability.VIEW_MUNICIPAL_PICTURE):
        raise Http404
    try:
        return PictureScope(municipalities.get(code=municipality_code), None)
    except Municipality.DoesNotExist:
        raise Http404 from None


def picture_scopes_for_user(user) -> list[PictureScope]:
    """The pictures a user can open, for the index page and the menu."""
    if not (user.is_authenticated and user.can(Capability.VIEW_SITUATION)):
        return []
    municipalities = list(municipalities_for_user(user).order_by("name"))
    groups = SafetyGroup.objects.filter(municipality__in=municipalities).select_related(
        "municipality"
    )
    if user.can(Capability.VIEW_MUNICIPAL_PICTURE):
        scopes = [PictureScope(m, None) for m in municipalities]
    else:
        scopes = []
        groups = groups.filter(memberships__user=user)
    return scopes + [PictureScope(g.municipality, g) for g in groups.order_by("name")]


def picture_get(scope: PictureScope, week: IsoWeek) -> WeeklyPicture | None:
    return WeeklyPicture.objects.filter(
        municipality=scope.municipality, group=scope.group, iso_year=week.year, iso_week=week.week
    ).first()


def pictures_published(scope: PictureScope) -> QuerySet[WeeklyPicture]:
    return WeeklyPicture.objects.filter(
        municipality=scope.municipality, group=scope.group, status="published"
    )


def current_week() -> IsoWeek:
    return week_of(timezone.now())
