"""Getis-Ord Gi* with permutation inference: total or conditional randomisation, adaptive
draws, and the counting kernels behind them (ADR 0012)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from ..geo import Neighbours, h3_cell_names
from .fdr import benjamini_hochberg

__all__ = ["DEFAULT_PERMUTATIONS", "DEFAULT_SEED", "gi_star", "permutation_cap", "ring_size"]


DEFAULT_PERMUTATIONS = 999
# A fixed default seed: the same data must give the same map every time it is run.
DEFAULT_SEED = 20230196

# Adaptive draws never go beyond this for one unit: 2/(P+1) = 1e-7 is below what
# Benjamini–Hochberg needs for a single unit among a million at alpha = 0.05 (5e-8 · k).
MAX_AUTO_PERMUTATIONS = 20_000_000
#: A unit stops drawing once this many draws were as extreme as its statistic: its p-value
#: is then known to about ±30 %, plenty for a decision at q <= alpha.
SEQUENTIAL_TAIL = 10
#: Each adaptive round brings a unit's draws to this many times what it had.
ROUND_GROWTH = 10
# Draws per block in the adaptive rounds: bounds a round's memory (about 150 MB at k = 6).
_DRAW_BLOCK = 1_000_000

Alternative = Literal["two-sided", "greater", "lesser", "directed"]
Randomisation = Literal["total", "conditional"]
Transform = Literal["B", "R"]

# Upper bound for the temporary (units × permutations × neighbours) block in the gather
# kernel, in elements: 4 M float64 = 32 MB, small enough for two cores and other users.
_GATHER_BLOCK = 4_000_000


# --------------------------------------------------------------------------------------
# Gi*
# --------------------------------------------------------------------------------------


def ring_size(k: int) -> int:
    """Cells within ``k`` steps of an H3 cell, the cell included: 7 for k = 1."""
    return 1 + 3 * k * (k + 1)


def permutation_cap(n_units: int, *, alpha: float = 0.05, smallest_cluster: int = 1) -> int:
    """How many draws the adaptive rounds may give one unit.

    Benjamini–Hochberg passes a cluster of ``k`` units when their p-values are at most
    ``k·alpha/m``; a unit more extreme than every one of ``P`` draws has the two-sided p-value
    ``2/(P + 1)``. The cap makes that floor half the threshold for the smallest cluster worth
    finding: ``P = 4·m/(smallest_cluster·alpha)``. Areas use ``smallest_cluster = 1`` (an
    area can be a hot spot on its own); grid cells the size of a k-ring (Gi* spreads a
    single hot cell over its ring). 29 areas: 2,320 draws; 320 areas: 25,600; a million H3
    cells with k = 1: 11.4 M.
    """
    if n_units < 1:
        return DEFAULT_PERMUTATIONS
    needed = int(np.ceil(4.0 * n_units / (max(1, smallest_cluster) * alpha))) - 1
    return int(min(MAX_AUTO_PERMUTATIONS, max(DEFAULT_PERMUTATIONS, needed)))


def gi_star(
    *,
    values: np.ndarray | Sequence[float],
    neighbours: Neighbours,
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    transform: Transform = "B",
    alternative: Alternative = "two-sided",
    smallest_cluster: int = 1,
    max_permutations: int | None = None,
    randomisation: Randomisation = "total",
) -> pl.DataFrame:
    """Getis-Ord Gi* for every unit of ``neighbours``.

    ``randomisation="total"`` (default) tests Gi* against the null that Getis and Ord's
    z-value is derived under: the unit's and its neighbours' values drawn at random from all
    units, the unit's own value included. It is that z-test made exact for skewed counts
    (the normal approximation flags too many cells where most cells hold 0, 1 or 2 crimes).
    ``"conditional"`` holds the unit's own value fixed and draws only its neighbours, as
    esda does; it asks "are the neighbours high, given this unit?", which misses the rim of
    a cluster whose own cell is what is high (ADR 0012).

    ``permutations=None`` (the default) adapts the draws to each unit, from 999 up to
    ``max_permutations`` (default :func:`permutation_cap` for ``smallest_cluster``); a number
    gives every unit exactly that many draws, as esda does.

    ``values`` are in the order of ``neighbours.units`` (counts or rates). The unit counts
    as its own neighbour with weight 1 (``transform="B"``, the classic Gi*) or each row,
    self included, is scaled to sum to 1 (``transform="R"``, esda's default); the z-value
    follows esda for either, the permutation p-value does not depend on it.

    ``alternative="two-sided"`` (default) gives ``2·(min(#≥, #≤) + 1)/(P + 1)`` capped at
    1, so hot and cold spots are tested alike; ``"greater"``/``"lesser"`` are one-sided and
    ``"directed"`` is esda's legacy folded count, kept for comparisons.

    Returns one row per unit: ``unit, value, gi, gi_z, p_value, q_value, class, draws``
    (``draws``: the permutations that unit's p-value rests on). Units without neighbours
    (islands) cannot be tested: their p- and q-values are null, their draws 0 and their
    class ``none``.

    Resolution: with a fixed count the smallest two-sided pseudo p-value is ``2/(P + 1)``
    (0.002 at 999), so Benjamini–Hochberg over ``m`` units can only reach ``q <= alpha``
    when roughly ``m·2/((P + 1)·alpha)`` units are that extreme; the adaptive default draws
    more exactly where that matters.
    """
    y = np.asarray(values, dtype=np.float64)
    n = neighbours.n
    if y.shape != (n,):
        raise ValueError(f"values must have one entry per unit ({n}), got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite numbers (fill missing units with 0)")
    if n < 3:
        raise ValueError("Gi* needs at least three units")
    if transform not in ("B", "R"):
        raise ValueError("transform must be 'B' or 'R'")
    if permutations is not None and permutations < 0:
        raise ValueError("permutations must be zero or positive")
    if randomisation not in ("total", "conditional"):
        raise ValueError("randomisation must be 'total' or 'conditional'")
    total = y.sum()
    if total <= 0:
        raise ValueError("Gi* needs non-negative values with a positive total")

    card = neighbours.cardinalities
    rows = neighbours.rows()
    w_off = neighbours.weights.astype(np.float64)
    w_self = np.ones(n)
    if transform == "R":
        row_sum = np.bincount(rows, weights=w_off, minlength=n) + w_self
        w_off = w_off / row_sum[rows]
        w_self = w_self / row_sum
    lag = np.bincount(rows, weights=w_off * y[neighbours.indices], minlength=n)
    gi = (lag + w_self * y) / total
    gi_z = _gi_star_z(gi, y, rows, w_off, w_self, n)

    p_value = np.full(n, np.nan)
    draws = np.zeros(n, dtype=np.int64)
    if permutations is None or permutations:
        counter = _Counter(y, neighbours, w_off, w_self, randomisation)
        rng = np.random.default_rng(seed)
        if permutations is None:
            cap = max_permutations or permutation_cap(
                n, alpha=alpha, smallest_cluster=smallest_cluster
            )
            ge, le, lt, draws = _sequential_counts(counter, rng, alternative, cap)
        else:
            ge, le, lt = counter.count(counter.draw(rng, permutations), card > 0)
            draws = np.where(card > 0, permutations, 0)
        p_value = _p_values(ge, le, lt, draws, alternative)
        p_value[card == 0] = np.nan
    q_value = benjamini_hochberg(p_value)
    significant = np.nan_to_num(q_value, nan=1.0) <= alpha
    klass = np.where(
        significant & (gi_z > 0), "hot", np.where(significant & (gi_z < 0), "cold", "none")
    )
    return pl.DataFrame(
        {
            "unit": _unit_series(neighbours.units),
            "value": y,
            "gi": gi,
            "gi_z": gi_z,
            "p_value": p_value,
            "q_value": q_value,
            "class": klass,
            "draws": draws,
        },
        nan_to_null=True,
    )


class _Counter:
    """Draws and counts for one Gi* run.

    Conditional randomisation draws a unit's ``k`` neighbours from the other ``n - 1`` units
    (the fast kernel where each row's weights are equal, the direct one otherwise). Total
    randomisation draws the unit and its neighbours, ``k + 1`` values, from all ``n``: with
    equal weights in a row the statistic is a monotone function of their plain sum, so one
    sorted table of sums per cardinality serves every unit.
    """

    def __init__(
        self,
        y: np.ndarray,
        neighbours: Neighbours,
        w_off: np.ndarray,
        w_self: np.ndarray,
        randomisation: Randomisation,
    ) -> None:
        self.y, self.neighbours, self.w_off, self.w_self = y, neighbours, w_off, w_self
        self.total = randomisation == "total"
        self.k = int(neighbours.cardinalities.max(initial=0))
        if self.total:
            first = w_off[neighbours.indptr[:-1][neighbours.cardinalities > 0]]
            self_equal = np.allclose(
                w_self[neighbours.cardinalities > 0], first, rtol=1e-12, atol=0.0
            )
            self.equal = self_equal and _equal_weights_per_row(neighbours.indptr, w_off)
        else:
            self.equal = _equal_weights_per_row(neighbours.indptr, w_off)

    def draw(self, rng: np.random.Generator, permutations: int) -> np.ndarray:
        n = self.neighbours.n
        if self.total:
            return _draw_columns(rng, n, self.k + 1, permutations)
        return _draw_without_replacement(rng, n - 1, self.k, permutations)

    def count(
        self, perm: np.ndarray, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nb = self.neighbours
        if self.total:
            return _counts_total(
                self.y, nb.indptr, nb.indices, self.w_off, self.w_self, perm,
                equal=self.equal, active=active,
            )  # fmt: skip
        if self.equal:
            return _counts_equal_weights(self.y, nb.indptr, nb.indices, perm, active=active)
        return _counts_gather(
            self.y, nb.indptr, nb.indices, self.w_off, perm, mapping="swap", active=active
        )


def _counts_total(
    y: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    w_off: np.ndarray,
    w_self: np.ndarray,
    perm: np.ndarray,
    *,
    equal: bool,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of draws ``≥``, ``≤`` and ``<`` the observed statistic under total
    randomisation: ``perm`` is ``(k + 1, P)`` (:func:`_draw_columns`), each column ``k + 1``
    distinct units of all ``n``, the first taking the unit's own weight and the rest its
    neighbours' weights in CSR order."""
    n = len(y)
    n_perm = perm.shape[1]
    card = np.diff(indptr)
    rows = np.repeat(np.arange(n), card)
    observed = np.bincount(rows, weights=w_off * y[indices], minlength=n) + w_self * y
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    lt = np.zeros(n, dtype=np.int64)
    wanted = active & (card > 0)
    if equal:
        needed = set(np.unique(card[wanted]).tolist())
        running = y[perm[0]]
        for k in range(1, max(needed, default=0) + 1):
            running += y[perm[k]]  # the sum of the first k + 1 drawn values
            if k not in needed:
                continue
            sites = np.flatnonzero(wanted & (card == k))
            # Compare plain sums: divide out the row's common weight.
            t = observed[sites] / w_self[sites]
            base = np.sort(running)
            left = np.searchsorted(base, t, side="left")
            right = np.searchsorted(base, t, side="right")
            ge[sites], le[sites], lt[sites] = n_perm - left, right, left
        return ge, le, lt
    for k in np.unique(card[wanted]):
        sites = np.flatnonzero(wanted & (card == k))
        values = y[perm[: k + 1]].T  # (P, k + 1)
        block = max(1, _GATHER_BLOCK // (n_perm * (k + 1)))
        for start in range(0, len(sites), block):
            chunk = sites[start : start + block]
            w = np.concatenate(
                [w_self[chunk][:, None], w_off[indptr[chunk][:, None] + np.arange(k)[None, :]]],
                axis=1,
            )
            sums = values @ w.T  # (P, chunk)
            t = observed[chunk][None, :]
            ge[chunk] = (sums >= t).sum(axis=0)
            le[chunk] = (sums <= t).sum(axis=0)
            lt[chunk] = (sums < t).sum(axis=0)
    return ge, le, lt


def _sequential_counts(
    counter: _Counter, rng: np.random.Generator, alternative: Alternative, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rounds of draws, each for the units whose p-value is not yet resolved: 999 for every
    unit, then tenfold more for those with fewer than :data:`SEQUENTIAL_TAIL` extreme draws,
    until none is left or ``cap`` is reached. Returns the counts and each unit's draws."""
    n = counter.neighbours.n
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    lt = np.zeros(n, dtype=np.int64)
    draws = np.zeros(n, dtype=np.int64)
    active = counter.neighbours.cardinalities > 0
    total, batch = 0, min(DEFAULT_PERMUTATIONS, cap)
    while batch > 0 and active.any():
        for start in range(0, batch, _DRAW_BLOCK):
            perm = counter.draw(rng, min(_DRAW_BLOCK, batch - start))
            g, e, t = counter.count(perm, active)
            ge += g
            le += e
            lt += t
        draws[active] += batch
        total += batch
        active &= _extreme_draws(ge, le, lt, alternative) < SEQUENTIAL_TAIL
        batch = min(total * (ROUND_GROWTH - 1), cap - total)
    return ge, le, lt, draws


def _extreme_draws(
    ge: np.ndarray, le: np.ndarray, lt: np.ndarray, alternative: Alternative
) -> np.ndarray:
    """How many draws were at least as extreme as the observed statistic, by the tail that
    the p-value of ``alternative`` counts."""
    if alternative == "two-sided":
        return np.minimum(ge, le)
    if alternative == "greater":
        return ge
    if alternative == "lesser":
        return le
    if alternative == "directed":
        return np.where(lt < ge, lt, ge)
    raise ValueError("alternative must be 'two-sided', 'greater', 'lesser' or 'directed'")


def _unit_series(units: np.ndarray) -> pl.Series:
    if units.dtype == np.uint64:
        return pl.Series("unit", h3_cell_names(units), dtype=pl.String)
    return pl.Series("unit", [str(u) for u in units], dtype=pl.String)


def _gi_star_z(
    gi: np.ndarray, y: np.ndarray, rows: np.ndarray, w_off: np.ndarray, w_self: np.ndarray, n: int
) -> np.ndarray:
    """esda's analytical moments for Gi* (``G_Local.calc`` with ``star=True``).

    Under the randomisation null E[G*_i] = W_i/n and
    Var[G*_i] = W_i (n - W_i) / (n - 1) / n² · s²/ȳ², with W_i the row sum including the
    self weight and s² the population variance of y. For binary weights this is exactly
    Ord & Getis (1995); esda uses the same formula for row-standardised weights.
    """
    row_sum = np.bincount(rows, weights=w_off, minlength=n) + w_self
    mean = y.mean()
    var = (y**2).mean() - mean**2
    expected = row_sum / n
    variance = row_sum * (n - row_sum) / (n - 1) / n**2 * var / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (gi - expected) / np.sqrt(variance)


def _equal_weights_per_row(indptr: np.ndarray, w_off: np.ndarray) -> bool:
    if not len(w_off):
        return True
    first = np.repeat(w_off[indptr[:-1][np.diff(indptr) > 0]], np.diff(indptr)[np.diff(indptr) > 0])
    return bool(np.allclose(w_off, first, rtol=1e-12, atol=0.0)) and bool(np.all(w_off > 0))


def _draw_without_replacement(
    rng: np.random.Generator, pool: int, k: int, permutations: int
) -> np.ndarray:
    """``(permutations, k)`` indices, each row a sample without replacement from ``pool``.

    When the pool is large relative to k, draw with replacement and redraw the rows with a
    repeat (for k = 6: one row in 22 for a pool of 330, one in 6 700 for 100 000); a full
    shuffle per row would cost O(P·n). When the pool is small relative to k, where repeats
    are common, sort random keys instead.
    """
    if k == 0:
        return np.zeros((permutations, 0), dtype=np.int64)
    if k > pool:
        raise ValueError("a unit has more neighbours than there are other units")
    if pool <= 8 * k:
        keys = rng.random((permutations, pool))
        return np.argsort(keys, axis=1)[:, :k].astype(np.int64)
    out = rng.integers(0, pool, size=(permutations, k), dtype=np.int64)
    rows = np.arange(permutations)
    while len(rows):
        block = out[rows]
        if k <= 16:
            # Pairwise column comparisons: k(k-1)/2 passes over the rows, no sort.
            repeat = np.zeros(len(rows), dtype=bool)
            for a in range(1, k):
                repeat |= (block[:, a : a + 1] == block[:, :a]).any(axis=1)
        else:
            ordered = np.sort(block, axis=1)
            repeat = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        rows = rows[repeat]
        out[rows] = rng.integers(0, pool, size=(len(rows), k), dtype=np.int64)
    return out


def _draw_columns(rng: np.random.Generator, pool: int, k: int, permutations: int) -> np.ndarray:
    """``(k, permutations)`` indices: every column is a sample of ``k`` distinct units of
    ``pool``. Column-major, so that duplicate checks and running sums go over contiguous
    vectors (several times faster than rows of ``k`` for millions of draws)."""
    if k == 0:
        return np.zeros((0, permutations), dtype=np.int64)
    if pool <= 8 * k or k > 24:
        return np.ascontiguousarray(_draw_without_replacement(rng, pool, k, permutations).T)
    dtype = np.int32 if pool < 2**31 else np.int64
    out = rng.integers(0, pool, size=(k, permutations), dtype=dtype)
    columns = np.arange(permutations)
    block = out
    while True:
        repeat = np.zeros(block.shape[1], dtype=bool)
        for a in range(1, k):
            for b in range(a):
                repeat |= block[a] == block[b]
        columns = columns[repeat]
        if not len(columns):
            return out
        out[:, columns] = rng.integers(0, pool, size=(k, len(columns)), dtype=dtype)
        block = out[:, columns]


def _counts_equal_weights(
    y: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    perm: np.ndarray,
    *,
    active: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of permuted neighbour sums ``≥``, ``≤`` and ``<`` the observed neighbour sum.

    Valid when a unit's neighbours all carry the same positive weight: the statistic is then
    a monotone function of the plain sum of neighbour values, so sums can be compared.
    Uses the "swap" mapping: draw ``j`` in ``[0, n-1)`` stands for unit ``j``, except that
    unit ``i`` itself stands in for the last unit ``n - 1``. Only units where ``active`` is
    true are counted (the others stay 0).
    """
    n = len(y)
    n_perm = perm.shape[0]
    card = np.diff(indptr)
    rows = np.repeat(np.arange(n), card)
    observed = np.bincount(rows, weights=y[indices], minlength=n)
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    lt = np.zeros(n, dtype=np.int64)
    if not perm.shape[1]:
        return ge, le, lt
    drawn = y[perm]  # (P, K) values of the drawn units before the swap
    cumulative = np.cumsum(drawn, axis=1)
    last = y[n - 1]
    wanted = card > 0 if active is None else active & (card > 0)
    for k in np.unique(card[wanted]):
        sites = np.flatnonzero(wanted & (card == k))
        base = cumulative[:, k - 1]
        sorted_base = np.sort(base)
        t = observed[sites]
        left = np.searchsorted(sorted_base, t, side="left")  # base <  t
        right = np.searchsorted(sorted_base, t, side="right")  # base <= t
        ge_k = n_perm - left
        le_k = right
        lt_k = left
        # Draws that hit a unit of this cardinality: for that unit the sum swaps its own
        # value for the last unit's. Each draw row holds distinct units, so a unit appears
        # at most once per permutation.
        in_group = np.zeros(n, dtype=bool)
        in_group[sites] = True
        hit_p, hit_j = np.nonzero(in_group[perm[:, :k]])
        if len(hit_p):
            unit = perm[hit_p, hit_j]
            old = base[hit_p]
            new = old + (last - y[unit])
            t_unit = observed[unit]
            local = np.searchsorted(sites, unit)
            m = len(sites)
            ge_k += np.bincount(
                local, weights=(new >= t_unit).astype(np.int64) - (old >= t_unit), minlength=m
            ).astype(np.int64)
            le_k += np.bincount(
                local, weights=(new <= t_unit).astype(np.int64) - (old <= t_unit), minlength=m
            ).astype(np.int64)
            lt_k += np.bincount(
                local, weights=(new < t_unit).astype(np.int64) - (old < t_unit), minlength=m
            ).astype(np.int64)
        ge[sites], le[sites], lt[sites] = ge_k, le_k, lt_k
    return ge, le, lt


def _counts_gather(
    y: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    w_off: np.ndarray,
    perm: np.ndarray,
    *,
    mapping: Literal["shift", "swap"],
    active: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The direct O(n·k·P) kernel for any weights.

    Draw ``j`` (position ``c`` in a row of ``perm``) gets the weight of unit ``i``'s ``c``-th
    neighbour, as in esda. ``mapping="shift"`` maps draw ``j`` to unit ``j + (j >= i)``,
    esda's "array without unit i"; ``"swap"`` maps it to ``j`` except ``i → n - 1``.
    """
    n = len(y)
    n_perm = perm.shape[0]
    card = np.diff(indptr)
    rows = np.repeat(np.arange(n), card)
    observed = np.bincount(rows, weights=w_off * y[indices], minlength=n)
    ge = np.zeros(n, dtype=np.int64)
    le = np.zeros(n, dtype=np.int64)
    lt = np.zeros(n, dtype=np.int64)
    wanted = card > 0 if active is None else active & (card > 0)
    for k in np.unique(card[wanted]):
        sites = np.flatnonzero(wanted & (card == k))
        draws = perm[None, :, :k]
        block = max(1, _GATHER_BLOCK // (n_perm * k))
        for start in range(0, len(sites), block):
            chunk = sites[start : start + block]
            i = chunk[:, None, None]
            ids = draws + (draws >= i) if mapping == "shift" else np.where(draws == i, n - 1, draws)
            # Weights of each unit's neighbours in CSR order: (chunk, k).
            w = w_off[indptr[chunk][:, None] + np.arange(k)[None, :]]
            sums = np.einsum("cpk,ck->cp", y[ids], w)
            t = observed[chunk][:, None]
            ge[chunk] = (sums >= t).sum(axis=1)
            le[chunk] = (sums <= t).sum(axis=1)
            lt[chunk] = (sums < t).sum(axis=1)
    return ge, le, lt


def _p_values(
    ge: np.ndarray,
    le: np.ndarray,
    lt: np.ndarray,
    permutations: int | np.ndarray,
    alternative: Alternative,
) -> np.ndarray:
    p1 = np.asarray(permutations, dtype=np.float64) + 1.0
    if alternative == "two-sided":
        return np.minimum(1.0, 2.0 * (np.minimum(ge, le) + 1.0) / p1)
    if alternative == "greater":
        return (ge + 1.0) / p1
    if alternative == "lesser":
        return (le + 1.0) / p1
    if alternative == "directed":
        # esda: count draws >= observed; if fewer draws are below (strictly) than above,
        # use the lower tail instead.
        return (np.where(lt < ge, lt, ge) + 1.0) / p1
    raise ValueError("alternative must be 'two-sided', 'greater', 'lesser' or 'directed'")
