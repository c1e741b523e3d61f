"""Safety walks: a group leader records the route and the places pointed out on a phone;
the coordinator takes a finished walk into the situational picture."""

from __future__ import annotations

import math
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import locate_points, municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.situation.models import ObservationSource
from trygg.situation.services import observation_create
from trygg.situation.services.checks import actor_require

from ..models import SafetyWalk, WalkPoint, WalkStatus
from .common import (
    OBSERVATION_CATEGORY,
    _covering_group,
    _reasons_and_text_checked,
    _require_municipality,
    observation_text,
    text_check,
)

#: A walk's route keeps at most this many positions (about 8 hours at one every 1.5 s).
ROUTE_MAX_POINTS = 20_000
WALK_POINTS_MAX = 500


def _require_leader(actor, walk: SafetyWalk) -> None:
    actor_require(actor, Capability.REPORT_OBSERVATIONS)
    if walk.leader_id != actor.pk:
        raise PermissionDenied("only the group leader records the walk")


def walk_create(
    *,
    actor,
    title: str,
    walked_on: date | None = None,
    areas: list[Area] | None = None,
    participants: int | None = None,
    municipality: Municipality | None = None,
) -> SafetyWalk:
    """Start a walk; the signed-in user is its group leader."""
    actor_require(actor, Capability.REPORT_OBSERVATIONS)
    areas = list(areas or [])
    allowed = municipalities_for_user(actor)
    candidates = {a.municipality_id for a in areas} | ({municipality.pk} if municipality else set())
    if len(candidates) > 1:
        raise ValidationError({"areas": _("The areas belong to different municipalities.")})
    if not candidates:
        only = list(allowed[:2])
        if len(only) != 1:
            raise ValidationError({"areas": _("Pick the area the walk goes through.")})
        candidates = {only[0].pk}
    municipality = Municipality.objects.get(pk=next(iter(candidates)))
    _require_municipality(actor, municipality)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the walk a name.")})
    title = text_check(title, field="title", max_length=200)
    if participants is not None and not 0 <= participants <= 10000:
        raise ValidationError({"participants": _("The number of participants is not plausible.")})
    with transaction.atomic():
        walk = SafetyWalk.objects.create(
            municipality=municipality,
            title=title,
            walked_on=walked_on or timezone.localdate(),
            leader=actor,
            participants=participants,
            route={"type": "LineString", "coordinates": []},
        )
        walk.areas.set(areas)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="safety_walk",
            object_id=str(walk.public_id),
            municipality_code=municipality.code,
            summary=f"Started the safety walk {title}",
        )
    return walk


def _coordinate(value) -> tuple[float, float]:
    lon, lat = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        raise ValueError
    return round(lon, 6), round(lat, 6)


def walk_route_extend(*, actor, walk: SafetyWalk, coordinates: list) -> SafetyWalk:
    """Append positions ([lon, lat] pairs) to the route; sent in batches while walking."""
    _require_leader(actor, walk)
    try:
        points = [list(_coordinate(c)) for c in coordinates or []]
    except (TypeError, ValueError, IndexError):
        raise ValidationError(
            {"route": _("The route has a position that is not a coordinate.")}
        ) from None
    with transaction.atomic():
        walk = SafetyWalk.objects.select_for_update().get(pk=walk.pk)
        if walk.status != WalkStatus.RECORDING:
            raise ValidationError(_("The walk is finished."))
        route = walk.route_coordinates
        if len(route) + len(points) > ROUTE_MAX_POINTS:
            raise ValidationError({"route": _("The route is too long.")})
        # A resent batch repeats the last positions; skip exact repeats at the seam.
        while points and route and points[0] == route[-1]:
            points.pop(0)
        walk.route = {"type": "LineString", "coordinates": route + points}
        walk.save(update_fields=["route", "updated_at"])
    return walk


def walk_point_add(
    *,
    actor,
    walk: SafetyWalk,
    lat: float,
    lon: float,
    reasons: list[str],
    text: str = "",
    severity: int | None = None,
    client_key: str = "",
    recorded_at: datetime | None = None,
) -> tuple[WalkPoint, bool]:
    """One place pointed out on the walk. A resent point (same ``client_key``) counts once."""
    _require_leader(actor, walk)
    if client_key:
        existing = WalkPoint.objects.filter(walk=walk, client_key=client_key).first()
        if existing is not None:
            return existing, False
    errors: dict[str, list[str]] = {}
    reasons, text = _reasons_and_text_checked(reasons, text, errors)
    if severity is not None and severity not in (1, 2, 3):
        errors["severity"] = [_("Severity is 1, 2 or 3.")]
    try:
        lon, lat = _coordinate([lon, lat])
    except (TypeError, ValueError):
        errors["lat"] = [_("The position is not a valid coordinate.")]
    if errors:
        raise ValidationError(errors)
    code = locate_points(municipality=walk.municipality, lon=[lon], lat=[lat])[0]
    area = Area.objects.get(municipality=walk.municipality, code=code) if code else None
    with transaction.atomic():
        walk = SafetyWalk.objects.select_for_update().get(pk=walk.pk)
        if walk.status != WalkStatus.RECORDING:
            raise ValidationError(_("The walk is finished."))
        if walk.points.count() >= WALK_POINTS_MAX:
            raise ValidationError(_("The walk has too many points."))
        number = (walk.points.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        point = WalkPoint.objects.create(
            walk=walk,
            number=number,
            client_key=client_key,
            lat=lat,
            lon=lon,
            area=area,
            reasons=reasons,
            text=text,
            severity=severity,
            recorded_at=min(recorded_at or timezone.now(), timezone.now()),
        )
        if area is not None:
            walk.areas.add(area)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="walk_point",
            object_id=f"{walk.public_id}#{number}",
            municipality_code=walk.municipality.code,
            summary=f"Point {number} on the safety walk {walk.title}",
        )
    return point, True


def walk_finish(*, actor, walk: SafetyWalk, participants: int | None = None) -> SafetyWalk:
    _require_leader(actor, walk)
    if participants is not None and not 0 <= participants <= 10000:
        raise ValidationError({"participants": _("The number of participants is not plausible.")})
    with transaction.atomic():
        walk = SafetyWalk.objects.select_for_update().get(pk=walk.pk)
        if walk.status != WalkStatus.RECORDING:
            raise ValidationError(_("The walk is finished."))
        walk.status = WalkStatus.FINISHED
        walk.finished_at = timezone.now()
        if participants is not None:
            walk.participants = participants
        walk.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="safety_walk",
            object_id=str(walk.public_id),
            municipality_code=walk.municipality.code,
            summary=f"Finished the safety walk {walk.title}",
            details={"points": walk.points.count(), "route": len(walk.route_coordinates)},
        )
    return walk


def walk_to_observations(*, actor, walk: SafetyWalk) -> int:
    """The coordinator takes a finished walk's points into the situational picture.

    Each point becomes one observation (source "residents"); running it again adds
    nothing. Returns the number of new observations.
    """
    actor_require(actor, Capability.MODERATE_RESIDENT_REPORTS)
    _require_municipality(actor, walk.municipality)
    created = 0
    with transaction.atomic():
        walk = SafetyWalk.objects.select_for_update().get(pk=walk.pk)
        if walk.status == WalkStatus.RECORDING:
            raise ValidationError(_("The walk is still being recorded."))
        for point in walk.points.filter(observation__isnull=True).select_related("area"):
            observation, was_created = observation_create(
                actor=actor,
                municipality=walk.municipality,
                category=OBSERVATION_CATEGORY,
                severity=point.severity or 1,
                observed_at=point.recorded_at,
                text=observation_text(
                    point.reasons, point.text, prefix=f"Trygghetsvandring {walk.walked_on}"
                ),
                lat=point.lat,
                lon=point.lon,
                area=point.area,
                group=_covering_group(actor, walk.municipality, point.area),
                source=ObservationSource.RESIDENTS,
                source_id=f"walk-point-{point.pk}",
            )
            point.observation = observation
            point.save(update_fields=["observation"])
            created += was_created
        walk.status = WalkStatus.FOLLOWED_UP
        walk.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="safety_walk",
            object_id=str(walk.public_id),
            municipality_code=walk.municipality.code,
            summary=f"Took the safety walk {walk.title} into the situational picture",
            details={"observations": created},
        )
    return created


def walk_export_record(*, actor, walk: SafetyWalk, fmt: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="safety_walk",
        object_id=str(walk.public_id),
        municipality_code=walk.municipality.code,
        summary=f"Exported the safety walk {walk.title} ({fmt})",
        details={"format": fmt},
    )
