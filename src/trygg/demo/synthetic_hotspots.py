"""Planted hot spots on an H3 grid with known truth, for hot-spot tests and benchmarks.

Pure numpy/h3 (no Django). :func:`planted_grid` lays a filled hexagonal disk of ``n`` cells
around Sundsvall's centre, gives every cell a background count (Poisson, or negative
binomial for an overdispersed background with many zeros and a long tail), and plants
clusters: disks of 19 cells (a cell
and two rings) whose counts are several times the background. What an analyst would call
a hot spot is then known cell by cell, so a test or a benchmark can report recall (planted
cells flagged) and false hot cells (flagged cells that are neither planted nor touching a
planted cell: Gi* spreads a cluster over the ring around it, which is where the cluster is,
not a false alarm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3
import numpy as np

from trygg.analysis.geo import Neighbours, h3_neighbours

#: Sundsvall's centre.
CENTRE = (62.39, 17.30)


@dataclass(frozen=True)
class PlantedGrid:
    cells: np.ndarray  # uint64 H3 cells, sorted
    neighbours: Neighbours  # k-ring 1
    values: np.ndarray  # counts per cell
    planted: np.ndarray  # bool: the cell is in a planted cluster
    near_planted: np.ndarray  # bool: planted or touching a planted cell

    def score(self, classes: np.ndarray) -> tuple[float, float]:
        """(recall of planted cells, share of hot cells that are false) for a class array."""
        hot = classes == "hot"
        recall = float(hot[self.planted].mean()) if self.planted.any() else 1.0
        false_share = float((hot & ~self.near_planted).sum() / max(1, hot.sum()))
        return recall, false_share


def hexagon_patch(n: int, resolution: int) -> np.ndarray:
    """The ``n`` cells nearest to Sundsvall's centre (a filled hexagonal disk), sorted."""
    rings = math.ceil((-3 + math.sqrt(9 + 12 * (n - 1))) / 6) if n > 1 else 0
    disk = h3.grid_disk(h3.latlng_to_cell(*CENTRE, resolution), rings)
    return np.array(sorted(h3.str_to_int(c) for c in disk), dtype=np.uint64)[:n]


def planted_grid(
    n: int,
    *,
    seed: int = 1,
    resolution: int | None = None,
    clusters: int | None = None,
    background_mean: float = 2.0,
    dispersion: float | None = None,
    uplift: float = 5.0,
) -> PlantedGrid:
    """``n`` cells with background counts and ``clusters`` planted 19-cell disks (default:
    one per 10,000 cells, at least one) whose mean count is ``uplift`` times the background.
    The background is Poisson, or with ``dispersion`` negative binomial with that shape
    (overdispersed: smaller is more skewed). Resolution 9 up to 300,000 cells, 10 above (the disk must fit the Earth's
    curvature the way H3 draws it)."""
    rng = np.random.default_rng(seed)
    resolution = resolution or (9 if n <= 300_000 else 10)
    cells = hexagon_patch(n, resolution)
    neighbours = h3_neighbours(cells=cells, k=1)
    mean = np.full(len(cells), background_mean)
    planted = np.zeros(len(cells), dtype=bool)
    count = clusters if clusters is not None else max(1, len(cells) // 10_000)
    # Centres well inside the patch (full rings) and apart from each other.
    interior = np.flatnonzero(neighbours.cardinalities == 6)
    for centre in rng.permutation(interior):
        if count == 0:
            break
        disk = [h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(int(cells[centre])), 2)]
        rows = np.searchsorted(cells, np.array(disk, dtype=np.uint64))
        rows = rows[(rows < len(cells)) & (cells[np.minimum(rows, len(cells) - 1)] == disk)]
        if len(rows) < 19 or _touches(neighbours, planted, rows):
            continue
        planted[rows] = True
        mean[rows] *= uplift
        count -= 1
    if dispersion is None:
        values = rng.poisson(mean).astype(float)
    else:
        # Negative binomial with mean m and shape r: p = r / (r + m).
        values = rng.negative_binomial(dispersion, dispersion / (dispersion + mean)).astype(float)
    near = planted.copy()
    rows = neighbours.rows()
    near[rows[planted[neighbours.indices]]] = True
    return PlantedGrid(cells, neighbours, values, planted, near)


def _touches(neighbours: Neighbours, planted: np.ndarray, rows: np.ndarray) -> bool:
    """Whether a candidate disk is within two steps of a cluster already planted."""
    reach = set(rows.tolist())
    for _ in range(2):
        for r in list(reach):
            reach.update(neighbours.indices[neighbours.indptr[r] : neighbours.indptr[r + 1]])
    return bool(planted[list(reach)].any())
