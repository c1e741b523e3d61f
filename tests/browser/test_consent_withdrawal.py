"""Withdrawing a consent on a phone (390 px): the button leads to a confirmation step that
asks how the withdrawal was received; nothing changes until the coordinator confirms."""

from __future__ import annotations

import pytest

from tests.cases.world import World

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_SYNTHETIC_PINS = True
    world = World()
    coordinator = world.users["coordinator"]
    coordinator.set_password("lösenord-för-test-123")
    coordinator.save()
    return world


def test_withdrawal_is_confirmed_at_phone_width(browser, live_server, world, tmp_path):
    consent = world.cases["own_team"].person.consents.first()
    person = consent.person
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "koordinator")
    page.fill("#id_password", "lösenord-för-test-123")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/cases/people/{person.public_id}/")
    page.click(f"a[href='/cases/consents/{consent.public_id}/withdraw/']")
    page.wait_for_selector("#withdraw-form")
    # The confirmation page fits the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Sending without the tick and the "how" keeps the consent.
    page.click("#withdraw-form button.danger")
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    page.select_option("#id_received_how", "in_writing")
    page.fill("#id_note", "Brev daterat i går")
    page.check("#id_confirm")
    page.screenshot(path=str(tmp_path / "withdraw-390.png"), full_page=True)
    page.click("#withdraw-form button.danger")
    page.wait_for_url(f"{live_server.url}/cases/people/{person.public_id}/")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_received_how == "in_writing"
    assert page.is_visible("tr.withdrawn")
    assert errors == []
    context.close()
