"""What anyone may see without login: published results only.

Everything here reads :class:`~trygg.reports.models.Publication` rows (whose tables were
suppressed when they were published) and public citizen promises, never a run's files or
the database's raw rows."""

from __future__ import annotations

from django.http import Http404

from trygg.analysis.areas_io import MAP_MAX_VERTICES, simplify_for_map
from trygg.areas.models import Municipality
from trygg.interventions.selectors import promises_public
from trygg.reports.models import Publication

PUBLIC_COLUMNS = (
    "code", "name", "district", "rank", "rank_low", "rank_high",
    "problem_index", "problem_index_low", "problem_index_high",
    "worry_index", "worry_index_low", "worry_index_high",
    "unsafety_index", "unsafety_index_low", "unsafety_index_high",
    "victimisation_index", "trust_index", "crimes", "crime_rate_per_1000",
    # The tested change from the year before (issue 16 item 5); empty when suppressed.
    "problem_index_change", "problem_index_change_low", "problem_index_change_high",
    "problem_index_change_significant",
    "worry_index_change", "worry_index_change_low", "worry_index_change_high",
    "worry_index_change_significant",
    "crime_rate_change_percent", "crime_rate_change_low", "crime_rate_change_high",
    "crime_rate_change_significant",
)  # fmt: skip


def publications_public():
    return Publication.objects.filter(withdrawn_at=None).select_related("municipality", "run")


def published_municipalities():
    return Municipality.objects.filter(publications__withdrawn_at=None).distinct().order_by("name")


def publication_public_get(*, code: str, year: int | None = None) -> Publication:
    """The current publication of a municipality (of a year), or 404."""
    publications = publications_public().filter(municipality__code=code)
    if year is not None:
        publications = publications.filter(year=year)
    publication = publications.order_by("-year", "-published_at").first()
    if publication is None:
        raise Http404
    return publication


def publication_rows(publication: Publication) -> list[dict]:
    return [{c: row.get(c) for c in PUBLIC_COLUMNS} for row in publication.areas]


def public_change(row: dict, key: str, *, unit: str = "", digits: int = 2) -> dict | None:
    """A published change as ``reports/_change.html`` shows it; None when not published
    (suppressed, or a publication made before changes were published)."""
    value = row.get(key)
    if value is None:
        return None
    stem = key.removesuffix("_percent")
    return {
        "value": value,
        "low": row.get(f"{stem}_low"),
        "high": row.get(f"{stem}_high"),
        "digits": digits,
        "unit": unit,
        "significant": bool(row.get(f"{stem}_significant")),
        "direction": "increase" if value > 0 else "decrease" if value < 0 else None,
        "suppressed": False,
    }


def publication_page_rows(publication: Publication) -> list[dict]:
    """The public page's rows: the published columns and each change ready to show."""
    return [
        row | {
            "problem_change": public_change(row, "problem_index_change"),
            "crime_change": public_change(row, "crime_rate_change_percent", unit="%", digits=0),
        }
        for row in publication_rows(publication)
    ]  # fmt: skip


def publication_geojson(publication: Publication) -> dict:
    rows = {r["code"]: r for r in publication_rows(publication)}
    features = []
    for feature in publication.geometry.get("features", []):
        code = feature["properties"]["code"]
        features.append(
            {
                "type": "Feature",
                "geometry": _small(feature["geometry"]),
                "properties": {**rows.get(code, {"code": code}), "year": publication.year},
            }
        )
    return {
        "type": "FeatureCollection",
        "name": f"trygg-{publication.municipality.code}-{publication.year}",
        "licence": publication.licence,
        "features": features,
    }


def _small(geometry: dict) -> dict:
    """Publications made before boundaries were simplified for maps hold the imported
    boundary; an anonymous download must not serve megabytes of it."""
    count = _vertex_count(geometry.get("coordinates"))
    return geometry if count <= MAP_MAX_VERTICES else simplify_for_map(geometry)


def _vertex_count(coordinates) -> int:
    if not isinstance(coordinates, list) or not coordinates:
        return 0
    if not isinstance(coordinates[0], list):
        return 1
    return sum(_vertex_count(c) for c in coordinates)


def municipality_promises(*, municipality: Municipality):
    return promises_public().filter(municipality=municipality)
