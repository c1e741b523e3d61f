"""The meeting's decided actions and the groups' pages in a browser, on a phone (390 px)
and a desk (1280 px): typing an action at the meeting, publishing, finding it carried into
next week and marking it done; creating a group, adding a member and setting its meeting."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_menu, sign_in
from trygg.accounts.models import SafetyGroup, User
from trygg.situation.models import DecidedAction, GroupMeeting, GroupMemberRole, WeeklyPicture
from trygg.situation.selectors import current_week

pytestmark = pytest.mark.browser

WIDTHS = [390, 1280]


def _new_page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    return context, page


def _fits(page, width: int) -> None:
    """Nothing on the page is wider than the screen."""
    widest = page.evaluate(
        """(w) => [...document.querySelectorAll('main *')]
            .filter((e) => e.getBoundingClientRect().right > w + 1)
            .map((e) => e.tagName + '.' + e.className).slice(0, 5)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, widest


def _free_weeks(group):
    """Two weeks in a row before this one that the demo has no picture of."""
    week = current_week().shifted(-2)
    taken = set(WeeklyPicture.objects.filter(group=group).values_list("iso_year", "iso_week"))
    while (week.year, week.week) in taken or (
        week.shifted(1).year,
        week.shifted(1).week,
    ) in taken:
        week = week.shifted(-1)
    return week, week.shifted(1)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_action_typed_at_the_meeting_is_carried_into_next_week_and_marked_done(
    browser, live_server, demo, width
):
    group = SafetyGroup.objects.get(key="tg-nacksta")
    first, second = _free_weeks(group)
    context, page = _new_page(browser, width)
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/situation/groups/{group.id}/{first}/")
    page.fill("#id_action-what", "Belysning vid gångtunneln")
    page.select_option("#id_action-responsible_organisation", index=1)
    page.fill("#id_action-responsible_name", "Fastighetsskötaren")
    page.fill("#id_action-due_on", second.monday.isoformat())
    _fits(page, width)
    page.get_by_role("button", name="Lägg till åtgärden").click()
    page.wait_for_selector("#actions .action-card >> text=Belysning vid gångtunneln")
    action = DecidedAction.objects.get(what="Belysning vid gångtunneln")
    assert action.group == group and action.responsible_name == "Fastighetsskötaren"

    page.get_by_role("button", name="Publicera och lås").click()
    page.wait_for_selector(".badge.published")
    assert "Belysning vid gångtunneln" in page.inner_text("#actions")
    assert page.locator("#id_action-what").count() == 0  # frozen with the picture

    page.goto(f"{live_server.url}/situation/groups/{group.id}/{second}/")
    carried = page.locator("#actions .action-card", has_text="Belysning vid gångtunneln")
    assert "Kvar från tidigare veckor" in page.inner_text("#actions")
    _fits(page, width)
    carried.get_by_role("button", name="Klar: Belysning vid gångtunneln").click()
    page.wait_for_selector("#actions .badge.action-done")
    action.refresh_from_db()
    assert action.status == "done"
    assert action.reviews.get().picture.iso_week == second.week

    # Its own page shows what the meeting said; the coordinator's overdue list fits too.
    page.goto(f"{live_server.url}/situation/actions/{action.pk}/")
    assert "Vecka 48: klar" in page.inner_text("main") or "klar" in page.inner_text("main").lower()
    _fits(page, width)
    page.goto(f"{live_server.url}/situation/actions/overdue/")
    _fits(page, width)

    # The group's page no longer lists it as open.
    page.goto(f"{live_server.url}/situation/groups/{group.id}/")
    assert "Belysning vid gångtunneln" not in page.inner_text("main")
    _fits(page, width)
    assert page.errors == [], page.errors
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_coordinator_creates_a_group_adds_a_member_and_sets_the_meeting(
    browser, live_server, demo, width
):
    context, page = _new_page(browser, width)
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/groups/new/")
    page.fill("#id_name", "Trygghetsgrupp Testgården")
    page.select_option("#id_lead_organisation", index=1)
    page.locator("input[name=areas]").first.check()
    _fits(page, width)
    page.get_by_role("button", name="Spara").click()
    page.wait_for_selector("h1:has-text('Trygghetsgrupp Testgården')")
    group = SafetyGroup.objects.get(name="Trygghetsgrupp Testgården")

    page.goto(f"{live_server.url}/groups/{group.id}/members/")
    page.select_option("#id_user", index=1)
    page.get_by_role("button", name="Lägg till", exact=True).click()
    page.wait_for_selector(".message")
    member = User.objects.get(group_memberships__group=group)
    _fits(page, width)

    page.goto(f"{live_server.url}/groups/{group.id}/")
    page.get_by_role("link", name="Lägesbilder, möten och beslutade åtgärder").click()
    page.get_by_role("link", name="Möte och roller").click()
    page.select_option("#id_weekday", value="2")
    page.fill("#id_time", "09:30")
    page.select_option("#id_contact_person", value=str(member.pk))
    page.fill("#id_mailing_list", "partner@example.org")
    _fits(page, width)
    page.get_by_role("button", name="Spara mötet").click()
    page.wait_for_selector("text=Gruppens möte är sparat")
    meeting = GroupMeeting.objects.get(group=group)
    assert meeting.weekday == 2 and meeting.contact_person == member
    assert "09:30" in page.inner_text("main")

    page.get_by_role("link", name="Möte och roller").click()
    page.get_by_label(f"Roll för {member.display_name}").select_option("police")
    page.get_by_role("button", name="Spara rollen").click()
    page.wait_for_selector("text=är sparad")
    assert GroupMemberRole.objects.get(membership__group=group).role == "police"
    page.goto(f"{live_server.url}/situation/groups/{group.id}/")
    assert "polis" in page.inner_text("main")
    # The group page links this week's picture.
    page.get_by_role("link", name=f"Veckans lägesbild (vecka {current_week().week})").click()
    page.wait_for_url(f"**/situation/groups/{group.id}/{current_week()}/")
    if width == 390:
        open_menu(page)
    assert page.errors == [], page.errors
    context.close()
