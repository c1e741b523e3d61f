"""The H3 grid: points to cells, cells covering polygons, and k-ring neighbours."""

from __future__ import annotations

from collections.abc import Sequence

import h3
import numpy as np
import shapely
from h3._cy import grid_disk as _h3_grid_disk
from h3._cy import latlng_to_cell as _h3_latlng_to_cell
from shapely.geometry.base import BaseGeometry

from .neighbours import Neighbours

__all__ = ["h3_cell_names", "h3_cells", "h3_cells_covering", "h3_neighbours"]


def h3_cells(*, lat: np.ndarray, lon: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cell (as ``uint64``) of every point; ``0`` for a missing coordinate.

    The h3 library has no array API, so this is a tight loop over the C function
    (about 0.7 µs per point, 10 s for 15 M points).
    """
    if not 0 <= resolution <= 15:
        raise ValueError("H3 resolution must be between 0 and 15")
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    out = np.zeros(len(lat), dtype=np.uint64)
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    out[ok] = np.fromiter(
        (
            _h3_latlng_to_cell(a, b, resolution)
            for a, b in zip(lat[ok].tolist(), lon[ok].tolist(), strict=True)
        ),
        dtype=np.uint64,
        count=len(ok),
    )
    return out


def h3_cell_names(cells: np.ndarray) -> np.ndarray:
    """The usual hexadecimal string form of H3 cells (what maps and other tools expect)."""
    return np.asarray(
        [format(int(c), "x") for c in np.asarray(cells, dtype=np.uint64)], dtype=object
    )


def h3_cells_covering(*, geometries: Sequence[BaseGeometry], resolution: int) -> np.ndarray:
    """Every H3 cell whose centre lies in one of the polygons (sorted, unique).

    Used to give empty cells a zero count: a hot-spot test that only sees cells with
    crimes in them cannot tell a cluster from the places where people are.
    """
    cells: set[int] = set()
    for geom in geometries:
        h3shape = h3.geo_to_h3shape(shapely.geometry.mapping(geom))
        cells.update(h3.str_to_int(c) for c in h3.h3shape_to_cells(h3shape, resolution))
    return np.asarray(sorted(cells), dtype=np.uint64)


def h3_neighbours(*, cells: np.ndarray, k: int = 1) -> Neighbours:
    """Binary weights linking each cell to the cells within ``k`` steps that are also in
    ``cells`` (cells outside the set are unknown, not zero).

    ``cells`` must be unique; the result's :attr:`Neighbours.units` keeps their order.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    cells = np.asarray(cells, dtype=np.uint64)
    n = len(cells)
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    if n > 1 and np.any(sorted_cells[1:] == sorted_cells[:-1]):
        raise ValueError("cells must be unique")
    disk_size = 3 * k * (k + 1) + 1
    # Pentagons have one neighbour fewer per ring; pad their rows with 0 (never a cell).
    disks = np.zeros((n, disk_size), dtype=np.uint64)
    for row, cell in enumerate(cells.tolist()):
        ring = np.asarray(_h3_grid_disk(cell, k), dtype=np.uint64)
        disks[row, : len(ring)] = ring
    flat = disks.ravel()
    pos = np.searchsorted(sorted_cells, flat)
    pos = np.minimum(pos, max(n - 1, 0))
    present = (sorted_cells[pos] == flat) & (flat != 0) if n else np.zeros(0, dtype=bool)
    rows = np.repeat(np.arange(n, dtype=np.int64), disk_size)[present]
    cols = order[pos[present]]
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    # grid_disk is symmetric, so rows come out grouped and de-duplicated already; sort the
    # columns within each row so the CSR layout is canonical.
    sort = np.lexsort((cols, rows))
    rows, cols = rows[sort], cols[sort]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Neighbours(
        units=cells, indptr=indptr, indices=cols, weights=np.ones(len(cols), dtype=np.float64)
    )
