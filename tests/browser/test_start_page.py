"""The start page of each role, on a phone (390 px) and a desk (1280 px), and the maps'
area names and the demo's note about the missing base map (issue 17, items 8 and 9).

Screenshots of every page measured go to TRYGG_SCREENSHOTS=<dir>, to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import open_menu, sign_in
from tests.factories import demo_with_run
from trygg.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TRYGG_SCREENSHOTS")
WIDTHS = (390, 1280)
# The demo's users: what each must see first on the start page.
ROLES = {
    "samordnare": ["#start-situation-rises", "#start-residents-moderation"],
    "polis": ["a.start-report", "#start-situation-pictures", "#start-situation-own-reports"],
    "analytiker": ["#start-reports-analysis", "#start-imports-latest"],
    "ledning": ["#start-reports-priorities", "#start-situation-published"],
}

# Visible area names on a map and whether any two of them overlap.
LABELS = """(id) => {
  const boxes = [...document.querySelectorAll('#' + id + ' .area-label')]
    .filter((l) => getComputedStyle(l).visibility !== 'hidden')
    .map((l) => ({text: l.textContent, box: l.getBoundingClientRect()}));
  const overlap = boxes.some((a, i) => boxes.some((b, j) => j > i &&
    a.box.left < b.box.right && b.box.left < a.box.right &&
    a.box.top < b.box.bottom && b.box.top < a.box.bottom));
  return {names: boxes.map((b) => b.text), overlap: overlap,
          total: document.querySelectorAll('#' + id + ' .area-label').length};
}"""


@pytest.fixture
def demo_run(transactional_db, tmp_path, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_DEMO_MODE = True
    return demo_with_run(tmp_path, settings)


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_each_roles_start_page_on_a_phone_and_a_desk(browser, live_server, demo_run):
    for width in WIDTHS:
        for username, blocks in ROLES.items():
            context = browser.new_context(
                viewport={"width": width, "height": 900}, locale="sv-SE", is_mobile=width < 500
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            sign_in(page, live_server.url, username, DEMO_PASSWORD)
            page.goto(f"{live_server.url}/")
            for block in blocks:
                assert page.locator(block).is_visible(), (username, width, block)
            if username == "ledning":
                page.wait_for_selector("#start-priority-map[data-ready='true']")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (username, width, scroll)
            _shot(page, f"start-{username}-{width}")

            menu = page.locator("#main-menu")
            if width < 500:
                open_menu(page)
            names = menu.inner_text()
            # Field staff have no use for the API: neither the menu nor the user menu has it.
            assert ("API" in names) == (username in ("samordnare", "analytiker")), username
            if username == "polis":
                assert page.locator("a[href='/api-keys/']").count() == 0
                button = page.locator("a.start-report").bounding_box()
                assert button["height"] >= 48  # a large target for a thumb
            if width == 1280:
                # The coordinator's long menu fits one line of the header.
                assert menu.bounding_box()["height"] < 48, (username, menu.bounding_box())
            else:
                _shot(page, f"menu-{username}-{width}")
            assert errors == [], (username, width, errors)
            context.close()


def test_a_menu_section_opens_its_entries(page, live_server, demo_run):
    sign_in(page, live_server.url, "samordnare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    section = page.locator(".menu-section summary", has_text="Analys")
    section.click()
    page.locator(".menu-section a", has_text="Prioriteringar").click()
    page.wait_for_url("**/reports/dashboard/**")
    assert page.locator(".menu-section:has(a[aria-current='page']) summary").inner_text() == (
        "Analys"
    )


def test_maps_name_their_areas_without_overlap(page, live_server, demo_run):
    sign_in(page, live_server.url, "ledning", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/areas/")
    page.wait_for_selector("#area-map[data-ready='true']")
    shown = page.evaluate(LABELS, "area-map")
    assert shown["total"] > 10
    assert 0 < len(shown["names"]) <= shown["total"]
    assert not shown["overlap"]
    # Closer in, more names fit.
    page.evaluate("document.getElementById('area-map').trygg.map.zoomIn(2, {animate: false})")
    closer = page.evaluate(LABELS, "area-map")
    assert len(closer["names"]) >= len(shown["names"]) and not closer["overlap"]
    _shot(page, "areas-map-labels")

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#start-priority-map[data-ready='true']")
    assert page.evaluate(LABELS, "start-priority-map")["names"]


def test_the_demo_says_on_the_map_that_no_base_map_is_set(page, live_server, demo_run, settings):
    sign_in(page, live_server.url, "samordnare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/areas/")
    page.wait_for_selector("#area-map[data-ready='true']")
    note = page.locator("#area-map .map-no-tiles")
    assert "Ingen bakgrundskarta är inställd" in note.inner_text()
    assert note.locator("a").get_attribute("href") == "/static/core/docs/base-map.html"
    _shot(page, "areas-map-no-tiles")

    settings.TRYGG_MAP_TILES = {"url": "/karta/{z}/{x}/{y}.png", "attribution": "Kommunen"}
    page.route("**/karta/**", lambda route: route.fulfill(status=404))
    page.goto(f"{live_server.url}/areas/")
    page.wait_for_selector("#area-map[data-ready='true']")
    assert page.locator("#area-map .map-no-tiles").count() == 0
    assert "Kommunen" in page.inner_text("#area-map .leaflet-control-attribution")
