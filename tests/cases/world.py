"""A small synthetic SSPF world: organisations, one user per kind of actor, and one case in
each object state of the authorisation matrix. Personal identity numbers are generated
here, at run time, with a wrong check digit: never a real person's."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from django.utils import timezone

from tests.factories import MunicipalityFactory, OrganisationFactory, UserFactory
from trygg.accounts.models import OrganisationKind
from trygg.accounts.roles import Role
from trygg.cases.models import (
    Case,
    CaseMember,
    CaseStatus,
    Concern,
    Consent,
    ConsentGiver,
    Guardian,
    Information,
    Level,
    PlanItem,
    Programme,
)
from trygg.cases.pin import synthetic_pin
from trygg.cases.services import person_store

STATES = ("own_team", "other_team", "no_consent", "withdrawn", "closed", "culled")
ALL_INFORMATION = list(Information.values)
_rng = random.Random(5)
_calls = itertools.count()


def new_pin(age: int = 14) -> str:
    """A distinct birth date per call, so two people of one world never share a number."""
    today = timezone.localdate()
    return synthetic_pin(_rng, today - timedelta(days=age * 365 + 20 + next(_calls) % 300))


def make_person(municipality, *, age: int = 14, guardians: int = 2, name: str = "Testa"):
    person, _ = person_store(
        municipality=municipality, pin=new_pin(age), first_name=name, last_name="Testsson"
    )
    for i in range(guardians):
        Guardian.objects.create(person=person, name=f"Vårdnadshavare {i}")
    return person


def give_consent(person, parties, *, information=None, withdrawn=False, givers=None, **extra):
    """A received consent from every required giver (or from ``givers``)."""
    now = timezone.now()
    if givers is None:
        givers = [(ConsentGiver.GUARDIAN, g) for g in person.guardians.all()]
        givers.append((ConsentGiver.PERSON, None))
    consents = []
    for given_by, guardian in givers:
        consent = Consent.objects.create(
            person=person,
            given_by=given_by,
            guardian=guardian,
            information=information if information is not None else ALL_INFORMATION,
            purpose="Samordnat stöd",
            valid_from=extra.get("valid_from", timezone.localdate() - timedelta(days=10)),
            valid_to=extra.get("valid_to", timezone.localdate() + timedelta(days=300)),
            received_at=extra.get("received_at", now - timedelta(days=10)),
            withdrawn_at=now - timedelta(minutes=1) if withdrawn else None,
        )
        consent.parties.set(parties)
        consents.append(consent)
    return consents


def make_case(municipality, person, coordinator, members=(), status=CaseStatus.OPEN):
    now = timezone.now()
    case = Case.objects.create(
        municipality=municipality,
        person=person,
        programme=Programme.SSPF,
        level=Level.INDIVIDUAL,
        coordinator=coordinator,
        reason="Oro för skolfrånvaro",
        police_notes="Polisens anteckning",
        last_entry_at=now,
        status=status,
        closed_at=now if status == CaseStatus.CLOSED else None,
        closure_reason="Klart" if status == CaseStatus.CLOSED else "",
    )
    for user in members:
        CaseMember.objects.create(case=case, user=user, organisation=user.organisation)
    return case


class World:
    def __init__(self):
        self.municipality = MunicipalityFactory(code="2281")
        self.other_municipality = MunicipalityFactory(code="2262")
        m = [self.municipality]
        self.orgs = {
            kind: OrganisationFactory(kind=kind, municipalities=m, key=f"org-{kind}")
            for kind in (
                OrganisationKind.SOCIAL_SERVICES,
                OrganisationKind.POLICE,
                OrganisationKind.SCHOOL,
                OrganisationKind.LEISURE,
                OrganisationKind.MUNICIPAL_ADMIN,
            )
        }
        foreign_org = OrganisationFactory(
            kind=OrganisationKind.SOCIAL_SERVICES, municipalities=[self.other_municipality]
        )

        def user(name, role, kind, organisation=None):
            return UserFactory(
                username=name, role=role, organisation=organisation or self.orgs[kind]
            )

        S, P, SC = (
            OrganisationKind.SOCIAL_SERVICES,
            OrganisationKind.POLICE,
            OrganisationKind.SCHOOL,
        )
        A = OrganisationKind.MUNICIPAL_ADMIN
        self.users = {
            "coordinator": user("koordinator", Role.SSPF_COORDINATOR, S),
            "other_coordinator": user("koordinator2", Role.SSPF_COORDINATOR, S),
            "social": user("socialsekr", Role.CASE_WORKER, S),
            "police": user("polis", Role.CASE_WORKER, P),
            "school": user("skola", Role.CASE_WORKER, SC),
            "police_outside": user("polis2", Role.CASE_WORKER, P),
            "foreign_coordinator": user("koordinator3", Role.SSPF_COORDINATOR, S, foreign_org),
            "management": user("ledning", Role.MANAGEMENT, A),
            "analyst": user("analytiker", Role.ANALYST, P),
            "administrator": user("admin", Role.ADMINISTRATOR, A),
            "safety_coordinator": user("samordnare", Role.SAFETY_COORDINATOR, A),
            "group_member": user("medlem", Role.GROUP_MEMBER, P),
            "read_only": user("lasare", Role.READ_ONLY, A),
        }
        self.leisure = user("fritid", Role.CASE_WORKER, OrganisationKind.LEISURE)
        self.other_social = user("socialsekr2", Role.CASE_WORKER, S)
        u = self.users
        team = [u["social"], u["police"], u["school"]]
        parties = [self.orgs[S], self.orgs[P], self.orgs[SC], self.orgs[OrganisationKind.LEISURE]]
        self.cases = {}
        for state in STATES:
            person = make_person(self.municipality, name=state.replace("_", ""))
            coordinator = u["other_coordinator"] if state == "other_team" else u["coordinator"]
            members = [self.other_social] if state == "other_team" else team
            closed = state == "closed"
            case = make_case(
                self.municipality,
                person,
                coordinator,
                members,
                status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
            )
            if state != "no_consent":
                give_consent(person, parties, withdrawn=state == "withdrawn")
            PlanItem.objects.create(
                case=case,
                what="Närvaroplan",
                organisation=self.orgs[SC],
                due_on=timezone.localdate(),
            )
            Concern.objects.create(
                municipality=self.municipality,
                subject_name=str(person),
                description="Oro",
                status="case_opened",
                case=case,
            )
            self.cases[state] = case
        culled = self.cases["culled"]
        culled_person = culled.person
        Case.objects.filter(pk=culled.pk).update(
            status=CaseStatus.CULLED,
            person=None,
            closed_at=timezone.now(),
            closure_reason="-",
            culled_at=timezone.now(),
        )
        Concern.objects.filter(case=culled).delete()
        culled_person.delete()
        culled.refresh_from_db()
