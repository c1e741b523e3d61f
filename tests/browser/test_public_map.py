"""The public map of reports (issue 18): a resident marking a place is offered the open
report nearby and adds to it; an approved report's routing e-mail reaches the local test
mailbox, the department sets the status through its link, and the public map and the
receipt show it. Screenshots at 390 and 1280 px go to $TRYGG_SHOTS (default /tmp)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
SHOTS = Path(os.environ.get("TRYGG_SHOTS", "/tmp"))


def serious_violations(page) -> list:
    """axe-core's serious and critical findings on the page (as the accessibility test;
    the context bypasses the CSP so that axe can be injected)."""
    from tests.browser.test_accessibility import AXE, RUN_AXE, STANDARDS

    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, STANDARDS)


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 4" not in msg.text
            else None
        ),
    )
    return errors


@pytest.fixture
def town(transactional_db, settings):
    from tests.factories import AreaFactory, MunicipalityFactory, inside, user_in
    from trygg.accounts.roles import Role

    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_RESIDENT_MIN_FILL_SECONDS = 0
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    area = AreaFactory(municipality=municipality, name="Nacksta")
    AreaFactory(municipality=municipality, name="Skönsberg")
    coordinator = user_in(municipality, role=Role.SAFETY_COORDINATOR)
    lon, lat = inside(area)
    return {
        "municipality": municipality,
        "area": area,
        "coordinator": coordinator,
        "lat": lat,
        "lon": lon,
    }


def approved_report(town, **kwargs):
    from tests.factories import ResidentReportFactory
    from trygg.residents.services import resident_report_approve

    report = ResidentReportFactory(area=town["area"], lat=town["lat"], lon=town["lon"], **kwargs)
    return resident_report_approve(actor=town["coordinator"], report=report, text_public=True)


def test_a_resident_adds_to_the_open_report_nearby(browser, live_server, town):
    from trygg.residents.models import ResidentReport

    earlier = approved_report(town, reasons=["dark"], text="Webbläsartest: mörk gångtunnel")
    for viewport, name in ((PHONE, "390"), (DESK, "1280")):
        context = browser.new_context(viewport=viewport, locale="sv-SE", bypass_csp=True)
        page = context.new_page()
        errors = watch(page)
        page.goto(f"{live_server.url}/trygghet/2281/")
        page.wait_for_selector("#resident-map[data-ready='true']")
        page.check("input[name=reasons][value=dark]")
        # Tap the map a few metres from the earlier report.
        page.evaluate(
            """([lat, lon]) => {
                const map = document.getElementById('resident-map').trygg.map;
                map.fire('click', { latlng: L.latLng(lat + 0.0001, lon) });
            }""",
            [town["lat"], town["lon"]],
        )
        page.wait_for_selector("#nearby:not([hidden]) #nearby-list li")
        assert "mörk gångtunnel" in page.inner_text("#nearby-list")
        page.click("#nearby-list li button.nearby-same")
        assert page.input_value("input[name=same_as]") == str(earlier.public_id)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SHOTS / f"publicmap-nearby-{name}.png"), full_page=True)
        assert serious_violations(page) == []
        page.click("#resident-submit")
        page.wait_for_url("**/trygghet/kvitto/**")
        assert "merged=1" in page.url
        page.screenshot(path=str(SHOTS / f"publicmap-merged-{name}.png"), full_page=True)
        assert errors == [], errors
        context.close()
    earlier.refresh_from_db()
    assert earlier.agree_count == 2
    assert ResidentReport.objects.count() == 1


def test_routing_mail_status_link_public_map_and_receipt(browser, live_server, town):
    from tests.factories import PASSWORD, ResidentReportFactory
    from trygg.residents.models import Department, ReportStatus, RoutingRule
    from trygg.residents.services import report_subscribe

    lighting = Department.objects.create(
        municipality=town["municipality"], name="Gatubelysning", email="ljus@example.org"
    )
    RoutingRule.objects.create(
        municipality=town["municipality"], reason="dark", department=lighting
    )
    report = ResidentReportFactory(
        area=town["area"],
        lat=town["lat"],
        lon=town["lon"],
        reasons=["dark"],
        text="Webbläsartest: lampan vid tunneln är trasig",
    )
    report_subscribe(report=report, email="boende@example.org")
    mail.outbox.clear()

    # The coordinator approves it on a desk and publishes the description.
    office = browser.new_context(viewport=DESK, locale="sv-SE", bypass_csp=True)
    coordinator = office.new_page()
    errors = watch(coordinator)
    sign_in(coordinator, live_server.url, town["coordinator"].username, PASSWORD)
    coordinator.wait_for_url(f"{live_server.url}/")
    coordinator.goto(f"{live_server.url}/residents/reports/{report.public_id}/")
    coordinator.check("#approve-text-public")
    coordinator.click("#approve-button")
    coordinator.wait_for_selector("#dispatches")
    assert "Gatubelysning" in coordinator.inner_text("#dispatches")

    # The routing e-mail is in the local test mailbox, with the department's link.
    to_department = [m for m in mail.outbox if m.to == ["ljus@example.org"]]
    assert len(to_department) == 1
    link = re.search(r"http\S+/trygghet/status/\S+/", to_department[0].body).group(0)
    assert link.startswith(live_server.url)

    # The department opens the link on a phone and sets the status with a note.
    phone = browser.new_context(viewport=PHONE, locale="sv-SE", bypass_csp=True)
    department = phone.new_page()
    errors += watch(department)
    department.goto(link)
    department.check("input[name=status][value=in_progress]")
    department.fill("textarea[name=note]", "Ny armatur beställd, byts vecka 50.")
    assert department.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    department.screenshot(path=str(SHOTS / "publicmap-department-390.png"), full_page=True)
    assert serious_violations(department) == []
    department.click("#department-submit")
    department.wait_for_selector("#department-saved")
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS

    # The public map shows the status and the note, at both widths.
    for context, name, width in ((phone, "390", PHONE["width"]), (office, "1280", DESK["width"])):
        page = context.new_page()
        errors += watch(page)
        page.goto(f"{live_server.url}/trygghet/2281/karta/")
        page.wait_for_selector("#public-map[data-ready='true']")
        item = page.locator(f"#r-{report.public_id}")
        assert item.get_attribute("data-status") == "in_progress"
        assert "Ny armatur beställd" in item.inner_text()
        assert "lampan vid tunneln" in item.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"publicmap-map-{name}.png"), full_page=True)
        assert serious_violations(page) == []

    # The receipt shows it too, and the resident had news by e-mail.
    receipt = phone.new_page()
    receipt.goto(f"{live_server.url}/trygghet/kvitto/{report.receipt_token}/")
    assert receipt.get_attribute("#receipt-status", "data-status") == "in_progress"
    assert "Ny armatur beställd" in receipt.inner_text("#report-updates")
    receipt.screenshot(path=str(SHOTS / "publicmap-receipt-390.png"), full_page=True)
    news = [m for m in mail.outbox if m.to == ["boende@example.org"]]
    assert len(news) == 2 and "Ny armatur" in news[-1].body
    assert errors == [], errors
    office.close()
    phone.close()
