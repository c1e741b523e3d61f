"""A resident reports an unsafe place from a phone; the coordinator approves it and it is
in that week's picture; the receipt follows the status. A text with a personal identity
number is refused and nothing is stored."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from trygg.analysis.situation import week_of
from trygg.residents.models import ResidentReport

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_resident_reports_and_the_coordinator_approves(browser, live_server, demo, settings):
    # A person needs a moment for the form; the test does not.
    settings.TRYGG_RESIDENT_MIN_FILL_SECONDS = 0
    before = ResidentReport.objects.count()
    resident = browser.new_context(viewport=PHONE, locale="sv-SE")
    page = resident.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The refused report answers 400, which the browser logs; any other error counts.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text
            else None
        ),
    )

    page.goto(f"{live_server.url}/trygghet/{demo.municipality_code}/")
    page.wait_for_selector("#resident-map[data-ready='true']")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.check("input[name=reasons][value=deserted]")
    page.check("input[name=reasons][value=traffic]")
    # Tap the map in the middle of Nacksta.
    page.evaluate(
        """() => {
            const map = document.getElementById('resident-map').trygg.map;
            map.eachLayer((layer) => {
                if (layer.feature && layer.feature.properties.name === 'Nacksta') {
                    map.fire('click', { latlng: layer.getBounds().getCenter() });
                }
            });
        }"""
    )
    assert page.input_value("#id_lat") != ""
    page.select_option("#id_when", "evening")

    # With a personal identity number the report is refused, with the reason, and not stored.
    page.fill("#id_text", "Webbläsartest: han som bor här har 19121212-1212")
    page.click("#resident-submit")
    page.wait_for_selector("#resident-status.error")
    assert page.inner_text(".field-errors[data-for='text']").strip() != ""
    assert "/trygghet/kvitto/" not in page.url
    assert ResidentReport.objects.count() == before

    page.fill("#id_text", "Webbläsartest: öde och fort körda bilar vid busshållplatsen")
    page.click("#resident-submit")
    page.wait_for_url("**/trygghet/kvitto/**")
    receipt = page.get_attribute("#receipt-link", "href")
    assert page.get_attribute("#receipt-status", "data-status") == "received"
    assert page.evaluate("localStorage.getItem('trygg-resident-draft')") is None
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    report = ResidentReport.objects.get(text__startswith="Webbläsartest")
    assert report.area.name == "Nacksta" and report.reasons == ["deserted", "traffic"]
    assert ResidentReport.objects.count() == before + 1

    # The coordinator approves it.
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    coordinator = office.new_page()
    coordinator.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(coordinator, live_server.url, "samordnare", demo.password)
    coordinator.wait_for_url(f"{live_server.url}/")
    coordinator.goto(f"{live_server.url}/residents/")
    coordinator.click(f"a[href='/residents/reports/{report.public_id}/']")
    coordinator.wait_for_selector("#approve-form")
    coordinator.click("#approve-button")
    coordinator.wait_for_selector("#action-form")
    report.refresh_from_db()
    assert report.status == "assessed" and report.observation is not None

    # It is in that week's picture of the municipality.
    week = week_of(report.observation.observed_at)
    response = coordinator.goto(
        f"{live_server.url}/situation/municipality/{demo.municipality_code}/{week}/"
    )
    assert response.status == 200
    assert coordinator.get_by_text("Webbläsartest: öde och fort körda bilar", exact=False).count()

    # The resident's receipt says "assessed".
    page.goto(receipt)
    assert page.get_attribute("#receipt-status", "data-status") == "assessed"
    assert errors == [], errors
    office.close()
    resident.close()


def test_a_group_leader_records_a_walk_without_gps_and_offline(
    browser, live_server, transactional_db, settings
):
    from tests.factories import PASSWORD, AreaFactory, MunicipalityFactory, user_in
    from trygg.accounts.roles import Role
    from trygg.residents.models import SafetyWalk

    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    AreaFactory(municipality=municipality, name="Nacksta")
    leader = user_in(municipality, role=Role.GROUP_MEMBER)
    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, leader.username, PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/residents/walks/new/")
    page.fill("#id_title", "Webbläsarvandring")
    page.click("#walk-new-form button.primary")
    page.wait_for_selector("#walk-map[data-ready='true']")
    walk = SafetyWalk.objects.get(title="Webbläsarvandring")

    def tap(dx: float, dy: float) -> None:
        page.evaluate(
            """([dx, dy]) => {
                const map = document.getElementById('walk-map').trygg.map;
                map.eachLayer((layer) => {
                    if (layer.feature && layer.feature.properties.name === 'Nacksta') {
                        const c = layer.getBounds().getCenter();
                        map.fire('click', { latlng: L.latLng(c.lat + dy, c.lng + dx) });
                    }
                });
            }""",
            [dx, dy],
        )

    # No GPS: draw the route by tapping the map.
    page.check("#walk-draw")
    for step in range(3):
        tap(0.001 * step, 0.0005 * step)
    page.uncheck("#walk-draw")
    # A place: tap where it is, say why, save.
    tap(0.001, 0.0)
    page.check("#point-reasons input[value=dark]")
    page.fill("#id_text", "Trasig lampa vid trappan")
    page.click("#point-submit")
    page.wait_for_selector("#walk-points li:not(.pending) strong")
    # Offline: the place waits on the phone and is sent when the connection is back.
    context.set_offline(True)
    tap(0.002, 0.001)
    page.check("#point-reasons input[value=overgrown]")
    page.click("#point-submit")
    page.wait_for_selector("#walk-points li.pending")
    assert walk.points.count() == 1
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#walk-points li.pending", state="detached", timeout=20000)
    assert walk.points.count() == 2

    page.fill("#id_participants", "7")
    page.click("#walk-finish")
    page.wait_for_selector("text=GeoJSON")
    walk.refresh_from_db()
    assert walk.status == "finished" and walk.participants == 7
    assert len(walk.route["coordinates"]) == 3
    assert [p.reasons for p in walk.points.order_by("number")] == [["dark"], ["overgrown"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_download() as download:
        page.click("a[href$='/export/csv/']")
    assert download.value.suggested_filename.endswith(".csv")
    assert errors == [], errors
    context.close()
