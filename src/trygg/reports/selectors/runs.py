"""Analysis runs: what a run reads from the database (`trygg analyze --from-db`), which
runs a user may see, and what a run was built on."""

from __future__ import annotations

import polars as pl
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.analysis.pipeline import AnalysisInputs
from trygg.areas.models import Area, Municipality, PopulationCount
from trygg.areas.selectors import area_feature_collection, municipalities_for_user
from trygg.crime.selectors import crimes_table
from trygg.surveys.selectors import survey_questionnaire, survey_responses_table

from ..models import AnalysisRun


def analysis_inputs_from_db(*, municipality: Municipality) -> AnalysisInputs:
    """The municipality's areas, population, reported crimes and survey answers as the
    tables the file-based run reads, so both paths compute the same thing."""
    areas = area_feature_collection(
        Area.objects.filter(municipality=municipality).select_related("parent", "municipality"),
        exact=True,
    )
    areas["name"] = municipality.name
    population = pl.DataFrame(
        list(
            PopulationCount.objects.filter(area__municipality=municipality).values_list(
                "area__code", "year", "sex", "age_group", "count"
            )
        ),
        schema={
            "area_code": pl.String,
            "year": pl.Int32,
            "sex": pl.String,
            "age_group": pl.String,
            "count": pl.Int64,
        },
        orient="row",
    )
    crimes = crimes_table(municipality=municipality).with_columns(
        pl.lit(None, pl.Datetime("us", "UTC")).alias("occurred_to"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("reported_at"),
        pl.int_range(1, pl.len() + 1).alias("line"),
    )
    responses = survey_responses_table(municipality=municipality)
    return AnalysisInputs(
        areas=areas,
        crimes=crimes,
        responses=responses,
        population=population,
        questionnaire=survey_questionnaire(municipality=municipality),
        sources={
            "database": {
                "municipality": municipality.code,
                "areas": len(areas["features"]),
                "population_rows": population.height,
                "crimes": crimes.height,
                "survey_responses": 0 if responses is None else responses.height,
                "read_at": timezone.now().isoformat(),
            }
        },
    )


def analysis_runs_for_user(user):
    """Runs of the municipalities the user works in, for roles that read the results."""
    if not (user.is_authenticated and user.can(Capability.VIEW_REPORTS)):
        return AnalysisRun.objects.none()
    return AnalysisRun.objects.filter(
        municipality__in=municipalities_for_user(user)
    ).select_related("municipality", "created_by")


def analysis_run_get_for_user(user, *, public_id):
    """One run, or 404 for a missing run and a forbidden one alike."""
    try:
        return analysis_runs_for_user(user).get(public_id=public_id)
    except (AnalysisRun.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def run_coverage(run: AnalysisRun, *, lang: str) -> dict:
    """What the run was built on (run.json's ``survey_items`` and ``components``) with the
    names a reader knows: index groups and items by their questionnaire texts, components by
    their labels, never their codes."""
    from trygg.analysis.priority import COMPONENTS
    from trygg.analysis.questionnaire import standard_questionnaire

    record = run.run_record or {}
    coverage = record.get("survey_items") or {}
    q = survey_questionnaire(municipality=run.municipality) or standard_questionnaire()

    def item_name(code: str) -> str:
        try:
            return q.item(code).text.get(lang)
        except KeyError:
            return code

    def group_name(code: str) -> str:
        if code in q.groups:
            return q.groups[code].get(lang)
        return COMPONENTS[code][0].get(lang) if code in COMPONENTS else code

    groups = [
        {
            "label": group_name(code),
            "status": entry.get("status"),
            "in_file": [item_name(c) for c in entry.get("in_file", [])],
            "missing": [item_name(c) for c in entry.get("missing", [])],
        }
        for code, entry in (coverage.get("groups") or {}).items()
    ]
    components = [
        {"label": COMPONENTS[code][0].get(lang) if code in COMPONENTS else code, **entry}
        for code, entry in (record.get("components") or {}).items()
    ]
    return {
        "min_items_share": coverage.get("min_items_share"),
        "groups": groups,
        "components": components,
    }
