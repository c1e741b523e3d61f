"""Reads of reported crimes for the analysis, straight from the database into Polars."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from trygg.areas.models import Municipality

from .models import ReportedCrime


def crimes_table(
    *, municipality: Municipality, first_year: int | None = None, last_year: int | None = None
) -> pl.DataFrame:
    """Crimes with ``id, occurred_at, category, lat, lon, area_code, source`` (UTC times).

    Reads in chunks of tuples rather than model instances: a municipality has hundreds of
    thousands of rows.
    """
    crimes = ReportedCrime.objects.filter(municipality=municipality)
    if first_year:
        crimes = crimes.filter(occurred_at__gte=datetime(first_year, 1, 1, tzinfo=UTC))
    if last_year:
        crimes = crimes.filter(occurred_at__lt=datetime(last_year + 1, 1, 1, tzinfo=UTC))
    names = ("id", "occurred_at", "category", "lat", "lon", "area_code", "source")
    rows = crimes.values_list(
        "source_id", "occurred_at", "category", "lat", "lon", "area__code", "source"
    ).iterator(chunk_size=20000)
    return pl.DataFrame(
        list(rows),
        schema={
            "id": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
            "category": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "area_code": pl.String,
            "source": pl.String,
        },
        orient="row",
    ).select(names)


def municipal_comparison(
    *, municipality, year: int | None = None, category: str | None = None
) -> dict:
    """The municipality's imported Brå table for one year and crime (the latest year; the
    crime with most reports when none is asked for): every municipality's row by rate, the
    municipality's own row and rank, the median of the others, and the choices."""
    from statistics import median

    from .models import MunicipalCrimeStatistic

    rows = MunicipalCrimeStatistic.objects.filter(municipality=municipality)
    years = sorted(set(rows.values_list("year", flat=True)), reverse=True)
    if not years:
        return {"years": [], "categories": [], "rows": []}
    year = year if year in years else years[0]
    of_year = rows.filter(year=year)
    categories = sorted(set(of_year.values_list("category", flat=True)))
    if category not in categories:
        own_rows = of_year.filter(region_code=municipality.code).order_by("-count")
        category = (own_rows.first() or of_year.order_by("-count").first()).category
    table = list(of_year.filter(category=category))
    table.sort(key=lambda r: (r.rate_per_100k is None, -(r.rate_per_100k or 0), r.region_name))
    own = next((r for r in table if r.region_code == municipality.code), None)
    rated = [r for r in table if r.rate_per_100k is not None]
    others = [r.rate_per_100k for r in rated if r.region_code != municipality.code]
    rank = rated.index(own) + 1 if own is not None and own in rated else None
    return {
        "years": years,
        "year": year,
        "categories": categories,
        "category": category,
        "rows": table,
        "own": own,
        "rank": rank,
        "rated": len(rated),
        "median_others": median(others) if others else None,
    }
