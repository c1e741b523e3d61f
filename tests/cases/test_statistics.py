"""Case statistics that neither reveal nor waste (trygg.cases.statistics, pure): no shown
count under the threshold, and no hidden count that the totals give away."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trygg.cases.statistics import (
    OTHER,
    TOTAL,
    equations,
    protected_case_table,
    suppress,
    table_with_totals,
)

LEVELS = ["universal", "selective", "individual"]


def derivable_by_numpy(hidden, eqs) -> set:
    """An independent check: a hidden cell is derivable when adding its unit vector to the
    equations (restricted to the hidden cells) does not raise their rank."""
    unknowns = sorted(hidden)
    if not unknowns:
        return set()
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows = []
    for eq in eqs:
        row = np.zeros(len(unknowns))
        for cell, coefficient in eq.items():
            if cell in index:
                row[index[cell]] = coefficient
        rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((0, len(unknowns)))
    rank = np.linalg.matrix_rank(matrix) if len(rows) else 0
    found = set()
    for cell, i in index.items():
        unit = np.zeros(len(unknowns))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(cell)
    return found


tables = st.integers(1, 5).flatmap(
    lambda n_rows: st.integers(1, 4).flatmap(
        lambda n_cols: st.lists(
            # Small counts are the interesting ones: many 0-6, a few larger.
            st.one_of(st.integers(0, 6), st.integers(0, 40)),
            min_size=n_rows * n_cols,
            max_size=n_rows * n_cols,
        ).map(
            lambda values: (
                [f"r{i}" for i in range(n_rows)],
                [f"c{j}" for j in range(n_cols)],
                {
                    (f"r{i}", f"c{j}"): values[i * n_cols + j]
                    for i in range(n_rows)
                    for j in range(n_cols)
                },
            )
        )
    )
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(tables, st.integers(2, 6))
def test_no_shown_cell_is_under_the_threshold(table, threshold):
    rows, columns, counts = table
    shown = suppress(counts, rows, columns, threshold)
    true = table_with_totals(counts, rows, columns)
    for cell, value in shown.items():
        assert value is None or value == 0 or value >= threshold, cell
        assert value is None or value == true[cell]  # what is shown is right


@settings(max_examples=150, derandomize=True, deadline=None)
@given(tables, st.integers(2, 6))
def test_no_hidden_cell_can_be_worked_out_from_the_totals(table, threshold):
    rows, columns, counts = table
    shown = suppress(counts, rows, columns, threshold)
    hidden = {cell for cell, value in shown.items() if value is None}
    assert derivable_by_numpy(hidden, equations(rows, columns)) == set()


def test_one_case_in_a_small_area_is_hidden_with_a_complement():
    # "<5" in a cell of a 955-resident area: the 1 is hidden, and so is a second cell of
    # its row and of its column, or the totals would give it away.
    counts = {("Lilla", "individual"): 1, ("Lilla", "selective"): 6}
    counts |= {("Stora", level): 9 for level in LEVELS}
    shown = suppress(counts, ["Lilla", "Stora"], LEVELS, 5)
    assert shown[("Lilla", "individual")] is None
    assert sum(1 for c in [*LEVELS, TOTAL] if shown[("Lilla", c)] is None) >= 2
    assert sum(1 for r in ["Lilla", "Stora", TOTAL] if shown[(r, "individual")] is None) >= 2
    assert shown[(TOTAL, TOTAL)] == 34


def records(spec):
    return [
        {"area": area, "age_band": band, "level": level}
        for (area, band, level), n in spec.items()
        for _ in range(n)
    ]


def test_the_finest_grouping_that_hides_nothing_is_shown():
    spec = {(a, b, lv): 5 for a in ("A", "B") for b in ("13-15", "16-17") for lv in LEVELS}
    table = protected_case_table(records(spec), columns=LEVELS, threshold=5)
    assert table.grouping == ("area", "age_band") and not table.hidden


def test_sparse_areas_are_aggregated_instead_of_listed():
    # Every area × age band × level cell would be 1-2: the table falls back to coarser rows.
    spec = {(a, b, "individual"): 1 for a in "ABCDEF" for b in ("13-15", "16-17")}
    spec |= {("A", "13-15", "selective"): 6, ("B", "16-17", "selective"): 6}
    table = protected_case_table(records(spec), columns=LEVELS, threshold=5)
    assert table.grouping != ("area", "age_band")
    shown = [v for v in table.values.values() if v is not None]
    assert all(v == 0 or v >= 5 for v in shown)


def test_small_rows_are_counted_together():
    spec = {("A", "13-15", "individual"): 7, ("B", "13-15", "individual"): 2}
    spec |= {("C", "13-15", "individual"): 2, ("D", "13-15", "individual"): 2}
    table = protected_case_table(records(spec), columns=LEVELS, threshold=5, groupings=[("area",)])
    assert OTHER in table.rows and set(table.merged) == {"B", "C", "D"}
    assert table.shown(OTHER, "individual") == 6


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABCD"), st.sampled_from(["13-15", "16-17"]), st.sampled_from(LEVELS)
        ),
        max_size=60,
    ),
    st.integers(3, 6),
)
def test_whatever_grouping_is_chosen_it_is_protected(cases, threshold):
    recs = [{"area": a, "age_band": b, "level": lv} for a, b, lv in cases]
    table = protected_case_table(recs, columns=LEVELS, threshold=threshold)
    data_rows = [r for r in table.rows if r != TOTAL]
    hidden = table.hidden
    assert all(v is None or v == 0 or v >= threshold for v in table.values.values())
    assert derivable_by_numpy(hidden, equations(data_rows, LEVELS)) == set()
    assert table.values.get((TOTAL if len(data_rows) > 1 else data_rows[0], TOTAL)) in (
        None,
        len(cases),
    )
