"""The parameters, inputs and results of a run, and the step timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import polars as pl

from .. import priority as priority_mod
from ..areas_io import AreaFeature
from ..questionnaire import Questionnaire

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
#: Year-over-year changes (issue 16 item 5): the survey indices' design-based test and the
#: crime rates' exact test, between consecutive years.
SURVEY_CHANGE_COLUMNS = (
    "level", "area_code", "index", "year_from", "year_to", "estimate_from", "estimate_to",
    "difference", "se", "ci_low", "ci_high", "t", "df", "p_value", "significant",
    "suppressed",
)  # fmt: skip
EMERGING_COLUMNS = (
    "level", "unit", "category", "steps", "hot_steps", "cold_steps", "last_class",
    "trend_s", "trend_z", "trend_p",
)  # fmt: skip
EMERGING_YEAR_COLUMNS = ("level", "unit", "year", "value", "gi_z", "q_value", "class")
OUTPUT_FILES = (
    "survey_indices.csv",
    "survey_changes.csv",
    "crime_rates.csv",
    "crime_changes.csv",
    "hotspots.csv",
    "emerging_hotspots.csv",
    "emerging_hotspot_years.csv",
    "priorities.csv",
    "report.html",
    "report.pdf",
    "run.json",
)


@dataclass
class AnalysisParams:
    """Parameters of a run (defaults documented in :mod:`trygg.analysis.pipeline`)."""

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
    # Emerging hot spots need crimes in this many years up to the analysis year (ADR 0012).
    emerging_min_years: int = 3
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
            "emerging": "Gi* per year on the same weights, Mann-Kendall trend of the "
            f"z-values (alpha {self.alpha}), ArcGIS Pro's categories (90 % of the years); "
            f"at least {self.emerging_min_years} years",
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
    # ``parse_areas(areas)`` when the caller has it already (6,000 areas take seconds to
    # parse); None: parsed here.
    area_features: list[AreaFeature] | None = None


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
    # Change of the crime rate between consecutive years per area and category ("total":
    # all categories), area "" the whole municipality (crime.crime_rate_changes).
    crime_changes: pl.DataFrame | None = None
    # Emerging hot spots (hotspots.emerging): one row per unit and level (EMERGING_COLUMNS),
    # and Gi* per unit and year (EMERGING_YEAR_COLUMNS); empty with too few years.
    emerging: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=dict.fromkeys(EMERGING_COLUMNS, pl.String))
    )
    emerging_years: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=dict.fromkeys(EMERGING_YEAR_COLUMNS, pl.String))
    )
    # The years the emerging hot spots span (empty: not computed).
    emerging_span: list[int] = field(default_factory=list)


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
