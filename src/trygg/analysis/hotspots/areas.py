"""Global Moran's I, and hot spots on areas (Gi* of a rate per area, FDR-controlled)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import special

from ..geo import Neighbours
from .gi import DEFAULT_SEED, Alternative, Randomisation, Transform, gi_star

__all__ = ["MoranResult", "area_hotspots", "morans_i"]


@dataclass(frozen=True)
class MoranResult:
    i: float
    expected: float
    variance_randomisation: float
    z_randomisation: float
    p_randomisation: float
    variance_normality: float
    z_normality: float


def morans_i(
    *, values: np.ndarray | Sequence[float], neighbours: Neighbours, transform: Transform = "R"
) -> MoranResult:
    """Global Moran's I with the analytical moments under normality and randomisation
    (Cliff & Ord 1981), the same as esda's ``Moran`` and R's ``spdep::moran.test``."""
    y = np.asarray(values, dtype=np.float64)
    n = neighbours.n
    w = neighbours if transform == "B" else neighbours.row_standardised()
    if transform not in ("B", "R"):
        raise ValueError("transform must be 'B' or 'R'")
    matrix = w.to_sparse()
    z = y - y.mean()
    s0 = w.weights.sum()
    i_value = n / s0 * (z @ (matrix @ z)) / (z @ z)
    expected = -1.0 / (n - 1)
    sym = matrix + matrix.T
    s1 = 0.5 * (sym.multiply(sym)).sum()
    s2 = float(
        (
            (np.asarray(matrix.sum(axis=1)).ravel() + np.asarray(matrix.sum(axis=0)).ravel()) ** 2
        ).sum()
    )
    v_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - expected**2
    b2 = n * (z**4).sum() / (z @ z) ** 2
    a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
    b = b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
    c = (n - 1) * (n - 2) * (n - 3) * s0 * s0
    v_rand = (a - b) / c - expected**2
    z_rand = (i_value - expected) / np.sqrt(v_rand)
    return MoranResult(
        i=float(i_value),
        expected=expected,
        variance_randomisation=float(v_rand),
        z_randomisation=float(z_rand),
        p_randomisation=float(2 * special.ndtr(-abs(z_rand))),
        variance_normality=float(v_norm),
        z_normality=float((i_value - expected) / np.sqrt(v_norm)),
    )


def area_hotspots(
    *,
    table: pl.DataFrame,
    neighbours: Neighbours,
    value_column: str = "count",
    unit_column: str = "area_code",
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    transform: Transform = "B",
    alternative: Alternative = "two-sided",
    randomisation: Randomisation = "total",
) -> pl.DataFrame:
    """Gi* for areas from a table (e.g. counts or rates per ``area_code``).

    By default the draws adapt to each area (:func:`gi_star`), up to :func:`permutation_cap`
    with ``smallest_cluster = 1``: a single area can be a hot spot.

    Areas of ``neighbours`` missing from ``table`` enter with 0 (no crimes recorded);
    a unit in ``table`` that ``neighbours`` does not know is an error, because silently
    dropping it would hide crimes from the map. Returns the :func:`gi_star` columns.
    """
    units = [str(u) for u in neighbours.units]
    data = table.select(pl.col(unit_column).cast(pl.String), pl.col(value_column).cast(pl.Float64))
    unknown = set(data[unit_column].to_list()) - set(units)
    if unknown:
        raise ValueError(f"units not in the weights: {sorted(unknown)[:10]}")
    if data[unit_column].is_duplicated().any():
        raise ValueError(f"{unit_column} must be unique in the table")
    aligned = pl.DataFrame({unit_column: units}).join(data, on=unit_column, how="left")
    return gi_star(
        values=aligned[value_column].fill_null(0.0).to_numpy(),
        neighbours=neighbours,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        transform=transform,
        alternative=alternative,
        randomisation=randomisation,
    )
