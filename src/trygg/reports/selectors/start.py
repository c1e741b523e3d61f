"""The analysis's parts of the signed-in start page (registered in apps.py)."""

from __future__ import annotations

from trygg.areas.models import AreaLevel
from trygg.areas.selectors import areas_for_user, municipalities_for_user

from .dashboard import dashboard_map, dashboard_rows
from .results import latest_run_for_user
from .runs import analysis_runs_for_user

#: Rows the start page lists; the dashboard and the list of runs hold the rest.
START_ROWS = 5


def start_latest_analysis(request) -> dict:
    """The newest runs of the user's municipalities, the newest first."""
    return {"runs": list(analysis_runs_for_user(request.user).order_by("-created_at")[:3])}


def start_priority_map(request) -> dict:
    """The latest run's priorities of the user's first municipality, as on the dashboard:
    the map coloured by rank and the areas that come first."""
    municipality = municipalities_for_user(request.user).first()
    run = latest_run_for_user(request.user, municipality=municipality) if municipality else None
    if run is None:
        return {"run": None}
    areas = areas_for_user(request.user, municipality=run.municipality).filter(level=AreaLevel.AREA)
    rows = dashboard_rows(run, areas=areas)
    geojson, legends = dashboard_map(rows, run=run) if rows else ({}, {})
    ranked = sorted((r for r in rows if r["rank"] is not None), key=lambda r: r["rank"])
    return {
        "run": run,
        "top": ranked[:START_ROWS],
        "geojson": geojson,
        "legend": legends.get("rank", []),
    }
