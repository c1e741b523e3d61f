"""A resident opens / on a phone and on a desktop, chooses the municipality, reaches every
public page offered there and comes back; a member of staff finds the sign-in (issue 18)."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.conftest import open_menu
from tests.factories import AreaFactory, CitizenPromiseFactory, MunicipalityFactory

pytestmark = pytest.mark.browser

# (the link's text on the Swedish page, the address it opens, a text of the page it opens)
PUBLIC_PAGES = [
    ("Svara på trygghetsmätningen", "/svar/", "Svara på trygghetsmätningen"),
    ("Rapportera en otrygg plats", "/trygghet/2281/", "Rapportera en otrygg plats"),
    ("Se resultaten", "/open/2281/", "Sundsvall"),
    ("Medborgarlöften", "/operations/promises/2281/", "Medborgarlöften"),
]


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from trygg.reports.models import AnalysisRun, Publication
    from trygg.surveys.models import RoundStatus, SurveyRound
    from trygg.surveys.services import survey_round_create

    settings.VAR_DIR = tmp_path
    settings.TRYGG_RESIDENT_MUNICIPALITIES = ["2281"]
    sundsvall = MunicipalityFactory(code="2281", name="Sundsvall")
    MunicipalityFactory(code="2262", name="Timrå")
    AreaFactory(municipality=sundsvall, name="Nacksta")
    survey_round = survey_round_create(municipality=sundsvall, year=2026)
    SurveyRound.objects.filter(pk=survey_round.pk).update(status=RoundStatus.OPEN)
    run = AnalysisRun.objects.create(municipality=sundsvall, year=2026)
    Publication.objects.create(run=run, municipality=sundsvall, year=2026, licence="CC BY 4.0")
    CitizenPromiseFactory(municipality=sundsvall, title="Tryggare Nacksta")
    return sundsvall


@pytest.mark.parametrize("width", [390, 1280])
def test_a_resident_reaches_every_public_page_and_comes_back(page, live_server, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Välkommen till Trygg"
    assert page.locator("button.menu-button").count() == 0  # no staff menu to open
    open_menu(page)  # a no-op without a menu: the page needs none
    chooser = page.get_by_role("region", name="Välj din kommun")
    assert chooser.get_by_role("link").all_inner_texts() == ["Sundsvall", "Timrå"]
    page.screenshot(path=f"/tmp/startpage-chooser-{width}.png", full_page=True)

    # Timrå has nothing open to residents: no links, and a way back to the list.
    chooser.get_by_role("link", name="Timrå").click()
    page.wait_for_url(f"{base}/?kommun=2262")
    assert page.locator("ul.public-links a").count() == 0
    page.get_by_role("link", name="Välj en annan kommun").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Sundsvall").click()
    page.wait_for_url(f"{base}/?kommun=2281")
    assert page.locator("ul.public-links a").all_inner_texts() == [p[0] for p in PUBLIC_PAGES]
    page.screenshot(path=f"/tmp/startpage-sundsvall-{width}.png", full_page=True)
    no_wider_than_the_screen(page, width)

    for label, path, text in PUBLIC_PAGES:
        page.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(f"{base}{path}")
        assert text in page.locator("h1").inner_text(), path
        page.go_back()
        page.wait_for_url(f"{base}/?kommun=2281")
        assert page.locator("h2#municipality-heading").inner_text() == "Sundsvall"

    # The brand in the header leads home from any public page.
    page.goto(f"{base}/open/2281/")
    page.get_by_role("banner").get_by_role("link", name="Trygg").click()
    page.wait_for_url(f"{base}/")

    page.get_by_role("link", name="Logga in").click()
    page.wait_for_url(f"{base}/accounts/login/")
    assert page.locator("#id_login").is_visible()
    assert page.errors == []


def test_the_page_in_english(page, live_server, world):
    page.goto(f"{live_server.url}/?kommun=2281")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")
    assert page.locator("h1").inner_text() == "Welcome to Trygg"
    assert page.get_by_role("link", name="Report an unsafe place").is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.screenshot(path="/tmp/startpage-english-1280.png", full_page=True)


def no_wider_than_the_screen(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_start_page_meets_the_accessibility_standard(browser, live_server, world, width):
    from tests.browser.test_accessibility import serious_violations

    # axe is added as an inline script, which the site's policy forbids (tested in deploy/).
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="sv-SE", bypass_csp=True
    )
    page = context.new_page()
    for query in ("", "?kommun=2281", "?kommun=2262"):
        page.goto(f"{live_server.url}/{query}")
        assert page.locator("a.skip-link").get_attribute("href") == "#main"
        assert page.locator("main#main").count() == 1
        assert page.locator("html").get_attribute("lang") == "sv"
        levels = [
            int(tag[1])
            for tag in page.locator("h1, h2, h3").evaluate_all(
                "nodes => nodes.map((n) => n.tagName.toLowerCase())"
            )
        ]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        assert serious_violations(page) == [], query
    context.close()
