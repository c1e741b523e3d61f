"""Writes of the coordinators' records: concerns, people and their guardians, consents.
Every write is atomic, checks the coordinator's rule and writes the access log with the
person it concerns."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import Organisation
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction

from .. import pin as pins
from ..access import Purpose, Rule, log_access
from ..models import (
    Concern,
    ConcernStatus,
    Consent,
    ConsentGiver,
    Guardian,
    Information,
    Person,
    WithdrawalReceived,
)
from ._common import log_change, require_coordinator


def _log_concern(actor, concern: Concern, action, ip) -> None:
    log_change(
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
    log_change(
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
    log_change(
        actor,
        action=action,
        object_type="cases.consent",
        object_id=consent.public_id,
        person=consent.person,
        purpose=Purpose.CONSENT,
        municipality=consent.person.municipality,
        ip=ip,
    )


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
    require_coordinator(actor, concern.municipality_id)
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
    require_coordinator(actor, municipality.pk)
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
        rule=Rule.SEARCH_BY_NUMBER,
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
    require_coordinator(actor, municipality.pk)
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
    require_coordinator(actor, person.municipality_id)
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
    require_coordinator(actor, person.municipality_id)
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
    require_coordinator(actor, person.municipality_id)
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
    require_coordinator(actor, person.municipality_id)
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
    require_coordinator(actor, person.municipality_id)
    if consent.received_at is None and consent.withdrawn_at is None:
        consent.received_at = timezone.now()
        consent.save(update_fields=["received_at"])
        _log_consent(actor, consent, AuditAction.UPDATE, ip_address)
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor, consent: Consent, received_how: str = "", note: str = "", ip_address=None
) -> Consent:
    """Withdrawal takes effect at once: the next read of any case of the person is refused
    to every party that depended on it. How it reached the coordinator (in writing, by
    phone, ...) is kept with it; it takes effect however it came."""
    person = consent.person
    require_coordinator(actor, person.municipality_id)
    if received_how and received_how not in WithdrawalReceived.values:
        raise ValidationError({"received_how": _("Choose how the withdrawal was received.")})
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.withdrawal_received_how = received_how
        consent.withdrawal_note = note.strip()[:500]
        consent.save(update_fields=["withdrawn_at", "withdrawal_received_how", "withdrawal_note"])
        _log_consent(actor, consent, AuditAction.UPDATE, ip_address)
    return consent
