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
the outcome per resident and by population. :func:`select_comparison_areas` first leaves
out areas that had an operation of their own in the evaluated period (always) and the other
priority areas (when enough candidates remain), and says which rule applied.

An operation is evaluated over three periods (:func:`evaluation_periods`): before, during
and after, in whole ISO weeks; a week counts once it is over. :func:`describe_effect` turns
an estimate into the parts of a plain sentence ("fell 8 % more than in comparable areas");
the words themselves are the caller's (translated there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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
    """Counts per week for a set of areas: ``events`` has ``area_code, week`` (the Monday),
    one row per event, or already counted with a column ``n``."""
    wanted = set(areas)
    index = {w: i for i, w in enumerate(weeks)}
    out = np.zeros(len(weeks), dtype=float)
    if events.height == 0 or not wanted:
        return out
    count = pl.col("n").sum() if "n" in events.columns else pl.len()
    counts = (
        events.filter(pl.col("area_code").is_in(list(wanted)))
        .group_by("week")
        .agg(count.alias("n"))
    )
    for week, n in counts.iter_rows():
        if week in index:
            out[index[week]] = n
    return out


# --------------------------------------------------------------------------- comparison

PriorityRule = Literal["excluded", "kept_too_few", "none"]


@dataclass(frozen=True)
class ComparisonChoice:
    """The comparison areas of one operation, and which exclusion rules were applied.

    ``busy``: candidate areas left out because they had an operation of their own in the
    period. ``priority``: the other priority areas; ``priority_rule`` says whether they were
    left out (``excluded``), kept because too few candidates would remain
    (``kept_too_few``), or there were none to leave out (``none``).
    """

    areas: list[str]
    busy: list[str]
    priority: list[str]
    priority_rule: PriorityRule


def select_comparison_areas(
    areas: pl.DataFrame,
    *,
    treated: Sequence[str],
    busy: Sequence[str] = (),
    priority: Sequence[str] = (),
    k: int = 5,
    min_candidates: int | None = None,
) -> ComparisonChoice:
    """:func:`choose_comparison_areas` after the exclusions.

    Areas with their own operation overlapping the period (``busy``) are always left out:
    their development is not the development without an operation. The other priority
    areas (``priority``) are left out too when at least ``min_candidates`` (default ``k``)
    candidates remain; otherwise they stay, since a comparison among similar areas beats
    none.
    """
    treated_set = {str(a) for a in treated}
    inhabited = areas.filter(pl.col("population") > 0)
    codes = set(inhabited.get_column("area_code").to_list())
    busy_out = sorted((set(map(str, busy)) & codes) - treated_set)
    pool = codes - treated_set - set(busy_out)
    priority_out = sorted(set(map(str, priority)) & pool)
    needed = k if min_candidates is None else min_candidates
    rule: PriorityRule
    if not priority_out:
        rule = "none"
    elif len(pool) - len(priority_out) >= needed:
        rule = "excluded"
    else:
        rule = "kept_too_few"
    left_out = set(busy_out) | (set(priority_out) if rule == "excluded" else set())
    chosen = choose_comparison_areas(
        inhabited.filter(~pl.col("area_code").is_in(list(left_out))), treated=treated, k=k
    )
    return ComparisonChoice(areas=chosen, busy=busy_out, priority=priority_out, priority_rule=rule)


# --------------------------------------------------------------------------- periods

#: Default length of the before and after periods: as long as the operation, within these.
MIN_PERIOD_WEEKS = 8
MAX_PERIOD_WEEKS = 26


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Periods:
    """Mondays of the whole weeks of each period that are over (a week counts once its
    Sunday has passed), and the planned number of weeks of each."""

    start: date
    before: list[date]
    during: list[date]
    after: list[date]
    planned_before: int
    planned_during: int
    planned_after: int

    @property
    def during_running(self) -> bool:
        return len(self.during) < self.planned_during

    @property
    def after_running(self) -> bool:
        return len(self.after) < self.planned_after

    @property
    def weeks(self) -> list[date]:
        return [*self.before, *self.during, *self.after]

    @property
    def first_after(self) -> date:
        return self.start + timedelta(weeks=self.planned_during)

    @property
    def window(self) -> tuple[date, date]:
        """The first and last day of the three periods as planned."""
        first = self.start - timedelta(weeks=self.planned_before)
        return first, self.first_after + timedelta(weeks=self.planned_after, days=-1)

    def period_of(self, week: date) -> str:
        if week < self.start:
            return "before"
        return "during" if week < self.first_after else "after"


def evaluation_periods(
    starts_on: date,
    ends_on: date,
    *,
    today: date,
    before_weeks: int | None = None,
    after_weeks: int | None = None,
) -> Periods:
    """Before: ``before_weeks`` whole weeks up to the week the operation starts in. During:
    the weeks from that week to the week it ends in. After: ``after_weeks`` weeks from the
    next. The before and after lengths default to the operation's own length, kept within
    :data:`MIN_PERIOD_WEEKS` and :data:`MAX_PERIOD_WEEKS`."""
    start = _monday(starts_on)
    during_weeks = (_monday(ends_on) - start).days // 7 + 1
    default = min(MAX_PERIOD_WEEKS, max(MIN_PERIOD_WEEKS, during_weeks))
    before_n = default if before_weeks is None else max(1, before_weeks)
    after_n = default if after_weeks is None else max(1, after_weeks)
    last_over = _monday(today) - timedelta(weeks=1)  # the latest week whose Sunday is past

    def weeks(first: date, n: int) -> list[date]:
        return [w for w in (first + timedelta(weeks=i) for i in range(n)) if w <= last_over]

    return Periods(
        start=start,
        before=weeks(start - timedelta(weeks=before_n), before_n),
        during=weeks(start, during_weeks),
        after=weeks(start + timedelta(weeks=during_weeks), after_n),
        planned_before=before_n,
        planned_during=during_weeks,
        planned_after=after_n,
    )


# --------------------------------------------------------------------------- words

Direction = Literal["fell", "rose", "unchanged"]


@dataclass(frozen=True)
class Effect:
    """The parts of the sentence about an estimate.

    ``direction``: how the operation areas themselves went (weekly rate, later period
    against before). ``relation``: ``more`` or ``less`` than the comparison areas in that
    direction, i.e. ``fell 8 % more`` is a rate ratio of 0.92 with a fall, ``rose 12 %
    less`` one of 0.88 with a rise. ``size``: ``|rate ratio - 1|`` in percent.
    ``verdict`` as in :class:`DidResult`; with ``too_thin`` the other parts are None.
    """

    verdict: Verdict
    direction: Direction | None
    relation: Literal["more", "less"] | None
    size: float | None
    low: float | None
    high: float | None


def describe_effect(result: DidResult) -> Effect:
    if result.verdict == "too_thin" or result.rate_ratio is None:
        return Effect(result.verdict, None, None, None, None, None)
    own = (result.treated_after / result.weeks_after) / (
        result.treated_before / result.weeks_before
    )
    direction: Direction = "fell" if own < 1 else "rose" if own > 1 else "unchanged"
    rr = result.rate_ratio
    # In a fall, a lower ratio is a bigger fall ("more"); in a rise, a smaller rise ("less").
    bigger = (rr > 1) if direction == "rose" else (rr < 1)
    relation: Literal["more", "less"] = "more" if bigger else "less"
    return Effect(
        verdict=result.verdict,
        direction=direction,
        relation=relation,
        size=abs(rr - 1) * 100.0,
        low=result.percent_low,
        high=result.percent_high,
    )


def indexed(series: Sequence[float] | np.ndarray, *, base: int) -> list[float | None]:
    """``series`` as an index: the mean of its first ``base`` values is 100 (None without
    a base to compare with)."""
    y = np.asarray(series, dtype=float)
    mean = y[:base].mean() if base else 0.0
    if not mean > 0:
        return [None] * len(y)
    return [float(v) for v in y * 100.0 / mean]
