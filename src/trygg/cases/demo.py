"""Synthetic cases for the demo: people whose personal identity numbers can never be real
(their check digit is wrong), in every state a case can be in. Built once per municipality."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from trygg.accounts.models import Organisation, OrganisationKind, User
from trygg.accounts.roles import Role
from trygg.areas.models import Area, Municipality

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
    PlanItem,
    Programme,
)
from .pin import synthetic_pin
from .selectors import age_band
from .services import person_store

FIRST = (
    "Alva",
    "Elias",
    "Maja",
    "Noah",
    "Ella",
    "Liam",
    "Wilma",
    "Hugo",
    "Selma",
    "Adam",
    "Nora",
    "Omar",
    "Leah",
    "Ali",
    "Vera",
    "Theo",
    "Saga",
    "Isak",
    "Ines",
    "Melvin",
)
LAST = (
    "Andersson",
    "Berg",
    "Dahl",
    "Ek",
    "Falk",
    "Holm",
    "Lind",
    "Nord",
    "Sjöberg",
    "Strand",
    "Viklund",
    "Öberg",
    "Hassan",
    "Nyström",
    "Lundqvist",
)
STATES = ("open",) * 18 + ("no_consent",) * 4 + ("withdrawn",) * 3 + ("closed",) * 6 + ("old",) * 3


def _org(municipality, kind) -> Organisation | None:
    return (
        Organisation.objects.filter(municipalities=municipality, kind=kind).order_by("pk").first()
    )


@transaction.atomic
def demo_cases_build(*, municipality: Municipality, seed: int = 2281) -> int:
    """Build the demo cases once (the demo users must exist); returns how many cases the
    municipality has."""
    existing = Case.objects.filter(municipality=municipality).count()
    if existing:
        return existing
    coordinator = User.objects.filter(
        role=Role.SSPF_COORDINATOR, username="sspfkoordinator"
    ).first()
    if coordinator is None:
        return 0
    rng = random.Random(seed)
    team = [
        u for u in User.objects.filter(username__in=["socialsekreterare", "sspfpolis", "sspfskola"])
    ]
    parties = [
        o
        for o in (
            _org(municipality, k)
            for k in (
                OrganisationKind.SOCIAL_SERVICES,
                OrganisationKind.POLICE,
                OrganisationKind.SCHOOL,
                OrganisationKind.LEISURE,
            )
        )
        if o is not None
    ]
    areas = list(Area.objects.filter(municipality=municipality, level="area").order_by("code"))
    now = timezone.now()
    today = timezone.localdate()
    for index, state in enumerate(STATES):
        age = rng.randint(11, 19)
        born = today - timedelta(days=age * 365 + rng.randint(0, 360))
        person, _created = person_store(
            municipality=municipality,
            pin=synthetic_pin(rng, born),
            first_name=FIRST[index % len(FIRST)],
            last_name=LAST[(index * 7) % len(LAST)],
            school=rng.choice(["Nacksta skola", "Skönsbergsskolan", "Bredsandsskolan"]),
            area=rng.choice(areas) if areas else None,
        )
        guardians = [
            Guardian.objects.create(
                person=person, name=f"{n} {person.last_name}", phone=f"070-000 00 {index:02d}"
            )
            for n in (("Anna", "Jonas") if index % 3 else ("Sara",))
        ]
        started = now - timedelta(days=rng.randint(20, 400))
        if state == "old":
            started = now - timedelta(days=365 * 7)
        if state != "no_consent":
            givers = [(ConsentGiver.GUARDIAN, g) for g in guardians]
            if age >= 15:
                givers.append((ConsentGiver.PERSON, None))
            if age >= 18:
                givers = [(ConsentGiver.PERSON, None)]
            for given_by, guardian in givers:
                consent = Consent.objects.create(
                    person=person,
                    given_by=given_by,
                    guardian=guardian,
                    information=[
                        Information.SCHOOL,
                        Information.SOCIAL,
                        Information.POLICE,
                        Information.LEISURE,
                    ],
                    purpose="Samordnat stöd inom SSPF",
                    valid_from=timezone.localdate(started),
                    valid_to=today + timedelta(days=365),
                    received_at=started,
                    recorded_by=coordinator,
                    withdrawn_at=now - timedelta(days=3) if state == "withdrawn" else None,
                )
                consent.parties.set(parties)
        closed = state in ("closed", "old")
        last_entry = (
            min(started + timedelta(days=90), now - timedelta(days=1))
            if closed
            else now - timedelta(days=rng.randint(1, 20))
        )
        case = Case.objects.create(
            municipality=municipality,
            person=person,
            programme=Programme.SPECIALIST
            if age >= 18
            else rng.choice([Programme.SSPF, Programme.SSPF, Programme.BRIDGE_BUILDER]),
            level=rng.choice(Level.values),
            coordinator=coordinator,
            reason="Hög frånvaro och oro för umgänge i kriminell miljö (syntetiskt exempel).",
            risk_factors=rng.sample(["truancy", "norm_breaking", "criminal_peers", "drugs"], 2),
            protective_factors=rng.sample(["trusted_adult", "leisure", "family_support"], 1),
            police_notes="Förekommer i ärende om skadegörelse (syntetiskt).",
            age_band="",
            area=person.area,
            last_entry_at=last_entry,
            status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
            closed_at=last_entry if closed else None,
            closure_reason="Målen i planen är uppnådda" if closed else "",
        )
        Case.objects.filter(pk=case.pk).update(opened_at=started, age_band=age_band(age))
        for user in team[: 1 + index % len(team)] if team else []:
            CaseMember.objects.create(case=case, user=user, organisation=user.organisation)
        Meeting.objects.create(
            case=case,
            held_on=timezone.localdate(started) + timedelta(days=14),
            participants="Ungdomen, vårdnadshavare, skola, socialtjänst, polis, fritid",
            minutes="Gemensam kartläggning. Överens om plan med skolnärvaro och fritidsaktivitet.",
        )
        for what, kind in (
            ("Närvaroplan med mentor", OrganisationKind.SCHOOL),
            ("Introduktion på fritidsgården", OrganisationKind.LEISURE),
        ):
            organisation = _org(municipality, kind) or parties[0]
            PlanItem.objects.create(
                case=case,
                what=what,
                organisation=organisation,
                due_on=timezone.localdate(started) + timedelta(days=60),
            )
        FollowUp.objects.create(
            case=case,
            followed_up_on=timezone.localdate(started) + timedelta(days=45),
            school_attendance=rng.randint(55, 95),
            new_suspicions=rng.random() < 0.2,
            leisure_activity=rng.random() < 0.6,
            outcome="Närvaron har ökat.",
        )
    for index in range(5):
        Concern.objects.create(
            municipality=municipality,
            submitted_by=team[0] if team else coordinator,
            submitter_organisation="Fritidsgården",
            subject_name=f"{FIRST[-1 - index]} (oklart efternamn)",
            subject_age=13 + index,
            description="Syns ofta med äldre ungdomar sent på kvällen.",
            status=ConcernStatus.RECEIVED if index < 4 else ConcernStatus.CLOSED,
            closed_reason="" if index < 4 else "Hanteras av socialtjänsten",
            handled_at=now if index == 4 else None,
        )
    return Case.objects.filter(municipality=municipality).count()
