"""Reports of the situational picture: filed on the phone form, through the API, by an
import or from the residents' app, and corrected by their reporter. Every rule that a form,
the API and an import share lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import municipalities_for_user, municipality_ids_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from ..categories import category_keys
from ..models import Observation, ObservationSource, Place
from ..selectors import groups_for_reporting, reporting_groups_by_id
from .checks import actor_require, point_area, point_check, text_check

#: A report may be dated a few minutes ahead: phones' clocks drift.
CLOCK_SLACK = timedelta(minutes=10)
#: No report is older than the platform's data; a year such as 0001 is a typing error, and
#: one that cannot be converted to UTC breaks every week and export that meets it.
EARLIEST_OBSERVATION = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Where:
    municipality: Municipality
    lat: float | None
    lon: float | None
    place: Place | None
    area: Area | None


def _where(
    actor,
    *,
    municipality: Municipality | None,
    group: SafetyGroup | None,
    lat: float | None,
    lon: float | None,
    place: Place | None,
    area: Area | None,
) -> Where:
    allowed = municipalities_for_user(actor)
    candidates = {
        m.pk: m
        for m in (
            municipality,
            group.municipality if group else None,
            place.municipality if place else None,
            area.municipality if area else None,
        )
        if m is not None
    }
    if len(candidates) > 1:
        raise ValidationError(_("The group, place and area belong to different municipalities."))
    if not candidates:
        only = list(allowed[:2])
        if len(only) != 1:
            raise ValidationError(_("Choose the safety group or area the report belongs to."))
        candidates = {only[0].pk: only[0]}
    (municipality,) = candidates.values()
    if municipality.pk not in municipality_ids_for_user(actor):
        raise ValidationError(_("You cannot report in that municipality."))
    point_check(lat, lon)
    # A point given by the reporter (not taken from a named place, whose position the
    # municipality keeps) must lie in the municipality, whatever area is named with it.
    given_point = lat is not None and (place is None or (lat, lon) != (place.lat, place.lon))
    if place is not None and lat is None:
        lat, lon = place.lat, place.lon
    if lat is None and area is None:
        raise ValidationError(
            _("Say where: tap the map, use your position, or pick a named place or an area.")
        )
    if area is not None and area.level != AreaLevel.AREA:
        raise ValidationError(_("Pick an area, not a district."))
    if area is None and place is not None and place.area_id:
        area = place.area
    if lat is not None and (area is None or given_point):
        area = point_area(
            municipality,
            lat=lat,
            lon=lon,
            named=area,
            outside=_("The position lies outside the municipality's areas."),
        )
    return Where(municipality, lat, lon, place, area)


def _check_fields(*, category: str, severity: int, observed_at: datetime, people_count) -> None:
    errors: dict[str, str] = {}
    if category not in category_keys():
        errors["category"] = _("Unknown category.")
    if severity not in (1, 2, 3):
        errors["severity"] = _("Severity is 1, 2 or 3.")
    if observed_at is None or timezone.is_naive(observed_at):
        errors["observed_at"] = _("Give the time with its time zone.")
    elif observed_at > timezone.now() + CLOCK_SLACK:
        errors["observed_at"] = _("The time lies in the future.")
    elif observed_at < EARLIEST_OBSERVATION:
        errors["observed_at"] = _("The time lies before %(year)d; check the year.") % {
            "year": EARLIEST_OBSERVATION.year
        }
    if people_count is not None and not 0 <= people_count <= 10000:
        errors["people_count"] = _("The number of people is not plausible.")
    if errors:
        raise ValidationError(errors)


def _default_group(actor, where: Where, group: SafetyGroup | None) -> SafetyGroup | None:
    if group is not None:
        if (
            group.pk not in reporting_groups_by_id(actor)
            or group.municipality_id != where.municipality.pk
        ):
            raise ValidationError({"group": _("You do not report to that safety group.")})
        return group
    reporting = groups_for_reporting(actor).filter(municipality=where.municipality)
    mine = reporting.filter(memberships__user=actor)
    if where.area is not None:
        covering = mine.filter(areas=where.area).first()
        if covering is not None:
            return covering
    return mine.first() if mine.count() == 1 else None


def observation_create(
    *,
    actor,
    category: str,
    severity: int,
    observed_at: datetime | None = None,
    text: str = "",
    lat: float | None = None,
    lon: float | None = None,
    place: Place | None = None,
    area: Area | None = None,
    group: SafetyGroup | None = None,
    municipality: Municipality | None = None,
    people_count: int | None = None,
    restricted: bool = False,
    source: str = ObservationSource.WEB,
    source_id: str = "",
) -> tuple[Observation, bool]:
    """Save one report. Returns ``(observation, created)``.

    ``source_id`` makes a retried submission harmless: the same reporter sending the same
    key again gets the stored report back instead of a second one.
    """
    actor_require(actor, Capability.REPORT_OBSERVATIONS)
    observed_at = observed_at or timezone.now()
    _check_fields(
        category=category, severity=severity, observed_at=observed_at, people_count=people_count
    )
    text = text_check(text)
    where = _where(
        actor, municipality=municipality, group=group, lat=lat, lon=lon, place=place, area=area
    )
    group = _default_group(actor, where, group)
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                municipality=where.municipality,
                reporter=actor,
                group=group,
                observed_at=observed_at,
                category=category,
                severity=severity,
                people_count=people_count,
                text=text,
                lat=where.lat,
                lon=where.lon,
                place=where.place,
                place_name=where.place.name if where.place else "",
                area=where.area,
                restricted=restricted,
                source=source,
                source_id=source_id,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="observation",
                object_id=str(observation.public_id),
                municipality_code=where.municipality.code,
                summary=f"Reported observation {category} severity {severity}",
                details={"source": source, "restricted": restricted, "group": group and group.pk},
            )
    except IntegrityError:
        # The key was sent before (a retry, or two racing): the first report stands. Asking
        # the unique index instead of looking first saves a query on every new report.
        if not source_id:
            raise
        existing = Observation.objects.filter(
            municipality=where.municipality, source=source, source_id=source_id, reporter=actor
        ).first()
        if existing is None:
            raise
        return existing, False
    return observation, True


EDITABLE = (
    "category",
    "severity",
    "observed_at",
    "text",
    "people_count",
    "restricted",
    "lat",
    "lon",
    "place",
    "area",
    "group",
)


def observation_update(*, actor, observation: Observation, **changes: Any) -> Observation:
    """The reporter corrects their own report; published pictures keep their copy."""
    actor_require(actor, Capability.REPORT_OBSERVATIONS)
    if observation.reporter_id != actor.pk:
        raise PermissionDenied("only the reporter edits a report")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = {field: getattr(observation, field) for field in EDITABLE} | changes
    _check_fields(
        category=values["category"],
        severity=values["severity"],
        observed_at=values["observed_at"],
        people_count=values["people_count"],
    )
    values["text"] = text_check(values["text"])
    moved = {"lat", "lon", "place", "area"} & set(changes)
    if moved:
        if "area" not in changes and ({"lat", "lon", "place"} & set(changes)):
            values["area"] = None  # recomputed from the new point
        where = _where(
            actor,
            municipality=observation.municipality,
            group=values["group"],
            lat=values["lat"],
            lon=values["lon"],
            place=values["place"],
            area=values["area"],
        )
        values.update(lat=where.lat, lon=where.lon, area=where.area, place=where.place)
        values["place_name"] = where.place.name if where.place else ""
    if (
        "group" in changes
        and changes["group"] is not None
        and changes["group"].pk not in reporting_groups_by_id(actor)
    ):
        raise ValidationError({"group": _("You do not report to that safety group.")})
    changed = {k: v for k, v in values.items() if getattr(observation, k) != v}
    if not changed:
        return observation
    with transaction.atomic():
        for key, value in changed.items():
            setattr(observation, key, value)
        observation.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="observation",
            object_id=str(observation.public_id),
            municipality_code=observation.municipality.code,
            summary=f"Changed observation: {', '.join(sorted(changed))}",
            details={"fields": sorted(changed)},
        )
    return observation


def export_record(*, actor, what: str, municipality_code: str = "", details: dict) -> None:
    """Every export is logged: who took which rows out."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=what,
        municipality_code=municipality_code,
        summary=f"Exported {what}",
        details=details,
    )
