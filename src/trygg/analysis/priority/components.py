"""Building the ranking's components from the analysis tables: survey indices (with
small-area estimates for thin areas), crime and harm rates, trends and observations, each
with bootstrap draws of its uncertainty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
from scipy import special

from ..questionnaire import Text
from ..smallarea import POOLED_GROUP, synthetic_for
from .defaults import DEFAULT_DRAWS, DEFAULT_SEED, ComponentData

__all__ = ["crime_components", "observation_component", "survey_components", "trend_component"]


def _align(frame: pl.DataFrame, areas: Sequence[str], column: str) -> np.ndarray:
    lookup = dict(
        zip(frame["area_code"].cast(pl.String).to_list(), frame[column].to_list(), strict=True)
    )
    return np.array(
        [np.nan if lookup.get(a) is None else float(lookup[a]) for a in areas], dtype=float
    )


def survey_components(
    estimates: pl.DataFrame,
    *,
    areas: Sequence[str],
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    item_labels: Mapping[str, Text] | None = None,
    parents: Mapping[str, str] | None = None,
    model: Sequence[bool] | np.ndarray | None = None,
) -> dict[str, ComponentData]:
    """``problem_index`` and ``unsafety`` from survey estimates of one year.

    ``estimates`` are area-level rows of :func:`trygg.analysis.survey.estimate_indices`
    (``area_code, index, estimate, se, suppressed``) for a single year. Suppressed cells
    are missing. ``unsafety`` is the mean of ``worry_index`` and ``unsafety_index`` where
    both exist, else the one that does. With ``item_labels`` (item code -> text) the
    problem item with the highest estimate in each area is named as the driver.

    ``model`` (a flag per area) lets an area without a published value (too few answers,
    or none) get the model-based estimate instead: the Fay–Herriot synthetic estimate of
    its district (``parents``), fitted on the published areas' direct estimates, with its
    wide MSE as the SE of its draws, so its rank interval shows how little is known. Its
    own few answers are not used (they are below the publication threshold). Such values
    are flagged in ``ComponentData.modelled``.
    """
    rng = np.random.default_rng(None if seed is None else [seed, 1])
    est = estimates.filter(~pl.col("suppressed").fill_null(False))
    wanted = np.zeros(len(areas), dtype=bool) if model is None else np.asarray(model, bool)

    def index(code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sub = est.filter(pl.col("index") == code)
        nan = np.full(len(areas), np.nan)
        if sub.is_empty():
            return nan, nan, np.zeros(len(areas), dtype=bool)
        value, se = _align(sub, areas, "estimate"), _align(sub, areas, "se")
        fill = wanted & ~np.isfinite(value)
        if fill.any() and {"direct_estimate", "direct_se"} <= set(sub.columns):
            direct = _align(sub, areas, "direct_estimate")
            direct_se = _align(sub, areas, "direct_se")
            labels = None
            if parents:
                labels = np.array([parents.get(a, POOLED_GROUP) for a in areas], dtype=object)
                targets = labels[fill]
            else:
                targets = np.full(int(fill.sum()), POOLED_GROUP, dtype=object)
            with np.errstate(invalid="ignore"):
                psi = np.where(fill, np.nan, direct_se**2)
            synthetic, mse = synthetic_for(np.where(fill, np.nan, direct), psi, labels, targets)
            value, se = value.copy(), se.copy()
            value[fill] = np.clip(synthetic, 0.0, 6.0)
            se[fill] = np.sqrt(mse)
            return value, se, fill & np.isfinite(value)
        return value, se, np.zeros(len(areas), dtype=bool)

    out: dict[str, ComponentData] = {}
    value, se, modelled = index("problem_index")
    if np.isfinite(value).any():
        out["problem_index"] = ComponentData(
            value, _normal_draws(rng, value, se, draws, 0, 6), modelled=modelled
        )
        if item_labels:
            out["problem_index"].driver = _top_item(est, areas, item_labels)
    worry, worry_se, worry_m = index("worry_index")
    unsafe, unsafe_se, unsafe_m = index("unsafety_index")
    both = np.isfinite(worry) & np.isfinite(unsafe)
    with np.errstate(invalid="ignore"):
        value = np.where(both, (worry + unsafe) / 2, np.where(np.isfinite(worry), worry, unsafe))
        se = np.where(
            both,
            np.sqrt(np.nan_to_num(worry_se) ** 2 + np.nan_to_num(unsafe_se) ** 2) / 2,
            np.where(np.isfinite(worry), worry_se, unsafe_se),
        )
    if np.isfinite(value).any():
        out["unsafety"] = ComponentData(
            value, _normal_draws(rng, value, se, draws, 0, 6), modelled=worry_m | unsafe_m
        )
    return out


def _top_item(
    est: pl.DataFrame, areas: Sequence[str], labels: Mapping[str, Text]
) -> list[Text | None]:
    items = est.filter(pl.col("index").is_in(list(labels)) & pl.col("estimate").is_not_null())
    if items.is_empty():
        return [None] * len(areas)
    top = items.sort("estimate", descending=True).group_by("area_code").first()
    lookup = dict(zip(top["area_code"].to_list(), top["index"].to_list(), strict=True))
    return [labels.get(lookup[a]) if a in lookup else None for a in areas]


def crime_components(
    counts: pl.DataFrame,
    *,
    population: pl.DataFrame,
    areas: Sequence[str],
    harm_weights: Mapping[str, float],
    category_labels: Mapping[str, Text] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    min_population: int = 50,
) -> dict[str, ComponentData]:
    """``crime_rate`` and ``harm_rate`` from one year's counts per area × category.

    ``counts`` has ``area_code, category, count``; ``population`` has ``area_code,
    population``. Areas with fewer than ``min_population`` residents get no rate (a handful
    of crimes in an industrial estate is not a rate). Draws are Poisson per area ×
    category, so both rates move together as they would if the year were replayed. With
    ``category_labels`` the category contributing most harm is named as the driver.
    """
    n = len(areas)
    pop = _align(population, areas, "population")
    ok = np.isfinite(pop) & (pop >= min_population)
    cats = sorted(set(counts["category"].to_list()))
    index = {a: i for i, a in enumerate(areas)}
    matrix = np.zeros((n, len(cats)))
    if cats:
        cat_index = {c: j for j, c in enumerate(cats)}
        sub = counts.filter(pl.col("area_code").is_in(list(areas)))
        rows = np.array([index[a] for a in sub["area_code"].to_list()], dtype=np.int64)
        cols = np.array([cat_index[c] for c in sub["category"].to_list()], dtype=np.int64)
        np.add.at(matrix, (rows, cols), sub["count"].to_numpy().astype(float))
    w = np.array([float(harm_weights.get(c, 0.0)) for c in cats])
    safe_pop = np.where(ok, pop, np.nan)
    rate = matrix.sum(axis=1) / safe_pop * 1000.0
    harm = matrix @ w / safe_pop * 1000.0 if cats else np.where(ok, 0.0, np.nan)
    rate_draws = harm_draws = None
    if draws:
        rng = np.random.default_rng(None if seed is None else [seed, 2])
        rate_draws, harm_draws = _poisson_rate_draws(rng, matrix, w, draws)
        rate_draws /= safe_pop
        rate_draws *= 1000.0
        harm_draws /= safe_pop
        harm_draws *= 1000.0
    out = {
        "crime_rate": ComponentData(rate, rate_draws),
        "harm_rate": ComponentData(harm, harm_draws),
    }
    if category_labels and cats:
        contribution = matrix * w
        top = contribution.argmax(axis=1)
        out["harm_rate"].driver = [
            category_labels.get(cats[top[i]]) if contribution[i].sum() > 0 else None
            for i in range(n)
        ]
    return out


#: Area × category cells with at least this expected count are drawn from the normal
#: approximation N(λ, λ), rounded to a whole count and floored at 0, instead of Poisson(λ).
#: Its 5th–95th percentiles match the Poisson's to the count from here on (λ = 10: 5–15 for
#: both), it is a sixth of the cost of numpy's Poisson sampler for such means, and the rank
#: intervals built on it are the same (tests/analysis/test_fast_paths.py).
NORMAL_APPROXIMATION_FROM = 10.0
# Draws per chunk; chunks are independent streams, so they can run on two threads.
_DRAW_CHUNK_VALUES = 4_000_000


def _poisson_rate_draws(
    rng: np.random.Generator, matrix: np.ndarray, w: np.ndarray, draws: int
) -> tuple[np.ndarray, np.ndarray]:
    """``draws × n`` replicates of each area's total count and harm (``Σ w·count``) when
    every area × category count is drawn as Poisson around the observed one.

    Categories with the same harm weight are merged first (a sum of independent Poisson
    counts is Poisson with the summed mean, so this is the same distribution with fewer
    draws: 13 shipped categories have 9 weights), and cells with a zero count, which
    always draw zero, are not drawn at all. Cells from :data:`NORMAL_APPROXIMATION_FROM`
    on are drawn from the rounded normal approximation. Draws come in chunks, each from
    its own stream spawned from ``rng`` (so the result depends on the seed only, not on
    the threads), two at a time.
    """
    n = matrix.shape[0]
    totals = np.zeros((draws, n))
    harm = np.zeros((draws, n))
    if matrix.size == 0 or draws <= 0:
        return totals, harm
    weights, group = np.unique(w, return_inverse=True)
    merged = np.zeros((n, len(weights)))
    for g in range(len(weights)):
        merged[:, g] = matrix[:, group == g].sum(axis=1)
    rows, cols = np.nonzero(merged > 0)
    if not len(rows):
        return totals, harm
    lam = merged[rows, cols]
    cell_w = weights[cols]
    # Cells come row by row, so each area's cells are one run for reduceat.
    areas, starts = np.unique(rows, return_index=True)
    large = lam >= NORMAL_APPROXIMATION_FROM
    small_lam, large_lam = lam[~large], lam[large]
    large_sd = np.sqrt(large_lam)
    chunk = max(1, _DRAW_CHUNK_VALUES // len(lam))
    bounds = [(start, min(draws, start + chunk)) for start in range(0, draws, chunk)]
    streams = rng.spawn(len(bounds))

    def fill(k: int) -> None:
        start, stop = bounds[k]
        local = streams[k]
        size = stop - start
        sample = np.empty((size, len(lam)))
        if len(small_lam):
            sample[:, ~large] = local.poisson(small_lam, size=(size, len(small_lam)))
        if len(large_lam):
            normal = local.standard_normal((size, len(large_lam)))
            normal *= large_sd
            normal += large_lam
            np.rint(normal, out=normal)
            sample[:, large] = np.maximum(normal, 0.0, out=normal)
        totals[start:stop, areas] = np.add.reduceat(sample, starts, axis=1)
        sample *= cell_w
        harm[start:stop, areas] = np.add.reduceat(sample, starts, axis=1)

    if len(bounds) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(fill, range(len(bounds))))
    else:
        fill(0)
    return totals, harm


def trend_component(
    trends: pl.DataFrame,
    *,
    areas: Sequence[str],
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    level: float = 0.95,
) -> ComponentData:
    """``trend`` from :func:`trygg.analysis.crime.crime_trends` per area
    (``change_per_year, ci_low, ci_high``); draws are normal on the log scale with the SE
    the interval implies. Areas without an estimable trend are missing."""
    change = _align(trends, areas, "change_per_year")
    low = _align(trends, areas, "ci_low")
    high = _align(trends, areas, "ci_high")
    z = special.ndtri(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = (np.log1p(high) - np.log1p(low)) / (2 * z)
        log_change = np.log1p(change)
    sample = None
    if draws:
        rng = np.random.default_rng(None if seed is None else [seed, 3])
        sample = np.expm1(_normal_draws(rng, log_change, se, draws, -np.inf, np.inf))
    return ComponentData(change, sample)


def observation_component(
    observations: pl.DataFrame,
    *,
    population: pl.DataFrame,
    areas: Sequence[str],
    draws: int = DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    min_population: int = 50,
) -> ComponentData:
    """``observation_rate``: observations per 1,000 residents (``area_code, count``,
    optionally already weighted by severity), with Poisson draws. Areas not in the table
    had no observations (0), areas without population are missing."""
    pop = _align(population, areas, "population")
    ok = np.isfinite(pop) & (pop >= min_population)
    count = np.nan_to_num(_align(observations, areas, "count"))
    safe_pop = np.where(ok, pop, np.nan)
    value = count / safe_pop * 1000.0
    sample = None
    if draws:
        rng = np.random.default_rng(None if seed is None else [seed, 4])
        sample = rng.poisson(count, size=(draws, len(areas))) / safe_pop * 1000.0
    return ComponentData(value, sample)


def _normal_draws(
    rng: np.random.Generator,
    value: np.ndarray,
    se: np.ndarray,
    draws: int,
    low: float,
    high: float,
) -> np.ndarray | None:
    if not draws:
        return None
    se = np.where(np.isfinite(se) & (se > 0), se, 0.0)
    sample = value + se * rng.standard_normal((draws, len(value)))
    return np.clip(sample, low, high)
