"""Year-over-year change for the pages (issue 16 item 5): each change with its 95 %
interval and whether it is statistically significant, never a raw difference.

The survey's change is the run's design-based test (``survey_changes.csv``; computed from
``survey_indices.csv`` for runs made before that file existed); the crime rate's is the exact
test of :func:`trygg.analysis.crime.rate_change`. Every change is one dict that the template
``reports/_change.html`` shows: ``value, low, high, digits, unit, significant, direction,
suppressed, reason, year_from, year_to``."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from trygg.analysis.crime import rate_change
from trygg.areas.models import Area

from .results import INDEX_ORDER, _finite, run_table

__all__ = [
    "area_crime_changes",
    "area_survey_changes",
    "crime_change",
    "run_survey_changes",
    "survey_change",
    "survey_change_between",
    "year_comparison_changes",
]

#: What year_over_year needs from survey_indices.csv to test a change.
_DIRECT = ("level", "area_code", "index", "year", "direct_estimate", "direct_se", "df",
           "share", "share_se", "suppressed")  # fmt: skip


def _direction(value: float | None) -> str | None:
    if value is None or value == 0:
        return None
    return "increase" if value > 0 else "decrease"


def suppressed_change(reason: str, *, year_from=None, year_to=None) -> dict:
    return {"suppressed": True, "reason": reason, "significant": False, "value": None,
            "low": None, "high": None, "year_from": year_from, "year_to": year_to}  # fmt: skip


def survey_change(row: dict | None) -> dict | None:
    """A row of survey_changes.csv as the page shows it (None: no earlier year)."""
    if row is None:
        return None
    years = {"year_from": row.get("year_from"), "year_to": row.get("year_to")}
    value = _finite(row.get("difference"))
    if row.get("suppressed") or value is None:
        return suppressed_change(_("too few answers"), **years)
    significant = bool(row.get("significant"))
    return {
        "value": value,
        "low": _finite(row.get("ci_low")),
        "high": _finite(row.get("ci_high")),
        "digits": 2,
        "unit": "",
        "significant": significant,
        "direction": _direction(value),
        "suppressed": False,
        "reason": None,
        "p_value": _finite(row.get("p_value")),
        **years,
    }


def crime_change(
    count_from: float | None,
    population_from: float | None,
    count_to: float | None,
    population_to: float | None,
    *,
    min_population: float = 1,
    min_count: int | None = None,
    year_from=None,
    year_to=None,
) -> dict:
    """The change of a rate per 1,000 as a percentage with its exact 95 % interval. With
    ``min_count`` (published results) a count below it in either year is withheld."""
    years = {"year_from": year_from, "year_to": year_to}
    if count_from is None or count_to is None:
        return suppressed_change(_("no figures for both years"), **years)
    if min_count is not None and min(count_from, count_to) < min_count:
        return suppressed_change(_("too few crimes to publish"), **years)
    change = rate_change(
        count_from, population_from, count_to, population_to, min_population=min_population
    )
    if change.suppressed:
        return suppressed_change(_("too few residents"), **years)

    def pct(ratio):
        return None if ratio is None else (ratio - 1.0) * 100.0

    return {
        "value": pct(change.ratio),
        "low": pct(change.ratio_low),
        "high": pct(change.ratio_high),
        "digits": 0,
        "unit": "%",
        "significant": change.significant,
        "direction": _direction(change.difference),
        "suppressed": False,
        # The percentage has no value from zero crimes: say so, the verdict still stands.
        "reason": _("none the year before") if change.ratio is None else None,
        "p_value": change.p_value,
        "difference": change.difference,
        **years,
    }


def run_survey_changes(run) -> pl.DataFrame:
    """The run's survey_changes.csv; for an older run, the same test on its indices."""
    changes = run_table(run, "survey_changes")
    if not changes.is_empty():
        return changes
    indices = run_table(run, "survey_indices")
    if indices.is_empty() or not set(_DIRECT) <= set(indices.columns):
        return pl.DataFrame()
    from trygg.analysis.survey import year_over_year

    return year_over_year(indices.select(_DIRECT).with_columns(pl.col("suppressed").cast(bool)))


def area_survey_changes(run, *, area: Area) -> dict[str, dict]:
    """Each index's change into its latest year in the area (index → change)."""
    changes = run_survey_changes(run)
    if changes.is_empty():
        return {}
    rows = changes.filter(pl.col("area_code") == area.code)
    out = {}
    for index in INDEX_ORDER:
        sub = rows.filter(pl.col("index") == index).sort("year_to")
        if not sub.is_empty():
            out[index] = survey_change(sub.row(-1, named=True))
    return out


def survey_change_between(rows: list[dict]) -> dict | None:
    """The change between two survey_indices rows of one area and index (any two years,
    each possibly from its own run), by the same design-based test as the run's."""
    if len(rows) != 2 or any(r is None for r in rows):
        return None
    if not all(set(_DIRECT) - {"level"} <= set(r) for r in rows):
        return None
    from trygg.analysis.survey import year_over_year

    frame = pl.DataFrame(
        [{c: r.get(c) for c in _DIRECT} | {"level": "area"} for r in rows],
        schema={"level": pl.String, "area_code": pl.String, "index": pl.String,
                "year": pl.Int64, "direct_estimate": pl.Float64, "direct_se": pl.Float64,
                "df": pl.Float64, "share": pl.Float64, "share_se": pl.Float64,
                "suppressed": pl.Boolean},
    )  # fmt: skip
    out = year_over_year(frame)
    return survey_change(out.row(0, named=True)) if out.height else None


def area_crime_changes(rates: pl.DataFrame, *, years: list[int], min_population: float) -> dict:
    """The change into the last of ``years`` of the area's rate, per category and in total,
    from crime_rates rows already limited to the area (or a district's areas)."""
    if len(years) < 2 or rates.is_empty():
        return {"total": None, "by_category": {}}
    y0, y1 = years[-2], years[-1]
    pop = (
        rates.group_by("area_code", "year").agg(pl.col("population").first())
        .group_by("year").agg(pl.col("population").sum())
    )  # fmt: skip
    population = dict(zip(pop["year"].to_list(), pop["population"].to_list(), strict=True))
    counts = rates.group_by("category", "year").agg(pl.col("count").sum())
    per: dict[str, dict[int, float]] = {}
    for row in counts.iter_rows(named=True):
        per.setdefault(row["category"], {})[row["year"]] = row["count"]

    def change(c0, c1):
        return crime_change(
            c0, population.get(y0), c1, population.get(y1),
            min_population=min_population, year_from=y0, year_to=y1,
        )  # fmt: skip

    by_category = {cat: change(v.get(y0, 0), v.get(y1, 0)) for cat, v in per.items()}
    total = change(sum(v.get(y0, 0) for v in per.values()), sum(v.get(y1, 0) for v in per.values()))
    return {"total": total, "by_category": by_category}


def _reversed(change: dict | None) -> dict | None:
    """The same change read the other way round (from the later year to the earlier)."""
    if not change or change.get("suppressed"):
        return change
    low, high = change["high"], change["low"]
    value = change["value"]
    return change | {
        "value": None if value is None else -value,
        "low": None if low is None else -low,
        "high": None if high is None else -high,
        "direction": _direction(None if value is None else -value),
        "year_from": change.get("year_to"),
        "year_to": change.get("year_from"),
    }


def _survey_rows(run, year: int) -> dict[str, dict]:
    if run is None:
        return {}
    survey = run_table(run, "survey_indices")
    if survey.is_empty():
        return {}
    sub = survey.filter((pl.col("index") == "problem_index") & (pl.col("year") == year))
    if "level" in sub.columns:
        sub = sub.filter(pl.col("level") == "area")
    return {r["area_code"]: r for r in sub.iter_rows(named=True)}


def _crime_counts(run, year: int) -> dict[str, tuple[float, float | None]]:
    if run is None:
        return {}
    rates = run_table(run, "crime_rates")
    if rates.is_empty():
        return {}
    sub = (
        rates.filter(pl.col("year") == year)
        .group_by("area_code").agg(pl.col("count").sum(), pl.col("population").first())
    )  # fmt: skip
    return {
        r["area_code"]: (r["count"], _finite(r["population"])) for r in sub.iter_rows(named=True)
    }


def year_comparison_changes(run_a, run_b, *, year_a: int, year_b: int) -> dict[str, dict]:
    """Per area code: the tested change of the problem index and of the crime rate from
    ``year_a`` (read from ``run_a``) to ``year_b`` (from ``run_b``)."""
    if year_a == year_b:
        return {}
    survey_a, survey_b = _survey_rows(run_a, year_a), _survey_rows(run_b, year_b)
    crime_a, crime_b = _crime_counts(run_a, year_a), _crime_counts(run_b, year_b)
    source = run_b or run_a
    min_population = source.parameters.get("min_population", 50) if source else 50
    out: dict[str, dict] = {}
    for code in set(survey_a) | set(survey_b) | set(crime_a) | set(crime_b):
        problem = None
        if code in survey_a and code in survey_b:
            problem = survey_change_between([survey_a[code], survey_b[code]])
            if year_a > year_b:
                problem = _reversed(problem)
        crime = None
        if code in crime_a and code in crime_b:
            (c0, p0), (c1, p1) = crime_a[code], crime_b[code]
            crime = crime_change(c0, p0, c1, p1, min_population=min_population,
                                 year_from=year_a, year_to=year_b)  # fmt: skip
        out[code] = {"problem": problem, "crime": crime}
    return out
