"""Survey administration: rounds per year, answers and sample per area, response rate."""

from __future__ import annotations

import pytest

from tests.factories import AreaFactory, MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.surveys.models import SurveyResponse, SurveyRound, SurveySample

pytestmark = pytest.mark.django_db


def test_round_with_responses_sample_and_rate(client, two_factor_off):
    municipality = MunicipalityFactory(code="2281")
    area = AreaFactory(municipality=municipality, name="Nacksta")
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    response = client.post("/surveys/", {"municipality": "2281", "year": "2026"})
    survey_round = SurveyRound.objects.get(year=2026)
    assert response.url == f"/surveys/{survey_round.id}/"
    for i in range(3):
        SurveyResponse.objects.create(
            round=survey_round, respondent_id=f"r{i}", area=area, sex="F", age_group="25-34"
        )
    client.post(f"/surveys/{survey_round.id}/", {f"sample_{area.id}": "12"})
    assert SurveySample.objects.get().size == 12
    page = client.get(f"/surveys/{survey_round.id}/").content.decode()
    assert "Nacksta" in page and "25 %" in page
    listing = client.get("/surveys/").content.decode()
    assert "2026" in listing and "25 %" in listing


def test_readers_see_counts_but_cannot_change_and_no_raw_answers(client, two_factor_off):
    municipality = MunicipalityFactory(code="2281")
    area = AreaFactory(municipality=municipality)
    survey_round = SurveyRound.objects.create(
        municipality=municipality, year=2026, questionnaire_name="q", questionnaire_yaml=""
    )
    SurveyResponse.objects.create(
        round=survey_round, respondent_id="secret-77", area=area, sex="F", age_group="25-34"
    )
    client.force_login(user_in(municipality, role=Role.MANAGEMENT))
    page = client.get(f"/surveys/{survey_round.id}/").content.decode()
    assert "secret-77" not in page, page[page.index("secret-77") - 300 :][:400]
    assert 'name="sample_' not in page
    client.post(f"/surveys/{survey_round.id}/", {f"sample_{area.id}": "5"})
    assert not SurveySample.objects.exists()
    client.force_login(user_in(municipality, role=Role.GROUP_MEMBER))
    assert client.get(f"/surveys/{survey_round.id}/").status_code == 404
