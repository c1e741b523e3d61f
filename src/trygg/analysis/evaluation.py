"""Before/after evaluation of an operation against comparison areas. Pure Python, no Django.

The estimate is a difference-in-differences on the log scale, the usual form for counts of
events: the ratio of ratios

    RR = (treated after / treated before) / (comparison after / comparison before)

with weekly rates, so unequal period lengths cancel. ``RR = 0.7`` reads "30 % fewer than
the comparison areas' development would predict". Its standard error is the Poisson one,
``sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb)``, inflated by the over-dispersion ``phi`` that the weekly
series themselves show (Pearson chi² over degrees of freedom, at least 1): observations come
in bursts, and a pure Poisson interval would be too narrow.

The verdict is plain language and honest about thin data: with fewer than ``min_count``
events in any of the four cells, or an interval wider than a factor ``max_width`` (it cannot
tell halving from doubling), the answer is "too thin to tell".

Comparison areas are chosen automatically (:func:`choose_comparison_areas`): the areas
outside the operation most like the operation's areas before it started, by the level of
the outcome per resident and by population.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl
from scipy import stats

Verdict = Literal["decrease", "increase", "no_clear_change", "too_thin"]
MIN_COUNT = 10
MAX_WIDTH = 3.0


@dataclass(frozen=True)
class DidResult:
    treated_before: int
    treated_after: int
    comparison_before: int
    comparison_after: int
    weeks_before: int
    weeks_after: int
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    dispersion: float
    verdict: Verdict
    level: float = 0.95

    @property
    def percent_change(self) -> float | None:
        return None if self.rate_ratio is None else 100.0 * (self.rate_ratio - 1.0)

    @property
    def percent_low(self) -> float | None:
        return None if self.ci_low is None else 100.0 * (self.ci_low - 1.0)

    @property
    def percent_high(self) -> float | None:
        return None if self.ci_high is None else 100.0 * (self.ci_high - 1.0)

    def as_dict(self) -> dict:
        return {
            "treated_before": self.treated_before,
            "treated_after": self.treated_after,
            "comparison_before": self.comparison_before,
            "comparison_after": self.comparison_after,
            "weeks_before": self.weeks_before,
            "weeks_after": self.weeks_after,
            "rate_ratio": self.rate_ratio,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "percent_change": self.percent_change,
            "dispersion": self.dispersion,
            "verdict": self.verdict,
            "level": self.level,
        }


def dispersion(*series: Sequence[float] | np.ndarray) -> float:
    """Pearson chi² / df pooled over weekly series, each against its own mean (>= 1)."""
    chi2, df = 0.0, 0
    for values in series:
        y = np.asarray(values, dtype=float)
        if y.size < 2 or y.mean() <= 0:
            continue
        chi2 += float(((y - y.mean()) ** 2 / y.mean()).sum())
        df += y.size - 1
    return max(1.0, chi2 / df) if df else 1.0


def difference_in_differences(
    treated_before: Sequence[float] | np.ndarray,
    treated_after: Sequence[float] | np.ndarray,
    comparison_before: Sequence[float] | np.ndarray,
    comparison_after: Sequence[float] | np.ndarray,
    *,
    level: float = 0.95,
    min_count: int = MIN_COUNT,
    max_width: float = MAX_WIDTH,
) -> DidResult:
    """The ratio-of-ratios estimate from weekly counts (one value per week and group)."""
    series = [np.asarray(s, dtype=float) for s in (treated_before, treated_after)]
    series += [np.asarray(s, dtype=float) for s in (comparison_before, comparison_after)]
    tb, ta, cb, ca = (round(float(s.sum())) for s in series)
    wb, wa = len(series[0]), len(series[1])
    if len(series[2]) != wb or len(series[3]) != wa:
        raise ValueError("treated and comparison series must cover the same weeks")
    phi = dispersion(*series)
    base = {
        "treated_before": tb,
        "treated_after": ta,
        "comparison_before": cb,
        "comparison_after": ca,
        "weeks_before": wb,
        "weeks_after": wa,
        "dispersion": phi,
        "level": level,
    }
    if wb == 0 or wa == 0 or min(tb, ta, cb, ca) == 0:
        return DidResult(**base, rate_ratio=None, ci_low=None, ci_high=None, verdict="too_thin")
    log_rr = math.log(ta / tb) - math.log(ca / cb)
    se = math.sqrt(phi * (1 / ta + 1 / tb + 1 / ca + 1 / cb))
    z = float(stats.norm.ppf(0.5 + level / 2))
    low, high = math.exp(log_rr - z * se), math.exp(log_rr + z * se)
    if min(tb, ta, cb, ca) < min_count or high / low > max_width**2:
        verdict: Verdict = "too_thin"
    elif high < 1.0:
        verdict = "decrease"
    elif low > 1.0:
        verdict = "increase"
    else:
        verdict = "no_clear_change"
    return DidResult(**base, rate_ratio=math.exp(log_rr), ci_low=low, ci_high=high, verdict=verdict)


def choose_comparison_areas(
    areas: pl.DataFrame, *, treated: Sequence[str], k: int = 5
) -> list[str]:
    """The ``k`` areas outside ``treated`` most like the treated areas before the operation.

    ``areas``: ``area_code, population, before`` (events in the period before). Areas are
    compared on log(events per 1,000 residents + 1) and log(population), each scaled by its
    spread over all areas; the distance is to the treated areas' mean profile. Areas without
    residents are left out.
    """
    frame = areas.filter(pl.col("population") > 0).with_columns(
        (pl.col("before") * 1000.0 / pl.col("population") + 1.0).log().alias("x_rate"),
        pl.col("population").cast(pl.Float64).log().alias("x_pop"),
    )
    if frame.height == 0:
        return []
    features = frame.select("x_rate", "x_pop").to_numpy()
    spread = features.std(axis=0)
    spread[spread == 0] = 1.0
    scaled = features / spread
    codes = frame.get_column("area_code").to_list()
    is_treated = np.array([c in set(treated) for c in codes])
    if not is_treated.any():
        return []
    target = scaled[is_treated].mean(axis=0)
    distance = np.sqrt(((scaled - target) ** 2).sum(axis=1))
    order = [i for i in np.argsort(distance, kind="stable") if not is_treated[i]]
    return [codes[i] for i in order[:k]]


def weekly_series(
    events: pl.DataFrame, *, areas: Sequence[str], weeks: Sequence[date]
) -> np.ndarray:
    """Counts per week for a set of areas: ``events`` has ``area_code, week`` (the Monday)."""
    wanted = set(areas)
    index = {w: i for i, w in enumerate(weeks)}
    out = np.zeros(len(weeks), dtype=float)
    if events.height == 0 or not wanted:
        return out
    counts = (
        events.filter(pl.col("area_code").is_in(list(wanted)))
        .group_by("week")
        .agg(pl.len().alias("n"))
    )
    for week, n in counts.iter_rows():
        if week in index:
            out[index[week]] = n
    return out
