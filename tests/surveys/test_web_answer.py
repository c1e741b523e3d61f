"""The residents' answer pages: a code, pause and continue, send once, anonymity in the
database, guessing limits, languages."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import AreaFactory, MunicipalityFactory, survey_sample_world
from trygg.analysis.questionnaire import standard_questionnaire
from trygg.surveys import codes
from trygg.surveys.models import (
    SurveyDraft,
    SurveyResponse,
    SurveySamplePerson,
)
from trygg.surveys.services import WRONG_CODES_PER_CLIENT_PER_HOUR, survey_answers_mark

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="A1", name="Nacksta")
    return survey_sample_world(municipality, persons=4)


def items():
    return [i.code for i in standard_questionnaire().items]


def enter(client, code, **extra):
    return client.post("/svar/", {"code": code}, **extra)


def test_first_page_says_answers_are_anonymous_in_plain_words(client):
    page = client.get("/svar/?lang=en").content.decode()
    assert "Your answers are anonymous" in page
    assert "without your code and without anything that points to you" in page
    assert 'lang="en" dir="ltr"' in page
    assert client.get("/svar/").content.decode().count('lang="sv"') >= 1


def test_answer_pause_continue_and_send_once(client, world):
    _survey_round, found = world
    code = found[0]
    # Typed the way people type: small letters, a space instead of the dash.
    response = enter(client, f"{code[:4].lower()} {code[4:].lower()}")
    assert response.status_code == 302 and response.url == "/svar/fragor/"
    first, second = items()[:2]
    response = client.post("/svar/fragor/", {first: "4", second: "9", "action": "save"})
    assert "Your answers are saved" in response.content.decode() or response.status_code == 200
    assert SurveyDraft.objects.count() == 1 and SurveyResponse.objects.count() == 0
    # The session forgot the code: coming back means typing it again, on any device.
    assert client.get("/svar/fragor/").content.decode().count('name="code"') == 1
    other_device = client.__class__()
    enter(other_device, code)
    page = other_device.get("/svar/fragor/?lang=en").content.decode()
    assert f'name="{first}" value="4" checked' in page
    assert f'name="{second}" value="9" checked' in page
    response = other_device.post(
        "/svar/fragor/", {first: "4", second: "9", items()[2]: "2", "action": "send"}
    )
    assert response.status_code == 302 and response.url == "/svar/tack/"
    stored = SurveyResponse.objects.get()
    assert stored.answers[first] == 4 and stored.answers[second] is None  # 9: no opinion
    assert stored.answers[items()[2]] == 2 and stored.answers[items()[3]] is None
    # The same code cannot answer again, before its sample row is marked ...
    again = enter(client.__class__(), code)
    assert again.status_code == 400
    # ... which a batch does later, apart from the answer (ADR 0011), dropping the draft.
    survey_answers_mark(survey_round=_survey_round, minimum=0)
    person = SurveySamplePerson.objects.get(code_hash=codes.code_hash(code))
    assert person.answered and person.channel == "web"
    assert not SurveyDraft.objects.exists()
    assert enter(client.__class__(), code).status_code == 400
    assert SurveyResponse.objects.count() == 1


def test_the_stored_answer_has_no_link_to_the_code_or_the_sample_row(client, world):
    _survey_round, found = world
    code = found[1]
    person = SurveySamplePerson.objects.get(code_hash=codes.code_hash(code))
    enter(client, code)
    client.post("/svar/fragor/", {items()[0]: "5", "action": "send"})
    response = SurveyResponse.objects.get()
    # Every column of the row, as the database holds it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {SurveyResponse._meta.db_table} WHERE id = %s",  # noqa: S608
            [response.id],
        )
        row = [str(v) for v in cursor.fetchone()]
        columns = [c[0] for c in cursor.description]
    assert set(columns) == {
        "id",
        "round_id",
        "respondent_id",
        "area_id",
        "sex",
        "age_group",
        "answers",
    }, "no time, no code, no reference to the sample"
    text = " ".join(row)
    for secret in (code, codes.code_format(code), person.code_hash, person.code_encrypted):
        assert secret not in text
    assert str(person.pk) != response.respondent_id and len(response.respondent_id) > 30
    # Only the weighting cell is shared with the sample row.
    assert (response.area_id, response.sex, response.age_group) == (
        person.area_id,
        person.sex,
        person.age_group,
    )


def test_wrong_codes_give_no_hint_and_lock_the_session(client, world):
    _survey_round, found = world
    used = found[2]
    enter(client.__class__(), used)
    client2 = client.__class__()
    enter(client2, used)
    client2.post("/svar/fragor/", {"action": "send"})
    unknown = enter(client, "K7XM-4QPR", QUERY_STRING="").content.decode()
    answered = enter(client, used).content.decode()
    # The same words whether the code never existed or has already answered.
    assert _error(unknown) == _error(answered)
    for _ in range(3):
        enter(client, "K7XM-4QPA")
    locked = enter(client, "K7XM-4QPB")  # after five wrong ones the session is locked
    assert locked.status_code == 429
    assert enter(client, "K7XM-4QPC").status_code == 429
    # ... for wrong codes only: the resident's own code still gets through (issue 14).
    assert enter(client, found[3]).status_code == 302


def _error(page: str) -> str:
    start = page.index('id="code-error"')
    return page[start : page.index("</div>", start)]


def test_wrong_codes_per_client_address_are_limited(client, world):
    _survey_round, found = world
    for i in range(WRONG_CODES_PER_CLIENT_PER_HOUR):
        fresh = client.__class__()  # a new session each time: only the address counts
        assert enter(fresh, f"K7XM-4QP{'ABCDEFGHJKMN'[i]}").status_code == 400
    # Another wrong code from the address waits; another address does not.
    assert enter(client.__class__(), "K7XM-4QPP").status_code == 429
    assert enter(client.__class__(), "K7XM-4QPP", REMOTE_ADDR="10.9.8.7").status_code == 400
    # A right code is never refused for wrong ones (issue 14): from the same address too.
    assert enter(client.__class__(), found[0]).status_code == 302


def test_a_malformed_code_explains_the_rule_and_does_not_count(client, world):
    _survey_round, found = world
    for _ in range(8):
        response = enter(client, "0OIL1")
        assert response.status_code == 400
    assert enter(client, found[0]).status_code == 302


def test_a_closed_or_draft_round_takes_no_answers(client):
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality)
    _survey_round, found = survey_sample_world(municipality, persons=1, status="draft")
    assert enter(client, found[0]).status_code == 400


def test_questions_in_english_and_swedish(client, world):
    _survey_round, found = world
    enter(client, found[0])
    english = client.get("/svar/fragor/?lang=en").content.decode()
    assert "Litter" in english and "No problem at all" in english
    assert "How big a problem" in english
    swedish = client.get("/svar/fragor/?lang=sv").content.decode()
    assert "Nedskräpning" in swedish and "Inget problem alls" in swedish
    # The staff language cookie does not decide the resident's language.
    client.cookies["django_language"] = "en"
    assert "Nedskräpning" in client.get("/svar/fragor/").content.decode()


def test_arabic_texts_render_right_to_left(client, settings, world):
    survey_round, found = world
    settings.TRYGG_SURVEY_LANGUAGES = ["sv", "en", "ar"]
    yaml_text = survey_round.questionnaire_yaml.replace(
        "sv: Nedskräpning, en: Litter}", "sv: Nedskräpning, en: Litter, ar: القمامة}"
    )
    assert yaml_text != survey_round.questionnaire_yaml
    survey_round.questionnaire_yaml = yaml_text
    survey_round.save()
    enter(client, found[0])
    page = client.get("/svar/fragor/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "القمامة" in page
    # Items without an Arabic text fall back to Swedish.
    assert "Klotter" in page
    assert 'hreflang="ar"' in client.get("/svar/?lang=sv").content.decode()


def test_a_long_pause_loses_nothing(client, world):
    """The session ended between loading and saving: the typed answers wait for the code."""
    _survey_round, found = world
    first = items()[0]
    response = client.post("/svar/fragor/", {first: "3", "action": "save"})
    assert response.status_code == 200 and 'name="code"' in response.content.decode()
    enter(client, found[0])
    assert f'name="{first}" value="3" checked' in client.get("/svar/fragor/").content.decode()
