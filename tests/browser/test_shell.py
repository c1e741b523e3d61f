"""A coordinator signs in, sees the municipality's areas on the map and switches to English."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_menu, sign_in
from trygg.areas.models import Area

pytestmark = pytest.mark.browser


def test_coordinator_sees_the_map_and_switches_to_english(page, live_server, demo, tmp_path):
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Översikt"

    map_element = page.locator("#area-map")
    page.wait_for_selector("#area-map[data-ready='true']")
    drawn = page.locator("#area-map path.leaflet-interactive").count()
    assert drawn == Area.objects.count()
    assert map_element.get_attribute("data-area-count") == str(Area.objects.count())
    page.screenshot(path=str(tmp_path / "home-sv.png"))

    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").inner_text() == "Overview"
    # The areas sit in the menu's section "Areas and groups", opened with a click.
    page.locator(".menu-section summary", has_text="Areas and groups").click()
    assert page.get_by_role("link", name="Areas", exact=True).is_visible()
    assert page.errors == []


def test_clicking_an_area_opens_its_page(page, live_server, demo):
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_selector("#area-map[data-ready='true']")
    nacksta = Area.objects.get(name="Nacksta")
    # Leaflet draws each area as an SVG path; click the one for Nacksta via its tooltip target.
    page.evaluate(
        """(id) => {
            const map = document.getElementById('area-map').trygg.map;
            map.eachLayer((layer) => {
                if (layer.feature && layer.feature.properties.id === id) { layer.fire('click'); }
            });
        }""",
        nacksta.id,
    )
    page.wait_for_url(f"{live_server.url}/areas/{nacksta.id}/")
    assert "Nacksta" in page.locator("h1").inner_text()
    assert page.get_by_text("Trygghetsgrupp Nacksta").is_visible()


def test_phone_width_keeps_the_menu_usable(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    sign_in(page, live_server.url, "polis", demo.password)
    page.wait_for_selector("#area-map[data-ready='true']")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    # The menu folds behind its button on a phone; opened, every item is there to tap.
    assert not page.get_by_role("link", name="Områden", exact=True).is_visible()
    open_menu(page)
    page.locator(".menu-section summary", has_text="Områden och grupper").click()
    assert page.get_by_role("link", name="Områden", exact=True).is_visible()
    context.close()
