"""The defaults of the ranking, the components it can use (labels and scales), and the
types that carry a component and a ranking."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..questionnaire import Text

__all__ = [
    "COMPONENTS",
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "DEFAULT_WEIGHTS",
    "ComponentData",
    "PriorityResult",
]


DEFAULT_DRAWS = 1000
DEFAULT_SEED = 2281
DEFAULT_INTERVAL = 0.90

#: Default weights. Perceived problems and harm count most: the survey is what residents
#: say, harm is what hurts most; the raw crime rate is dominated by theft and fraud, and a
#: trend is uncertain, so they count less. Observations only count once that feature has
#: data (an absent component's weight is simply not used).
DEFAULT_WEIGHTS: dict[str, float] = {
    "problem_index": 0.30,
    "unsafety": 0.15,
    "crime_rate": 0.15,
    "harm_rate": 0.25,
    "trend": 0.05,
    "observation_rate": 0.10,
}

#: Component code -> (label, scale). Labels are used in explanations and reports.
COMPONENTS: dict[str, tuple[Text, str]] = {
    "problem_index": (Text("problemindex", "problem index"), "linear"),
    "unsafety": (Text("oro och otrygghet", "worry and unsafety"), "linear"),
    "crime_rate": (
        Text("anmälda brott per 1 000 invånare", "reported crime per 1,000 residents"),
        "log",
    ),
    "harm_rate": (Text("skadeviktad brottslighet", "harm-weighted crime"), "log"),
    "trend": (Text("brottsutveckling", "crime trend"), "linear"),
    "observation_rate": (
        Text("observationer i lägesbilden", "observations in the situational picture"),
        "log",
    ),
}

_SURVEY_COMPONENTS = ("problem_index", "unsafety")
_CRIME_COMPONENTS = ("crime_rate", "harm_rate", "trend")


@dataclass
class ComponentData:
    """One component for the areas (in the order of ``prioritise(areas=...)``).

    ``value`` is the point estimate on the component's natural scale (NaN = missing);
    ``draws`` (``B × n``) its bootstrap replicates on the same scale, or ``None`` when it
    is taken as known; ``driver`` optionally names, per area, what drives it most (e.g. the
    problem item with the highest index) for the explanation.
    """

    value: np.ndarray
    draws: np.ndarray | None = None
    driver: list[Text | None] | None = None
    # True where the value is a model-based (synthetic small-area) estimate standing in
    # for a survey cell too thin to publish; such areas are marked in ``modelled``.
    modelled: np.ndarray | None = None


@dataclass
class PriorityResult:
    """The ranking. ``table`` has one row per area (ranked areas first, by rank)."""

    table: pl.DataFrame
    weights: dict[str, float]
    components: tuple[str, ...]
    draws: int
    interval: float
    seed: int | None
    summary: dict = field(default_factory=dict)
