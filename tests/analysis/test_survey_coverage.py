"""Partial questionnaires and thin areas are explicit (issue 16 items 3 and 4).

A survey file with few of a group's items still gets that index, computed from the items it
has, and the run says so in run.json, the report's method section and the CLI summary; a
priority component that cannot be built is reported with its reason. An area with too few
answers to publish is ranked on the model's estimate, marked beside the area.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from trygg.analysis.pipeline import AnalysisParams, run_analysis
from trygg.analysis.priority import survey_components
from trygg.analysis.smallarea import synthetic_for
from trygg.analysis.survey import item_coverage, respondent_scores
from trygg.analysis.survey_io import parse_responses
from trygg.cli import main

from .strategies import QUESTIONNAIRE, Area, Municipality

PROBLEM_FOUR = ("litter", "graffiti", "vandalism", "dark_places")
WORRY = ("worry_burglary", "worry_theft", "worry_assault", "unsafe_outdoors_evening")


def municipality(items, respondents, *, districts=False) -> Municipality:
    """Areas on a 3 × 3 grid with 1,500 residents each, crimes in every year, and the
    given respondents per area in 2025."""
    areas = []
    parents: dict[str, list[str]] = {}
    for i, n in enumerate(respondents):
        code = f"2281R{i:03d}"
        parent = f"2281D0{1 + i % 2}" if districts else None
        if parent:
            parents.setdefault(parent, []).append(code)
        areas.append(
            Area(
                code=code, name=f"Område {i}", cell=(i % 3, i // 3), parent=parent,
                population={2024: 1500, 2025: 1500},
                crimes={2024: 5 + 3 * i, 2025: 8 + 2 * i}, respondents={2025: n},
            )
        )  # fmt: skip
    return Municipality(areas, parents, outside_crimes=0, items=tuple(items), seed=1)


def analyse(m: Municipality, tmp_path: Path, **kwargs):
    paths = m.write(tmp_path / "in")
    out = tmp_path / "out"
    params = AnalysisParams(draws=200, permutations=99, pdf=False, lang="en", **kwargs)
    results = run_analysis(
        areas=paths["areas"], crimes=paths["crimes"], survey=paths["survey"],
        population=paths["population"], out=out, params=params, lang="en",
    )  # fmt: skip
    return results, out, paths


# ------------------------------------------------------------------ item 3


def test_four_of_thirteen_problem_items_give_a_problem_index_and_say_so(tmp_path):
    m = municipality(PROBLEM_FOUR + WORRY, [60] * 6)
    results, out, paths = analyse(m, tmp_path)
    rows = results.survey_indices.filter(
        (pl.col("index") == "problem_index") & (pl.col("level") == "area")
    )
    assert rows.height == 6 and rows["estimate"].is_not_null().all()
    # The ranking keeps its survey component instead of dropping it silently.
    assert "problem_index" in results.priorities.components
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    group = run["survey_items"]["groups"]["problem_index"]
    assert group["status"] == "partial"
    assert group["in_file"] == list(PROBLEM_FOUR)
    assert "open_drug_dealing" in group["missing"] and len(group["missing"]) == 9
    assert group["years"]["2025"]["min_items"] == 2  # half of the 4 in the file
    assert run["components"]["problem_index"]["used"] is True
    assert run["components"]["problem_index"]["items"]["problem_index"]["status"] == "partial"
    html = (out / "report.html").read_text(encoding="utf-8")
    method = html[html.index('id="method"') :]
    assert "computed from 4 of 13 items (litter, graffiti, vandalism, dark_places)" in method
    assert "open_drug_dealing" in method and "--questionnaire" in method
    cli = CliRunner().invoke(
        main,
        ["analyze", "--areas", str(paths["areas"]), "--crimes", str(paths["crimes"]),
         "--survey", str(paths["survey"]), "--population", str(paths["population"]),
         "--out", str(tmp_path / "cli"), "--no-pdf", "--lang", "en", "--permutations", "99"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert "computed from 4 of 13 items" in cli.output
    assert "The priorities use: problem index" in cli.output


def test_a_survey_without_problem_items_says_why_the_component_is_missing(tmp_path):
    m = municipality(("victim_burglary", "victim_theft"), [60] * 6)
    results, out, _ = analyse(m, tmp_path)
    assert "problem_index" not in results.priorities.components
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["components"]["problem_index"] == {
        "used": False,
        "weight": 0.0,
        "items": {
            "problem_index": {
                "in_file": [],
                "missing": [i.code for i in QUESTIONNAIRE.items_in("problem_index")],
                "status": "absent",
            }
        },
        "reason": "no_items",
    }
    assert run["components"]["unsafety"]["reason"] == "no_items"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Problem index is not used: the survey has none of its items." in html


def test_group_threshold_counts_the_items_each_year_has():
    """2024 asked two problem items, 2025 four: a respondent of 2024 needs one answer, of
    2025 two."""
    rows = {
        "respondent_id": ["a", "b", "c"],
        "year": [2024, 2025, 2025],
        "area_code": ["X", "X", "X"],
        "sex": ["F", "M", "F"],
        "age_group": ["25-34"] * 3,
        "litter": [5, 5, 5],
        "graffiti": [None, 5, 5],
        "vandalism": [None, None, 5],
        "dark_places": [None, None, 5],
    }
    frame = parse_responses(pl.DataFrame(rows)).frame
    scores = respondent_scores(frame, questionnaire=QUESTIONNAIRE)
    assert scores["score__problem_index"].to_list() == [6.0, 6.0, 6.0]
    coverage = item_coverage(frame, questionnaire=QUESTIONNAIRE, in_source=PROBLEM_FOUR)
    years = coverage["groups"]["problem_index"]["years"]
    assert years[2024] == {"answered": ["litter"], "min_items": 1}
    assert years[2025]["min_items"] == 2
    # b answered 2 of 4 in 2025 (enough); one answer of four would not be.
    rows["graffiti"][1] = None
    frame = parse_responses(pl.DataFrame(rows)).frame
    scores = respondent_scores(frame, questionnaire=QUESTIONNAIRE)
    assert scores["score__problem_index"].to_list() == [6.0, None, 6.0]


# ------------------------------------------------------------------ item 4


def test_thin_area_is_ranked_on_the_model_estimate_and_marked(tmp_path):
    # Area 6 has 4 answers (below min_n_publish 10), area 7 none; both have residents.
    m = municipality(PROBLEM_FOUR + WORRY, [60, 55, 70, 65, 60, 58, 4, 0], districts=True)
    results, out, _ = analyse(m, tmp_path)
    survey = results.survey_indices.filter(
        (pl.col("index") == "problem_index") & (pl.col("area_code") == "2281R006")
    )
    # Publication is unchanged: the cell stays suppressed.
    assert survey["suppressed"].to_list() == [True] and survey["estimate"].is_null().all()
    table = pl.read_csv(out / "priorities.csv", schema_overrides={"area_code": pl.String})
    for code in ("2281R006", "2281R007"):
        row = table.filter(pl.col("area_code") == code).row(0, named=True)
        assert row["problem_index"] is not None and 0 <= row["problem_index"] <= 6
        assert "problem_index" in row["modelled"] and "problem_index" not in (row["missing"] or "")
        assert row["flagged"] is True and row["rank"] is not None
        assert "model-based estimate" in row["explanation_en"]
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
    measured = table.filter(~pl.col("area_code").is_in(["2281R006", "2281R007"]))
    assert (measured["modelled"].fill_null("") == "").all()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "model-based (too few answers): problem index" in html


def test_modelled_values_carry_the_wide_model_uncertainty():
    areas = [f"A{i}" for i in range(7)]
    estimates = pl.DataFrame(
        {
            "area_code": areas,
            "index": ["problem_index"] * 7,
            "estimate": [1.0, 1.4, 2.0, 2.6, 3.1, 1.8, None],
            "se": [0.2] * 6 + [None],
            "direct_estimate": [1.0, 1.4, 2.0, 2.6, 3.1, 1.8, None],
            "direct_se": [0.2] * 6 + [None],
            "suppressed": [False] * 6 + [True],
        }
    )
    plain = survey_components(estimates, areas=areas, draws=2000)
    assert np.isnan(plain["problem_index"].value[6])  # without a model: missing, as before
    comps = survey_components(estimates, areas=areas, draws=2000, model=[True] * 7)
    component = comps["problem_index"]
    assert component.modelled.tolist() == [False] * 6 + [True]
    assert component.value[6] == pytest.approx(np.mean([1.0, 1.4, 2.0, 2.6, 3.1, 1.8]), abs=1e-6)
    spread = component.draws.std(axis=0)
    assert spread[6] > 3 * spread[:6].max()


def test_synthetic_estimate_uses_the_district_level_or_falls_back():
    y = np.array([1.0, 1.2, 1.1, 4.0, 4.2, 4.1])
    psi = np.full(6, 0.01)
    labels = np.array(["D1"] * 3 + ["D2"] * 3, dtype=object)
    est, mse = synthetic_for(y, psi, labels, np.array(["D2", "D3"], dtype=object))
    assert est[0] == pytest.approx(4.1, abs=0.01)
    # D3 has no areas with data: the common level, with the spread between districts.
    assert est[1] == pytest.approx(2.6, abs=0.01)
    assert mse[1] > 10 * mse[0]
    est, mse = synthetic_for(y[:2], psi[:2], None, np.array(["x"], dtype=object))
    assert np.isnan(est).all() and np.isnan(mse).all()
