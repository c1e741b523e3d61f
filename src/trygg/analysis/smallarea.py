"""Small-area estimation: the Fay–Herriot area-level model with empirical-Bayes shrinkage.

An area with a few dozen answers has a direct estimate too noisy to rank on. The
Fay–Herriot model treats each area's direct estimate ``y_i`` (sampling variance ``ψ_i``,
taken as known) as the true value ``θ_i`` plus sampling error, and the true values as
varying around their parent district's level ``β_d`` with between-area variance ``σ²_v``::

    y_i = θ_i + e_i,   e_i ~ N(0, ψ_i)
    θ_i = β_d(i) + v_i, v_i ~ N(0, σ²_v)

The EBLUP ``γ_i y_i + (1 − γ_i) β̂_d(i)`` with ``γ_i = σ²_v / (σ²_v + ψ_i)`` shrinks a
thin area (large ``ψ_i``) towards its district and leaves a well-measured one nearly alone.

Choices, documented because they matter:

- ``σ²_v`` is estimated by REML (Fisher scoring), truncated at 0. REML accounts for the
  district means being estimated, which matters with few areas per district.
- The regressors are one indicator per parent district (``β_d`` is the district level).
  Districts with fewer than ``min_areas_per_group`` areas cannot estimate their own level
  and share one pooled level; without groups the model has one common mean.
- The MSE is the Prasad–Rao / Datta–Lahiri second-order approximation for REML,
  ``g1 + g2 + 2 g3``; the interval is EBLUP ± z·√MSE.
- All sums are per district, so the fit is O(m) in the number of areas: no m × m matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import special

POOLED_GROUP = "__pooled__"


@dataclass(frozen=True)
class FayHerriotFit:
    """The fitted model. ``estimates`` is the input frame plus ``eblup, mse, gamma,
    synthetic, model_group`` (areas left out of the fit have nulls)."""

    estimates: pl.DataFrame
    sigma2_v: float
    iterations: int
    converged: bool
    n_areas: int
    n_groups: int


def fay_herriot(
    frame: pl.DataFrame,
    *,
    estimate: str = "estimate",
    variance: str = "variance",
    group: str | None = None,
    min_areas_per_group: int = 2,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> FayHerriotFit:
    """Fit the Fay–Herriot model to one direct estimate per area and return EBLUPs.

    ``frame`` has one row per area with the direct ``estimate`` and its sampling
    ``variance`` (> 0); ``group`` names an optional parent-district column to shrink
    towards. Rows with a missing estimate or a non-positive variance are returned with
    null results and left out of the fit. Needs at least three usable areas (and more
    areas than district levels); otherwise every result is null.
    """
    for column in (estimate, variance, *([group] if group else [])):
        if column not in frame.columns:
            raise ValueError(f"fay_herriot: the frame has no column '{column}'")
    labels = (
        frame[group].cast(pl.String).fill_null(POOLED_GROUP).to_numpy().astype(object)
        if group
        else None
    )
    fit = fay_herriot_arrays(
        frame[estimate].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        frame[variance].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        labels,
        min_areas_per_group=min_areas_per_group,
        max_iter=max_iter,
        tol=tol,
    )
    out = frame.with_columns(
        pl.Series("eblup", fit.eblup).fill_nan(None),
        pl.Series("mse", fit.mse).fill_nan(None),
        pl.Series("gamma", fit.gamma).fill_nan(None),
        pl.Series("synthetic", fit.synthetic).fill_nan(None),
        pl.Series("model_group", fit.model_group.astype(str)),
    )
    return FayHerriotFit(
        out, fit.sigma2_v, fit.iterations, fit.converged, fit.n_areas, fit.n_groups
    )


@dataclass(frozen=True)
class FayHerriotArrays:
    """:func:`fay_herriot_arrays`' result: per input row (NaN where left out of the fit)."""

    eblup: np.ndarray
    mse: np.ndarray
    gamma: np.ndarray
    synthetic: np.ndarray
    model_group: np.ndarray
    sigma2_v: float
    iterations: int
    converged: bool
    n_areas: int
    n_groups: int


def fay_herriot_arrays(
    y_all: np.ndarray,
    psi_all: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    min_areas_per_group: int = 2,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> FayHerriotArrays:
    """:func:`fay_herriot` on arrays: direct estimates ``y_all``, sampling variances
    ``psi_all`` (NaN = left out) and optional parent-district ``labels`` (object array of
    ``str``). The survey code calls this once per index and year, without a frame."""
    y_all = np.asarray(y_all, dtype=float)
    psi_all = np.asarray(psi_all, dtype=float)
    size = y_all.size
    usable = np.isfinite(y_all) & np.isfinite(psi_all) & (psi_all > 0)
    if labels is None:
        labels = np.full(size, POOLED_GROUP, dtype=object)
    # Districts with too few usable areas share a pooled level.
    names, sizes = np.unique(labels[usable].astype(str), return_counts=True)
    small = set(names[sizes < min_areas_per_group])
    model_group = np.array([POOLED_GROUP if g in small else g for g in labels], dtype=object)

    y, psi = y_all[usable], psi_all[usable]
    names, gid = np.unique(model_group[usable].astype(str), return_inverse=True)
    m, p = y.size, names.size
    if m < 3 or m <= p:
        nan = np.full(size, np.nan)
        return FayHerriotArrays(nan, nan, nan, nan, model_group, float("nan"), 0, False, m, p)

    sigma2, iterations, converged = _reml(y, psi, gid, p, max_iter, tol)
    a = sigma2 + psi
    s1 = np.bincount(gid, weights=1 / a, minlength=p)
    beta = np.bincount(gid, weights=y / a, minlength=p) / s1
    gamma = sigma2 / a
    synthetic = beta[gid]
    eblup = gamma * y + (1 - gamma) * synthetic
    # Prasad–Rao / Datta–Lahiri MSE for REML.
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 / s1[gid]
    var_sigma2 = 2.0 / np.sum(1.0 / a**2)
    g3 = psi**2 / a**3 * var_sigma2
    mse = g1 + g2 + 2 * g3

    def spread(values: np.ndarray) -> np.ndarray:
        full = np.full(size, np.nan)
        full[usable] = values
        return full

    return FayHerriotArrays(
        spread(eblup), spread(mse), spread(gamma), spread(synthetic), model_group,
        float(sigma2), iterations, converged, int(m), int(p),
    )  # fmt: skip


def _reml(
    y: np.ndarray, psi: np.ndarray, gid: np.ndarray, p: int, max_iter: int, tol: float
) -> tuple[float, int, bool]:
    """REML estimate of σ²_v by Fisher scoring with group-indicator regressors.

    With X the district indicators and V = diag(σ²_v + ψ), P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹ is
    block diagonal by district, so the score ½(y'P²y − tr P) and the information ½ tr P²
    reduce to per-district sums.
    """
    # Start from the moment estimate: spread of the estimates beyond sampling noise.
    resid0 = y - (np.bincount(gid, weights=y, minlength=p) / np.bincount(gid, minlength=p))[gid]
    sigma2 = max(float(np.sum(resid0**2) / max(y.size - p, 1) - np.mean(psi)), 0.0)
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        a = sigma2 + psi
        s1 = np.bincount(gid, weights=1 / a, minlength=p)
        s2 = np.bincount(gid, weights=1 / a**2, minlength=p)
        s3 = np.bincount(gid, weights=1 / a**3, minlength=p)
        beta = np.bincount(gid, weights=y / a, minlength=p) / s1
        r = y - beta[gid]
        trace_p = np.sum(1 / a) - np.sum(s2 / s1)
        trace_pp = np.sum(1 / a**2) - 2 * np.sum(s3 / s1) + np.sum((s2 / s1) ** 2)
        # P y = V⁻¹ r (the GLS residual), so y'P²y = Σ r² / a².
        score = 0.5 * (np.sum(r**2 / a**2) - trace_p)
        info = 0.5 * trace_pp
        step = score / info
        new = max(sigma2 + step, 0.0)
        if abs(new - sigma2) <= tol * max(1.0, sigma2):
            sigma2 = new
            converged = True
            break
        if new == 0.0 and sigma2 == 0.0:
            converged = True  # the boundary: no between-area variance beyond noise
            break
        sigma2 = new
    return sigma2, iteration, converged


def interval(eblup: np.ndarray, mse: np.ndarray, *, confidence: float = 0.95):
    """EBLUP ± z·√MSE."""
    z = special.ndtri(0.5 + confidence / 2)
    half = z * np.sqrt(mse)
    return eblup - half, eblup + half


def synthetic_for(
    y: np.ndarray,
    psi: np.ndarray,
    labels: np.ndarray | None,
    targets: np.ndarray | None,
    *,
    min_areas_per_group: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Model-based estimates for areas that have no usable direct estimate.

    The model is fitted on the areas that have one (``y``, ``psi``, parent ``labels``);
    each target area (parent label in ``targets``, or one common level when ``None``) gets
    the synthetic estimate of the model, its district's level ``β̂_d``, with
    MSE ``σ²_v + Var(β̂_d)``: the area's own deviation is unknown, so the interval is as wide
    as the areas of the district differ, plus the uncertainty of the level. A target whose
    district has no level of its own in the model gets the common level of a model without
    districts (whose ``σ²_v`` then holds the spread between districts too). NaN where no
    model can be fitted (fewer than three usable areas).
    """
    y = np.asarray(y, dtype=float)
    psi = np.asarray(psi, dtype=float)
    n_targets = 0 if targets is None else len(targets)
    if targets is None:
        return np.full(0, np.nan), np.full(0, np.nan)
    estimate = np.full(n_targets, np.nan)
    mse = np.full(n_targets, np.nan)
    usable = np.isfinite(y) & np.isfinite(psi) & (psi > 0)

    def levels(fit: FayHerriotArrays) -> dict[str, tuple[float, float]]:
        """Model group -> (β̂, Var β̂) from a fit."""
        out: dict[str, tuple[float, float]] = {}
        rows = np.flatnonzero(usable & np.isfinite(fit.synthetic))
        groups = fit.model_group[rows].astype(str)
        for group in np.unique(groups):
            members = rows[groups == group]
            s1 = np.sum(1.0 / (fit.sigma2_v + psi[members]))
            out[group] = (float(fit.synthetic[members[0]]), float(1.0 / s1))
        return out

    todo = np.ones(n_targets, dtype=bool)
    if labels is not None:
        fit = fay_herriot_arrays(y, psi, labels, min_areas_per_group=min_areas_per_group)
        if np.isfinite(fit.sigma2_v):
            by_group = levels(fit)
            for k, label in enumerate(np.asarray(targets, dtype=object).astype(str)):
                if label != POOLED_GROUP and label in by_group:
                    beta, var_beta = by_group[label]
                    estimate[k], mse[k] = beta, fit.sigma2_v + var_beta
                    todo[k] = False
    if todo.any():
        fit = fay_herriot_arrays(y, psi, None, min_areas_per_group=min_areas_per_group)
        if np.isfinite(fit.sigma2_v):
            beta, var_beta = levels(fit)[POOLED_GROUP]
            estimate[todo], mse[todo] = beta, fit.sigma2_v + var_beta
    return estimate, mse
