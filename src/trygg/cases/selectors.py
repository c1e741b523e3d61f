"""Reads of individual data. Each one writes the access log: a list that shows a young
person's name is a read of that person's data, so every row shown is logged."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from trygg.accounts.models import User
from trygg.accounts.roles import Capability, Role
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.selectors import audit_events_about

from .access import (
    CaseAccess,
    Purpose,
    _case_queryset,
    age_on,
    case_access_decision,
    is_coordinator_in,
    log_access,
)
from .models import Case, CaseStatus, Concern, ConcernStatus, Level, Person, Programme

AGE_BANDS = ((0, 12, "0-12"), (13, 15, "13-15"), (16, 17, "16-17"), (18, 20, "18-20"))


def age_band(age: int) -> str:
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "21+")


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def cases_for_user(user, *, purpose: str = Purpose.CASE_LIST, ip_address=None) -> list[CaseAccess]:
    """Every case the user may see now, each through the same rule as the choke point; each
    one shown is logged."""
    if _actor(user) is None or not user.can(Capability.INDIVIDUAL_CASES):
        return []
    candidates = (
        _case_queryset()
        .filter(municipality__in=municipalities_for_user(user))
        .exclude(status=CaseStatus.CULLED)
        .filter(Q(coordinator=user) | Q(members__user=user))
        .distinct()
        .order_by("status", "-last_entry_at")
    )
    visible = []
    for case in candidates:
        decision = case_access_decision(user, case)
        if not decision.visible:
            continue
        visible.append(CaseAccess.of(case, decision, user))
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
    return visible


def people_for_coordinator(user) -> QuerySet[Person]:
    """People an SSPF coordinator may look up (not logged: callers log what they show)."""
    if _actor(user) is None or user.role != Role.SSPF_COORDINATOR:
        return Person.objects.none()
    if not user.can(Capability.INDIVIDUAL_CASES):
        return Person.objects.none()
    return Person.objects.filter(
        municipality__in=municipalities_for_user(user), anonymised_at__isnull=True
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
            rule="coordinator",
            person_id=person.public_id,
            municipality_code=person.municipality.code,
            ip_address=ip_address,
        )
    return shown


def concerns_for_coordinator(user) -> QuerySet[Concern]:
    if _actor(user) is None or user.role != Role.SSPF_COORDINATOR:
        return Concern.objects.none()
    return Concern.objects.filter(municipality__in=municipalities_for_user(user)).select_related(
        "municipality", "case"
    )


def concerns_shown(user, concerns, *, purpose: str, ip_address=None) -> list[Concern]:
    shown = list(concerns)
    for concern in shown:
        log_access(
            user,
            object_type="cases.concern",
            object_id=concern.public_id,
            purpose=purpose,
            outcome="granted",
            rule="coordinator",
            municipality_code=concern.municipality.code,
            ip_address=ip_address,
        )
    return shown


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


# --- the access log: extract per person and sampling review ---------------------------


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
    cases = Case.objects.filter(municipality__in=municipalities_for_user(user))
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


def age_band_of(person: Person) -> str:
    return age_band(age_on(person.birth_date, timezone.localdate()))


def open_concern_count(user) -> int:
    return concerns_for_coordinator(user).filter(status=ConcernStatus.RECEIVED).count()


def coordinator_of(user, municipality_id: int) -> bool:
    return is_coordinator_in(user, municipality_id)


def coordinator_municipality(user):
    """The municipality an SSPF coordinator registers people and concerns in, or None."""
    if _actor(user) is None:
        return None
    for municipality in user.organisation.municipalities.order_by("code"):
        if is_coordinator_in(user, municipality.pk):
            return municipality
    return None
