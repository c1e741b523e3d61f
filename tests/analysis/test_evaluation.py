"""Difference-in-differences on synthetic data with a known effect."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from trygg.analysis.evaluation import (
    choose_comparison_areas,
    difference_in_differences,
    dispersion,
    weekly_series,
)


def simulate(rng, *, effect: float, base_t=8.0, base_c=20.0, trend=1.2, weeks=(12, 12)):
    wb, wa = weeks
    return (
        rng.poisson(base_t, wb),
        rng.poisson(base_t * trend * effect, wa),
        rng.poisson(base_c, wb),
        rng.poisson(base_c * trend, wa),
    )


def test_recovers_a_planted_reduction_despite_a_common_trend():
    rng = np.random.default_rng(3)
    result = difference_in_differences(*simulate(rng, effect=0.6, weeks=(26, 26)))
    assert result.verdict == "decrease"
    assert result.ci_low < 0.6 < result.ci_high
    assert result.percent_change == pytest.approx(100 * (result.rate_ratio - 1))


def test_interval_covers_the_true_effect_at_about_the_nominal_rate():
    rng = np.random.default_rng(11)
    hits = 0
    runs = 400
    for _ in range(runs):
        r = difference_in_differences(*simulate(rng, effect=0.8))
        hits += r.ci_low <= 0.8 <= r.ci_high
    assert 0.91 <= hits / runs <= 0.99


def test_no_effect_is_rarely_called_a_change():
    rng = np.random.default_rng(5)
    verdicts = [difference_in_differences(*simulate(rng, effect=1.0)).verdict for _ in range(300)]
    called = sum(v in ("decrease", "increase") for v in verdicts) / len(verdicts)
    assert called < 0.08


def test_thin_data_says_so():
    rng = np.random.default_rng(2)
    result = difference_in_differences(*simulate(rng, effect=0.5, base_t=0.4, weeks=(8, 8)))
    assert result.verdict == "too_thin"
    empty = difference_in_differences([0, 0], [0, 0], [1, 2], [1, 2])
    assert empty.verdict == "too_thin" and empty.rate_ratio is None


def test_overdispersion_widens_the_interval():
    rng = np.random.default_rng(9)

    # Bursty weekly counts: a gamma-Poisson mixture with the same mean.
    def bursty(mean, n):
        return rng.poisson(rng.gamma(1.0, mean, n))

    calm = [rng.poisson(10, 20) for _ in range(4)]
    wild = [bursty(10, 20) for _ in range(4)]
    assert dispersion(*calm) < 1.6 < dispersion(*wild)
    a, b = difference_in_differences(*calm), difference_in_differences(*wild)
    assert (b.ci_high / b.ci_low) > (a.ci_high / a.ci_low)


def test_unequal_series_are_refused():
    with pytest.raises(ValueError):
        difference_in_differences([1, 2], [1], [1], [1])


def test_comparison_areas_are_similar_and_outside():
    areas = pl.DataFrame(
        {
            "area_code": ["T1", "T2", "S1", "S2", "F1", "F2", "Z"],
            "population": [5000, 5200, 5100, 4900, 800, 30000, 0],
            "before": [100, 110, 105, 95, 1, 20, 0],
        }
    )
    chosen = choose_comparison_areas(areas, treated=["T1", "T2"], k=2)
    assert chosen == ["S1", "S2"] or chosen == ["S2", "S1"]
    assert "Z" not in choose_comparison_areas(areas, treated=["T1"], k=10)
    assert choose_comparison_areas(areas, treated=["nope"]) == []


def test_weekly_series_counts_per_week():
    monday = date(2026, 1, 5)
    weeks = [monday + timedelta(weeks=i) for i in range(3)]
    events = pl.DataFrame(
        {"area_code": ["A", "A", "B", "C"], "week": [weeks[0], weeks[0], weeks[2], weeks[1]]}
    )
    assert weekly_series(events, areas=["A", "B"], weeks=weeks).tolist() == [2, 0, 1]
