"""Results of a run for the pages: the run's tables, their labels, and the area page's
figures (survey, crime, hotspot, priority)."""

from __future__ import annotations

import math
from functools import lru_cache

import polars as pl
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trygg.analysis.safe_csv import restore_frame
from trygg.areas.models import Area
from trygg.surveys.selectors import survey_questionnaire

from .runs import analysis_runs_for_user

INDEX_ORDER = (
    "problem_index",
    "worry_index",
    "unsafety_index",
    "victimisation_index",
    "trust_index",
)
RUN_TABLES = ("survey_indices", "survey_changes", "crime_rates", "crime_changes", "hotspots",
              "priorities")  # fmt: skip


def latest_run_for_user(user, *, municipality=None, year: int | None = None):
    """The newest run the user may read (of a municipality, of a year), or None."""
    runs = analysis_runs_for_user(user)
    if municipality is not None:
        runs = runs.filter(municipality=municipality)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-created_at").first()


def priority_area_codes_of(municipality, *, top: int) -> list[str]:
    """The codes of the ``top`` ranked areas of the municipality's current priorities: its
    published run, or its newest run when none is published; best first."""
    from trygg.reports.models import AnalysisRun

    runs = AnalysisRun.objects.filter(municipality=municipality).order_by("-created_at")
    run = (
        runs.filter(publication__isnull=False, publication__withdrawn_at__isnull=True).first()
        or runs.first()
    )
    if run is None:
        return []
    table = run_table(run, "priorities")
    if "rank" not in table.columns:
        return []
    ranked = table.filter(pl.col("rank").is_not_null()).sort("rank").head(top)
    return ranked.get_column("area_code").cast(pl.String).to_list()


def run_years_for_user(user, *, municipality=None) -> list[int]:
    runs = analysis_runs_for_user(user)
    if municipality is not None:
        runs = runs.filter(municipality=municipality)
    return sorted(set(runs.values_list("year", flat=True)), reverse=True)


def run_table(run, name: str) -> pl.DataFrame:
    """One output table of a run (empty when the run has none)."""
    path = run.directory / f"{name}.csv"
    if not path.is_file():
        return pl.DataFrame()
    return _read_table(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _read_table(path: str, _mtime: int) -> pl.DataFrame:
    # The run's tables were written with formula-like text quoted (safe_csv): undo that.
    return restore_frame(
        pl.read_csv(
            path,
            infer_schema_length=10000,
            schema_overrides={"area_code": pl.String, "unit": pl.String},
        )
    )


def _lang() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


def _index_labels(municipality) -> dict[str, str]:
    from trygg.analysis.questionnaire import standard_questionnaire

    q = survey_questionnaire(municipality=municipality) or standard_questionnaire()
    return {code: text.get(_lang()) for code, text in q.groups.items()}


def _category_labels() -> dict[str, str]:
    from trygg.analysis.crime import load_categories

    lang = _lang()
    return {
        c.code: (c.name_en if lang == "en" else c.name_sv) for c in load_categories().categories
    }


def _component_labels() -> dict[str, str]:
    from trygg.analysis.priority import COMPONENTS

    return {code: label.get(_lang()) for code, (label, _scale) in COMPONENTS.items()}


def _finite(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def sparkline(points: list[tuple[int, float | None, float | None, float | None]]) -> str:
    """A small trend chart (year, value, low, high) as SVG with presentation attributes only
    (the pages' CSP allows no inline style)."""
    points = [p for p in points if p[1] is not None]
    width, height, pad = 160, 44, 6
    if not points:
        return ""
    lows = [p[2] if p[2] is not None else p[1] for p in points]
    highs = [p[3] if p[3] is not None else p[1] for p in points]
    lo, hi = min(lows), max(highs)
    span = (hi - lo) or 1.0
    years = [p[0] for p in points]
    y0, y1 = min(years), max(years)

    def x(year):
        return pad + (year - y0) / ((y1 - y0) or 1) * (width - 2 * pad)

    def y(value):
        return height - pad - (value - lo) / span * (height - 2 * pad)

    band = " ".join(f"{x(p[0]):.1f},{y(h):.1f}" for p, h in zip(points, highs, strict=True))
    band += " " + " ".join(
        f"{x(p[0]):.1f},{y(low):.1f}" for p, low in reversed(list(zip(points, lows, strict=True)))
    )
    line = " ".join(f"{x(p[0]):.1f},{y(p[1]):.1f}" for p in points)
    dots = "".join(
        f'<circle cx="{x(p[0]):.1f}" cy="{y(p[1]):.1f}" r="2.5" fill="#1d3557"/>' for p in points
    )
    return (
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        ' aria-hidden="true" focusable="false">'
        f'<polygon points="{band}" fill="#a8dadc" fill-opacity="0.6"/>'
        f'<polyline points="{line}" fill="none" stroke="#1d3557" stroke-width="2"/>{dots}</svg>'
    )


def z_bar(z: float | None, *, scale: float = 20.0) -> str:
    """A diverging bar for a component's z-value (0 in the middle, ±3 SD at the ends)."""
    width, height, mid = 120, 14, 60
    if z is None:
        return ""
    length = min(abs(z), 3.0) * scale
    x = mid if z >= 0 else mid - length
    colour = "#b2182b" if z >= 0 else "#2166ac"
    return (
        f'<svg class="zbar" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        ' aria-hidden="true" focusable="false">'
        f'<rect x="{x:.1f}" y="2" width="{max(length, 1):.1f}" height="10" fill="{colour}"/>'
        f'<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#4a5560" stroke-width="1"/>'
        "</svg>"
    )


def _codes_of(area: Area) -> list[str]:
    if area.level == "district":
        return list(Area.objects.filter(parent=area).values_list("code", flat=True))
    return [area.code]


def area_survey(run, *, area: Area) -> list[dict]:
    """The area's survey indices per year with intervals, change and trend."""
    survey = run_table(run, "survey_indices")
    if survey.is_empty():
        return []
    rows = survey.filter((pl.col("area_code") == area.code) & pl.col("index").is_in(INDEX_ORDER))
    labels = _index_labels(run.municipality)
    # The change is the run's design-based test, not the difference of two estimates.
    from .changes import area_survey_changes

    changes = area_survey_changes(run, area=area)
    out = []
    for index in INDEX_ORDER:
        sub = rows.filter(pl.col("index") == index).sort("year")
        if sub.is_empty():
            continue
        years = list(sub.iter_rows(named=True))
        latest = years[-1]
        change = changes.get(index)
        if change is not None and change.get("year_to") != latest["year"]:
            change = None
        out.append(
            {
                "index": index,
                "label": labels.get(index, index),
                "year": latest["year"],
                "estimate": _finite(latest["estimate"]),
                "ci_low": _finite(latest["ci_low"]),
                "ci_high": _finite(latest["ci_high"]),
                "n": latest["n"],
                "method": latest["method"],
                "suppressed": bool(latest.get("suppressed")),
                "change": change,
                "years": [
                    {
                        "year": r["year"],
                        "estimate": _finite(r["estimate"]),
                        "ci_low": _finite(r["ci_low"]),
                        "ci_high": _finite(r["ci_high"]),
                        "n": r["n"],
                        "suppressed": bool(r.get("suppressed")),
                    }
                    for r in years
                ],
                "sparkline": sparkline(
                    [
                        (
                            r["year"],
                            _finite(r["estimate"]),
                            _finite(r["ci_low"]),
                            _finite(r["ci_high"]),
                        )
                        for r in years
                    ]
                ),
            }
        )
    return out


def area_crime(run, *, area: Area) -> dict:
    """Reported crime in the area by category and year, with rates and the trend."""
    rates = run_table(run, "crime_rates")
    if rates.is_empty():
        return {"years": [], "rows": [], "total": None}
    codes = _codes_of(area)
    sub = rates.filter(pl.col("area_code").is_in(codes))
    years = sorted(sub["year"].unique().to_list())[-5:]
    sub = sub.filter(pl.col("year").is_in(years))
    population = (
        sub.group_by("area_code", "year").agg(pl.col("population").first())
        .group_by("year").agg(pl.col("population").sum())
    )  # fmt: skip
    pop = dict(zip(population["year"].to_list(), population["population"].to_list(), strict=True))
    labels = _category_labels()
    by_cat = sub.group_by("category", "year").agg(pl.col("count").sum())
    counts: dict[str, dict[int, int]] = {}
    for row in by_cat.iter_rows(named=True):
        counts.setdefault(row["category"], {})[row["year"]] = int(row["count"])
    last = years[-1] if years else None

    def rate(count, year):
        p = _finite(pop.get(year))
        return count / p * 1000 if p else None

    # The change of the rate into the last year, tested (not the raw count difference).
    from .changes import area_crime_changes

    changes = area_crime_changes(
        sub, years=years, min_population=run.parameters.get("min_population", 50)
    )
    out_rows = []
    for category, per_year in sorted(counts.items(), key=lambda kv: -kv[1].get(last, 0)):
        series = [per_year.get(y, 0) for y in years]
        out_rows.append(
            {
                "category": category,
                "label": labels.get(category, category),
                "counts": series,
                "rate": rate(series[-1], last) if years else None,
                "change": changes["by_category"].get(category),
            }
        )
    totals = [sum(per_year.get(y, 0) for per_year in counts.values()) for y in years]
    return {
        "years": years,
        "rows": out_rows,
        "total": {
            "counts": totals,
            "rates": [rate(t, y) for t, y in zip(totals, years, strict=True)],
            "change": changes["total"],
            "sparkline": sparkline(
                [(y, rate(t, y), None, None) for t, y in zip(totals, years, strict=True)]
            ),
        },
        "population": _finite(pop.get(last)) if last else None,
    }


def area_hotspot(run, *, area: Area) -> dict | None:
    hotspots = run_table(run, "hotspots")
    if hotspots.is_empty():
        return None
    if "level" in hotspots.columns:
        hotspots = hotspots.filter(pl.col("level") == "area")
    rows = hotspots.filter(pl.col("unit").is_in(_codes_of(area)))
    if rows.is_empty():
        return None
    classes = rows["class"].to_list()
    klass = "hot" if "hot" in classes else "cold" if classes == ["cold"] * len(classes) else "none"
    row = rows.row(0, named=True)
    return {
        "class": klass,
        "label": hotspot_label(klass),
        "hot_units": classes.count("hot"),
        "gi_z": _finite(row["gi_z"]) if rows.height == 1 else None,
        "q_value": _finite(row["q_value"]) if rows.height == 1 else None,
    }


def hotspot_label(klass: str | None) -> str:
    return {"hot": _("hot spot"), "cold": _("cold spot"), "none": _("no pattern")}.get(
        klass or "", "–"
    )


def _component_codes(table: pl.DataFrame) -> list[str]:
    return [c[: -len("_z")] for c in table.columns if c.endswith("_z")]


def area_priority(run, *, area: Area) -> dict | None:
    table = run_table(run, "priorities")
    if table.is_empty():
        return None
    rows = table.filter(pl.col("area_code") == area.code)
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    labels = _component_labels()
    weights = run.run_record.get("parameters", {}).get("weights_used") or run.parameters.get(
        "weights", {}
    )
    components = [
        {
            "code": code,
            "label": labels.get(code, code),
            "value": _finite(row.get(code)),
            "z": _finite(row.get(f"{code}_z")),
            "contribution": _finite(row.get(f"{code}_contribution")),
            "weight": weights.get(code),
            "bar": z_bar(_finite(row.get(f"{code}_z"))),
        }
        for code in _component_codes(table)
    ]
    return {
        "rank": row["rank"],
        "rank_low": row["rank_low"],
        "rank_high": row["rank_high"],
        "score": _finite(row["score"]),
        "ranked": table.filter(pl.col("rank").is_not_null()).height,
        "explanation": row.get(f"explanation_{_lang()}") or row.get("explanation_sv"),
        "components": components,
    }


def area_statistics(user, *, area: Area) -> dict | None:
    """Everything the latest run says about one area, for users who read results."""
    run = latest_run_for_user(user, municipality=area.municipality)
    if run is None:
        return None
    return {
        "run": run,
        "survey": area_survey(run, area=area),
        "crime": area_crime(run, area=area),
        "hotspot": area_hotspot(run, area=area),
        "priority": area_priority(run, area=area),
        "emerging": _area_emerging(run, area),
    }


def _area_emerging(run, area: Area) -> dict | None:
    # Imported here: .emerging reads its tables through this module.
    from .emerging import area_emerging

    return area_emerging(run, area=area)
