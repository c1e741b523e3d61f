"""The quarter: which areas of a scope need action most, and where action can change most."""

from __future__ import annotations

from collections import Counter

import polars as pl
from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from trygg.analysis.situation import (
    LOCAL,
    quarter_priorities,
)
from trygg.crime.models import ReportedCrime

from ..models import Observation
from ..periods import quarter_bounds
from .figures import BLOCK_HOURS
from .scope import PictureScope


def quarter_view(scope: PictureScope, *, year: int, quarter: int) -> list[dict]:
    """Which areas of the scope need action most and where action can change most."""
    start, end = quarter_bounds(year, quarter)
    length = end - start
    prev_start = start - length
    areas = list(scope.areas().values_list("id", "code", "name", "population"))
    ids = [a[0] for a in areas]
    observations = Observation.objects.filter(area_id__in=ids)
    rows = list(
        observations.filter(observed_at__gte=start, observed_at__lt=end)
        .annotate(
            wd=ExtractIsoWeekDay("observed_at", tzinfo=LOCAL),
            hr=ExtractHour("observed_at", tzinfo=LOCAL),
        )
        .values_list("area_id", "category", "wd", "hr", "severity")
    )
    previous = dict(
        observations.filter(observed_at__gte=prev_start, observed_at__lt=start)
        .values("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    crimes = dict(
        ReportedCrime.objects.filter(area_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    table = pl.DataFrame(
        [(str(i), p or 0, crimes.get(i, 0), previous.get(i, 0)) for i, _c, _n, p in areas],
        schema={
            "area_code": pl.String,
            "population": pl.Int64,
            "crimes": pl.Int64,
            "previous": pl.Int64,
        },
        orient="row",
    )
    obs = pl.DataFrame(
        [(str(a), c, wd - 1, hr, s) for a, c, wd, hr, s in rows],
        schema={
            "area_code": pl.String,
            "category": pl.String,
            "weekday": pl.Int64,
            "hour": pl.Int64,
            "severity": pl.Int64,
        },
        orient="row",
    )
    names = {str(i): (code, name) for i, code, name, _ in areas}
    result = quarter_priorities(table, obs, block_hours=BLOCK_HOURS)
    # The most reported category of each area: what an operation planned there is about.
    per_category: dict[int, Counter] = {}
    for area_id, category, *_rest in rows:
        per_category.setdefault(area_id, Counter())[category] += 1
    return [
        {
            **row,
            "area_id": int(row["area_code"]),
            "code": names[row["area_code"]][0],
            "name": names[row["area_code"]][1],
            "top_category": (
                per_category[int(row["area_code"])].most_common(1)[0][0]
                if int(row["area_code"]) in per_category
                else None
            ),
        }
        for row in result.iter_rows(named=True)
    ]
