"""The weekly situational picture's computations. Pure Python, no Django.

* ISO weeks in Swedish local time (:func:`week_bounds`, :func:`week_of`).
* Counts against the usual level (:func:`compare_to_usual`): is this week's count in a cell
  (category, area, ...) a real rise against the previous ``k`` weeks? Under "no change" the
  current week and each of the ``k`` baseline weeks have the same Poisson rate, so given the
  total ``n = x + y`` over the ``k + 1`` weeks, the current week's count ``x`` is
  Binomial(n, 1 / (k + 1)): the exact conditional test of two Poisson rates. The one-sided
  p-value ``P(X >= x)`` is corrected for the many cells of the table with Benjamini–Hochberg
  q-values; a cell is flagged as a rise when ``q <= alpha`` and ``x >= min_count`` (two
  reports where there usually are none are not yet a pattern worth a meeting's time). A
  week still under way is compared pro rata: with a share ``f`` of it gone, the current
  week's count is Binomial(n, f / (k + f)).
* One rule for "a real rise" of a single count (the week's total, a crime category, a
  quarter against the one before): :func:`is_real_rise`, with the named thresholds below.
* The time-of-day × weekday grid (:func:`weekday_time_grid`).
* The quarterly view (:func:`quarter_priorities`): which areas need action most and where
  action can change most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from scipy import stats

from .hotspots import benjamini_hochberg

LOCAL = ZoneInfo("Europe/Stockholm")
#: Weeks of usual level the issue asks for: the previous 8 to 12 weeks.
DEFAULT_BASELINE_WEEKS = 10
#: False-discovery rate for the cells of a table (categories, areas, category × area).
DEFAULT_ALPHA = 0.10
#: A single count (the week's total, a quarter): its one-sided p-value must be at most this.
RISE_ALPHA = 0.05
#: Fewer observations than this are never "a real rise", however quiet it was before.
DEFAULT_MIN_COUNT = 3
#: The quarter's "can change most": an area's concentration is counted as if it had this many
#: more observations that repeat nothing, so one or two reports never come first.
QUARTER_PRIOR_OBSERVATIONS = 5


# ----------------------------------------------------------------------------- weeks


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``2026-W05`` (or ``2026-w5``); raises ValueError for anything else."""
        year, _, week = text.strip().upper().partition("-W")
        result = cls(int(year), int(week))
        date.fromisocalendar(result.year, result.week, 1)  # validates the week number
        return result

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shifted(self, weeks: int) -> IsoWeek:
        return week_of_date(self.monday + timedelta(weeks=weeks))

    def bounds(self) -> tuple[datetime, datetime]:
        return week_bounds(self)


def week_of_date(day: date) -> IsoWeek:
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def week_of(moment: datetime) -> IsoWeek:
    """The ISO week a moment falls in, as a Swedish calendar numbers it."""
    return week_of_date(moment.astimezone(LOCAL).date())


def week_bounds(week: IsoWeek) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, Swedish time, as UTC instants."""
    start = datetime.combine(week.monday, datetime.min.time(), tzinfo=LOCAL)
    end = datetime.combine(week.monday + timedelta(weeks=1), datetime.min.time(), tzinfo=LOCAL)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_elapsed(week: IsoWeek, now: datetime) -> float:
    """The share of ``week`` gone at ``now``, in whole hours (1.0 for a week that is over; a
    week not yet begun counts its first hour)."""
    start, end = week.bounds()
    if now >= end:
        return 1.0
    hours = max(1, int(np.ceil((now - start).total_seconds() / 3600)))
    return min(hours, 168) / 168


# ----------------------------------------------------------------- against the usual level


def rise_p_value(
    observed: int, baseline_total: int, baseline_weeks: int, *, elapsed: float = 1.0
) -> float:
    """One-sided exact p-value that ``observed`` in the share ``elapsed`` of this week (1: the
    whole week) exceeds the baseline weeks' rate."""
    if baseline_weeks < 1:
        raise ValueError("the usual level needs at least one earlier week")
    if not 0.0 < elapsed <= 1.0:
        raise ValueError("elapsed must be a share of the week in (0, 1]")
    if observed <= 0:
        return 1.0
    n = observed + baseline_total
    return float(stats.binom.sf(observed - 1, n, elapsed / (baseline_weeks + elapsed)))


def is_real_rise(
    observed: int,
    baseline_total: int,
    baseline_weeks: int,
    *,
    elapsed: float = 1.0,
    alpha: float = RISE_ALPHA,
    min_count: int = DEFAULT_MIN_COUNT,
) -> bool:
    """Whether one count is a real rise on its usual level: at least ``min_count`` and a
    one-sided exact p-value of at most ``alpha`` (pro rata for a week under way)."""
    return observed >= min_count and (
        rise_p_value(observed, baseline_total, baseline_weeks, elapsed=elapsed) <= alpha
    )


def compare_to_usual(
    current: pl.DataFrame,
    baseline: pl.DataFrame,
    *,
    keys: Sequence[str],
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    alpha: float = DEFAULT_ALPHA,
    min_count: int = DEFAULT_MIN_COUNT,
    elapsed: float = 1.0,
) -> pl.DataFrame:
    """This week's count per cell against the mean of the previous ``baseline_weeks``.

    ``current`` and ``baseline`` each have the ``keys`` columns and ``count`` (``baseline``
    summed over its weeks). Returns one row per cell seen in either, with ``observed``,
    ``usual`` (mean per week), ``ratio`` (observed / the usual level for the share
    ``elapsed`` of the week, null when usual is 0), ``p_value``, ``q_value`` and ``rise``
    (bool), sorted with the strongest rises first.
    """
    keys = list(keys)
    schema = {**{k: pl.String for k in keys}, "count": pl.Int64}
    cur = _counts(current, keys, schema).rename({"count": "observed"})
    base = _counts(baseline, keys, schema).rename({"count": "baseline_total"})
    table = cur.join(base, on=keys, how="full", coalesce=True).with_columns(
        pl.col("observed").fill_null(0), pl.col("baseline_total").fill_null(0)
    )
    if table.height == 0:
        return table.with_columns(
            pl.lit(None, pl.Float64).alias(c) for c in ("usual", "ratio", "p_value", "q_value")
        ).with_columns(pl.lit(False).alias("rise"))
    observed = table.get_column("observed").to_numpy()
    total = table.get_column("baseline_total").to_numpy()
    p = np.array(
        [
            rise_p_value(int(x), int(y), baseline_weeks, elapsed=elapsed)
            for x, y in zip(observed, total, strict=True)
        ]
    )
    q = benjamini_hochberg(p)
    usual = total / baseline_weeks
    so_far = usual * elapsed
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(so_far > 0, observed / np.where(so_far > 0, so_far, 1), np.nan)
    return (
        table.with_columns(
            pl.Series("usual", usual, dtype=pl.Float64),
            pl.Series("ratio", ratio, dtype=pl.Float64).fill_nan(None),
            pl.Series("p_value", p, dtype=pl.Float64),
            pl.Series("q_value", q, dtype=pl.Float64),
        )
        .with_columns(
            ((pl.col("q_value") <= alpha) & (pl.col("observed") >= min_count)).alias("rise")
        )
        .sort(["rise", "p_value", *keys], descending=[True, False, *([False] * len(keys))])
    )


def _counts(frame: pl.DataFrame, keys: list[str], schema: dict) -> pl.DataFrame:
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return (
        frame.select(*[pl.col(k).cast(pl.String) for k in keys], pl.col("count").cast(pl.Int64))
        .group_by(keys)
        .agg(pl.col("count").sum())
    )


# ----------------------------------------------------------------------- time of day


def weekday_time_grid(
    weekday: Sequence[int] | np.ndarray, hour: Sequence[int] | np.ndarray, *, block_hours: int = 3
) -> np.ndarray:
    """Counts in a (7, 24 / block_hours) grid: Monday first, blocks from midnight."""
    if 24 % block_hours:
        raise ValueError("block_hours must divide 24")
    weekday = np.asarray(weekday, dtype=int)
    hour = np.asarray(hour, dtype=int)
    grid = np.zeros((7, 24 // block_hours), dtype=int)
    if weekday.size:
        np.add.at(grid, (weekday, hour // block_hours), 1)
    return grid


# ------------------------------------------------------------------------ the quarter


def quarter_priorities(
    areas: pl.DataFrame, observations: pl.DataFrame, *, block_hours: int = 3
) -> pl.DataFrame:
    """Which areas need action most, and where action can change most.

    ``areas``: ``area_code, population, crimes, previous`` (reported crimes this quarter and
    the number of observations in the previous quarter). ``observations``: this
    quarter's ``area_code, category, weekday, hour, severity``.

    * ``need`` — severity-weighted observations plus reported crimes per 1,000 residents.
    * ``concentration`` — the share of the area's observations that fall in its single most
      common category × weekday × time block: a problem that keeps recurring in one form at
      one time is the kind that a targeted operation (patrols steered to a place and hour,
      lighting, a leisure activity) changes; a diffuse one is not. Counted as if the area
      had :data:`QUARTER_PRIOR_OBSERVATIONS` more observations that repeat nothing, so a
      single report (a "share" of 1) never outranks a pattern seen twenty times.
    * ``rising`` — this quarter against the previous one, by the same exact test as the week.
    * ``changeable`` — ``need × concentration``, doubled when rising.

    Returns the areas with those columns, ``need_rank`` and ``change_rank`` (1 = first).
    """
    obs = observations
    if obs.height:
        obs = obs.with_columns((pl.col("hour") // block_hours).alias("block"))
        per_area = obs.group_by("area_code").agg(
            pl.col("severity").sum().alias("weighted"), pl.len().alias("n")
        )
        top = (
            obs.group_by(["area_code", "category", "weekday", "block"])
            .agg(pl.len().alias("cell"))
            .group_by("area_code")
            .agg(pl.col("cell").max().alias("top"))
        )
        per_area = per_area.join(top, on="area_code")
    else:
        per_area = pl.DataFrame(
            schema={"area_code": pl.String, "weighted": pl.Int64, "n": pl.UInt32, "top": pl.UInt32}
        )
    table = (
        areas.join(per_area, on="area_code", how="left")
        .with_columns(
            pl.col("weighted").fill_null(0),
            pl.col("n").fill_null(0),
            pl.col("top").fill_null(0),
            pl.col("crimes").fill_null(0),
            pl.col("previous").fill_null(0),
        )
        .with_columns(
            pl.when(pl.col("population") > 0)
            .then((pl.col("weighted") + pl.col("crimes")) * 1000.0 / pl.col("population"))
            .otherwise(None)
            .alias("need"),
            (pl.col("top") / (pl.col("n") + QUARTER_PRIOR_OBSERVATIONS)).alias("concentration"),
        )
    )
    rising = [
        is_real_rise(int(now), int(before), 1)
        for now, before in zip(
            table.get_column("n").to_list(), table.get_column("previous").to_list(), strict=True
        )
    ]
    table = table.with_columns(pl.Series("rising", rising, dtype=pl.Boolean)).with_columns(
        (
            pl.col("need").fill_null(0.0)
            * pl.col("concentration")
            * pl.when(pl.col("rising")).then(2.0).otherwise(1.0)
        ).alias("changeable")
    )
    return (
        table.with_columns(
            pl.col("need").fill_null(0.0).rank("ordinal", descending=True).alias("need_rank"),
            pl.col("changeable").rank("ordinal", descending=True).alias("change_rank"),
        )
        .sort("need_rank")
        .drop("top")
    )
