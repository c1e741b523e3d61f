"""The indices per area, district and municipality × year: respondent scores, item
coverage, direct and small-area estimates, suppression."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping

import numpy as np
import polars as pl
from scipy import special

from ..errors import InputError, RowProblem
from ..questionnaire import Questionnaire, standard_questionnaire
from ..smallarea import POOLED_GROUP, fay_herriot_arrays
from .design import (
    ESTIMATE_COLUMNS,
    LEVEL_AREA,
    LEVEL_DISTRICT,
    LEVEL_TOTAL,
    METHOD_DIRECT,
    METHOD_SMALL_AREA,
    ShareInterval,
    _dense,
    _design,
    _Domains,
    _domains,
    _group_ids,
    _Ratio,
    _ratio_levels,
    _require,
    _t,
    _weights,
    share_interval,
)

__all__ = ["estimate_indices", "item_coverage", "min_items_for", "respondent_scores"]


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
