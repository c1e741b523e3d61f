"""The ranking: weighted z-scores of the components, and rank intervals from the bootstrap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from .defaults import (
    COMPONENTS,
    DEFAULT_INTERVAL,
    DEFAULT_SEED,
    DEFAULT_WEIGHTS,
    ComponentData,
    PriorityResult,
)
from .explanations import _explain

__all__ = ["prioritise"]


def _transform(code: str, x: np.ndarray) -> np.ndarray:
    scale = COMPONENTS[code][1] if code in COMPONENTS else "linear"
    if scale == "log":
        with np.errstate(invalid="ignore"):
            return np.log1p(np.maximum(x, 0.0))
    return x


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, per row; NaN scores get NaN. Ties: first in order."""
    scores = np.atleast_2d(scores)
    filled = np.where(np.isfinite(scores), scores, -np.inf)
    order = np.argsort(-filled, axis=1, kind="stable")
    ranks = np.empty_like(order, dtype=float)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)[None, :]
    ranks[~np.isfinite(scores)] = np.nan
    return ranks


def prioritise(
    *,
    areas: Sequence[str],
    components: Mapping[str, ComponentData],
    names: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    interval: float = DEFAULT_INTERVAL,
    min_weight_share: float = 0.25,
    seed: int | None = DEFAULT_SEED,
) -> PriorityResult:
    """Score and rank ``areas`` from ``components`` (see the module docstring).

    ``weights`` override :data:`DEFAULT_WEIGHTS` for the components they name (0 drops a
    component); only components present in ``components`` are used, and the weights used
    are renormalised to sum to 1 and returned in the result. Returns one row per area:
    ``area_code, rank, score, rank_low, rank_high``, then per component ``{code}`` (the
    value), ``{code}_z`` and ``{code}_contribution`` (weight × z, renormalised per area, so
    the contributions add up to the score), then ``name, missing, modelled, flagged,
    explanation_sv, explanation_en`` (``modelled``: components whose value is a
    model-based stand-in for a survey cell too thin to publish).
    """
    areas = [str(a) for a in areas]
    n = len(areas)
    merged = dict(DEFAULT_WEIGHTS)
    for code, w in (weights or {}).items():
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"weight for '{code}' must be a non-negative number")
        merged[code] = float(w)
    used = [c for c in merged if c in components and merged[c] > 0]
    used += [c for c in (weights or {}) if c in components and c not in used and merged[c] > 0]
    if not used:
        raise ValueError("no component with a positive weight to rank on")
    total = sum(merged[c] for c in used)
    w = np.array([merged[c] / total for c in used])

    z = np.full((len(used), n), np.nan)
    centre = np.zeros(len(used))
    spread = np.ones(len(used))
    for k, code in enumerate(used):
        x = _transform(code, np.asarray(components[code].value, dtype=float))
        finite = np.isfinite(x)
        if finite.sum() >= 2:
            centre[k] = x[finite].mean()
            sd = x[finite].std(ddof=1)
            spread[k] = sd if sd > 0 else 1.0
        elif finite.any():
            centre[k] = x[finite].mean()
        z[k] = (x - centre[k]) / spread[k]

    available = np.isfinite(z)
    weight_share = (w[:, None] * available).sum(axis=0)
    rankable = weight_share >= min_weight_share - 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        contribution = np.where(available, w[:, None] * z, 0.0) / weight_share
        score = np.where(rankable, contribution.sum(axis=0), np.nan)
    contribution = np.where(available & rankable, contribution, np.nan)
    rank = _ranks(score)[0]

    # Bootstrap: the same standardisation (point centre/spread) for every draw.
    n_draws = max((c.draws.shape[0] for c in components.values() if c.draws is not None), default=0)
    rank_low = rank.copy()
    rank_high = rank.copy()
    if n_draws:
        sums = np.zeros((n_draws, n))
        for k, code in enumerate(used):
            d = components[code].draws
            if d is None:
                zk = np.broadcast_to(z[k], (n_draws, n))
            else:
                zk = (_transform(code, np.asarray(d, dtype=float)) - centre[k]) / spread[k]
                # A draw never makes a missing component present, nor the reverse.
                zk = np.where(available[k], np.nan_to_num(zk, nan=0.0), 0.0)
            sums += w[k] * np.where(available[k], zk, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            draw_scores = np.where(rankable, sums / weight_share, np.nan)
        draw_ranks = _ranks(draw_scores)
        tail = (1 - interval) / 2 * 100
        ranked = draw_ranks[:, rankable]
        # Scores of rankable areas are finite in every draw, so the plain (vectorised)
        # percentile gives what nanpercentile would, without its per-column loop.
        percentile = np.nanpercentile if np.isnan(ranked).any() else np.percentile
        with np.errstate(invalid="ignore"):
            # Both ends from one partition of the draws (two calls sorted them twice).
            low, high = percentile(ranked, [tail, 100 - tail], axis=0)
            low, high = np.floor(low), np.ceil(high)
        rank_low[rankable] = np.minimum(low, rank[rankable])
        rank_high[rankable] = np.maximum(high, rank[rankable])

    names = dict(names or {})
    missing = [
        ";".join(code for k, code in enumerate(used) if not available[k, i]) for i in range(n)
    ]
    columns: dict[str, object] = {
        "area_code": areas,
        "rank": pl.Series(rank, dtype=pl.Float64).cast(pl.Int64, strict=False),
        "score": score,
        "rank_low": pl.Series(rank_low).cast(pl.Int64, strict=False),
        "rank_high": pl.Series(rank_high).cast(pl.Int64, strict=False),
    }
    for k, code in enumerate(used):
        columns[code] = np.asarray(components[code].value, dtype=float)
        columns[f"{code}_z"] = z[k]
        columns[f"{code}_contribution"] = contribution[k]
    modelled = [
        ";".join(
            code
            for k, code in enumerate(used)
            if available[k, i]
            and components[code].modelled is not None
            and bool(components[code].modelled[i])
        )
        for i in range(n)
    ]
    columns["name"] = [names.get(a, a) for a in areas]
    columns["missing"] = missing
    columns["modelled"] = modelled
    columns["flagged"] = [
        bool(m) or bool(e) or not r for m, e, r in zip(missing, modelled, rankable, strict=True)
    ]
    texts = {
        lang: [
            _explain(
                i,
                name=names.get(areas[i], areas[i]),
                rank=rank[i],
                low=rank_low[i],
                high=rank_high[i],
                used=used,
                z=z[:, i],
                contribution=contribution[:, i],
                missing=[c for k, c in enumerate(used) if not available[k, i]],
                modelled=[c for c in modelled[i].split(";") if c],
                components=components,
                lang=lang,
            )
            for i in range(n)
        ]
        for lang in ("sv", "en")
    }
    columns["explanation_sv"] = texts["sv"]
    columns["explanation_en"] = texts["en"]
    table = pl.DataFrame(columns, nan_to_null=True).sort(["rank", "area_code"], nulls_last=True)
    return PriorityResult(
        table=table,
        weights={c: float(merged[c] / total) for c in used},
        components=tuple(used),
        draws=n_draws,
        interval=interval,
        seed=seed,
        summary={
            "n_areas": n,
            "n_ranked": int(rankable.sum()),
            "n_flagged": int(sum(columns["flagged"])),  # type: ignore[arg-type]
        },
    )
