"""Year-over-year changes of the indices, with intervals."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import special

from .design import _require, _t

__all__ = ["year_over_year"]


def year_over_year(
    estimates: pl.DataFrame, *, confidence: float = 0.95, alpha: float = 0.05
) -> pl.DataFrame:
    """Change between consecutive survey years per area (and level) and index.

    Uses the *direct* estimates (a small-area estimate borrows from other areas, so its
    error is not independent between years). Years are independent samples, so
    SE(diff) = √(SE₁² + SE₂²); the test is Welch-style t with df = min(df₁, df₂), two-sided.
    Pairs where either year is suppressed are kept with empty figures and ``suppressed``.
    Columns: ``level, area_code, index, year_from, year_to, estimate_from, estimate_to,
    difference, se, ci_low, ci_high, t, df, p_value, significant, share_from, share_to,
    share_difference, share_se, share_p_value, suppressed``.
    """
    _require(
        estimates,
        ("level", "area_code", "index", "year", "direct_estimate", "direct_se", "df",
         "share", "share_se", "suppressed"),
        "estimates",
    )  # fmt: skip
    keys = ["level", "area_code", "index"]
    base = estimates.select(
        *keys, "year", "direct_estimate", "direct_se", "df", "share", "share_se", "suppressed"
    ).sort([*keys, "year"])
    # Each row with the next one of the same level, area and index (the rows are sorted,
    # so a plain shift and a key comparison do what a shift over the keys would, faster).
    same = pl.all_horizontal([(pl.col(k) == pl.col(k).shift(-1)).fill_null(False) for k in keys])
    pairs = base.with_columns(
        [pl.col(c).shift(-1).alias(f"{c}_to") for c in base.columns if c not in keys]
    ).filter(same & pl.col("year_to").is_not_null())
    diff = pairs["direct_estimate_to"] - pairs["direct_estimate"]
    se = (pairs["direct_se"] ** 2 + pairs["direct_se_to"] ** 2).sqrt()
    df = np.minimum(pairs["df"].to_numpy(), pairs["df_to"].to_numpy())
    diff_np = diff.fill_null(np.nan).to_numpy()
    se_np = se.fill_null(np.nan).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = diff_np / se_np
        p = np.where(df > 0, 2 * special.stdtr(np.maximum(df, 1), -np.abs(t)), np.nan)
        half = _t(confidence, df) * se_np
        share_diff = (pairs["share_to"] - pairs["share"]).fill_null(np.nan).to_numpy()
        share_se = (
            (pairs["share_se"] ** 2 + pairs["share_se_to"] ** 2).sqrt().fill_null(np.nan)
        ).to_numpy()
        share_p = np.where(
            df > 0, 2 * special.stdtr(np.maximum(df, 1), -np.abs(share_diff / share_se)), np.nan
        )
    out = pairs.select(
        *keys,
        pl.col("year").alias("year_from"),
        pl.col("year_to"),
        pl.col("direct_estimate").alias("estimate_from"),
        pl.col("direct_estimate_to").alias("estimate_to"),
    ).with_columns(
        pl.Series("difference", diff_np),
        pl.Series("se", se_np),
        pl.Series("ci_low", diff_np - half),
        pl.Series("ci_high", diff_np + half),
        pl.Series("t", t),
        pl.Series("df", df.astype(float)),
        pl.Series("p_value", p),
        pl.Series("share_from", pairs["share"]),
        pl.Series("share_to", pairs["share_to"]),
        pl.Series("share_difference", share_diff),
        pl.Series("share_se", share_se),
        pl.Series("share_p_value", share_p),
        (pairs["suppressed"] | pairs["suppressed_to"]).alias("suppressed"),
    )
    out = out.with_columns(pl.col(pl.Float64).fill_nan(None))
    return out.with_columns(
        (pl.col("p_value") < alpha).fill_null(False).alias("significant")
    ).select(
        *keys, "year_from", "year_to", "estimate_from", "estimate_to", "difference", "se",
        "ci_low", "ci_high", "t", "df", "p_value", "significant", "share_from", "share_to",
        "share_difference", "share_se", "share_p_value", "suppressed",
    )  # fmt: skip
