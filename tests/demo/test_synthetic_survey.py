"""The synthetic survey generator: reproducible, valid input, planted effects, scale."""

from __future__ import annotations

import polars as pl
import pytest

from trygg.analysis.survey import estimate_indices
from trygg.analysis.survey_io import load_responses, parse_responses
from trygg.analysis.weighting import rake
from trygg.demo.synthetic_survey import (
    area_levels,
    area_table,
    generate_survey,
    synthetic_areas,
    write_survey_csv,
)


@pytest.fixture(scope="module")
def areas():
    return synthetic_areas(n_areas=60, n_parents=6, seed=2)


def test_same_seed_same_answers_and_input_format(areas):
    a = generate_survey(areas, years=[2023, 2024], n_answers=3000, seed=7)
    b = generate_survey(areas, years=[2023, 2024], n_answers=3000, seed=7)
    c = generate_survey(areas, years=[2023, 2024], n_answers=3000, seed=8)
    assert a.equals(b) and not a.equals(c)
    assert a.columns[:5] == ["respondent_id", "year", "area_code", "sex", "age_group"]
    assert a.height == 6000
    assert a["respondent_id"].n_unique() == a.height
    result = parse_responses(a)  # passes the importer's validation unchanged
    assert result.frame.height == a.height
    # Some answers are "no opinion", written as 9 or as an empty cell.
    assert (a["litter"] == 9).sum() > 0 and a["litter"].null_count() > 0


def test_csv_round_trip_through_the_importer(tmp_path, areas):
    frame = generate_survey(areas, years=[2024], n_answers=500, seed=1)
    path = write_survey_csv(frame, tmp_path / "svar.csv")
    assert path.read_text(encoding="utf-8").startswith("respondent_id;year;area_code")
    read = load_responses(path, known_areas=set(areas["area_code"].to_list())).frame
    assert read.height == 500
    assert read["litter"].null_count() == (frame["litter"].is_null() | (frame["litter"] == 9)).sum()


def test_planted_areas_come_out_worse(areas):
    responses = parse_responses(generate_survey(areas, years=[2024], n_answers=12000, seed=3)).frame
    weighted = rake(responses, areas.with_columns(pl.lit(2024).alias("year"))).weights
    est = estimate_indices(weighted, small_area=False).filter(pl.col("index") == "problem_index")
    names = dict(areas.select("area_code", "name").unique().iter_rows())
    ranked = est.sort("estimate", descending=True, nulls_last=True)["area_code"].to_list()
    top = {names[c] for c in ranked[:8]}
    assert {"Nacksta", "Skönsberg", "Bredsand"} <= top
    # Typical municipality totals are 1.2-2.0 on the police's 0-6 index.
    total = estimate_indices(weighted, total_code="T", small_area=False).filter(
        (pl.col("level") == "municipality") & (pl.col("index") == "problem_index")
    )
    assert 1.0 < total["estimate"][0] < 2.2


def test_trend_moves_an_area(areas):
    levels = area_levels(areas, seed=3)
    assert levels.filter(pl.col("planted") > 0).height == 3
    frame = generate_survey(
        areas, years=[2022, 2023, 2024], n_answers=9000, seed=4, trend={"Nacksta": -0.6}
    )
    code = areas.filter(pl.col("name") == "Nacksta")["area_code"][0]
    est = (
        estimate_indices(parse_responses(frame).frame, weight=None, small_area=False)
        .filter((pl.col("area_code") == code) & (pl.col("index") == "problem_index"))
        .sort("year")
    )
    values = est["estimate"].to_list()
    assert values[0] > values[2] + 0.5


def test_area_table_from_geojson_features_and_population():
    features = [
        {"properties": {"code": "A1", "name": "Nacksta", "parent_code": "D1"}},
        {"properties": {"code": "A2", "name": "Haga", "parent_code": "D1"}},
    ]
    population = [
        {"area_code": a, "year": y, "sex": s, "age_group": g, "count": 50}
        for a in ("A1", "A2")
        for y in (2023, 2024)
        for s in ("F", "M")
        for g in ("0-15", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
    ]
    table = area_table(features, population)
    assert table.height == 2 * 2 * 7  # 0-15 dropped, latest year only
    assert set(table["parent_code"].to_list()) == {"D1"}
    assert table.filter(pl.col("area_code") == "A1")["name"][0] == "Nacksta"
    with pytest.raises(ValueError, match="lacks columns"):
        generate_survey(table.drop("parent_code"), years=[2024], n_answers=10)


def test_national_scale_reaches_every_area():
    # The speed is measured in bench/bench_analyze.py, never asserted in a test.
    areas = synthetic_areas(n_areas=6000, seed=1)
    frame = generate_survey(areas, years=[2024], n_answers=200_000, seed=1)
    assert frame.height == 200_000
    assert frame["area_code"].n_unique() > 5900
