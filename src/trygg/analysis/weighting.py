"""Weighting survey respondents to the population: raking with trimming, and design effects.

Respondents differ from residents: young men answer far less often than older women, so
unweighted area figures mostly describe older women. Raking (iterative proportional fitting)
finds weights that make the weighted respondents of each area and year match the area's
population by sex and, separately, by age group. Both margins are hit within ``tol``.

Choices, and why:

- Margins are sex and age group *within* area × year (not the 14 sex × age cells): cells of a
  thin area are often empty, margins rarely are.
- Age groups with fewer than ``min_cell`` respondents in an area are merged with the next
  older group (the oldest open group with the one below it), so that no single respondent
  carries a whole age group. Areas without respondents of one sex are raked on age only.
  Both are reported (``age_cells``, ``sex_raked``).
- Weights are trimmed to between mean/``trim_ratio`` and mean × ``trim_ratio`` within the
  area (the mean weight is population / respondents); the trimmed weights are then held
  while the others are raked again to what is left of the margins, alternating until all
  are within bounds or ``max_trim_rounds`` is reached. Margins win over the cap: an area
  whose margins the held weights make unreachable is raked freely at the end.
  ``weight_ratio_max`` reports how far the cap was kept.
- The population of the survey year is used; when an area lacks it, the nearest year the
  population table has (the earlier one on a tie), reported as ``population_year``. SCB
  publishes population at 31 December, usually months after the survey.
- The whole computation is vectorised over all areas at once with ``numpy.bincount``: one
  raking step is two passes over the respondents whatever the number of areas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .areas_io import POPULATION_COLUMNS
from .errors import InputError, RowProblem
from .survey_io import AGE_GROUPS, SEXES


@dataclass(frozen=True)
class RakingResult:
    """Weights and a per area × year report.

    ``weights`` is the input frame with a ``weight`` column added (same rows, same order).
    ``report`` has one row per area × year: ``area_code, year, population_year, n,
    population, weight_sum, age_cells, sex_raked, max_margin_error, n_trimmed,
    weight_ratio_max, deff_kish, n_effective``.
    """

    weights: pl.DataFrame
    report: pl.DataFrame
    iterations: int
    converged: bool
    trim_rounds: int
    max_margin_error: float


def kish_deff(weights: np.ndarray) -> float:
    """Kish's design effect from unequal weights, n Σw² / (Σw)² = 1 + CV² of the weights."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0 or w.sum() <= 0:
        return float("nan")
    return float(w.size * np.square(w).sum() / w.sum() ** 2)


def rake(
    responses: pl.DataFrame,
    population: pl.DataFrame,
    *,
    base_weight: str | None = None,
    trim_ratio: float | None = 5.0,
    min_cell: int = 5,
    tol: float = 1e-6,
    max_iter: int = 200,
    max_trim_rounds: int = 10,
    population_name: str = "population",
) -> RakingResult:
    """Rake respondents to population margins sex and age group within area × year.

    ``responses`` needs ``area_code, year, sex, age_group`` (as :func:`survey_io.read_responses`
    returns them); ``population`` needs ``area_code, year, sex, age_group, count``. An area
    with respondents but no population at all raises :class:`InputError` naming
    ``population_name``. ``trim_ratio=None`` turns trimming off.
    """
    _require(responses, ("area_code", "year", "sex", "age_group"), "responses")
    _require(population, POPULATION_COLUMNS, population_name)
    if trim_ratio is not None and trim_ratio <= 1:
        raise ValueError("trim_ratio must be above 1 (or None to turn trimming off)")
    n = responses.height
    n_age = len(AGE_GROUPS)
    resp = responses.select(
        pl.col("area_code").cast(pl.String),
        pl.col("year").cast(pl.Int32),
        _code(pl.col("sex"), SEXES).alias("s"),
        _code(pl.col("age_group"), AGE_GROUPS).alias("a"),
    )
    bad = resp.filter(pl.any_horizontal(pl.all().is_null()))
    if bad.height:
        raise ValueError(
            f"{bad.height} respondents lack area, year, sex or age group; validate the "
            "responses with survey_io first"
        )
    keys = resp.select("area_code", "year").unique().sort("area_code", "year")
    keys = keys.with_row_index("g")
    g = resp.join(keys, on=["area_code", "year"], how="left", maintain_order="left")["g"]
    g = g.to_numpy().astype(np.int64)
    s = resp["s"].to_numpy().astype(np.int64)
    a = resp["a"].to_numpy().astype(np.int64)
    n_groups = keys.height

    targets, pop_year = _population_cells(keys, population, population_name)
    counts = np.bincount(g * 2 * n_age + s * n_age + a, minlength=n_groups * 2 * n_age).reshape(
        n_groups, 2, n_age
    )
    # Sex margin: rake on sex only where both sexes have respondents and population.
    sex_n = counts.sum(axis=2)
    sex_t = targets.sum(axis=2)
    sex_ok = np.all((sex_n > 0) & (sex_t > 0), axis=1)
    c1 = g * 2 + np.where(sex_ok[g], s, 0)
    t1 = np.where(sex_ok[:, None], sex_t, np.stack([sex_t.sum(1), np.zeros(n_groups)], 1))
    t1 = t1.ravel()
    # Age margin with thin age groups merged into neighbours.
    age_cell = _collapse_ages(counts.sum(axis=1), targets.sum(axis=1), min_cell)
    c2 = g * n_age + age_cell[g, a]
    t2 = np.bincount(
        (np.arange(n_groups)[:, None] * n_age + age_cell).ravel(),
        weights=targets.sum(axis=1).ravel(),
        minlength=n_groups * n_age,
    )

    w0 = (
        np.ones(n)
        if base_weight is None
        else responses[base_weight].cast(pl.Float64).to_numpy().copy()
    )
    if np.any(~np.isfinite(w0)) or np.any(w0 <= 0):
        raise ValueError(f"base weights in '{base_weight}' must be positive numbers")
    # Areas where no positive weights can meet both margins are raked on age alone (see
    # _two_margins_feasible); IPF would only oscillate there.
    feasible = _two_margins_feasible(counts, targets, age_cell, sex_t[:, 0])
    problem = _Margins(g, c1, t1, c2, t2, n_groups, n_age)
    if np.any(sex_ok & ~feasible):
        problem = problem.without_sex(sex_ok & ~feasible, sex_t.sum(axis=1))
        sex_ok &= feasible
    w, iterations, err_g = problem.fit(w0, np.ones(n_groups, dtype=bool), tol, max_iter)
    total_iterations = iterations
    # Where sex and age margins cannot both be met (a sex found only in one collapsed age
    # cell whose population differs from that sex's), IPF oscillates. Keep the age margin
    # and rake those areas on age alone.
    failed = err_g > tol
    if failed.any():
        sex_ok &= ~failed
        problem = problem.without_sex(failed, sex_t.sum(axis=1))
        w = np.where(failed[g], w0, w)
        w, iterations, err_g = problem.fit(w, failed, tol, max_iter, err_g)
        total_iterations += iterations
    ever_trimmed = np.zeros(n, dtype=bool)
    rounds = 0
    n_g = np.bincount(g, minlength=n_groups).astype(float)
    mean_w = np.divide(targets.sum(axis=(1, 2)), n_g, out=np.zeros(n_groups), where=n_g > 0)
    if trim_ratio is not None:
        upper = (mean_w * trim_ratio)[g]
        lower = (mean_w / trim_ratio)[g]
        slack = 1 + 1e-3  # a weight a hair over the cap is not worth another round
        while rounds < max_trim_rounds:
            outside = (w > upper * slack) | (w < lower / slack)
            if not outside.any():
                break
            ever_trimmed |= outside
            rounds += 1
            # Clip only the weights clearly outside: clipping those within the slack too
            # would move areas that are then not raked again.
            w = np.where(outside, np.clip(w, lower, upper), w)
            touched = np.bincount(g[outside], minlength=n_groups) > 0
            w, iterations, err_g = problem.fit(w, touched, tol, max_iter, err_g, ever_trimmed)
            total_iterations += iterations
        # Where the held weights made the margins unreachable, release them and rake
        # freely: the margins always win over the cap.
        m1, m2 = problem.errors(w)
        missed = np.maximum(m1, m2) > tol
        if missed.any():
            w, iterations, err_g = problem.fit(w, missed, tol, max_iter, err_g)
            total_iterations += iterations

    # Per-area report.
    m1, m2 = problem.errors(w)
    w_sum = np.bincount(g, weights=w, minlength=n_groups)
    w2_sum = np.bincount(g, weights=w * w, minlength=n_groups)
    deff = np.divide(n_g * w2_sum, w_sum**2, out=np.full(n_groups, np.nan), where=w_sum > 0)
    ratio_max = np.zeros(n_groups)
    np.maximum.at(ratio_max, g, w / mean_w[g])
    report = keys.drop("g").with_columns(
        pl.Series("population_year", pop_year, dtype=pl.Int32),
        pl.Series("n", n_g.astype(np.int64)),
        pl.Series("population", targets.sum(axis=(1, 2))),
        pl.Series("weight_sum", w_sum),
        pl.Series("age_cells", age_cell.max(axis=1) + 1),
        pl.Series("sex_raked", sex_ok),
        pl.Series("max_margin_error", np.maximum(m1, m2)),
        pl.Series(
            "n_trimmed", np.bincount(g, weights=ever_trimmed, minlength=n_groups).astype(np.int64)
        ),
        pl.Series("weight_ratio_max", ratio_max),
        pl.Series("deff_kish", deff),
        pl.Series("n_effective", n_g / deff),
    )
    return RakingResult(
        weights=responses.with_columns(pl.Series("weight", w)),
        report=report,
        iterations=total_iterations,
        converged=bool(np.all(np.maximum(m1, m2) < tol)),
        trim_rounds=rounds,
        max_margin_error=float(max(m1.max(initial=0), m2.max(initial=0))),
    )


class _Margins:
    """The raking problem for all areas at once: cell of each respondent on both margins.

    ``c1`` indexes area × sex cells (``2 g + s``), ``c2`` area × collapsed-age cells
    (``7 g + cell``), so per-area errors are a reshape away.
    """

    def __init__(self, g, c1, t1, c2, t2, n_groups: int, n_age: int):
        self.g, self.c1, self.t1, self.c2, self.t2 = g, c1, t1, c2, t2
        self.n_groups, self.n_age = n_groups, n_age

    def without_sex(self, areas: np.ndarray, totals: np.ndarray) -> _Margins:
        """The same problem with the sex margin of ``areas`` replaced by their total."""
        c1 = np.where(areas[self.g], self.g * 2, self.c1)
        t1 = self.t1.reshape(-1, 2).copy()
        t1[areas, 0] = totals[areas]
        t1[areas, 1] = 0
        return _Margins(self.g, c1, t1.ravel(), self.c2, self.t2, self.n_groups, self.n_age)

    def errors(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Largest relative margin error per area, on the sex and on the age margin."""
        out = []
        for cells, targets, width in ((self.c1, self.t1, 2), (self.c2, self.t2, self.n_age)):
            sums = np.bincount(cells, weights=w, minlength=targets.size)
            rel = np.divide(
                np.abs(sums - targets), targets, out=np.zeros_like(targets), where=targets > 0
            )
            # Weight in a cell without population cannot happen after collapsing; guard anyway.
            rel = np.where((targets <= 0) & (sums > 0), np.inf, rel)
            out.append(rel.reshape(-1, width).max(axis=1))
        return out[0], out[1]

    def fit(
        self,
        w: np.ndarray,
        active: np.ndarray,
        tol: float,
        max_iter: int,
        err_g: np.ndarray | None = None,
        fixed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, int, np.ndarray]:
        """IPF on the ``active`` areas until each area's sex margin (the one not fitted
        last) is within ``tol``.

        Weights marked ``fixed`` (trimmed ones) are held: the others are raked to what the
        fixed ones leave of each margin, so trimming is not undone by the next rake.

        Converged areas drop out: whenever fewer than half of the areas in play remain, the
        arrays are cut down to the remaining respondents and their cells, so the last
        iterations, spent on a few slow areas, cost almost nothing.
        """
        w = w.copy()
        err_g = np.zeros(self.n_groups) if err_g is None else err_g.copy()
        held = np.zeros(w.size, dtype=bool) if fixed is None else fixed
        rest1 = self.t1 - np.bincount(self.c1[held], weights=w[held], minlength=self.t1.size)
        rest2 = self.t2 - np.bincount(self.c2[held], weights=w[held], minlength=self.t2.size)
        idx = np.flatnonzero(active[self.g] & ~held)
        iteration = 0
        while idx.size and iteration < max_iter:
            u1, a1 = np.unique(self.c1[idx], return_inverse=True)
            u2, a2 = np.unique(self.c2[idx], return_inverse=True)
            # A margin the held weights already fill leaves a tiny positive remainder, so
            # the free weights shrink instead of the arithmetic failing; the caller
            # releases such areas.
            t1 = np.maximum(rest1[u1], 1e-9 * self.t1[u1])
            t2 = np.maximum(rest2[u2], 1e-9 * self.t2[u2])
            groups, starts = np.unique(u1 // 2, return_index=True)
            wa = w[idx]
            while iteration < max_iter:
                iteration += 1
                wa *= (t1 / np.bincount(a1, weights=wa, minlength=t1.size))[a1]
                wa *= (t2 / np.bincount(a2, weights=wa, minlength=t2.size))[a2]
                sums = np.bincount(a1, weights=wa, minlength=t1.size)
                rel = np.maximum.reduceat(np.abs(sums - t1) / t1, starts)
                err_g[groups] = rel
                still = rel >= tol
                if still.sum() < 0.5 * groups.size:
                    break
            w[idx] = wa
            idx = idx[np.isin(self.g[idx], groups[still])]
        return w, iteration, err_g


def _two_margins_feasible(
    counts: np.ndarray, targets: np.ndarray, age_cell: np.ndarray, female_target: np.ndarray
) -> np.ndarray:
    """Whether positive weights can meet both the sex and the collapsed age margin, per area.

    With two sexes this has a closed form: age cells with women only must take their whole
    population from the women (A), cells with men only from the men, and mixed cells (C)
    can split theirs any way strictly between 0 and all. So the female total must lie
    strictly between A and A + C, or equal A when no cell is mixed.
    """
    n_groups, _, n_age = counts.shape
    rows = np.repeat(np.arange(n_groups), n_age)
    flat_cell = rows * n_age + age_cell.ravel()
    size = n_groups * n_age
    women = np.bincount(flat_cell, weights=counts[:, 0, :].ravel(), minlength=size)
    men = np.bincount(flat_cell, weights=counts[:, 1, :].ravel(), minlength=size)
    pop = np.bincount(flat_cell, weights=targets.sum(axis=1).ravel(), minlength=size)
    women, men, pop = (x.reshape(n_groups, n_age) for x in (women, men, pop))
    only_women = ((women > 0) & (men == 0)) * pop
    mixed = ((women > 0) & (men > 0)) * pop
    a = only_women.sum(axis=1)
    c = mixed.sum(axis=1)
    eps = 1e-9 * np.maximum(pop.sum(axis=1), 1)
    strictly_inside = (female_target > a + eps) & (female_target < a + c - eps)
    exact = (c <= 0) & (np.abs(female_target - a) <= eps)
    return strictly_inside | exact


def _collapse_ages(n: np.ndarray, t: np.ndarray, min_cell: int) -> np.ndarray:
    """Cell id per area and age group after merging thin groups, for all areas at once.

    Sweep from the youngest group: a cell closes once it holds ``min_cell`` respondents and
    some population; a trailing open cell joins the last closed one. Age groups with neither
    respondents nor population stay wherever the sweep puts them (they carry no weight).
    """
    n_groups, n_age = n.shape
    cell = np.zeros((n_groups, n_age), dtype=np.int64)
    current = np.zeros(n_groups, dtype=np.int64)
    acc_n = np.zeros(n_groups)
    acc_t = np.zeros(n_groups)
    for age in range(n_age):
        cell[:, age] = current
        acc_n += n[:, age]
        acc_t += t[:, age]
        close = (acc_n >= min_cell) & (acc_t > 0)
        current = current + close
        acc_n[close] = 0
        acc_t[close] = 0
    tail = (cell == current[:, None]) & (current[:, None] > 0)
    cell = np.where(tail, current[:, None] - 1, cell)
    return cell


def _population_cells(
    keys: pl.DataFrame, population: pl.DataFrame, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Population counts as an array (area × year, sex, age) using the nearest year."""
    pop = population.select(
        pl.col("area_code").cast(pl.String),
        pl.col("year").cast(pl.Int32).alias("population_year"),
        _code(pl.col("sex"), SEXES).alias("s"),
        _code(pl.col("age_group"), AGE_GROUPS).alias("a"),
        pl.col("count").cast(pl.Float64),
    )
    # Residents outside the survey's age groups (e.g. 0-15 in a full population table) are
    # outside the survey's frame: they are not raked to.
    pop = pop.filter(pl.col("a").is_not_null())
    if pop.filter(pl.any_horizontal(pl.all().is_null())).height:
        raise InputError(
            RowProblem(name, "the population table has rows with unknown sex or a missing count")
        )
    years = pop.select("area_code", "population_year").unique()
    chosen = (
        keys.join(years, on="area_code", how="left")
        .with_columns((pl.col("population_year") - pl.col("year")).abs().alias("dist"))
        .sort("g", "dist", "population_year", nulls_last=True)
        .group_by("g", maintain_order=True)
        .first()
        .sort("g")
    )
    missing = chosen.filter(pl.col("population_year").is_null())
    if missing.height:
        raise InputError(
            [
                RowProblem(
                    name, f"no population for area '{area}' (needed for {year})", column="area_code"
                )
                for area, year in missing.select("area_code", "year").iter_rows()
            ]
        )
    cells = chosen.select("g", "area_code", "population_year").join(
        pop, on=["area_code", "population_year"], how="inner"
    )
    n_age = len(AGE_GROUPS)
    targets = np.zeros(keys.height * 2 * n_age)
    idx = cells["g"].to_numpy() * 2 * n_age + cells["s"].to_numpy() * n_age + cells["a"].to_numpy()
    np.add.at(targets, idx, cells["count"].to_numpy())
    targets = targets.reshape(keys.height, 2, n_age)
    empty = np.flatnonzero(targets.sum(axis=(1, 2)) <= 0)
    if empty.size:
        raise InputError(
            [
                RowProblem(
                    name,
                    f"the population of area '{keys['area_code'][int(i)]}' is 0",
                    column="count",
                )
                for i in empty
            ]
        )
    return targets, chosen["population_year"].to_numpy()


def _code(expr: pl.Expr, categories: tuple[str, ...]) -> pl.Expr:
    """Category text (or Enum) -> its 0-based position, null for anything else."""
    return expr.cast(pl.String).replace_strict(
        {c: i for i, c in enumerate(categories)}, default=None, return_dtype=pl.Int64
    )


def _require(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            [RowProblem(name, "required column is missing", line=1, column=c) for c in missing]
        )
