"""Case statistics that neither reveal nor waste: a pure function, no Django.

Listing every combination of area × age band × level with "<5" in the small cells reveals
single cases, and a hidden cell can often be worked out from the totals. Here:

1. **Aggregate.** The table's rows are tried from the finest grouping to the coarsest
   (area and age band, area, age band, the whole municipality); within a grouping, rows
   whose total is under the threshold are merged into one "other" row. The finest grouping
   whose protection hides no more than :data:`MAX_HIDDEN_SHARE` of the non-zero cells is
   shown; if none does, the coarsest.
2. **Primary suppression.** Every cell, totals included, with a count from 1 to
   ``threshold - 1`` is hidden. A zero is shown: it reveals no one.
3. **Complementary suppression.** While any hidden cell can be worked out exactly from the
   shown cells and the row and column sums (any linear combination of them, not just one
   line), the cheapest further cell on one of its lines is hidden too.

Step 3 is checked with exact linear algebra over a prime field (the equations have
coefficients 0 and ±1, so their rank does not depend on the field for any practical
table): a hidden cell is derivable exactly when its unit vector lies in the row space of
the equations restricted to the hidden cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TOTAL = "__total__"
OTHER = "__other__"
# The finest grouping whose protection hides at most this share of the non-zero cells wins.
MAX_HIDDEN_SHARE = 0.25
_P = (1 << 61) - 1

Cell = tuple[str, str]


@dataclass(frozen=True)
class ProtectedTable:
    """A two-way table with its totals; ``values[cell]`` is None where hidden.

    ``rows`` and ``columns`` include :data:`TOTAL` when there is more than one row or
    column. ``grouping`` names the row dimensions (empty: the whole municipality)."""

    grouping: tuple[str, ...]
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: dict[Cell, int | None]
    merged: tuple[str, ...] = ()  # the row keys merged into OTHER

    def shown(self, row: str, column: str) -> int | None:
        return self.values[(row, column)]

    @property
    def hidden(self) -> frozenset[Cell]:
        return frozenset(c for c, v in self.values.items() if v is None)


def _grid(rows: Sequence[str], columns: Sequence[str]) -> tuple[list[str], list[str]]:
    grid_rows = [*rows, TOTAL] if len(rows) > 1 else list(rows)
    grid_cols = [*columns, TOTAL] if len(columns) > 1 else list(columns)
    return grid_rows, grid_cols


def table_with_totals(
    counts: Mapping[Cell, int], rows: Sequence[str], columns: Sequence[str]
) -> dict[Cell, int]:
    """Every cell of the grid, totals included (missing combinations are 0)."""
    grid_rows, grid_cols = _grid(rows, columns)
    full: dict[Cell, int] = {}
    for r in grid_rows:
        for c in grid_cols:
            full[(r, c)] = sum(
                counts.get((rr, cc), 0)
                for rr in (rows if r == TOTAL else [r])
                for cc in (columns if c == TOTAL else [c])
            )
    return full


def equations(rows: Sequence[str], columns: Sequence[str]) -> list[dict[Cell, int]]:
    """The additivity of the grid, each as {cell: coefficient} summing to zero: every row
    adds up to its total, every column to its total. A line without a total has none."""
    grid_rows, grid_cols = _grid(rows, columns)
    found = []
    if TOTAL in grid_cols:
        for r in grid_rows:
            eq = {(r, c): 1 for c in columns}
            eq[(r, TOTAL)] = -1
            found.append(eq)
    if TOTAL in grid_rows:
        for c in grid_cols:
            eq = {(r, c): 1 for r in rows}
            eq[(TOTAL, c)] = -1
            found.append(eq)
    return found


def derivable(hidden: Iterable[Cell], eqs: Sequence[Mapping[Cell, int]]) -> set[Cell]:
    """The hidden cells whose value follows exactly from the shown cells and ``eqs``."""
    unknowns = sorted(set(hidden))
    index = {cell: i for i, cell in enumerate(unknowns)}
    matrix = []
    for eq in eqs:
        row = [0] * len(unknowns)
        for cell, coefficient in eq.items():
            if cell in index:
                row[index[cell]] = coefficient % _P
        if any(row):
            matrix.append(row)
    pivots = _rref(matrix, len(unknowns))
    return {
        unknowns[col]
        for col, r in pivots.items()
        if sum(1 for v in matrix[r] if v) == 1  # the row is the unit vector of col
    }


def _rref(matrix: list[list[int]], width: int) -> dict[int, int]:
    """Reduce ``matrix`` in place over GF(p); {pivot column: row}."""
    pivots: dict[int, int] = {}
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][col]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        inverse = pow(matrix[r][col], _P - 2, _P)
        matrix[r] = [v * inverse % _P for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][col]:
                f = matrix[i][col]
                matrix[i] = [(a - f * b) % _P for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots[col] = r
        r += 1
        if r == len(matrix):
            break
    return pivots


def suppress(
    counts: Mapping[Cell, int], rows: Sequence[str], columns: Sequence[str], threshold: int
) -> dict[Cell, int | None]:
    """Primary and complementary suppression of the table (see the module's docstring)."""
    full = table_with_totals(counts, rows, columns)
    eqs = equations(rows, columns)
    hidden = {cell for cell, v in full.items() if 0 < v < threshold}

    def cost(cell: Cell) -> tuple:
        # Hide small real counts first; a zero protects little (a count cannot be negative),
        # and a total costs the reader most.
        v = full[cell]
        return (TOTAL in cell, v if v > 0 else threshold, cell)

    while found := derivable(hidden, eqs):
        cell = min(found)
        lines = [eq for eq in eqs if cell in eq]
        candidates = sorted({c for eq in lines for c in eq if c not in hidden}, key=cost)
        if not candidates:  # cannot happen with totals on every line; stop safely
            hidden |= set(full)
            break
        chosen = next(
            (c for c in candidates if cell not in derivable(hidden | {c}, eqs)), candidates[0]
        )
        hidden.add(chosen)
    return {cell: None if cell in hidden else v for cell, v in full.items()}


def _merge_small_rows(
    counts: Counter, rows: list[str], threshold: int
) -> tuple[Counter, list[str], tuple[str, ...]]:
    totals = Counter()
    for (r, _c), n in counts.items():
        totals[r] += n
    small = [r for r in rows if 0 < totals[r] < threshold]
    if len(small) < 2:
        return counts, rows, ()
    merged = Counter()
    for (r, c), n in counts.items():
        merged[(OTHER if r in small else r, c)] += n
    return merged, [r for r in rows if r not in small] + [OTHER], tuple(small)


GROUPINGS: tuple[tuple[str, ...], ...] = (("area", "age_band"), ("area",), ("age_band",), ())


def protected_case_table(
    records: Iterable[Mapping[str, str]],
    *,
    columns: Sequence[str],
    threshold: int,
    column: str = "level",
    groupings: Sequence[tuple[str, ...]] = GROUPINGS,
) -> ProtectedTable:
    """The table to show: rows by the finest grouping that hides little, columns by
    ``column`` (in the order of ``columns``). ``records``: one mapping per case."""
    records = list(records)
    table = None
    for grouping in groupings:
        counts: Counter = Counter()
        for rec in records:
            counts[(" · ".join(rec[g] for g in grouping), rec[column])] += 1
        rows = sorted({r for r, _c in counts}) or [""]
        counts, rows, merged = _merge_small_rows(counts, rows, threshold)
        values = suppress(counts, rows, columns, threshold)
        grid_rows, grid_cols = _grid(rows, columns)
        table = ProtectedTable(grouping, tuple(grid_rows), tuple(grid_cols), values, merged)
        nonzero = [c for c in values if c[0] != TOTAL and c[1] != TOTAL and _value(counts, c)]
        hidden = [c for c in nonzero if values[c] is None]
        if not nonzero or len(hidden) <= MAX_HIDDEN_SHARE * len(nonzero):
            return table
    return table


def _value(counts: Mapping[Cell, int], cell: Cell) -> int:
    return counts.get(cell, 0)
