"""Year-over-year change of crime rates per 1,000, with an exact test.

Two years' counts are Poisson with the residents as exposure. Given their sum ``n``, the
later count is Binomial(n, p₀) with p₀ = E₂ / (E₁ + E₂) when the rate did not change, so the
test is exact and needs no large-count approximation (the conditional test of Przyborowski
and Wilenski, as R's ``poisson.test`` for two samples). The p-value is the central one,
2·min(P(X ≤ x), P(X ≥ x)); its inversion is the Clopper–Pearson interval for the binomial
share, which gives the interval of the rate ratio. The two therefore always agree: the
change is significant exactly when the interval of the ratio leaves out 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

__all__ = ["RATE_CHANGE_COLUMNS", "RateChange", "crime_rate_changes", "rate_change", "rate_changes"]

#: The columns of :func:`crime_rate_changes` after the grouping columns.
RATE_CHANGE_COLUMNS = (
    "year_from", "year_to", "count_from", "count_to", "population_from", "population_to",
    "rate_from", "rate_to", "difference", "ratio", "ratio_low", "ratio_high", "p_value",
    "significant", "suppressed",
)  # fmt: skip


_FIGURES = ("rate_from", "rate_to", "difference", "ratio", "ratio_low", "ratio_high", "p_value")


@dataclass(frozen=True)
class RateChange:
    """One change; figures are None when suppressed (or, for the ratio, undefined)."""

    rate_from: float | None
    rate_to: float | None
    difference: float | None  # per 1,000
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    p_value: float | None
    significant: bool
    suppressed: bool

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else (self.ratio - 1.0) * 100.0


def rate_changes(
    count_from: np.ndarray,
    population_from: np.ndarray,
    count_to: np.ndarray,
    population_to: np.ndarray,
    *,
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_population: float = 1.0,
) -> dict[str, np.ndarray]:
    """Vectorised: rates per 1,000, their difference, the rate ratio (later / earlier) with
    its exact interval, the two-sided p-value and ``significant`` (p < ``alpha``).

    A pair where either year has fewer than ``min_population`` residents (or none known) is
    ``suppressed``: every figure NaN, never significant. A ratio or bound that is infinite
    or undefined (no crimes in the earlier year) is NaN.
    """
    x1 = np.asarray(count_from, dtype=float)
    x2 = np.asarray(count_to, dtype=float)
    e1 = np.asarray(population_from, dtype=float)
    e2 = np.asarray(population_to, dtype=float)
    suppressed = ~(
        np.isfinite(e1) & np.isfinite(e2) & (e1 >= max(min_population, 1e-12))
        & (e2 >= max(min_population, 1e-12)) & np.isfinite(x1) & np.isfinite(x2)
        & (x1 >= 0) & (x2 >= 0)
    )  # fmt: skip
    # Placeholders where suppressed, so that scipy sees valid arguments; blanked below.
    x1 = np.where(suppressed, 0.0, np.round(x1))
    x2 = np.where(suppressed, 0.0, np.round(x2))
    e1 = np.where(suppressed, 1.0, e1)
    e2 = np.where(suppressed, 1.0, e2)
    n = x1 + x2
    p0 = e2 / (e1 + e2)
    lower_tail = stats.binom.cdf(x2, n, p0)
    upper_tail = stats.binom.sf(x2 - 1, n, p0)
    p_value = np.where(n > 0, np.minimum(1.0, 2.0 * np.minimum(lower_tail, upper_tail)), 1.0)
    a = 1.0 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        share_low = np.where(x2 > 0, stats.beta.ppf(a / 2, x2, n - x2 + 1), 0.0)
        share_high = np.where(x2 < n, stats.beta.ppf(1 - a / 2, x2 + 1, n - x2), 1.0)
        odds = e1 / e2
        ratio = np.where(x1 > 0, (x2 / e2) / (x1 / e1), np.nan)
        ratio_low = np.where(n > 0, share_low / (1 - share_low) * odds, np.nan)
        ratio_high = np.where((n > 0) & (share_high < 1), share_high / (1 - share_high) * odds,
                              np.nan)  # fmt: skip
    rate_from = x1 / e1 * 1000.0
    rate_to = x2 / e2 * 1000.0
    out = {
        "rate_from": rate_from,
        "rate_to": rate_to,
        "difference": rate_to - rate_from,
        "ratio": ratio,
        "ratio_low": ratio_low,
        "ratio_high": ratio_high,
        "p_value": p_value,
    }
    for key, value in out.items():
        value = np.where(suppressed | ~np.isfinite(value), np.nan, value)
        out[key] = value
    out["significant"] = ~suppressed & (out["p_value"] < alpha)
    out["suppressed"] = suppressed
    return out


def rate_change(
    count_from: float,
    population_from: float | None,
    count_to: float,
    population_to: float | None,
    *,
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_population: float = 1.0,
) -> RateChange:
    """One change of a rate per 1,000 from one year to the next (see :func:`rate_changes`)."""
    nan = float("nan")
    values = rate_changes(
        np.array([count_from], dtype=float),
        np.array([nan if population_from is None else population_from], dtype=float),
        np.array([count_to], dtype=float),
        np.array([nan if population_to is None else population_to], dtype=float),
        confidence=confidence, alpha=alpha, min_population=min_population,
    )  # fmt: skip

    def num(key: str) -> float | None:
        value = float(values[key][0])
        return value if np.isfinite(value) else None

    return RateChange(
        rate_from=num("rate_from"),
        rate_to=num("rate_to"),
        difference=num("difference"),
        ratio=num("ratio"),
        ratio_low=num("ratio_low"),
        ratio_high=num("ratio_high"),
        p_value=num("p_value"),
        significant=bool(values["significant"][0]),
        suppressed=bool(values["suppressed"][0]),
    )


def crime_rate_changes(
    rates: pl.DataFrame,
    *,
    by: Sequence[str] = ("area_code",),
    confidence: float = 0.95,
    alpha: float = 0.05,
    min_population: float = 1.0,
) -> pl.DataFrame:
    """Change of the rate per 1,000 between consecutive years per ``by`` group, from a
    table of :func:`~trygg.analysis.crime.crime_rates` (``area_code, year, category, count,
    population``). Counts are summed over what ``by`` leaves out; the population is the
    area's (one value per area and year, summed over the areas of a group). Columns: ``by``
    then :data:`RATE_CHANGE_COLUMNS`."""
    keys = list(by)
    # The population is the area's, repeated on each category's row: one value per area and
    # year, summed over the areas of a group (keys other than the category are the area's).
    area_keys = [k for k in keys if k != "category"]
    pop = (
        rates.group_by(["area_code", *[k for k in area_keys if k != "area_code"], "year"])
        .agg(pl.col("population").first())
        .group_by([*area_keys, "year"])
        .agg(pl.col("population").sum())
    )
    counts = rates.group_by([*keys, "year"]).agg(pl.col("count").sum())
    table = counts.join(pop, on=[*area_keys, "year"], how="left")
    table = table.sort([*keys, "year"])
    if keys:
        same = pl.all_horizontal(
            [(pl.col(k) == pl.col(k).shift(-1)).fill_null(False) for k in keys]
        )
    else:
        same = pl.lit(True)
    pairs = table.with_columns(
        pl.col("year").shift(-1).alias("year_to"),
        pl.col("count").shift(-1).alias("count_to"),
        pl.col("population").shift(-1).alias("population_to"),
    ).filter(same & pl.col("year_to").is_not_null())
    values = rate_changes(
        pairs["count"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        pairs["population"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        pairs["count_to"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        pairs["population_to"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        confidence=confidence, alpha=alpha, min_population=min_population,
    )  # fmt: skip
    out = pairs.select(
        *keys,
        pl.col("year").alias("year_from"),
        pl.col("year_to"),
        pl.col("count").cast(pl.Int64).alias("count_from"),
        pl.col("count_to").cast(pl.Int64),
        pl.col("population").cast(pl.Float64).alias("population_from"),
        pl.col("population_to").cast(pl.Float64),
    ).with_columns(
        *[pl.Series(name, values[name], dtype=pl.Float64) for name in _FIGURES],
        pl.Series("significant", values["significant"], dtype=pl.Boolean),
        pl.Series("suppressed", values["suppressed"], dtype=pl.Boolean),
    )
    return out.with_columns(pl.col(pl.Float64).fill_nan(None)).select(*keys, *RATE_CHANGE_COLUMNS)
