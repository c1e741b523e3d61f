"""Every page a role can open fits a phone 390 px wide, and the main menu folds behind a
button there (issue 17, defect 2).

The routes come from the role × route matrix (tests/routes.yaml, and tests/cases/authz.yaml
for individual cases); the objects from the worlds those matrices are tested on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.factories import user_in
from tests.test_routes import MATRIX, build_world, expectations, url_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ROLES = ("safety_coordinator", "analyst", "group_member", "sspf_coordinator", "anonymous")
CASE_ROUTES = (
    "cases:index",
    "cases:case",
    "cases:person",
    "cases:concerns",
    "cases:concern",
    "cases:consent-withdraw",
    "cases:statistics",
)
# Screenshots of every page measured, to look at (TRYGG_SCREENSHOTS=<dir>).
SHOTS = os.environ.get("TRYGG_SCREENSHOTS")


def html_pages(client: Client, urls: list[str]) -> list[str]:
    """The URLs that answer 200 with an HTML page (not JSON, CSV, PDF or a download)."""
    found = []
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append(url)
    return found


def phone_context(browser, live_server, client: Client | None):
    context = browser.new_context(viewport=PHONE, locale="sv-SE", is_mobile=True)
    if client is not None:
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
    return context


def too_wide(page, base: str, urls: list[str], label: str) -> dict[str, int]:
    wide = {}
    for url in urls:
        page.goto(base + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width
        if SHOTS:
            name = f"{label}{url}".strip("/").replace("/", "_") or "root"
            page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
    return wide


def test_every_route_fits_a_phone_for_every_role(browser, live_server, transactional_db, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.VAR_DIR = Path(settings.VAR_DIR) / "phone-width"
    municipality, objects = build_world()
    wide: dict[str, dict[str, int]] = {}
    opened = 0
    for role in ROLES:
        urls = []
        for name in MATRIX:
            for actor, target, expected in expectations(name):
                if actor == role and target in (None, "own") and expected == 200:
                    urls.append(url_for(name, objects["own"]))
        client = Client()
        if role != "anonymous":
            client.force_login(user_in(municipality, role=role))
        pages = html_pages(client, urls)
        context = phone_context(browser, live_server, client if role != "anonymous" else None)
        page = context.new_page()
        found = too_wide(page, live_server.url, pages, role)
        opened += len(pages)
        context.close()
        if found:
            wide[role] = found
    assert opened > 60, opened  # the matrix's pages, not an empty loop
    assert wide == {}, f"pages wider than {PHONE['width']} px: {wide}"


def test_case_pages_fit_a_phone(browser, live_server, transactional_db, settings):
    from tests.cases.test_matrix import target
    from tests.cases.world import World

    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_SYNTHETIC_PINS = True
    world = World()
    urls = []
    for name in CASE_ROUTES:
        t = target(world, f"GET {name}", "own_team")
        urls.append(reverse(t["route"], kwargs=t["kwargs"]))
    client = Client()
    client.force_login(world.users["coordinator"])
    pages = html_pages(client, urls)
    assert len(pages) == len(CASE_ROUTES), pages
    context = phone_context(browser, live_server, client)
    page = context.new_page()
    wide = too_wide(page, live_server.url, pages, "sspf")
    context.close()
    assert wide == {}, f"pages wider than {PHONE['width']} px: {wide}"


def test_the_main_menu_folds_behind_a_button_on_a_phone(browser, live_server, transactional_db):
    municipality, _ = build_world()
    client = Client()
    client.force_login(user_in(municipality, role="safety_coordinator"))
    context = phone_context(browser, live_server, client)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    toggle = page.locator(".main-nav .menu-button")
    menu_link = page.locator(".main-nav ul a").first
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.inner_text() == "Meny"
    assert not menu_link.is_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 120  # the folded menu no longer fills the first screen
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu_link.is_visible()
    # Every item of the open menu is on the screen and can be tapped (the entries of a
    # section once it is opened).
    for summary in page.locator(".main-nav .menu-section summary").all():
        summary.click()
        for link in summary.locator("xpath=..").locator("a").all():
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    for link in page.locator("#main-menu > li > a").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not menu_link.is_visible()
    # On a wide screen the menu shows without the button.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert menu_link.is_visible()
    assert not toggle.is_visible()
    context.close()
