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
