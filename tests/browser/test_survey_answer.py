"""A resident answers the safety survey on a phone, in English, with the code from the
letter: answers half, pauses, continues on another device, sends; the code cannot answer
again; the survey administrator sees the response rate rise; the stored answer has no link
to the code."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import sign_in
from trygg.surveys import codes
from trygg.surveys.models import RoundStatus, SurveyResponse, SurveyRound, SurveySamplePerson

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _phone(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _answered(page, base_url: str, round_id: int) -> int:
    page.goto(f"{base_url}/surveys/{round_id}/progress/")
    return int(page.inner_text("#overall-answered"))


def test_a_resident_answers_on_a_phone_pauses_continues_and_sends(browser, live_server, demo):
    survey_round = SurveyRound.objects.get(status=RoundStatus.OPEN)
    person = SurveySamplePerson.objects.filter(round=survey_round, answered=False).first()
    code = codes.decrypt(person.code_encrypted)
    printed = codes.code_format(code)

    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    admin = staff.new_page()
    sign_in(admin, live_server.url, "enkat", demo.password)
    admin.wait_for_url(f"{live_server.url}/")
    before = _answered(admin, live_server.url, survey_round.id)
    responses_before = set(SurveyResponse.objects.values_list("id", flat=True))

    # On the phone: choose English, read that the answers are anonymous, type the code.
    context, page, errors = _phone(browser)
    page.goto(f"{live_server.url}/svar/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r".*/svar/\?lang=en$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Your answers are anonymous").is_visible()
    page.get_by_label("Your code").fill(printed.lower())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/svar/fragor/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Half the questions, then pause.
    page.get_by_role("group", name="1. Litter").get_by_label("A rather big problem").check()
    page.get_by_role("group", name="2. Graffiti").get_by_label("No opinion").check()
    page.get_by_role("group", name="3. Vandalism").get_by_label("A very small problem").check()
    page.get_by_role("button", name="Save and continue later").click()
    assert page.get_by_role("heading", name="Your answers are saved").is_visible()
    context.close()

    # Later, on another device: the QR code's link fills in the code.
    context, page, errors2 = _phone(browser)
    page.goto(f"{live_server.url}/svar/?lang=en")
    page.goto(f"{live_server.url}/svar/#{code}")
    assert page.get_by_label("Your code").input_value() == code
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/svar/fragor/")
    litter = page.get_by_role("group", name="1. Litter")
    assert litter.get_by_label("A rather big problem").is_checked()
    assert page.get_by_role("group", name="2. Graffiti").get_by_label("No opinion").is_checked()
    page.get_by_role("group", name="4. Poorly lit or dark places").get_by_label(
        "A very big problem"
    ).check()
    # Keyboard works too: the next question's options are reached with arrow keys.
    page.get_by_role("group", name="5. Groups of young people disturbing the peace").get_by_label(
        "No problem at all"
    ).focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url(f"{live_server.url}/svar/tack/")
    assert page.get_by_role("heading", name="Thank you for your answers").is_visible()

    # The same code cannot answer again.
    page.goto(f"{live_server.url}/svar/")
    page.get_by_label("Your code").fill(printed)
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("alert").inner_text().startswith("We could not use this code")
    assert page.url == f"{live_server.url}/svar/"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The refused code's page comes with status 400, which the console reports: not an error.
    problems = [e for e in errors + errors2 if "status of 400" not in e]
    assert problems == [], problems
    context.close()

    # The administrator sees the response rate rise.
    assert _answered(admin, live_server.url, survey_round.id) == before + 1
    staff.close()

    # In the database: one new answer, with nothing that leads back to the code.
    new = SurveyResponse.objects.exclude(id__in=responses_before)
    assert new.count() == 1
    stored = new.get()
    assert stored.answers["litter"] == 4 and stored.answers["graffiti"] is None
    assert stored.answers["dark_places"] == 5 and stored.answers["youth_groups"] == 2
    # The sample row is marked later, in a batch apart from the answer (ADR 0011).
    from trygg.surveys.services import survey_answers_mark

    survey_answers_mark(survey_round=survey_round, minimum=0)
    person.refresh_from_db()
    assert person.answered and person.channel == "web"
    row = " ".join(
        str(v)
        for v in SurveyResponse.objects.filter(id=stored.id)
        .values_list("respondent_id", "sex", "age_group", "answers", "round_id", "area_id")
        .get()
    )
    for secret in (code, printed, person.code_hash, str(person.id)):
        assert secret not in row.split() and secret not in stored.respondent_id
    assert {f.column for f in SurveyResponse._meta.concrete_fields} == {
        "id",
        "round_id",
        "respondent_id",
        "area_id",
        "sex",
        "age_group",
        "answers",
    }
