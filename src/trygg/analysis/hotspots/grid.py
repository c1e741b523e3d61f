"""Hot spots on an H3 grid of event points, with empty cells in the areas counted as zero."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from shapely.geometry.base import BaseGeometry

from ..geo import h3_cells, h3_cells_covering, h3_neighbours
from .gi import DEFAULT_SEED, Alternative, Randomisation, gi_star, ring_size

__all__ = ["h3_hotspots"]


def h3_hotspots(
    *,
    lat: np.ndarray,
    lon: np.ndarray,
    resolution: int,
    weights: np.ndarray | None = None,
    cover: Sequence[BaseGeometry] | None = None,
    k: int = 1,
    permutations: int | None = None,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    randomisation: Randomisation = "total",
) -> pl.DataFrame:
    """Gi* on the H3 grid at ``resolution`` from event points.

    By default the draws adapt to each cell (:func:`gi_star`), up to
    :func:`permutation_cap` for a cluster the size of one k-ring (Gi* spreads a single hot
    cell over its ring), so that false-discovery control over many cells can still flag it.

    Each cell's value is its number of events (or the sum of ``weights``, e.g. harm
    weights). With ``cover`` (the area polygons), every cell whose centre lies in an area
    enters with a zero if it has no events, which is what the test needs to tell a cluster
    from the places where people happen to be; without it only cells with events are used.
    Neighbours are the cells within ``k`` steps. Returns the :func:`gi_star` columns with
    ``unit`` as the hexadecimal cell id, plus ``count`` (events in the cell).
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    cells = h3_cells(lat=lat, lon=lon, resolution=resolution)
    placed = cells != 0
    event_cells, inverse = np.unique(cells[placed], return_inverse=True)
    counts = np.bincount(inverse, minlength=len(event_cells)).astype(np.float64)
    sums = (
        counts
        if weights is None
        else np.bincount(
            inverse,
            weights=np.asarray(weights, dtype=np.float64)[placed],
            minlength=len(event_cells),
        )
    )
    if cover is not None:
        all_cells = np.union1d(
            event_cells, h3_cells_covering(geometries=cover, resolution=resolution)
        )
    else:
        all_cells = event_cells
    pos = np.searchsorted(all_cells, event_cells)
    value = np.zeros(len(all_cells))
    value[pos] = sums
    count = np.zeros(len(all_cells), dtype=np.int64)
    count[pos] = counts.astype(np.int64)
    result = gi_star(
        values=value,
        neighbours=h3_neighbours(cells=all_cells, k=k),
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        alternative=alternative,
        smallest_cluster=ring_size(k),
        randomisation=randomisation,
    )
    return result.with_columns(pl.Series("count", count)).select(
        "unit", "count", "value", "gi", "gi_z", "p_value", "q_value", "class", "draws"
    )
