"""Public pages of the report map (FixMyStreet's model): the map and its list, the list as
CSV, the nearby reports offered while a resident marks a place, and the department's status
page reached through its e-mailed link. No login; each shows only public data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from trygg.areas.selectors import area_feature_collection
from trygg.core.exports import csv_response
from trygg.core.http import allow
from trygg.core.web import add_form_errors

from .coarse import grid_metres, position_mode
from .forms import DepartmentStatusForm, NearbyQueryForm, PublicMapFilterForm
from .models import ReportStatus
from .publicmap import (
    PublicFilter,
    nearby_metres,
    nearby_open_reports,
    public_reports,
    public_row,
    public_rows,
)
from .reasons import reason_labels
from .selectors import public_areas, public_municipality_get, report_public_updates
from .services import dispatch_for_token, resident_report_department_status, token_expired

CSV_HEADER = ["month", "area", "lat", "lon", "reasons", "status", "agree", "text", "note"]


def _filtered(request, municipality):
    form = PublicMapFilterForm(request.GET or None, municipality=municipality)
    values = form.values() if request.GET else {"reason": "", "area": None, "status": ""}
    return form, public_reports(municipality, PublicFilter(**values))


@allow("GET")
def public_map(request, code: str):
    municipality = public_municipality_get(code=code)
    form, reports = _filtered(request, municipality)
    rows = public_rows(reports)
    points = [
        {
            "lat": r["lat"],
            "lon": r["lon"],
            "status": r["status"],
            "label": f"{', '.join(r['reasons'])} – {r['status_label']}",
            "id": r["id"],
        }
        for r in rows
    ]
    return render(
        request,
        "residents/public_map.html",
        {
            "municipality": municipality,
            "form": form,
            "rows": rows,
            "points": points,
            "areas_geojson": area_feature_collection(public_areas(municipality)),
            "grid_metres": grid_metres(),
            "by_place": position_mode() == "place",
            "query": request.GET.urlencode(),
            "public_page": True,
        },
    )


@allow("GET")
def public_map_csv(request, code: str):
    municipality = public_municipality_get(code=code)
    _form, reports = _filtered(request, municipality)
    rows = (
        [
            r["month"].strftime("%Y-%m"),
            r["place"],
            r["lat"],
            r["lon"],
            "; ".join(r["reasons"]),
            r["status_label"],
            r["agree"],
            r["text"],
            r["note"],
        ]
        for r in public_rows(reports)
    )
    return csv_response(
        filename=f"trygghetsrapporter-{municipality.code}.csv", header=CSV_HEADER, rows=rows
    )


@allow("GET")
@never_cache
def nearby(request, code: str):
    """Open approved reports of the same kind near a point, as the public map shows them."""
    municipality = public_municipality_get(code=code)
    if not request.GET:
        # Nothing marked yet: nothing to offer.
        return JsonResponse({"reports": [], "metres": nearby_metres()})
    form = NearbyQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"reports": [], "errors": form.errors.get_json_data()}, status=400)
    data = form.cleaned_data
    found = nearby_open_reports(
        municipality, lat=data["lat"], lon=data["lon"], reasons=data["reasons"]
    )
    reports = []
    for distance, report in found:
        row = public_row(report)
        if row is None:
            continue
        row["month"] = row["month"].strftime("%Y-%m")
        row["distance"] = round(distance, -1)
        reports.append(row)
    return JsonResponse({"reports": reports, "metres": nearby_metres()})


@allow("GET", "POST")
@never_cache
def department_status(request, token: str):
    """The department's page for one report: set it in progress or done, with a note."""
    dispatch = dispatch_for_token(token)
    if dispatch is None:
        response = render(
            request,
            "residents/department_link_invalid.html",
            {"expired": token_expired(token), "public_page": True},
            status=404,
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    report = dispatch.report
    form = DepartmentStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident_report_department_status(
                dispatch=dispatch,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect(f"{request.path}?saved=1")
    response = render(
        request,
        "residents/department_status.html",
        {
            "dispatch": dispatch,
            "report": report,
            "reason_labels": reason_labels(report.reasons),
            "updates": report_public_updates(report),
            "form": form,
            "open": report.status in (ReportStatus.ASSESSED, ReportStatus.IN_PROGRESS),
            "saved": request.GET.get("saved") == "1",
            "public_page": True,
            "saved_message": _("Saved. The resident and the public map now show it."),
        },
        status=400 if form.errors else 200,
    )
    response["X-Robots-Tag"] = "noindex"
    # The token must not leak to other sites; same-origin keeps the POST's Origin check.
    response["Referrer-Policy"] = "same-origin"
    return response
