"""Who may see which case: the one choke point, ``access_case_by_id``.

Pages, the API, the consent form PDF and the log extract all call it, so they cannot
disagree. It answers "not found" alike for a missing case and a forbidden one, and it
writes one access-log entry for every call, granted or not (who, organisation, role, which
case and person, purpose, when in UTC, from which address).

The rule, one branch per line in :func:`case_access_decision`:

1. not signed in or inactive                                → not found
2. the role cannot work with individual cases                → not found
   (management, analysts, administrators: statistics only)
3. no such case                                              → not found
4. the case is culled                                        → not found
5. the case is in a municipality the organisation is not in  → not found
6. the user is the case's coordinator                        → every section
7. the user is not on the case team                          → not found
8. the user has moved to another organisation since joining  → not found
9. the user's organisation is social services                → every section but police notes
10. no active consent for the person                          → not found
11. the organisation is not a party of the active consent     → not found
12. otherwise                                                 → the organisation kind's sections

After the branch that grants, one more line shapes the sections by the person's age
(:func:`_by_age`): an adult's case (from ``TRYGG_CONSENT_ADULT_AGE``, the specialist
function and bridge builders) has no guardians section and has the contact log instead; a
child's case has the guardians and no contact log.

Writes, one branch per line in :func:`case_writes` (a caller asks for one
:class:`CaseWrite` with ``access_case_by_id(..., write=...)``; ``CaseWrite.COORDINATE`` is
the coordinator's own changes: the team, meetings, new plan items, closing):

a. the case is culled, or the user may not read it             → nothing (404)
b. the coordinator, open case                                  → everything
c. the coordinator, closed case                                → reopen it, with a reason
d. anybody else, closed case                                   → nothing
e. a team member who sees the plan                             → status and note of the plan
                                                                 items of their own organisation
f. a team member who sees the follow-ups                       → a follow-up with their own
   (school: attendance; police: new suspicions; social           organisation's measure, when
   services: the outcome; leisure does not see follow-ups)       the consent covers it
g. police who see the police notes                             → the police notes
h. whoever sees the contact log of an open adult case           → a contact-log entry
   (the coordinator, social services on the team)

Meetings and their minutes stay the coordinator's, who keeps the record of the meeting. A
team member who may read the case gets 403 on any other change (the case's existence is no
secret to them), everybody else 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trygg.accounts.models import OrganisationKind
from trygg.accounts.roles import Capability, Role
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import Case, CaseStatus, Concern, Consent, ConsentGiver, Information, Person


class Purpose(models.TextChoices):
    CASE_WORK = "case_work", _("Case work")
    CASE_LIST = "case_list", _("Case list")
    CONSENT = "consent", _("Consent")
    CONCERN = "concern", _("Concern intake")
    PERSON = "person", _("Person record")
    API = "api", _("API")
    PRINT = "print", _("Printed form")
    DATA_SUBJECT_REQUEST = "data_subject_request", _("Data subject's request")
    LOG_REVIEW = "log_review", _("Log review")
    CULLING = "culling", _("Culling")


class Rule(StrEnum):
    """The branch of a rule that decided: stored in the access log as ``details["rule"]``,
    so the values never change."""

    # The case rule, in the order of case_access_decision.
    NOT_SIGNED_IN = "not_signed_in"
    ROLE_WITHOUT_CASES = "role_without_cases"
    NO_SUCH_CASE = "no_such_case"
    CULLED = "culled"
    OTHER_MUNICIPALITY = "other_municipality"
    COORDINATOR = "coordinator"
    NOT_ON_TEAM = "not_on_team"
    MOVED_ORGANISATION = "moved_organisation"
    SOCIAL_SERVICES_ON_TEAM = "social_services_on_team"
    NO_ACTIVE_CONSENT = "no_active_consent"
    ORGANISATION_NOT_IN_CONSENT = "organisation_not_in_consent"
    TEAM_WITH_CONSENT = "team_with_consent"
    # Person records, consents and concerns: the coordinators' (granted as COORDINATOR).
    NOT_COORDINATOR_OR_MISSING = "not_coordinator_or_missing"
    # What the services log.
    CHANGE = "change"
    SEARCH_BY_NUMBER = "search_by_number"


class CaseWrite(StrEnum):
    """The writes a caller can ask the choke point for (``access_case_by_id(write=...)``)."""

    # The coordinator's own changes: the team, meetings, new plan items, closing.
    COORDINATE = "coordinate"
    PLAN_ITEM = "plan_item"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_SCHOOL_ATTENDANCE = "follow_up.school_attendance"
    FOLLOW_UP_NEW_SUSPICIONS = "follow_up.new_suspicions"
    FOLLOW_UP_LEISURE_ACTIVITY = "follow_up.leisure_activity"
    FOLLOW_UP_OUTCOME = "follow_up.outcome"
    POLICE_NOTES = "police_notes"
    REOPEN = "reopen"
    CONTACT_LOG = "contact_log"


# What each part of a case page or API answer is called; field-level rules grant these.
SECTIONS = (
    "overview",
    "team",
    "person",
    "guardians",
    "concern",
    "meetings",
    "plan",
    "follow_ups",
    "consents",
    "police_notes",
    "contact_log",
)
ALL = frozenset(SECTIONS)
SOCIAL_SERVICES = ALL - {"police_notes"}
# What a team member of each organisation kind sees when a consent covers the organisation.
# "concern" needs the consent to cover social services' assessment, "police_notes" the
# police information (see _by_information).
SECTIONS_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.POLICE: frozenset(
        {"overview", "team", "concern", "meetings", "plan", "follow_ups", "police_notes"}
    ),
    OrganisationKind.SCHOOL: frozenset({"overview", "team", "meetings", "plan", "follow_ups"}),
}
DEFAULT_SECTIONS = frozenset({"overview", "team", "meetings", "plan"})
NEEDS_INFORMATION = {"concern": Information.SOCIAL, "police_notes": Information.POLICE}

FOLLOW_UP_FIELDS = ("school_attendance", "new_suspicions", "leisure_activity", "outcome")
# The write that lets a user report each follow-up field.
FOLLOW_UP_FIELD_WRITES: dict[str, CaseWrite] = {
    name: CaseWrite(f"follow_up.{name}") for name in FOLLOW_UP_FIELDS
}
# The follow-up measure each organisation kind reports, and the information a consent must
# cover for it (None: social services work on their own case without consent).
FOLLOW_UP_MEASURE: dict[str, tuple[str, str | None]] = {
    OrganisationKind.SCHOOL: ("school_attendance", Information.SCHOOL),
    OrganisationKind.POLICE: ("new_suspicions", Information.POLICE),
    OrganisationKind.SOCIAL_SERVICES: ("outcome", None),
}
COORDINATOR_WRITES = frozenset(CaseWrite)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class ConsentState:
    """What the consents of a person allow on a given day."""

    active: bool
    organisation_ids: frozenset[int] = frozenset()
    information: frozenset[str] = frozenset()
    required: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def required_givers(person: Person, day: date) -> list[str]:
    """Whose consent counts: the guardians with custody of a child, and from
    ``TRYGG_CONSENT_OWN_AGE`` the young person too; from the adult age only the person's own."""
    age = age_on(person.birth_date, day)
    if age >= settings.TRYGG_CONSENT_ADULT_AGE:
        return [ConsentGiver.PERSON]
    givers = [f"guardian:{g.pk}" for g in person.guardians.all() if g.has_custody]
    if age >= settings.TRYGG_CONSENT_OWN_AGE:
        givers.append(ConsentGiver.PERSON)
    return givers


def consent_state(person: Person | None, *, at: datetime | None = None) -> ConsentState:
    """A consent is active from the day its signed form is received, within its period,
    until withdrawn. Every required giver must have one; the parties and the information
    covered are what *all* of them agreed to."""
    if person is None:
        return ConsentState(active=False)
    at = at or timezone.now()
    day = timezone.localdate(at)
    required = required_givers(person, day)
    given: dict[str, tuple[set[int], set[str]]] = {}
    for consent in person.consents.all():
        if consent.received_at is None or consent.received_at > at:
            continue
        if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
            continue
        if not (consent.valid_from <= day <= consent.valid_to):
            continue
        key = (
            ConsentGiver.PERSON
            if consent.given_by == ConsentGiver.PERSON
            else f"guardian:{consent.guardian_id}"
        )
        orgs, info = given.setdefault(key, (set(), set()))
        orgs.update(p.pk for p in consent.parties.all())
        info.update(consent.information)
    missing = tuple(g for g in required if g not in given)
    if not required or missing:
        return ConsentState(active=False, required=tuple(required), missing=missing)
    organisations = set.intersection(*(given[g][0] for g in required))
    information = set.intersection(*(given[g][1] for g in required))
    return ConsentState(
        active=True,
        organisation_ids=frozenset(organisations),
        information=frozenset(information),
        required=tuple(required),
    )


# --- who is who -------------------------------------------------------------------------


def signed_in(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def actor_municipality_ids(actor) -> frozenset[int]:
    """The municipalities the actor's organisation works in (one query: callers that decide
    about many records compute it once and pass it on)."""
    return frozenset(actor.organisation.municipalities.values_list("pk", flat=True))


def is_coordinator(actor) -> bool:
    """An SSPF coordinator who may work with cases, in whichever municipality."""
    return bool(
        signed_in(actor)
        and actor.role == Role.SSPF_COORDINATOR
        and actor.can(Capability.INDIVIDUAL_CASES)
    )


def is_coordinator_in(
    actor, municipality_id: int, *, municipality_ids: Collection[int] | None = None
) -> bool:
    """The one test of "is an SSPF coordinator of this municipality": person records,
    consents and concerns are theirs. ``municipality_ids``: the actor's, when known."""
    if not is_coordinator(actor):
        return False
    if municipality_ids is None:
        municipality_ids = actor_municipality_ids(actor)
    return municipality_id in municipality_ids


# --- the case rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    visible: bool
    rule: Rule
    sections: frozenset[str] = frozenset()
    consent: ConsentState | None = field(default=None, compare=False)
    writes: frozenset[CaseWrite] = frozenset()

    @property
    def can_change(self) -> bool:
        return CaseWrite.COORDINATE in self.writes


def _deny(rule: Rule) -> Decision:
    return Decision(visible=False, rule=rule)


def _by_information(sections: frozenset[str], information: frozenset[str]) -> frozenset[str]:
    return frozenset(
        s for s in sections if s not in NEEDS_INFORMATION or NEEDS_INFORMATION[s] in information
    )


def case_access_decision(
    actor,
    case: Case | None,
    *,
    at: datetime | None = None,
    municipality_ids: Collection[int] | None = None,
) -> Decision:
    """The rule. Each branch is one line and has its own test (tests/cases/test_access.py).
    ``municipality_ids``: the actor's (:func:`actor_municipality_ids`), when the caller
    decides about many cases."""
    if not signed_in(actor):
        return _deny(Rule.NOT_SIGNED_IN)
    if not actor.can(Capability.INDIVIDUAL_CASES):
        return _deny(Rule.ROLE_WITHOUT_CASES)
    if case is None:
        return _deny(Rule.NO_SUCH_CASE)
    if case.status == CaseStatus.CULLED:
        return _deny(Rule.CULLED)
    if municipality_ids is None:
        municipality_ids = actor_municipality_ids(actor)
    if case.municipality_id not in municipality_ids:
        return _deny(Rule.OTHER_MUNICIPALITY)
    if case.coordinator_id == actor.pk:
        return _granted(actor, case, Rule.COORDINATOR, ALL, frozenset(Information.values))
    member = next((m for m in case.members.all() if m.user_id == actor.pk), None)
    if member is None:
        return _deny(Rule.NOT_ON_TEAM)
    if member.organisation_id != actor.organisation_id:
        return _deny(Rule.MOVED_ORGANISATION)
    if actor.organisation.kind == OrganisationKind.SOCIAL_SERVICES:
        everything = frozenset(Information.values)
        return _granted(actor, case, Rule.SOCIAL_SERVICES_ON_TEAM, SOCIAL_SERVICES, everything)
    consent = consent_state(case.person, at=at)
    if not consent.active:
        return _deny(Rule.NO_ACTIVE_CONSENT)
    if actor.organisation_id not in consent.organisation_ids:
        return _deny(Rule.ORGANISATION_NOT_IN_CONSENT)
    sections = SECTIONS_BY_KIND.get(actor.organisation.kind, DEFAULT_SECTIONS)
    sections = _by_information(sections, consent.information)
    return _granted(actor, case, Rule.TEAM_WITH_CONSENT, sections, consent.information)


def is_adult(person: Person | None, day: date | None = None) -> bool:
    return person is not None and (
        age_on(person.birth_date, day or timezone.localdate()) >= settings.TRYGG_CONSENT_ADULT_AGE
    )


def _by_age(sections: frozenset[str], case: Case) -> frozenset[str]:
    """An adult has no guardians in the case; the contact log is for adults' cases only."""
    if is_adult(case.person):
        return sections - {"guardians"}
    return sections - {"contact_log"}


def _granted(actor, case: Case, rule: Rule, sections, information) -> Decision:
    sections = _by_age(frozenset(sections), case)
    return Decision(
        True, rule, sections, writes=case_writes(actor, case, rule, sections, information)
    )


def case_writes(actor, case: Case, rule: Rule, sections, information) -> frozenset[CaseWrite]:
    """What a user who may read ``case`` may write in it (branches b-h of the rule above;
    branch a is the read rule). Each branch has its own test in tests/cases/test_writes.py."""
    if rule == Rule.COORDINATOR and case.status == CaseStatus.OPEN:
        return COORDINATOR_WRITES - (
            set() if "contact_log" in sections else {CaseWrite.CONTACT_LOG}
        )
    if rule == Rule.COORDINATOR:
        return frozenset({CaseWrite.REOPEN})
    if case.status != CaseStatus.OPEN:
        return frozenset()
    writes: set[CaseWrite] = set()
    if "plan" in sections:
        writes.add(CaseWrite.PLAN_ITEM)
    measure, needs = FOLLOW_UP_MEASURE.get(actor.organisation.kind, (None, None))
    if "follow_ups" in sections and measure and (needs is None or needs in information):
        writes |= {
            CaseWrite.FOLLOW_UP,
            FOLLOW_UP_FIELD_WRITES[measure],
            CaseWrite.FOLLOW_UP_OUTCOME,
        }
    if "police_notes" in sections and actor.organisation.kind == OrganisationKind.POLICE:
        writes.add(CaseWrite.POLICE_NOTES)
    if "contact_log" in sections:
        writes.add(CaseWrite.CONTACT_LOG)
    return frozenset(writes)


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    sections: frozenset[str]
    rule: Rule
    writes: frozenset[CaseWrite] = frozenset()
    user_id: int | None = None

    @property
    def can_change(self) -> bool:
        return CaseWrite.COORDINATE in self.writes

    def sees(self, section: str) -> bool:
        return section in self.sections

    def may(self, write: CaseWrite) -> bool:
        return write in self.writes

    @classmethod
    def of(cls, case: Case, decision: Decision, user) -> CaseAccess:
        return cls(case, decision.sections, decision.rule, decision.writes, user.pk)


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def case_queryset():
    """Cases with everything the rule and a case page read."""
    return Case.objects.select_related(
        "person", "coordinator", "coordinator__organisation", "municipality"
    ).prefetch_related(
        "members__user__organisation",
        "members__organisation",
        "person__guardians",
        "person__consents__parties",
    )


def log_access(
    actor,
    *,
    object_type: str,
    object_id,
    purpose: str,
    outcome: str,
    rule: Rule | str = "",
    person_id=None,
    municipality_code: str = "",
    ip_address: str | None = None,
    action: str = AuditAction.READ,
    extra: dict | None = None,
) -> None:
    details = {"outcome": outcome, "rule": str(rule), **(extra or {})}
    if person_id is not None:
        details["person"] = str(person_id)
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        municipality_code=municipality_code,
        summary=f"{object_type} {outcome}",
        details=details,
        purpose=str(purpose),
        ip_address=ip_address,
    )


def log_case_read(user, case: Case, decision: Decision, *, purpose: str, ip_address=None) -> None:
    """The access-log entry of one case shown in a list (the rule granted it)."""
    log_access(
        user,
        object_type="cases.case",
        object_id=case.public_id,
        purpose=purpose,
        outcome="granted",
        rule=decision.rule,
        person_id=case.person.public_id,
        municipality_code=case.municipality.code,
        ip_address=ip_address,
    )


def _logged_actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


def access_case_by_id(
    actor,
    case_id,
    purpose: str,
    *,
    write: CaseWrite | None = None,
    ip_address: str | None = None,
) -> CaseAccess:
    """The case if ``actor`` may see it (and, with ``write``, make that write); Http404 if
    not, whether it is missing or forbidden; PermissionDenied for a write a reader may not
    make."""
    public_id = _as_uuid(case_id)
    case = case_queryset().filter(public_id=public_id).first() if public_id else None
    decision = case_access_decision(actor, case)
    forbidden_write = decision.visible and write is not None and write not in decision.writes
    outcome = "granted" if decision.visible else "not_found"
    if forbidden_write:
        outcome = "change_refused"
    log_access(
        _logged_actor(actor),
        object_type="cases.case",
        object_id=public_id or str(case_id),
        purpose=purpose,
        outcome=outcome,
        rule=decision.rule,
        person_id=case.person.public_id if case is not None and case.person_id else None,
        municipality_code=case.municipality.code if case is not None else "",
        ip_address=ip_address,
    )
    if not decision.visible:
        raise Http404
    if forbidden_write:
        raise PermissionDenied
    return CaseAccess.of(case, decision, actor)


# --- person records, consents and concerns: the coordinators' ---------------------------


@dataclass(frozen=True)
class _RecordKind:
    """How to find, place and log one kind of record read by public id."""

    object_type: str
    queryset: Callable[[], models.QuerySet]
    municipality: Callable  # record -> Municipality
    person: Callable  # record -> Person | None (logged as the person the read concerns)


PERSON_RECORD = _RecordKind(
    "cases.person",
    lambda: (
        Person.objects.select_related("municipality")
        .prefetch_related("guardians", "consents__parties", "consents__guardian")
        .filter(anonymised_at__isnull=True)
    ),
    municipality=lambda person: person.municipality,
    person=lambda person: person,
)
CONCERN_RECORD = _RecordKind(
    "cases.concern",
    lambda: Concern.objects.select_related("municipality", "case"),
    municipality=lambda concern: concern.municipality,
    person=lambda concern: None,
)
CONSENT_RECORD = _RecordKind(
    "cases.consent",
    lambda: (
        Consent.objects.select_related("person", "person__municipality", "guardian")
        .prefetch_related("parties")
        .filter(person__anonymised_at__isnull=True)
    ),
    municipality=lambda consent: consent.person.municipality,
    person=lambda consent: consent.person,
)


def _access_record_by_id(
    kind: _RecordKind, actor, record_id, purpose: str, *, ip_address: str | None = None
):
    """The record if ``actor`` is an SSPF coordinator of its municipality; Http404 if not,
    whether it is missing or forbidden. Every call is logged."""
    public_id = _as_uuid(record_id)
    record = kind.queryset().filter(public_id=public_id).first() if public_id else None
    municipality = kind.municipality(record) if record is not None else None
    visible = record is not None and is_coordinator_in(actor, municipality.pk)
    person = kind.person(record) if record is not None else None
    log_access(
        _logged_actor(actor),
        object_type=kind.object_type,
        object_id=public_id or str(record_id),
        purpose=purpose,
        outcome="granted" if visible else "not_found",
        rule=Rule.COORDINATOR if visible else Rule.NOT_COORDINATOR_OR_MISSING,
        person_id=person.public_id if person is not None else None,
        municipality_code=municipality.code if municipality is not None else "",
        ip_address=ip_address,
    )
    if not visible:
        raise Http404
    return record


def access_person_by_id(actor, person_id, purpose: str, *, ip_address: str | None = None) -> Person:
    """A person record (identity number, guardians, consents) is for the SSPF coordinators
    of the person's municipality; team members see what their case sections allow."""
    return _access_record_by_id(PERSON_RECORD, actor, person_id, purpose, ip_address=ip_address)


def access_concern_by_id(
    actor, concern_id, purpose: str, *, ip_address: str | None = None
) -> Concern:
    """A concern is read by the SSPF coordinators of its municipality only."""
    return _access_record_by_id(CONCERN_RECORD, actor, concern_id, purpose, ip_address=ip_address)


def access_consent_by_id(
    actor, consent_id, purpose: str, *, ip_address: str | None = None
) -> Consent:
    """A consent is part of the person record: the same rule, logged as a consent read."""
    return _access_record_by_id(CONSENT_RECORD, actor, consent_id, purpose, ip_address=ip_address)
