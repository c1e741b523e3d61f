"""In Chromium: a survey XLSX with a wrong column through the guided import (row-level
errors, the mapping fixed, progress watched while the worker runs), then the area page;
and the public page for an anonymous visitor, with only published data."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DATABASE_QUEUE = {
    "default": {
        "BACKEND": "trygg.jobs.backend.DatabaseBackend",
        "OPTIONS": {"EMBEDDED_WORKER": False},
    }
}


def survey_file(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "year", "area_code", "deso", "sex", "age_group", "f1a", "f1b"])
    for i in range(6):
        sheet.append([f"web-{i}", 2026, "Sundsvall", "2281A007", "FM"[i % 2], "25-34", 3, 4])
    book.save(path)
    return path


def run_worker_while_page_waits(page, expected_selector):
    """The page shows the queued job's progress bar; the worker then runs the task and the
    page's own polling notices the end and shows the outcome."""
    from trygg.jobs.backend import run_pending_tasks

    page.wait_for_selector("[data-job-status-url] progress")
    assert run_pending_tasks() == 1
    page.wait_for_selector(expected_selector, timeout=15000)


def test_survey_xlsx_import_with_a_wrong_column(page, live_server, demo, settings, tmp_path):
    settings.TASKS = DATABASE_QUEUE
    settings.VAR_DIR = tmp_path / "var"
    sign_in(page, live_server.url, "samordnare", demo.password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "survey")
    page.fill("#id_source", "Enkätbolaget")
    page.set_input_files("#id_file", str(survey_file(tmp_path / "enkat.xlsx")))
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector("table.preview")
    assert "Sundsvall" in page.inner_text("table.preview")
    page.click("#check-file")
    run_worker_while_page_waits(page, "#problems")
    problems = page.inner_text("#problems")
    assert "area_code" in problems and "6" in page.inner_text("#problems-heading")
    # Fix the mapping: the area is in the 'deso' column.
    page.select_option("#id_map_area_code", "deso")
    page.click("#check-file")
    run_worker_while_page_waits(page, "#start-import")
    page.click("#start-import")
    run_worker_while_page_waits(page, "[data-upload-status=imported]")
    assert "6" in page.inner_text("main")
    from trygg.areas.models import Area
    from trygg.surveys.models import SurveyResponse

    assert SurveyResponse.objects.filter(respondent_id__startswith="web-").count() == 6
    nacksta = Area.objects.get(code="2281A007")
    page.goto(f"{live_server.url}/areas/{nacksta.id}/")
    assert page.inner_text("h1").startswith("Nacksta")
    assert page.errors == []


def test_public_page_for_an_anonymous_visitor(page, live_server, demo, settings, tmp_path):
    from tests.factories import CitizenPromiseFactory
    from trygg.analysis.pipeline import AnalysisParams
    from trygg.areas.models import Municipality
    from trygg.reports.services import analysis_run_create, publication_create

    settings.VAR_DIR = tmp_path / "var"
    municipality = Municipality.objects.get(code="2281")
    CitizenPromiseFactory(municipality=municipality, is_public=True, title="Ljusare Nacksta")
    CitizenPromiseFactory(municipality=municipality, is_public=False, title="Hemligt utkast")
    run = analysis_run_create(
        municipality=municipality, params=AnalysisParams(pdf=False, draws=100)
    )
    page.goto(f"{live_server.url}/open/2281/")
    assert page.locator("h1").count() == 1
    assert "404" in page.title() or page.locator("table.public-table").count() == 0
    publication_create(run=run, actor=None)
    page.goto(f"{live_server.url}/open/")
    page.click("text=Sundsvall")
    page.wait_for_selector("table.public-table")
    text = page.inner_text("main")
    assert "Nacksta" in text and "Ljusare Nacksta" in text and "Hemligt utkast" not in text
    assert page.locator("a[href$='data.csv']").count() == 1
    assert page.locator("a[href$='data.geojson']").count() == 1
    # Levels on a labelled map and as lists, no ranking; fits a phone and a desktop.
    assert page.get_by_role("img", name="Karta över områdena").count() == 1
    assert page.locator("section.level h3").count() >= 3
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/public-results-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # nothing behind the login opens for the visitor
    page.goto(f"{live_server.url}/reports/{run.public_id}/report.html")
    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/reports/dashboard/")
    assert "/accounts/login/" in page.url
    assert [e for e in page.errors if "404" not in e] == []
