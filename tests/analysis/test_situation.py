"""The weekly picture's statistics on synthetic data with known rates."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from trygg.analysis.situation import (
    IsoWeek,
    compare_to_usual,
    quarter_priorities,
    rise_p_value,
    week_bounds,
    week_of,
    weekday_time_grid,
)


def test_iso_weeks_follow_the_swedish_calendar():
    # 2026-01-01 is a Thursday: week 1 of 2026. 2027-01-01 is a Friday: week 53 of 2026.
    assert week_of(datetime(2026, 1, 1, 12, tzinfo=UTC)) == IsoWeek(2026, 1)
    assert week_of(datetime(2027, 1, 1, 12, tzinfo=UTC)) == IsoWeek(2026, 53)
    # Sunday 23:30 UTC in winter is already Monday 00:30 in Stockholm: the next week.
    assert week_of(datetime(2026, 2, 1, 23, 30, tzinfo=UTC)) == IsoWeek(2026, 6)
    start, end = week_bounds(IsoWeek(2026, 14))
    assert start == datetime(2026, 3, 29, 22, tzinfo=UTC)  # summer time began that Sunday
    assert end == datetime(2026, 4, 5, 22, tzinfo=UTC)
    assert IsoWeek.parse("2026-w5") == IsoWeek(2026, 5) and str(IsoWeek(2026, 5)) == "2026-W05"
    assert IsoWeek(2026, 1).shifted(-1) == IsoWeek(2025, 52)
    with pytest.raises(ValueError):
        IsoWeek.parse("2026-W54")


def test_rise_p_value_is_the_exact_conditional_test():
    # 10 weeks of 2/week, then 2: nothing unusual.
    assert rise_p_value(2, 20, 10) > 0.3
    # 10 weeks of 2/week, then 12: a real rise.
    assert rise_p_value(12, 20, 10) < 1e-4
    assert rise_p_value(0, 20, 10) == 1.0


def test_the_poisson_flag_has_its_nominal_false_alarm_rate():
    """With no change, a single cell is flagged at p <= 0.05 about 5 % of the time or less."""
    rng = np.random.default_rng(1)
    lam, k = 3.0, 10
    baseline = rng.poisson(lam * k, 20000)
    current = rng.poisson(lam, 20000)
    p = np.array([rise_p_value(x, y, k) for x, y in zip(current, baseline, strict=True)])
    assert 0.01 < (p <= 0.05).mean() <= 0.055


def test_compare_to_usual_flags_the_planted_rise_and_not_the_noise():
    rng = np.random.default_rng(7)
    weeks, rows_now, rows_before = 10, [], []
    for area in [f"A{i}" for i in range(12)]:
        for category in ("disorder", "vandalism", "youth_gathering"):
            lam = 2.0
            rows_before.append((area, category, int(rng.poisson(lam * weeks))))
            planted = area == "A3" and category == "disorder"
            rows_now.append((area, category, int(rng.poisson(lam * (5 if planted else 1)))))
    schema = ["area_code", "category", "count"]
    result = compare_to_usual(
        pl.DataFrame(rows_now, schema=schema, orient="row"),
        pl.DataFrame(rows_before, schema=schema, orient="row"),
        keys=["area_code", "category"],
        baseline_weeks=weeks,
    )
    flagged = result.filter(pl.col("rise")).select("area_code", "category").rows()
    assert flagged == [("A3", "disorder")]
    top = result.row(0, named=True)
    assert top["usual"] == pytest.approx(rows_before[9][2] / weeks)
    assert top["q_value"] >= top["p_value"]


def test_a_raw_difference_is_not_a_rise():
    # 4 against a usual 2.5 a week is a raw rise of 60 % but well within chance.
    now = pl.DataFrame({"area_code": ["A"], "count": [4]})
    before = pl.DataFrame({"area_code": ["A"], "count": [25]})
    result = compare_to_usual(now, before, keys=["area_code"], baseline_weeks=10)
    assert result.row(0, named=True)["rise"] is False
    # A cell only seen in the baseline is kept, with 0 this week.
    result = compare_to_usual(now.clear(), before, keys=["area_code"], baseline_weeks=10)
    assert result.row(0, named=True)["observed"] == 0


def test_weekday_time_grid():
    grid = weekday_time_grid([0, 0, 6, 4], [0, 2, 23, 21], block_hours=3)
    assert grid.shape == (7, 8)
    assert grid[0, 0] == 2 and grid[6, 7] == 1 and grid[4, 7] == 1 and grid.sum() == 4
    with pytest.raises(ValueError):
        weekday_time_grid([], [], block_hours=5)


def test_quarter_priorities_separate_need_from_changeability():
    areas = pl.DataFrame(
        {
            "area_code": ["diffuse", "focused", "calm"],
            "population": [1000, 1000, 1000],
            "crimes": [10, 10, 0],
            "previous": [40, 5, 1],
        }
    )
    rows = []
    # "diffuse": many observations spread over categories and times.
    for i in range(40):
        rows.append(
            ("diffuse", ["disorder", "vandalism", "other", "threat"][i % 4], i % 7, i % 24, 2)
        )
    # "focused": fewer, but the same thing on Friday evenings, and rising.
    for _ in range(20):
        rows.append(("focused", "open_drug_dealing", 4, 21, 2))
    rows.append(("calm", "other", 1, 12, 1))
    obs = pl.DataFrame(
        rows, schema=["area_code", "category", "weekday", "hour", "severity"], orient="row"
    )
    result = {r["area_code"]: r for r in quarter_priorities(areas, obs).iter_rows(named=True)}
    assert result["diffuse"]["need_rank"] == 1
    assert result["focused"]["change_rank"] == 1
    # 20 of 20 the same, counted with five more observations that repeat nothing: 20 / 25.
    assert result["focused"]["concentration"] == pytest.approx(0.8) and result["focused"]["rising"]
    assert not result["diffuse"]["rising"]
    assert result["calm"]["need_rank"] == 3


def test_one_or_two_observations_never_come_first_where_action_can_change_most():
    """An area with a single report used to have a "concentration" of 1 and could top the
    quarter's list; a repeated pattern now outranks it."""
    areas = pl.DataFrame(
        {
            "area_code": ["single", "pattern"],
            "population": [100, 1000],  # the single report is in a small area: high need
            "crimes": [0, 0],
            "previous": [0, 12],
        }
    )
    rows = [("single", "threat", 2, 22, 3)]
    rows += [("pattern", "youth_gathering", 4, 21, 2)] * 9 + [("pattern", "other", 1, 9, 1)] * 3
    obs = pl.DataFrame(
        rows, schema=["area_code", "category", "weekday", "hour", "severity"], orient="row"
    )
    result = {r["area_code"]: r for r in quarter_priorities(areas, obs).iter_rows(named=True)}
    assert result["single"]["need"] > result["pattern"]["need"]
    assert result["pattern"]["change_rank"] == 1
    assert result["single"]["concentration"] == pytest.approx(1 / 6)


def test_a_week_under_way_is_compared_pro_rata():
    """Four observations by Tuesday against a usual 7 a week: no rise for the whole week,
    but a rise for two sevenths of it (4 against 2 expected so far, many weeks of history);
    the same count at the end of the week is nothing."""
    from trygg.analysis.situation import is_real_rise, rise_p_value

    assert rise_p_value(4, 70, 10, elapsed=1.0) > 0.5
    assert rise_p_value(12, 70, 10, elapsed=2 / 7) < rise_p_value(12, 70, 10, elapsed=1.0)
    assert is_real_rise(12, 70, 10, elapsed=2 / 7)
    assert not is_real_rise(12, 70, 10, elapsed=1.0)
    assert not is_real_rise(2, 0, 10)  # two reports where there were none: not yet a rise
    with pytest.raises(ValueError):
        rise_p_value(1, 1, 10, elapsed=0.0)
    current = pl.DataFrame({"area": ["a"], "count": [12]})
    baseline = pl.DataFrame({"area": ["a"], "count": [70]})
    partial = compare_to_usual(current, baseline, keys=["area"], elapsed=2 / 7).row(0, named=True)
    assert partial["rise"] and partial["ratio"] == pytest.approx(12 / 2)
