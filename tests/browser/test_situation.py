"""A member reports from a phone and finds the report in that week's picture."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from tests.browser.conftest import open_menu, sign_in
from trygg.accounts.models import SafetyGroup, User
from trygg.analysis.situation import week_of
from trygg.areas.models import Area
from trygg.situation.models import Observation, WeeklyPicture

pytestmark = pytest.mark.browser


def test_report_on_a_phone_and_find_it_in_the_weekly_picture(browser, live_server, demo, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc) + str(exc.stack)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "skola", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    open_menu(page)
    # The menu's entry (the start page has a large "Rapportera" button of its own).
    page.locator("#main-menu").get_by_role("link", name="Rapportera", exact=True).click()
    page.wait_for_selector("#report-map[data-ready='true']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Ungdomssamling").check()
    # Tap the map in the middle of Nacksta.
    page.evaluate(
        """() => {
            const map = document.getElementById('report-map').trygg.map;
            map.eachLayer((layer) => {
                if (layer.feature && layer.feature.properties.name === 'Nacksta') {
                    map.fire('click', { latlng: layer.getBounds().getCenter() });
                }
            });
        }"""
    )
    assert page.input_value("#id_lat") != ""
    page.get_by_label("2 – allvarligt").check()
    page.fill("#id_text", "Webbläsartest: samling vid fritidsgården")
    page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
    page.get_by_role("button", name="Skicka rapporten").click()
    page.wait_for_selector(".report-status.ok")
    assert "Tack" in page.inner_text("#report-status")
    # The form is empty again, and the draft is gone from the phone.
    assert page.input_value("#id_text") == ""
    assert page.evaluate("localStorage.getItem('trygg-report-draft')") is None

    observation = Observation.objects.get(text__startswith="Webbläsartest")
    assert observation.area.name == "Nacksta" and observation.category == "youth_gathering"
    group = SafetyGroup.objects.get(key="tg-nacksta")
    assert observation.group == group
    response = page.goto(
        f"{live_server.url}/situation/groups/{group.id}/{week_of(observation.observed_at)}/"
    )
    assert response.status == 200, errors
    page.wait_for_timeout(1500)
    assert errors == [], errors
    page.wait_for_selector("#picture-map[data-ready='true']", timeout=10000)
    assert page.get_by_text("Webbläsartest: samling vid fritidsgården").is_visible()
    widest = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter((e) => e.getBoundingClientRect().right > 391)
            .map((e) => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, widest
    assert errors == []
    context.close()


def test_an_unsent_report_survives_a_lost_connection(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    sign_in(page, live_server.url, "polis", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/situation/report/")
    page.wait_for_selector("#report-map[data-ready='true']")
    page.get_by_label("Skadegörelse").check()
    page.select_option("#id_area", value=str(Area.objects.get(name="Skönsberg").pk))
    page.fill("#id_text", "Offlinetest: krossad ruta")
    context.set_offline(True)
    page.get_by_role("button", name="Skicka rapporten").click()
    page.wait_for_selector(".report-status.pending")
    assert Observation.objects.filter(text__startswith="Offlinetest").count() == 0
    context.set_offline(False)
    page.wait_for_selector(".report-status.ok", timeout=15000)
    assert Observation.objects.filter(text__startswith="Offlinetest").count() == 1
    context.close()


def test_the_meeting_types_its_record_and_publishes_in_one_step(page, live_server, demo):
    """The coordinator types the assessment and the decided actions and presses "Publicera
    och lås" straight away: the frozen picture, its PDF and its e-mail keep both texts."""
    group = SafetyGroup.objects.get(key="tg-nacksta")
    for member in User.objects.filter(group_memberships__group=group):
        member.email = f"{member.username}@example.org"  # demo users have no address
        member.save(update_fields=["email"])
    week = week_of(Observation.objects.filter(group=group).latest("observed_at").observed_at)
    url = f"{live_server.url}/situation/groups/{group.id}/{week}/"
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(url)
    page.fill("#id_assessment", "Handel med narkotika vid torget kvällstid")
    page.fill("#id_decided_actions", "Polis och fältassistenter vid torget fredag 19–23")
    page.get_by_role("button", name="Publicera och lås").click()
    page.wait_for_selector("text=Handel med narkotika vid torget kvällstid")
    assert page.locator("#id_assessment").count() == 0  # frozen: no form any more
    assert "Polis och fältassistenter vid torget fredag 19–23" in page.inner_text("main")
    picture = WeeklyPicture.objects.get(group=group, iso_year=week.year, iso_week=week.week)
    assert picture.is_published
    pdf = page.request.get(url + "?export=pdf")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages
    )
    assert "Handel med narkotika vid torget kvällstid" in text
    mail.outbox.clear()
    with page.expect_navigation():
        page.get_by_role("button", name="Mejla sammanfattningen till gruppen").click()
    assert "Sammanfattningen skickades till 0" not in page.inner_text("main")
    assert mail.outbox and "Handel med narkotika vid torget kvällstid" in mail.outbox[-1].body
    assert page.errors == []
