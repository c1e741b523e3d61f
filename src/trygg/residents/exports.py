"""A safety walk's downloads: CSV, GeoJSON and the printed report (PDF). The rows are built
here and written by :mod:`trygg.core.exports` (CSV) or :func:`trygg.core.web.render_pdf`;
the view logs the export and answers with these."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from trygg.core.exports import csv_response
from trygg.core.web import pdf_response, render_pdf

from .models import SafetyWalk
from .reasons import reason_label
from .selectors import walk_points, walk_summary
from .svg import walk_svg

PDF_CSS = Path(__file__).parent / "static" / "residents" / "walk_pdf.css"
FORMATS = ("pdf", "geojson", "csv")
CSV_HEADER = ["number", "lat", "lon", "area", "reasons", "severity", "text", "recorded_at"]


def file_stem(walk: SafetyWalk) -> str:
    return f"trygghetsvandring-{walk.walked_on}-{str(walk.public_id)[:8]}"


def walk_csv_rows(walk: SafetyWalk):
    return (
        [
            p.number,
            p.lat,
            p.lon,
            p.area.code if p.area_id else "",
            ";".join(p.reasons),
            p.severity or "",
            p.text,
            p.recorded_at.isoformat(timespec="minutes"),
        ]
        for p in walk_points(walk)
    )


def walk_csv(walk: SafetyWalk) -> HttpResponse:
    return csv_response(
        filename=f"{file_stem(walk)}.csv", header=CSV_HEADER, rows=walk_csv_rows(walk)
    )


def walk_geojson_data(walk: SafetyWalk) -> dict:
    """The route as a line and each point with its reasons, as a FeatureCollection."""
    features = []
    if walk.route_coordinates:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": walk.route_coordinates},
                "properties": {"kind": "route", "title": walk.title},
            }
        )
    for p in walk_points(walk):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "kind": "point",
                    "number": p.number,
                    "area_code": p.area.code if p.area_id else None,
                    "reasons": p.reasons,
                    "reason_labels": [reason_label(k) for k in p.reasons],
                    "severity": p.severity,
                    "text": p.text,
                    "recorded_at": p.recorded_at.isoformat(),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "title": walk.title,
            "date": walk.walked_on.isoformat(),
            "municipality": walk.municipality.code,
            "participants": walk.participants,
            "status": walk.status,
        },
        "features": features,
    }


def walk_geojson(walk: SafetyWalk) -> HttpResponse:
    response = JsonResponse(walk_geojson_data(walk), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{file_stem(walk)}.geojson"'
    return response


def walk_pdf(request, walk: SafetyWalk, points: list[dict]) -> HttpResponse:
    svg = walk_svg(walk.route_coordinates, points, title=walk.title)
    html = render_to_string(
        "residents/walk_pdf.html",
        {
            "walk": walk,
            "points": points,
            "summary": walk_summary(walk),
            "svg": mark_safe(svg),  # noqa: S308 - built from numbers and escaped text only
            "areas": walk.areas.order_by("name"),
        },
        request=request,
    )
    return pdf_response(render_pdf(html, stylesheet=PDF_CSS), filename=f"{file_stem(walk)}.pdf")
