"""Survey estimates: weighted index and share per area × year, with design-based intervals.

Input is the typed response frame from :mod:`survey_io`, usually with the ``weight`` column
that :func:`weighting.rake` adds. For every area × year and every index (each index group
of the questionnaire, e.g. ``problem_index``, and each item, e.g. ``litter``) the output has
one row (:func:`estimate_indices`); FORMATS.md's ``survey_indices.csv`` is its first eight
columns.

Method, and why:

- A respondent's item value is the questionnaire's 0–6 index value of their answer; "no
  opinion" is not an answer. A respondent's group value is the mean of their answered
  items in the group, when they answered at least the questionnaire's ``min_items_share``
  of the group's items *that the survey of their year has answers for* (a file with 4 of
  the 13 problem items gets a problem index from those 4; :func:`item_coverage` says which
  items each group was computed from, and the run reports it). The *share* of an item is the share answering one of the scale's share codes
  (e.g. 4–5, "a big problem"); the share of a group is the share for whom at least one
  answered item is in its share codes (e.g. "victimised by any of the crimes asked about").
- The estimate is the weighted mean (a ratio estimator, Σwy/Σw). Its variance is by
  Taylor linearisation, with strata and PSUs: by default each area × year is a stratum
  (the police sample every area separately) and each respondent a PSU; ``strata`` and
  ``psu`` columns override this (strata are always crossed with year, since each year is a
  new sample). Respondents without an answer stay in the design with a zero contribution
  (domain estimation), as ``svy: mean, subpop()`` does. Checked against NHANES II in the
  tests (mean zinc 87.18207, SE 0.4944827, as Stata and R's survey).
- Intervals for means use Student's t with the domain's design degrees of freedom (PSUs
  minus strata in the strata it touches), clipped to 0–6. Intervals for shares are
  Korn–Graubard (Clopper–Pearson on the design-effective sample size, df-adjusted) by
  default, or logit; never Wald, which fails for small shares in thin areas.
- Areas with fewer than ``min_n_publish`` answers for an index are *suppressed*: the row
  is kept with ``suppressed = true``, ``n`` and every estimate column empty, and ``method``
  empty, so a report can mark the cell. Index rows with no answers at all (an item not
  asked that year) are left out.
- Areas with ``min_n_publish <= n < small_area_below`` get a Fay–Herriot estimate
  (:mod:`smallarea`) shrunk towards their parent district, ``method = small_area``; its
  interval is EBLUP ± z·√MSE. The model uses a smoothed sampling variance
  ``s²·deff/n`` (pooled respondent variance of the year, the area's Kish design effect),
  because a thin area's own variance estimate is itself too noisy and an area that
  happened to get similar answers would otherwise escape shrinkage. Shares are always
  direct.
- District (``parents``) and municipality (``total_code``) rows are direct estimates over
  all their respondents, with ``level`` saying which.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy import sparse, special

from .errors import InputError, RowProblem
from .questionnaire import Questionnaire, standard_questionnaire
from .smallarea import POOLED_GROUP, fay_herriot_arrays

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


# ----------------------------------------------------------------------------- design


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


# ------------------------------------------------------------------------ public: generic


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


# ------------------------------------------------------------------ public: the indices


def respondent_scores(
    responses: pl.DataFrame, *, questionnaire: Questionnaire | None = None
) -> pl.DataFrame:
    """Per respondent: the 0–6 value and the share indicator of every item and group.

    Columns ``respondent_id, year, area_code`` (and ``weight`` if present), then
    ``score__{index}`` (Float64, null = no answer) and ``share__{index}`` (0/1, null = no
    answer) for every item and group. The bootstrap of the priority ranking resamples these.
    """
    q = questionnaire or standard_questionnaire()
    names, _, _, scores, shares = _score_matrix(responses, q)
    keep = [c for c in ("respondent_id", "year", "area_code", "weight") if c in responses.columns]
    return responses.select(keep).with_columns(
        [pl.Series(f"score__{k}", scores[:, j]).fill_nan(None) for j, k in enumerate(names)]
        + [pl.Series(f"share__{k}", shares[:, j]).fill_nan(None) for j, k in enumerate(names)]
    )


def _score_matrix(
    responses: pl.DataFrame, q: Questionnaire
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """Index names, kinds, groups and (n × K) score and share matrices (NaN = no answer)."""
    names, kinds, groups = [], [], []
    score_cols, share_cols = [], []
    item_scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for item in q.items:
        if item.code not in responses.columns:
            continue
        codes = responses[item.code].cast(pl.Int64).fill_null(-1).to_numpy()
        index_lookup = item.scale.index_lookup()
        share_lookup = item.scale.share_lookup()
        inside = (codes >= 0) & (codes < index_lookup.size)
        safe = np.where(inside, codes, 0)
        score = np.where(inside, index_lookup[safe], np.nan)
        share = np.where(inside & np.isfinite(score), share_lookup[safe], np.nan)
        item_scores[item.code] = (score, share)
    year_id = _dense(responses["year"]) if "year" in responses.columns else None
    for group in q.groups:
        members = [item_scores[i.code] for i in q.items_in(group) if i.code in item_scores]
        if not members:
            continue
        s = np.column_stack([m[0] for m in members])
        b = np.column_stack([m[1] for m in members])
        answered = np.isfinite(s).sum(axis=1)
        enough = answered >= _min_answered(s, year_id, q.min_items_share)
        with np.errstate(invalid="ignore"):
            mean = np.where(enough, np.nansum(s, axis=1) / np.maximum(answered, 1), np.nan)
        any_share = np.where(enough, (np.nan_to_num(b) > 0).any(axis=1).astype(float), np.nan)
        names.append(group)
        kinds.append("group")
        groups.append(group)
        score_cols.append(mean)
        share_cols.append(any_share)
        for item in q.items_in(group):
            if item.code in item_scores:
                names.append(item.code)
                kinds.append("item")
                groups.append(group)
                score_cols.append(item_scores[item.code][0])
                share_cols.append(item_scores[item.code][1])
    n = responses.height
    scores = np.empty((n, len(score_cols)))
    shares = np.empty((n, len(share_cols)))
    for j, (score, share) in enumerate(zip(score_cols, share_cols, strict=True)):
        scores[:, j] = score
        shares[:, j] = share
    return names, kinds, groups, scores, shares


def min_items_for(share: float, items: int) -> int:
    """Answered items a respondent needs for a group value when ``items`` of the group's
    items are in the survey: the questionnaire's ``min_items_share`` of them, at least one
    (0 when no item is there)."""
    if items <= 0:
        return 0
    return max(1, math.ceil(share * items - 1e-9))


def _min_answered(s: np.ndarray, year_id: np.ndarray | None, share: float) -> np.ndarray:
    """Per respondent, the answered items needed for a group value (``s``: the group's item
    scores, NaN = no answer). The share counts the group's items that the survey of the
    respondent's year has answers for, not the questionnaire's: a survey that asked 4 of 13
    problem items still gets a problem index (from those 4), and says so (item_coverage).
    Where no item is there the need is above any count, so no group value."""
    if year_id is None:
        year_id = np.zeros(s.shape[0], dtype=np.int64)
    finite = np.isfinite(s)
    years = int(year_id.max()) + 1 if year_id.size else 0
    present = np.zeros((years, s.shape[1]), dtype=bool)
    for j in range(s.shape[1]):
        present[:, j] = np.bincount(year_id, weights=finite[:, j], minlength=years) > 0
    k = present.sum(axis=1)
    need = np.array([min_items_for(share, int(c)) for c in k], dtype=float)
    need[k == 0] = np.inf
    return need[year_id] if year_id.size else np.zeros(0)


def item_coverage(
    responses: pl.DataFrame,
    *,
    questionnaire: Questionnaire | None = None,
    in_source: Collection[str] | None = None,
) -> dict:
    """Which items of each index group the survey holds and what a group was computed from.

    ``in_source`` are the item codes the survey file (or table) has a column for; ``None``
    takes the items with at least one answer. Per group: ``items`` (the questionnaire's),
    ``in_file``, ``missing`` (not in the file), ``years`` ({year: {"answered": items with
    answers that year, "min_items": answers a respondent needs}}), and ``status``:
    ``complete`` (every item answered every year), ``partial`` (computed from fewer items) or
    ``absent`` (no item of the group answered: no group value).
    """
    q = questionnaire or standard_questionnaire()
    item_codes = [i.code for i in q.items]
    answered_by_year: dict[int, set[str]] = {}
    if responses.height and "year" in responses.columns:
        present = [c for c in item_codes if c in responses.columns]
        counts = responses.group_by("year").agg(
            [pl.col(c).is_not_null().sum().alias(c) for c in present]
        )
        for row in counts.iter_rows(named=True):
            answered_by_year[int(row["year"])] = {c for c in present if row[c]}
    any_answer = set().union(*answered_by_year.values()) if answered_by_year else set()
    in_file = set(in_source) if in_source is not None else any_answer
    groups = {}
    for group in q.groups:
        items = [i.code for i in q.items_in(group)]
        years = {}
        for year in sorted(answered_by_year):
            answered = [c for c in items if c in answered_by_year[year]]
            years[year] = {
                "answered": answered,
                "min_items": min_items_for(q.min_items_share, len(answered)),
            }
        used = [c for c in items if any(c in y["answered"] for y in years.values())]
        complete = bool(years) and all(len(y["answered"]) == len(items) for y in years.values())
        groups[group] = {
            "items": items,
            "in_file": [c for c in items if c in in_file],
            "missing": [c for c in items if c not in in_file],
            "years": years,
            "status": "complete" if complete else ("partial" if used else "absent"),
        }
    return {
        "rule": (
            f"a respondent gets a group value when answering at least "
            f"{q.min_items_share:.0%} of the group's items that the survey of that year has "
            "answers for; items missing from the file are left out of the group"
        ),
        "min_items_share": q.min_items_share,
        "questionnaire": q.source,
        "groups": groups,
    }


def estimate_indices(
    responses: pl.DataFrame,
    *,
    questionnaire: Questionnaire | None = None,
    weight: str | None = "weight",
    strata: str | None = None,
    psu: str | None = None,
    parents: Mapping[str, str] | None = None,
    total_code: str | None = None,
    small_area: bool = True,
    confidence: float = 0.95,
    share_method: ShareInterval = "korn_graubard",
) -> pl.DataFrame:
    """Estimates per area × year × index (and per district and municipality if asked).

    ``weight=None`` gives unweighted estimates (not recommended: see :mod:`weighting`).
    ``parents`` maps area codes to parent-district codes: districts get their own rows
    (``level = district``) and small-area estimates shrink towards them. ``total_code``
    adds one row per year and index for all respondents together (``level =
    municipality``, ``area_code = total_code``). Columns: :data:`ESTIMATE_COLUMNS`.
    """
    q = questionnaire or standard_questionnaire()
    _require(responses, ("year", "area_code", *((weight,) if weight else ())), "responses")
    for column in (strata, psu):
        if column:
            _require(responses, (column,), "responses")
    w = _weights(responses, weight, "responses")
    if responses.height == 0:
        return _empty_estimates()
    names, kinds, groups, scores, shares = _score_matrix(responses, q)
    design = _design(responses, strata, psu)
    area = responses["area_code"].cast(pl.String)
    year = responses["year"].cast(pl.Int32)
    levels: list[tuple[str, pl.Series]] = [(LEVEL_AREA, area)]
    if parents:
        parent = area.replace_strict(dict(parents), default=None, return_dtype=pl.String)
        orphans = area.filter(parent.is_null()).unique().sort().to_list()
        if orphans:
            raise InputError(
                RowProblem(
                    "parents",
                    f"no parent district for area(s) {', '.join(orphans[:10])}"
                    + (" …" if len(orphans) > 10 else ""),
                    column="area_code",
                )
            )
        levels.append((LEVEL_DISTRICT, parent))
    if total_code is not None:
        levels.append((LEVEL_TOTAL, pl.Series([total_code] * responses.height, dtype=pl.String)))

    stacked = np.hstack([scores, shares])
    del scores, shares
    area_parent = dict(parents) if parents else {}
    keys_of: list[pl.DataFrame] = []
    doms: list[_Domains] = []
    for _, code in levels:
        keyed = pl.DataFrame({"area_code": code, "year": year})
        keys, d = _group_ids(keyed, ["area_code", "year"])
        keys_of.append(keys)
        doms.append(_domains(d, keys.height, design))
    ratios = _ratio_levels(stacked, w, doms)
    del stacked
    pieces = [
        _assemble(
            keys,
            both,
            names,
            kinds,
            groups,
            level,
            q,
            confidence,
            share_method,
            area_parent if (level == LEVEL_AREA and small_area) else None,
        )
        for (level, _), keys, both in zip(levels, keys_of, ratios, strict=True)
    ]
    out = pl.concat(pieces, how="vertical_relaxed")
    colours = q.colour_codes(out["estimate"].fill_null(np.nan).to_numpy())
    return out.with_columns(_strings("colour", colours)).select(ESTIMATE_COLUMNS)


def _strings(name: str, values: np.ndarray) -> pl.Series:
    """A string column from an object array that may hold None: polars refuses to cast an
    object array whose first element is None, so it goes through a Python list."""
    return pl.Series(name, values.tolist(), dtype=pl.String)


#: Estimate columns blanked for suppressed rows (``n < min_n_publish``).
_BLANKED = (
    "estimate", "ci_low", "ci_high", "se", "share", "share_ci_low", "share_ci_high",
    "share_se", "direct_estimate", "direct_se", "n_effective",
)  # fmt: skip


def _assemble(
    keys: pl.DataFrame,
    both: _Ratio,
    names: list[str],
    kinds: list[str],
    groups: list[str],
    level: str,
    q: Questionnaire,
    confidence: float,
    share_method: ShareInterval,
    parents: Mapping[str, str] | None,
) -> pl.DataFrame:
    """One level's rows for every index at once: index-major (all domains of the first
    index, then the next), rows without answers left out, small-area estimates for thin
    areas when ``parents`` is given (``{}``: shrink towards one common mean), and cells
    below ``min_n_publish`` suppressed."""
    n_dom, n_idx = keys.height, len(names)

    def flat(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a.T).ravel()

    est, var, n, df = (
        flat(getattr(both, f)[:, :n_idx]) for f in ("estimate", "variance", "n", "df")
    )
    b_est, b_var, b_n, b_df = (
        flat(getattr(both, f)[:, n_idx:]) for f in ("estimate", "variance", "n", "df")
    )
    n_eff = flat(both.n_effective[:, :n_idx])
    se = np.sqrt(var)
    half = _t(confidence, df) * se
    estimate = est.copy()
    ci_low = np.clip(est - half, 0.0, 6.0)
    ci_high = np.clip(est + half, 0.0, 6.0)
    se_out = se.copy()
    small = np.zeros(est.size, dtype=bool)
    if parents is not None and q.small_area_below > q.min_n_publish:
        _small_area(
            keys, both, n_idx, parents, q, confidence,
            est=est, n=n, out=(estimate, ci_low, ci_high, se_out, small),
        )  # fmt: skip
    keep = n > 0
    publish = keep & (n >= q.min_n_publish)
    share_low = np.full(est.size, np.nan)
    share_high = np.full(est.size, np.nan)
    if publish.any():
        share_low[publish], share_high[publish] = share_interval(
            b_est[publish], b_var[publish], b_n[publish], b_df[publish],
            confidence=confidence, method=share_method,
        )  # fmt: skip
    rows = np.flatnonzero(keep)
    domain = rows % n_dom
    index = rows // n_dom
    suppressed = ~publish[rows]
    method = np.where(small[rows], METHOD_SMALL_AREA, METHOD_DIRECT).astype(object)
    method[suppressed] = None
    columns = {
        "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "se": se_out,
        "share": b_est, "share_ci_low": share_low, "share_ci_high": share_high,
        "share_se": np.sqrt(b_var), "direct_estimate": est, "direct_se": se,
        "n_effective": n_eff,
    }  # fmt: skip
    values = {}
    for name, column in columns.items():
        column = column[rows]
        if name in _BLANKED:
            column = np.where(suppressed, np.nan, column)
        values[name] = pl.Series(name, column, dtype=pl.Float64, nan_to_null=True)
    text = {
        "index": np.asarray(names, dtype=object),
        "index_kind": np.asarray(kinds, dtype=object),
        "group": np.asarray(groups, dtype=object),
    }
    return pl.DataFrame(
        [
            keys["area_code"].gather(domain),
            keys["year"].gather(domain),
            _strings("index", text["index"][index]),
            values["estimate"],
            values["ci_low"],
            values["ci_high"],
            pl.Series("n", n[rows].astype(np.int64)),
            _strings("method", method),
            pl.Series("suppressed", suppressed),
            values["se"],
            values["share"],
            values["share_ci_low"],
            values["share_ci_high"],
            values["share_se"],
            pl.Series("level", [level], dtype=pl.String).gather(np.zeros(rows.size, np.int64)),
            _strings("index_kind", text["index_kind"][index]),
            _strings("group", text["group"][index]),
            values["direct_estimate"],
            values["direct_se"],
            pl.Series("df", df[rows], dtype=pl.Float64, nan_to_null=True),
            values["n_effective"],
        ]
    )


def _small_area(
    keys: pl.DataFrame,
    both: _Ratio,
    n_idx: int,
    parents: Mapping[str, str],
    q: Questionnaire,
    confidence: float,
    *,
    est: np.ndarray,
    n: np.ndarray,
    out: tuple[np.ndarray, ...],
) -> None:
    """Replace thin areas' direct estimates by Fay–Herriot EBLUPs, per index and year.

    ``est`` and ``n`` are the direct estimates and answer counts, index-major (see
    :func:`_assemble`); ``out`` = (estimate, ci_low, ci_high, se, small-area flag), changed
    in place where an area is thin and its EBLUP exists.
    """
    estimate, ci_low, ci_high, se, small = out
    n_dom = keys.height
    z = special.ndtri(0.5 + confidence / 2)
    codes = keys["area_code"].cast(pl.String).to_numpy()
    labels = (
        np.array([parents.get(c, POOLED_GROUP) for c in codes], dtype=object) if parents else None
    )
    years = keys["year"].to_numpy()
    by_year = [np.flatnonzero(years == y) for y in np.unique(years)]
    for j in range(n_idx):
        base = j * n_dom
        unit_var = both.unit_variance[:, j]
        wsum = both.weight_sum[:, j]
        n_j = n[base : base + n_dom]
        with np.errstate(invalid="ignore", divide="ignore"):
            # Smoothed sampling variance s²·deff/n with s² pooled over the year's areas.
            deff = np.where(both.n_effective[:, j] > 0, n_j / both.n_effective[:, j], np.nan)
        for rows in by_year:
            usable = rows[(n_j[rows] >= 2) & np.isfinite(unit_var[rows])]
            if usable.size < 3:
                continue
            pooled = np.sum(unit_var[usable] * wsum[usable]) / np.sum(wsum[usable])
            with np.errstate(invalid="ignore", divide="ignore"):
                psi = pooled * deff[usable] / n_j[usable]
            fit = fay_herriot_arrays(
                est[base + usable], psi, None if labels is None else labels[usable]
            )
            n_u = n_j[usable]
            thin = (n_u >= q.min_n_publish) & (n_u < q.small_area_below)
            use = thin & np.isfinite(fit.eblup)
            target = base + usable[use]
            eblup, root = fit.eblup[use], np.sqrt(fit.mse[use])
            estimate[target] = eblup
            ci_low[target] = np.clip(eblup - z * root, 0.0, 6.0)
            ci_high[target] = np.clip(eblup + z * root, 0.0, 6.0)
            se[target] = root
            small[target] = True


def _empty_estimates() -> pl.DataFrame:
    schema: dict[str, pl.DataType] = dict.fromkeys(ESTIMATE_COLUMNS, pl.Float64)
    for c in ("area_code", "index", "method", "level", "index_kind", "group", "colour"):
        schema[c] = pl.String
    schema.update({"year": pl.Int32, "n": pl.Int64, "suppressed": pl.Boolean})
    return pl.DataFrame(schema=schema)


# ----------------------------------------------------------------------- year over year


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


# ---------------------------------------------------------------------------- helpers


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
