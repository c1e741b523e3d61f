"""The analysis on loaded tables: one function per step, :func:`run_analysis_on_tables`
runs them in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from os.path import commonpath
from typing import Any

import numpy as np
import polars as pl

from .. import crime as crime_mod
from .. import hotspots as hotspot_mod
from .. import priority as priority_mod
from .. import survey as survey_mod
from ..areas_io import AreaFeature, parse_areas
from ..crime.schema import LOCAL_TIME_ZONE
from ..geo import AreaLocator, h3_cells, h3_cells_covering
from ..questionnaire import Questionnaire, Text, standard_questionnaire
from ..weighting import rake
from .params import (
    EMERGING_COLUMNS,
    EMERGING_YEAR_COLUMNS,
    SURVEY_INDEX_COLUMNS,
    AnalysisInputs,
    AnalysisParams,
    AnalysisResults,
    Progress,
    _Steps,
)


def _leaf_features(areas: dict) -> dict:
    features = areas.get("features") or []
    parents = {
        str((f.get("properties") or {}).get("parent_code"))
        for f in features
        if (f.get("properties") or {}).get("parent_code") not in (None, "")
    }
    leaves = [f for f in features if str((f.get("properties") or {}).get("code")) not in parents]
    return {"type": "FeatureCollection", "features": leaves}


def _municipality_code(codes: list[str]) -> str:
    prefix = commonpath(codes) if codes else ""
    if len(prefix) >= 4 and prefix[:4].isdigit():
        return prefix[:4]
    return prefix or "total"


@dataclass
class _Areas:
    """The areas of a run: the leaves (features no other feature names as parent) are what
    is analysed; districts only give the parents for the small-area estimates."""

    features: list[AreaFeature]
    leaves: dict
    codes: list[str]
    names: dict[str, str]
    parents: dict[str, str]


@dataclass
class _Survey:
    """The survey part of a run; empty (``year`` None) without answers."""

    indices: pl.DataFrame
    changes: pl.DataFrame | None = None
    raking: pl.DataFrame | None = None
    year: int | None = None
    items: dict[str, Any] = field(default_factory=dict)


def _areas(collection: dict, features: list[AreaFeature] | None = None) -> _Areas:
    if features is None:
        features = parse_areas(collection, file="areas") if collection else []
    leaves = _leaf_features(collection)
    codes = [str(f["properties"]["code"]) for f in leaves["features"]]
    by_code = {f.code: f for f in features}
    names = {c: (by_code[c].name if c in by_code else c) for c in codes}
    parents = {c: by_code[c].parent_code for c in codes if c in by_code and by_code[c].parent_code}
    return _Areas(features=features, leaves=leaves, codes=codes, names=names, parents=parents)


def _population(population: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The population table with typed keys, and its totals per area and year."""
    population = population.with_columns(
        pl.col("area_code").cast(pl.String), pl.col("year").cast(pl.Int32)
    )
    totals = population.group_by("area_code", "year").agg(
        pl.col("count").sum().cast(pl.Float64).alias("population")
    )
    return population, totals


def _crime_rates(
    placed: pl.DataFrame, *, pop_totals: pl.DataFrame, codes: list[str], year: int | None
) -> tuple[pl.DataFrame, list[int]]:
    """Rates per area, year and category over every year from the first with crimes to
    the last (and ``year``), and the years that have crimes."""
    counts = crime_mod.crime_counts(placed)
    crime_years = [int(y) for y in counts["year"].unique().sort().to_list()]
    years = list(range(min(crime_years), max(crime_years) + 1)) if crime_years else []
    if year is not None and year not in years:
        years = sorted({*years, year})
    rates = crime_mod.crime_rates(
        placed,
        population=pop_totals.filter(pl.col("area_code").is_in(codes)),
        years=years,
        counts=counts,
    )
    return rates, crime_years


def _analysis_year(wanted: int | None, crime_years: list[int]) -> int:
    """The year asked for, else the latest with crimes, else last year."""
    if wanted is not None:
        return wanted
    return max(crime_years) if crime_years else dt.date.today().year - 1


def _survey(
    responses: pl.DataFrame | None,
    *,
    questionnaire: Questionnaire,
    in_source: tuple[str, ...] | None,
    population: pl.DataFrame,
    areas: _Areas,
    total_code: str,
    year: int,
    trim_ratio: float | None,
    steps: _Steps,
) -> _Survey:
    """Raking weights, the indices per area, district and total with year-over-year
    changes, and the survey year reported with ``year`` (the latest up to it)."""
    if responses is None or not responses.height:
        return _Survey(indices=pl.DataFrame(schema={c: pl.String for c in SURVEY_INDEX_COLUMNS}))
    items = survey_mod.item_coverage(responses, questionnaire=questionnaire, in_source=in_source)
    survey_age = responses.schema["age_group"]
    categories_of = getattr(survey_age, "categories", None)
    allowed = [] if categories_of is None else list(categories_of)
    pop_survey = population.filter(pl.col("area_code").is_in(areas.codes))
    if allowed:
        pop_survey = pop_survey.filter(pl.col("age_group").cast(pl.String).is_in(allowed))
    raked = steps.run("weighting", lambda: rake(responses, pop_survey, trim_ratio=trim_ratio))
    indices = steps.run(
        "survey indices",
        lambda: survey_mod.estimate_indices(
            raked.weights, questionnaire=questionnaire, parents=areas.parents,
            total_code=total_code,
        ),
    )  # fmt: skip
    changes = steps.run("survey indices", lambda: survey_mod.year_over_year(indices))
    years_with = sorted(int(y) for y in indices["year"].unique().to_list())
    candidates = [y for y in years_with if y <= year]
    survey_year = candidates[-1] if candidates else (years_with[-1] if years_with else None)
    return _Survey(
        indices=indices, changes=changes, raking=raked.report, year=survey_year, items=items
    )


def _hotspots(
    rates: pl.DataFrame,
    placed: pl.DataFrame,
    *,
    locator: AreaLocator,
    year: int,
    params: AnalysisParams,
) -> pl.DataFrame:
    """Gi* on the areas' crime rate in ``year`` and, with ``params.h3_resolution``, on the
    H3 grid of the crimes' points; one table with a ``level`` column."""
    table = (
        rates.filter(pl.col("year") == year)
        .group_by("area_code")
        .agg(pl.col("count").sum(), pl.col("population").first())
        .with_columns(
            pl.when(pl.col("population") >= params.min_population)
            .then(pl.col("count") / pl.col("population") * 1000.0)
            .otherwise(0.0)
            .alias("rate")
        )
    )
    neighbours = locator.contiguity(kind=params.contiguity)
    frames = []
    if table["rate"].sum() > 0 and neighbours.n >= 3:
        area = hotspot_mod.area_hotspots(
            table=table, neighbours=neighbours, value_column="rate",
            permutations=params.permutations, seed=params.seed, alpha=params.alpha,
        )  # fmt: skip
        frames.append(area.with_columns(pl.lit("area").alias("level")))
    if params.h3_resolution is not None:
        in_year = placed.filter(
            pl.col("lat").is_not_null()
            & (pl.col("occurred_at").dt.convert_time_zone(LOCAL_TIME_ZONE).dt.year()
               == year)
        )  # fmt: skip
        lat, lon = in_year["lat"].to_numpy(), in_year["lon"].to_numpy()
        # Gi* needs three cells; a tiny municipality or one crime can give fewer.
        if in_year.height and _h3_units(lat, lon, params.h3_resolution, locator) >= 3:
            cells = hotspot_mod.h3_hotspots(
                lat=lat, lon=lon,
                resolution=params.h3_resolution, cover=list(locator.geometries),
                permutations=params.permutations, seed=params.seed, alpha=params.alpha,
            )  # fmt: skip
            frames.append(
                cells.drop("count").with_columns(
                    pl.lit(f"h3_{params.h3_resolution}").alias("level")
                )
            )
    if not frames:
        return pl.DataFrame(
            schema={"unit": pl.String, "value": pl.Float64, "gi": pl.Float64,
                    "gi_z": pl.Float64, "p_value": pl.Float64, "q_value": pl.Float64,
                    "class": pl.String, "draws": pl.Int64, "level": pl.String}
        )  # fmt: skip
    return pl.concat(frames, how="vertical_relaxed")


def _emerging(
    rates: pl.DataFrame,
    placed: pl.DataFrame,
    *,
    locator: AreaLocator,
    year: int,
    crime_years: list[int],
    params: AnalysisParams,
) -> tuple[pl.DataFrame, pl.DataFrame, list[int]]:
    """Emerging hot spots (:mod:`trygg.analysis.hotspots.emerging`) per area on the crime
    rate and, with ``params.h3_resolution``, per H3 cell on the crimes' points, over every
    year from the first with crimes to ``year``. Returns the summary, the yearly Gi* table
    (every area; for the grid only the cells with a pattern, a grid has many cells) and
    the years; all empty when the crimes span fewer than ``params.emerging_min_years``."""
    summary_schema = dict.fromkeys(EMERGING_COLUMNS, pl.String)
    years_schema = dict.fromkeys(EMERGING_YEAR_COLUMNS, pl.String)
    wanted = [y for y in crime_years if y <= year]
    span = list(range(min(wanted), year + 1)) if wanted else []
    neighbours = locator.contiguity(kind=params.contiguity)
    if len(span) < max(params.emerging_min_years, 1) or neighbours.n < 3:
        return pl.DataFrame(schema=summary_schema), pl.DataFrame(schema=years_schema), []
    table = (
        rates.filter(pl.col("year").is_in(span))
        .group_by("area_code", "year")
        .agg(pl.col("count").sum(), pl.col("population").first())
        .with_columns(
            pl.when(pl.col("population") >= params.min_population)
            .then(pl.col("count") / pl.col("population") * 1000.0)
            .otherwise(0.0)
            .fill_null(0.0)
            .alias("rate")
        )
    )
    units = [str(u) for u in neighbours.units]
    row_of = {u: i for i, u in enumerate(units)}
    values = np.zeros((len(units), len(span)))
    for code, y, rate in table.select("area_code", "year", "rate").iter_rows():
        if code in row_of:
            values[row_of[code], span.index(int(y))] = rate
    summaries, yearly = [], []
    area, area_years = hotspot_mod.emerging_hotspots(
        values=values, neighbours=neighbours, steps=span,
        permutations=params.permutations, seed=params.seed, alpha=params.alpha,
        min_steps=params.emerging_min_years,
    )  # fmt: skip
    summaries.append(area.with_columns(pl.lit("area").alias("level")))
    yearly.append(area_years.with_columns(pl.lit("area").alias("level")))
    if params.h3_resolution is not None:
        points = placed.filter(pl.col("lat").is_not_null()).with_columns(
            pl.col("occurred_at").dt.convert_time_zone(LOCAL_TIME_ZONE).dt.year().alias("__y")
        ).filter(pl.col("__y").is_in(span))  # fmt: skip
        lat, lon = points["lat"].to_numpy(), points["lon"].to_numpy()
        if points.height and _h3_units(lat, lon, params.h3_resolution, locator) >= 3:
            level = f"h3_{params.h3_resolution}"
            cells, cell_years = hotspot_mod.h3_emerging_hotspots(
                lat=lat, lon=lon, step=points["__y"].to_numpy(), steps=span,
                resolution=params.h3_resolution, cover=list(locator.geometries),
                permutations=params.permutations, seed=params.seed, alpha=params.alpha,
                min_steps=params.emerging_min_years,
            )  # fmt: skip
            marked = cells.filter(~pl.col("category").is_in(["no_pattern", "not_enough_steps"]))
            summaries.append(marked.with_columns(pl.lit(level).alias("level")))
            yearly.append(
                cell_years.filter(pl.col("unit").is_in(marked["unit"].implode())).with_columns(
                    pl.lit(level).alias("level")
                )
            )
    summary = pl.concat(summaries, how="vertical_relaxed").select(EMERGING_COLUMNS)
    years = (
        pl.concat(yearly, how="vertical_relaxed")
        .rename({"step": "year"})
        .select(EMERGING_YEAR_COLUMNS)
    )
    return summary, years, span


def _priorities(
    *,
    areas: _Areas,
    year: int,
    survey: _Survey,
    questionnaire: Questionnaire,
    rates: pl.DataFrame,
    trends: pl.DataFrame,
    pop_totals: pl.DataFrame,
    observations: pl.DataFrame | None,
    categories: crime_mod.CategoryTable,
    category_labels: dict[str, Any],
    params: AnalysisParams,
) -> priority_mod.PriorityResult:
    """Every component there is data for, then the ranking with its intervals."""
    codes = areas.codes
    comps: dict[str, priority_mod.ComponentData] = {}
    pop_year = _population_for(pop_totals, codes, year)
    if survey.year is not None:
        area_rows = survey.indices.filter(
            (pl.col("level") == survey_mod.LEVEL_AREA) & (pl.col("year") == survey.year)
        )
        item_labels = {i.code: i.text for i in questionnaire.items if i.group == "problem_index"}
        comps.update(
            priority_mod.survey_components(
                area_rows,
                areas=codes,
                draws=params.draws,
                seed=params.seed,
                item_labels=item_labels,
                parents=areas.parents,
                # Thin and unsurveyed areas where people live get the model's estimate.
                model=_align_population(pop_year, codes) >= params.min_population,
            )
        )
    counts = rates.filter(pl.col("year") == year).select("area_code", "category", "count")
    harm_w = categories.harm_weights()
    harm_w.update(params.harm_weights or {})
    comps.update(
        priority_mod.crime_components(
            counts,
            population=pop_year,
            areas=codes,
            harm_weights=harm_w,
            category_labels=category_labels,
            draws=params.draws,
            seed=params.seed,
            min_population=params.min_population,
        )
    )
    if trends.filter(pl.col("change_per_year").is_not_null()).height >= 2:
        comps["trend"] = priority_mod.trend_component(
            trends, areas=codes, draws=params.draws, seed=params.seed
        )
    if observations is not None:
        comps["observation_rate"] = priority_mod.observation_component(
            observations, population=pop_year, areas=codes,
            draws=params.draws, seed=params.seed, min_population=params.min_population,
        )  # fmt: skip
    return priority_mod.prioritise(
        areas=codes, components=comps, names=areas.names, weights=params.weights,
        interval=params.interval, seed=params.seed,
    )  # fmt: skip


def run_analysis_on_tables(
    inputs: AnalysisInputs,
    *,
    params: AnalysisParams | None = None,
    progress: Progress | None = None,
    _steps: _Steps | None = None,
) -> AnalysisResults:
    """Analyse loaded tables (see :class:`AnalysisInputs`); writes nothing."""
    params = params or AnalysisParams()
    steps = _steps or _Steps(progress)
    q = inputs.questionnaire or standard_questionnaire()
    categories = crime_mod.load_categories()

    areas = _areas(inputs.areas, inputs.area_features)
    locator = steps.run("areas", lambda: AreaLocator.from_geojson(areas.leaves, file="areas"))
    geometries = dict(zip(locator.codes.tolist(), locator.geometries.tolist(), strict=True))
    municipality_code = params.total_code or _municipality_code(areas.codes)
    municipality = params.municipality_name or str(inputs.areas.get("name") or municipality_code)
    population, pop_totals = _population(inputs.population)

    # Crime: rates per area, year and category; the analysis year follows from them.
    crimes = inputs.crimes
    placed = steps.run("place crimes", lambda: crime_mod.place_crimes(crimes, locator=locator))
    rates, crime_years = steps.run(
        "crime rates",
        lambda: _crime_rates(placed, pop_totals=pop_totals, codes=areas.codes, year=params.year),
    )
    rates = rates.filter(pl.col("area_code").is_in(areas.codes))
    year = _analysis_year(params.year, crime_years)
    harm = steps.run(
        "crime rates",
        lambda: crime_mod.harm_weighted_rates(rates, weights=params.harm_weights),
    )
    trends = steps.run(
        "trends",
        lambda: crime_mod.crime_trends(rates.filter(pl.col("year") <= year), by=("area_code",)),
    )
    crime_changes = steps.run(
        "trends",
        lambda: _crime_changes(
            rates.filter(pl.col("year") <= year), min_population=params.min_population,
            alpha=params.alpha,
        ),
    )  # fmt: skip

    survey = _survey(
        inputs.responses,
        questionnaire=q,
        in_source=inputs.survey_items,
        population=population,
        areas=areas,
        total_code=municipality_code,
        year=year,
        trim_ratio=params.trim_ratio,
        steps=steps,
    )
    hotspots = steps.run(
        "hot spots",
        lambda: _hotspots(rates, placed, locator=locator, year=year, params=params),
    )
    emerging, emerging_years, emerging_span = steps.run(
        "emerging hot spots",
        lambda: _emerging(
            rates, placed, locator=locator, year=year,
            crime_years=crime_years, params=params,
        ),
    )  # fmt: skip
    category_labels = {c.code: Text(c.name_sv, c.name_en) for c in categories.categories}
    priorities = steps.run(
        "priorities",
        lambda: _priorities(
            areas=areas,
            year=year,
            survey=survey,
            questionnaire=q,
            rates=rates,
            trends=trends,
            pop_totals=pop_totals,
            observations=inputs.observations,
            categories=categories,
            category_labels=category_labels,
            params=params,
        ),
    )
    responses = inputs.responses
    components = _component_status(
        priorities,
        params=params,
        survey_given=responses is not None and responses.height > 0,
        survey_year=survey.year,
        survey_items=survey.items,
        has_observations=inputs.observations is not None,
    )
    return AnalysisResults(
        params=params,
        year=int(year),
        survey_year=survey.year,
        municipality=municipality,
        municipality_code=municipality_code,
        areas=areas.features,
        area_codes=areas.codes,
        names=areas.names,
        geometries=geometries,
        survey_indices=survey.indices,
        survey_changes=survey.changes,
        raking=survey.raking,
        crime_rates=rates,
        harm=harm,
        trends=trends,
        hotspots=hotspots,
        priorities=priorities,
        questionnaire=q,
        category_labels=category_labels,
        timings=steps.timings,
        sources=dict(inputs.sources),
        counts={
            "areas": len(areas.codes),
            "crimes": int(crimes.height),
            "crimes_outside": int((placed["placement"] == "outside").sum()),
            "responses": int(responses.height) if responses is not None else 0,
        },
        survey_items=survey.items,
        components=components,
        crime_changes=crime_changes,
        emerging=emerging,
        emerging_years=emerging_years,
        emerging_span=emerging_span,
    )


def _crime_changes(rates: pl.DataFrame, *, min_population: int, alpha: float) -> pl.DataFrame:
    """The exact test of the rate's change between consecutive years per area and category,
    per area over all categories (``category`` "total") and for the municipality (area "")."""
    if rates.is_empty():
        return pl.DataFrame(
            schema={"area_code": pl.String, "category": pl.String}
            | {c: pl.Float64 for c in crime_mod.RATE_CHANGE_COLUMNS}
        )
    kwargs = {"min_population": min_population, "alpha": alpha}
    per_category = crime_mod.crime_rate_changes(rates, by=("area_code", "category"), **kwargs)
    per_area = crime_mod.crime_rate_changes(rates, by=("area_code",), **kwargs)
    total = crime_mod.crime_rate_changes(rates, by=(), **kwargs)
    return pl.concat(
        [
            per_category,
            per_area.with_columns(pl.lit("total").alias("category")),
            total.with_columns(pl.lit("").alias("area_code"), pl.lit("total").alias("category")),
        ],
        how="diagonal_relaxed",
    ).select("area_code", "category", *crime_mod.RATE_CHANGE_COLUMNS)


#: The survey index groups each survey component of the priorities is built from.
_COMPONENT_GROUPS = {
    "problem_index": ("problem_index",),
    "unsafety": ("worry_index", "unsafety_index"),
}


def _component_status(
    priorities: priority_mod.PriorityResult,
    *,
    params: AnalysisParams,
    survey_given: bool,
    survey_year: int | None,
    survey_items: dict[str, Any],
    has_observations: bool,
) -> dict[str, dict[str, Any]]:
    """Every priority component: ``used``, ``weight`` and, when it is not used, ``reason``
    (English; :mod:`trygg.analysis.report.render` words it for the report), so a component never
    leaves the ranking unsaid. Survey components also say which items they came from."""
    wanted = dict(priority_mod.DEFAULT_WEIGHTS, **(params.weights or {}))
    groups = survey_items.get("groups", {})
    out: dict[str, dict[str, Any]] = {}
    for code, weight in wanted.items():
        entry: dict[str, Any] = {
            "used": code in priorities.components,
            "weight": priorities.weights.get(code, 0.0),
        }
        reason = None
        if weight <= 0:
            reason = "weight_zero"
        elif code in _COMPONENT_GROUPS:
            mine = {g: groups[g] for g in _COMPONENT_GROUPS[code] if g in groups}
            if mine:
                entry["items"] = {
                    g: {"in_file": v["in_file"], "missing": v["missing"], "status": v["status"]}
                    for g, v in mine.items()
                }
            if not survey_given:
                reason = "no_survey"
            elif all(v["status"] == "absent" for v in mine.values()):
                reason = "no_items"
            elif survey_year is None:
                reason = "no_answers"
            elif not entry["used"]:
                reason = "all_suppressed"
        elif code == "trend" and not entry["used"]:
            reason = "too_few_trends"
        elif code == "observation_rate" and not has_observations:
            reason = "no_observations"
        elif not entry["used"]:
            reason = "no_values"
        if not entry["used"]:
            entry["reason"] = reason or "no_values"
        out[code] = entry
    return out


def _h3_units(lat: np.ndarray, lon: np.ndarray, resolution: int, locator: AreaLocator) -> int:
    """How many H3 cells the grid test would see: cells with crimes and cells covering the
    areas (as :func:`trygg.analysis.hotspots.h3_hotspots` builds them)."""
    events = h3_cells(lat=lat, lon=lon, resolution=resolution)
    cover = h3_cells_covering(geometries=list(locator.geometries), resolution=resolution)
    return int(np.union1d(events[events != 0], cover).size)


def _align_population(pop: pl.DataFrame, codes: list[str]) -> np.ndarray:
    lookup = dict(zip(pop["area_code"].to_list(), pop["population"].to_list(), strict=True))
    return np.array([float(lookup.get(c) or 0.0) for c in codes])


def _population_for(pop_totals: pl.DataFrame, codes: list[str], year: int) -> pl.DataFrame:
    """Each area's population in ``year``, else the nearest year it has (earlier on a tie)."""
    sub = pop_totals.filter(pl.col("area_code").is_in(codes)).with_columns(
        (pl.col("year") - year).abs().alias("__d"), (pl.col("year") > year).alias("__later")
    )
    return (
        sub.sort("area_code", "__d", "__later")
        .group_by("area_code")
        .first()
        .select("area_code", "population")
    )
