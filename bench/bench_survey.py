"""Benchmark: raking and survey estimates on national-scale synthetic answers.

    .venv/bin/python bench/bench_survey.py [--answers 200000] [--areas 6000]

Generates the answers (seeded), validates them, rakes them to the population, estimates
every index per area, district and municipality (with small-area estimates) and the
year-over-year change, and prints the time of each step. The same raking and area
estimates are then done the straightforward way in pandas (group-by transforms for the
raking, a long table and group-by sums for the Taylor variance, no small-area step) and the
ratio is printed. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
import polars as pl

from trygg.analysis.questionnaire import standard_questionnaire
from trygg.analysis.survey import estimate_indices, year_over_year
from trygg.analysis.survey_io import parse_responses
from trygg.analysis.weighting import rake
from trygg.demo.synthetic_survey import generate_survey, synthetic_areas


def timed(label: str, fn, timings: dict[str, float]):
    start = time.perf_counter()
    result = fn()
    timings[label] = time.perf_counter() - start
    print(f"  {label:<38} {timings[label]:8.3f} s")
    return result


def pandas_rake(responses: pd.DataFrame, population: pd.DataFrame, max_iter: int = 50):
    """IPF the obvious way: group-by transforms per margin until the margins stop moving."""
    df = responses[["area_code", "year", "sex", "age_group"]].copy()
    pop = population.copy()
    sex_t = pop.groupby(["area_code", "sex"])["count"].sum().rename("t_sex").reset_index()
    age_t = pop.groupby(["area_code", "age_group"])["count"].sum().rename("t_age").reset_index()
    df = df.merge(sex_t, on=["area_code", "sex"], how="left").merge(
        age_t, on=["area_code", "age_group"], how="left"
    )
    df["w"] = 1.0
    for _ in range(max_iter):
        df["w"] *= df["t_sex"] / df.groupby(["area_code", "sex"])["w"].transform("sum")
        df["w"] *= df["t_age"] / df.groupby(["area_code", "age_group"])["w"].transform("sum")
        sums = df.groupby(["area_code", "sex"])["w"].transform("sum")
        if np.nanmax(np.abs(sums / df["t_sex"] - 1)) < 1e-6:
            break
    return df["w"].to_numpy()


def pandas_estimates(responses: pd.DataFrame, weights: np.ndarray, q) -> pd.DataFrame:
    """Weighted means and Taylor SEs per area × year × item with pandas group-bys."""
    df = responses[["area_code", "year", *q.item_codes]].copy()
    df["w"] = weights
    long = df.melt(id_vars=["area_code", "year", "w"], var_name="index", value_name="code")
    long = long.dropna(subset=["code"])
    mapping = {(item.code, v): s for item in q.items for v, s in item.scale.index_map.items()}
    long["y"] = [mapping.get((i, int(c))) for i, c in zip(long["index"], long["code"], strict=True)]
    long = long.dropna(subset=["y"])
    keys = ["area_code", "year", "index"]
    long["wy"] = long["w"] * long["y"]
    sums = long.groupby(keys).agg(W=("w", "sum"), S=("wy", "sum"), n=("y", "size"))
    sums["estimate"] = sums["S"] / sums["W"]
    long = long.join(sums[["W", "estimate"]], on=keys)
    long["z2"] = (long["w"] * (long["y"] - long["estimate"]) / long["W"]) ** 2
    var = long.groupby(keys)["z2"].sum()
    sums["se"] = np.sqrt(sums["n"] / (sums["n"] - 1) * var)
    return sums.reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--areas", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    q = standard_questionnaire()
    ours: dict[str, float] = {}
    base: dict[str, float] = {}
    print(f"Survey benchmark: {args.answers:,} answers per year over {args.areas:,} areas")

    print("Setup (not compared)")
    areas = timed("area table", lambda: synthetic_areas(n_areas=args.areas, seed=args.seed), ours)
    raw = timed(
        "generate 2 years of answers",
        lambda: generate_survey(areas, years=[2024, 2025], n_answers=args.answers, seed=args.seed),
        ours,
    )
    population = areas.with_columns(pl.lit(2025).alias("year"))
    parents = dict(areas.select("area_code", "parent_code").unique().iter_rows())

    print("Trygg")
    responses = timed("validate (survey_io)", lambda: parse_responses(raw).frame, ours)
    one_year = responses.filter(pl.col("year") == 2025)
    raked = timed("rake one year", lambda: rake(one_year, population), ours)
    timed(
        "estimates one year, areas only",
        lambda: estimate_indices(raked.weights, questionnaire=q, small_area=False),
        ours,
    )
    both = timed("rake two years", lambda: rake(responses, population), ours)
    estimates = timed(
        "estimates 2 yrs, area+district+total+SAE",
        lambda: estimate_indices(both.weights, questionnaire=q, parents=parents, total_code="SE"),
        ours,
    )
    timed("year-over-year change", lambda: year_over_year(estimates), ours)

    print("Baseline (pandas, the straightforward way)")
    pdf = one_year.to_pandas()
    pdf["sex"] = pdf["sex"].astype(str)
    pdf["age_group"] = pdf["age_group"].astype(str)
    ppop = population.to_pandas()
    w = timed("rake one year", lambda: pandas_rake(pdf, ppop), base)
    timed("estimates one year, items only", lambda: pandas_estimates(pdf, w, q), base)

    print("Summary")
    print(f"  raking: {one_year.height:,} answers in {ours['rake one year']:.3f} s "
          f"(converged={raked.converged}, max margin error {raked.max_margin_error:.1e}, "
          f"{raked.trim_rounds} trim rounds); pandas {base['rake one year']:.3f} s; "
          f"ratio {base['rake one year'] / ours['rake one year']:.1f}x")  # fmt: skip
    ours_est = ours["estimates one year, areas only"]
    base_est = base["estimates one year, items only"]
    print(f"  estimates (area level, {len(q.items)} items + {len(q.groups)} groups, Taylor SE, "
          f"KG share intervals): {ours_est:.3f} s; pandas items only, no shares "
          f"{base_est:.3f} s; ratio {base_est / ours_est:.1f}x")  # fmt: skip
    total_ours = ours["rake one year"] + ours_est
    total_base = base["rake one year"] + base_est
    print(f"  rake + estimates: {total_ours:.3f} s vs {total_base:.3f} s: "
          f"{total_base / total_ours:.1f}x faster")  # fmt: skip
    print(
        f"  rows in survey_indices: {estimates.height:,}; "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
