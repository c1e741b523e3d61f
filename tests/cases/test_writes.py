"""What team members write (one test per branch of ``case_writes``), editing a person and a
guardian, and reopening a closed case."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests.factories import AreaFactory, MunicipalityFactory
from trygg.accounts.models import OrganisationKind
from trygg.audit.models import AuditEvent
from trygg.cases.access import (
    COORDINATOR_WRITES,
    CaseWrite,
    Purpose,
    access_case_by_id,
    case_access_decision,
    consent_state,
)
from trygg.cases.models import CaseMember, CaseStatus, ConsentGiver, PlanItem
from trygg.cases.services import (
    case_close,
    case_reopen,
    follow_up_add,
    guardian_update,
    person_update,
    plan_item_set_status,
    police_notes_set,
)

from .world import give_consent, make_case, make_person

pytestmark = pytest.mark.django_db


def writes(world, actor, state="own_team"):
    case = world.cases[state]
    case.refresh_from_db()
    user = world.users[actor] if isinstance(actor, str) else actor
    return case_access_decision(user, case).writes


def access(world, actor, state="own_team", write=None):
    user = world.users[actor] if isinstance(actor, str) else actor
    return access_case_by_id(user, world.cases[state].public_id, Purpose.CASE_WORK, write=write)


# --- each branch of case_writes -----------------------------------------------------------


def test_branch_a_nothing_without_read_access(world):
    assert writes(world, "police", "no_consent") == frozenset()
    assert writes(world, "police_outside") == frozenset()
    assert writes(world, "coordinator", "culled") == frozenset()
    with pytest.raises(Http404):
        access(world, "police", "no_consent", write=CaseWrite.PLAN_ITEM)


def test_branch_b_the_coordinator_writes_everything_in_an_open_case(world):
    # A child's case has no contact log (branch h: adults' cases only).
    assert writes(world, "coordinator") == COORDINATOR_WRITES - {CaseWrite.CONTACT_LOG}


def test_branch_c_the_coordinator_only_reopens_a_closed_case(world):
    assert writes(world, "coordinator", "closed") == {CaseWrite.REOPEN}
    with pytest.raises(PermissionDenied):
        access(world, "coordinator", "closed", write=CaseWrite.FOLLOW_UP)


@pytest.mark.parametrize("actor", ["social", "police", "school"])
def test_branch_d_a_closed_case_is_read_only_for_the_team(world, actor):
    assert writes(world, actor, "closed") == frozenset()
    with pytest.raises(PermissionDenied):
        access(world, actor, "closed", write=CaseWrite.PLAN_ITEM)


@pytest.mark.parametrize("actor", ["social", "police", "school"])
def test_branch_e_team_members_who_see_the_plan_update_their_own_items(world, actor):
    assert CaseWrite.PLAN_ITEM in writes(world, actor)


def test_branch_e_only_the_items_of_the_own_organisation(world):
    item = world.cases["own_team"].plan_items.get()  # the school's
    school = access(world, "school", write=CaseWrite.PLAN_ITEM)
    updated = plan_item_set_status(
        actor=world.users["school"],
        access=school,
        item_id=item.public_id,
        status="in_progress",
        note="Mentorssamtal varje vecka",
    )
    assert updated.status == "in_progress" and updated.note == "Mentorssamtal varje vecka"
    police = access(world, "police", write=CaseWrite.PLAN_ITEM)
    with pytest.raises(PermissionDenied):
        plan_item_set_status(
            actor=world.users["police"], access=police, item_id=item.public_id, status="done"
        )
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_branch_f_each_kind_reports_its_own_follow_up_measure(world):
    assert {w for w in writes(world, "school") if w.startswith("follow_up.")} == {
        "follow_up.school_attendance",
        "follow_up.outcome",
    }
    assert {w for w in writes(world, "police") if w.startswith("follow_up.")} == {
        "follow_up.new_suspicions",
        "follow_up.outcome",
    }
    assert {w for w in writes(world, "social") if w.startswith("follow_up.")} == {
        "follow_up.outcome"
    }


def test_branch_f_social_services_report_without_consent(world):
    assert CaseWrite.FOLLOW_UP in writes(world, "social", "no_consent")


def test_branch_f_the_measure_needs_the_consent_to_cover_it(world):
    case = world.cases["no_consent"]
    give_consent(case.person, list(world.orgs.values()), information=["police"])
    assert CaseWrite.FOLLOW_UP not in writes(world, "school", "no_consent")
    assert CaseWrite.FOLLOW_UP in writes(world, "police", "no_consent")


def test_branch_f_leisure_does_not_see_follow_ups_and_so_does_not_write_them(world):
    leisure = world.leisure
    CaseMember.objects.create(
        case=world.cases["own_team"], user=leisure, organisation=leisure.organisation
    )
    assert writes(world, leisure) == {CaseWrite.PLAN_ITEM}


def test_branch_g_police_write_the_police_notes(world):
    assert CaseWrite.POLICE_NOTES in writes(world, "police")
    assert CaseWrite.POLICE_NOTES not in writes(world, "school")
    assert CaseWrite.POLICE_NOTES not in writes(world, "social")
    case = world.cases["no_consent"]
    give_consent(case.person, list(world.orgs.values()), information=["school"])
    assert CaseWrite.POLICE_NOTES not in writes(world, "police", "no_consent")
    police = access(world, "police", write=CaseWrite.POLICE_NOTES)
    police_notes_set(actor=world.users["police"], access=police, text="Ny uppgift")
    assert "Ny uppgift" in access(world, "police").case.police_notes


# --- the services check the granted access again ------------------------------------------


def test_a_member_follow_up_leaves_the_other_measures_unreported(world):
    school = access(world, "school", write=CaseWrite.FOLLOW_UP)
    entry = follow_up_add(
        actor=world.users["school"],
        access=school,
        followed_up_on=timezone.localdate(),
        school_attendance=85,
        new_suspicions=True,  # not the school's to report: ignored
        outcome="Bättre närvaro",
    )
    assert entry.school_attendance == 85 and entry.new_suspicions is None
    assert entry.leisure_activity is None and entry.organisation == world.orgs["school"]
    with pytest.raises(ValidationError):
        follow_up_add(
            actor=world.users["school"], access=school, followed_up_on=entry.followed_up_on
        )


def test_an_access_granted_to_one_user_does_not_serve_another(world):
    school = access(world, "school", write=CaseWrite.FOLLOW_UP)
    with pytest.raises(PermissionDenied):
        follow_up_add(
            actor=world.users["police"],
            access=school,
            followed_up_on=timezone.localdate(),
            new_suspicions=True,
        )


def test_team_member_pages_show_only_their_forms(world, client):
    case = world.cases["own_team"]
    client.force_login(world.users["school"])
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'name="school_attendance"' in page and 'name="new_suspicions"' not in page
    assert 'class="plan-status"' in page and 'name="minutes"' not in page
    assert "/police-notes/" not in page and "/close/" not in page
    response = client.post(
        f"/cases/{case.public_id}/follow-ups/",
        {"followed_up_on": timezone.localdate(), "school_attendance": 70},
    )
    assert response.status_code == 302
    client.force_login(world.users["police"])
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'name="new_suspicions"' in page and 'name="school_attendance"' not in page
    assert 'class="plan-status"' not in page  # the only plan item is the school's
    assert "/police-notes/" in page


# --- editing a person and a guardian ------------------------------------------------------


def test_coordinator_edits_name_school_and_area_and_the_log_names_only_fields(world):
    person = world.cases["own_team"].person
    area = AreaFactory(municipality=world.municipality)
    person_update(
        actor=world.users["coordinator"],
        person=person,
        first_name="Kim",
        last_name="Testsson",
        school="Ekskolan",
        area=area,
    )
    person.refresh_from_db()
    assert (person.first_name, person.school, person.area) == ("Kim", "Ekskolan", area)
    event = AuditEvent.objects.filter(object_type="cases.person", action="update").get()
    assert sorted(event.details["fields"]) == ["area", "first_name", "school"]
    assert "Kim" not in str(event.details) and "Ekskolan" not in str(event.details)


def test_person_edit_refuses_other_areas_and_other_roles(world):
    person = world.cases["own_team"].person
    foreign_area = AreaFactory(municipality=MunicipalityFactory())
    with pytest.raises(ValidationError):
        person_update(
            actor=world.users["coordinator"],
            person=person,
            first_name="A",
            last_name="B",
            area=foreign_area,
        )
    for actor in ("social", "foreign_coordinator"):
        with pytest.raises(PermissionDenied):
            person_update(actor=world.users[actor], person=person, first_name="A", last_name="B")


def test_person_edit_page(world, client):
    person = world.cases["own_team"].person
    client.force_login(world.users["coordinator"])
    url = f"/cases/people/{person.public_id}/edit/"
    assert f'value="{person.first_name}"' in client.get(url).text
    assert client.post(url, {"first_name": "", "last_name": "X"}).status_code == 400
    response = client.post(url, {"first_name": "Robin", "last_name": "Testsson", "school": "Å"})
    assert response.url == f"/cases/people/{person.public_id}/"
    assert "Robin" in client.get(response.url).text


def test_guardian_custody_edit_changes_whose_consent_counts_at_once(world):
    child = make_person(world.municipality, age=12)
    one, two = child.guardians.all()
    give_consent(child, [world.orgs["police"]], givers=[(ConsentGiver.GUARDIAN, one)])
    assert not consent_state(child).active
    guardian_update(
        actor=world.users["coordinator"], guardian=two, name=two.name, has_custody=False
    )
    child = type(child).objects.get(pk=child.pk)
    assert consent_state(child).active
    event = AuditEvent.objects.filter(action="update", object_type="cases.person").get()
    assert event.details["fields"] == ["has_custody"]
    assert event.details["guardian"] == str(two.public_id)


def test_guardian_edit_page_finds_only_the_persons_own_guardians(world, client):
    person = world.cases["own_team"].person
    guardian = world.cases["closed"].person.guardians.first()
    client.force_login(world.users["coordinator"])
    assert (
        client.get(f"/cases/people/{person.public_id}/guardians/{guardian.public_id}/").status_code
        == 404
    )
    own = person.guardians.first()
    url = f"/cases/people/{person.public_id}/guardians/{own.public_id}/"
    assert own.name in client.get(url).text
    response = client.post(url, {"name": "Mormor", "phone": "070-000 00 00"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name == "Mormor" and not own.has_custody


# --- reopening ----------------------------------------------------------------------------


def test_the_coordinator_reopens_a_closed_case_with_a_reason(world):
    coordinator = world.users["coordinator"]
    closed = world.cases["closed"]
    case = case_reopen(
        actor=coordinator,
        access=access(world, "coordinator", "closed", write=CaseWrite.REOPEN),
        reason="Ny oro från skolan",
    )
    assert case.status == CaseStatus.OPEN and case.closed_at is None
    assert case.reopen_reason == "Ny oro från skolan" and case.reopened_at
    event = AuditEvent.objects.filter(object_id=str(closed.public_id), action="update").get()
    assert event.details["reopened"] is True and event.details["closed_at"]
    assert "Ny oro" not in str(event.details)
    # Open again: the team writes again.
    assert CaseWrite.FOLLOW_UP in writes(world, "school", "closed")


def test_reopening_needs_a_reason_and_a_closed_case(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError):
        case_reopen(
            actor=coordinator,
            access=access(world, "coordinator", "closed", write=CaseWrite.REOPEN),
            reason=" ",
        )
    with pytest.raises(ValidationError):
        case_reopen(
            actor=coordinator,
            access=access(world, "coordinator", write=CaseWrite.REOPEN),
            reason="Ny oro",
        )


def test_only_the_coordinator_reopens(world):
    for actor in ("social", "police", "school"):
        with pytest.raises(PermissionDenied):
            access(world, actor, "closed", write=CaseWrite.REOPEN)
    with pytest.raises(Http404):
        access(world, "other_coordinator", "closed", write=CaseWrite.REOPEN)


def test_a_culled_case_never_reopens(world):
    with pytest.raises(Http404):
        access(world, "coordinator", "culled", write=CaseWrite.REOPEN)


def test_close_then_reopen_through_the_pages(world, client):
    case = world.cases["own_team"]
    client.force_login(world.users["coordinator"])
    client.post(f"/cases/{case.public_id}/close/", {"reason": "Målen nådda"})
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'id="reopen"' in page
    assert client.post(f"/cases/{case.public_id}/reopen/", {"reason": ""}).status_code == 400
    response = client.post(f"/cases/{case.public_id}/reopen/", {"reason": "Ny oro"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.public_id}/").text
    assert "Ny oro" in page and 'id="reopen"' not in page


def test_close_audit_keeps_no_free_text(world):
    coordinator = world.users["coordinator"]
    case_close(
        actor=coordinator,
        access=access(world, "coordinator", write=CaseWrite.COORDINATE),
        reason="Flyttat",
    )
    event = AuditEvent.objects.filter(action="update", object_type="cases.case").get()
    assert event.details["closed"] is True and "Flyttat" not in str(event.details)


def test_plan_items_of_a_new_case_are_editable_by_their_organisation(world):
    person = make_person(world.municipality)
    give_consent(person, list(world.orgs.values()))
    case = make_case(
        world.municipality, person, world.users["coordinator"], [world.users["police"]]
    )
    item = PlanItem.objects.create(
        case=case,
        what="Samtal",
        organisation=world.orgs[OrganisationKind.POLICE],
        due_on=timezone.localdate(),
    )
    police = access_case_by_id(
        world.users["police"], case.public_id, Purpose.CASE_WORK, write=CaseWrite.PLAN_ITEM
    )
    plan_item_set_status(
        actor=world.users["police"], access=police, item_id=item.public_id, status="done"
    )
    item.refresh_from_db()
    assert item.status == "done" and item.note == ""
