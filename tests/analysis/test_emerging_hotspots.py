"""Emerging hot spots: Mann–Kendall, the ArcGIS-style categories, and planted space-time
patterns that each category must find (trygg.analysis.hotspots.emerging)."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from trygg.analysis import hotspots as hs
from trygg.analysis.geo import Neighbours, h3_neighbours
from trygg.analysis.hotspots.emerging import CATEGORIES, MOST_STEPS

CENTRE = h3.latlng_to_cell(62.39, 17.30, 9)
YEARS = list(range(2017, 2027))  # ten steps: 90 % is nine of them


def _patch(rings: int = 8) -> Neighbours:
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, rings)), dtype=np.uint64)
    return h3_neighbours(cells=cells, k=1)


# --------------------------------------------------------------------------------------
# Mann–Kendall
# --------------------------------------------------------------------------------------


def test_mann_kendall_on_a_rising_series_by_hand() -> None:
    s, z, p = hs.mann_kendall(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    # S = 10, Var = 5·4·15/18 = 16.67, Z = (10 − 1)/4.08 = 2.20, p = 0.028.
    assert s[0] == 10
    assert z[0] == pytest.approx(9 / np.sqrt(50 / 3))
    assert p[0] == pytest.approx(0.0275, abs=5e-4)


def test_mann_kendall_agrees_with_scipys_kendall_tau_with_ties() -> None:
    """Against time (no ties in time), Kendall's tau's asymptotic test has the same S and
    tie-corrected variance; scipy has no continuity correction, so compare S/√Var."""
    rng = np.random.default_rng(3)
    series = rng.integers(0, 4, size=(40, 9)).astype(float)  # many ties
    s, z, _ = hs.mann_kendall(series)
    for row, s_row, z_row in zip(series, s, z, strict=True):
        if z_row == 0:
            continue
        var = ((s_row - np.sign(s_row)) / z_row) ** 2
        expected = stats.kendalltau(np.arange(len(row)), row, method="asymptotic").pvalue
        assert 2 * special.ndtr(-abs(s_row) / np.sqrt(var)) == pytest.approx(expected, rel=1e-9)


def test_mann_kendall_of_a_flat_series_is_no_trend() -> None:
    s, z, p = hs.mann_kendall(np.zeros((2, 6)))
    assert list(s) == [0, 0] and list(z) == [0, 0] and list(p) == [1, 1]


# --------------------------------------------------------------------------------------
# Planted space-time patterns
# --------------------------------------------------------------------------------------

BACKGROUND = 12.0


def _planted(amplitudes: list[float], seed: int = 7) -> tuple[str, object]:
    """Ten years of counts on a patch: background about 12 per cell; the centre and its
    ring get ``amplitude`` added each year (negative: fewer crimes, a cold spot). Returns
    the centre's category and the summary table."""
    neighbours = _patch()
    rng = np.random.default_rng(seed)
    values = BACKGROUND + rng.poisson(2.0, size=(neighbours.n, len(YEARS))).astype(float)
    ring = {h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)}
    cluster = np.isin(neighbours.units, list(ring))
    for j, a in enumerate(amplitudes):
        values[cluster, j] = np.maximum(0.0, values[cluster, j] + a)
    summary, series = hs.emerging_hotspots(values=values, neighbours=neighbours, steps=YEARS)
    row = summary.filter(summary["unit"] == CENTRE).row(0, named=True)
    return row["category"], (summary, series, row)


HOT, COLD = 15.0, -12.0

PATTERNS = {
    "new_hot": [0] * 9 + [HOT],
    "consecutive_hot": [0] * 7 + [HOT] * 3,
    "intensifying_hot": list(np.linspace(6, 30, 10)),
    "persistent_hot": [HOT] * 10,
    "diminishing_hot": list(np.linspace(30, 6, 10)),
    "sporadic_hot": [HOT, 0, HOT, 0, 0, HOT, 0, HOT, 0, HOT],
    "oscillating_hot": [COLD, 0, HOT, 0, COLD, 0, HOT, 0, 0, HOT],
    "historical_hot": [HOT] * 9 + [0],
    "new_cold": [0] * 9 + [COLD],
    "consecutive_cold": [0] * 7 + [COLD] * 3,
    "intensifying_cold": list(np.linspace(-4, -12, 10)),
    "persistent_cold": [COLD] * 10,
    "diminishing_cold": list(np.linspace(-12, -4, 10)),
    "sporadic_cold": [COLD, 0, COLD, 0, 0, COLD, 0, COLD, 0, COLD],
    "oscillating_cold": [HOT, 0, COLD, 0, HOT, 0, COLD, 0, 0, COLD],
    "historical_cold": [COLD] * 9 + [0],
    "no_pattern": [0] * 10,
}


@pytest.mark.parametrize("expected", sorted(PATTERNS))
def test_planted_pattern_gets_its_category(expected: str) -> None:
    category, (_summary, series, row) = _planted(PATTERNS[expected])
    assert category == expected, row
    assert row["steps"] == 10
    # The series table has the centre's z-value for every year, in order.
    mine = series.filter(series["unit"] == CENTRE)
    assert mine["step"].to_list() == YEARS
    assert mine["gi_z"].null_count() == 0


def test_every_category_but_the_bookkeeping_one_is_planted() -> None:
    assert set(PATTERNS) == set(CATEGORIES) - {"not_enough_steps"}


def test_trend_sign_follows_the_planted_growth() -> None:
    _, (_, _, rising) = _planted(PATTERNS["intensifying_hot"])
    _, (_, _, falling) = _planted(PATTERNS["diminishing_hot"])
    assert rising["trend_z"] > 0 and rising["trend_p"] <= 0.05
    assert falling["trend_z"] < 0 and falling["trend_p"] <= 0.05


def test_background_far_from_the_cluster_has_no_pattern() -> None:
    _, (summary, _, _) = _planted(PATTERNS["persistent_hot"])
    far = {h3.str_to_int(c) for c in h3.grid_ring(CENTRE, 7)}
    names = {format(c, "x") for c in far}
    rows = summary.filter(summary["unit"].is_in(list(names)))
    assert (rows["category"] == "no_pattern").mean() >= 0.9


# --------------------------------------------------------------------------------------
# Too few years, empty years, the H3 entry point
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("years", [[], [2025], [2025, 2026]])
def test_too_few_years_is_a_clear_outcome_not_a_crash(years: list[int]) -> None:
    neighbours = _patch(rings=2)
    values = np.ones((neighbours.n, len(years)))
    summary, series = hs.emerging_hotspots(values=values, neighbours=neighbours, steps=years)
    assert summary.height == neighbours.n
    assert set(summary["category"]) == {"not_enough_steps"}
    assert summary["trend_p"].null_count() == neighbours.n
    assert series.height == neighbours.n * len(years)


def test_a_year_without_crimes_is_untested_not_an_error() -> None:
    neighbours = _patch(rings=3)
    values = np.random.default_rng(1).poisson(3.0, (neighbours.n, 4)).astype(float)
    values[:, 1] = 0.0
    summary, series = hs.emerging_hotspots(
        values=values, neighbours=neighbours, steps=[2023, 2024, 2025, 2026]
    )
    empty = series.filter(series["step"] == 2024)
    assert set(empty["class"]) == {"none"} and (empty["gi_z"] == 0).all()
    assert set(summary["category"]) <= set(CATEGORIES)


def test_bad_input_is_refused() -> None:
    neighbours = _patch(rings=2)
    with pytest.raises(ValueError, match="units × steps"):
        hs.emerging_hotspots(values=np.ones((3, 3)), neighbours=neighbours, steps=[1, 2, 3])
    with pytest.raises(ValueError, match="increase"):
        hs.emerging_hotspots(
            values=np.ones((neighbours.n, 3)), neighbours=neighbours, steps=[1, 3, 2]
        )


def test_h3_points_cluster_appearing_in_the_last_year_is_new() -> None:
    rng = np.random.default_rng(5)
    lat0, lon0 = 62.39, 17.30
    years = [2022, 2023, 2024, 2025, 2026]
    lat, lon, year = [], [], []
    for y in years:
        n = 3000
        lat.append(lat0 + rng.uniform(-0.02, 0.02, n))
        lon.append(lon0 + rng.uniform(-0.04, 0.04, n))
        year.append(np.full(n, y))
    # 400 crimes within about 160 m of one point, only in 2026 (a cluster over a few
    # cells: Gi* does not call one busy cell among quiet neighbours a hot spot).
    lat.append(lat0 + rng.normal(0, 0.0015, 400))
    lon.append(lon0 + rng.normal(0, 0.003, 400))
    year.append(np.full(400, 2026))
    summary, _ = hs.h3_emerging_hotspots(
        lat=np.concatenate(lat), lon=np.concatenate(lon), step=np.concatenate(year),
        resolution=9,
    )  # fmt: skip
    cell = h3.latlng_to_cell(lat0, lon0, 9)
    assert summary.filter(summary["unit"] == cell)["category"].item() == "new_hot"
    assert (summary["category"] == "new_hot").sum() <= 14  # the cluster and its rim


# --------------------------------------------------------------------------------------
# Property: the classification is total and consistent with its inputs
# --------------------------------------------------------------------------------------


@st.composite
def _histories(draw):
    units = draw(st.integers(1, 12))
    steps = draw(st.integers(0, 12))
    state = np.array(
        draw(st.lists(st.sampled_from([0, 1, 2]), min_size=units * steps, max_size=units * steps)),
        dtype=np.int8,
    ).reshape(units, steps)
    trend_z = np.array(draw(st.lists(st.floats(-5, 5), min_size=units, max_size=units)))
    trend_p = np.array(draw(st.lists(st.floats(0, 1), min_size=units, max_size=units)))
    return state == 1, state == 2, trend_z, trend_p


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_histories())
def test_classification_is_total_and_consistent(history) -> None:
    hot, cold, trend_z, trend_p = history
    out = hs.classify_emerging(hot=hot, cold=cold, trend_z=trend_z, trend_p=trend_p)
    assert len(out) == hot.shape[0]
    assert set(out) <= set(CATEGORIES)
    steps = hot.shape[1]
    for i, category in enumerate(out):
        if steps < 3:
            assert category == "not_enough_steps"
            continue
        mine, other = (hot[i], cold[i]) if category.endswith("_hot") else (cold[i], hot[i])
        if category == "no_pattern":
            assert not hot[i, -1] and not cold[i, -1]
            continue
        most = mine.sum() >= MOST_STEPS * steps - 1e-9
        if category.startswith("historical"):
            assert most and not mine[-1] and not other[-1]
        else:
            assert mine[-1]
        if category.startswith(("intensifying", "persistent", "diminishing")):
            assert most
        if category.startswith(("new", "consecutive", "sporadic", "oscillating")):
            assert not most
        if category.startswith("new"):
            assert mine.sum() == 1
        if category.startswith("oscillating"):
            assert other.any()
        if category.startswith("sporadic"):
            assert not other.any()
