"""What anyone may see without login: published results only.

Everything here reads :class:`~trygg.reports.models.Publication` rows (whose tables were
suppressed when they were published) and public citizen promises, never a run's files or
the database's raw rows."""

from __future__ import annotations

import re
from html import escape

from django.conf import settings
from django.http import Http404
from django.utils.translation import get_language, gettext, ngettext

from trygg.analysis.areas_io import MAP_MAX_VERTICES, simplify_for_map
from trygg.areas.models import Municipality
from trygg.interventions.selectors import promises_public
from trygg.reports.models import Publication
from trygg.reports.selectors import index_colour_classes

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


RANK_COLUMNS = ("rank", "rank_low", "rank_high")


def public_columns() -> tuple[str, ...]:
    """The columns anyone may read. The ranking of neighbourhoods stays with staff unless the
    install publishes it (``TRYGG_PUBLIC_SHOW_RANK``)."""
    if settings.TRYGG_PUBLIC_SHOW_RANK:
        return PUBLIC_COLUMNS
    return tuple(c for c in PUBLIC_COLUMNS if c not in RANK_COLUMNS)


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
    columns = public_columns()
    return [{c: row.get(c) for c in columns} for row in publication.areas]


def publication_levels(publication: Publication) -> dict:
    """The published areas by level of the problem index (the questionnaire's classes, worst
    first), the table rows in name order with their level, a map, and a summary in plain
    words. Areas without a published index (too few answers) are listed apart."""
    from shapely.geometry import shape

    from trygg.analysis.report import charts

    lang = "en" if (get_language() or "sv").startswith("en") else "sv"
    classes = index_colour_classes(publication.municipality)
    rows = sorted(publication_page_rows(publication), key=lambda r: (r["name"] or "").casefold())
    by_code: dict[str, list[dict]] = {c.code: [] for c in classes}
    without = []
    for row in rows:
        level = _level_of(classes, row["problem_index"])
        row["level"] = level.code if level else None
        row["level_label"] = level.label.get(lang) if level else None
        (by_code[level.code] if level else without).append(row)
    levels = [
        {"code": c.code, "label": c.label.get(lang), "colour": c.colour, "areas": by_code[c.code]}
        for c in reversed(classes)
    ]
    return {
        "rows": rows,
        "levels": levels,
        "without": without,
        "summary": _summary(levels, without, total=len(rows)),
        "map": _levels_map(publication, rows, classes, lang=lang, charts=charts, shape=shape),
    }


def _level_of(classes, value):
    if value is None:
        return None
    for c in classes:
        if c.below is None or value < c.below:
            return c
    return classes[-1]


def _summary(levels: list[dict], without: list[dict], *, total: int) -> list[str]:
    """Short sentences a resident understands (lättläst): how many areas at each level,
    naming the areas of the worst level that has any."""
    sentences = []
    for level in levels:
        n = len(level["areas"])
        if not n:
            continue
        sentences.append(
            ngettext(
                "In %(n)d of %(total)d areas residents see %(level)s.",
                "In %(n)d of %(total)d areas residents see %(level)s.",
                n,
            )
            % {"n": n, "total": total, "level": level["label"].lower()}
        )
    worst = next((level for level in levels if level["areas"]), None)
    if worst is not None and worst is levels[0]:
        names = [row["name"] for row in worst["areas"]]
        sentences.append(
            gettext("The biggest problems are seen in: %(names)s.") % {"names": ", ".join(names)}
        )
    if without:
        sentences.append(
            ngettext(
                "In %(n)d area too few answered to show a result.",
                "In %(n)d areas too few answered to show a result.",
                len(without),
            )
            % {"n": len(without)}
        )
    return sentences


def _levels_map(publication, rows, classes, *, lang, charts, shape) -> str | None:
    geometry = {
        f["properties"]["code"]: f["geometry"] for f in publication.geometry.get("features", [])
    }
    too_few = gettext("too few answers")
    areas = [
        charts.MapArea(
            code=row["code"],
            geometry=shape(geometry[row["code"]]),
            key=row["level"],
            suppressed=row["level"] is None,
            title=f"{row['name']}: {row['level_label'] or too_few}",
            name=row["name"],
        )
        for row in rows
        if row["code"] in geometry
    ]
    if not areas:
        return None
    svg = charts.choropleth(
        areas,
        charts.index_classes(classes, lang=lang),
        lang=lang,
        pattern_id="public-hatch",
        width=520,
        height=520,
        legend=False,  # the page's level headings, with their colours, are the legend
    )
    # The page's CSP allows no inline styles: the SVG's text takes the page's font instead.
    svg = re.sub(r' style="[^"]*"', "", svg)
    label = gettext("Map of the areas by how big problems residents see. The same as a list below.")
    return svg.replace("<svg ", f'<svg aria-label="{escape(label)}" ', 1)


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
