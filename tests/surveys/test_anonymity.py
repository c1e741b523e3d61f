"""Survey answers cannot be tied to the sampled persons while the round is open: not by a
shared transaction, not by the order of ids, not by a time, not by a progress cell of one
(issue 14, item 10; ADR 0011)."""

from __future__ import annotations

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from tests.factories import AreaFactory, MunicipalityFactory, survey_sample_world, user_in
from trygg.accounts.roles import Role
from trygg.surveys import codes
from trygg.surveys.models import (
    SurveyCodeUse,
    SurveyDraft,
    SurveyResponse,
    SurveySamplePerson,
)
from trygg.surveys.selectors import survey_letter_persons
from trygg.surveys.services import (
    MARK_BATCH_MIN,
    survey_answer_submit,
    survey_answers_mark,
    survey_draft_save,
)

pytestmark = pytest.mark.django_db
PERSON_TABLE = SurveySamplePerson._meta.db_table


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="A1", name="Nacksta")
    return municipality


def answer(code: str, channel: str = "web") -> None:
    survey_answer_submit(code_hash=codes.code_hash(code), answers={}, channel=channel)


def test_an_answer_neither_writes_nor_locks_the_sample_row(municipality):
    _round, found = survey_sample_world(municipality, persons=2)
    with CaptureQueriesContext(connection) as queries:
        answer(found[0])
    touching = [
        q["sql"]
        for q in queries.captured_queries
        if PERSON_TABLE in q["sql"]
        and (q["sql"].lstrip().upper().startswith("UPDATE") or "FOR UPDATE" in q["sql"].upper())
    ]
    # A write or a row lock puts the answer's transaction id on the person's row.
    assert touching == []
    assert not SurveySamplePerson.objects.filter(answered=True).exists()
    # The code is used all the same: it cannot answer twice.
    with pytest.raises(Exception):  # noqa: B017 - CodeUsedError
        answer(found[0])
    assert SurveyResponse.objects.count() == 1


def test_the_used_code_row_names_no_person_and_no_time(municipality):
    _round, found = survey_sample_world(municipality, persons=2)
    answer(found[0])
    use = SurveyCodeUse.objects.get()
    person = SurveySamplePerson.objects.get(code_hash=codes.code_hash(found[0]))
    values = {
        str(getattr(use, f.attname))
        for f in SurveyCodeUse._meta.concrete_fields
        if f.name != "round"
    }
    assert person.code_hash not in values and str(person.pk) not in values
    assert found[0] not in " ".join(values)
    for model in (SurveyCodeUse, SurveyResponse, SurveySamplePerson):
        kinds = {type(f) for f in model._meta.concrete_fields}
        assert not kinds & {models.DateTimeField, models.DateField}, model


def test_marks_come_in_shuffled_batches_never_one_by_one(municipality):
    survey_round, found = survey_sample_world(municipality, persons=MARK_BATCH_MIN + 2)
    survey_draft_save(code_hash=codes.code_hash(found[0]), answers={"litter": 2})
    for code in found[: MARK_BATCH_MIN - 1]:
        answer(code)
    # Fewer than a batch: nothing is marked yet.
    assert survey_answers_mark(survey_round=survey_round) == 0
    assert not SurveySamplePerson.objects.filter(answered=True).exists()
    answer(found[MARK_BATCH_MIN - 1], channel="paper")
    assert survey_answers_mark(survey_round=survey_round) == MARK_BATCH_MIN
    assert SurveySamplePerson.objects.filter(answered=True).count() == MARK_BATCH_MIN
    assert SurveySamplePerson.objects.filter(answered=True, channel="paper").count() == 1
    assert not SurveyCodeUse.objects.exists() and not SurveyDraft.objects.exists()


def test_answer_ids_do_not_follow_the_order_of_answers(municipality):
    _round, found = survey_sample_world(municipality, persons=8)
    in_order = []
    for code in found:  # answered in the sample's order
        before = set(SurveyResponse.objects.values_list("id", flat=True))
        answer(code)
        (new,) = set(SurveyResponse.objects.values_list("id", flat=True)) - before
        in_order.append(new)
    assert not isinstance(SurveyResponse._meta.pk, models.AutoField | models.BigAutoField)
    # Random 62-bit ids: sorting by id does not give the order of answering (a running
    # number would, and with it the sample row of each answer). Chance of a false alarm:
    # 1 in 8! = 40,320.
    assert all(i > 2**32 for i in in_order)
    assert in_order != sorted(in_order)


def test_reminders_skip_answers_not_yet_marked(municipality):
    survey_round, found = survey_sample_world(municipality, persons=3)
    answer(found[0])
    reminded = {
        p["raw_code"] for p in survey_letter_persons(survey_round=survey_round, reminder=True)
    }
    assert reminded == {found[1], found[2]}


def test_a_progress_cell_of_one_answered_person_is_not_shown(client, municipality, settings):
    settings.TRYGG_REQUIRE_TWO_FACTOR = False
    settings.TRYGG_STATISTICS_MIN_COUNT = 5
    survey_round, found = survey_sample_world(municipality, persons=8)
    for code in found[:3]:  # three women of 25-34 and ... (F, M alternate in the sample)
        answer(code)
    survey_answers_mark(survey_round=survey_round, minimum=0)
    client.force_login(user_in(municipality, role=Role.SURVEY_ADMINISTRATOR))
    page = client.get(f"/surveys/{survey_round.id}/progress/").content.decode()
    # Overall: 3 of 8; every smaller table shows "<5" for a count of 1 or 2.
    assert 'id="overall-answered">3<' in page
    cells = page[page.index("<details>") :]
    assert '<td class="num">&lt;5</td>' in cells
    assert '<td class="num">1</td>' not in cells and '<td class="num">2</td>' not in cells


@pytest.mark.postgres  # xmin is PostgreSQL's: run in the PostgreSQL pass only
@pytest.mark.django_db(transaction=True)
def test_no_transaction_id_is_shared_by_an_answer_and_a_sample_row(municipality):
    survey_round, found = survey_sample_world(municipality, persons=4)

    def xmins(table: str) -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id::text, xmin::text, xmax::text FROM {table}")  # noqa: S608
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}

    answer(found[0])
    answer(found[1])
    response_xmins = {x for x, _ in xmins(SurveyResponse._meta.db_table).values()}
    persons = xmins(PERSON_TABLE)
    # Not written (xmin) nor locked (xmax) by an answer's transaction.
    assert not {x for pair in persons.values() for x in pair} & response_xmins
    survey_answers_mark(survey_round=survey_round, minimum=0)
    marked = {
        xmin
        for pk, (xmin, _xmax) in xmins(PERSON_TABLE).items()
        if SurveySamplePerson.objects.get(pk=pk).answered
    }
    # Both marks in one transaction, which is no answer's.
    assert len(marked) == 1 and not marked & response_xmins
