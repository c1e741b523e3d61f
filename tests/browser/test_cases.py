"""The coordinator registers a concern, records consent, opens a case and adds a team
member; the team member sees it and records a follow-up; a police user outside the team
gets "not found"."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import sign_in
from trygg.accounts.models import Organisation, User
from trygg.accounts.roles import Role
from trygg.cases.models import Case
from trygg.cases.pin import synthetic_pin

pytestmark = pytest.mark.browser


def test_concern_consent_case_team_and_not_found(browser, live_server, demo, tmp_path, settings):
    settings.TRYGG_SYNTHETIC_PINS = True
    police_org = Organisation.objects.filter(kind="police").first()
    outsider = User.objects.create(
        username="polisutanfor", role=Role.CASE_WORKER, organisation=police_org
    )
    outsider.set_password(demo.password)
    outsider.save()
    number = synthetic_pin(random.Random(7), timezone.localdate() - timedelta(days=16 * 365))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, live_server.url, "sspfkoordinator", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/concerns/new/")
    page.fill("#id_subject_name", "Webbläsar Testsson")
    page.fill("#id_description", "Syns med äldre ungdomar sent på kvällarna.")
    page.click("button.primary")
    page.wait_for_selector("#concern-received")

    page.goto(f"{live_server.url}/cases/people/")
    page.fill("#id_pin", number)
    page.click("#person-search button.primary")
    page.wait_for_selector("#person-create")
    page.fill("#person-create #id_first_name", "Webbläsar")
    page.fill("#person-create #id_last_name", "Testsson")
    page.click("#person-create button.primary")
    page.wait_for_selector("h1:has-text('Webbläsar Testsson')")
    page.click("#guardian-toggle")
    page.fill("#guardian-form #id_name", "Vårdnadshavare Testsson")
    page.click("#guardian-form button")
    person_url = page.url
    for giver_index in (0, 1):
        page.goto(person_url)
        page.click("a[href$='/consents/new/']")
        page.select_option("#id_giver", index=giver_index)
        for checkbox in page.query_selector_all("input[name='parties'], input[name='information']"):
            checkbox.check()
        page.check("#id_received")
        page.click("#consent-form button.primary")
        page.wait_for_url(person_url)
    assert page.is_visible(".consent-ok")
    page.click("a[href*='/cases/new/']")
    page.click("#case-form button.primary")
    page.wait_for_selector("#member-form")
    page.select_option("#member-form select", label=f"Paula Polisutredare ({police_org})")
    page.click("#member-form button")
    page.wait_for_selector("#team li:has-text('Paula Polisutredare')")
    case_url = page.url
    page.screenshot(path=str(tmp_path / "case-coordinator.png"), full_page=True)
    case = Case.objects.get(person__first_name="Webbläsar")
    assert case_url.endswith(f"/cases/{case.public_id}/")

    context.clear_cookies()
    sign_in(page, live_server.url, "sspfpolis", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(case_url)
    assert response.status == 200 and page.is_visible("#plan")
    # The team member reports their own organisation's measure: police, new suspicions.
    page.click("#follow-ups summary")
    assert page.query_selector("#follow-ups #id_school_attendance") is None
    page.check("#follow-ups #id_new_suspicions")
    page.fill("#follow-ups #id_outcome", "Misstänkt för snatteri")
    page.click("#follow-ups form button")
    page.wait_for_selector("#follow-ups td:has-text('Misstänkt för snatteri')")
    page.screenshot(path=str(tmp_path / "case-team-member.png"), full_page=True)

    context.clear_cookies()
    sign_in(page, live_server.url, "polisutanfor", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    assert page.goto(case_url).status == 404
    assert "Webbläsar" not in page.content()
    assert errors == [], errors
    context.close()
