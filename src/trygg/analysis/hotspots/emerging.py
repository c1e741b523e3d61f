"""Emerging hot spots: how a place's hot-spot strength has moved over the years.

The method follows ArcGIS Pro's *Emerging Hot Spot Analysis* (ADR 0012, "Emerging hot
spots"), with two deliberate differences: Gi* is computed for each time step (year) on the
*same spatial weights* (no time-lagged neighbours), and each step is tested exactly as the
single-year map is (:func:`gi_star`: permutation p-values, Benjamini–Hochberg at
``alpha``), so a "hot" year here is a hot year on that year's map.

Per unit and step ``t = 1..T`` this gives Gi*'s z-value and a class (hot, cold, none).
The trend of the z-values is the Mann–Kendall test (:func:`mann_kendall`: ``S``, its
tie-corrected variance, continuity-corrected ``Z``, two-sided normal p-value); the trend is
significant when ``p <= alpha``. With ``H`` the share of steps the unit is hot, ``C`` the
share it is cold and ``90 %`` the threshold (:data:`MOST_STEPS`), the categories are, for
hot spots (the last step decides the family):

==================  =====================================================================
last step hot
``intensifying``    ``H >= 90 %`` and the z-values rise significantly
``diminishing``     ``H >= 90 %`` and the z-values fall significantly
``persistent``      ``H >= 90 %`` and no significant trend
``new``             ``H < 90 %``, hot only in the last step
``consecutive``     ``H < 90 %``, one unbroken run of at least two hot steps at the end and
                    never hot before it
``oscillating``     ``H < 90 %``, hot before the final run too, and cold in some step
``sporadic``        ``H < 90 %``, hot before the final run too, and never cold
last step not hot
``historical``      ``H >= 90 %`` (the last step is the one that is not hot)
==================  =====================================================================

Cold spots mirror this with "cold" and "hot" swapped and the trend's sign flipped
(``intensifying_cold``: cold in at least 90 % of the steps, z falling significantly). A
unit whose last step is neither hot nor cold is ``historical_hot`` or
``historical_cold`` by the rule above, else ``no_pattern``. The rules are checked in that
order, so every unit gets exactly one category. Differences from the ArcGIS text, which
leaves them open: a unit cold in earlier years and hot only in the last one is ``new_hot``
(not oscillating); a last step that is cold makes the unit a cold-spot category even if it
was hot in 90 % of the earlier steps.

Fewer than :data:`MIN_STEPS` steps: every unit is ``not_enough_steps`` (a trend over two
points is not a trend). Mann–Kendall cannot be significant at ``alpha = 0.05`` below five
steps (``p >= 0.089`` at four), so intensifying and diminishing need five years or more.

A step whose values are all zero (no crimes that year) cannot be tested: its z-values are
0 and its class ``none``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy import special
from shapely.geometry.base import BaseGeometry

from ..geo import Neighbours, h3_cell_names, h3_cells, h3_cells_covering, h3_neighbours
from .gi import DEFAULT_SEED, gi_star, ring_size

__all__ = [
    "CATEGORIES",
    "MIN_STEPS",
    "MOST_STEPS",
    "classify_emerging",
    "emerging_hotspots",
    "h3_emerging_hotspots",
    "mann_kendall",
]

#: The share of steps that makes a unit persistently hot (or cold), as in ArcGIS Pro.
MOST_STEPS = 0.9
#: Fewer steps than this: no classification, the outcome is ``not_enough_steps``.
MIN_STEPS = 3

_PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
#: Every category a unit can get, hot ones first (the order legends use).
CATEGORIES = (
    *(f"{p}_hot" for p in _PATTERNS),
    *(f"{p}_cold" for p in _PATTERNS),
    "no_pattern",
    "not_enough_steps",
)


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Mann–Kendall trend test of every row of ``series`` (units × steps, in time
    order, finite values): ``S``, ``Z`` and the two-sided p-value.

    ``S = Σ_{i<j} sign(x_j − x_i)``; its variance under no trend, corrected for ties, is
    ``(n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)) / 18`` over the groups ``g`` of tied values;
    ``Z = (S − sign(S)) / √Var`` (continuity correction) and ``p = 2·Φ(−|Z|)``. This is
    Kendall (1975) as pymannkendall's ``original_test`` and ArcGIS compute it; written out
    here because it is vectorised over all units (an H3 grid has hundreds of thousands)
    instead of a Python loop per series. Values equal to 1e-9 count as ties. A row with
    zero variance (all values tied) has ``Z = 0`` and ``p = 1``.
    """
    x = np.round(np.asarray(series, dtype=np.float64), 9)
    if x.ndim != 2:
        raise ValueError("series must be a 2-D array (units × steps)")
    n_units, n = x.shape
    s = np.zeros(n_units)
    ties = np.zeros(n_units)  # Σ over values of (c − 1)(2c + 5), c = size of its tie group
    for j in range(n):
        s += np.sign(x[:, j + 1 :] - x[:, j : j + 1]).sum(axis=1)
        c = (x == x[:, j : j + 1]).sum(axis=1).astype(np.float64)
        ties += (c - 1.0) * (2.0 * c + 5.0)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    p = np.where(var > 0, 2.0 * special.ndtr(-np.abs(z)), 1.0)
    return s, z, p


def classify_emerging(
    *,
    hot: np.ndarray,
    cold: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    alpha: float = 0.05,
    min_steps: int = MIN_STEPS,
) -> np.ndarray:
    """The category of every unit (module docstring) from its hot and cold steps
    (booleans, units × steps, in time order) and the Mann–Kendall trend of its z-values."""
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    if hot.shape != cold.shape or hot.ndim != 2:
        raise ValueError("hot and cold must be 2-D arrays of the same shape")
    if np.any(hot & cold):
        raise ValueError("a step cannot be both hot and cold")
    n_units, n = hot.shape
    out = np.full(n_units, "no_pattern", dtype=object)
    if n < min_steps or n == 0:
        out[:] = "not_enough_steps"
        return out
    up = (np.asarray(trend_p) <= alpha) & (np.asarray(trend_z) > 0)
    down = (np.asarray(trend_p) <= alpha) & (np.asarray(trend_z) < 0)
    hot_kind = _family(hot, cold, rising=up, falling=down)
    cold_kind = _family(cold, hot, rising=down, falling=up)
    for kind, suffix in ((hot_kind, "_hot"), (cold_kind, "_cold")):
        set_here = (kind != "") & (out == "no_pattern")
        out[set_here] = kind[set_here] + suffix
    return out


def _family(
    mine: np.ndarray, other: np.ndarray, *, rising: np.ndarray, falling: np.ndarray
) -> np.ndarray:
    """The hot-spot pattern of each unit with ``mine`` as "hot" (or "" for none); for
    cold spots call it with the roles swapped and ``rising`` meaning z falls."""
    n_units, n = mine.shape
    kind = np.full(n_units, "", dtype=object)
    last = mine[:, -1]
    most = mine.sum(axis=1) >= MOST_STEPS * n - 1e-9
    # Length of the unbroken run of `mine` steps that ends at the last step.
    run = np.zeros(n_units, dtype=np.int64)
    going = np.ones(n_units, dtype=bool)
    for j in range(n - 1, -1, -1):
        going &= mine[:, j]
        run += going
    before = mine.sum(axis=1) > run  # `mine` in some step before the final run
    other_ever = other.any(axis=1)
    final_not_other = ~other[:, -1]
    steady = last & most
    kind[steady & rising] = "intensifying"
    kind[steady & falling] = "diminishing"
    kind[steady & ~rising & ~falling] = "persistent"
    rest = last & ~most
    kind[rest & ~before & (run == 1)] = "new"
    kind[rest & ~before & (run >= 2)] = "consecutive"
    kind[rest & before & other_ever] = "oscillating"
    kind[rest & before & ~other_ever] = "sporadic"
    kind[~last & most & final_not_other] = "historical"
    return kind


def emerging_hotspots(
    *,
    values: np.ndarray,
    neighbours: Neighbours,
    steps: Sequence[int],
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    smallest_cluster: int = 1,
    min_steps: int = MIN_STEPS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Gi* per step and the emerging-hot-spot category of every unit.

    ``values`` is units × steps (rows in the order of ``neighbours.units``, columns in the
    order of ``steps``, which must increase). Returns ``(summary, series)``:

    * ``summary``: one row per unit: ``unit, category, steps, hot_steps, cold_steps,
      last_class, trend_s, trend_z, trend_p``;
    * ``series``: one row per unit and step: ``unit, step, value, gi_z, q_value, class``.

    Fewer than ``min_steps`` steps: no Gi* is computed, every unit is ``not_enough_steps``.
    The last step is tested with ``seed`` itself (earlier ones with ``seed + 1``, ``+ 2``,
    ...), so on the same units and values it gives exactly the single-year map's classes.
    """
    y = np.asarray(values, dtype=np.float64)
    steps = [int(s) for s in steps]
    n = neighbours.n
    if y.ndim != 2 or y.shape != (n, len(steps)):
        raise ValueError(f"values must be units × steps ({n} × {len(steps)}), got {y.shape}")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise ValueError("steps must increase")
    units = _unit_names(neighbours.units)
    t = len(steps)
    z = np.zeros((n, t))
    q = np.full((n, t), np.nan)
    klass = np.full((n, t), "none", dtype=object)
    if t >= min_steps:
        for j in range(t):
            column = y[:, j]
            if column.sum() <= 0:
                continue  # nothing recorded that step: nothing to test
            result = gi_star(
                values=column, neighbours=neighbours, permutations=permutations,
                seed=None if seed is None else seed + (t - 1 - j), alpha=alpha,
                smallest_cluster=smallest_cluster,
            )  # fmt: skip
            z[:, j] = result["gi_z"].fill_null(0.0).fill_nan(0.0).to_numpy()
            q[:, j] = result["q_value"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            klass[:, j] = np.asarray(result["class"].to_list(), dtype=object)
    hot, cold = klass == "hot", klass == "cold"
    if t:
        s, tz, tp = mann_kendall(z)
    else:
        s = tz = np.zeros(n)
        tp = np.ones(n)
    category = classify_emerging(
        hot=hot, cold=cold, trend_z=tz, trend_p=tp, alpha=alpha, min_steps=min_steps
    )
    enough = t >= min_steps
    summary = pl.DataFrame(
        {
            "unit": units,
            "category": category.tolist(),
            "steps": np.full(n, t, dtype=np.int64),
            "hot_steps": hot.sum(axis=1).astype(np.int64),
            "cold_steps": cold.sum(axis=1).astype(np.int64),
            "last_class": klass[:, -1].tolist() if t else ["none"] * n,
            "trend_s": s if enough else np.full(n, np.nan),
            "trend_z": tz if enough else np.full(n, np.nan),
            "trend_p": tp if enough else np.full(n, np.nan),
        },
        nan_to_null=True,
    )
    series = pl.DataFrame(
        {
            "unit": np.repeat(np.asarray(units, dtype=object), t).tolist(),
            "step": np.tile(np.asarray(steps, dtype=np.int64), n),
            "value": y.ravel(),
            "gi_z": z.ravel() if enough else np.full(n * t, np.nan),
            "q_value": q.ravel(),
            "class": klass.ravel().tolist(),
        },
        schema_overrides={"unit": pl.String, "class": pl.String},
        nan_to_null=True,
    )
    return summary, series


def h3_emerging_hotspots(
    *,
    lat: np.ndarray,
    lon: np.ndarray,
    step: np.ndarray,
    resolution: int,
    steps: Sequence[int] | None = None,
    cover: Sequence[BaseGeometry] | None = None,
    k: int = 1,
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    min_steps: int = MIN_STEPS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`emerging_hotspots` on the H3 grid of event points with their ``step``
    (e.g. the year each crime happened in).

    The grid is the same in every step: the cells with an event in any step plus, with
    ``cover``, every cell whose centre is in an area (zero where nothing happened), so a
    cell's z-values over the years are comparable. ``steps`` (default: the steps the
    events have) may list steps without events, which then count as untested.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    step = np.asarray(step, dtype=np.int64)
    cells = h3_cells(lat=lat, lon=lon, resolution=resolution)
    placed = cells != 0
    cells, step = cells[placed], step[placed]
    wanted = sorted({int(s) for s in (steps if steps is not None else np.unique(step))})
    event_cells = np.unique(cells)
    all_cells = (
        np.union1d(event_cells, h3_cells_covering(geometries=cover, resolution=resolution))
        if cover is not None
        else event_cells
    )
    column = {s: j for j, s in enumerate(wanted)}
    keep = np.isin(step, wanted)
    rows = np.searchsorted(all_cells, cells[keep])
    cols = np.asarray([column[int(s)] for s in step[keep]], dtype=np.int64)
    values = np.zeros((len(all_cells), len(wanted)))
    np.add.at(values, (rows, cols), 1.0)
    if len(all_cells) < 3:
        raise ValueError("the grid has fewer than three cells")
    return emerging_hotspots(
        values=values, neighbours=h3_neighbours(cells=all_cells, k=k), steps=wanted,
        permutations=permutations, seed=seed, alpha=alpha, smallest_cluster=ring_size(k),
        min_steps=min_steps,
    )  # fmt: skip


def _unit_names(units: np.ndarray) -> list[str]:
    units = np.asarray(units)
    if units.dtype == np.uint64:
        return [str(u) for u in h3_cell_names(units)]
    return [str(u) for u in units]
