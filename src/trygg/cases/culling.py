"""Culling (gallring): individual data goes when its time is up; statistics stay.

Retention is set per record type in ``TRYGG_RETENTION_YEARS``:

* ``closed_case``: a closed case is culled this many years after its last entry. Its
  meetings, plan, follow-ups, contact log and team go, its texts are emptied, and the case keeps only
  programme, level, age band, area and dates, for statistics. It is then "culled": nobody
  can open it.
* ``closed_concern``: a concern that never became a case goes this many years after it was
  closed.
* A person with no remaining case and no open concern is deleted with their guardians and
  consents.

Every removal is written to the audit log (action ``cull``), which itself is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .access import Purpose
from .models import Case, CaseStatus, Concern, ConcernStatus, Person

YEAR = timedelta(days=365.25)


@dataclass
class CullPlan:
    cases: list[Case] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.cases or self.concerns or self.people)


def cull_plan(*, now: datetime | None = None) -> CullPlan:
    """What culling would remove now (``trygg gallra --simulate`` prints it)."""
    now = now or timezone.now()
    years = settings.TRYGG_RETENTION_YEARS
    cases = list(
        Case.objects.filter(
            status=CaseStatus.CLOSED, last_entry_at__lt=now - years["closed_case"] * YEAR
        ).select_related("municipality", "person")
    )
    concerns = list(
        Concern.objects.filter(
            status=ConcernStatus.CLOSED, handled_at__lt=now - years["closed_concern"] * YEAR
        ).select_related("municipality")
    )
    culled_case_ids = {c.pk for c in cases}
    people = []
    for person in {c.person for c in cases if c.person_id}:
        remaining = person.cases.exclude(pk__in=culled_case_ids).exclude(status=CaseStatus.CULLED)
        if not remaining.exists():
            people.append(person)
    people.sort(key=lambda p: p.pk)
    return CullPlan(cases=cases, concerns=concerns, people=people)


def _log(actor, object_type: str, obj, *, person_id=None, municipality_code="") -> None:
    details = {"outcome": "culled"}
    if person_id is not None:
        details["person"] = str(person_id)
    audit_record(
        actor=actor,
        action=AuditAction.CULL,
        object_type=object_type,
        object_id=str(obj.public_id),
        municipality_code=municipality_code,
        summary=f"{object_type} culled",
        details=details,
        purpose=Purpose.CULLING,
    )


@transaction.atomic
def cull(*, actor=None, now: datetime | None = None) -> CullPlan:
    """Remove or anonymise what :func:`cull_plan` lists, and log each removal."""
    now = now or timezone.now()
    plan = cull_plan(now=now)
    for case in plan.cases:
        person_id = case.person.public_id if case.person_id else None
        case.meetings.all().delete()
        case.plan_items.all().delete()
        case.follow_ups.all().delete()
        case.contact_log.all().delete()
        case.members.all().delete()
        Concern.objects.filter(case=case).delete()
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.CULLED,
            person=None,
            reason="",
            risk_factors=[],
            protective_factors=[],
            police_notes="",
            closure_reason="-",
            reopen_reason="",
            culled_at=now,
        )
        _log(
            actor, "cases.case", case, person_id=person_id, municipality_code=case.municipality.code
        )
    for concern in plan.concerns:
        _log(actor, "cases.concern", concern, municipality_code=concern.municipality.code)
        concern.delete()
    for person in plan.people:
        _log(
            actor,
            "cases.person",
            person,
            person_id=person.public_id,
            municipality_code=person.municipality.code,
        )
        person.delete()
    return plan
