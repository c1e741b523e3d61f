"""The Fay–Herriot model: REML against a brute-force optimum, shrinkage and its benefit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import optimize

from trygg.analysis.smallarea import fay_herriot, interval


def area_data(m: int = 60, groups: int = 4, sigma_v: float = 0.4, seed: int = 1):
    rng = np.random.default_rng(seed)
    group = np.arange(m) % groups
    beta = rng.normal(2.0, 0.7, groups)
    theta = beta[group] + rng.normal(0, sigma_v, m)
    psi = rng.uniform(0.05, 0.6, m)
    y = theta + rng.normal(0, np.sqrt(psi))
    frame = pl.DataFrame(
        {"area_code": [f"A{i}" for i in range(m)], "estimate": y, "variance": psi,
         "parent_code": [f"D{g}" for g in group]}
    )  # fmt: skip
    return frame, theta


def restricted_loglik(sigma2: float, y, psi, x) -> float:
    """The REML log-likelihood written out with dense matrices (the slow, obvious way)."""
    v = np.diag(sigma2 + psi)
    vi = np.linalg.inv(v)
    xtvix = x.T @ vi @ x
    p = vi - vi @ x @ np.linalg.inv(xtvix) @ x.T @ vi
    return -0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(xtvix)[1] + y @ p @ y)


def test_reml_matches_a_brute_force_optimum():
    frame, _ = area_data()
    fit = fay_herriot(frame, group="parent_code")
    y, psi = frame["estimate"].to_numpy(), frame["variance"].to_numpy()
    groups = frame["parent_code"].to_numpy()
    x = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
    best = optimize.minimize_scalar(
        lambda s: -restricted_loglik(s, y, psi, x), bounds=(0, 5), method="bounded",
        options={"xatol": 1e-10},
    )  # fmt: skip
    assert fit.converged
    assert fit.sigma2_v == pytest.approx(best.x, rel=1e-4)
    assert fit.n_areas == 60 and fit.n_groups == 4


def test_eblup_shrinks_noisy_areas_towards_their_district():
    frame, theta = area_data(m=200, sigma_v=0.3, seed=4)
    fit = fay_herriot(frame, group="parent_code")
    out = fit.estimates
    gamma = out["gamma"].to_numpy()
    psi = frame["variance"].to_numpy()
    # Noisier direct estimate -> less weight on it.
    assert np.corrcoef(gamma, psi)[0, 1] < -0.9
    eblup = out["eblup"].to_numpy()
    direct = frame["estimate"].to_numpy()
    assert np.mean((eblup - theta) ** 2) < 0.7 * np.mean((direct - theta) ** 2)
    # MSE estimates are honest on average: close to the realised squared error.
    assert np.mean(out["mse"].to_numpy()) == pytest.approx(np.mean((eblup - theta) ** 2), rel=0.35)
    low, high = interval(eblup, out["mse"].to_numpy())
    assert 0.88 < np.mean((low <= theta) & (theta <= high)) < 0.99


def test_no_between_area_variance_gives_the_district_mean():
    rng = np.random.default_rng(2)
    m = 40
    psi = np.full(m, 0.5)
    y = 3.0 + rng.normal(0, np.sqrt(psi))  # every area has the same true value
    frame = pl.DataFrame({"estimate": y, "variance": psi})
    fit = fay_herriot(frame)
    assert fit.sigma2_v < 0.1
    assert fit.estimates["gamma"].max() < 0.2  # almost all weight on the common mean
    spread_direct = np.std(y)
    assert np.std(fit.estimates["eblup"].to_numpy()) < 0.2 * spread_direct


def test_unusable_rows_and_too_few_areas():
    frame = pl.DataFrame(
        {"estimate": [1.0, 2.0, None, 1.5, 2.5, 1.2], "variance": [0.1, 0.2, 0.1, 0.0, 0.1, 0.3]}
    )
    fit = fay_herriot(frame)
    out = fit.estimates
    assert out["eblup"].is_null().to_list() == [False, False, True, True, False, False]
    assert fit.n_areas == 4
    tiny = fay_herriot(frame.head(2))
    assert tiny.estimates["eblup"].null_count() == 2 and not tiny.converged


def test_single_area_districts_are_pooled():
    frame, _ = area_data(m=30, groups=3)
    frame = frame.with_columns(
        pl.when(pl.col("area_code") == "A0").then(pl.lit("alone")).otherwise("parent_code")
        .alias("parent_code")
    )  # fmt: skip
    fit = fay_herriot(frame, group="parent_code")
    assert fit.estimates.filter(pl.col("area_code") == "A0")["model_group"][0] == "__pooled__"


def test_missing_column():
    with pytest.raises(ValueError, match="no column 'variance'"):
        fay_herriot(pl.DataFrame({"estimate": [1.0]}))
