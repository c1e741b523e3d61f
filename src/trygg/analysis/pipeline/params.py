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
OUTPUT_FILES = (
    "survey_indices.csv",
    "crime_rates.csv",
    "hotspots.csv",
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
