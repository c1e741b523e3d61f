"""What the analysis reads when it runs on the database (`trygg analyze --from-db`)."""

from __future__ import annotations

import math
from functools import lru_cache

import polars as pl
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.analysis.pipeline import AnalysisInputs
from trygg.analysis.safe_csv import restore_frame
from trygg.areas.models import Area, Municipality, PopulationCount
from trygg.areas.selectors import area_feature_collection, municipalities_for_user
from trygg.crime.selectors import crimes_table
from trygg.surveys.selectors import survey_questionnaire, survey_responses_table

from .models import AnalysisRun


def analysis_inputs_from_db(*, municipality: Municipality) -> AnalysisInputs:
    """The municipality's areas, population, reported crimes and survey answers as the
    tables the file-based run reads, so both paths compute the same thing."""
    areas = area_feature_collection(
        Area.objects.filter(municipality=municipality).select_related("parent", "municipality"),
        exact=True,
    )
    areas["name"] = municipality.name
    population = pl.DataFrame(
        list(
            PopulationCount.objects.filter(area__municipality=municipality).values_list(
                "area__code", "year", "sex", "age_group", "count"
            )
        ),
        schema={
            "area_code": pl.String,
            "year": pl.Int32,
            "sex": pl.String,
            "age_group": pl.String,
            "count": pl.Int64,
        },
        orient="row",
    )
    crimes = crimes_table(municipality=municipality).with_columns(
        pl.lit(None, pl.Datetime("us", "UTC")).alias("occurred_to"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("reported_at"),
        pl.int_range(1, pl.len() + 1).alias("line"),
    )
    responses = survey_responses_table(municipality=municipality)
    return AnalysisInputs(
        areas=areas,
        crimes=crimes,
        responses=responses,
        population=population,
        questionnaire=survey_questionnaire(municipality=municipality),
        sources={
            "database": {
                "municipality": municipality.code,
                "areas": len(areas["features"]),
                "population_rows": population.height,
                "crimes": crimes.height,
                "survey_responses": 0 if responses is None else responses.height,
                "read_at": timezone.now().isoformat(),
            }
        },
    )


def analysis_runs_for_user(user):
    """Runs of the municipalities the user works in, for roles that read the results."""
    if not (user.is_authenticated and user.can(Capability.VIEW_REPORTS)):
        return AnalysisRun.objects.none()
    return AnalysisRun.objects.filter(
        municipality__in=municipalities_for_user(user)
    ).select_related("municipality", "created_by")


def analysis_run_get_for_user(user, *, public_id):
    """One run, or 404 for a missing run and a forbidden one alike."""
    try:
        return analysis_runs_for_user(user).get(public_id=public_id)
    except (AnalysisRun.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# --------------------------------------------------------------------------------------
# Results of a run for the pages: area page, dashboard, comparison, exports
# --------------------------------------------------------------------------------------

INDEX_ORDER = (
    "problem_index",
    "worry_index",
    "unsafety_index",
    "victimisation_index",
    "trust_index",
)
RUN_TABLES = ("survey_indices", "crime_rates", "hotspots", "priorities")


def latest_run_for_user(user, *, municipality=None, year: int | None = None):
    """The newest run the user may read (of a municipality, of a year), or None."""
    runs = analysis_runs_for_user(user)
    if municipality is not None:
        runs = runs.filter(municipality=municipality)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-created_at").first()


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
    from django.utils.translation import get_language

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
    out = []
    for index in INDEX_ORDER:
        sub = rows.filter(pl.col("index") == index).sort("year")
        if sub.is_empty():
            continue
        years = list(sub.iter_rows(named=True))
        latest = years[-1]
        previous = years[-2] if len(years) > 1 else None
        change = significant = None
        if (
            previous
            and _finite(latest["estimate"]) is not None
            and _finite(previous["estimate"]) is not None
        ):
            change = latest["estimate"] - previous["estimate"]
            se = math.hypot(_finite(latest.get("se")) or 0.0, _finite(previous.get("se")) or 0.0)
            significant = bool(se and abs(change) > 1.96 * se)
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
                "significant": significant,
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

    out_rows = []
    for category, per_year in sorted(counts.items(), key=lambda kv: -kv[1].get(last, 0)):
        series = [per_year.get(y, 0) for y in years]
        out_rows.append(
            {
                "category": category,
                "label": labels.get(category, category),
                "counts": series,
                "rate": rate(series[-1], last) if years else None,
                "change": (series[-1] - series[-2]) if len(series) > 1 else None,
            }
        )
    totals = [sum(per_year.get(y, 0) for per_year in counts.values()) for y in years]
    return {
        "years": years,
        "rows": out_rows,
        "total": {
            "counts": totals,
            "rates": [rate(t, y) for t, y in zip(totals, years, strict=True)],
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
    from django.utils.translation import gettext as _

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
    }


def dashboard_rows(run, *, areas) -> list[dict]:
    """The ranked table: one row per area in ``areas`` (a queryset the user may see)."""
    table = run_table(run, "priorities")
    if table.is_empty():
        return []
    # The rows carry their area for the map, which draws the simplified boundary.
    by_code = {a.code: a for a in areas.defer("geometry")}
    survey = run_table(run, "survey_indices")
    year = run.year
    survey_year = run.run_record.get("survey_year")
    problem = {}
    if not survey.is_empty() and survey_year:
        sub = survey.filter((pl.col("index") == "problem_index") & (pl.col("year") == survey_year))
        problem = {
            r["area_code"]: (_finite(r["estimate"]), _finite(r["ci_low"]), _finite(r["ci_high"]))
            for r in sub.iter_rows(named=True)
        }
    rates = run_table(run, "crime_rates")
    crime = {}
    if not rates.is_empty():
        sub = (
            rates.filter(pl.col("year") == year)
            .group_by("area_code")
            .agg(pl.col("count").sum(), pl.col("population").first())
        )
        crime = {
            r["area_code"]: (
                int(r["count"]),
                r["count"] / r["population"] * 1000 if _finite(r["population"]) else None,
            )
            for r in sub.iter_rows(named=True)
        }
    hotspots = run_table(run, "hotspots")
    hot = {}
    if not hotspots.is_empty():
        if "level" in hotspots.columns:
            hotspots = hotspots.filter(pl.col("level") == "area")
        hot = dict(zip(hotspots["unit"].to_list(), hotspots["class"].to_list(), strict=True))
    labels = _component_labels()
    codes = _component_codes(table)
    out = []
    for row in table.iter_rows(named=True):
        area = by_code.get(row["area_code"])
        if area is None:
            continue
        p = problem.get(row["area_code"], (None, None, None))
        c = crime.get(row["area_code"], (None, None))
        out.append(
            {
                "area": area,
                "code": row["area_code"],
                "name": area.name,
                "district": area.parent.name if area.parent_id else "",
                "rank": row["rank"],
                "rank_low": row["rank_low"],
                "rank_high": row["rank_high"],
                "score": _finite(row["score"]),
                "problem_index": p[0],
                "problem_low": p[1],
                "problem_high": p[2],
                "crimes": c[0],
                "crime_rate": c[1],
                "hotspot": hot.get(row["area_code"]),
                "hotspot_label": hotspot_label(hot.get(row["area_code"])),
                "missing": row.get("missing") or "",
                "components": [
                    {
                        "code": code,
                        "label": labels.get(code, code),
                        "z": _finite(row.get(f"{code}_z")),
                        "bar": z_bar(_finite(row.get(f"{code}_z"))),
                    }
                    for code in codes
                ],
            }
        )
    return out


def dashboard_map(rows: list[dict], *, run) -> tuple[dict, dict]:
    """GeoJSON of the rows' areas with a fill colour per layer, and the legends."""
    from trygg.analysis.questionnaire import standard_questionnaire
    from trygg.analysis.report import charts

    lang = _lang()
    q = survey_questionnaire(municipality=run.municipality) or standard_questionnaire()
    index_classes = charts.index_classes(q.colours, lang=lang)
    rate_classes, rate_keys = charts.quantile_classes(
        [r["crime_rate"] if r["crime_rate"] is not None else float("nan") for r in rows], lang=lang
    )
    rank_classes, rank_keys = charts.quantile_classes(
        [-r["rank"] if r["rank"] is not None else float("nan") for r in rows],
        lang=lang,
        palette=charts.SEQUENTIAL,
    )
    rate_colour = {c.key: c.colour for c in rate_classes}
    rank_colour = {c.key: c.colour for c in rank_classes}
    hot_colour = {c.key: c.colour for c in charts.HOTSPOT_CLASSES[lang]}
    features = []
    for i, row in enumerate(rows):
        colour = q.colour_of(row["problem_index"]) if row["problem_index"] is not None else None
        features.append(
            {
                "type": "Feature",
                "id": row["area"].id,
                "geometry": row["area"].map_geometry,
                "properties": {
                    "id": row["area"].id,
                    "name": row["name"],
                    "level": "area",
                    "fill_problem_index": colour.colour if colour else charts.NO_DATA,
                    "fill_crime_rate": rate_colour.get(rate_keys[i], charts.NO_DATA),
                    "fill_hotspots": hot_colour.get(row["hotspot"] or "", charts.NO_DATA),
                    "fill_rank": rank_colour.get(rank_keys[i], charts.NO_DATA),
                },
            }
        )
    # Rank classes were built on -rank so that rank 1 is darkest; label them by rank.
    ranks = sorted(r["rank"] for r in rows if r["rank"] is not None)
    rank_legend = []
    for c in rank_classes:
        members = [r["rank"] for r, k in zip(rows, rank_keys, strict=True) if k == c.key]
        if members:
            rank_legend.append({"colour": c.colour, "label": f"{min(members)}–{max(members)}"})
    legends = {
        "problem_index": [{"colour": c.colour, "label": c.label} for c in index_classes],
        "crime_rate": [{"colour": c.colour, "label": c.label} for c in rate_classes],
        "hotspots": [{"colour": c.colour, "label": c.label} for c in charts.HOTSPOT_CLASSES[lang]],
        "rank": sorted(rank_legend, key=lambda e: int(e["label"].split("–")[0])) if ranks else [],
    }
    for legend in legends.values():
        for entry in legend:
            entry["swatch"] = (
                '<svg width="16" height="16" aria-hidden="true" focusable="false">'
                f'<rect width="16" height="16" fill="{entry["colour"]}" stroke="#4a5560"/></svg>'
            )
    return {"type": "FeatureCollection", "features": features}, legends


EXPORT_COLUMNS = (
    "rank", "rank_low", "rank_high", "code", "name", "district", "score",
    "problem_index", "problem_low", "problem_high", "crimes", "crime_rate", "hotspot",
)  # fmt: skip


def dashboard_export_table(rows: list[dict]) -> pl.DataFrame:
    """The dashboard's table as it is downloaded (only the rows the user sees)."""
    codes = [c["code"] for c in rows[0]["components"]] if rows else []
    data = {col: [r[col] for r in rows] for col in EXPORT_COLUMNS}
    for i, code in enumerate(codes):
        data[f"{code}_z"] = [r["components"][i]["z"] for r in rows]
    return pl.DataFrame(data, strict=False)


def run_for_year(user, *, municipality, year: int):
    """The run that speaks for one year: the year's latest published run, else its latest
    run; for a year no run was made for, the newest run whose tables hold that year."""
    runs = analysis_runs_for_user(user).filter(municipality=municipality)
    own = runs.filter(year=year).order_by("-created_at")
    published = own.filter(
        publication__isnull=False, publication__withdrawn_at__isnull=True
    ).first()
    if published is not None:
        return published
    if (latest := own.first()) is not None:
        return latest
    for run in runs.order_by("-created_at")[:20]:
        if year in run_years(run):
            return run
    return None


def comparison_years_for_user(user, *, municipality) -> list[int]:
    """Every year a run of the municipality was made for or holds in its tables."""
    runs = analysis_runs_for_user(user).filter(municipality=municipality)
    years = set(runs.values_list("year", flat=True))
    latest = runs.order_by("-created_at").first()
    if latest is not None:
        years |= set(run_years(latest))
    return sorted(years, reverse=True)


def _year_values(run, year: int) -> tuple[dict, dict]:
    """Problem index and crime rate per area in one year, from one run's tables."""
    problem: dict[str, float | None] = {}
    crime: dict[str, float | None] = {}
    if run is None:
        return problem, crime
    survey = run_table(run, "survey_indices")
    if not survey.is_empty():
        sub = survey.filter((pl.col("index") == "problem_index") & (pl.col("year") == year))
        problem = {r["area_code"]: _finite(r["estimate"]) for r in sub.iter_rows(named=True)}
    rates = run_table(run, "crime_rates")
    if not rates.is_empty():
        sub = (
            rates.filter(pl.col("year") == year)
            .group_by("area_code").agg(pl.col("count").sum(), pl.col("population").first())
        )  # fmt: skip
        crime = {
            r["area_code"]: (
                r["count"] / r["population"] * 1000 if _finite(r["population"]) else None
            )
            for r in sub.iter_rows(named=True)
        }
    return problem, crime


def year_comparison(run_a, *, areas, year_a: int, year_b: int, run_b=None) -> list[dict]:
    """Problem index and crime rate of every area in two years: ``year_a`` from ``run_a``'s
    tables, ``year_b`` from ``run_b``'s (the same run when not given)."""
    problem_a, crime_a = _year_values(run_a, year_a)
    problem_b, crime_b = _year_values(run_b if run_b is not None else run_a, year_b)
    out = []
    for area in areas:
        pa, pb = problem_a.get(area.code), problem_b.get(area.code)
        ca, cb = crime_a.get(area.code), crime_b.get(area.code)
        out.append(
            {
                "area": area,
                "problem_a": pa,
                "problem_b": pb,
                "problem_change": (pb - pa) if pa is not None and pb is not None else None,
                "crime_a": ca,
                "crime_b": cb,
                "crime_change": (cb - ca) if ca is not None and cb is not None else None,
            }
        )
    return out


def run_years(run) -> list[int]:
    years: set[int] = set()
    for name in ("survey_indices", "crime_rates"):
        table = run_table(run, name)
        if not table.is_empty():
            years |= set(table["year"].unique().to_list())
    return sorted(years, reverse=True)


def runs_comparison(run_a, run_b, *, areas) -> list[dict]:
    """Rank and score of every area in two runs (e.g. other weights) side by side."""
    a = {r["code"]: r for r in dashboard_rows(run_a, areas=areas)}
    b = {r["code"]: r for r in dashboard_rows(run_b, areas=areas)}
    out = []
    for code in sorted(set(a) | set(b), key=lambda c: (a.get(c, {}).get("rank") or 10**6, c)):
        ra, rb = a.get(code, {}), b.get(code, {})
        rank_a, rank_b = ra.get("rank"), rb.get("rank")
        out.append(
            {
                "name": (ra or rb)["name"],
                "area": (ra or rb)["area"],
                "rank_a": rank_a,
                "interval_a": (ra.get("rank_low"), ra.get("rank_high")),
                "rank_b": rank_b,
                "interval_b": (rb.get("rank_low"), rb.get("rank_high")),
                "moved": (rank_a - rank_b) if rank_a is not None and rank_b is not None else None,
            }
        )
    return out


def area_operations_for_user(user, *, area: Area):
    """Planned and active operations in the area (or in its areas, for a district)."""
    from trygg.interventions.models import OperationStatus
    from trygg.interventions.selectors import operations_for_user

    return list(
        operations_for_user(user)
        .filter(areas__in=Area.objects.filter(pk=area.pk) | Area.objects.filter(parent=area))
        .filter(status__in=[OperationStatus.PLANNED, OperationStatus.ACTIVE])
        .distinct()
        .order_by("starts_on")
    )


def area_promises(user, *, area: Area, operations) -> list:
    """Citizen promises of the area's municipality that the user may see: those behind the
    area's operations first, then the other current ones."""
    from django.utils import timezone

    from trygg.interventions.models import CitizenPromise
    from trygg.interventions.selectors import promises_for_user

    today = timezone.localdate()
    visible = promises_for_user(user) if user.can(Capability.MANAGE_OPERATIONS) else None
    promises = (
        visible if visible is not None else CitizenPromise.objects.filter(is_public=True)
    ).filter(municipality=area.municipality, ends_on__gte=today)
    linked = set(
        promises.filter(operations__in=[o.pk for o in operations]).values_list("pk", flat=True)
    )
    ordered = sorted(promises.distinct(), key=lambda p: (p.pk not in linked, p.starts_on))
    for promise in ordered:
        promise.in_area = promise.pk in linked
    return ordered


# --------------------------------------------------------------------------------------
# The area page: reported crime on an H3 grid, and the area's tables as downloads
# --------------------------------------------------------------------------------------

#: Hexagons of about 0.1 km² (edge 175 m): streets and squares, not single addresses.
AREA_H3_RESOLUTION = 9


def area_crime_cells(
    user, *, area: Area, year: int | None = None, resolution: int = AREA_H3_RESOLUTION
) -> dict | None:
    """Reported crimes in the area in one year, counted per H3 cell, with the cells as
    GeoJSON for the map. Roles that only see published results get no count below
    ``TRYGG_PUBLIC_MIN_COUNT`` (the cell is shown as withheld)."""
    import h3
    import numpy as np
    from django.conf import settings
    from django.db.models.functions import ExtractYear

    from trygg.analysis import geo
    from trygg.analysis.report import charts
    from trygg.crime.models import ReportedCrime

    crimes = ReportedCrime.objects.filter(
        municipality=area.municipality, area__code__in=_codes_of(area)
    )
    restricted = not user.can(Capability.VIEW_REPORTS)
    if year is None and restricted:
        # Those who see published results only: the year the municipality last published.
        from .models import Publication

        year = (
            Publication.objects.filter(municipality=area.municipality, withdrawn_at=None)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
    if year is None:
        year = (
            crimes.annotate(y=ExtractYear("occurred_at")).order_by("-y").values_list("y", flat=True)
        ).first()
    if year is None:
        return None
    points = list(
        crimes.filter(occurred_at__year=year, lat__isnull=False, lon__isnull=False).values_list(
            "lat", "lon"
        )
    )
    min_count = settings.TRYGG_PUBLIC_MIN_COUNT if restricted else 1
    if not points:
        return {"year": year, "cells": [], "geojson": None, "legend": [], "min_count": min_count,
                "restricted": restricted, "total": 0, "resolution": resolution}  # fmt: skip
    lat, lon = (np.asarray(c, dtype=float) for c in zip(*points, strict=True))
    names = geo.h3_cell_names(geo.h3_cells(lat=lat, lon=lon, resolution=resolution))
    cells, counts = np.unique(names, return_counts=True)
    shown = [int(c) if c >= min_count else None for c in counts]
    classes, keys = charts.quantile_classes(
        [float("nan") if c is None else c for c in shown], lang=_lang()
    )
    colour = {c.key: c.colour for c in classes}
    rows, features = [], []
    for cell, count, key in sorted(
        zip(cells.tolist(), shown, keys, strict=True), key=lambda r: (-(r[1] or 0), r[0])
    ):
        centre = h3.cell_to_latlng(cell)
        ring = [[round(lng, 6), round(lat_, 6)] for lat_, lng in h3.cell_to_boundary(cell)]
        rows.append(
            {"cell": cell, "count": count, "lat": round(centre[0], 5), "lon": round(centre[1], 5)}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": {
                    "cell": cell,
                    "count": count,
                    "fill": colour.get(key, charts.NO_DATA),
                },
            }
        )
    legend = [{"colour": c.colour, "label": c.label} for c in classes]
    if restricted and any(r["count"] is None for r in rows):
        legend.append({"colour": charts.NO_DATA, "label": f"< {min_count}"})
    for entry in legend:
        entry["swatch"] = (
            '<svg width="16" height="16" aria-hidden="true" focusable="false">'
            f'<rect width="16" height="16" fill="{entry["colour"]}" stroke="#4a5560"/></svg>'
        )
    total = int(counts.sum())
    return {
        "year": year,
        "resolution": resolution,
        "cells": rows,
        "geojson": {"type": "FeatureCollection", "features": features},
        "legend": legend,
        "min_count": min_count,
        "restricted": restricted,
        # No total beside withheld cells: the difference would give their sum away.
        "total": None if any(c is None for c in shown) else total,
    }


AREA_TABLES = ("survey", "crime", "priority")


def area_export_table(stats: dict, table: str) -> pl.DataFrame:
    """One of the area page's tables as it is downloaded: the rows the page shows."""
    if table == "survey":
        rows = [
            {
                "index": s["index"],
                "label": s["label"],
                "year": y["year"],
                "estimate": None if y["suppressed"] else y["estimate"],
                "ci_low": None if y["suppressed"] else y["ci_low"],
                "ci_high": None if y["suppressed"] else y["ci_high"],
                "answers": None if y["suppressed"] else y["n"],
                "suppressed": y["suppressed"],
            }
            for s in stats["survey"]
            for y in s["years"]
        ]
        schema = ["index", "label", "year", "estimate", "ci_low", "ci_high", "answers",
                  "suppressed"]  # fmt: skip
    elif table == "crime":
        crime = stats["crime"]
        years = [str(y) for y in crime["years"]]
        rows = [
            {"category": r["category"], "label": r["label"],
             **dict(zip(years, r["counts"], strict=True)),
             "rate_per_1000": r["rate"], "change": r["change"]}
            for r in crime["rows"]
        ]  # fmt: skip
        if crime["rows"]:
            rows.append(
                {"category": "total", "label": "",
                 **dict(zip(years, crime["total"]["counts"], strict=True)),
                 "rate_per_1000": crime["total"]["rates"][-1], "change": None}
            )  # fmt: skip
        schema = ["category", "label", *years, "rate_per_1000", "change"]
    elif table == "priority":
        priority = stats["priority"] or {"components": []}
        rows = [
            {
                "component": c["code"],
                "label": c["label"],
                "value": c["value"],
                "sd_from_average": c["z"],
                "contribution": c["contribution"],
                "weight": c["weight"],
            }
            for c in priority["components"]
        ]
        schema = ["component", "label", "value", "sd_from_average", "contribution", "weight"]
    else:
        raise ValueError(table)
    if not rows:
        return pl.DataFrame({name: [] for name in schema})
    return pl.DataFrame(rows, strict=False).select(schema)


def run_coverage(run: AnalysisRun, *, lang: str) -> dict:
    """What the run was built on (run.json's ``survey_items`` and ``components``) with the
    names a reader knows: index groups and items by their questionnaire texts, components by
    their labels, never their codes."""
    from trygg.analysis.priority import COMPONENTS
    from trygg.analysis.questionnaire import standard_questionnaire

    record = run.run_record or {}
    coverage = record.get("survey_items") or {}
    q = survey_questionnaire(municipality=run.municipality) or standard_questionnaire()

    def item_name(code: str) -> str:
        try:
            return q.item(code).text.get(lang)
        except KeyError:
            return code

    def group_name(code: str) -> str:
        if code in q.groups:
            return q.groups[code].get(lang)
        return COMPONENTS[code][0].get(lang) if code in COMPONENTS else code

    groups = [
        {
            "label": group_name(code),
            "status": entry.get("status"),
            "in_file": [item_name(c) for c in entry.get("in_file", [])],
            "missing": [item_name(c) for c in entry.get("missing", [])],
        }
        for code, entry in (coverage.get("groups") or {}).items()
    ]
    components = [
        {"label": COMPONENTS[code][0].get(lang) if code in COMPONENTS else code, **entry}
        for code, entry in (record.get("components") or {}).items()
    ]
    return {
        "min_items_share": coverage.get("min_items_share"),
        "groups": groups,
        "components": components,
    }
