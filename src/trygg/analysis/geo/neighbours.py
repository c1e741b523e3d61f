"""Neighbour structures: the CSR table :class:`Neighbours` and queen or rook contiguity of
the area polygons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from scipy import sparse
from shapely.geometry.base import BaseGeometry

__all__ = ["Neighbours", "contiguity_weights"]


@dataclass(frozen=True)
class Neighbours:
    """Spatial weights as a CSR table: unit ``i``'s neighbours are
    ``indices[indptr[i]:indptr[i + 1]]`` with the matching ``weights``.

    The diagonal is never stored: whether a unit counts as its own neighbour (Gi* versus Gi)
    is the statistic's business, not the weights'. ``units`` holds the unit labels (area
    codes or H3 cells) in row order.
    """

    units: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.units)
        if len(self.indptr) != n + 1 or self.indptr[0] != 0:
            raise ValueError("indptr must have one entry per unit plus one, starting at 0")
        if len(self.indices) != self.indptr[-1] or len(self.weights) != len(self.indices):
            raise ValueError("indices and weights must have indptr[-1] entries")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= n):
            raise ValueError("neighbour index out of range")
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        if np.any(rows == self.indices):
            raise ValueError("the diagonal must not be stored; Gi* adds the self weight")

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each unit (not counting itself)."""
        return np.diff(self.indptr)

    @property
    def islands(self) -> np.ndarray:
        """Units without neighbours: no local statistic can be tested for them."""
        return self.units[self.cardinalities == 0]

    def rows(self) -> np.ndarray:
        """Row index of every stored neighbour link (the CSR row expanded)."""
        return np.repeat(np.arange(self.n), self.cardinalities)

    def neighbour_sets(self) -> dict[Any, set[Any]]:
        """``{unit: {neighbour units}}``; handy for comparing with libpysal's ``W``."""
        return {
            self.units[i]: {
                self.units[j] for j in self.indices[self.indptr[i] : self.indptr[i + 1]]
            }
            for i in range(self.n)
        }

    def to_sparse(self) -> sparse.csr_array:
        return sparse.csr_array((self.weights, self.indices, self.indptr), shape=(self.n, self.n))

    def row_standardised(self) -> Neighbours:
        """Each row's weights divided by the row sum (islands keep an empty row)."""
        sums = np.add.reduceat(self.weights, self.indptr[:-1]) if len(self.weights) else None
        card = self.cardinalities
        if sums is None:
            return self
        # reduceat returns garbage for empty rows; those rows have no weights to scale.
        sums = np.where(card > 0, sums, 1.0)
        return Neighbours(
            units=self.units,
            indptr=self.indptr,
            indices=self.indices,
            weights=self.weights / np.repeat(sums, card),
        )

    @classmethod
    def from_pairs(
        cls, *, units: np.ndarray | Sequence[Any], i: np.ndarray, j: np.ndarray
    ) -> Neighbours:
        """Binary weights from index pairs; the result is made symmetric and de-duplicated,
        self-pairs are dropped."""
        units = np.asarray(units, dtype=object) if not isinstance(units, np.ndarray) else units
        n = len(units)
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        a = np.concatenate([i, j])
        b = np.concatenate([j, i])
        keep = a != b
        key = np.unique(a[keep] * n + b[keep])
        rows, cols = np.divmod(key, n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return cls(
            units=units,
            indptr=indptr,
            indices=cols.astype(np.int64),
            weights=np.ones(len(cols), dtype=np.float64),
        )


# --------------------------------------------------------------------------------------
# Contiguity
# --------------------------------------------------------------------------------------


def contiguity_weights(
    *,
    codes: Sequence[str] | np.ndarray,
    geometries: Sequence[BaseGeometry] | np.ndarray,
    kind: Literal["queen", "rook"] = "queen",
) -> Neighbours:
    """Binary contiguity between polygons.

    ``queen``: the boundaries share at least one point (a corner is enough).
    ``rook``: the boundaries share a stretch of line (a corner is not enough).

    The test is geometric (shapely predicates on candidate pairs from an STRtree), so it
    does not require the two polygons to store identical vertices along their common
    border the way a vertex-matching method does; on boundary files that do share vertices
    (such as libpysal's Columbus) the two agree.
    """
    if kind not in ("queen", "rook"):
        raise ValueError("kind must be 'queen' or 'rook'")
    geoms = np.asarray(list(geometries), dtype=object)
    units = np.asarray([str(c) for c in codes], dtype=object)
    tree = shapely.STRtree(geoms)
    # Candidate pairs whose geometries intersect at all; interiors of a proper partition
    # never overlap, so "intersects" here means "touch" (or overlap in bad data, which
    # still makes them neighbours).
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if kind == "rook" and len(left):
        shared = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
        # A shared edge shows up as a line of positive length; a shared corner as a point.
        has_edge = shapely.length(shared) > 0
        left, right = left[has_edge], right[has_edge]
    return Neighbours.from_pairs(units=units, i=left, j=right)
