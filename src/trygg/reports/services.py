"""Running the analysis on the database and keeping the result."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from trygg.analysis import pipeline
from trygg.areas.models import Area, Municipality
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import AnalysisRun, Publication
from .selectors import analysis_inputs_from_db

# The files of a run that users may open or download, with their content types.
RUN_FILES = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "priorities.csv": "text/csv; charset=utf-8",
    "survey_indices.csv": "text/csv; charset=utf-8",
    "survey_changes.csv": "text/csv; charset=utf-8",
    "crime_rates.csv": "text/csv; charset=utf-8",
    "crime_changes.csv": "text/csv; charset=utf-8",
    "hotspots.csv": "text/csv; charset=utf-8",
    "emerging_hotspots.csv": "text/csv; charset=utf-8",
    "emerging_hotspot_years.csv": "text/csv; charset=utf-8",
    "run.json": "application/json",
}


def analysis_run_create(
    *,
    municipality: Municipality,
    actor=None,
    params: pipeline.AnalysisParams | None = None,
    progress=None,
) -> AnalysisRun:
    """Analyse the municipality's imported data and store the outputs as a new run."""
    params = params or pipeline.AnalysisParams()
    params.municipality_name = params.municipality_name or municipality.name
    inputs = analysis_inputs_from_db(municipality=municipality)
    results = pipeline.run_analysis_on_tables(inputs, params=params, progress=progress)
    run = AnalysisRun(
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        year=results.year,
        parameters=results.params.as_dict(),
    )
    pipeline.write_outputs(results, run.directory, progress=progress)
    run.run_record = json.loads((run.directory / "run.json").read_text(encoding="utf-8"))
    top = results.priorities.table.sort("rank").head(10)
    run.summary = [
        {k: row[k] for k in ("area_code", "name", "rank", "rank_low", "rank_high", "score")}
        for row in top.iter_rows(named=True)
    ]
    with transaction.atomic():
        run.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="analysis_run",
            object_id=str(run.public_id),
            municipality_code=municipality.code,
            summary=f"Ran the analysis for {municipality.name} {run.year}",
            details={"parameters": run.parameters},
        )
    return run


# --------------------------------------------------------------------------------------
# Runs started from the page, publishing
# --------------------------------------------------------------------------------------


def analysis_job_start(*, municipality: Municipality, actor, params: dict):
    """Queue an analysis run with the user's weights and parameters as a background task."""
    from trygg.jobs.models import Job, JobKind
    from trygg.jobs.services import job_create

    from .tasks import analysis_task

    with transaction.atomic():
        job = job_create(kind=JobKind.ANALYSIS, municipality=municipality, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="analysis_job",
            object_id=str(job.public_id),
            municipality_code=municipality.code,
            summary=f"Started an analysis of {municipality.name}",
            details={"parameters": params},
        )
    result = analysis_task.enqueue(job_id=job.pk, params=params)
    Job.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()
    return job


def _public_areas(run: AnalysisRun, min_count: int) -> list[dict]:
    """The run's results per area as they may be published: survey cells already carry the
    questionnaire's suppression; crime counts below ``min_count`` are withheld."""
    import polars as pl

    from .selectors import INDEX_ORDER, run_table

    areas = {a.code: a for a in Area.objects.filter(municipality=run.municipality)}
    priorities = run_table(run, "priorities")
    survey = run_table(run, "survey_indices")
    rates = run_table(run, "crime_rates")
    survey_year = run.run_record.get("survey_year")
    rows: dict[str, dict] = {}
    for row in priorities.iter_rows(named=True) if not priorities.is_empty() else []:
        area = areas.get(row["area_code"])
        if area is None:
            continue
        rows[area.code] = {
            "code": area.code,
            "name": area.name,
            "district": area.parent.name if area.parent_id else "",
            "rank": row["rank"],
            "rank_low": row["rank_low"],
            "rank_high": row["rank_high"],
        }
    if not survey.is_empty() and survey_year:
        sub = survey.filter((pl.col("year") == survey_year) & pl.col("index").is_in(INDEX_ORDER))
        for r in sub.iter_rows(named=True):
            if r["area_code"] not in rows:
                continue
            published = not r.get("suppressed") and r["estimate"] is not None
            rows[r["area_code"]][r["index"]] = round(r["estimate"], 2) if published else None
            rows[r["area_code"]][f"{r['index']}_low"] = round(r["ci_low"], 2) if published else None
            rows[r["area_code"]][f"{r['index']}_high"] = (
                round(r["ci_high"], 2) if published else None
            )
    if not rates.is_empty():
        sub = (
            rates.filter(pl.col("year") == run.year)
            .group_by("area_code")
            .agg(pl.col("count").sum(), pl.col("population").first())
        )
        for r in sub.iter_rows(named=True):
            if r["area_code"] not in rows:
                continue
            shown = r["count"] >= min_count and r["population"]
            rows[r["area_code"]]["crimes"] = int(r["count"]) if shown else None
            rows[r["area_code"]]["crime_rate_per_1000"] = (
                round(r["count"] / r["population"] * 1000, 1) if shown else None
            )
    _public_changes(run, rows, min_count)
    return sorted(rows.values(), key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))


#: The indices whose change from the survey year before is published.
PUBLIC_CHANGE_INDICES = ("problem_index", "worry_index")


def _public_changes(run: AnalysisRun, rows: dict[str, dict], min_count: int) -> None:
    """Add each area's tested change from the year before (issue 16 item 5): the survey
    indices' difference and the crime rate's change in per cent, each with its 95 % interval
    and ``_significant``. Suppressed survey cells, and crime counts below ``min_count`` in
    either year, publish no change at all."""
    import polars as pl

    from .selectors import run_table
    from .selectors.changes import crime_change, run_survey_changes

    survey_year = run.run_record.get("survey_year")
    changes = run_survey_changes(run)
    if survey_year and not changes.is_empty():
        sub = changes.filter(
            (pl.col("year_to") == survey_year) & pl.col("index").is_in(PUBLIC_CHANGE_INDICES)
        )
        if "level" in sub.columns:
            sub = sub.filter(pl.col("level") == "area")
        for r in sub.iter_rows(named=True):
            if r["area_code"] not in rows or r.get("suppressed") or r["difference"] is None:
                continue
            key = f"{r['index']}_change"
            rows[r["area_code"]] |= {
                key: round(r["difference"], 2),
                f"{key}_low": round(r["ci_low"], 2),
                f"{key}_high": round(r["ci_high"], 2),
                f"{key}_significant": bool(r["significant"]),
            }
    rates = run_table(run, "crime_rates")
    if rates.is_empty():
        return
    per_year = {
        year: {
            r["area_code"]: r
            for r in rates.filter(pl.col("year") == year)
            .group_by("area_code")
            .agg(pl.col("count").sum(), pl.col("population").first())
            .iter_rows(named=True)
        }
        for year in (run.year - 1, run.year)
    }
    min_population = run.parameters.get("min_population", 50)
    for code, row in rows.items():
        before, now = per_year[run.year - 1].get(code), per_year[run.year].get(code)
        if before is None or now is None:
            continue
        change = crime_change(
            before["count"], before["population"], now["count"], now["population"],
            min_population=min_population, min_count=min_count,
        )  # fmt: skip
        if change["suppressed"] or change["value"] is None:
            continue
        row |= {
            "crime_rate_change_percent": round(change["value"], 1),
            "crime_rate_change_low": None if change["low"] is None else round(change["low"], 1),
            "crime_rate_change_high": None if change["high"] is None else round(change["high"], 1),
            "crime_rate_change_significant": change["significant"],
        }


def publication_create(*, run: AnalysisRun, actor) -> Publication:
    """Publish a run: its report and its per-area table, small cells suppressed. A later
    publication of the same municipality and year replaces the earlier one on the public page."""
    from django.conf import settings

    from trygg.areas.selectors import area_feature_collection

    existing = Publication.objects.filter(run=run).first()
    if existing is not None:
        if existing.withdrawn_at is not None:
            with transaction.atomic():
                Publication.objects.filter(
                    municipality=run.municipality, year=run.year, withdrawn_at=None
                ).update(withdrawn_at=timezone.now())
                existing.withdrawn_at = None
                existing.save(update_fields=["withdrawn_at"])
                audit_record(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    object_type="publication",
                    object_id=str(existing.public_id),
                    municipality_code=run.municipality.code,
                    summary=f"Published the analysis {run} again",
                )
        return existing
    rows = _public_areas(run, settings.TRYGG_PUBLIC_MIN_COUNT)
    codes = {r["code"] for r in rows}
    features = area_feature_collection(
        Area.objects.filter(municipality=run.municipality, code__in=codes).select_related(
            "parent", "municipality"
        )
    )
    for feature in features["features"]:
        feature.pop("id", None)
        feature["properties"].pop("id", None)
    with transaction.atomic():
        Publication.objects.filter(
            municipality=run.municipality, year=run.year, withdrawn_at=None
        ).update(withdrawn_at=timezone.now())
        publication = Publication.objects.create(
            run=run,
            municipality=run.municipality,
            year=run.year,
            published_by=actor if getattr(actor, "is_authenticated", False) else None,
            licence=settings.TRYGG_OPEN_DATA_LICENCE,
            areas=rows,
            geometry=features,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="publication",
            object_id=str(publication.public_id),
            municipality_code=run.municipality.code,
            summary=f"Published the analysis {run} to the public page",
            details={"run": str(run.public_id), "areas": len(rows)},
        )
    return publication


def publication_withdraw(*, publication: Publication, actor) -> None:
    with transaction.atomic():
        publication.withdrawn_at = timezone.now()
        publication.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="publication",
            object_id=str(publication.public_id),
            municipality_code=publication.municipality.code,
            summary=f"Withdrew the publication {publication}",
        )
