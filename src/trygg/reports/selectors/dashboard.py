"""Results of a run across areas: the dashboard (table, map, export) and the comparison
of years and runs."""

from __future__ import annotations

import polars as pl

from trygg.surveys.selectors import survey_questionnaire

from .emerging import emerging_by_area, emerging_label
from .results import (
    _component_codes,
    _component_labels,
    _finite,
    _lang,
    hotspot_label,
    run_table,
    z_bar,
)
from .runs import analysis_runs_for_user


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
    emerging = emerging_by_area(run)
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
                "emerging": emerging.get(row["area_code"]),
                "emerging_label": emerging_label(emerging.get(row["area_code"])),
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


def index_colour_classes(municipality):
    """The questionnaire's classes of the 0–6 index for ``municipality`` (its own
    questionnaire, else the standard one): ``code, below, colour, label``."""
    from trygg.analysis.questionnaire import standard_questionnaire

    q = survey_questionnaire(municipality=municipality) or standard_questionnaire()
    return q.colours


def dashboard_map(rows: list[dict], *, run) -> tuple[dict, dict]:
    """GeoJSON of the rows' areas with a fill colour per layer, and the legends."""
    from trygg.analysis.questionnaire import standard_questionnaire
    from trygg.analysis.report import charts
    from trygg.analysis.report.emerging import EMERGING_CLASSES

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
    emerging_colour = {c.key: c.colour for c in EMERGING_CLASSES[lang]}
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
                    "fill_emerging": emerging_colour.get(row["emerging"] or "", charts.NO_DATA),
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
    present = {r["emerging"] for r in rows if r["emerging"]}
    if present:
        legends["emerging"] = [
            {"colour": c.colour, "label": c.label}
            for c in EMERGING_CLASSES[lang]
            if c.key in present
        ]
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
    "emerging",
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
    from .changes import year_comparison_changes

    run_b = run_b if run_b is not None else run_a
    problem_a, crime_a = _year_values(run_a, year_a)
    problem_b, crime_b = _year_values(run_b, year_b)
    # Each change is tested (survey: design-based; crime: exact), never a raw difference.
    changes = year_comparison_changes(run_a, run_b, year_a=year_a, year_b=year_b)
    out = []
    for area in areas:
        change = changes.get(area.code, {})
        out.append(
            {
                "area": area,
                "problem_a": problem_a.get(area.code),
                "problem_b": problem_b.get(area.code),
                "problem_change": change.get("problem"),
                "crime_a": crime_a.get(area.code),
                "crime_b": crime_b.get(area.code),
                "crime_change": change.get("crime"),
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
