"""Importing survey responses into yearly rounds; reading them back for the analysis."""

from __future__ import annotations

import pytest

from tests.factories import AreaFactory, MunicipalityFactory
from trygg.analysis.errors import InputError
from trygg.surveys.models import SurveyResponse, SurveyRound
from trygg.surveys.selectors import survey_responses_table
from trygg.surveys.services import survey_responses_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="A1")
    AreaFactory(municipality=municipality, code="A2")
    return municipality


def items():
    from trygg.analysis.questionnaire import standard_questionnaire

    return [item.code for item in standard_questionnaire().items]


def write(tmp_path, rows, name="svar.csv"):
    codes = items()
    header = ";".join(["respondent_id", "year", "area_code", "sex", "age_group", *codes])
    lines = [header]
    for respondent, year, area, sex, age, value in rows:
        lines.append(";".join([respondent, str(year), area, sex, age, *[str(value)] * len(codes)]))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ROWS = [
    ("r1", 2025, "A1", "F", "16-24", 2),
    ("r2", 2025, "A2", "M", "75+", 1),
    ("r3", 2026, "A1", "F", "35-44", 9),
]


def test_responses_go_into_yearly_rounds(municipality, tmp_path):
    result = survey_responses_import(municipality=municipality, path=write(tmp_path, ROWS))
    assert (result.created, result.years) == (3, (2025, 2026))
    assert list(SurveyRound.objects.values_list("year", flat=True).order_by("year")) == [2025, 2026]
    answer = SurveyResponse.objects.get(respondent_id="r3")
    assert set(answer.answers.values()) == {None}  # 9 = no opinion, never an answer


def test_reimport_changes_nothing(municipality, tmp_path):
    path = write(tmp_path, ROWS)
    survey_responses_import(municipality=municipality, path=path)
    again = survey_responses_import(municipality=municipality, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_bad_row_imports_nothing(municipality, tmp_path):
    path = write(tmp_path, [*ROWS, ("r4", 2025, "Z9", "F", "16-24", 1)])
    with pytest.raises(InputError) as caught:
        survey_responses_import(municipality=municipality, path=path, file_name="enkät 2025.csv")
    assert caught.value.first.file == "enkät 2025.csv"
    assert caught.value.first.line == 5 and caught.value.first.column == "area_code"
    assert SurveyResponse.objects.count() == 0 and SurveyRound.objects.count() == 0


def test_table_for_the_analysis_round_trips(municipality, tmp_path):
    survey_responses_import(municipality=municipality, path=write(tmp_path, ROWS))
    table = survey_responses_table(municipality=municipality)
    assert table.height == 3
    assert {"respondent_id", "year", "area_code", "sex", "age_group", *items()} <= set(
        table.columns
    )
    r1 = table.filter(table["respondent_id"] == "r1").row(0, named=True)
    assert r1["area_code"] == "A1" and r1[items()[0]] == 2
    assert survey_responses_table(municipality=MunicipalityFactory(code="2262")) is None
