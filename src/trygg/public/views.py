"""Public pages: no login; only published, aggregated results and public promises."""

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render

from trygg.core.exports import csv_response
from trygg.core.http import allow
from trygg.core.params import QueryForm, YearField, query_params
from trygg.reports.services import RUN_FILES
from trygg.reports.views import REPORT_CSP

from .selectors import (
    PUBLIC_COLUMNS,
    municipality_promises,
    publication_geojson,
    publication_page_rows,
    publication_public_get,
    publication_rows,
    publications_public,
    published_municipalities,
)

PUBLIC_FILES = ("report.html", "report.pdf")


@allow("GET")
def index(request):
    return render(
        request,
        "public/index.html",
        {"municipalities": published_municipalities(), "public_page": True},
    )


@allow("GET")
def municipality(request, code: str):
    publication = publication_public_get(code=code, year=_year(request))
    return render(
        request,
        "public/municipality.html",
        {
            "publication": publication,
            "rows": publication_page_rows(publication),
            "years": sorted(
                set(
                    publications_public()
                    .filter(municipality=publication.municipality)
                    .values_list("year", flat=True)
                ),
                reverse=True,
            ),
            "promises": municipality_promises(municipality=publication.municipality),
            "files": [n for n in PUBLIC_FILES if (publication.run.directory / n).is_file()],
            "licence_url": settings.TRYGG_OPEN_DATA_LICENCE_URL,
            "public_page": True,
        },
    )


class YearQuery(QueryForm):
    year = YearField()


def _year(request):
    return query_params(request, YearQuery)["year"]


@allow("GET")
def data_csv(request, code: str, year: int):
    publication = publication_public_get(code=code, year=year)
    response = csv_response(
        filename=f"trygg-{code}-{year}.csv",
        header=PUBLIC_COLUMNS,
        rows=(
            ["" if row[c] is None else row[c] for c in PUBLIC_COLUMNS]
            for row in publication_rows(publication)
        ),
    )
    response["X-Licence"] = publication.licence
    return response


@allow("GET")
def data_geojson(request, code: str, year: int):
    publication = publication_public_get(code=code, year=year)
    response = JsonResponse(publication_geojson(publication), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="trygg-{code}-{year}.geojson"'
    return response


@allow("GET")
def report_file(request, code: str, year: int, name: str):
    publication = publication_public_get(code=code, year=year)
    path = publication.run.directory / name
    if name not in PUBLIC_FILES or not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=RUN_FILES[name])
    if name == "report.html":
        response._csp_config = REPORT_CSP
    return response
