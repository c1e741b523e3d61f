"""Reads of individual data. Each one writes the access log: a list that shows a young
person's name is a read of that person's data, so every row shown is logged."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Case as Case_
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

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
    ContactLogEntry,
    FollowUp,
    Information,
    Level,
    Meeting,
    Person,
    PlanItem,
)
from .pin import masked, person_pin
from .statistics import OTHER, TOTAL, protected_case_table

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


def _open_first(candidates):
    """Open cases first, then the most recently worked on."""
    return candidates.annotate(
        _closed=Case_(When(status=CaseStatus.OPEN, then=Value(0)), default=Value(1))
    ).order_by("_closed", "-last_entry_at")


def _with_last_follow_up(candidates):
    """Each case with the date of its latest follow-up (``last_follow_up_on``), for
    :attr:`Case.follow_up_due_on` without a query per case."""
    latest = (
        FollowUp.objects.filter(case=OuterRef("pk"))
        .order_by("-followed_up_on")
        .values("followed_up_on")[:1]
    )
    return candidates.annotate(last_follow_up_on=Subquery(latest))


def _follow_up_due(candidates, today: date):
    """Open cases whose follow-up is due on or before ``today``."""
    cutoff = today - timedelta(days=settings.TRYGG_FOLLOW_UP_INTERVAL_DAYS)
    opened_cutoff = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))
    return candidates.filter(status=CaseStatus.OPEN).filter(
        Q(last_follow_up_on__lte=cutoff)
        | Q(last_follow_up_on__isnull=True, opened_at__lt=opened_cutoff)
    )


def cases_for_user(
    user,
    *,
    purpose: str = Purpose.CASE_LIST,
    ip_address=None,
    status: str = "",
    programme: str = "",
    coordinator: str = "",
    follow_up_due: bool = False,
) -> list[CaseAccess]:
    """Every case the user may see now, each through the same rule as the choke point; each
    one shown is logged. The user's municipalities are read once, not once per case.

    The filters (status, programme, coordinator's username, follow-up due) narrow the
    query before the rule, so only the cases shown are logged. Open cases come first."""
    if _actor(user) is None or not user.can(Capability.INDIVIDUAL_CASES):
        return []
    municipality_ids = frozenset(municipality_ids_for_user(user))
    candidates = _with_last_follow_up(
        case_queryset()
        .filter(municipality__in=municipality_ids)
        .exclude(status=CaseStatus.CULLED)
        .filter(Q(coordinator=user) | Q(members__user=user))
        .distinct()
    )
    if status:
        candidates = candidates.filter(status=status)
    if programme:
        candidates = candidates.filter(programme=programme)
    if coordinator:
        candidates = candidates.filter(coordinator__username=coordinator)
    if follow_up_due:
        candidates = _follow_up_due(candidates, timezone.localdate())
    return _cases_shown(
        user,
        _open_first(candidates),
        municipality_ids=municipality_ids,
        purpose=purpose,
        ip_address=ip_address,
    )


def case_coordinators_for(user) -> list[tuple[str, str]]:
    """(username, name) of the SSPF coordinators in the user's municipalities: the
    coordinator filter of the case list."""
    if _actor(user) is None or not user.can(Capability.INDIVIDUAL_CASES):
        return []
    coordinators = (
        User.objects.filter(
            role=Role.SSPF_COORDINATOR,
            organisation__municipalities__in=municipality_ids_for_user(user),
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [(c.username, c.display_name) for c in coordinators]


def followups_due_for(user, *, ip_address=None) -> list[CaseAccess]:
    """Reminders: the open cases the user coordinates or is on the team of whose follow-up
    is due (``TRYGG_FOLLOW_UP_INTERVAL_DAYS`` after the latest one, or after opening),
    oldest due first. Each one shown is logged, like the case list. For the start page."""
    shown = cases_for_user(
        user, purpose=Purpose.CASE_LIST, ip_address=ip_address, follow_up_due=True
    )
    return sorted(shown, key=lambda access: access.case.follow_up_due_on)


# --- consents that run out ----------------------------------------------------------------


@dataclass(frozen=True)
class ConsentWarning:
    """A consent that counts now and runs out within ``TRYGG_CONSENT_EXPIRY_WARNING_DAYS``."""

    person: Person
    expires_on: date
    days_left: int
    case: Case | None = None


def consent_expiry(person: Person | None, *, today: date | None = None) -> ConsentWarning | None:
    """The earliest end among the person's consents that count today (received, not
    withdrawn, within their period), when it is within the warning period; else None.
    Reads the prefetched consents."""
    if person is None:
        return None
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS)
    ends = [
        c.valid_to
        for c in person.consents.all()
        if c.received_at is not None
        and c.withdrawn_at is None
        and c.valid_from <= today <= c.valid_to <= horizon
    ]
    if not ends:
        return None
    end = min(ends)
    return ConsentWarning(person=person, expires_on=end, days_left=(end - today).days)


def _expiring_cases(today: date):
    """Open cases of people with a counting consent that ends within the warning period
    (the query's side of :func:`consent_expiry`)."""
    horizon = today + timedelta(days=settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS)
    return (
        case_queryset()
        .filter(
            status=CaseStatus.OPEN,
            person__consents__received_at__isnull=False,
            person__consents__withdrawn_at__isnull=True,
            person__consents__valid_from__lte=today,
            person__consents__valid_to__gte=today,
            person__consents__valid_to__lte=horizon,
        )
        .distinct()
        .order_by("opened_at")
    )


def consent_warnings_for(user, *, ip_address=None) -> list[ConsentWarning]:
    """The consents that run out soon on the open cases ``user`` coordinates, soonest
    first: for the coordinator's start page. Each case shown is logged as read."""
    if not is_coordinator(user):
        return []
    today = timezone.localdate()
    municipality_ids = frozenset(municipality_ids_for_user(user))
    candidates = _expiring_cases(today).filter(coordinator=user, municipality__in=municipality_ids)
    shown = _cases_shown(
        user,
        candidates,
        municipality_ids=municipality_ids,
        purpose=Purpose.CASE_LIST,
        ip_address=ip_address,
    )
    warnings = []
    for access in shown:
        warning = consent_expiry(access.case.person, today=today)
        if warning is not None:
            warnings.append(replace(warning, case=access.case))
    return sorted(warnings, key=lambda w: w.expires_on)


def consent_expiry_mailings(*, today: date | None = None) -> list[tuple[Case, ConsentWarning]]:
    """Every open case, in every municipality, whose coordinator has not yet been mailed
    about the consent that runs out (for ``trygg samtycken``; not a read of the case: the
    mail says only that a consent of one of their cases runs out, with a link)."""
    today = today or timezone.localdate()
    found = []
    for case in _expiring_cases(today).filter(coordinator__is_active=True):
        warning = consent_expiry(case.person, today=today)
        if warning is None:
            continue
        unwarned = [
            c
            for c in case.person.consents.all()
            if c.valid_to == warning.expires_on and c.expiry_warned_at is None
        ]
        if unwarned:
            found.append((case, replace(warning, case=case)))
    return found


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
    contact_log: list[ContactLogEntry] | None  # "contact_log" (adults' cases)


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
        contact_log=list(case.contact_log.all()) if sees("contact_log") else None,
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


def _same_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _same_person(a: Concern, b: Concern) -> bool:
    """Two concerns probably about the same young person: the same name (case and spaces
    aside) and, where both give one, an age at most a year apart."""
    if _same_name(a.subject_name) != _same_name(b.subject_name):
        return False
    return a.subject_age is None or b.subject_age is None or abs(a.subject_age - b.subject_age) <= 1


def concern_duplicates(user, concerns: Iterable[Concern]) -> dict[int, list[Concern]]:
    """For each of ``concerns``: the coordinator's other concerns probably about the same
    person (see :func:`_same_person`), newest first. Not logged: callers log what they show."""
    concerns = list(concerns)
    names = {_same_name(c.subject_name) for c in concerns}
    if not names:
        return {}
    pool = [
        c
        for c in concerns_for_coordinator(user).order_by("-submitted_at")
        if _same_name(c.subject_name) in names
    ]
    return {
        concern.pk: [o for o in pool if o.pk != concern.pk and _same_person(concern, o)]
        for concern in concerns
    }


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
class CaseStatistics:
    """The protected table as the page shows it: labels, and each cell as text ("–" where
    hidden). ``grouping``: the row dimensions chosen (empty: the whole municipality)."""

    year: int
    grouping: str  # "area+age_band", "area", "age_band" or ""
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    hidden: int
    threshold: int
    merged: int  # how many small rows went into "other"


def case_statistics(user, *, year: int) -> CaseStatistics | None:
    """Cases opened in ``year`` counted by area and age band × level, protected by
    :func:`trygg.cases.statistics.protected_case_table`: aggregated until little is hidden,
    no shown count under ``TRYGG_STATISTICS_MIN_COUNT``, and no hidden count derivable
    from the totals. One year at a time: tables of overlapping periods would let one be
    subtracted from another. Nothing else leaves the module."""
    if _actor(user) is None or not user.can(Capability.VIEW_CASE_STATISTICS):
        return None
    threshold = settings.TRYGG_STATISTICS_MIN_COUNT
    cases = Case.objects.filter(
        municipality__in=municipality_ids_for_user(user), opened_at__year=year
    )
    records = [
        {"area": area_name or "–", "age_band": band or "–", "level": level}
        for area_name, band, level in cases.values_list("area__name", "age_band", "level")
    ]
    table = protected_case_table(records, columns=Level.values, threshold=threshold)
    levels = dict(Level.choices)

    def label(key: str) -> str:
        if key == TOTAL:
            return str(_("Total"))
        if key == OTHER:
            return str(_("Other (small groups together)"))
        return key or str(_("All cases"))

    return CaseStatistics(
        year=year,
        grouping="+".join(table.grouping),
        columns=[str(levels[c]) if c in levels else label(c) for c in table.columns],
        rows=[
            (
                label(r),
                [
                    "–" if table.values[(r, c)] is None else str(table.values[(r, c)])
                    for c in table.columns
                ],
            )
            for r in table.rows
        ],
        hidden=len(table.hidden),
        threshold=threshold,
        merged=len(table.merged),
    )
