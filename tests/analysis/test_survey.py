"""Survey estimates: the variance code against NHANES II, interval coverage, the index rules,
suppression, small-area estimates, municipality totals and year-over-year change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trygg.analysis.errors import InputError
from trygg.analysis.questionnaire import standard_questionnaire
from trygg.analysis.survey import (
    ESTIMATE_COLUMNS,
    estimate_indices,
    respondent_scores,
    share_interval,
    weighted_mean,
    year_over_year,
)
from trygg.analysis.survey_io import parse_responses
from trygg.analysis.weighting import rake
from trygg.demo.synthetic_survey import generate_survey, synthetic_areas

Q = standard_questionnaire()


def nhanes() -> pl.DataFrame:
    # Locate samplics' bundled data without importing it (the import is slow and warns).
    spec = importlib.util.find_spec("samplics")
    if spec is None or spec.origin is None:
        pytest.skip("samplics is not installed")
    return pl.read_csv(Path(spec.origin).parent / "datasets" / "data" / "nhanes2.csv")


def test_taylor_mean_matches_nhanes_ii_stata_and_svy():
    # Stata: svyset psuid [pw=finalwgt], strata(stratid); svy: mean zinc
    # -> 87.18207, linearised SE 0.4944827 (R's survey gives the same).
    result = weighted_mean(
        nhanes(), value="zinc", weight="finalwgt", strata="stratid", psu="psuid"
    ).row(0, named=True)
    assert result["estimate"] == pytest.approx(87.18207, abs=5e-6)
    assert result["se"] == pytest.approx(0.4944827, abs=5e-8)
    assert result["df"] == 31  # 62 PSUs - 31 strata
    assert result["n"] == 9189  # missing zinc is not an answer


def test_domain_means_equal_the_direct_formula_for_subpopulations():
    data = nhanes()
    by_race = weighted_mean(
        data, value="zinc", weight="finalwgt", by=["race"], strata="stratid", psu="psuid"
    )
    # Recompute race 2 by hand: z is zero outside the domain, PSUs and strata stay.
    d = data.with_columns(
        pl.when(pl.col("race") == 2).then(pl.col("zinc")).otherwise(None).alias("y")
    )
    valid = d["y"].is_not_null().to_numpy()
    w = d["finalwgt"].to_numpy().astype(float)
    y = d["y"].fill_null(0).to_numpy().astype(float)
    r = (w * y * valid).sum() / (w * valid).sum()
    z = np.where(valid, w * (y - r), 0) / (w * valid).sum()
    totals = d.with_columns(pl.Series("z", z)).group_by("stratid", "psuid").agg(pl.col("z").sum())
    var = 0.0
    for _, part in totals.group_by("stratid"):
        zs = part["z"].to_numpy()
        var += len(zs) / (len(zs) - 1) * ((zs - zs.mean()) ** 2).sum()
    row = by_race.filter(pl.col("race") == 2).row(0, named=True)
    assert row["estimate"] == pytest.approx(r)
    assert row["se"] == pytest.approx(np.sqrt(var))


def tiny_frame() -> pl.DataFrame:
    """Two areas, hand-checkable: weights 1 and 3."""
    rows = {
        "respondent_id": [f"r{i}" for i in range(6)],
        "year": [2024] * 6,
        "area_code": ["A", "A", "A", "B", "B", "B"],
        "sex": ["F", "M", "F", "M", "F", "M"],
        "age_group": ["16-24"] * 6,
        "litter": [1, 5, None, 2, 2, 4],
        "graffiti": [1, 5, 9, 3, 3, None],
        "police_care": [1, 4, 2, 9, 3, 3],
        "victim_burglary": [1, 2, 2, 2, 2, 2],
    }
    frame = parse_responses(pl.DataFrame(rows)).frame
    return frame.with_columns(pl.Series("weight", [1.0, 3.0, 1.0, 1.0, 1.0, 2.0]))


def test_index_values_group_scores_and_shares():
    scores = respondent_scores(tiny_frame(), questionnaire=Q)
    first = scores.row(0, named=True)
    assert first["score__litter"] == 0.0  # 1 -> 0
    assert first["share__litter"] == 0.0
    second = scores.row(1, named=True)
    assert second["score__litter"] == 6.0 and second["share__litter"] == 1.0
    # Only 2 of 13 problem items asked: the group comes from those 2 (issue 16 item 3),
    # half of them (1) must be answered; the third answered neither (9 = no opinion).
    assert second["score__problem_index"] == 6.0
    assert scores.row(2, named=True)["score__problem_index"] is None
    # Trust: one item; 4 = "do not agree at all" -> 6 (higher = worse).
    assert second["score__trust_index"] == 6.0
    assert second["share__police_care"] == 0.0  # share = agree (1-2)
    # Victimisation: only one of four items is in the survey, answered 1 = yes -> 6.
    assert first["score__victimisation_index"] == 6.0
    assert first["score__victim_burglary"] == 6.0


def test_weighted_estimates_on_a_hand_checkable_frame():
    q = Q
    est = estimate_indices(tiny_frame(), questionnaire=q, small_area=False)
    assert est.columns == list(ESTIMATE_COLUMNS)
    # Below min_n_publish (10): rows are there, flagged, empty.
    assert est["suppressed"].all()
    assert est["estimate"].null_count() == est.height
    row = est.filter((pl.col("area_code") == "A") & (pl.col("index") == "litter")).row(
        0, named=True
    )
    assert row["n"] == 2 and row["method"] is None
    # With a low publication limit the figures show: litter in A = (1*0 + 3*6) / 4 = 4.5.
    low = _with_publication(min_n=2, sae=2)
    est = estimate_indices(tiny_frame(), questionnaire=low, small_area=False)
    row = est.filter((pl.col("area_code") == "A") & (pl.col("index") == "litter")).row(
        0, named=True
    )
    assert row["estimate"] == pytest.approx(4.5)
    assert row["share"] == pytest.approx(0.75)
    assert row["method"] == "direct" and row["level"] == "area"
    assert row["colour"] == "red"
    # Two respondents, each its own PSU in stratum A: z = w (y - R) / W.
    z = np.array([1 * (0 - 4.5), 3 * (6 - 4.5)]) / 4
    n_h = 3  # the stratum has three respondents; the third has no litter answer
    zs = np.append(z, 0.0)
    var = n_h / (n_h - 1) * ((zs - zs.mean()) ** 2).sum()
    assert row["se"] == pytest.approx(np.sqrt(var))
    assert row["df"] == 2
    assert 0.0 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 6.0


def _with_publication(*, min_n: int, sae: int):
    from dataclasses import replace

    return replace(Q, min_n_publish=min_n, small_area_below=sae)


def test_unweighted_and_municipality_and_district_rows():
    low = _with_publication(min_n=2, sae=2)
    est = estimate_indices(
        tiny_frame(),
        questionnaire=low,
        weight=None,
        parents={"A": "D1", "B": "D1"},
        total_code="2281",
    )
    total = est.filter((pl.col("level") == "municipality") & (pl.col("index") == "litter"))
    assert total["area_code"].to_list() == ["2281"]
    assert total["estimate"][0] == pytest.approx(np.mean([0, 6, 1.5, 1.5, 4.5]))
    assert total["n"][0] == 5
    district = est.filter((pl.col("level") == "district") & (pl.col("index") == "litter"))
    assert district["estimate"][0] == pytest.approx(total["estimate"][0])


def test_bad_inputs_to_the_estimator():
    frame = tiny_frame()
    with pytest.raises(InputError) as caught:
        estimate_indices(frame.drop("weight"))
    assert caught.value.first.column == "weight"
    with pytest.raises(InputError, match="weights must be positive"):
        estimate_indices(frame.with_columns(pl.lit(0.0).alias("weight")))
    with pytest.raises(InputError, match="weights must be numbers"):
        estimate_indices(frame.with_columns(pl.lit("x").alias("weight")))
    with pytest.raises(InputError, match="no parent district for area"):
        estimate_indices(frame, parents={"A": "D1"})
    with pytest.raises(InputError, match="required column is missing"):
        estimate_indices(frame, strata="nope")
    with pytest.raises(InputError, match="required column is missing"):
        year_over_year(frame)
    empty = estimate_indices(frame.head(0))
    assert empty.columns == list(ESTIMATE_COLUMNS) and empty.height == 0


def simulate(n_areas: int, n: int, seed: int, sample_seed: int | None = None):
    """Respondents with Likert litter answers from known per-area distributions and
    random unequal weights; returns the frame and each area's true mean index and share.
    ``seed`` fixes the truth, ``sample_seed`` (default: the same) the sample drawn from it."""
    probs = np.random.default_rng(seed).dirichlet(np.ones(5) * 2, size=n_areas)
    rng = np.random.default_rng(seed if sample_seed is None else [seed, sample_seed])
    truth = probs @ np.array([0, 1.5, 3, 4.5, 6])
    share_truth = probs[:, 3:].sum(axis=1)
    area = np.repeat(np.arange(n_areas), n)
    u = rng.uniform(size=area.size)
    answer = (u[:, None] > np.cumsum(probs[area], axis=1)).sum(axis=1) + 1
    weight = rng.lognormal(0, 0.5, area.size)  # independent of answers
    frame = pl.DataFrame(
        {
            "year": np.full(area.size, 2024, dtype=np.int32),
            "area_code": [f"A{a:03d}" for a in area],
            "litter": answer.astype(np.int16),
            "weight": weight,
        }
    )
    return frame, truth, share_truth


def test_direct_interval_coverage_is_close_to_95_percent():
    frame, truth, share_truth = simulate(n_areas=800, n=60, seed=11)
    est = estimate_indices(frame, small_area=False).filter(pl.col("index") == "litter")
    est = est.sort("area_code")
    covered = (est["ci_low"].to_numpy() <= truth) & (truth <= est["ci_high"].to_numpy())
    assert 0.92 <= covered.mean() <= 0.98, covered.mean()
    share_covered = (est["share_ci_low"].to_numpy() <= share_truth) & (
        share_truth <= est["share_ci_high"].to_numpy()
    )
    assert 0.92 <= share_covered.mean() <= 0.99, share_covered.mean()


def test_share_intervals_are_not_wald():
    # 0 of 20: Wald would be [0, 0]; Korn-Graubard/Clopper-Pearson gives [0, 0.168].
    low, high = share_interval(np.array([0.0]), np.array([0.0]), np.array([20.0]), np.array([19.0]))
    assert low[0] == 0.0 and high[0] == pytest.approx(0.16843, abs=1e-4)
    # Simple random sample: n* = n, so KG equals Clopper-Pearson for 5 of 50.
    p, n = 0.1, 50.0
    var = p * (1 - p) / n
    low, high = share_interval(np.array([p]), np.array([var]), np.array([n]), np.array([n - 1]))
    assert (low[0], high[0]) == pytest.approx((0.033275, 0.218135), abs=1e-5)
    low_l, high_l = share_interval(
        np.array([p]), np.array([var]), np.array([n]), np.array([n - 1]), method="logit"
    )
    assert 0 < low_l[0] < p < high_l[0] < 1
    with pytest.raises(ValueError, match="unknown share interval"):
        share_interval(np.array([p]), np.array([var]), np.array([n]), np.array([n]), method="x")


def test_small_area_estimates_beat_direct_ones_in_thin_areas():
    # Thin areas (12-40 answers) whose true levels vary around their district's level.
    rng = np.random.default_rng(5)
    n_areas, districts = 240, 12
    district = np.arange(n_areas) % districts
    district_level = rng.normal(0, 0.6, districts)
    level = district_level[district] + rng.normal(0, 0.25, n_areas)
    sizes = rng.integers(12, 40, n_areas)
    area = np.repeat(np.arange(n_areas), sizes)
    latent = level[area] + rng.normal(0, 1.2, area.size)
    answer = np.clip(np.round(latent + 2.2), 1, 5).astype(np.int16)
    truth = np.array([(np.clip(np.round(level[a] + 2.2 + rng.normal(0, 1.2, 40_000)), 1, 5) - 1)
                      .mean() * 1.5 for a in range(n_areas)])  # fmt: skip
    frame = pl.DataFrame(
        {
            "year": np.full(area.size, 2024, dtype=np.int32),
            "area_code": [f"A{a:03d}" for a in area],
            "litter": answer,
            "weight": rng.uniform(0.5, 2.0, area.size),
        }
    )
    parents = {f"A{a:03d}": f"D{district[a]:02d}" for a in range(n_areas)}
    est = (
        estimate_indices(frame, parents=parents)
        .filter((pl.col("index") == "litter") & (pl.col("level") == "area"))
        .sort("area_code")
    )
    assert set(est["method"].to_list()) == {"small_area"}
    mse_small = np.mean((est["estimate"].to_numpy() - truth) ** 2)
    mse_direct = np.mean((est["direct_estimate"].to_numpy() - truth) ** 2)
    assert mse_small < 0.8 * mse_direct, (mse_small, mse_direct)
    # The model's intervals still cover about as promised.
    covered = (est["ci_low"].to_numpy() <= truth) & (truth <= est["ci_high"].to_numpy())
    assert covered.mean() > 0.88


def test_year_over_year_change():
    frame1, _, _ = simulate(n_areas=300, n=80, seed=21)
    # The same areas and truth next year, a fresh sample; ten areas get clearly worse.
    frame2, _, _ = simulate(n_areas=300, n=80, seed=21, sample_seed=2)
    frame2 = frame2.with_columns(pl.lit(2025, dtype=pl.Int32).alias("year"))
    worse = [f"A{a:03d}" for a in range(10)]
    frame2 = frame2.with_columns(
        pl.when(pl.col("area_code").is_in(worse))
        .then(pl.min_horizontal(pl.col("litter") + 2, pl.lit(5)).cast(pl.Int16))
        .otherwise(pl.col("litter"))
        .alias("litter")
    )
    est = estimate_indices(pl.concat([frame1, frame2]), small_area=False)
    change = year_over_year(est).filter(pl.col("index") == "litter").sort("area_code")
    assert change.height == 300
    assert set(change["year_from"].to_list()) == {2024}
    assert set(change["year_to"].to_list()) == {2025}
    flagged = change.filter(pl.col("significant"))["area_code"].to_list()
    assert set(worse) <= set(flagged)
    # Unchanged areas: about 5% significant by chance, as a 5% test should.
    false_alarms = len(set(flagged) - set(worse)) / 290
    assert 0.01 < false_alarms < 0.10, false_alarms
    row = change.row(0, named=True)
    first = est.filter((pl.col("area_code") == "A000") & (pl.col("index") == "litter"))
    se = np.sqrt((first["direct_se"] ** 2).sum())
    assert row["se"] == pytest.approx(se)
    assert row["difference"] == pytest.approx(
        first["direct_estimate"][1] - first["direct_estimate"][0]
    )
    assert row["ci_low"] < row["difference"] < row["ci_high"]


def test_weighting_changes_estimates_when_nonresponse_depends_on_age_and_sex():
    areas = synthetic_areas(n_areas=40, seed=8)
    responses = parse_responses(generate_survey(areas, years=[2024], n_answers=8000, seed=9)).frame
    population = areas.with_columns(pl.lit(2024).alias("year"))
    weighted = rake(responses, population).weights
    a = estimate_indices(weighted, total_code="T").filter(
        (pl.col("level") == "municipality") & (pl.col("index") == "unsafety_index")
    )
    b = estimate_indices(responses, weight=None, total_code="T").filter(
        (pl.col("level") == "municipality") & (pl.col("index") == "unsafety_index")
    )
    # Older women (more often unsafe) answer more: weighting lowers unsafety clearly.
    assert a["estimate"][0] < b["estimate"][0] - 3 * a["se"][0]


def test_a_suppressed_first_row_beside_published_rows_gives_estimates_not_a_crash():
    # Litter: area A has 2 answers (suppressed at 3), area B has 3 (published). The first row
    # of the level is suppressed, so its method is empty while later rows say "direct"; that
    # order once crashed polars' cast of the object column ("cannot cast 'Object' type").
    low = _with_publication(min_n=3, sae=3)
    est = estimate_indices(tiny_frame(), questionnaire=low, small_area=False)
    litter = est.filter(pl.col("index") == "litter").sort("area_code")
    assert litter["area_code"].to_list() == ["A", "B"]
    assert litter["suppressed"].to_list() == [True, False]
    assert litter["method"].to_list() == [None, "direct"]
    assert litter["colour"][0] is None and litter["colour"][1] is not None
    assert litter["estimate"][0] is None and litter["estimate"][1] is not None
