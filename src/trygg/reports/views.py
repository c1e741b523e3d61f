import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.analysis.priority import COMPONENTS
from trygg.areas.models import AreaLevel
from trygg.areas.selectors import area_get_for_user, areas_for_user, municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.core.client import client_ip
from trygg.core.http import allow
from trygg.core.params import query_params
from trygg.core.web import capability_required, require_capability
from trygg.jobs.selectors import job_get_for_user

from .exports import run_gis_file, run_gis_files, table_download
from .forms import (
    AnalysisForm,
    AreaExportQuery,
    CompareQuery,
    DashboardQuery,
    MunicipalCompareQuery,
    RunCompareQuery,
)
from .selectors import (
    AREA_TABLES,
    analysis_run_get_for_user,
    analysis_runs_for_user,
    area_export_table,
    area_statistics,
    comparison_years_for_user,
    dashboard_cells,
    dashboard_export_table,
    dashboard_map,
    dashboard_rows,
    latest_run_for_user,
    run_coverage,
    run_for_year,
    run_years_for_user,
    runs_comparison,
    year_comparison,
)
from .services import (
    RUN_FILES,
    analysis_job_start,
    publication_create,
    publication_withdraw,
)

# The stand-alone report carries its CSS inline (it must open from a file or an e-mail).
# It runs no script at all, so it is served sandboxed with inline styles as the only
# exception to the site's policy.
REPORT_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["data:"],
    "sandbox": [""],
    "frame-ancestors": [CSP.SELF],
}


@allow("GET")
@login_required
def run_list(request):
    runs = analysis_runs_for_user(request.user)
    if not request.user.can(Capability.VIEW_REPORTS):
        raise Http404
    return render(
        request,
        "reports/run_list.html",
        {"runs": runs[:50], "can_run": request.user.can(Capability.RUN_ANALYSIS)},
    )


@allow("GET")
@login_required
def run_detail(request, public_id):
    run = analysis_run_get_for_user(request.user, public_id=public_id)
    files = [name for name in RUN_FILES if (run.directory / name).exists()]
    # The components' names, not their keys ("problemindex", not "problem_index").
    lang = "en" if (get_language() or "sv").startswith("en") else "sv"
    weights = [
        (COMPONENTS[code][0].get(lang) if code in COMPONENTS else code, weight)
        for code, weight in run.parameters.get("weights", {}).items()
    ]
    return render(
        request,
        "reports/run_detail.html",
        {
            "run": run,
            "files": files,
            "gis_files": run_gis_files(run),
            "weights": weights,
            "coverage": run_coverage(run, lang=lang),
            "publication": getattr(run, "publication", None),
            "can_publish": request.user.can(Capability.PUBLISH_RESULTS),
        },
    )


@allow("GET")
@login_required
def run_file(request, public_id, name: str):
    run = analysis_run_get_for_user(request.user, public_id=public_id)
    path = run.directory / name
    gis = name not in RUN_FILES and name in run_gis_files(run)
    if not gis and (name not in RUN_FILES or not path.is_file()):
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="analysis_run",
        object_id=str(run.public_id),
        municipality_code=run.municipality.code,
        summary=f"Opened {name} of the analysis {run}",
        ip_address=client_ip(request) or None,
    )
    if gis:
        return _gis_download(run, name)
    inline = name in ("report.html", "report.pdf", "run.json")
    response = FileResponse(
        path.open("rb"),
        content_type=RUN_FILES[name],
        as_attachment=not inline,
        filename=f"trygg-{run.municipality.code}-{run.year}-{name}",
    )
    if name == "report.html":
        response._csp_config = REPORT_CSP
    return response


def _gis_download(run, name: str) -> HttpResponse:
    with tempfile.TemporaryDirectory() as directory:
        made = run_gis_file(run, name, directory)
        if made is None:
            raise Http404
        path, content_type = made
        data = Path(path).read_bytes()
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"trygg-{run.municipality.code}-{run.year}-{name}"
    )
    return response


# --------------------------------------------------------------------------------------
# Dashboard, comparisons, exports, runs from the page, publishing
# --------------------------------------------------------------------------------------


def _dashboard_context(request) -> dict:
    """The dashboard's run, filters and rows, from the query string (shared by the page
    and the downloads so that a download holds exactly what the page shows)."""
    require_capability(request.user, Capability.VIEW_REPORTS)
    query = query_params(request, DashboardQuery)
    municipalities = municipalities_for_user(request.user)
    code = query["municipality"]
    municipality = municipalities.filter(code=code).first() if code else municipalities.first()
    year = query["year"]
    run = None
    if query["run"]:
        try:
            run = analysis_run_get_for_user(request.user, public_id=query["run"])
        except Http404:
            run = None
    if run is None and municipality is not None:
        run = latest_run_for_user(request.user, municipality=municipality, year=year)
    if run is not None:
        municipality = run.municipality
    areas = areas_for_user(request.user, municipality=municipality).filter(level=AreaLevel.AREA)
    districts = areas_for_user(request.user, municipality=municipality).filter(
        level=AreaLevel.DISTRICT
    )
    district = districts.filter(code=query["district"]).first() if query["district"] else None
    if district is not None:
        areas = areas.filter(parent=district)
    rows = dashboard_rows(run, areas=areas) if run else []
    return {
        "run": run,
        "municipality": municipality,
        "municipalities": municipalities,
        "years": run_years_for_user(request.user, municipality=municipality),
        "year": run.year if run else year,
        "districts": districts.order_by("name"),
        "district": district,
        "areas": areas,
        "rows": rows,
    }


@allow("GET")
@login_required
def dashboard(request):
    context = _dashboard_context(request)
    if context["run"] is not None:
        geojson, legends = dashboard_map(context["rows"], run=context["run"])
        cells, cell_legends, cell_rows = dashboard_cells(context["run"], rows=context["rows"])
        context |= {
            "map_geojson": geojson,
            "legends": legends | cell_legends,
            "cells_geojson": cells,
            "cell_rows": cell_rows,
            "grid_layers": sorted(cell_legends),
        }
    query = request.GET.copy()
    context["query"] = query.urlencode()
    context["can_run"] = request.user.can(Capability.RUN_ANALYSIS)
    return render(request, "reports/dashboard.html", context)


@allow("GET")
@login_required
def dashboard_export(request, fmt: str):
    context = _dashboard_context(request)
    if context["run"] is None or fmt not in ("csv", "xlsx"):
        raise Http404
    table = dashboard_export_table(context["rows"])
    run = context["run"]
    name = f"trygg-{run.municipality.code}-{run.year}-priorities"
    if context["district"] is not None:
        name += f"-{context['district'].code}"
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="priority_dashboard",
        object_id=str(run.public_id),
        municipality_code=run.municipality.code,
        summary=f"Downloaded the priority table ({fmt}, {table.height} areas)",
        details={"filters": request.GET.dict()},
        ip_address=client_ip(request) or None,
    )
    return table_download(table, fmt=fmt, filename=name, sheet="priorities")


@allow("GET")
@capability_required(Capability.VIEW_REPORTS)
def area_export(request):
    """One table of the area page (``?area=<id>&table=survey|crime|priority&fmt=csv|xlsx``)
    as a download: the rows the page shows, from the same run."""
    query = query_params(request, AreaExportQuery)
    table_name, fmt, area_id = query["table"], query["fmt"] or "csv", query["area"]
    if area_id is None:
        raise Http404
    if table_name not in AREA_TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    area = area_get_for_user(request.user, area_id=area_id)
    stats = area_statistics(request.user, area=area)
    if stats is None:
        raise Http404
    table = area_export_table(stats, table_name)
    run = stats["run"]
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="area_statistics",
        object_id=str(area.pk),
        municipality_code=area.municipality.code,
        summary=f"Downloaded the {table_name} table of {area.name} ({fmt}, {table.height} rows)",
        details={"run": str(run.public_id), "table": table_name, "area": area.code},
        ip_address=client_ip(request) or None,
    )
    return table_download(
        table,
        fmt=fmt,
        filename=f"trygg-{area.code}-{run.year}-{table_name}",
        sheet=table_name,
    )


@allow("GET")
@capability_required(Capability.VIEW_REPORTS)
def municipal_compare(request):
    """The municipality's reported crimes per 100,000 inhabitants beside every other
    municipality's, from the Brå table it imported."""
    from trygg.crime.selectors import municipal_comparison

    query = query_params(request, MunicipalCompareQuery)
    municipalities = municipalities_for_user(request.user)
    code = query["municipality"]
    municipality = municipalities.filter(code=code).first() if code else municipalities.first()
    context = {"municipalities": municipalities, "municipality": municipality}
    if municipality is not None:
        context |= municipal_comparison(
            municipality=municipality, year=query["year"], category=query["category"] or None
        )
    return render(request, "reports/municipal_compare.html", context)


@allow("GET")
@capability_required(Capability.VIEW_REPORTS)
def compare(request):
    """Two areas side by side, or every area in two years."""
    query = query_params(request, CompareQuery)
    areas = areas_for_user(request.user)
    area_a = areas.filter(pk=query["a"]).first() if query["a"] else None
    area_b = areas.filter(pk=query["b"]).first() if query["b"] else None
    context = {"areas": areas.order_by("municipality__name", "name"), "a": area_a, "b": area_b}
    if area_a and area_b:
        context["stats_a"] = area_statistics(request.user, area=area_a)
        context["stats_b"] = area_statistics(request.user, area=area_b)
        context["pairs"] = _paired(context["stats_a"], context["stats_b"])
    # Two years: each year from its own run (the year's published run, else its latest),
    # so a comparison of 2025 with 2026 does not read 2025 through 2026's parameters.
    municipalities = municipalities_for_user(request.user)
    code = query["municipality"]
    municipality = municipalities.filter(code=code).first() if code else None
    run = latest_run_for_user(request.user, municipality=municipality)
    municipality = run.municipality if run else municipality
    years = comparison_years_for_user(request.user, municipality=municipality) if run else []
    year_a, year_b = query["year_a"], query["year_b"]
    context |= {"years": years, "year_a": year_a, "year_b": year_b, "run": run}
    if run and year_a and year_b:
        run_a = run_for_year(request.user, municipality=municipality, year=year_a)
        run_b = run_for_year(request.user, municipality=municipality, year=year_b)
        leaves = areas.filter(municipality=municipality, level=AreaLevel.AREA).order_by("name")
        context |= {
            "run_a": run_a,
            "run_b": run_b,
            "year_sources": [(year_a, run_a), (year_b, run_b)],
            "year_rows": year_comparison(
                run_a, run_b=run_b, areas=leaves, year_a=year_a, year_b=year_b
            ),
        }
    return render(request, "reports/compare.html", context)


def _paired(a, b) -> list[dict]:
    if not a or not b:
        return []
    by_index = {s["index"]: s for s in b["survey"]}
    return [{"a": s, "b": by_index.get(s["index"])} for s in a["survey"]]


@allow("GET", "POST")
@capability_required(Capability.RUN_ANALYSIS)
def run_start(request):
    form = AnalysisForm(request.POST or None, municipalities=municipalities_for_user(request.user))
    if request.method == "POST" and form.is_valid():
        job = analysis_job_start(
            municipality=form.cleaned_data["municipality"], actor=request.user, params=form.params()
        )
        return redirect("reports:job", public_id=job.public_id)
    return render(request, "reports/run_start.html", {"form": form})


@allow("GET")
@capability_required(Capability.RUN_ANALYSIS)
def run_job(request, public_id):
    job = job_get_for_user(request.user, public_id=public_id)
    if job.is_finished and job.result.get("run") and request.GET.get("stay") is None:
        return redirect("reports:detail", public_id=job.result["run"])
    return render(request, "reports/run_job.html", {"job": job})


@allow("GET")
@capability_required(Capability.VIEW_REPORTS)
def run_compare(request):
    query = query_params(request, RunCompareQuery)
    runs = analysis_runs_for_user(request.user)
    run_a = runs.filter(public_id=query["a"]).first() if query["a"] else None
    run_b = runs.filter(public_id=query["b"]).first() if query["b"] else None
    rows = []
    if run_a and run_b:
        if run_a.municipality_id != run_b.municipality_id:
            raise Http404
        areas = areas_for_user(request.user, municipality=run_a.municipality)
        rows = runs_comparison(run_a, run_b, areas=areas)
    return render(
        request,
        "reports/run_compare.html",
        {"runs": runs[:50], "run_a": run_a, "run_b": run_b, "rows": rows},
    )


@allow("GET", "POST")
@capability_required(Capability.PUBLISH_RESULTS)
def run_publish(request, public_id):
    run = analysis_run_get_for_user(request.user, public_id=public_id)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw" and hasattr(run, "publication"):
            publication_withdraw(publication=run.publication, actor=request.user)
            messages.success(request, _("The publication was withdrawn."))
        else:
            publication_create(run=run, actor=request.user)
            messages.success(request, _("Published on the public page."))
        return redirect("reports:detail", public_id=run.public_id)
    return render(
        request,
        "reports/run_publish.html",
        {"run": run, "show_rank": settings.TRYGG_PUBLIC_SHOW_RANK},
    )
