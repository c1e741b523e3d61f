"""Writes of individual data. Every write is atomic and writes the access log with the
person it concerns. Changes to a case take the :class:`CaseAccess` that the choke point
granted with ``change=True``, so no write can bypass it."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import Organisation, User
from trygg.accounts.roles import Capability, Role
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction

from . import pin as pins
from .access import (
    FOLLOW_UP,
    PLAN_ITEM,
    POLICE_NOTES,
    REOPEN,
    CaseAccess,
    Purpose,
    age_on,
    is_coordinator_in,
    log_access,
)
from .checklists import PROTECTIVE_FACTORS, RISK_FACTORS
from .models import (
    Case,
    CaseMember,
    CaseStatus,
    Concern,
    ConcernStatus,
    Consent,
    ConsentGiver,
    FollowUp,
    Guardian,
    Information,
    Level,
    Meeting,
    Person,
    PlanItem,
    PlanStatus,
    Programme,
)
from .selectors import age_band, team_candidates


def _log_change(
    actor, *, action, object_type, object_id, person, purpose, municipality, ip=None, **extra
):
    log_access(
        actor,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        outcome="granted",
        rule="change",
        person_id=person.public_id if person is not None else None,
        municipality_code=municipality.code,
        ip_address=ip,
        action=action,
        extra=extra or None,
    )


def _log_concern(actor, concern: Concern, action, ip) -> None:
    _log_change(
        actor,
        action=action,
        object_type="cases.concern",
        object_id=concern.public_id,
        person=None,
        purpose=Purpose.CONCERN,
        municipality=concern.municipality,
        ip=ip,
    )


def _log_person(actor, person: Person, action, ip, **extra) -> None:
    _log_change(
        actor,
        action=action,
        object_type="cases.person",
        object_id=person.public_id,
        person=person,
        purpose=Purpose.PERSON,
        municipality=person.municipality,
        ip=ip,
        **extra,
    )


def _log_consent(actor, consent: Consent, action, ip) -> None:
    _log_change(
        actor,
        action=action,
        object_type="cases.consent",
        object_id=consent.public_id,
        person=consent.person,
        purpose=Purpose.CONSENT,
        municipality=consent.person.municipality,
        ip=ip,
    )


def _require_coordinator(actor, municipality_id: int) -> None:
    if not is_coordinator_in(actor, municipality_id):
        raise PermissionDenied


def _require_change(access: CaseAccess, actor) -> Case:
    if not access.can_change or access.case.coordinator_id != actor.pk:
        raise PermissionDenied
    return access.case


def _require_write(access: CaseAccess, actor, write: str) -> Case:
    """The choke point granted ``access`` to this actor, and it allows this write."""
    if access.user_id != actor.pk or not access.may(write):
        raise PermissionDenied
    return access.case


def _touch(case: Case) -> None:
    case.last_entry_at = timezone.now()
    case.save(update_fields=["last_entry_at"])


# --- concerns ---------------------------------------------------------------------------


def concern_municipality(actor) -> Municipality:
    municipality = municipalities_for_user(actor).order_by("code").first()
    if municipality is None:
        raise ValidationError(_("Your organisation works in no municipality in Trygg."))
    return municipality


@transaction.atomic
def concern_submit(
    *,
    actor,
    subject_name: str,
    description: str,
    subject_age: int | None = None,
    contact: str = "",
    ip_address: str | None = None,
) -> Concern:
    """Any signed-in member sends a concern to the coordinator; they get nothing back but
    'received'."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied
    if not subject_name.strip() or not description.strip():
        raise ValidationError(_("Write the young person's name and what worries you."))
    municipality = concern_municipality(actor)
    concern = Concern.objects.create(
        municipality=municipality,
        submitted_by=actor,
        submitter_organisation=str(actor.organisation),
        subject_name=subject_name.strip(),
        subject_age=subject_age,
        description=description.strip(),
        contact=contact.strip(),
    )
    _log_concern(actor, concern, AuditAction.CREATE, ip_address)
    return concern


@transaction.atomic
def concern_close(*, actor, concern: Concern, reason: str, ip_address=None) -> Concern:
    _require_coordinator(actor, concern.municipality_id)
    if concern.status != ConcernStatus.RECEIVED:
        raise ValidationError(_("The concern has already been handled."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for closing the concern."))
    concern.status = ConcernStatus.CLOSED
    concern.closed_reason = reason.strip()[:500]
    concern.handled_at = timezone.now()
    concern.save(update_fields=["status", "closed_reason", "handled_at"])
    _log_concern(actor, concern, AuditAction.UPDATE, ip_address)
    return concern


# --- people -----------------------------------------------------------------------------


def person_find(*, actor, municipality: Municipality, pin: str, ip_address=None) -> Person | None:
    """The person with this personal identity number, found by its keyed hash."""
    _require_coordinator(actor, municipality.pk)
    normalised = pins.normalise(pin)
    person = Person.objects.filter(
        municipality=municipality, pin_hash=pins.pin_hash(normalised)
    ).first()
    log_access(
        actor,
        object_type="cases.person",
        object_id=person.public_id if person else "",
        purpose=Purpose.PERSON,
        outcome="granted" if person else "no_match",
        rule="search_by_number",
        person_id=person.public_id if person else None,
        municipality_code=municipality.code,
        ip_address=ip_address,
    )
    return person


def person_store(
    *,
    municipality: Municipality,
    pin: str,
    first_name: str,
    last_name: str,
    school: str = "",
    area: Area | None = None,
) -> tuple[Person, bool]:
    """Store a person with an already normalised number; the same number twice returns the
    first record (the unique keyed hash decides, also between two simultaneous requests)."""
    digest = pins.pin_hash(pin)
    existing = Person.objects.filter(municipality=municipality, pin_hash=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            person = Person.objects.create(
                municipality=municipality,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                pin_encrypted=pins.encrypt(pin),
                pin_hash=digest,
                birth_date=pins.birth_date_of(pin),
                school=school.strip(),
                area=area,
            )
    except IntegrityError:
        return Person.objects.get(municipality=municipality, pin_hash=digest), False
    return person, True


@transaction.atomic
def person_find_or_create(
    *,
    actor,
    municipality: Municipality,
    pin: str,
    first_name: str,
    last_name: str,
    school: str = "",
    area: Area | None = None,
    ip_address=None,
) -> tuple[Person, bool]:
    _require_coordinator(actor, municipality.pk)
    if area is not None and area.municipality_id != municipality.pk:
        raise ValidationError(_("The area is in another municipality."))
    normalised = pins.normalise(pin)
    if not (first_name.strip() and last_name.strip()):
        raise ValidationError(_("Write the person's first and last name."))
    person, created = person_store(
        municipality=municipality,
        pin=normalised,
        first_name=first_name,
        last_name=last_name,
        school=school,
        area=area,
    )
    _log_person(actor, person, AuditAction.CREATE if created else AuditAction.READ, ip_address)
    return person, created


def person_pin(person: Person) -> str:
    return pins.decrypt(person.pin_encrypted) if person.pin_encrypted else ""


def _guardian_values(name, phone, email, address, has_custody) -> dict:
    if not name.strip():
        raise ValidationError({"name": _("Write the guardian's name.")})
    return {
        "name": name.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
        "address": address.strip(),
        "has_custody": has_custody,
    }


@transaction.atomic
def guardian_add(
    *,
    actor,
    person: Person,
    name: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    has_custody: bool = True,
    ip_address=None,
) -> Guardian:
    _require_coordinator(actor, person.municipality_id)
    values = _guardian_values(name, phone, email, address, has_custody)
    guardian = Guardian.objects.create(person=person, **values)
    _log_person(actor, person, AuditAction.CREATE, ip_address, guardian=str(guardian.public_id))
    return guardian


def _changed(obj, values: dict) -> list[str]:
    """Set ``values`` on ``obj``; the names of the fields that changed. The log gets the
    names only: it outlives the record, which culling removes."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    first_name: str,
    last_name: str,
    school: str = "",
    area: Area | None = None,
    ip_address=None,
) -> Person:
    """Name, school and area; the personal identity number and birth date are the
    identity of the record and do not change (register the right number instead)."""
    _require_coordinator(actor, person.municipality_id)
    if not (first_name.strip() and last_name.strip()):
        raise ValidationError(_("Write the person's first and last name."))
    if area is not None and area.municipality_id != person.municipality_id:
        raise ValidationError({"area": _("The area is in another municipality.")})
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "school": school.strip(),
        "area": area,
    }
    changed = _changed(person, values)
    if changed:
        person.save(update_fields=changed)
        _log_person(actor, person, AuditAction.UPDATE, ip_address, fields=changed)
    return person


@transaction.atomic
def guardian_update(
    *,
    actor,
    guardian: Guardian,
    name: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    has_custody: bool = True,
    ip_address=None,
) -> Guardian:
    """Contact details and custody. Custody decides whose consent counts, so a change
    takes effect on the next read of any of the person's cases."""
    person = guardian.person
    _require_coordinator(actor, person.municipality_id)
    changed = _changed(guardian, _guardian_values(name, phone, email, address, has_custody))
    if changed:
        guardian.save(update_fields=changed)
        _log_person(
            actor,
            person,
            AuditAction.UPDATE,
            ip_address,
            guardian=str(guardian.public_id),
            fields=changed,
        )
    return guardian


# --- consent ----------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor,
    person: Person,
    given_by: str,
    guardian: Guardian | None,
    parties: list[Organisation],
    information: list[str],
    purpose: str,
    valid_from: date,
    valid_to: date,
    received: bool = False,
    ip_address=None,
) -> Consent:
    """One giver's consent. It names the parties, the information, the purpose and the
    period; it counts once the signed form is recorded as received."""
    _require_coordinator(actor, person.municipality_id)
    errors = {}
    if given_by == ConsentGiver.GUARDIAN and (guardian is None or guardian.person_id != person.pk):
        errors["guardian"] = _("Choose which of the person's guardians gave the consent.")
    if given_by == ConsentGiver.PERSON:
        guardian = None
    if not parties:
        errors["parties"] = _("Name at least one party that may share information.")
    if not information or any(i not in Information.values for i in information):
        errors["information"] = _("Name the information that may be shared.")
    if not purpose.strip():
        errors["purpose"] = _("Write the purpose of sharing.")
    if valid_to < valid_from:
        errors["valid_to"] = _("The period ends before it starts.")
    allowed = set(
        Organisation.objects.filter(municipalities=person.municipality_id).values_list(
            "pk", flat=True
        )
    )
    if any(p.pk not in allowed for p in parties):
        errors["parties"] = _("A party does not work in the person's municipality.")
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        person=person,
        given_by=given_by,
        guardian=guardian,
        information=sorted(set(information)),
        purpose=purpose.strip()[:500],
        valid_from=valid_from,
        valid_to=valid_to,
        received_at=timezone.now() if received else None,
        recorded_by=actor,
    )
    consent.parties.set(parties)
    _log_consent(actor, consent, AuditAction.CREATE, ip_address)
    return consent


@transaction.atomic
def consent_mark_received(*, actor, consent: Consent, ip_address=None) -> Consent:
    person = consent.person
    _require_coordinator(actor, person.municipality_id)
    if consent.received_at is None and consent.withdrawn_at is None:
        consent.received_at = timezone.now()
        consent.save(update_fields=["received_at"])
        _log_consent(actor, consent, AuditAction.UPDATE, ip_address)
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, ip_address=None) -> Consent:
    """Withdrawal takes effect at once: the next read of any case of the person is refused
    to every party that depended on it."""
    person = consent.person
    _require_coordinator(actor, person.municipality_id)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        _log_consent(actor, consent, AuditAction.UPDATE, ip_address)
    return consent


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
    _require_coordinator(actor, person.municipality_id)
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
    _log_change(
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
    case = _require_change(access, actor)
    if not team_candidates(case).filter(pk=user.pk).exists():
        raise ValidationError(_("This user cannot join the team."))
    member = CaseMember.objects.create(case=case, user=user, organisation=user.organisation)
    _case_change(actor, case, ip_address)
    return member


@transaction.atomic
def member_remove(*, actor, access: CaseAccess, member_id: int, ip_address=None) -> None:
    case = _require_change(access, actor)
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
    case = _require_change(access, actor)
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
    case = _require_change(access, actor)
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
    return access.may(PLAN_ITEM) and (
        access.rule == "coordinator" or item.organisation_id == actor.organisation_id
    )


@transaction.atomic
def plan_item_set_status(
    *, actor, access: CaseAccess, item_id, status: str, note: str | None = None, ip_address=None
) -> PlanItem:
    """Status and note of a plan item; ``note=None`` leaves the note as it is."""
    case = _require_write(access, actor, PLAN_ITEM)
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
    case = _require_write(access, actor, FOLLOW_UP)
    if school_attendance is not None and not 0 <= school_attendance <= 100:
        raise ValidationError({"school_attendance": _("Give attendance as 0–100 per cent.")})
    given = {
        "school_attendance": school_attendance,
        "new_suspicions": new_suspicions,
        "leisure_activity": leisure_activity,
        "outcome": outcome.strip(),
    }
    values = {f: v if access.may(f"follow_up.{f}") else None for f, v in given.items()}
    values["outcome"] = values["outcome"] or ""
    if access.rule != "coordinator" and all(v in (None, "") for v in values.values()):
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
def police_notes_set(*, actor, access: CaseAccess, text: str, ip_address=None) -> Case:
    case = _require_write(access, actor, POLICE_NOTES)
    case.police_notes = text.strip()
    case.save(update_fields=["police_notes"])
    _case_change(actor, case, ip_address)
    return case


@transaction.atomic
def case_close(*, actor, access: CaseAccess, reason: str, ip_address=None) -> Case:
    case = _require_change(access, actor)
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
    case = _require_write(access, actor, REOPEN)
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


def coordinators_can_open(actor) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.role == Role.SSPF_COORDINATOR
        and actor.can(Capability.INDIVIDUAL_CASES)
    )
