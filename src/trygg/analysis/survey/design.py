"""The survey design and its variance: output constants, strata and PSUs, ratio estimators
with Taylor-linearised variance, share intervals, and the generic weighted mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import sparse, special

from ..errors import InputError, RowProblem

__all__ = [
    "ESTIMATE_COLUMNS",
    "LEVEL_AREA",
    "LEVEL_DISTRICT",
    "LEVEL_TOTAL",
    "METHOD_DIRECT",
    "METHOD_SMALL_AREA",
    "ShareInterval",
    "share_interval",
    "weighted_mean",
]


LEVEL_AREA = "area"
LEVEL_DISTRICT = "district"
LEVEL_TOTAL = "municipality"
METHOD_DIRECT = "direct"
METHOD_SMALL_AREA = "small_area"
ShareInterval = Literal["korn_graubard", "logit"]

#: Columns of :func:`estimate_indices`, in order; the first eight are FORMATS.md's contract.
ESTIMATE_COLUMNS = (
    "area_code", "year", "index", "estimate", "ci_low", "ci_high", "n", "method",
    "suppressed", "se", "share", "share_ci_low", "share_ci_high", "share_se", "level",
    "index_kind", "group", "direct_estimate", "direct_se", "df", "n_effective", "colour",
)  # fmt: skip


@dataclass(frozen=True)
class _Design:
    """Stratum and PSU of every respondent as dense integer ids, and PSUs per stratum."""

    stratum: np.ndarray  # (n,)
    psu: np.ndarray  # (n,) globally unique PSU id
    psu_stratum: np.ndarray  # (P,) stratum of each PSU
    n_h: np.ndarray  # (H,) PSUs per stratum


@dataclass(frozen=True)
class _Domains:
    """Domain membership and the sparse summing matrices the Taylor variance needs.

    ``to_domain`` sums respondents into domains, ``to_pp`` into (domain, PSU) pairs,
    ``pp_to_sp`` those into (domain, stratum) pairs and ``sp_to_domain`` those into
    domains. They do not depend on the variable, so they are built once per set of domains
    and applied to all indices at once (a sparse × dense product per step). When every PSU
    is a single respondent (the default design), a (domain, PSU) pair is a respondent, so
    ``to_pp`` is only a reordering: it is left out (``None``) and ``pp_to_sp`` sums
    respondents straight into (domain, stratum) pairs.
    """

    d: np.ndarray  # (n,) domain id
    size: int
    to_domain: sparse.csr_matrix  # (D, n)
    to_pp: sparse.csr_matrix | None  # (n_pp, n); None: one respondent per PSU
    pp_to_sp: sparse.csr_matrix  # (n_sp, n_pp) or (n_sp, n)
    sp_to_domain: sparse.csr_matrix  # (D, n_sp)
    sp_n_h: np.ndarray  # (n_sp,) PSUs in the pair's stratum (in the whole sample)


def _design(frame: pl.DataFrame, strata: str | None, psu: str | None) -> _Design:
    stratum = _pair(_dense(frame["year"]), _dense(frame[strata or "area_code"]))
    psu_id = np.arange(frame.height) if psu is None else _pair(stratum, _dense(frame[psu]))
    n_psu = int(psu_id.max()) + 1 if psu_id.size else 0
    psu_stratum = np.zeros(n_psu, dtype=np.int64)
    psu_stratum[psu_id] = stratum
    n_h = np.bincount(psu_stratum, minlength=int(stratum.max()) + 1 if stratum.size else 0)
    return _Design(stratum, psu_id, psu_stratum, n_h)


def _domains(d: np.ndarray, size: int, design: _Design) -> _Domains:
    n = d.size
    n_psu = design.psu_stratum.size
    n_strata = design.n_h.size

    def summing(rows: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
        ones = np.ones(n_cols)
        return sparse.csr_matrix((ones, (rows, np.arange(n_cols))), shape=(n_rows, n_cols))

    if n_psu == n:
        # One respondent per PSU: each (domain, PSU) pair is one respondent.
        sp_keys, sp_of = np.unique(d * n_strata + design.stratum, return_inverse=True)
        return _Domains(
            d=d,
            size=size,
            to_domain=summing(d, size, n),
            to_pp=None,
            pp_to_sp=summing(sp_of, sp_keys.size, n),
            sp_to_domain=summing(sp_keys // n_strata, size, sp_keys.size),
            sp_n_h=design.n_h[sp_keys % n_strata].astype(float),
        )
    pp_keys, pp = np.unique(d * n_psu + design.psu, return_inverse=True)
    pp_domain = pp_keys // n_psu
    pp_stratum = design.psu_stratum[pp_keys % n_psu]
    sp_keys, sp_of_pp = np.unique(pp_domain * n_strata + pp_stratum, return_inverse=True)
    sp_domain = sp_keys // n_strata
    return _Domains(
        d=d,
        size=size,
        to_domain=summing(d, size, n),
        to_pp=summing(pp, pp_keys.size, n),
        pp_to_sp=summing(sp_of_pp, sp_keys.size, pp_keys.size),
        sp_to_domain=summing(sp_domain, size, sp_keys.size),
        sp_n_h=design.n_h[sp_keys % n_strata].astype(float),
    )


def _dense(series: pl.Series) -> np.ndarray:
    """Dense 0-based ids of the distinct values (in sorted order)."""
    return series.cast(pl.String).rank("dense").cast(pl.Int64).to_numpy() - 1


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense ids of the distinct (a, b) pairs."""
    return np.unique(a * (int(b.max(initial=0)) + 1) + b, return_inverse=True)[1].astype(np.int64)


@dataclass(frozen=True)
class _Ratio:
    """Per domain (rows) and variable (columns)."""

    estimate: np.ndarray
    variance: np.ndarray
    n: np.ndarray
    df: np.ndarray
    weight_sum: np.ndarray
    n_effective: np.ndarray
    unit_variance: np.ndarray  # weighted variance of y among the domain's answers


def _ratio(y: np.ndarray, w: np.ndarray, dom: _Domains) -> _Ratio:
    """Weighted means of the columns of ``y`` (NaN = no answer) per domain, with Taylor
    variances.

    The linearised variable of the ratio R = Σwy/Σw is z = w(y − R)/Σw for answers in the
    domain and 0 elsewhere; the variance is Σ_h n_h/(n_h − 1) Σ_j (z_hj − z̄_h)² over PSU
    totals z_hj, computed as n_h/(n_h − 1) (Σ z_hj² − (Σ z_hj)²/n_h) so that only PSUs with
    answers need to be visited. A stratum with a single PSU cannot measure its own
    variation; its PSU is centred at 0, the conservative choice.
    """
    return _ratio_levels(y, w, [dom])[0]


def _ratio_levels(y: np.ndarray, w: np.ndarray, doms: list[_Domains]) -> list[_Ratio]:
    """:func:`_ratio` for several sets of domains (area, district, municipality) at once.

    Columns are processed in blocks of about two million values to bound memory; the parts
    that do not depend on the domains (answered or not, weighted values) are computed once
    per block for all of them.
    """
    y = y.reshape(y.shape[0], -1)
    block = max(4, 2_000_000 // max(y.shape[0], 1))
    parts: list[list[_Ratio]] = [[] for _ in doms]
    for k in range(0, y.shape[1], block):
        yb = y[:, k : k + block]
        valid = np.isfinite(yb)
        y0 = np.where(valid, yb, 0.0)
        wv = valid * w[:, None]
        answered = valid.astype(float)
        wy = wv * y0
        ww = wv * wv
        for level, dom in enumerate(doms):
            parts[level].append(_ratio_block(y0, wv, answered, wy, ww, dom))
    fields = _Ratio.__dataclass_fields__
    return [_Ratio(*(np.hstack([getattr(p, f) for p in ps]) for f in fields)) for ps in parts]


def _column(r: _Ratio, j: int) -> _Ratio:
    """One variable's results as 1-D arrays."""
    return _Ratio(*(getattr(r, f)[:, j] for f in _Ratio.__dataclass_fields__))


def _ratio_block(
    y0: np.ndarray,
    wv: np.ndarray,
    answered: np.ndarray,
    wy: np.ndarray,
    ww: np.ndarray,
    dom: _Domains,
) -> _Ratio:
    """One block of columns: ``y0`` values (0 where no answer), ``wv`` weights (0 where no
    answer), ``answered`` 0/1, ``wy = wv·y0``, ``ww = wv²``."""
    d = dom.d
    weight_sum = dom.to_domain @ wv
    n = dom.to_domain @ answered
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (dom.to_domain @ wy) / weight_sum
        # Rows without an answer have wv = 0, so their residual never counts.
        resid = y0 - np.nan_to_num(estimate)[d]
        wresid = wv * resid
        unit_variance = (dom.to_domain @ (wresid * resid)) / weight_sum
        z = wresid / np.where(weight_sum > 0, weight_sum, 1.0)[d]
        if dom.to_pp is None:
            s1 = dom.pp_to_sp @ z
            z *= z
            s2 = dom.pp_to_sp @ z
            psu_answered = dom.pp_to_sp @ answered
        else:
            z_pp = dom.to_pp @ z
            s1 = dom.pp_to_sp @ z_pp
            s2 = dom.pp_to_sp @ (z_pp**2)
            psu_answered = dom.pp_to_sp @ (dom.to_pp @ answered)
        nh = dom.sp_n_h[:, None]
        contrib = np.where(nh > 1, nh / np.maximum(nh - 1, 1) * (s2 - s1**2 / nh), s2)
        variance = dom.sp_to_domain @ np.maximum(contrib, 0.0)
        df = dom.sp_to_domain @ np.where(psu_answered > 0, nh - 1, 0.0)
        w2 = dom.to_domain @ ww
        n_effective = weight_sum**2 / w2
    return _Ratio(estimate, variance, n, df, weight_sum, n_effective, unit_variance)


def _t(confidence: float, df: np.ndarray) -> np.ndarray:
    """Two-sided t quantile per degrees of freedom (NaN where df <= 0 or undefined).

    Degrees of freedom repeat a lot (they are counts), so the quantile is computed once
    per distinct value.
    """
    df = np.asarray(df, dtype=float)
    ok = np.isfinite(df) & (df > 0)
    out = np.full(df.shape, np.nan)
    if ok.any():
        values, inverse = np.unique(df[ok], return_inverse=True)
        out[ok] = special.stdtrit(values, 0.5 + confidence / 2)[inverse]
    return out


def share_interval(
    p: np.ndarray,
    variance: np.ndarray,
    n: np.ndarray,
    df: np.ndarray,
    *,
    confidence: float = 0.95,
    method: ShareInterval = "korn_graubard",
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for weighted shares from their design-based variance.

    Korn–Graubard (1998): Clopper–Pearson on the effective sample size
    n* = min(n, p(1−p)/Var) · (t_{n−1}/t_df)², so it respects 0 and 1 and stays sensible
    for shares near them. ``logit``: p ± t·SE on the log-odds scale, falling back to
    Korn–Graubard where p is 0 or 1.
    """
    p, variance, n, df = (np.asarray(x, dtype=float) for x in (p, variance, n, df))
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(variance > 0, p * (1 - p) / variance, n)
        n_eff = np.minimum(n_eff, n)
        ratio = (_t(confidence, n - 1) / _t(confidence, df)) ** 2
        n_star = n_eff * np.where(np.isfinite(ratio), ratio, 1.0)
        x = p * n_star
        ok = np.isfinite(x) & (n_star > 0)
        low = np.where(
            ok & (x > 0),
            special.betaincinv(np.where(x > 0, x, 1), np.maximum(n_star - x + 1, 1e-12), alpha / 2),
            0.0,
        )
        high = np.where(
            ok & (x < n_star),
            special.betaincinv(x + 1, np.where(n_star - x > 0, n_star - x, 1), 1 - alpha / 2),
            1.0,
        )
        low = np.where(ok, low, np.nan)
        high = np.where(ok, high, np.nan)
        if method == "logit":
            inner = (p > 0) & (p < 1) & (variance > 0)
            se_logit = np.sqrt(variance) / (p * (1 - p))
            centre = special.logit(np.clip(p, 1e-12, 1 - 1e-12))
            half = _t(confidence, df) * se_logit
            low = np.where(inner, special.expit(centre - half), low)
            high = np.where(inner, special.expit(centre + half), high)
        elif method != "korn_graubard":
            raise ValueError(f"unknown share interval method {method!r}")
    return low, high


def weighted_mean(
    frame: pl.DataFrame,
    *,
    value: str,
    weight: str | None = None,
    by: tuple[str, ...] | list[str] = (),
    strata: str | None = None,
    psu: str | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Taylor-linearised weighted mean of ``value`` per ``by`` group (nulls = no answer).

    Unlike :func:`estimate_indices` the design is taken literally: ``strata`` and ``psu``
    as given (none: one stratum, respondents as PSUs). Columns: ``by…, estimate, se,
    ci_low, ci_high, n, df, n_effective``.
    """
    _require(frame, (value, *by, *(c for c in (weight, strata, psu) if c)), "frame")
    work = frame.with_columns(pl.lit("all").alias("__stratum__"), pl.lit(0).alias("__all__"))
    keys, d = _group_ids(work, list(by) or ["__all__"])
    design = _design_literal(work, strata or "__stratum__", psu)
    dom = _domains(d, keys.height, design)
    y = work[value].cast(pl.Float64).fill_null(np.nan).to_numpy()
    w = _weights(work, weight, "frame")
    r = _column(_ratio(y, w, dom), 0)
    se = np.sqrt(r.variance)
    half = _t(confidence, r.df) * se
    keys = keys if by else keys.drop("__all__")
    return keys.with_columns(
        pl.Series("estimate", r.estimate),
        pl.Series("se", se),
        pl.Series("ci_low", r.estimate - half),
        pl.Series("ci_high", r.estimate + half),
        pl.Series("n", r.n.astype(np.int64)),
        pl.Series("df", r.df),
        pl.Series("n_effective", r.n_effective),
    )


def _design_literal(frame: pl.DataFrame, strata: str, psu: str | None) -> _Design:
    stratum = _dense(frame[strata])
    psu_id = np.arange(frame.height) if psu is None else _pair(stratum, _dense(frame[psu]))
    psu_stratum = np.zeros(int(psu_id.max()) + 1, dtype=np.int64)
    psu_stratum[psu_id] = stratum
    return _Design(stratum, psu_id, psu_stratum, np.bincount(psu_stratum))


def _group_ids(frame: pl.DataFrame, by: list[str]) -> tuple[pl.DataFrame, np.ndarray]:
    """Distinct ``by`` keys (sorted) and each row's key id; no keys means one group."""
    keys = frame.select(by).unique().sort(by).with_row_index("__g")
    ids = frame.select(by).join(keys, on=by, how="left", maintain_order="left")["__g"]
    return keys.drop("__g"), ids.to_numpy().astype(np.int64)


def _weights(frame: pl.DataFrame, weight: str | None, name: str) -> np.ndarray:
    if weight is None:
        return np.ones(frame.height)
    if not frame.schema[weight].is_numeric():
        raise InputError(
            RowProblem(name, f"weights must be numbers, not {frame.schema[weight]}", column=weight)
        )
    w = frame[weight].cast(pl.Float64).fill_null(np.nan).to_numpy()
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if bad.size:
        raise InputError(
            [
                RowProblem(
                    name, f"the weight is {w[i]!r}; weights must be positive", int(i) + 1, weight
                )
                for i in bad[:100]
            ]
        )
    return w


def _require(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            [RowProblem(name, "required column is missing", column=c) for c in missing]
        )
