"""`trygg analyze`: from input files (or loaded tables) to the outputs of docs/analysis.md.

:func:`run_analysis` reads the files, :func:`run_analysis_on_tables` does the work on tables
already loaded (the Django side feeds these from the database for ``--from-db``), and
:func:`write_outputs` writes ``survey_indices.csv, crime_rates.csv, hotspots.csv,
priorities.csv, run.json, report.html, report.pdf``.

Nothing is written to ``out`` unless the whole run succeeds: every file goes to a
temporary folder next to ``out`` (same file system), which is then renamed into place. A
bad input raises :class:`~trygg.analysis.errors.InputError` (file, line, column, reason)
before anything is written at all.

Steps and their defaults (all recorded in ``run.json``):

* survey: raking to the population margins (sex, age group within area × year), weighted
  indices with design-based intervals, Fay–Herriot small-area estimates shrunk towards the
  parent district, suppression below the questionnaire's minimum n;
* crime: points placed in areas, counts and rates per 1,000 per area × year × category,
  yearly trend per area (quasi-Poisson), harm-weighted rate (category table weights);
* hot spots: Gi* on the areas' crime rate in the analysis year (queen contiguity, two-sided
  test under total randomisation with adaptive draws, Benjamini–Hochberg at ``alpha``;
  ADR 0012) and, with ``h3_resolution``, on the H3 grid;
* priorities: :mod:`trygg.analysis.priority` with bootstrap rank intervals.

Progress: ``progress(step, fraction)`` is called with ``fraction`` 0.0 when a step starts and
1.0 when it ends, so a CLI can draw one bar per step.

Pure Python: no Django import (the report renderer in :mod:`trygg.reports.render` is plain
Python too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from os.path import commonpath
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from . import crime as crime_mod
from . import hotspots as hotspot_mod
from . import priority as priority_mod
from . import survey as survey_mod
from .areas_io import AreaFeature, load_geojson, parse_areas, read_population
from .errors import InputError, RowProblem
from .geo import AreaLocator, h3_cells, h3_cells_covering
from .questionnaire import Questionnaire, load_questionnaire, standard_questionnaire
from .safe_csv import write_frame_csv
from .survey_io import load_responses
from .tables import LINE_COLUMN, read_csv_text
from .weighting import rake

__all__ = [
    "AnalysisInputs",
    "AnalysisParams",
    "AnalysisResults",
    "Progress",
    "read_observations",
    "run_analysis",
    "run_analysis_on_tables",
    "write_outputs",
]

Progress = Callable[[str, float], None]

SURVEY_INDEX_COLUMNS = (
    "area_code",
    "year",
    "index",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "method",
)
CRIME_RATE_COLUMNS = ("area_code", "year", "category", "count", "population", "rate_per_1000")
HOTSPOT_COLUMNS = ("unit", "gi_z", "p_value", "q_value", "class")
OUTPUT_FILES = (
    "survey_indices.csv",
    "crime_rates.csv",
    "hotspots.csv",
    "priorities.csv",
    "report.html",
    "report.pdf",
    "run.json",
)
_PACKAGES = ("trygg", "numpy", "polars", "duckdb", "scipy", "shapely", "h3", "weasyprint")


@dataclass
class AnalysisParams:
    """Parameters of a run (defaults documented in the module docstring)."""

    year: int | None = None
    lang: Literal["sv", "en"] = "sv"
    weights: dict[str, float] | None = None
    harm_weights: dict[str, float] | None = None
    # None: draws adapt to each unit (hotspots.gi_star); a number fixes them for every unit.
    permutations: int | None = None
    alpha: float = 0.05
    seed: int = priority_mod.DEFAULT_SEED
    h3_resolution: int | None = None
    contiguity: Literal["queen", "rook"] = "queen"
    draws: int = priority_mod.DEFAULT_DRAWS
    interval: float = priority_mod.DEFAULT_INTERVAL
    trim_ratio: float | None = 5.0
    min_population: int = 50
    municipality_name: str | None = None
    total_code: str | None = None
    pdf: bool = True

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["weights"] = dict(priority_mod.DEFAULT_WEIGHTS, **(self.weights or {}))
        data["hotspot_test"] = {
            "statistic": "Getis-Ord Gi*",
            "alternative": "two-sided",
            "randomisation": "total",
            "draws": "adaptive (999, then tenfold rounds up to the cap; column draws)"
            if self.permutations is None
            else f"fixed {self.permutations}",
            "multiple_testing": f"Benjamini-Hochberg, alpha {self.alpha}",
        }
        return data


@dataclass
class AnalysisInputs:
    """Loaded inputs. ``areas`` is a GeoJSON FeatureCollection (districts may be in it:
    the areas are the features no other feature names as parent); ``crimes`` a validated
    crime table (:data:`trygg.analysis.crime.CRIME_COLUMNS`; ``area_code`` or ``lat/lon``);
    ``responses`` the typed survey frame of :mod:`survey_io` (may be empty);
    ``population`` ``area_code, year, sex, age_group, count``; ``observations`` optional
    ``area_code, count`` (already placed and aggregated for the analysis year)."""

    areas: dict
    crimes: pl.DataFrame
    responses: pl.DataFrame | None
    population: pl.DataFrame
    observations: pl.DataFrame | None = None
    questionnaire: Questionnaire | None = None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Item codes the survey file has a column for; None: the items with an answer.
    survey_items: tuple[str, ...] | None = None


@dataclass
class AnalysisResults:
    """Everything the report and the CSV files need."""

    params: AnalysisParams
    year: int
    survey_year: int | None
    municipality: str
    municipality_code: str
    areas: list[AreaFeature]
    area_codes: list[str]
    names: dict[str, str]
    geometries: dict[str, Any]
    survey_indices: pl.DataFrame
    survey_changes: pl.DataFrame | None
    raking: pl.DataFrame | None
    crime_rates: pl.DataFrame
    harm: pl.DataFrame
    trends: pl.DataFrame
    hotspots: pl.DataFrame
    priorities: priority_mod.PriorityResult
    questionnaire: Questionnaire
    category_labels: dict[str, Any]
    timings: dict[str, float]
    sources: dict[str, dict[str, Any]]
    counts: dict[str, int]
    # survey.item_coverage() of the survey (empty without one): what each group came from.
    survey_items: dict[str, Any] = field(default_factory=dict)
    # Per priority component: used or not, its weight, and why it is missing.
    components: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Steps:
    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.timings: dict[str, float] = {}

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        if self.progress:
            self.progress(name, 0.0)
        start = time.perf_counter()
        value = fn()
        self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 4)
        if self.progress:
            self.progress(name, 1.0)
        return value


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source(path: Path) -> dict[str, Any]:
    return {"path": str(path), "name": path.name, "bytes": path.stat().st_size,
            "sha256": _sha256(path)}  # fmt: skip


def _leaf_features(areas: dict) -> dict:
    features = areas.get("features") or []
    parents = {
        str((f.get("properties") or {}).get("parent_code"))
        for f in features
        if (f.get("properties") or {}).get("parent_code") not in (None, "")
    }
    leaves = [f for f in features if str((f.get("properties") or {}).get("code")) not in parents]
    return {"type": "FeatureCollection", "features": leaves}


def read_observations(
    path: str | Path, *, locator: AreaLocator, year: int | None = None
) -> pl.DataFrame:
    """Observations CSV (FORMATS.md: ``id, observed_at, category, severity (1-3),
    lat, lon | area_code | place, group, text``) -> ``area_code, count`` per area, where
    ``count`` is the number of observations weighted by severity (1–3), for ``year`` (all
    years when None). Rows placed only by ``place`` (a named place) cannot be placed here
    and are left out. Every bad row is reported."""
    path = Path(path)
    frame, dialect = read_csv_text(path, required=("id", "observed_at", "category"))
    known = set(locator.codes.tolist())
    problems: list[RowProblem] = []
    codes: list[str | None] = []
    weights: list[float] = []
    lons: list[float] = []
    lats: list[float] = []
    need: list[int] = []
    cols = set(frame.columns)
    for row in frame.iter_rows(named=True):
        line = row[LINE_COLUMN]

        def bad(column: str, reason: str, line: int = line) -> None:
            problems.append(RowProblem(file=path.name, line=line, column=column, reason=reason))

        text = (row.get("observed_at") or "").strip()
        try:
            when = dt.date.fromisoformat(text[:10])
        except ValueError:
            bad("observed_at", f"'{text}' is not an ISO 8601 date")
            continue
        if year is not None and when.year != year:
            continue
        severity_text = (row.get("severity") or "1").strip() if "severity" in cols else "1"
        if severity_text not in ("1", "2", "3"):
            bad("severity", f"'{severity_text}' is not 1, 2 or 3")
            continue
        area = (row.get("area_code") or "").strip() if "area_code" in cols else ""
        lat_text = (row.get("lat") or "").strip() if "lat" in cols else ""
        lon_text = (row.get("lon") or "").strip() if "lon" in cols else ""
        if area:
            if area not in known:
                bad("area_code", f"unknown area code '{area}'")
                continue
            codes.append(area)
        elif lat_text or lon_text:
            try:
                lat = float(lat_text.replace(",", ".") if dialect.decimal_comma else lat_text)
                lon = float(lon_text.replace(",", ".") if dialect.decimal_comma else lon_text)
            except ValueError:
                bad("lat" if lat_text else "lon", "the coordinates are not numbers")
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                bad("lat", "the coordinates are out of range")
                continue
            need.append(len(codes))
            codes.append(None)
            lats.append(lat)
            lons.append(lon)
        else:
            continue
        weights.append(float(severity_text))
    if problems:
        raise InputError(problems)
    if need:
        located = locator.locate(np.array(lons), np.array(lats))
        for position, code in zip(need, located, strict=True):
            codes[position] = code
    table = pl.DataFrame({"area_code": codes, "count": weights}, schema={
        "area_code": pl.String, "count": pl.Float64})  # fmt: skip
    return table.drop_nulls("area_code").group_by("area_code").agg(pl.col("count").sum())


def run_analysis(
    *,
    areas: Path,
    crimes: Path,
    survey: Path | None,
    population: Path,
    out: Path,
    observations: Path | None = None,
    questionnaire: Path | None = None,
    year: int | None = None,
    lang: Literal["sv", "en"] = "sv",
    params: AnalysisParams | None = None,
    progress: Progress | None = None,
) -> AnalysisResults:
    """Read the input files, analyse, and write the outputs into ``out`` atomically.

    ``year``/``lang`` override ``params``. Raises :class:`InputError` for bad input (and
    writes nothing). Returns the results (the CLI prints the priority list from them).
    """
    params = params or AnalysisParams()
    if year is not None:
        params.year = year
    params.lang = lang
    steps = _Steps(progress)
    areas, crimes, population, out = Path(areas), Path(crimes), Path(population), Path(out)
    survey = Path(survey) if survey else None
    observations = Path(observations) if observations else None

    collection = steps.run("read areas", lambda: load_geojson(areas))
    features = steps.run("read areas", lambda: parse_areas(collection, file=areas.name))
    codes = {f.code for f in features}
    pop = steps.run("read population", lambda: read_population(population, known_area_codes=codes))
    q = load_questionnaire(questionnaire) if questionnaire else standard_questionnaire()
    leaves = _leaf_features(collection)
    leaf_codes = {str(f["properties"]["code"]) for f in leaves["features"]}
    responses = None
    survey_items = None
    if survey is not None:
        loaded = steps.run(
            "read survey",
            lambda: load_responses(survey, questionnaire=q, known_areas=leaf_codes),
        )
        responses = loaded.frame
        survey_items = tuple(sorted(set(loaded.item_columns.values())))
    crime_file = steps.run("read crimes", lambda: crime_mod.read_crimes(crimes, areas=leaf_codes))
    obs_table = None
    if observations is not None:
        locator = AreaLocator.from_geojson(leaves, file=areas.name)
        obs_table = steps.run(
            "read observations",
            lambda: read_observations(observations, locator=locator, year=params.year),
        )
    sources = {"areas": _source(areas), "population": _source(population),
               "crimes": _source(crimes)}  # fmt: skip
    if survey is not None:
        sources["survey"] = _source(survey)
    if observations is not None:
        sources["observations"] = _source(observations)
    if questionnaire is not None:
        sources["questionnaire"] = _source(Path(questionnaire))
    inputs = AnalysisInputs(
        areas=collection,
        crimes=crime_file.crimes,
        responses=responses,
        population=pop,
        observations=obs_table,
        questionnaire=q,
        sources=sources,
        survey_items=survey_items,
    )
    results = run_analysis_on_tables(inputs, params=params, progress=progress, _steps=steps)
    write_outputs(results, out, progress=progress, _steps=steps)
    return results


# --------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------


def _municipality_code(codes: list[str]) -> str:
    prefix = commonpath(codes) if codes else ""
    if len(prefix) >= 4 and prefix[:4].isdigit():
        return prefix[:4]
    return prefix or "total"


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

    features = parse_areas(inputs.areas, file="areas") if inputs.areas else []
    leaves = _leaf_features(inputs.areas)
    leaf_codes = [str(f["properties"]["code"]) for f in leaves["features"]]
    by_code = {f.code: f for f in features}
    names = {c: (by_code[c].name if c in by_code else c) for c in leaf_codes}
    parents = {
        c: by_code[c].parent_code for c in leaf_codes if c in by_code and by_code[c].parent_code
    }
    locator = steps.run("areas", lambda: AreaLocator.from_geojson(leaves, file="areas"))
    geometries = dict(zip(locator.codes.tolist(), locator.geometries.tolist(), strict=True))
    municipality_code = params.total_code or _municipality_code(leaf_codes)
    municipality = params.municipality_name or str(inputs.areas.get("name") or municipality_code)

    population = inputs.population.with_columns(
        pl.col("area_code").cast(pl.String), pl.col("year").cast(pl.Int32)
    )
    pop_totals = population.group_by("area_code", "year").agg(
        pl.col("count").sum().cast(pl.Float64).alias("population")
    )

    # ---- crime
    crimes = inputs.crimes
    placed = steps.run("place crimes", lambda: crime_mod.place_crimes(crimes, locator=locator))
    crime_years: list[int] = []

    def rates_step() -> pl.DataFrame:
        counts = crime_mod.crime_counts(placed)
        counts_years = counts["year"].unique().sort().to_list()
        crime_years.extend(int(y) for y in counts_years)
        years = list(range(min(counts_years), max(counts_years) + 1)) if counts_years else []
        if params.year is not None and params.year not in years:
            years = sorted({*years, params.year})
        return crime_mod.crime_rates(
            placed,
            population=pop_totals.filter(pl.col("area_code").is_in(leaf_codes)),
            years=years,
            counts=counts,
        )

    rates = steps.run("crime rates", rates_step)
    rates = rates.filter(pl.col("area_code").is_in(leaf_codes))
    year = (
        params.year
        if params.year is not None
        else (max(crime_years) if crime_years else dt.date.today().year - 1)
    )
    harm = steps.run(
        "crime rates",
        lambda: crime_mod.harm_weighted_rates(rates, weights=params.harm_weights),
    )
    trends = steps.run(
        "trends",
        lambda: crime_mod.crime_trends(rates.filter(pl.col("year") <= year), by=("area_code",)),
    )

    # ---- survey
    survey_indices: pl.DataFrame | None = None
    survey_changes = None
    raking = None
    survey_year = None
    responses = inputs.responses
    survey_items: dict[str, Any] = {}
    if responses is not None and responses.height:
        survey_items = survey_mod.item_coverage(
            responses, questionnaire=q, in_source=inputs.survey_items
        )
        survey_age = responses.schema["age_group"]
        categories_of = getattr(survey_age, "categories", None)
        allowed = [] if categories_of is None else list(categories_of)
        pop_survey = population.filter(pl.col("area_code").is_in(leaf_codes))
        if allowed:
            pop_survey = pop_survey.filter(pl.col("age_group").cast(pl.String).is_in(allowed))
        raked = steps.run(
            "weighting",
            lambda: rake(responses, pop_survey, trim_ratio=params.trim_ratio),
        )
        raking = raked.report
        survey_indices = steps.run(
            "survey indices",
            lambda: survey_mod.estimate_indices(
                raked.weights, questionnaire=q, parents=parents, total_code=municipality_code
            ),
        )
        survey_changes = steps.run(
            "survey indices", lambda: survey_mod.year_over_year(survey_indices)
        )
        years_with = sorted(int(y) for y in survey_indices["year"].unique().to_list())
        candidates = [y for y in years_with if y <= year]
        survey_year = candidates[-1] if candidates else (years_with[-1] if years_with else None)
    if survey_indices is None:
        survey_indices = pl.DataFrame(schema={c: pl.String for c in SURVEY_INDEX_COLUMNS})

    # ---- hot spots
    def hotspot_step() -> pl.DataFrame:
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
                & (pl.col("occurred_at").dt.convert_time_zone(crime_mod.LOCAL_TIME_ZONE).dt.year()
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

    hotspots = steps.run("hot spots", hotspot_step)

    # ---- priorities
    category_labels = {c.code: _text(c.name_sv, c.name_en) for c in categories.categories}

    def priority_step() -> priority_mod.PriorityResult:
        comps: dict[str, priority_mod.ComponentData] = {}
        pop_year = _population_for(pop_totals, leaf_codes, year)
        if survey_year is not None:
            area_rows = survey_indices.filter(
                (pl.col("level") == survey_mod.LEVEL_AREA) & (pl.col("year") == survey_year)
            )
            item_labels = {i.code: i.text for i in q.items if i.group == "problem_index"}
            comps.update(
                priority_mod.survey_components(
                    area_rows,
                    areas=leaf_codes,
                    draws=params.draws,
                    seed=params.seed,
                    item_labels=item_labels,
                    parents=parents,
                    # Thin and unsurveyed areas where people live get the model's estimate.
                    model=_align_population(pop_year, leaf_codes) >= params.min_population,
                )
            )
        counts = rates.filter(pl.col("year") == year).select("area_code", "category", "count")
        harm_w = categories.harm_weights()
        harm_w.update(params.harm_weights or {})
        comps.update(
            priority_mod.crime_components(
                counts,
                population=pop_year,
                areas=leaf_codes,
                harm_weights=harm_w,
                category_labels=category_labels,
                draws=params.draws,
                seed=params.seed,
                min_population=params.min_population,
            )
        )
        if trends.filter(pl.col("change_per_year").is_not_null()).height >= 2:
            comps["trend"] = priority_mod.trend_component(
                trends, areas=leaf_codes, draws=params.draws, seed=params.seed
            )
        if inputs.observations is not None:
            comps["observation_rate"] = priority_mod.observation_component(
                inputs.observations, population=pop_year, areas=leaf_codes,
                draws=params.draws, seed=params.seed, min_population=params.min_population,
            )  # fmt: skip
        return priority_mod.prioritise(
            areas=leaf_codes, components=comps, names=names, weights=params.weights,
            interval=params.interval, seed=params.seed,
        )  # fmt: skip

    priorities = steps.run("priorities", priority_step)
    components = _component_status(
        priorities,
        params=params,
        survey_given=responses is not None and responses.height > 0,
        survey_year=survey_year,
        survey_items=survey_items,
        has_observations=inputs.observations is not None,
    )
    return AnalysisResults(
        params=params,
        year=int(year),
        survey_year=survey_year,
        municipality=municipality,
        municipality_code=municipality_code,
        areas=features,
        area_codes=leaf_codes,
        names=names,
        geometries=geometries,
        survey_indices=survey_indices,
        survey_changes=survey_changes,
        raking=raking,
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
            "areas": len(leaf_codes),
            "crimes": int(crimes.height),
            "crimes_outside": int((placed["placement"] == "outside").sum()),
            "responses": int(responses.height) if responses is not None else 0,
        },
        survey_items=survey_items,
        components=components,
    )


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
    (English; :mod:`trygg.reports.render` words it for the report), so a component never
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


def _text(sv: str, en: str):
    from .questionnaire import Text

    return Text(sv, en)


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


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_outputs(
    results: AnalysisResults,
    out: Path,
    *,
    progress: Progress | None = None,
    _steps: _Steps | None = None,
) -> dict[str, Path]:
    """Write the output files into ``out`` via a temporary folder next to it.

    An existing ``out`` is replaced only after every file has been written.
    """
    from trygg.reports.render import render_report_html, render_report_pdf

    steps = _steps or _Steps(progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:

        def csv_step() -> None:
            survey = results.survey_indices
            cols = [c for c in survey.columns if c in SURVEY_INDEX_COLUMNS]
            rest = [c for c in survey.columns if c not in SURVEY_INDEX_COLUMNS]
            # Area names are text people typed: written so that no spreadsheet runs them.
            write_frame_csv(survey.select(*cols, *rest), tmp / "survey_indices.csv")
            write_frame_csv(results.crime_rates.select(CRIME_RATE_COLUMNS), tmp / "crime_rates.csv")
            hs = results.hotspots
            write_frame_csv(
                hs.select(*HOTSPOT_COLUMNS, *[c for c in hs.columns if c not in HOTSPOT_COLUMNS]),
                tmp / "hotspots.csv",
            )
            write_frame_csv(results.priorities.table, tmp / "priorities.csv")

        steps.run("write tables", csv_step)
        html = steps.run(
            "report html", lambda: render_report_html(results, lang=results.params.lang)
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        if results.params.pdf:
            pdf = steps.run("report pdf", lambda: render_report_pdf(html))
            (tmp / "report.pdf").write_bytes(pdf)
        run = {
            "tool": "trygg analyze",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "year": results.year,
            "survey_year": results.survey_year,
            "municipality": results.municipality,
            "inputs": results.sources,
            "parameters": results.params.as_dict() | {"weights_used": results.priorities.weights},
            "versions": _versions(),
            "counts": results.counts,
            "survey_items": results.survey_items,
            "components": results.components,
            "timings_seconds": results.timings,
            "outputs": {
                p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
                for p in sorted(tmp.iterdir())
            },
        }
        (tmp / "run.json").write_text(
            json.dumps(run, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        backup = None
        if out.exists():
            backup = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            out.rename(backup)
        tmp.rename(out)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {name: out / name for name in OUTPUT_FILES if (out / name).exists()}
