"""A resident's report: submitted on the public form (merged with an earlier report of
the same place), then approved into the situational picture, rejected, or followed up.

Every write is atomic and audited. The public submission is audited without an actor and
without the sender's address: the report itself is all the log needs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.areas.models import Area, Municipality
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.situation.models import ObservationSource
from trygg.situation.services import observation_create
from trygg.situation.services.checks import actor_require

from ..coarse import public_position
from ..geo import distance_metres
from ..models import (
    OPEN_STATUSES,
    PUBLIC_MESSAGE_MAX_LENGTH,
    RejectReason,
    ReportStatus,
    ResidentReport,
    WhenSeen,
)
from .common import (
    OBSERVATION_CATEGORY,
    _covering_group,
    _locate,
    _observed_at,
    _reasons_and_text_checked,
    _require_municipality,
    _setting,
    observation_text,
    text_check,
)
from .limits import rate_check, rate_record
from .routing import report_route, report_status_changed, report_subscribe


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
    same_as=None,
    email: str = "",
) -> Submission:
    """A resident's report from the public form.

    Checks the rate limit of the sender's address, refuses personal data, and merges a
    report of the same place and reasons into the earlier one ("+1 agree"). A resent form
    (the same ``client_key``) gets its first receipt back and counts once. ``same_as`` is
    the public id of a nearby open report the resident confirmed ("is it this one?"): the
    report adds to that one. ``email``, when given, is kept apart for news of the report.
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
    target = None
    if same_as and not errors:
        try:
            target = _confirmed_target(
                municipality, same_as=same_as, reasons=reasons, lat=lat, lon=lon, area=area
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with transaction.atomic():
        earlier = target or _duplicate_of(
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
        if email:
            report_subscribe(report=submission.report, email=email)
    rate_record(address)
    return submission


def _confirmed_target(
    municipality: Municipality,
    *,
    same_as,
    reasons: list[str],
    lat: float | None,
    lon: float | None,
    area: Area | None,
) -> ResidentReport:
    """The nearby open report the resident confirmed: approved, open, of the municipality,
    sharing a reason, and (by its public position) near the marked place or in the area."""
    from ..publicmap import nearby_metres

    refused = ValidationError(
        {"same_as": _("That report cannot be joined any more. Send yours as a new report.")}
    )
    try:
        target = ResidentReport.objects.select_related("area").get(
            municipality=municipality, public_id=same_as, status__in=OPEN_STATUSES
        )
    except (ResidentReport.DoesNotExist, ValueError, ValidationError):
        raise refused from None
    if not set(target.reasons or []) & set(reasons):
        raise refused
    if lat is not None:
        position = public_position(target)
        if position is None or distance_metres(lat, lon, position.lat, position.lon) > (
            nearby_metres()
        ):
            raise refused
    elif target.area_id != getattr(area, "pk", None):
        raise refused
    return target


# ----------------------------------------------------------------------- moderation


def _moderation_target(actor, report: ResidentReport) -> None:
    actor_require(actor, Capability.MODERATE_RESIDENT_REPORTS)
    _require_municipality(actor, report.municipality)


def resident_report_approve(
    *,
    actor,
    report: ResidentReport,
    severity: int = 1,
    public_message: str = "",
    internal_note: str = "",
    text_public: bool = False,
    base_url: str = "",
) -> ResidentReport:
    """Approve a report: it becomes an observation (source "residents") in the picture,
    shows on the public map, and goes to the departments responsible for it."""
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
        report.text_public = bool(text_public and report.text)
        _report_moderated(
            report,
            actor=actor,
            summary="Approved a resident's report into the situational picture",
            details={
                "observation": str(observation.public_id),
                "severity": severity,
                "text_public": report.text_public,
            },
        )
        report_route(report=report, base_url=base_url)
        report_status_changed(report=report, note=public_message, base_url=base_url)
    return report


def resident_report_reject(
    *,
    actor,
    report: ResidentReport,
    reason: str,
    public_message: str = "",
    internal_note: str = "",
    base_url: str = "",
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
        report_status_changed(report=report, note=public_message, base_url=base_url)
    return report


def resident_report_action_taken(
    *,
    actor,
    report: ResidentReport,
    public_message: str,
    internal_note: str | None = None,
    base_url: str = "",
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
        if not report.is_public:
            raise ValidationError(_("Approve the report before recording an action."))
        report.status = ReportStatus.ACTION_TAKEN
        report.public_message = public_message
        if internal_note is not None:
            report.internal_note = internal_note.strip()
        _report_moderated(
            report, actor=actor, summary="Recorded the action taken on a resident's report"
        )
        report_status_changed(report=report, note=public_message, base_url=base_url)
    return report


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
