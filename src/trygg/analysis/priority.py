"""Priority ranking: one score per area from standardised components, with rank intervals.

The seed's process is "the annual survey together with police statistics points out the
areas to prioritise". This module does that step, openly:

1. **Components.** Each is a number per area where higher means "needs more attention":

   ==================  ======================================================  ========
   code                what                                                    scale
   ==================  ======================================================  ========
   ``problem_index``   the survey's problem index (0–6, weighted, small-area)  linear
   ``unsafety``        mean of the worry and concrete-unsafety indices (0–6)   linear
   ``crime_rate``      reported crimes per 1,000 residents in the year         log
   ``harm_rate``       harm-weighted crimes per 1,000 residents                log
   ``trend``           yearly change of the crime rate over all years          linear
   ``observation_rate`` observations in the situational picture per 1,000      log
   ==================  ======================================================  ========

   Rates are standardised on the log scale (``log(1 + rate)``) because crime rates are
   skewed: one city centre with a shopping mall would otherwise set the whole scale.
2. **Standardisation.** Each component becomes a z-value: (value − mean over areas) / SD
   over areas, so "+1.8 SD" reads "1.8 standard deviations above the average area".
3. **Score.** The weighted mean of the z-values with :data:`DEFAULT_WEIGHTS` (or the
   caller's weights). An area that lacks a component (no survey answers published, no
   population for a rate, too few crimes for a trend) is scored on the components it has,
   with the weights renormalised, and flagged in ``missing``; a score built on less than
   ``min_weight_share`` of the total weight is not ranked.
4. **Rank intervals.** The ranking is recomputed on ``draws`` (default 1,000) bootstrap
   replicates: survey components are drawn from their estimate ± SE (normal, clipped to
   0–6; the SE is the design-based one, or √MSE for small-area estimates, so shrinkage and
   weighting are respected); crime counts are drawn as Poisson per area × category (the
   parametric bootstrap), from which the crime and harm rates follow; the trend from its
   interval (normal on the log scale); observation counts as Poisson. Standardisation uses
   the point estimates' mean and SD throughout, so a draw moves an area, not the scale.
   ``rank_low``–``rank_high`` is the ``interval`` (default 90 %: 5th–95th percentile)
   range of an area's rank over the draws, widened to include its point rank. Two areas
   whose intervals overlap much should not be told apart. Draws are seeded.
5. **Explanations.** For every area a sentence in Swedish and English naming the
   components that pull it up (and down), with their z-values.

Pure numpy/polars: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .questionnaire import Text

__all__ = [
    "COMPONENTS",
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "DEFAULT_WEIGHTS",
    "ComponentData",
    "PriorityResult",
    "crime_components",
    "format_weights",
    "observation_component",
    "prioritise",
    "survey_components",
    "trend_component",
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

    def csv_table(self) -> pl.DataFrame:
        """The ``priorities.csv`` columns (FORMATS.md first, then components and texts)."""
        return self.table


def format_weights(weights: Mapping[str, float], *, lang: str = "sv") -> str:
    """The weights as one line of text, for printing with the result."""
    parts = []
    for code, w in weights.items():
        label = COMPONENTS[code][0].get(lang) if code in COMPONENTS else code
        parts.append(f"{label} {_num(w, lang, 2)}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------
# Building components from the analysis tables
# --------------------------------------------------------------------------------------


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
    from .smallarea import POOLED_GROUP, synthetic_for

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
        from concurrent.futures import ThreadPoolExecutor

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
    from scipy import special

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


# --------------------------------------------------------------------------------------
# The ranking
# --------------------------------------------------------------------------------------


def _transform(code: str, x: np.ndarray) -> np.ndarray:
    scale = COMPONENTS[code][1] if code in COMPONENTS else "linear"
    if scale == "log":
        with np.errstate(invalid="ignore"):
            return np.log1p(np.maximum(x, 0.0))
    return x


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, per row; NaN scores get NaN. Ties: first in order."""
    scores = np.atleast_2d(scores)
    filled = np.where(np.isfinite(scores), scores, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    ranks = np.empty_like(order, dtype=float)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    ranks[~np.isfinite(scores)] = np.nan
    return ranks


def prioritise(
    *,
    areas: Sequence[str],
    components: Mapping[str, ComponentData],
    names: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    interval: float = DEFAULT_INTERVAL,
    min_weight_share: float = 0.25,
    seed: int | None = DEFAULT_SEED,
) -> PriorityResult:
    """Score and rank ``areas`` from ``components`` (see the module docstring).

    ``weights`` override :data:`DEFAULT_WEIGHTS` for the components they name (0 drops a
    component); only components present in ``components`` are used, and the weights used
    are renormalised to sum to 1 and returned in the result. Returns one row per area:
    ``area_code, rank, score, rank_low, rank_high``, then per component ``{code}`` (the
    value), ``{code}_z`` and ``{code}_contribution`` (weight × z, renormalised per area, so
    the contributions add up to the score), then ``name, missing, modelled, flagged,
    explanation_sv, explanation_en`` (``modelled``: components whose value is a
    model-based stand-in for a survey cell too thin to publish).
    """
    areas = [str(a) for a in areas]
    n = len(areas)
    merged = dict(DEFAULT_WEIGHTS)
    for code, w in (weights or {}).items():
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"weight for '{code}' must be a non-negative number")
        merged[code] = float(w)
    used = [c for c in merged if c in components and merged[c] > 0]
    used += [c for c in (weights or {}) if c in components and c not in used and merged[c] > 0]
    if not used:
        raise ValueError("no component with a positive weight to rank on")
    total = sum(merged[c] for c in used)
    w = np.array([merged[c] / total for c in used])

    z = np.full((len(used), n), np.nan)
    centre = np.zeros(len(used))
    spread = np.ones(len(used))
    for k, code in enumerate(used):
        x = _transform(code, np.asarray(components[code].value, dtype=float))
        finite = np.isfinite(x)
        if finite.sum() >= 2:
            centre[k] = x[finite].mean()
            sd = x[finite].std(ddof=1)
            spread[k] = sd if sd > 0 else 1.0
        elif finite.any():
            centre[k] = x[finite].mean()
        z[k] = (x - centre[k]) / spread[k]

    available = np.isfinite(z)
    weight_share = (w[:, None] * available).sum(axis=0)
    rankable = weight_share >= min_weight_share - 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        contribution = np.where(available, w[:, None] * z, 0.0) / weight_share
        score = np.where(rankable, contribution.sum(axis=0), np.nan)
    contribution = np.where(available & rankable, contribution, np.nan)
    rank = _ranks(score)[0]

    # Bootstrap: the same standardisation (point centre/spread) for every draw.
    n_draws = max((c.draws.shape[0] for c in components.values() if c.draws is not None), default=0)
    rank_low = rank.copy()
    rank_high = rank.copy()
    if n_draws:
        sums = np.zeros((n_draws, n))
        for k, code in enumerate(used):
            d = components[code].draws
            if d is None:
                zk = np.broadcast_to(z[k], (n_draws, n))
            else:
                zk = (_transform(code, np.asarray(d, dtype=float)) - centre[k]) / spread[k]
                # A draw never makes a missing component present, nor the reverse.
                zk = np.where(available[k], np.nan_to_num(zk, nan=0.0), 0.0)
            sums += w[k] * np.where(available[k], zk, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            draw_scores = np.where(rankable, sums / weight_share, np.nan)
        draw_ranks = _ranks(draw_scores)
        tail = (1 - interval) / 2 * 100
        ranked = draw_ranks[:, rankable]
        # Scores of rankable areas are finite in every draw, so the plain (vectorised)
        # percentile gives what nanpercentile would, without its per-column loop.
        percentile = np.nanpercentile if np.isnan(ranked).any() else np.percentile
        with np.errstate(invalid="ignore"):
            low = np.floor(percentile(ranked, tail, axis=0))
            high = np.ceil(percentile(ranked, 100 - tail, axis=0))
        rank_low[rankable] = np.minimum(low, rank[rankable])
        rank_high[rankable] = np.maximum(high, rank[rankable])

    names = dict(names or {})
    missing = [
        ";".join(code for k, code in enumerate(used) if not available[k, i]) for i in range(n)
    ]
    columns: dict[str, object] = {
        "area_code": areas,
        "rank": pl.Series(rank, dtype=pl.Float64).cast(pl.Int64, strict=False),
        "score": score,
        "rank_low": pl.Series(rank_low).cast(pl.Int64, strict=False),
        "rank_high": pl.Series(rank_high).cast(pl.Int64, strict=False),
    }
    for k, code in enumerate(used):
        columns[code] = np.asarray(components[code].value, dtype=float)
        columns[f"{code}_z"] = z[k]
        columns[f"{code}_contribution"] = contribution[k]
    modelled = [
        ";".join(
            code
            for k, code in enumerate(used)
            if available[k, i]
            and components[code].modelled is not None
            and bool(components[code].modelled[i])
        )
        for i in range(n)
    ]
    columns["name"] = [names.get(a, a) for a in areas]
    columns["missing"] = missing
    columns["modelled"] = modelled
    columns["flagged"] = [
        bool(m) or bool(e) or not r for m, e, r in zip(missing, modelled, rankable, strict=True)
    ]
    texts = {
        lang: [
            _explain(
                i,
                name=names.get(areas[i], areas[i]),
                rank=rank[i],
                low=rank_low[i],
                high=rank_high[i],
                used=used,
                z=z[:, i],
                contribution=contribution[:, i],
                missing=[c for k, c in enumerate(used) if not available[k, i]],
                modelled=[c for c in modelled[i].split(";") if c],
                components=components,
                lang=lang,
            )
            for i in range(n)
        ]
        for lang in ("sv", "en")
    }
    columns["explanation_sv"] = texts["sv"]
    columns["explanation_en"] = texts["en"]
    table = pl.DataFrame(columns, nan_to_null=True).sort(["rank", "area_code"], nulls_last=True)
    return PriorityResult(
        table=table,
        weights={c: float(merged[c] / total) for c in used},
        components=tuple(used),
        draws=n_draws,
        interval=interval,
        seed=seed,
        summary={
            "n_areas": n,
            "n_ranked": int(rankable.sum()),
            "n_flagged": int(sum(columns["flagged"])),  # type: ignore[arg-type]
        },
    )


# --------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------

_PHRASES = {
    "sv": {
        "rank": "{name} hamnar på plats {rank} (intervall {low}–{high}).",
        "unranked": "{name} rangordnas inte: för lite underlag.",
        "up": "Drar upp: {items}.",
        "down": "Drar ned: {items}.",
        "average": "Ligger nära genomsnittet i allt.",
        "missing": "Saknar underlag för {items}; värderas på resten.",
        "modelled": (
            "För få enkätsvar för {items}: modellskattning (stadsdelens eller kommunens "
            "nivå) med brett intervall."
        ),
        "driver": "främst {driver}",
        "and": " och ",
    },
    "en": {
        "rank": "{name} ranks {rank} (interval {low}–{high}).",
        "unranked": "{name} is not ranked: too little data.",
        "up": "Pulling it up: {items}.",
        "down": "Pulling it down: {items}.",
        "average": "Close to the average on everything.",
        "missing": "No data for {items}; scored on the rest.",
        "modelled": "Too few survey answers for {items}: a model-based estimate (the "
        "district's or municipality's level), with a wide interval.",
        "driver": "mostly {driver}",
        "and": " and ",
    },
}


def _num(value: float, lang: str, digits: int = 1, sign: bool = False) -> str:
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    text = text.replace(".", ",").replace("-", "−") if lang == "sv" else text.replace("-", "−")
    return text


def _lower_first(label: str) -> str:
    """A label inside a sentence ("främst kvinnor", not "främst Kvinnor"); acronyms such as
    "BRÅ" or "NTU" keep their capitals."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _PHRASES[lang]["and"] + items[-1]


def _explain(
    i: int,
    *,
    name: str,
    rank: float,
    low: float,
    high: float,
    used: list[str],
    z: np.ndarray,
    contribution: np.ndarray,
    missing: list[str],
    components: Mapping[str, ComponentData],
    lang: str,
    modelled: list[str] | None = None,
) -> str:
    p = _PHRASES[lang]
    if not np.isfinite(rank):
        return p["unranked"].format(name=name)
    parts = [p["rank"].format(name=name, rank=int(rank), low=int(low), high=int(high))]

    def describe(k: int) -> str:
        code = used[k]
        text = f"{COMPONENTS[code][0].get(lang) if code in COMPONENTS else code}"
        text += f" ({_num(z[k], lang, 1, sign=True)} SD"
        driver = components[code].driver
        if driver is not None and driver[i] is not None and z[k] > 0:
            text += ", " + p["driver"].format(driver=_lower_first(driver[i].get(lang)))
        return text + ")"

    finite = [k for k in range(len(used)) if np.isfinite(contribution[k])]
    up = sorted(
        (k for k in finite if contribution[k] > 0 and z[k] >= 0.5),
        key=lambda k: -contribution[k],
    )[:3]
    down = sorted(
        (k for k in finite if contribution[k] < 0 and z[k] <= -0.5),
        key=lambda k: contribution[k],
    )[:2]
    if up:
        parts.append(p["up"].format(items=_join([describe(k) for k in up], lang)))
    if down:
        parts.append(p["down"].format(items=_join([describe(k) for k in down], lang)))
    if not up and not down:
        parts.append(p["average"])
    if missing:
        labels = [COMPONENTS[c][0].get(lang) if c in COMPONENTS else c for c in missing]
        parts.append(p["missing"].format(items=_join(labels, lang)))
    if modelled:
        labels = [COMPONENTS[c][0].get(lang) if c in COMPONENTS else c for c in modelled]
        parts.append(p["modelled"].format(items=_join(labels, lang)))
    return " ".join(parts)
