"""The priority ranking: planted priorities, interval width, weights, missing components."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from trygg.analysis.priority import (
    DEFAULT_WEIGHTS,
    ComponentData,
    crime_components,
    format_weights,
    prioritise,
    survey_components,
    trend_component,
)
from trygg.analysis.questionnaire import Text

N = 30
AREAS = [f"A{i:02d}" for i in range(N)]
PLANTED = ["A07", "A13", "A21"]


def _survey_table(values, se) -> pl.DataFrame:
    rows = []
    for area, v, s in zip(AREAS, values, se, strict=True):
        if np.isnan(v):
            continue
        for index, shift in (("problem_index", 0.0), ("worry_index", 0.2), ("unsafety_index", 0.1)):
            rows.append(
                {
                    "area_code": area,
                    "index": index,
                    "estimate": v + shift,
                    "se": s,
                    "suppressed": False,
                }
            )
        rows.append(
            {
                "area_code": area,
                "index": "open_drug_dealing",
                "estimate": v + 1,
                "se": s,
                "suppressed": False,
            }
        )
        rows.append(
            {"area_code": area, "index": "litter", "estimate": v, "se": s, "suppressed": False}
        )
    return pl.DataFrame(rows)


def _crime_table(rate_per_1000: np.ndarray, population: np.ndarray, rng) -> pl.DataFrame:
    rows = []
    for area, rate, pop in zip(AREAS, rate_per_1000, population, strict=True):
        expected = rate * pop / 1000
        for category, share in (("violence", 0.2), ("theft", 0.6), ("vandalism", 0.2)):
            rows.append(
                {
                    "area_code": area,
                    "category": category,
                    "count": int(rng.poisson(expected * share)),
                }
            )
    return pl.DataFrame(rows)


def _components(
    *,
    se=0.08,
    population=3000,
    planted_survey=1.5,
    planted_crime=3.0,
    seed=1,
    drop_survey=(),
    item_labels=None,
):
    rng = np.random.default_rng(seed)
    level = rng.normal(1.2, 0.25, N)
    rate = np.exp(rng.normal(np.log(60), 0.25, N))
    for area in PLANTED:
        i = AREAS.index(area)
        level[i] += planted_survey
        rate[i] *= planted_crime
    values = np.clip(level + rng.normal(0, se, N), 0, 6)
    for area in drop_survey:
        values[AREAS.index(area)] = np.nan
    pop_arr = np.full(N, population)
    survey = _survey_table(values, np.full(N, se))
    counts = _crime_table(rate, pop_arr, rng)
    pop = pl.DataFrame({"area_code": AREAS, "population": pop_arr})
    comps = survey_components(
        survey,
        areas=AREAS,
        item_labels=item_labels
        or {
            "open_drug_dealing": Text("öppen narkotikahandel", "open drug dealing"),
            "litter": Text("nedskräpning", "litter"),
        },
    )
    comps.update(
        crime_components(
            counts,
            population=pop,
            areas=AREAS,
            harm_weights={"violence": 5.0, "theft": 1.0, "vandalism": 1.0},
            category_labels={"violence": Text("våld", "violence")},
        )
    )
    return comps


def test_the_driver_is_named_in_lower_case_inside_the_sentence():
    # Labels are written as headings ("Öppen narkotikahandel"); in the explanation they sit
    # mid-sentence ("främst öppen narkotikahandel"), while acronyms keep their capitals.
    labels = {
        "open_drug_dealing": Text("Öppen narkotikahandel", "Open drug dealing"),
        "litter": Text("NTU-nedskräpning", "NTU litter"),
    }
    result = prioritise(
        areas=AREAS, components=_components(item_labels=labels), names={"A07": "Nacksta"}
    )
    nacksta = result.table.filter(pl.col("area_code") == "A07").row(0, named=True)
    assert "främst öppen narkotikahandel" in nacksta["explanation_sv"]
    assert "mostly open drug dealing" in nacksta["explanation_en"]
    assert "Öppen" not in nacksta["explanation_sv"]


def test_ranking_recovers_planted_priorities():
    result = prioritise(areas=AREAS, components=_components(), names={"A07": "Nacksta"})
    table = result.table
    assert set(table["area_code"][:3]) == set(PLANTED)
    assert table["rank"].to_list() == list(range(1, N + 1))
    # Intervals contain the point rank, planted areas are clearly at the top.
    assert (table["rank_low"] <= table["rank"]).all()
    assert (table["rank_high"] >= table["rank"]).all()
    assert table.filter(pl.col("area_code").is_in(PLANTED))["rank_high"].max() <= 4
    # Contributions add up to the score.
    contributions = table.select(pl.col("^.*_contribution$")).fill_null(0).sum_horizontal()
    assert np.allclose(contributions.to_numpy(), table["score"].to_numpy())
    # FORMATS.md columns first.
    assert table.columns[:5] == ["area_code", "rank", "score", "rank_low", "rank_high"]
    nacksta = table.filter(pl.col("area_code") == "A07").row(0, named=True)
    assert nacksta["explanation_en"].startswith("Nacksta ranks ")
    assert "problem index (+" in nacksta["explanation_en"]
    assert "mostly open drug dealing" in nacksta["explanation_en"]
    assert "hamnar på plats" in nacksta["explanation_sv"]
    assert "," in nacksta["explanation_sv"].split("SD")[0]  # Swedish decimal comma
    assert not nacksta["flagged"]


def test_intervals_widen_when_data_are_thin():
    def width(result):
        t = result.table
        return float((t["rank_high"] - t["rank_low"]).mean())

    thick = prioritise(areas=AREAS, components=_components(se=0.03, population=20000))
    thin = prioritise(areas=AREAS, components=_components(se=0.6, population=150))
    assert width(thin) > 2 * width(thick)


def test_intervals_are_seeded():
    a = prioritise(areas=AREAS, components=_components())
    b = prioritise(areas=AREAS, components=_components())
    assert a.table.equals(b.table)


def test_weights_change_the_order():
    # Area X: high survey index, average crime. Area Y: average survey, high crime.
    value_survey = np.zeros(N)
    value_survey[0] = 3.0
    value_crime = np.full(N, 50.0)
    value_crime[1] = 400.0
    value_survey[2:] += np.linspace(-0.5, 0.5, N - 2)
    value_crime[2:] *= np.linspace(0.8, 1.2, N - 2)
    comps = {
        "problem_index": ComponentData(value_survey + 1),
        "crime_rate": ComponentData(value_crime),
    }
    survey_first = prioritise(
        areas=AREAS, components=comps, weights={"problem_index": 1.0, "crime_rate": 0.1}
    )
    crime_first = prioritise(
        areas=AREAS, components=comps, weights={"problem_index": 0.1, "crime_rate": 1.0}
    )
    assert survey_first.table["area_code"][0] == "A00"
    assert crime_first.table["area_code"][0] == "A01"
    assert survey_first.weights == pytest.approx(
        {"problem_index": 1 / 1.1, "crime_rate": 0.1 / 1.1}
    )
    # A zero weight drops the component.
    only_crime = prioritise(areas=AREAS, components=comps, weights={"problem_index": 0})
    assert only_crime.components == ("crime_rate",)
    assert "problem_index_z" not in only_crime.table.columns
    assert "reported crime" in format_weights(only_crime.weights, lang="en")


def test_area_without_survey_data_is_scored_on_what_exists_and_flagged():
    comps = _components(drop_survey=("A07", "A02"))
    result = prioritise(areas=AREAS, components=comps)
    row = result.table.filter(pl.col("area_code") == "A07").row(0, named=True)
    assert row["rank"] is not None and row["score"] is not None
    assert row["flagged"]
    assert row["missing"] == "problem_index;unsafety"
    assert row["problem_index_z"] is None
    assert "No data for problem index and worry and unsafety" in row["explanation_en"]
    assert "Saknar underlag" in row["explanation_sv"]
    # Crime alone still puts the planted area near the top.
    assert row["rank"] <= 5
    # Below min_weight_share nothing is ranked.
    strict = prioritise(areas=AREAS, components=comps, min_weight_share=0.9)
    row = strict.table.filter(pl.col("area_code") == "A07").row(0, named=True)
    assert row["rank"] is None and row["rank_low"] is None
    assert "not ranked" in row["explanation_en"]
    assert strict.table["rank"].drop_nulls().to_list() == list(range(1, N - 1))


def test_trend_component_from_intervals():
    trends = pl.DataFrame(
        {
            "area_code": AREAS[:3],
            "change_per_year": [0.1, -0.05, None],
            "ci_low": [0.05, -0.1, None],
            "ci_high": [0.15, 0.0, None],
        }
    )
    comp = trend_component(trends, areas=AREAS[:4], draws=200)
    assert comp.value[0] == pytest.approx(0.1)
    assert np.isnan(comp.value[2]) and np.isnan(comp.value[3])
    assert comp.draws.shape == (200, 4)
    assert abs(np.mean(comp.draws[:, 0]) - 0.1) < 0.01


def test_default_weights_are_documented():
    assert set(DEFAULT_WEIGHTS) == {
        "problem_index",
        "unsafety",
        "crime_rate",
        "harm_rate",
        "trend",
        "observation_rate",
    }
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
