"""Writes of case work: opening a case, its team, meetings, plan, follow-ups, police notes,
closing and reopening. Every write is atomic and writes the access log with the person it
concerns. Changes to a case take the :class:`CaseAccess` the choke point granted for the
write (``access_case_by_id(..., write=...)``), so no write can bypass it."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import Organisation, User
from trygg.audit.models import AuditAction

from ..access import FOLLOW_UP_FIELD_WRITES, CaseAccess, CaseWrite, Purpose, Rule, age_on
from ..checklists import PROTECTIVE_FACTORS, RISK_FACTORS
from ..models import (
    Case,
    CaseMember,
    CaseStatus,
    Concern,
    ConcernStatus,
    ContactKind,
    ContactLogEntry,
    FollowUp,
    Level,
    Meeting,
    Person,
    PlanItem,
    PlanStatus,
    Programme,
)
from ..selectors import age_band, team_candidates
from ._common import log_change, require_coordinator


def _require_write(access: CaseAccess, actor, write: CaseWrite) -> Case:
    """The choke point granted ``access`` to this actor, and it allows this write."""
    if access.user_id != actor.pk or not access.may(write):
        raise PermissionDenied
    return access.case


def _touch(case: Case) -> None:
    case.last_entry_at = timezone.now()
    case.save(update_fields=["last_entry_at"])


# --- cases ------------------------------------------------------------------------------


def _checked(keys, table, field: str) -> list[str]:
    known = {k for k, _label in table}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError({field: _("Unknown item: %(items)s") % {"items": ", ".join(unknown)}})
    return [k for k, _label in table if k in set(keys)]


@transaction.atomic
def case_open(
    *,
    actor,
    person: Person,
    programme: str,
    level: str,
    reason: str = "",
    risk_factors: list[str] | None = None,
    protective_factors: list[str] | None = None,
    concern: Concern | None = None,
    opened_at: datetime | None = None,
    ip_address=None,
) -> Case:
    """The coordinator who opens a case coordinates it."""
    require_coordinator(actor, person.municipality_id)
    if programme not in Programme.values or level not in Level.values:
        raise ValidationError(_("Choose a programme and a level."))
    if concern is not None and (
        concern.municipality_id != person.municipality_id
        or concern.status != ConcernStatus.RECEIVED
    ):
        raise ValidationError(_("The concern has already been handled."))
    now = opened_at or timezone.now()
    case = Case.objects.create(
        municipality=person.municipality,
        person=person,
        programme=programme,
        level=level,
        coordinator=actor,
        reason=reason.strip(),
        risk_factors=_checked(risk_factors or [], RISK_FACTORS, "risk_factors"),
        protective_factors=_checked(
            protective_factors or [], PROTECTIVE_FACTORS, "protective_factors"
        ),
        age_band=age_band(age_on(person.birth_date, timezone.localdate(now))),
        area=person.area,
        last_entry_at=now,
    )
    if concern is not None:
        concern.status = ConcernStatus.CASE_OPENED
        concern.case = case
        concern.handled_at = now
        concern.save(update_fields=["status", "case", "handled_at"])
    _log_case(actor, case, AuditAction.CREATE, ip_address)
    return case


def _log_case(actor, case: Case, action, ip, **extra) -> None:
    log_change(
        actor,
        action=action,
        object_type="cases.case",
        object_id=case.public_id,
        person=case.person,
        purpose=Purpose.CASE_WORK,
        municipality=case.municipality,
        ip=ip,
        **extra,
    )


def _case_change(actor, case: Case, ip_address, action=AuditAction.UPDATE, **extra) -> None:
    _touch(case)
    _log_case(actor, case, action, ip_address, **extra)


@transaction.atomic
def member_add(*, actor, access: CaseAccess, user: User, ip_address=None) -> CaseMember:
    case = _require_write(access, actor, CaseWrite.COORDINATE)
    if not team_candidates(case).filter(pk=user.pk).exists():
        raise ValidationError(_("This user cannot join the team."))
    member = CaseMember.objects.create(case=case, user=user, organisation=user.organisation)
    _case_change(actor, case, ip_address)
    return member


@transaction.atomic
def member_remove(*, actor, access: CaseAccess, member_id: int, ip_address=None) -> None:
    case = _require_write(access, actor, CaseWrite.COORDINATE)
    deleted, _rows = CaseMember.objects.filter(case=case, pk=member_id).delete()
    if not deleted:
        raise ValidationError(_("No such team member."))
    _case_change(actor, case, ip_address)


@transaction.atomic
def meeting_add(
    *,
    actor,
    access: CaseAccess,
    held_on: date,
    kind: str,
    participants: str,
    minutes: str,
    ip_address=None,
) -> Meeting:
    case = _require_write(access, actor, CaseWrite.COORDINATE)
    if not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes.")})
    meeting = Meeting.objects.create(
        case=case,
        held_on=held_on,
        kind=kind,
        participants=participants.strip(),
        minutes=minutes.strip(),
    )
    _case_change(actor, case, ip_address)
    return meeting


@transaction.atomic
def plan_item_add(
    *,
    actor,
    access: CaseAccess,
    what: str,
    organisation: Organisation,
    due_on: date,
    responsible: str = "",
    ip_address=None,
) -> PlanItem:
    case = _require_write(access, actor, CaseWrite.COORDINATE)
    if not organisation.municipalities.filter(pk=case.municipality_id).exists():
        raise ValidationError({"organisation": _("The organisation does not work here.")})
    item = PlanItem.objects.create(
        case=case,
        what=what.strip(),
        organisation=organisation,
        due_on=due_on,
        responsible=responsible.strip(),
    )
    _case_change(actor, case, ip_address)
    return item


def plan_item_editable(access: CaseAccess, actor, item: PlanItem) -> bool:
    """The coordinator updates every plan item, a team member those of their organisation."""
    return access.may(CaseWrite.PLAN_ITEM) and (
        access.rule == Rule.COORDINATOR or item.organisation_id == actor.organisation_id
    )


@transaction.atomic
def plan_item_set_status(
    *, actor, access: CaseAccess, item_id, status: str, note: str | None = None, ip_address=None
) -> PlanItem:
    """Status and note of a plan item; ``note=None`` leaves the note as it is."""
    case = _require_write(access, actor, CaseWrite.PLAN_ITEM)
    if status not in PlanStatus.values:
        raise ValidationError(_("Unknown status."))
    item = case.plan_items.filter(public_id=item_id).first()
    if item is None:
        raise ValidationError(_("No such plan item."))
    if not plan_item_editable(access, actor, item):
        raise PermissionDenied
    item.status = status
    if note is not None:
        item.note = note.strip()[:2000]
    item.save(update_fields=["status", "note"])
    _case_change(actor, case, ip_address, plan_item=str(item.public_id))
    return item


@transaction.atomic
def follow_up_add(
    *,
    actor,
    access: CaseAccess,
    followed_up_on: date,
    school_attendance: int | None = None,
    new_suspicions: bool = False,
    leisure_activity: bool = False,
    outcome: str = "",
    ip_address=None,
) -> FollowUp:
    """A follow-up entry. A team member reports only their organisation's own measure (and
    an outcome); the measures they may not report stay empty, not "no"."""
    case = _require_write(access, actor, CaseWrite.FOLLOW_UP)
    if school_attendance is not None and not 0 <= school_attendance <= 100:
        raise ValidationError({"school_attendance": _("Give attendance as 0–100 per cent.")})
    given = {
        "school_attendance": school_attendance,
        "new_suspicions": new_suspicions,
        "leisure_activity": leisure_activity,
        "outcome": outcome.strip(),
    }
    values = {f: v if access.may(FOLLOW_UP_FIELD_WRITES[f]) else None for f, v in given.items()}
    values["outcome"] = values["outcome"] or ""
    if access.rule != Rule.COORDINATOR and all(v in (None, "") for v in values.values()):
        raise ValidationError(_("Write what the follow-up found."))
    follow_up = FollowUp.objects.create(
        case=case,
        followed_up_on=followed_up_on,
        organisation=actor.organisation,
        **values,
    )
    _case_change(actor, case, ip_address)
    return follow_up


@transaction.atomic
def contact_log_add(
    *,
    actor,
    access: CaseAccess,
    contacted_on: date,
    kind: str,
    note: str = "",
    ip_address=None,
) -> ContactLogEntry:
    """A bridge builder's contact with an adult: date, kind of contact, a short note."""
    case = _require_write(access, actor, CaseWrite.CONTACT_LOG)
    if kind not in ContactKind.values:
        raise ValidationError({"kind": _("Choose the kind of contact.")})
    if contacted_on > timezone.localdate():
        raise ValidationError({"contacted_on": _("The date is in the future.")})
    entry = ContactLogEntry.objects.create(
        case=case, contacted_on=contacted_on, kind=kind, note=note.strip()[:500]
    )
    _case_change(actor, case, ip_address, contact=str(entry.public_id))
    return entry


@transaction.atomic
def police_notes_set(*, actor, access: CaseAccess, text: str, ip_address=None) -> Case:
    case = _require_write(access, actor, CaseWrite.POLICE_NOTES)
    case.police_notes = text.strip()
    case.save(update_fields=["police_notes"])
    _case_change(actor, case, ip_address)
    return case


@transaction.atomic
def case_close(*, actor, access: CaseAccess, reason: str, ip_address=None) -> Case:
    case = _require_write(access, actor, CaseWrite.COORDINATE)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for closing the case.")})
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closure_reason = reason.strip()[:500]
    case.save(update_fields=["status", "closed_at", "closure_reason"])
    _case_change(actor, case, ip_address, closed=True)
    return case


@transaction.atomic
def case_reopen(*, actor, access: CaseAccess, reason: str, ip_address=None) -> Case:
    """The coordinator reopens a closed case, giving a reason (kept on the case, culled
    with it); the audit log records the reopening and when the case had been closed. A
    culled case is gone for good: the choke point answers "not found" and this refuses too."""
    case = _require_write(access, actor, CaseWrite.REOPEN)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("Only a closed case can be reopened."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for reopening the case.")})
    closed_at = case.closed_at.isoformat()
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case.closure_reason = ""
    case.reopened_at = timezone.now()
    case.reopen_reason = reason.strip()[:500]
    case.save(
        update_fields=["status", "closed_at", "closure_reason", "reopened_at", "reopen_reason"]
    )
    _case_change(actor, case, ip_address, reopened=True, closed_at=closed_at)
    return case
