"""The situational picture's downloads: the observation list as CSV, a week's figures as CSV
and as PDF. The rows are built here and written by :mod:`trygg.core.exports` (CSV) or
:func:`trygg.core.web.render_pdf`; views log the export and answer with these."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from trygg.analysis.situation import LOCAL, IsoWeek
from trygg.core.exports import csv_response, frame_csv_response
from trygg.core.web import pdf_response, render_pdf

from .display import week_context
from .selectors import PictureScope, picture_map_areas
from .selectors.actions import picture_actions
from .static_map import picture_map_svg

PDF_CSS = Path(__file__).parent / "static" / "situation" / "week_pdf.css"

OBSERVATION_SCHEMA = {
    "id": pl.String,
    "observed_at": pl.String,
    "category": pl.String,
    "severity": pl.Int64,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "area_code": pl.String,
    "place": pl.String,
    "group": pl.String,
    "people_count": pl.Int64,
    "restricted": pl.Boolean,
    "text": pl.String,
}

WEEK_HEADER = [
    "section",
    "category",
    "area_code",
    "area_name",
    "observed",
    "usual",
    "ratio",
    "p_value",
    "q_value",
    "rise",
]


def observations_csv_rows(observations) -> pl.DataFrame:
    """The export's columns, the same as the import's plus where it was placed."""
    rows = [
        {
            "id": str(o.public_id),
            "observed_at": o.observed_at.astimezone(LOCAL).isoformat(timespec="minutes"),
            "category": o.category,
            "severity": o.severity,
            "lat": o.lat,
            "lon": o.lon,
            "area_code": o.area.code if o.area_id else "",
            "place": o.place_name,
            "group": o.group.key if o.group_id else "",
            "people_count": o.people_count,
            "restricted": o.restricted,
            "text": o.text,
        }
        for o in observations
    ]
    return pl.DataFrame(rows, schema=OBSERVATION_SCHEMA)


def observations_csv(rows: pl.DataFrame) -> HttpResponse:
    return frame_csv_response(rows, filename="observations.csv")


def _file_stem(scope: PictureScope, week: IsoWeek) -> str:
    return f"lagesbild-{scope.group.key if scope.group else scope.municipality.code}-{week}"


def week_csv_rows(shown: dict) -> list[list]:
    """The week's tests, one table: by category, by area, and the cells that rose."""
    return [
        [
            section,
            r.get("category", ""),
            r.get("area_code", ""),
            r.get("area_name", ""),
            r["observed"],
            r["usual"],
            "" if r["ratio"] is None else r["ratio"],
            f"{r['p_value']:.4g}",
            f"{r['q_value']:.4g}",
            int(r["rise"]),
        ]
        for section, section_rows in (
            ("category", shown["by_category"]),
            ("area", shown["by_area"]),
            ("change", shown["changes"]),
        )
        for r in section_rows
    ]


def week_csv(scope: PictureScope, week: IsoWeek, shown: dict) -> HttpResponse:
    return csv_response(
        filename=f"{_file_stem(scope, week)}.csv", header=WEEK_HEADER, rows=week_csv_rows(shown)
    )


def week_map_svg(scope: PictureScope, shown: dict) -> str:
    """The PDF's map: the scope's areas shaded by count and the points this reader may see."""
    title = _("Map of the week: areas shaded by observations, points where they were made")
    svg = picture_map_svg(picture_map_areas(scope, shown), shown["points"], title=title)
    return mark_safe(svg)  # noqa: S308 (escaped)


def week_pdf(request, scope: PictureScope, week: IsoWeek, picture, shown: dict) -> HttpResponse:
    html = render_to_string(
        "situation/week_pdf.html",
        week_context(scope, week, picture, shown)
        | {
            "printed": timezone.now(),
            "map_svg": week_map_svg(scope, shown),
            "actions": picture_actions(scope, week, picture),
        },
        request=request,
    )
    pdf = render_pdf(html, stylesheet=PDF_CSS)
    return pdf_response(pdf, filename=f"{_file_stem(scope, week)}.pdf")
