"""Running the analysis on the database and keeping the result."""

from __future__ import annotations

import json

from django.db import transaction

from trygg.analysis import pipeline
from trygg.areas.models import Municipality
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import AnalysisRun
from .selectors import analysis_inputs_from_db

# The files of a run that users may open or download, with their content types.
RUN_FILES = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "priorities.csv": "text/csv; charset=utf-8",
    "survey_indices.csv": "text/csv; charset=utf-8",
    "crime_rates.csv": "text/csv; charset=utf-8",
    "hotspots.csv": "text/csv; charset=utf-8",
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
