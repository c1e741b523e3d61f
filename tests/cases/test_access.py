"""The choke point: one test per branch of the rule, consent edge cases, field-level rules,
and the access log it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.factories import UserFactory
from trygg.accounts.models import OrganisationKind
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.cases.access import (
    CaseWrite,
    Purpose,
    access_case_by_id,
    case_access_decision,
    consent_state,
)
from trygg.cases.models import CaseMember, ConsentGiver

from .world import give_consent, make_case, make_person

pytestmark = pytest.mark.django_db


def rule(world, actor, state="own_team"):
    case = world.cases[state]
    case.refresh_from_db()
    return case_access_decision(world.users[actor] if isinstance(actor, str) else actor, case).rule


# --- each branch of the rule --------------------------------------------------------------


def test_branch_not_signed_in(world):
    from django.contrib.auth.models import AnonymousUser

    assert case_access_decision(AnonymousUser(), world.cases["own_team"]).rule == "not_signed_in"
    inactive = world.users["social"]
    inactive.is_active = False
    assert case_access_decision(inactive, world.cases["own_team"]).rule == "not_signed_in"


@pytest.mark.parametrize(
    "actor", ["management", "analyst", "administrator", "safety_coordinator", "read_only"]
)
def test_branch_role_without_cases_even_on_the_team(world, actor):
    user = world.users[actor]
    CaseMember.objects.create(
        case=world.cases["own_team"], user=user, organisation=user.organisation
    )
    assert rule(world, actor) == "role_without_cases"


def test_branch_no_such_case(world):
    assert case_access_decision(world.users["coordinator"], None).rule == "no_such_case"


def test_branch_culled(world):
    assert rule(world, "coordinator", "culled") == "culled"


def test_branch_other_municipality(world):
    case = world.cases["own_team"]
    case.coordinator = world.users["foreign_coordinator"]
    case.save()
    assert rule(world, "foreign_coordinator") == "other_municipality"


def test_branch_coordinator(world):
    decision = case_access_decision(world.users["coordinator"], world.cases["no_consent"])
    assert decision.rule == "coordinator" and "police_notes" in decision.sections
    assert decision.can_change


def test_branch_not_on_team(world):
    assert rule(world, "police_outside") == "not_on_team"
    assert rule(world, "coordinator", "other_team") == "not_on_team"


def test_branch_moved_organisation(world):
    police = world.users["police"]
    police.organisation = world.orgs[OrganisationKind.SCHOOL]
    police.save()
    assert rule(world, police) == "moved_organisation"


def test_branch_social_services_without_consent(world):
    decision = case_access_decision(world.users["social"], world.cases["no_consent"])
    assert decision.rule == "social_services_on_team"
    assert "police_notes" not in decision.sections and not decision.can_change


def test_branch_no_active_consent(world):
    assert rule(world, "police", "no_consent") == "no_active_consent"
    assert rule(world, "police", "withdrawn") == "no_active_consent"


def test_branch_organisation_not_in_consent(world):
    person = world.cases["no_consent"].person
    give_consent(person, [world.orgs[OrganisationKind.SCHOOL]])
    assert rule(world, "police", "no_consent") == "organisation_not_in_consent"
    assert rule(world, "school", "no_consent") == "team_with_consent"


def test_branch_team_with_consent_and_field_rules(world):
    school = case_access_decision(world.users["school"], world.cases["own_team"])
    police = case_access_decision(world.users["police"], world.cases["own_team"])
    assert school.rule == "team_with_consent"
    assert "plan" in school.sections and "police_notes" not in school.sections
    assert "person" not in school.sections
    assert "police_notes" in police.sections and "person" not in police.sections


def test_police_notes_need_the_consent_to_cover_police_information(world):
    person = world.cases["no_consent"].person
    give_consent(person, list(world.orgs.values()), information=["school"])
    police = case_access_decision(world.users["police"], world.cases["no_consent"])
    assert police.visible and "police_notes" not in police.sections


# --- consent edge cases -------------------------------------------------------------------


@pytest.fixture
def child(world):
    return make_person(world.municipality, age=12)


def test_both_guardians_with_custody_must_consent(world, child):
    one, _two = child.guardians.all()
    give_consent(child, [world.orgs["police"]], givers=[(ConsentGiver.GUARDIAN, one)])
    state = consent_state(child)
    assert not state.active and len(state.missing) == 1


def test_a_guardian_without_custody_is_not_needed(world, child):
    one, two = child.guardians.all()
    two.has_custody = False
    two.save()
    give_consent(child, [world.orgs["police"]], givers=[(ConsentGiver.GUARDIAN, one)])
    assert consent_state(child).active


def test_from_the_age_threshold_the_young_person_must_consent_too(world, settings):
    teen = make_person(world.municipality, age=15)
    guardians = [(ConsentGiver.GUARDIAN, g) for g in teen.guardians.all()]
    give_consent(teen, [world.orgs["police"]], givers=guardians)
    assert consent_state(teen).missing == ("person",)
    settings.TRYGG_CONSENT_OWN_AGE = 16
    assert consent_state(teen).active


def test_at_eighteen_only_the_own_consent_counts(world):
    adult = make_person(world.municipality, age=18)
    guardians = [(ConsentGiver.GUARDIAN, g) for g in adult.guardians.all()]
    give_consent(adult, [world.orgs["police"]], givers=guardians)
    assert not consent_state(adult).active
    give_consent(adult, [world.orgs["police"]], givers=[(ConsentGiver.PERSON, None)])
    assert consent_state(adult).active


def test_parties_are_what_every_giver_agreed_to(world, child):
    one, two = child.guardians.all()
    police, school = world.orgs["police"], world.orgs["school"]
    give_consent(child, [police, school], givers=[(ConsentGiver.GUARDIAN, one)])
    give_consent(child, [school], givers=[(ConsentGiver.GUARDIAN, two)])
    assert consent_state(child).organisation_ids == {school.pk}


def test_expired_not_yet_valid_and_unsigned_consent_do_not_count(world, child):
    parties = [world.orgs["police"]]
    today = timezone.localdate()
    give_consent(
        child, parties, valid_from=today - timedelta(days=60), valid_to=today - timedelta(days=1)
    )
    assert not consent_state(child).active
    child.consents.all().delete()
    give_consent(child, parties, valid_from=today + timedelta(days=1))
    assert not consent_state(child).active
    child.consents.all().delete()
    give_consent(child, parties, received_at=None)
    assert not consent_state(child).active


def test_withdrawal_takes_effect_at_once(world):
    from trygg.cases.services import consent_withdraw

    case = world.cases["own_team"]
    access_case_by_id(world.users["police"], case.public_id, Purpose.CASE_WORK)
    consent = case.person.consents.first()
    consent_withdraw(actor=world.users["coordinator"], consent=consent)
    with pytest.raises(Http404):
        access_case_by_id(world.users["police"], case.public_id, Purpose.CASE_WORK)
    access_case_by_id(world.users["social"], case.public_id, Purpose.CASE_WORK)


# --- the choke point and its log ----------------------------------------------------------


def test_missing_and_forbidden_are_the_same_404_and_both_are_logged(world):
    import uuid

    for case_id in (uuid.uuid4(), world.cases["other_team"].public_id, "not-a-uuid"):
        with pytest.raises(Http404):
            access_case_by_id(
                world.users["police"], case_id, Purpose.CASE_WORK, ip_address="10.0.0.9"
            )
    events = list(AuditEvent.objects.filter(object_type="cases.case").order_by("id"))
    assert [e.details["outcome"] for e in events] == ["not_found"] * 3
    assert events[1].details["person"] == str(world.cases["other_team"].person.public_id)
    assert events[0].ip_address == "10.0.0.9" and events[0].actor_role == Role.CASE_WORKER


def test_every_read_is_logged_with_who_what_why_where(world):
    case = world.cases["own_team"]
    access = access_case_by_id(
        world.users["school"], case.public_id, Purpose.CASE_WORK, ip_address="192.0.2.1"
    )
    assert access.rule == "team_with_consent"
    event = AuditEvent.objects.get(object_id=str(case.public_id))
    assert event.action == "read" and event.purpose == "case_work"
    assert event.actor_username == "skola" and event.actor_organisation
    assert event.details == {
        "outcome": "granted",
        "rule": "team_with_consent",
        "person": str(case.person.public_id),
    }
    assert event.ip_address == "192.0.2.1" and event.occurred_at.utcoffset() == timedelta(0)


def test_a_reader_gets_403_on_a_change_and_it_is_logged(world):
    with pytest.raises(PermissionDenied):
        access_case_by_id(
            world.users["social"],
            world.cases["own_team"].public_id,
            Purpose.CASE_WORK,
            write=CaseWrite.COORDINATE,
        )
    assert AuditEvent.objects.get().details["outcome"] == "change_refused"


def test_closed_case_is_read_only_even_for_its_coordinator(world):
    with pytest.raises(PermissionDenied):
        access_case_by_id(
            world.users["coordinator"],
            world.cases["closed"].public_id,
            Purpose.CASE_WORK,
            write=CaseWrite.COORDINATE,
        )


def test_team_member_sees_the_case_page_without_police_notes(world, client):
    client.force_login(world.users["school"])
    response = client.get(f"/cases/{world.cases['own_team'].public_id}/")
    assert response.status_code == 200
    assert "Närvaroplan" in response.text and "Polisens anteckning" not in response.text
    client.force_login(world.users["police"])
    assert "Polisens anteckning" in client.get(f"/cases/{world.cases['own_team'].public_id}/").text


def test_case_list_shows_only_visible_cases_and_logs_each(world):
    from trygg.cases.selectors import cases_for_user

    shown = {a.case.pk for a in cases_for_user(world.users["police"])}
    assert shown == {world.cases["own_team"].pk, world.cases["closed"].pk}
    assert AuditEvent.objects.filter(purpose="case_list").count() == 2


def test_a_new_case_starts_without_team_and_the_opener_coordinates(world):
    person = make_person(world.municipality)
    case = make_case(world.municipality, person, world.users["coordinator"])
    assert case_access_decision(world.users["coordinator"], case).visible
    assert not case_access_decision(world.users["social"], case).visible
    assert UserFactory  # factories stay importable for the world
