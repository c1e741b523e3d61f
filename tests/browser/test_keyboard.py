"""The resident's report form and the web survey, done with the keyboard alone (WCAG 2.1.1):
Tab, Space, Enter and arrow keys, no mouse and nothing filled in that Tab does not reach.
The first Tab reaches the skip link, and every element Tab reaches shows where the focus is
(WCAG 2.4.1 and 2.4.7)."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import serious_violations
from trygg.residents.models import ResidentReport
from trygg.surveys import codes
from trygg.surveys.models import RoundStatus, SurveyResponse, SurveySamplePerson

pytestmark = [pytest.mark.browser, pytest.mark.markup]

# Whether the focused element shows a focus indicator: an outline or a box shadow.
FOCUS_SHOWN = """() => {
    const style = getComputedStyle(document.activeElement);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== 'none';
}"""


# The focused element, named for a failure message.
FOCUSED = """() => {
    const el = document.activeElement;
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
        (el.name ? '[name=' + el.name + ']' : '');
}"""


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on an element matching the selector, as a keyboard user
    moves through the page; the focus shows on every element on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {page.evaluate(FOCUSED)}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab does not reach {selector} within {limit} presses")


def skip_to_content(page) -> None:
    """The first Tab reaches the skip link, which is then visible; Enter moves to the page's
    content."""
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('a.skip-link')"), "no skip link first"
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on the skip link"
    assert page.locator("a.skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def keyboard_page(browser):
    # bypass_csp: axe is added to the page as an inline script (test_accessibility.py).
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def test_a_resident_reports_with_the_keyboard_alone(browser, live_server, demo, settings):
    settings.TRYGG_RESIDENT_MIN_FILL_SECONDS = 0
    context, page, errors = keyboard_page(browser)
    page.goto(f"{live_server.url}/trygghet/{demo.municipality_code}/")
    page.wait_for_selector("#resident-map[data-ready='true']")
    skip_to_content(page)

    tab_to(page, "input[name=reasons]")
    page.keyboard.press("Space")
    # Where: the list of areas is the keyboard's way past the map.
    tab_to(page, "#id_area")
    page.keyboard.press("ArrowDown")
    area = page.evaluate("document.getElementById('id_area').value")
    assert area != ""
    tab_to(page, "#id_when")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_text")
    page.keyboard.type("Tangentbordstest: mörk gångtunnel")
    tab_to(page, "#resident-submit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/trygghet/kvitto/**")
    assert serious_violations(page) == []

    report = ResidentReport.objects.get(text="Tangentbordstest: mörk gångtunnel")
    assert str(report.area_id) == area and len(report.reasons) == 1
    assert report.when != ""
    assert errors == []
    context.close()


def test_a_resident_answers_the_survey_with_the_keyboard_alone(browser, live_server, demo):
    person = SurveySamplePerson.objects.filter(
        round__status=RoundStatus.OPEN, answered=False
    ).first()
    before = set(SurveyResponse.objects.values_list("id", flat=True))
    context, page, errors = keyboard_page(browser)
    page.goto(f"{live_server.url}/svar/")
    skip_to_content(page)
    tab_to(page, "#id_code")
    page.keyboard.type(codes.code_format(codes.decrypt(person.code_encrypted)))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/svar/fragor/")

    # The questions need a code, so the page tour of test_accessibility.py does not reach
    # them: axe checks them here.
    assert serious_violations(page) == []

    # The first question: Tab enters the group, the arrow keys move along its options and
    # choose; Tab then goes on to the next question's group, where Space chooses.
    tab_to(page, "input[type=radio]")
    first = page.evaluate("document.activeElement.name")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.name")
    assert second != first
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on a question's option"
    page.keyboard.press("Space")
    tab_to(page, "button[value=send]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/svar/tack/")
    assert serious_violations(page) == []

    answers = SurveyResponse.objects.exclude(id__in=before).get().answers
    assert answers[first] is not None and answers[second] is not None
    assert errors == []
    context.close()
