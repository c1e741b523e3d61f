"""Difference-in-differences on synthetic data with a known effect."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trygg.analysis.evaluation import (
    DidResult,
    choose_comparison_areas,
    describe_effect,
    difference_in_differences,
    dispersion,
    evaluation_periods,
    indexed,
    select_comparison_areas,
    weekly_series,
)
from trygg.analysis.evaluation_chart import PeriodBand, period_chart


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


# --------------------------------------------------------------------------- comparison rules


def _candidates(**areas: tuple[int, int]) -> pl.DataFrame:
    """``code=(population, events before)``."""
    return pl.DataFrame(
        {
            "area_code": list(areas),
            "population": [p for p, _ in areas.values()],
            "before": [b for _, b in areas.values()],
        }
    )


AREAS = _candidates(
    T=(5000, 100),
    BUSY=(5000, 100),
    PRIO=(5000, 101),
    S1=(5000, 98),
    S2=(5100, 104),
    S3=(4800, 90),
    F1=(900, 2),
    F2=(30000, 30),
)


def test_areas_with_their_own_operation_are_never_comparison_areas():
    choice = select_comparison_areas(AREAS, treated=["T"], busy=["BUSY", "T"], k=7)
    assert "BUSY" not in choice.areas and choice.busy == ["BUSY"]
    # Left out even when that leaves fewer than k areas to choose from.
    assert len(choice.areas) == 6
    assert choice.priority_rule == "none"
    assert "BUSY" in select_comparison_areas(AREAS, treated=["T"], k=7).areas


def test_other_priority_areas_are_left_out_when_enough_candidates_remain():
    choice = select_comparison_areas(AREAS, treated=["T"], priority=["PRIO", "T"], k=3)
    assert choice.priority_rule == "excluded" and choice.priority == ["PRIO"]
    assert "PRIO" not in choice.areas and len(choice.areas) == 3
    # Without the rule the priority area, the most similar one, would have been chosen.
    assert "PRIO" in select_comparison_areas(AREAS, treated=["T"], k=3).areas


def test_other_priority_areas_stay_when_too_few_candidates_would_remain():
    choice = select_comparison_areas(
        AREAS, treated=["T"], busy=["BUSY"], priority=["PRIO", "S1", "S2"], k=5
    )
    # 6 candidates after the busy one; without the three priority areas 3 < 5 remain.
    assert choice.priority_rule == "kept_too_few"
    assert {"PRIO", "S1", "S2"} <= set(choice.areas) and "BUSY" not in choice.areas


def test_no_priority_areas_to_leave_out():
    choice = select_comparison_areas(AREAS, treated=["T"], priority=["T", "NOWHERE"], k=3)
    assert choice.priority_rule == "none" and choice.priority == []


# --------------------------------------------------------------------------- periods


def test_periods_default_to_the_operations_length_and_count_only_finished_weeks():
    # A 10-week operation from Monday 2 March; today is Wednesday of the 3rd week after.
    periods = evaluation_periods(date(2026, 3, 4), date(2026, 5, 8), today=date(2026, 5, 27))
    assert periods.planned_during == 10 and periods.planned_before == 10
    assert periods.before[0] == date(2025, 12, 22) and periods.before[-1] == date(2026, 2, 23)
    assert periods.during[0] == date(2026, 3, 2) and len(periods.during) == 10
    assert periods.after == [date(2026, 5, 11), date(2026, 5, 18)]  # the 25th is not over
    assert periods.after_running and not periods.during_running
    assert [periods.period_of(w) for w in (date(2026, 2, 23), date(2026, 3, 2))] == [
        "before",
        "during",
    ]
    assert periods.period_of(date(2026, 5, 11)) == "after"
    assert periods.window == (date(2025, 12, 22), date(2026, 7, 19))


def test_periods_lengths_are_kept_within_bounds_and_can_be_set():
    short = evaluation_periods(date(2026, 3, 2), date(2026, 3, 8), today=date(2027, 1, 1))
    assert (len(short.before), len(short.during), len(short.after)) == (8, 1, 8)
    long = evaluation_periods(date(2026, 1, 5), date(2026, 12, 27), today=date(2028, 1, 1))
    assert (len(long.before), len(long.after)) == (26, 26)
    custom = evaluation_periods(
        date(2026, 3, 2), date(2026, 3, 8), today=date(2027, 1, 1), before_weeks=4, after_weeks=2
    )
    assert (len(custom.before), len(custom.after)) == (4, 2)
    running = evaluation_periods(date(2026, 3, 2), date(2026, 6, 28), today=date(2026, 4, 1))
    assert running.during_running and running.after == [] and running.after_running


def test_planted_effect_is_recovered_during_and_after():
    """The whole chain on weekly counts: a 40 % cut during, half of it kept after."""
    rng = np.random.default_rng(21)
    periods = evaluation_periods(date(2026, 3, 2), date(2026, 5, 24), today=date(2027, 1, 1))
    rate = {"before": 1.0, "during": 0.6, "after": 0.8}
    trend = {"before": 1.0, "during": 1.3, "after": 1.1}
    rows = []
    for week in periods.weeks:
        p = periods.period_of(week)
        rows += [("T", week)] * rng.poisson(20 * rate[p] * trend[p])
        rows += [("C", week)] * rng.poisson(40 * trend[p])
    events = pl.DataFrame(rows, schema={"area_code": pl.String, "week": pl.Date}, orient="row")

    def did(later):
        return difference_in_differences(
            weekly_series(events, areas=["T"], weeks=periods.before),
            weekly_series(events, areas=["T"], weeks=later),
            weekly_series(events, areas=["C"], weeks=periods.before),
            weekly_series(events, areas=["C"], weeks=later),
        )

    during, after = did(periods.during), did(periods.after)
    assert during.verdict == "decrease" and during.ci_low < 0.6 < during.ci_high
    assert after.ci_low < 0.8 < after.ci_high


# --------------------------------------------------------------------------- words


def _result(tb, ta, cb, ca, weeks=(10, 10)) -> DidResult:
    return difference_in_differences(
        [tb / weeks[0]] * weeks[0],
        [ta / weeks[1]] * weeks[1],
        [cb / weeks[0]] * weeks[0],
        [ca / weeks[1]] * weeks[1],
    )


def test_a_fall_bigger_than_in_comparable_areas_fell_more():
    effect = describe_effect(_result(400, 276, 400, 300))  # -31 % against -25 %
    assert (effect.direction, effect.relation) == ("fell", "more")
    assert effect.size == pytest.approx(8, abs=0.1) and effect.verdict in (
        "decrease",
        "no_clear_change",
    )


def test_a_rise_smaller_than_in_comparable_areas_rose_less():
    effect = describe_effect(_result(400, 440, 400, 500))  # +10 % against +25 %
    assert (effect.direction, effect.relation) == ("rose", "less")
    assert effect.size == pytest.approx(12, abs=0.1)


def test_a_rise_bigger_and_a_fall_smaller_than_in_comparable_areas():
    rose = describe_effect(_result(400, 600, 400, 420))
    assert (rose.direction, rose.relation, rose.verdict) == ("rose", "more", "increase")
    fell = describe_effect(_result(400, 380, 400, 200))
    assert (fell.direction, fell.relation, fell.verdict) == ("fell", "less", "increase")


def test_no_change_and_thin_data():
    same = describe_effect(_result(400, 400, 400, 400))
    assert same.verdict == "no_clear_change" and same.size == pytest.approx(0)
    assert same.direction == "unchanged"
    thin = describe_effect(_result(4, 2, 400, 400))
    assert thin.verdict == "too_thin" and thin.direction is None and thin.size is None


def test_index_is_100_at_the_mean_before():
    assert indexed([2, 4, 6, 3], base=2) == [
        pytest.approx(v, abs=0.01) for v in (66.67, 133.33, 200, 100)
    ]
    assert indexed([0, 0, 5], base=2) == [None, None, None]


# --------------------------------------------------------------------------- chart


def test_the_chart_shades_the_periods_and_names_itself():
    weeks = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(12)]
    bands = [
        PeriodBand("before", "Före", weeks[0], weeks[3]),
        PeriodBand("during", "Under", weeks[4], weeks[7]),
        PeriodBand("after", "Efter", weeks[8], weeks[11]),
    ]
    svg = period_chart(
        weeks,
        [("Insats <områden>", [100.0] * 4 + [60.0] * 8), ("Jämförelse", [100.0, None] * 6)],
        periods=bands,
        title="Observationer & index",
        description="Text för skärmläsare",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="period-chart-title">Observationer &amp; index</title>' in svg
    assert "Text för skärmläsare" in svg and "Insats &lt;områden&gt;" in svg
    assert svg.count("<rect") == 2  # during and after shaded, before not
    assert ">2026-02-02<" in svg  # the first Monday of the during period
    empty = period_chart(weeks, [("x", [None] * 12)], periods=bands, title="t", no_data="Inga")
    assert "Inga" in empty


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    counts=st.tuples(*[st.integers(min_value=1, max_value=2000)] * 4),
    weeks=st.tuples(st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=30)),
)
def test_the_words_always_match_the_rate_ratio(counts, weeks):
    """Whatever the counts: "fell … more" and "rose … less" mean a ratio below 1, the size
    is the distance from 1, and the operation areas' own direction is the one stated."""
    tb, ta, cb, ca = counts
    wb, wa = weeks
    result = _result(tb, ta, cb, ca, weeks=(wb, wa))
    effect = describe_effect(result)
    if result.verdict == "too_thin":
        assert effect.size is None
        return
    below = (effect.direction, effect.relation) in {
        ("fell", "more"),
        ("rose", "less"),
        ("unchanged", "more"),
    }
    assert below == (result.rate_ratio < 1) or result.rate_ratio == pytest.approx(1)
    assert effect.size == pytest.approx(abs(result.rate_ratio - 1) * 100)
    own = (ta / wa) / (tb / wb)
    assert effect.direction == ("fell" if own < 1 else "rose" if own > 1 else "unchanged")
