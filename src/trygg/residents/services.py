"""Writes: residents' reports (public), their moderation, and safety walks.

Every write is atomic and audited. The public submission is audited without an actor and
without the sender's address: the report itself is all the log needs.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import locate_points, municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.situation.models import TEXT_MAX_LENGTH as OBSERVATION_TEXT_MAX
from trygg.situation.models import ObservationSource
from trygg.situation.selectors import groups_for_reporting
from trygg.situation.services import observation_create

from .models import (
    PUBLIC_MESSAGE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    RateBucket,
    RateSalt,
    RejectReason,
    ReportStatus,
    ResidentReport,
    SafetyWalk,
    WalkPoint,
    WalkStatus,
    WhenSeen,
)
from .privacy import personal_data_problem
from .reasons import reason_keys, reason_labels

#: The category that approved reports and walk points get in the situational picture.
OBSERVATION_CATEGORY = "unsafe_place"
#: A walk's route keeps at most this many positions (about 8 hours at one every 1.5 s).
ROUTE_MAX_POINTS = 20_000
WALK_POINTS_MAX = 500
# A representative hour for "when", so an approved report lands in a plausible cell of the
# weekday × time grid; "usually" and unknown take midday.
WHEN_HOUR = {
    WhenSeen.MORNING: 8,
    WhenSeen.DAYTIME: 13,
    WhenSeen.EVENING: 20,
    WhenSeen.NIGHT: 23,
}


def _setting(name: str, default):
    return getattr(settings, name, default)


def _require(actor, capability: str) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(capability)):
        raise PermissionDenied(capability)


def _require_municipality(actor, municipality: Municipality) -> None:
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied("municipality")


# ------------------------------------------------------------------------- checks


def text_check(text: str, *, field: str = "text", max_length: int = TEXT_MAX_LENGTH) -> str:
    """The free text, stripped; refused when it holds an identity number or contact details."""
    text = (text or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            {field: _("Keep it short: at most %(n)d characters.") % {"n": max_length}}
        )
    problem = personal_data_problem(text)
    if problem == "pin":
        raise ValidationError(
            {
                field: _(
                    "The text contains a personal identity number. Reports are about places, "
                    "never about people: remove the number and send again. Nothing was saved."
                )
            }
        )
    if problem == "email":
        raise ValidationError(
            {
                field: _(
                    "The text contains an e-mail address. Reports are anonymous: remove it and "
                    "send again. You follow your report through the receipt link instead."
                )
            }
        )
    if problem == "phone":
        raise ValidationError(
            {
                field: _(
                    "The text contains a telephone number. Reports are anonymous and nobody "
                    "will call: remove the number and send again."
                )
            }
        )
    return text


def reasons_check(reasons, *, field: str = "reasons") -> list[str]:
    chosen = [str(r) for r in (reasons or [])]
    known = reason_keys()
    if not chosen:
        raise ValidationError({field: _("Pick at least one thing that makes the place unsafe.")})
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise ValidationError(
            {field: _("Unknown choice: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    # Stored in the list's order, so that equal choices compare equal.
    return [k for k in known if k in chosen]


def _locate(
    municipality: Municipality, *, lat: float | None, lon: float | None, area: Area | None
) -> tuple[float | None, float | None, Area | None]:
    """The point and its area, or the area alone; refused outside the municipality."""
    if (lat is None) != (lon is None):
        raise ValidationError({"lat": _("A position needs both latitude and longitude.")})
    if lat is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"lat": _("The position is not a valid coordinate.")})
        code = locate_points(municipality=municipality, lon=[lon], lat=[lat])[0]
        if code:
            return lat, lon, Area.objects.get(municipality=municipality, code=code)
        if Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).exists():
            raise ValidationError(
                {
                    "lat": _(
                        "The marked place lies outside %(name)s. Move the marker, or pick an "
                        "area from the list."
                    )
                    % {"name": municipality.name}
                }
            )
        return lat, lon, None
    if area is None:
        raise ValidationError(
            {"lat": _("Say where: tap the map, use your position, or pick an area.")}
        )
    if area.municipality_id != municipality.pk or area.level != AreaLevel.AREA:
        raise ValidationError({"area": _("Pick one of the municipality's areas.")})
    return None, None, area


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; exact enough for tens of metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ------------------------------------------------------------------- rate limiting


class RateLimited(Exception):
    """Too many reports from one address; the message says when to try again."""


def _day_salt(today: date) -> bytes:
    """Today's random salt, drawn once (shared by every worker through the database) and
    deleted with yesterday's counters: a counter cannot outlive the salt that reads it."""
    salt = RateSalt.objects.filter(day=today).values_list("salt", flat=True).first()
    if salt is None:
        with transaction.atomic():
            RateSalt.objects.exclude(day=today).delete()
            RateBucket.objects.all().delete()
            RateSalt.objects.get_or_create(day=today, defaults={"salt": secrets.token_hex(32)})
        salt = RateSalt.objects.get(day=today).salt
    return bytes.fromhex(salt)


def _bucket_keys(address: str | None, now: datetime) -> tuple[str, str]:
    """The keys of the hour's and the day's counters of an address."""
    local = timezone.localtime(now)
    salt = _day_salt(local.date())

    def key(period: str) -> str:
        message = f"residents:{period}:{address or '-'}".encode()
        return hmac.new(salt, message, hashlib.sha256).hexdigest()

    return key(f"hour-{local.hour}"), key("day")


def rate_counts(address: str | None, *, now: datetime | None = None) -> tuple[int, int]:
    """Reports accepted from the address this clock hour and today."""
    hour_key, day_key = _bucket_keys(address, now or timezone.now())
    counts = dict(
        RateBucket.objects.filter(key__in=[hour_key, day_key]).values_list("key", "count")
    )
    return counts.get(hour_key, 0), counts.get(day_key, 0)


def rate_check(address: str | None) -> None:
    hour, day = rate_counts(address)
    if hour >= _setting("TRYGG_RESIDENT_RATE_PER_HOUR", 5):
        raise RateLimited(
            _("Many reports have come from your connection in the last hour. Try again later.")
        )
    if day >= _setting("TRYGG_RESIDENT_RATE_PER_DAY", 20):
        raise RateLimited(
            _("Many reports have come from your connection today. Try again tomorrow.")
        )


def challenge_required(address: str | None) -> bool:
    """After a few reports from one address, a person answers a simple question."""
    return rate_counts(address)[0] >= _setting("TRYGG_RESIDENT_CHALLENGE_AFTER", 2)


def rate_record(address: str | None, *, now: datetime | None = None) -> None:
    """Count one report. Called outside the report's transaction, so that the counter's row
    never carries the report's transaction id (PostgreSQL's xmin)."""
    for key in _bucket_keys(address, now or timezone.now()):
        with transaction.atomic():
            updated = RateBucket.objects.filter(key=key).update(count=F("count") + 1)
            if not updated:
                _, created = RateBucket.objects.get_or_create(key=key, defaults={"count": 1})
                if not created:
                    RateBucket.objects.filter(key=key).update(count=F("count") + 1)


# ---------------------------------------------------------------- public submission


@dataclass(frozen=True)
class Submission:
    report: ResidentReport
    created: bool
    # True when the report joined an earlier one of the same place and reasons.
    merged: bool


def _client_key_hash(client_key: str) -> str:
    return hashlib.sha256(client_key.encode()).hexdigest() if client_key else ""


def _duplicate_of(
    municipality: Municipality,
    *,
    reasons: list[str],
    lat: float | None,
    lon: float | None,
    area: Area | None,
    today: date,
) -> ResidentReport | None:
    days = _setting("TRYGG_RESIDENT_DUPLICATE_DAYS", 7)
    metres = _setting("TRYGG_RESIDENT_DUPLICATE_METRES", 30)
    recent = ResidentReport.objects.filter(
        municipality=municipality, created_on__gte=today - timedelta(days=days)
    ).exclude(status=ReportStatus.REJECTED)
    if lat is None:
        candidates = recent.filter(lat__isnull=True, area=area)
    else:
        # A box of the radius first (one degree of latitude is about 111 km), then the
        # exact distance.
        dlat = metres / 111_000
        dlon = metres / (111_000 * max(math.cos(math.radians(lat)), 0.01))
        candidates = recent.filter(
            lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
        )
    best = None
    for candidate in candidates.order_by("created_on", "id"):
        if sorted(candidate.reasons) != sorted(reasons):
            continue
        if lat is not None and distance_metres(lat, lon, candidate.lat, candidate.lon) > metres:
            continue
        best = candidate
        break
    return best


def resident_report_submit(
    *,
    municipality: Municipality,
    reasons: list[str],
    text: str = "",
    when: str = "",
    lat: float | None = None,
    lon: float | None = None,
    area: Area | None = None,
    client_key: str = "",
    address: str | None = None,
) -> Submission:
    """A resident's report from the public form.

    Checks the rate limit of the sender's address, refuses personal data, and merges a
    report of the same place and reasons into the earlier one ("+1 agree"). A resent form
    (the same ``client_key``) gets its first receipt back and counts once.
    """
    key_hash = _client_key_hash(client_key)
    if key_hash:
        resent = ResidentReport.objects.filter(
            municipality=municipality, client_key_hash=key_hash
        ).first()
        if resent is not None:
            return Submission(resent, created=False, merged=False)
    rate_check(address)
    errors: dict[str, list[str]] = {}
    reasons, text = _reasons_and_text_checked(reasons, text, errors)
    if when and when not in WhenSeen.values:
        errors["when"] = [_("Unknown choice.")]
    try:
        lat, lon, area = _locate(municipality, lat=lat, lon=lon, area=area)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with transaction.atomic():
        earlier = _duplicate_of(
            municipality, reasons=reasons, lat=lat, lon=lon, area=area, today=today
        )
        if earlier is not None:
            ResidentReport.objects.filter(pk=earlier.pk).update(
                agree_count=F("agree_count") + 1, updated_at=timezone.now()
            )
            earlier.refresh_from_db()
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                object_type="resident_report",
                object_id=str(earlier.public_id),
                municipality_code=municipality.code,
                summary="A resident's report of the same place was merged into this one",
                details={"agree_count": earlier.agree_count},
            )
            submission = Submission(earlier, created=False, merged=True)
        else:
            report = ResidentReport.objects.create(
                municipality=municipality,
                client_key_hash=key_hash,
                lat=lat,
                lon=lon,
                area=area,
                reasons=reasons,
                text=text,
                when=when,
                created_on=today,
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                object_type="resident_report",
                object_id=str(report.public_id),
                municipality_code=municipality.code,
                summary="A resident reported an unsafe place",
                details={"reasons": reasons, "area": area.code if area else None},
            )
            submission = Submission(report, created=True, merged=False)
    rate_record(address)
    return submission


# ----------------------------------------------------------------------- moderation


def _moderation_target(actor, report: ResidentReport) -> None:
    _require(actor, Capability.MODERATE_RESIDENT_REPORTS)
    _require_municipality(actor, report.municipality)


def _covering_group(actor, municipality: Municipality, area: Area | None) -> SafetyGroup | None:
    """The safety group whose areas hold the place, if the moderator may report to it."""
    if area is None:
        return None
    return (
        groups_for_reporting(actor)
        .filter(municipality=municipality, areas=area)
        .order_by("name")
        .first()
    )


def _observed_at(day: date, when: str) -> datetime:
    moment = datetime.combine(day, time(WHEN_HOUR.get(when, 12)), tzinfo=LOCAL)
    return min(moment, timezone.now())


def observation_text(reasons: list[str], text: str, *, prefix: str) -> str:
    """The observation's text in the municipality's language: the reasons, then the words."""
    head = f"{prefix}: {', '.join(reason_labels(reasons, language='sv'))}."
    full = f"{head} {text}".strip() if text else head
    # Every reason plus the longest text can pass the observation's limit: shorten the end.
    return full if len(full) <= OBSERVATION_TEXT_MAX else full[: OBSERVATION_TEXT_MAX - 1] + "…"


def resident_report_approve(
    *,
    actor,
    report: ResidentReport,
    severity: int = 1,
    public_message: str = "",
    internal_note: str = "",
) -> ResidentReport:
    """Approve a report: it becomes an observation (source "residents") in the picture."""
    _moderation_target(actor, report)
    if severity not in (1, 2, 3):
        raise ValidationError({"severity": _("Severity is 1, 2 or 3.")})
    public_message = text_check(
        public_message, field="public_message", max_length=PUBLIC_MESSAGE_MAX_LENGTH
    )
    with transaction.atomic():
        report = ResidentReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.RECEIVED:
            raise ValidationError(_("The report has already been moderated."))
        observation, _created = observation_create(
            actor=actor,
            municipality=report.municipality,
            category=OBSERVATION_CATEGORY,
            severity=severity,
            observed_at=_observed_at(report.created_on, report.when),
            text=observation_text(report.reasons, report.text, prefix="Invånarrapport"),
            lat=report.lat,
            lon=report.lon,
            area=report.area,
            group=_covering_group(actor, report.municipality, report.area),
            source=ObservationSource.RESIDENTS,
            source_id=f"resident-report-{report.pk}",
        )
        report.status = ReportStatus.ASSESSED
        report.observation = observation
        report.public_message = public_message
        report.internal_note = internal_note.strip()
        _report_moderated(
            report,
            actor=actor,
            summary="Approved a resident's report into the situational picture",
            details={"observation": str(observation.public_id), "severity": severity},
        )
    return report


def resident_report_reject(
    *,
    actor,
    report: ResidentReport,
    reason: str,
    public_message: str = "",
    internal_note: str = "",
) -> ResidentReport:
    _moderation_target(actor, report)
    if reason not in RejectReason.values:
        raise ValidationError({"reject_reason": _("Say why the report is rejected.")})
    public_message = text_check(
        public_message, field="public_message", max_length=PUBLIC_MESSAGE_MAX_LENGTH
    )
    with transaction.atomic():
        report = ResidentReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.RECEIVED:
            raise ValidationError(_("The report has already been moderated."))
        report.status = ReportStatus.REJECTED
        report.reject_reason = reason
        report.public_message = public_message
        report.internal_note = internal_note.strip()
        if reason == RejectReason.PERSONAL_DATA:
            # The text is what carried the personal data: it goes, the place stays.
            report.text = ""
        _report_moderated(
            report,
            actor=actor,
            summary=f"Rejected a resident's report: {reason}",
            details={"reason": reason},
        )
    return report


def resident_report_action_taken(
    *, actor, report: ResidentReport, public_message: str, internal_note: str | None = None
) -> ResidentReport:
    """Tell the resident what was done (new lighting, bushes cut back)."""
    _moderation_target(actor, report)
    public_message = text_check(
        public_message, field="public_message", max_length=PUBLIC_MESSAGE_MAX_LENGTH
    )
    if not public_message:
        raise ValidationError({"public_message": _("Tell the resident what was done.")})
    with transaction.atomic():
        report = ResidentReport.objects.select_for_update().get(pk=report.pk)
        if report.status not in (ReportStatus.ASSESSED, ReportStatus.ACTION_TAKEN):
            raise ValidationError(_("Approve the report before recording an action."))
        report.status = ReportStatus.ACTION_TAKEN
        report.public_message = public_message
        if internal_note is not None:
            report.internal_note = internal_note.strip()
        _report_moderated(
            report, actor=actor, summary="Recorded the action taken on a resident's report"
        )
    return report


# ---------------------------------------------------------------------- safety walks


def _require_leader(actor, walk: SafetyWalk) -> None:
    _require(actor, Capability.REPORT_OBSERVATIONS)
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
    _require(actor, Capability.REPORT_OBSERVATIONS)
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
    _require(actor, Capability.MODERATE_RESIDENT_REPORTS)
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


def _report_moderated(report: ResidentReport, *, actor, summary: str, details=None) -> None:
    """Save a moderation step with who and when, and log it."""
    report.moderated_by = actor
    report.moderated_at = timezone.now()
    report.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="resident_report",
        object_id=str(report.public_id),
        municipality_code=report.municipality.code,
        summary=summary,
        details=details,
    )


def _reasons_and_text_checked(reasons, text, errors: dict) -> tuple:
    """The cleaned reasons and text of a report or walk point; problems go into ``errors``."""
    try:
        reasons = reasons_check(reasons)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        text = text_check(text)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return reasons, text
