"""Raking respondents to the population: margins, trimming, collapsing, design effects."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from trygg.analysis.errors import InputError
from trygg.analysis.survey_io import AGE_GROUPS, parse_responses
from trygg.analysis.weighting import kish_deff, rake
from trygg.demo.synthetic_survey import generate_survey, synthetic_areas


@pytest.fixture(scope="module")
def survey():
    areas = synthetic_areas(n_areas=60, seed=3)
    responses = parse_responses(generate_survey(areas, years=[2024], n_answers=6000, seed=4)).frame
    population = areas.select("area_code", "sex", "age_group", "count").with_columns(
        pl.lit(2024).alias("year")
    )
    return responses, population


def margins(weights: pl.DataFrame, population: pl.DataFrame, by: str) -> pl.DataFrame:
    got = weights.group_by("area_code", pl.col(by).cast(pl.String)).agg(pl.col("weight").sum())
    want = population.group_by("area_code", pl.col(by).cast(pl.String)).agg(pl.col("count").sum())
    return want.join(got, on=["area_code", by], how="left").with_columns(
        pl.col("weight").fill_null(0.0)
    )


def test_raking_hits_sex_and_age_margins_within_every_area(survey):
    responses, population = survey
    result = rake(responses, population, trim_ratio=None)
    assert result.converged
    assert result.weights.height == responses.height
    assert result.weights["respondent_id"].to_list() == responses["respondent_id"].to_list()
    report = result.report
    assert report.height == responses["area_code"].n_unique()
    # Areas where both margins are used and no age group was merged: both hit exactly.
    full = report.filter(pl.col("sex_raked") & (pl.col("age_cells") == len(AGE_GROUPS)))
    assert full.height > 20
    for by, areas in (("sex", report.filter("sex_raked")), ("age_group", full)):
        m = margins(result.weights, population, by).join(areas.select("area_code"), on="area_code")
        np.testing.assert_allclose(m["weight"], m["count"], rtol=1e-5)
    # Every area: total population and its (possibly merged) margins are met.
    totals = (
        result.weights.group_by("area_code")
        .agg(pl.col("weight").sum())
        .join(report.select("area_code", "population"), on="area_code")
    )
    np.testing.assert_allclose(totals["weight"], totals["population"], rtol=1e-6)
    assert report["max_margin_error"].max() < 1e-5


def test_raking_removes_the_nonresponse_bias_in_sex_and_age(survey):
    responses, population = survey
    result = rake(responses, population)
    full = result.report.filter(pl.col("age_cells") == len(AGE_GROUPS)).select("area_code")
    weights = result.weights.join(full, on="area_code")
    population = population.join(full, on="area_code")
    young_share_pop = population.filter(pl.col("age_group") == "16-24")["count"].sum() / (
        population["count"].sum()
    )
    young = weights.filter(pl.col("age_group") == "16-24")
    assert young.height / weights.height < 0.7 * young_share_pop  # the young answer less
    assert young["weight"].sum() / weights["weight"].sum() == pytest.approx(
        young_share_pop, rel=1e-3
    )


def test_trimming_caps_the_weight_ratio_and_keeps_margins(survey):
    responses, population = survey
    loose = rake(responses, population, trim_ratio=None)
    tight = rake(responses, population, trim_ratio=2.5)
    assert loose.report["weight_ratio_max"].max() > 2.5
    assert tight.report["n_trimmed"].sum() > 0
    assert tight.max_margin_error < 1e-5
    over_loose = (loose.report["weight_ratio_max"] > 2.5 * 1.001).sum()
    over_tight = (tight.report["weight_ratio_max"] > 2.5 * 1.001).sum()
    assert over_tight <= 0.5 * over_loose
    assert (tight.report["deff_kish"].mean()) < loose.report["deff_kish"].mean()


def test_thin_age_groups_are_merged_and_single_sex_areas_raked_on_age():
    population = pl.DataFrame(
        {
            "area_code": ["A"] * 14,
            "year": [2024] * 14,
            "sex": ["F"] * 7 + ["M"] * 7,
            "age_group": list(AGE_GROUPS) * 2,
            "count": [100, 120, 130, 110, 90, 80, 70] * 2,
        }
    )
    # Only women answered, and nobody in 16-24 or 75+.
    ages = ["25-34"] * 6 + ["35-44"] * 6 + ["45-54"] * 6 + ["55-64"] * 6 + ["65-74"] * 6
    responses = pl.DataFrame(
        {
            "area_code": ["A"] * 30,
            "year": [2024] * 30,
            "sex": ["F"] * 30,
            "age_group": ages,
        }
    )
    result = rake(responses, population, min_cell=5, trim_ratio=None)
    row = result.report.row(0, named=True)
    assert row["sex_raked"] is False
    assert row["age_cells"] == 5
    assert result.weights["weight"].sum() == pytest.approx(population["count"].sum())
    # 16-24 joined 25-34, 75+ joined 65-74.
    by_age = result.weights.group_by("age_group").agg(pl.col("weight").sum())
    got = dict(by_age.iter_rows())
    assert got["25-34"] == pytest.approx(2 * (100 + 120))
    assert got["65-74"] == pytest.approx(2 * (80 + 70))


def test_infeasible_margins_fall_back_to_age_only():
    # Men answered only in 16-24, which has fewer residents than there are men: no positive
    # weights can meet both margins.
    population = pl.DataFrame(
        {
            "area_code": ["A"] * 4,
            "year": [2024] * 4,
            "sex": ["F", "F", "M", "M"],
            "age_group": ["16-24", "25-34", "16-24", "25-34"],
            "count": [10, 100, 10, 100],
        }
    )
    responses = pl.DataFrame(
        {
            "area_code": ["A"] * 12,
            "year": [2024] * 12,
            "sex": ["M"] * 6 + ["F"] * 6,
            "age_group": ["16-24"] * 6 + ["25-34"] * 6,
        }
    )
    result = rake(responses, population, min_cell=1, trim_ratio=None)
    assert result.report["sex_raked"].to_list() == [False]
    assert result.max_margin_error < 1e-9


def test_nearest_population_year_is_used_and_reported(survey):
    responses, population = survey
    shifted = population.with_columns(pl.lit(2022).alias("year"))
    result = rake(responses, shifted)
    assert set(result.report["population_year"].to_list()) == {2022}


def test_children_in_the_population_table_are_outside_the_survey_frame(survey):
    responses, population = survey
    children = population.filter(pl.col("age_group") == "16-24").with_columns(
        pl.lit("0-15").alias("age_group")
    )
    plain = rake(responses, population)
    full = rake(responses, pl.concat([population, children]))
    np.testing.assert_allclose(full.weights["weight"], plain.weights["weight"])
    with pytest.raises(InputError, match="unknown sex"):
        rake(responses, population.with_columns(pl.lit("X").alias("sex")))


def test_kish_deff():
    assert kish_deff(np.ones(10)) == pytest.approx(1.0)
    w = np.array([1.0, 1.0, 4.0, 4.0])
    assert kish_deff(w) == pytest.approx(4 * 34 / 100)


def test_bad_inputs(survey):
    responses, population = survey
    with pytest.raises(InputError) as caught:
        rake(responses, population.drop("count"), population_name="pop.csv")
    assert (caught.value.first.file, caught.value.first.column) == ("pop.csv", "count")
    with pytest.raises(InputError, match="no population for area '9999A0001'"):
        rake(responses, population.filter(pl.col("area_code") != "9999A0001"))
    with pytest.raises(InputError, match="the population of area '9999A0002' is 0"):
        rake(
            responses,
            population.with_columns(
                pl.when(pl.col("area_code") == "9999A0002")
                .then(0)
                .otherwise("count")
                .alias("count")
            ),
        )
    with pytest.raises(ValueError, match="trim_ratio"):
        rake(responses, population, trim_ratio=1.0)
    with pytest.raises(ValueError, match="validate the responses"):
        rake(responses.with_columns(pl.lit(None, dtype=pl.String).alias("sex")), population)
    with pytest.raises(ValueError, match="base weights"):
        rake(responses.with_columns(pl.lit(-1.0).alias("bw")), population, base_weight="bw")
