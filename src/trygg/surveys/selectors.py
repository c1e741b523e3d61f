"""Reads of survey data. Raw responses leave this module only as tables for the analysis;
pages and the API show aggregated, suppressed results."""

from __future__ import annotations

import polars as pl
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404

from trygg.analysis.questionnaire import Questionnaire, parse_questionnaire
from trygg.analysis.survey_io import parse_responses
from trygg.areas.models import Municipality

from .models import SurveyResponse, SurveyRound, SurveySample


def survey_rounds(*, municipality: Municipality):
    return SurveyRound.objects.filter(municipality=municipality).order_by("year")


def survey_questionnaire(
    *, municipality: Municipality, year: int | None = None
) -> Questionnaire | None:
    """The questionnaire of the given (or latest) round."""
    rounds = survey_rounds(municipality=municipality)
    survey_round = rounds.filter(year=year).first() if year else rounds.last()
    if survey_round is None:
        return None
    return parse_questionnaire(survey_round.questionnaire_yaml, source=str(survey_round))


def survey_responses_table(
    *, municipality: Municipality, years: list[int] | None = None
) -> pl.DataFrame | None:
    """All responses of the municipality as the analysis reads them from a file."""
    questionnaire = survey_questionnaire(municipality=municipality)
    if questionnaire is None:
        return None
    responses = SurveyResponse.objects.filter(round__municipality=municipality)
    if years:
        responses = responses.filter(round__year__in=years)
    rows = list(
        responses.values_list(
            "respondent_id", "round__year", "area__code", "sex", "age_group", "answers"
        ).iterator(chunk_size=5000)
    )
    item_codes = [item.code for item in questionnaire.items]
    columns: dict[str, list] = {
        "respondent_id": [r[0] for r in rows],
        "year": [r[1] for r in rows],
        "area_code": [r[2] for r in rows],
        "sex": [r[3] for r in rows],
        "age_group": [r[4] for r in rows],
    }
    for code in item_codes:
        columns[code] = [r[5].get(code) for r in rows]
    frame = pl.DataFrame(
        columns,
        schema={
            **{k: pl.String for k in columns},
            "year": pl.Int32,
            **{c: pl.Int64 for c in item_codes},
        },
    )
    return parse_responses(frame, file="database", questionnaire=questionnaire).frame


def survey_rounds_for_user(user):
    """Rounds of the user's municipalities, for roles that read the results."""
    from trygg.accounts.roles import Capability
    from trygg.areas.selectors import municipalities_for_user

    if not (user.is_authenticated and user.can(Capability.VIEW_REPORTS)):
        return SurveyRound.objects.none()
    return (
        SurveyRound.objects.filter(municipality__in=municipalities_for_user(user))
        .select_related("municipality")
        .annotate(
            responses_count=Count("responses", distinct=True),
            sample_total=Subquery(
                SurveySample.objects.filter(round=OuterRef("pk"))
                .values("round")
                .annotate(total=Sum("size"))
                .values("total")[:1]
            ),
        )
    )


def survey_round_get_for_user(user, *, round_id: int) -> SurveyRound:
    try:
        return survey_rounds_for_user(user).get(pk=round_id)
    except (SurveyRound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def survey_round_areas(*, survey_round: SurveyRound) -> list[dict]:
    """Per area: the number of answers, the sample and the response rate (counts only:
    never a respondent's answers)."""
    from trygg.areas.models import Area, AreaLevel

    counts = dict(
        SurveyResponse.objects.filter(round=survey_round)
        .values_list("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    samples = dict(survey_round.samples.values_list("area_id", "size"))
    rows = []
    for area in Area.objects.filter(
        municipality=survey_round.municipality, level=AreaLevel.AREA
    ).order_by("name"):
        n, sample = counts.get(area.id, 0), samples.get(area.id)
        rows.append(
            {
                "area": area,
                "responses": n,
                "sample": sample,
                "rate": (n / sample) if sample else None,
            }
        )
    return rows
