"""Reads of individual data. Each one writes the access log: a list that shows a young
person's name is a read of that person's data, so every row shown is logged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db.models import Q, QuerySet

from trygg.accounts.models import Organisation, User
from trygg.accounts.roles import Capability, Role
from trygg.areas.models import Municipality
from trygg.areas.selectors import municipality_ids_for_user
from trygg.audit.selectors import audit_events_about

from .access import (
    CaseAccess,
    ConsentState,
    Purpose,
    Rule,
    case_access_decision,
    case_queryset,
    consent_state,
    is_coordinator,
    log_access,
    log_case_read,
)
from .checklists import PROTECTIVE_FACTORS, RISK_FACTORS, labels
from .models import (
    Case,
    CaseMember,
    CaseStatus,
    Concern,
    ConcernStatus,
    Consent,
    FollowUp,
    Information,
    Level,
    Meeting,
    Person,
    PlanItem,
    Programme,
)
from .pin import masked, person_pin

AGE_BANDS = ((0, 12, "0-12"), (13, 15, "13-15"), (16, 17, "16-17"), (18, 20, "18-20"))


def age_band(age: int) -> str:
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "21+")


def _actor(user):
    return user if user is not None and user.is_authenticated else None


# --- cases, each through the rule -------------------------------------------------------


def _cases_shown(
    user, candidates: Iterable[Case], *, municipality_ids: Collection[int], purpose, ip_address
) -> list[CaseAccess]:
    """The candidates the rule grants ``user``, each one logged as read."""
    visible = []
    for case in candidates:
        decision = case_access_decision(user, case, municipality_ids=municipality_ids)
        if not decision.visible:
            continue
        visible.append(CaseAccess.of(case, decision, user))
        log_case_read(user, case, decision, purpose=purpose, ip_address=ip_address)
    return visible


def cases_for_user(user, *, purpose: str = Purpose.CASE_LIST, ip_address=None) -> list[CaseAccess]:
    """Every case the user may see now, each through the same rule as the choke point; each
    one shown is logged. The user's municipalities are read once, not once per case."""
    if _actor(user) is None or not user.can(Capability.INDIVIDUAL_CASES):
        return []
    municipality_ids = frozenset(municipality_ids_for_user(user))
    candidates = (
        case_queryset()
        .filter(municipality__in=municipality_ids)
        .exclude(status=CaseStatus.CULLED)
        .filter(Q(coordinator=user) | Q(members__user=user))
        .distinct()
        .order_by("status", "-last_entry_at")
    )
    return _cases_shown(
        user,
        candidates,
        municipality_ids=municipality_ids,
        purpose=purpose,
        ip_address=ip_address,
    )


def cases_of_person(user, person: Person, *, purpose: str, ip_address=None) -> list[CaseAccess]:
    """The person's cases that ``user`` may see, newest first, each logged as read."""
    if _actor(user) is None or not user.can(Capability.INDIVIDUAL_CASES):
        return []
    candidates = (
        case_queryset()
        .filter(person=person)
        .exclude(status=CaseStatus.CULLED)
        .order_by("-opened_at")
    )
    return _cases_shown(
        user,
        candidates,
        municipality_ids=frozenset(municipality_ids_for_user(user)),
        purpose=purpose,
        ip_address=ip_address,
    )


# --- a case as one reader may see it ----------------------------------------------------


@dataclass(frozen=True)
class CaseConcern:
    reason: str
    risk_factors: list[str]
    protective_factors: list[str]
    risk_labels: list[str]
    protective_labels: list[str]


@dataclass(frozen=True)
class CaseView:
    """A case cut to the sections the rule granted: what a withheld section holds is None.

    The page and the API both render this, so they cannot show different things."""

    access: CaseAccess
    case: Case
    person: Person
    sections: tuple[str, ...]
    pin_masked: str | None  # "person"
    members: list[CaseMember] | None  # "team"
    concern: CaseConcern | None  # "concern"
    meetings: list[Meeting] | None  # "meetings"
    plan_items: list[PlanItem] | None  # "plan"
    follow_ups: list[FollowUp] | None  # "follow_ups"
    consent: ConsentState | None  # "consents"
    police_notes: str | None  # "police_notes"


def case_view(access: CaseAccess) -> CaseView:
    case, sees = access.case, access.sees
    return CaseView(
        access=access,
        case=case,
        person=case.person,
        sections=tuple(sorted(access.sections)),
        pin_masked=masked(person_pin(case.person)) if sees("person") else None,
        members=list(case.members.all()) if sees("team") else None,
        concern=(
            CaseConcern(
                reason=case.reason,
                risk_factors=case.risk_factors,
                protective_factors=case.protective_factors,
                risk_labels=labels(case.risk_factors, RISK_FACTORS),
                protective_labels=labels(case.protective_factors, PROTECTIVE_FACTORS),
            )
            if sees("concern")
            else None
        ),
        meetings=list(case.meetings.all()) if sees("meetings") else None,
        plan_items=(list(case.plan_items.select_related("organisation")) if sees("plan") else None),
        follow_ups=(
            list(case.follow_ups.select_related("organisation")) if sees("follow_ups") else None
        ),
        consent=consent_state(case.person) if sees("consents") else None,
        police_notes=case.police_notes if sees("police_notes") else None,
    )


# --- person records and concerns: the coordinators' ------------------------------------


def coordinator_municipality_ids(user) -> list[int]:
    """The municipalities where ``user`` is an SSPF coordinator (empty for anybody else)."""
    return municipality_ids_for_user(user) if is_coordinator(user) else []


def coordinator_municipality(user) -> Municipality | None:
    """The municipality an SSPF coordinator registers people and concerns in, or None."""
    return (
        Municipality.objects.filter(pk__in=coordinator_municipality_ids(user))
        .order_by("code")
        .first()
    )


def people_for_coordinator(user) -> QuerySet[Person]:
    """People an SSPF coordinator may look up (not logged: callers log what they show)."""
    return Person.objects.filter(
        municipality__in=coordinator_municipality_ids(user), anonymised_at__isnull=True
    ).select_related("municipality")


def people_shown(user, people, *, purpose: str, ip_address=None) -> list[Person]:
    shown = list(people)
    for person in shown:
        log_access(
            user,
            object_type="cases.person",
            object_id=person.public_id,
            purpose=purpose,
            outcome="granted",
            rule=Rule.COORDINATOR,
            person_id=person.public_id,
            municipality_code=person.municipality.code,
            ip_address=ip_address,
        )
    return shown


@dataclass(frozen=True)
class PersonRecord:
    """What the person page shows besides the person: consents and what they cover."""

    pin: str
    pin_masked: str
    consent: ConsentState
    covered: list[Organisation]
    information_labels: list[str]


def person_record(person: Person) -> PersonRecord:
    state = consent_state(person)
    pin = person_pin(person)
    return PersonRecord(
        pin=pin,
        pin_masked=masked(pin),
        consent=state,
        covered=list(Organisation.objects.filter(pk__in=state.organisation_ids).order_by("name")),
        information_labels=information_labels(state.information),
    )


def information_labels(information: Collection[str]) -> list[str]:
    return [str(label) for key, label in Information.choices if key in information]


def concerns_for_coordinator(user) -> QuerySet[Concern]:
    return Concern.objects.filter(
        municipality__in=coordinator_municipality_ids(user)
    ).select_related("municipality", "case")


def open_concern_count(user) -> int:
    """Concerns waiting for the coordinator (not logged: no concern is shown)."""
    return concerns_for_coordinator(user).filter(status=ConcernStatus.RECEIVED).count()


def concerns_shown(user, concerns, *, purpose: str, ip_address=None) -> list[Concern]:
    shown = list(concerns)
    for concern in shown:
        log_access(
            user,
            object_type="cases.concern",
            object_id=concern.public_id,
            purpose=purpose,
            outcome="granted",
            rule=Rule.COORDINATOR,
            municipality_code=concern.municipality.code,
            ip_address=ip_address,
        )
    return shown


# --- who can take part ------------------------------------------------------------------


def team_candidates(case: Case) -> QuerySet[User]:
    """Who can join a team: active users who work with cases in the case's municipality."""
    roles = [Role.CASE_WORKER, Role.SSPF_COORDINATOR]
    return (
        User.objects.filter(
            is_active=True,
            role__in=roles,
            organisation__municipalities=case.municipality_id,
        )
        .exclude(pk=case.coordinator_id)
        .exclude(case_memberships__case=case)
        .select_related("organisation")
        .order_by("organisation__name", "last_name", "username")
        .distinct()
    )


def organisations_in(municipality_id: int) -> QuerySet[Organisation]:
    """The organisations working in a municipality: a consent's parties, a plan item's
    responsible organisation."""
    return Organisation.objects.filter(municipalities=municipality_id).order_by("name")


def consent_form_context(consent: Consent) -> dict:
    """What the printed consent form shows (the person's number in full: it is signed)."""
    return {
        "consent": consent,
        "person": consent.person,
        "pin": person_pin(consent.person),
        "information": information_labels(consent.information),
    }


# --- the access log: extract per person -------------------------------------------------

PERSON_LOG_HEADER = (
    "when_utc",
    "user",
    "organisation",
    "role",
    "action",
    "object",
    "purpose",
    "outcome",
    "address",
)


def person_log_extract(*, person: Person):
    """Every access-log entry about a person, their cases, consents and concerns: what the
    person may ask for (GDPR art. 15 and the practice of the patient-data rules)."""
    cases = list(Case.objects.filter(person=person).values_list("public_id", flat=True))
    concerns = list(Concern.objects.filter(case__person=person).values_list("public_id", flat=True))
    consents = list(person.consents.values_list("public_id", flat=True))
    refs = [("cases.person", person.public_id)]
    refs += [("cases.case", c) for c in cases]
    refs += [("cases.concern", c) for c in concerns]
    refs += [("cases.consent", c) for c in consents]
    return audit_events_about(refs=refs, person_id=str(person.public_id))


def person_log_rows(events) -> Iterator[list[str]]:
    """The extract's rows under :data:`PERSON_LOG_HEADER`, times in UTC."""
    for e in events:
        yield [
            e.occurred_at.astimezone(UTC).isoformat(),
            e.actor_username,
            e.actor_organisation,
            e.actor_role,
            e.action,
            e.object_type,
            e.purpose,
            (e.details or {}).get("outcome", ""),
            e.ip_address or "",
        ]


# --- aggregated statistics ----------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsRow:
    area: str
    age_band: str
    level: str
    programme: str
    count: int | None  # None: fewer than the minimum, suppressed

    @property
    def shown(self) -> str:
        return (
            str(self.count) if self.count is not None else f"<{settings.TRYGG_STATISTICS_MIN_COUNT}"
        )


def case_statistics(user, *, year: int | None = None) -> list[StatisticsRow]:
    """Cases counted by area × age band × level × programme; counts under
    ``TRYGG_STATISTICS_MIN_COUNT`` are suppressed. Nothing else leaves the module."""
    if _actor(user) is None or not user.can(Capability.VIEW_CASE_STATISTICS):
        return []
    cases = Case.objects.filter(municipality__in=municipality_ids_for_user(user))
    if year:
        cases = cases.filter(opened_at__year=year)
    counter: Counter = Counter()
    for area_name, band, level, programme in cases.values_list(
        "area__name", "age_band", "level", "programme"
    ):
        counter[(area_name or "–", band or "–", level, programme)] += 1
    minimum = settings.TRYGG_STATISTICS_MIN_COUNT
    levels, programmes = dict(Level.choices), dict(Programme.choices)
    return [
        StatisticsRow(
            area,
            band,
            str(levels.get(level, level)),
            str(programmes.get(programme, programme)),
            count=count if count >= minimum else None,
        )
        for (area, band, level, programme), count in sorted(counter.items())
    ]
