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

Step 3 is exact, not a rule of thumb such as "two hidden cells per line" (which misses a
cell that links two otherwise protected blocks): see :func:`derivable`. The tests check it
against an independent rank computation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TOTAL = "__total__"
OTHER = "__other__"
# The finest grouping whose protection hides at most this share of the non-zero cells wins.
MAX_HIDDEN_SHARE = 0.25

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


def derivable(hidden: Iterable[Cell], rows: Sequence[str], columns: Sequence[str]) -> set[Cell]:
    """The hidden cells whose value follows exactly from the shown cells and the totals.

    Every line of the grid (each row, each column, the totals' lines too) is one equation,
    and every cell is in two lines. With the totals' equations negated, each cell has the
    same sign in both of its equations, so the system is the incidence matrix of a
    bipartite graph: the lines are its nodes, the hidden cells its edges. A hidden cell is
    then undetermined exactly when it lies on a cycle (an alternating ± round the cycle is
    a solution of the homogeneous system), i.e. it is derivable exactly when it is a
    bridge. Lines without an equation (no total in that direction) are one common node:
    a path between two of them is as good as a cycle."""
    ends = _line_nodes(rows, columns)
    edges = [(*ends(cell), cell) for cell in sorted(hidden)]
    return {cell for _a, _b, cell in _bridges(edges)}


def _line_nodes(rows: Sequence[str], columns: Sequence[str]):
    """cell -> its two line nodes in the graph of :func:`derivable`."""
    grid_rows, grid_cols = _grid(rows, columns)
    row_free, col_free = TOTAL not in grid_cols, TOTAL not in grid_rows

    def ends(cell: Cell):
        r, c = cell
        return ("free" if row_free else ("row", r)), ("free" if col_free else ("col", c))

    return ends


def _side(start, edges, without: Cell) -> set:
    """The nodes reachable from ``start`` over ``edges`` but not over the edge ``without``."""
    adjacency: dict = {}
    for a, b, cell in edges:
        if cell != without:
            adjacency.setdefault(a, []).append(b)
            adjacency.setdefault(b, []).append(a)
    seen, todo = {start}, [start]
    while todo:
        for w in adjacency.get(todo.pop(), []):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def _bridges(edges):
    """The bridges of an undirected multigraph (Tarjan, iterative; parallel edges and loops
    are never bridges)."""
    adjacency: dict = {}
    for i, (a, b, _cell) in enumerate(edges):
        adjacency.setdefault(a, []).append((b, i))
        adjacency.setdefault(b, []).append((a, i))
    order: dict = {}
    low: dict = {}
    found = []
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            v, via, neighbours = stack[-1]
            advanced = False
            for w, edge in neighbours:
                if edge == via:
                    continue
                if w not in order:
                    order[w] = low[w] = counter
                    counter += 1
                    stack.append((w, edge, iter(adjacency[w])))
                    advanced = True
                    break
                low[v] = min(low[v], order[w])
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[v])
                if low[v] > order[parent]:
                    found.append(edges[via])
    return found


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

    ends = _line_nodes(rows, columns)
    while found := derivable(hidden, rows, columns):
        cell = min(found)
        lines = [eq for eq in eqs if cell in eq]
        candidates = sorted({c for eq in lines for c in eq if c not in hidden}, key=cost)
        if not candidates:  # cannot happen with totals on every line; stop safely
            hidden |= set(full)
            break
        # The cell is a bridge between two sides; a further hidden cell with one end on
        # each side puts it on a cycle. Else take the cheapest: the loop goes on.
        edges = [(*ends(c), c) for c in hidden]
        u, v = ends(cell)
        side_u, side_v = _side(u, edges, cell), _side(v, edges, cell)
        chosen = next(
            (
                c
                for c in candidates
                if (a := ends(c))
                and ((a[0] in side_u and a[1] in side_v) or (a[0] in side_v and a[1] in side_u))
            ),
            candidates[0],
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
        nonzero = [c for c, n in counts.items() if n]
        primary = [c for c in nonzero if counts[c] < threshold]
        if grouping != groupings[-1] and len(primary) > MAX_HIDDEN_SHARE * len(nonzero):
            continue  # complementary suppression only hides more: a coarser grouping
        values = suppress(counts, rows, columns, threshold)
        grid_rows, grid_cols = _grid(rows, columns)
        table = ProtectedTable(grouping, tuple(grid_rows), tuple(grid_cols), values, merged)
        hidden = [c for c in nonzero if values[c] is None]
        if not nonzero or len(hidden) <= MAX_HIDDEN_SHARE * len(nonzero):
            return table
    return table
