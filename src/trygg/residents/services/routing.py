"""Routing approved reports to the department responsible, the department's status link,
and the e-mails to residents who asked for news of their report.

* The municipality's administrator keeps the departments and the rules (reason, optional
  area → department) as data.
* On approval each responsible department gets one e-mail with a status link. The link's
  token is signed for this purpose only (its own salt), names one dispatch (one report,
  one department) and expires (``TRYGG_RESIDENT_STATUS_LINK_DAYS``, 60 days).
* Every public status change is kept as a :class:`ReportUpdate` (shown on the public map
  and the receipt) and mailed to the report's subscribers; a closed report's subscriptions
  are deleted.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from trygg.accounts.roles import Capability
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.situation.services.checks import actor_require

from ..models import (
    OPEN_STATUSES,
    PUBLIC_MESSAGE_MAX_LENGTH,
    Department,
    ReportDispatch,
    ReportStatus,
    ReportSubscription,
    ReportUpdate,
    ResidentReport,
    RoutingRule,
)
from ..reasons import reason_keys, reason_labels
from .common import text_check

logger = logging.getLogger(__name__)

STATUS_TOKEN_SALT = "trygg.residents.department-status"  # noqa: S105 - a signing salt
#: What a department may set through its link.
DEPARTMENT_STATUSES = (ReportStatus.IN_PROGRESS, ReportStatus.ACTION_TAKEN)


def status_link_days() -> int:
    return int(getattr(settings, "TRYGG_RESIDENT_STATUS_LINK_DAYS", 60))


def _base_url(base_url: str) -> str:
    return (base_url or getattr(settings, "TRYGG_SITE_URL", "") or "").rstrip("/")


# ------------------------------------------------------------------ status token


def status_token(dispatch: ReportDispatch) -> str:
    """The department's signed, expiring token for one dispatch."""
    return signing.dumps(
        {"d": dispatch.pk, "r": str(dispatch.report.public_id)}, salt=STATUS_TOKEN_SALT
    )


def dispatch_for_token(token: str) -> ReportDispatch | None:
    """The dispatch a valid, unexpired token names, or None (forged, expired, revoked)."""
    if not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(token, salt=STATUS_TOKEN_SALT, max_age=status_link_days() * 86400)
        return ReportDispatch.objects.select_related(
            "report", "report__municipality", "report__area", "department"
        ).get(pk=int(payload["d"]), report__public_id=payload["r"])
    except (signing.BadSignature, ReportDispatch.DoesNotExist, KeyError, TypeError, ValueError):
        return None


def token_expired(token: str) -> bool:
    """True when the token was genuine but is too old (to say so on the page)."""
    try:
        signing.loads(token, salt=STATUS_TOKEN_SALT, max_age=status_link_days() * 86400)
    except signing.SignatureExpired:
        return True
    except signing.BadSignature:
        return False
    return False


# ------------------------------------------------------- configuration (admin pages)


def _require_admin(actor, municipality: Municipality) -> None:
    actor_require(actor, Capability.ADMINISTER)
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied("municipality")


def _audit_config(actor, municipality, *, action, object_type, object_id, summary, details=None):
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        municipality_code=municipality.code,
        summary=summary,
        details=details,
    )


def department_save(
    *,
    actor,
    municipality: Municipality,
    name: str,
    email: str,
    active: bool = True,
    department: Department | None = None,
) -> Department:
    """Create a department, or change ``department``."""
    _require_admin(actor, municipality)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the department a name.")})
    if department is not None and department.municipality_id != municipality.pk:
        raise PermissionDenied("municipality")
    with transaction.atomic():
        target = department or Department(municipality=municipality)
        target.name, target.email, target.active = name, (email or "").strip(), active
        target.full_clean(exclude=["municipality"], validate_unique=False)
        if (
            Department.objects.filter(municipality=municipality, name=name)
            .exclude(pk=target.pk)
            .exists()
        ):
            raise ValidationError({"name": _("A department with this name exists.")})
        created = target.pk is None
        target.save()
        _audit_config(
            actor,
            municipality,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type="report_department",
            object_id=target.pk,
            summary=f"{'Added' if created else 'Changed'} the department {name}",
            details={"active": active},
        )
    return target


def department_delete(*, actor, department: Department) -> None:
    _require_admin(actor, department.municipality)
    with transaction.atomic():
        _audit_config(
            actor,
            department.municipality,
            action=AuditAction.DELETE,
            object_type="report_department",
            object_id=department.pk,
            summary=f"Removed the department {department.name} and its routing rules",
        )
        department.delete()


def routing_rule_create(
    *, actor, municipality: Municipality, reason: str, department: Department, area=None
) -> RoutingRule:
    _require_admin(actor, municipality)
    errors = {}
    if reason not in reason_keys():
        errors["reason"] = [_("Unknown choice.")]
    if department.municipality_id != municipality.pk:
        errors["department"] = [_("Pick one of the municipality's departments.")]
    if area is not None and (
        not isinstance(area, Area)
        or area.municipality_id != municipality.pk
        or area.level != AreaLevel.AREA
    ):
        errors["area"] = [_("Pick one of the municipality's areas.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(
                municipality=municipality, reason=reason, area=area, department=department
            )
            _audit_config(
                actor,
                municipality,
                action=AuditAction.CREATE,
                object_type="report_routing_rule",
                object_id=rule.pk,
                summary=f"Reports of {reason} go to {department.name}",
                details={"area": area.code if area else None},
            )
    except IntegrityError:
        raise ValidationError(
            {"reason": _("A rule for this reason and area exists: remove it first.")}
        ) from None
    return rule


def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    _require_admin(actor, rule.municipality)
    with transaction.atomic():
        _audit_config(
            actor,
            rule.municipality,
            action=AuditAction.DELETE,
            object_type="report_routing_rule",
            object_id=rule.pk,
            summary=f"Removed the rule {rule.reason} → {rule.department.name}",
        )
        rule.delete()


# ---------------------------------------------------------------------- routing


def departments_for(report: ResidentReport) -> list[Department]:
    """The active departments responsible for the report: per reason, the rule of the
    report's area if there is one, else the municipality-wide rule."""
    rules = RoutingRule.objects.filter(
        municipality_id=report.municipality_id,
        reason__in=list(report.reasons or []),
        department__active=True,
    ).select_related("department")
    chosen: dict[str, RoutingRule] = {}
    for rule in rules:
        if rule.area_id is not None and rule.area_id == report.area_id:
            chosen[rule.reason] = rule
        elif rule.area_id is None:
            chosen.setdefault(rule.reason, rule)
    departments = {rule.department.pk: rule.department for rule in chosen.values()}
    return sorted(departments.values(), key=lambda d: (d.name, d.pk))


def report_route(*, report: ResidentReport, base_url: str = "") -> list[ReportDispatch]:
    """Send the approved report to each responsible department (once each). Called inside
    the approval's transaction: a refused e-mail leaves the report unapproved."""
    sent = []
    now = timezone.now()
    for department in departments_for(report):
        dispatch, created = ReportDispatch.objects.get_or_create(
            report=report, department=department, defaults={"sent_at": now}
        )
        if not created:
            continue
        link = _base_url(base_url) + reverse(
            "trygghet:department-status", args=[status_token(dispatch)]
        )
        with override(settings.LANGUAGE_CODE):
            body = render_to_string(
                "residents/mail/department.txt",
                {
                    "report": report,
                    "department": department,
                    "reasons": reason_labels(report.reasons, language="sv"),
                    "link": link,
                    "days": status_link_days(),
                },
            )
            subject = _("Report of an unsafe place: %(reasons)s") % {
                "reasons": ", ".join(reason_labels(report.reasons, language="sv"))
            }
        EmailMessage(subject=subject, body=body, to=[department.email]).send()
        audit_record(
            actor=None,
            action=AuditAction.EXPORT,
            object_type="resident_report",
            object_id=str(report.public_id),
            municipality_code=report.municipality.code,
            summary=f"Sent the report to {department.name}",
            details={"department": department.pk},
        )
        sent.append(dispatch)
    return sent


# -------------------------------------------------------- department's status


def resident_report_department_status(
    *, dispatch: ReportDispatch, status: str, note: str = "", base_url: str = ""
) -> ResidentReport:
    """The department, through its link, says the report is being dealt with or done."""
    errors = {}
    if status not in DEPARTMENT_STATUSES:
        errors["status"] = [_("Unknown choice.")]
    try:
        note = text_check(note, field="note", max_length=PUBLIC_MESSAGE_MAX_LENGTH)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if status == ReportStatus.ACTION_TAKEN and not note and "note" not in errors:
        errors["note"] = [_("Say briefly what was done; residents read it.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = ResidentReport.objects.select_for_update().get(pk=dispatch.report_id)
        if report.status not in OPEN_STATUSES:
            raise ValidationError(_("The report is closed; its status can no longer change."))
        report.status = status
        report.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            object_type="resident_report",
            object_id=str(report.public_id),
            municipality_code=report.municipality.code,
            summary=f"{dispatch.department.name} set the status {status} through its link",
            details={"department": dispatch.department_id, "status": status},
        )
        report_status_changed(
            report=report, note=note, department=dispatch.department, base_url=base_url
        )
    return report


# ------------------------------------------------------------- residents' news


def report_subscribe(*, report: ResidentReport, email: str) -> bool:
    """Keep the resident's address for news of the report. Nothing is kept for a closed
    report. Audited without the address."""
    email = (email or "").strip()
    if not email or report.is_closed:
        return False
    _subscription, created = ReportSubscription.objects.get_or_create(report=report, email=email)
    if created:
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="resident_report",
            object_id=str(report.public_id),
            municipality_code=report.municipality.code,
            summary="A resident asked for news of the report by e-mail",
        )
    return created


def report_status_changed(
    *,
    report: ResidentReport,
    note: str = "",
    department: Department | None = None,
    base_url: str = "",
) -> None:
    """Record a status change for the public, tell the subscribers, and forget their
    addresses once the report is closed."""
    if report.is_public:
        ReportUpdate.objects.create(
            report=report,
            status=report.status,
            note=note,
            department=department,
            created_at=timezone.now(),
        )
    addresses = list(report.subscriptions.values_list("email", flat=True))
    if addresses:
        link = _base_url(base_url) + reverse("trygghet:receipt", args=[report.receipt_token])
        with override(settings.LANGUAGE_CODE):
            subject = _("News of your report: %(status)s") % {
                "status": ReportStatus(report.status).label
            }
            body = render_to_string(
                "residents/mail/news.txt",
                {
                    "report": report,
                    "status": ReportStatus(report.status).label,
                    "note": note,
                    "link": link,
                    "closed": report.is_closed,
                },
            )
        for address in addresses:
            # One message each: residents never see each other's addresses. A refused
            # address must not stop the department's or moderator's change.
            try:
                EmailMessage(subject=subject, body=body, to=[address]).send()
            except Exception:
                logger.warning("News of resident report %s could not be mailed", report.public_id)
    if report.is_closed:
        report.subscriptions.all().delete()
