"""SSPF daily use (issue 17, item 10): the concern follows its case, duplicate concerns,
consent-expiry warnings (case, person, start-page selector, e-mail), the withdrawal's
confirmation step, the case list's filters and follow-ups due, and adults' cases (no
guardians, a contact log). Every branch of access to the new pages has its own test."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from trygg.audit.models import AuditEvent
from trygg.cases.access import CaseWrite, case_access_decision
from trygg.cases.models import (
    Case,
    CaseStatus,
    Concern,
    ConcernStatus,
    ContactLogEntry,
    FollowUp,
    Programme,
)
from trygg.cases.selectors import consent_warnings_for, followups_due_for

from .world import give_consent, make_case, make_person

pytestmark = pytest.mark.django_db


def login(client, user):
    """Signed in, in English (the texts the tests look for are the msgids)."""
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- the concern follows its case; duplicates are flagged ---------------------------------


def test_the_concern_shows_the_status_of_the_case_opened_from_it(world, client):
    case = world.cases["own_team"]
    concern = Concern.objects.get(case=case)
    login(client, world.users["coordinator"])
    assert "Case opened (open)" in client.get(f"/cases/concerns/{concern.public_id}/").text
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now(), closure_reason="Klart"
    )
    assert "Case opened (closed)" in client.get("/cases/concerns/").text
    # And the case page links back to the concern it was opened from.
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'id="case-concern"' in page and str(concern.public_id) in page


def test_the_case_page_shows_its_concern_only_to_the_coordinator(world, client):
    case = world.cases["own_team"]
    login(client, world.users["social"])
    assert 'id="case-concern"' not in client.get(f"/cases/{case.public_id}/").text


def test_concerns_about_the_same_name_are_flagged(world, client):
    for name, age in (("Kim  Andersson", 14), ("kim andersson", 15), ("Kim Andersson", 30)):
        Concern.objects.create(
            municipality=world.municipality, subject_name=name, subject_age=age, description="x"
        )
    Concern.objects.create(
        municipality=world.other_municipality, subject_name="Kim Andersson", description="x"
    )
    login(client, world.users["coordinator"])
    listing = client.get("/cases/concerns/").text
    # 14 and 15 are a year apart (same person, probably); 30 is not.
    assert listing.count("1 more about the same name") == 2
    first = Concern.objects.get(subject_name="Kim  Andersson")
    before = last_id()
    page = client.get(f"/cases/concerns/{first.public_id}/").text
    other = Concern.objects.get(subject_name="kim andersson")
    assert 'id="duplicates"' in page and str(other.public_id) in page
    # The other municipality's concern is never shown, and what is shown is logged.
    foreign = Concern.objects.get(municipality=world.other_municipality)
    assert str(foreign.public_id) not in page
    logged = AuditEvent.objects.filter(id__gt=before, object_type="cases.concern")
    assert set(logged.values_list("object_id", flat=True)) == {
        str(first.public_id),
        str(other.public_id),
    }


def test_a_concern_without_namesakes_is_not_flagged(world, client):
    concern = Concern.objects.create(
        municipality=world.municipality, subject_name="Ensam Unik", description="x"
    )
    login(client, world.users["coordinator"])
    assert 'id="duplicates"' not in client.get(f"/cases/concerns/{concern.public_id}/").text
    assert concern.status == ConcernStatus.RECEIVED


# --- consent-expiry warnings --------------------------------------------------------------


def expiring_case(world, days=10, coordinator=None):
    person = make_person(world.municipality, name="Snartut")
    case = make_case(world.municipality, person, coordinator or world.users["coordinator"])
    give_consent(
        person,
        [world.orgs["police"]],
        valid_to=timezone.localdate() + timedelta(days=days),
    )
    return case


def test_case_and_person_pages_warn_before_the_consent_runs_out(world, client, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    case = expiring_case(world, days=10)
    login(client, world.users["coordinator"])
    case_page = client.get(f"/cases/{case.public_id}/").text
    person_page = client.get(f"/cases/people/{case.person.public_id}/").text
    for page in (case_page, person_page):
        assert 'id="consent-warning"' in page and "in 10 days" in page
    # Outside the warning period: no warning.
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 5
    assert 'id="consent-warning"' not in client.get(f"/cases/{case.public_id}/").text


def test_consent_warnings_for_the_coordinators_start_page(world, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    mine = expiring_case(world, days=20)
    soon = expiring_case(world, days=3)
    theirs = expiring_case(world, days=3, coordinator=world.users["other_coordinator"])
    warnings = consent_warnings_for(world.users["coordinator"])
    assert [w.case.pk for w in warnings] == [soon.pk, mine.pk]
    assert [w.days_left for w in warnings] == [3, 20]
    assert theirs.pk not in {w.case.pk for w in warnings}
    # Team members and other roles get none; the foreign coordinator none of these.
    assert consent_warnings_for(world.users["police"]) == []
    assert consent_warnings_for(world.users["management"]) == []
    assert consent_warnings_for(world.users["foreign_coordinator"]) == []


def test_a_withdrawn_or_closed_cases_consent_is_no_warning(world, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    case = expiring_case(world, days=3)
    case.person.consents.update(withdrawn_at=timezone.now())
    other = expiring_case(world, days=3)
    Case.objects.filter(pk=other.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now(), closure_reason="Klart"
    )
    assert consent_warnings_for(world.users["coordinator"]) == []


def test_the_expiry_mail_goes_once_and_names_no_one(world, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    world.users["coordinator"].email = "koordinator@example.se"
    world.users["coordinator"].save()
    case = expiring_case(world, days=7)
    out = io.StringIO()
    call_command("consent_expiry_mail", "--simulate", stdout=out)
    assert mail.outbox == [] and f"case {case.public_id}" in out.getvalue()
    call_command("consent_expiry_mail", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["koordinator@example.se"]
    assert f"/cases/{case.public_id}/" in sent.body
    assert "Snartut" not in sent.body + sent.subject and "Testsson" not in sent.body
    call_command("consent_expiry_mail", stdout=io.StringIO())
    assert len(mail.outbox) == 1


# --- withdrawal: a confirmation step ------------------------------------------------------


def consent_of(world, state="own_team"):
    return world.cases[state].person.consents.first()


def test_withdrawal_asks_for_confirmation_and_how_it_was_received(world, client):
    consent = consent_of(world)
    login(client, world.users["coordinator"])
    url = f"/cases/consents/{consent.public_id}/withdraw/"
    page = client.get(url)
    assert page.status_code == 200 and 'id="withdraw-form"' in page.text
    consent.refresh_from_db()
    assert consent.withdrawn_at is None  # the page alone changes nothing
    unconfirmed = client.post(url, {"received_how": "phone"})
    consent.refresh_from_db()
    assert unconfirmed.status_code == 400 and consent.withdrawn_at is None
    unsaid = client.post(url, {"confirm": "on"})
    consent.refresh_from_db()
    assert unsaid.status_code == 400 and consent.withdrawn_at is None
    done = client.post(url, {"received_how": "phone", "confirm": "on", "note": "Mamma ringde"})
    consent.refresh_from_db()
    assert done.status_code == 302 and consent.withdrawn_at is not None
    assert consent.withdrawal_received_how == "phone" and consent.withdrawal_note == "Mamma ringde"
    person_page = client.get(done.url).text
    assert "by phone" in person_page


def test_an_already_withdrawn_consent_says_so(world, client):
    login(client, world.users["coordinator"])
    page = client.get(f"/cases/consents/{consent_of(world, 'withdrawn').public_id}/withdraw/")
    assert page.status_code == 200 and 'id="already-withdrawn"' in page.text
    assert 'id="withdraw-form"' not in page.text


@pytest.mark.parametrize("actor", ["social", "police", "management", "foreign_coordinator"])
def test_withdrawal_page_is_not_found_for_anyone_but_the_municipalitys_coordinators(
    world, client, actor
):
    login(client, world.users[actor])
    url = f"/cases/consents/{consent_of(world).public_id}/withdraw/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"received_how": "phone", "confirm": "on"}).status_code == 404
    assert consent_of(world).withdrawn_at is None


def test_withdrawal_page_needs_sign_in(world, client):
    client.cookies["django_language"] = "en"
    response = client.get(f"/cases/consents/{consent_of(world).public_id}/withdraw/")
    assert response.status_code == 302 and "login" in response.url


# --- the case list: filters, open first, follow-ups due -----------------------------------


def listed(client, query="") -> list[str]:
    text = client.get(f"/cases/{query}").text
    return [
        str(case.public_id) for case in Case.objects.all() if f"/cases/{case.public_id}/" in text
    ]


def test_open_cases_come_first(world, client):
    login(client, world.users["coordinator"])
    closed = world.cases["closed"]
    Case.objects.filter(pk=closed.pk).update(last_entry_at=timezone.now() + timedelta(days=1))
    text = client.get("/cases/").text
    assert text.index(str(world.cases["own_team"].public_id)) < text.index(str(closed.public_id))


def test_the_case_list_filters_by_status_programme_and_coordinator(world, client):
    u = world.users
    login(client, u["coordinator"])
    assert listed(client, "?status=closed") == [str(world.cases["closed"].public_id)]
    assert str(world.cases["closed"].public_id) not in listed(client, "?status=open")
    Case.objects.filter(pk=world.cases["no_consent"].pk).update(programme=Programme.SPECIALIST)
    assert listed(client, "?programme=specialist") == [str(world.cases["no_consent"].public_id)]
    # Social services sit on both coordinators' teams; they filter by coordinator.
    login(client, u["social"])
    mine = set(listed(client, "?coordinator=koordinator"))
    assert str(world.cases["own_team"].public_id) in mine
    assert listed(client, "?coordinator=koordinator2") == []


def test_only_the_cases_shown_are_logged(world, client):
    login(client, world.users["coordinator"])
    before = last_id()
    client.get("/cases/?status=closed")
    logged = AuditEvent.objects.filter(id__gt=before, object_type="cases.case")
    assert list(logged.values_list("object_id", flat=True)) == [
        str(world.cases["closed"].public_id)
    ]


def test_a_bad_filter_is_a_bad_request(world, client):
    login(client, world.users["coordinator"])
    assert client.get("/cases/?status=culled").status_code == 400
    assert client.get("/cases/?coordinator=nobody").status_code == 400


def test_follow_ups_due_as_reminders(world, client, settings):
    settings.TRYGG_FOLLOW_UP_INTERVAL_DAYS = 30
    due = world.cases["own_team"]
    Case.objects.filter(pk=due.pk).update(opened_at=timezone.now() - timedelta(days=40))
    recent = world.cases["no_consent"]
    Case.objects.filter(pk=recent.pk).update(opened_at=timezone.now() - timedelta(days=40))
    FollowUp.objects.create(case=recent, followed_up_on=timezone.localdate() - timedelta(days=5))
    coordinator = world.users["coordinator"]
    assert [a.case.pk for a in followups_due_for(coordinator)] == [due.pk]
    login(client, coordinator)
    assert listed(client, "?follow_up_due=on") == [str(due.public_id)]
    page = client.get(f"/cases/{due.public_id}/").text
    assert "A follow-up is due" in page
    # A team member gets the reminder of a case they see; the other team's member none.
    assert [a.case.pk for a in followups_due_for(world.users["school"])] == [due.pk]
    assert followups_due_for(world.other_social) == []
    assert followups_due_for(world.users["management"]) == []


# --- adults' cases: no guardians, a contact log ------------------------------------------


def adult_case(world, **kw):
    person = make_person(world.municipality, age=19, guardians=0, name="Vuxen")
    case = make_case(
        world.municipality,
        person,
        world.users["coordinator"],
        [world.users["social"], world.users["police"]],
        **kw,
    )
    Case.objects.filter(pk=case.pk).update(programme=Programme.BRIDGE_BUILDER)
    give_consent(person, [world.orgs["police"], world.orgs["social_services"]])
    case.refresh_from_db()
    return case


def test_an_adults_case_has_a_contact_log_and_no_guardians(world, client):
    case = adult_case(world)
    decision = case_access_decision(world.users["coordinator"], case)
    assert "contact_log" in decision.sections and "guardians" not in decision.sections
    login(client, world.users["coordinator"])
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'id="contact-log"' in page and "Guardians" not in page
    person_page = client.get(f"/cases/people/{case.person.public_id}/").text
    assert 'id="guardians"' not in person_page


def test_a_childs_case_has_guardians_and_no_contact_log(world, client):
    case = world.cases["own_team"]
    decision = case_access_decision(world.users["coordinator"], case)
    assert "guardians" in decision.sections and "contact_log" not in decision.sections
    login(client, world.users["coordinator"])
    page = client.get(f"/cases/{case.public_id}/").text
    assert 'id="contact-log"' not in page and "Guardians" in page


def post_contact(client, case, **data):
    return client.post(
        f"/cases/{case.public_id}/contacts/",
        {"contacted_on": timezone.localdate(), "kind": "phone", "note": "Ringde", **data},
    )


def test_branch_h_the_coordinator_records_a_contact(world, client):
    case = adult_case(world)
    login(client, world.users["coordinator"])
    assert post_contact(client, case).status_code == 302
    entry = ContactLogEntry.objects.get(case=case)
    assert entry.kind == "phone" and entry.note == "Ringde"
    assert "Phone call" in client.get(f"/cases/{case.public_id}/").text


def test_branch_h_social_services_on_the_team_record_a_contact(world, client):
    case = adult_case(world)
    login(client, world.users["social"])
    assert post_contact(client, case).status_code == 302


def test_branch_h_police_on_the_team_see_the_case_but_not_the_contact_log(world, client):
    case = adult_case(world)
    decision = case_access_decision(world.users["police"], case)
    assert decision.visible and "contact_log" not in decision.sections
    assert CaseWrite.CONTACT_LOG not in decision.writes
    login(client, world.users["police"])
    assert post_contact(client, case).status_code == 403


def test_branch_h_no_contact_log_in_a_childs_case(world, client):
    login(client, world.users["coordinator"])
    assert post_contact(client, world.cases["own_team"]).status_code == 403


def test_branch_h_no_contact_in_a_closed_case(world, client):
    case = adult_case(world, status=CaseStatus.CLOSED)
    login(client, world.users["coordinator"])
    assert post_contact(client, case).status_code == 403


@pytest.mark.parametrize("actor", ["foreign_coordinator", "other_coordinator", "management"])
def test_branch_h_others_get_not_found(world, client, actor):
    case = adult_case(world)
    login(client, world.users[actor])
    assert post_contact(client, case).status_code == 404
    assert not ContactLogEntry.objects.filter(case=case).exists()


def test_a_contact_in_the_future_is_refused(world, client):
    case = adult_case(world)
    login(client, world.users["coordinator"])
    response = post_contact(client, case, contacted_on=timezone.localdate() + timedelta(days=2))
    assert response.status_code == 400 and not ContactLogEntry.objects.exists()


def test_the_api_records_how_a_withdrawal_was_received(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(world.users["coordinator"])
    consent = consent_of(world)
    url = f"/api/v1/consents/{consent.public_id}/withdraw/"
    assert api.post(url, {"received_how": "carrier pigeon"}, format="json").status_code == 400
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert api.post(url, {"received_how": "email"}, format="json").status_code == 200
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawal_received_how == "email"


def test_the_contact_log_is_culled_with_the_case(world, settings):
    from trygg.cases.culling import cull

    case = adult_case(world, status=CaseStatus.CLOSED)
    ContactLogEntry.objects.create(
        case=case, contacted_on=timezone.localdate(), kind="phone", note="Ringde"
    )
    Case.objects.filter(pk=case.pk).update(last_entry_at=timezone.now() - timedelta(days=6 * 366))
    cull()
    assert not ContactLogEntry.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CULLED


def test_the_api_shows_an_adults_contact_log_as_the_page_does(world):
    from rest_framework.test import APIClient

    case = adult_case(world)
    ContactLogEntry.objects.create(case=case, contacted_on=timezone.localdate(), kind="meeting")
    api = APIClient()
    for actor, sees in (("coordinator", True), ("social", True), ("police", False)):
        api.force_login(world.users[actor])
        data = api.get(f"/api/v1/cases/{case.public_id}/").json()
        assert ("contact_log" in data) is sees, actor
        assert "guardians" not in data["sections"]
    assert data.get("contact_log") is None
    api.force_login(world.users["coordinator"])
    data = api.get(f"/api/v1/cases/{case.public_id}/").json()
    assert [e["kind"] for e in data["contact_log"]] == ["meeting"]


def test_the_start_page_reminds_of_consents_and_follow_ups_without_names(world, client, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    settings.TRYGG_FOLLOW_UP_INTERVAL_DAYS = 30
    soon = expiring_case(world, days=3)
    due = world.cases["own_team"]
    Case.objects.filter(pk=due.pk).update(opened_at=timezone.now() - timedelta(days=40))
    login(client, world.users["coordinator"])
    before = last_id()
    page = client.get("/").text
    block = page.split('id="start-cases-reminders-heading"')[1].split("</section>")[0]
    assert f"/cases/{soon.public_id}/" in block and "consent runs out" in block
    assert f"/cases/{due.public_id}/" in block and "follow-up due" in block
    assert "Snartut" not in block  # no name on the start page
    # Each case shown is logged as read, like the case list.
    logged = set(
        AuditEvent.objects.filter(id__gt=before, object_type="cases.case").values_list(
            "object_id", flat=True
        )
    )
    assert {str(soon.public_id), str(due.public_id)} <= logged
    # Roles without individual cases get no such block.
    login(client, world.users["management"])
    assert "start-cases-reminders-heading" not in client.get("/").text


def test_the_expiry_mail_links_the_case_on_the_installs_address(world, settings):
    settings.TRYGG_CONSENT_EXPIRY_WARNING_DAYS = 30
    settings.TRYGG_SITE_URL = "https://trygg.example.se/"
    world.users["coordinator"].email = "koordinator@example.se"
    world.users["coordinator"].save()
    case = expiring_case(world, days=5)
    call_command("consent_expiry_mail", stdout=io.StringIO())
    (sent,) = mail.outbox
    assert f"https://trygg.example.se/cases/{case.public_id}/" in sent.body
