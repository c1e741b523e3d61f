"""Emerging hot spots in `trygg analyze`: computed per area and per H3 cell, written to the
run's tables and run.json, shown in the report; skipped with too few years."""

from __future__ import annotations

import json

import polars as pl
import pytest

from trygg.analysis.hotspots.emerging import CATEGORIES
from trygg.analysis.pipeline import run_analysis

from .test_pipeline import CRIME_YEARS, fast_params, write_inputs


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return write_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def grid_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "result"
    results = run_analysis(
        areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
        population=inputs["population"], out=out,
        params=fast_params(h3_resolution=8, pdf=False, permutations=None),
    )  # fmt: skip
    return results, out


def test_every_area_gets_a_category_and_its_yearly_z(grid_run, inputs):
    results, out = grid_run
    summary = pl.read_csv(out / "emerging_hotspots.csv", schema_overrides={"unit": pl.String})
    assert summary.columns[:3] == ["level", "unit", "category"]
    areas = summary.filter(pl.col("level") == "area")
    assert sorted(areas["unit"].to_list()) == sorted(results.area_codes)
    assert set(summary["category"]) <= set(CATEGORIES)
    assert (areas["steps"] == len(CRIME_YEARS)).all()
    years = pl.read_csv(out / "emerging_hotspot_years.csv", schema_overrides={"unit": pl.String})
    area_years = years.filter(pl.col("level") == "area")
    assert area_years.height == len(results.area_codes) * len(CRIME_YEARS)
    assert sorted(area_years["year"].unique().to_list()) == list(CRIME_YEARS)
    # The last year is tested exactly as the single-year hot-spot map is (same values,
    # weights and seed), so the two agree area by area.
    last = area_years.filter(pl.col("year") == max(CRIME_YEARS))
    single = results.hotspots.filter(pl.col("level") == "area")
    assert dict(last.select("unit", "class").iter_rows()) == dict(
        single.select("unit", "class").iter_rows()
    )
    assert dict(last.select("unit", "gi_z").iter_rows()) == pytest.approx(
        dict(single.select("unit", "gi_z").iter_rows())
    )


def test_grid_cells_with_a_pattern_are_written(grid_run):
    _, out = grid_run
    summary = pl.read_csv(out / "emerging_hotspots.csv", schema_overrides={"unit": pl.String})
    cells = summary.filter(pl.col("level") == "h3_8")
    assert cells.height > 0
    assert "no_pattern" not in set(cells["category"])
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    record = run["emerging_hotspots"]
    assert record["computed"] and record["years"] == list(CRIME_YEARS)
    assert sum(record["categories"]["h3_8"].values()) == cells.height
    assert "emerging_hotspots.csv" in run["outputs"]


def test_report_explains_the_categories_present(grid_run):
    results, out = grid_run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="emerging"' in html
    assert "Framväxande heta punkter" in html
    present = set(results.emerging.filter(pl.col("level") == "area")["category"])
    if "persistent_hot" in present:
        assert "Ihållande het punkt" in html


def test_too_few_years_writes_no_table_and_says_why(inputs, tmp_path):
    out = tmp_path / "result"
    results = run_analysis(
        areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
        population=inputs["population"], out=out,
        params=fast_params(pdf=False, emerging_min_years=len(CRIME_YEARS) + 1),
    )  # fmt: skip
    assert results.emerging.is_empty()
    assert not (out / "emerging_hotspots.csv").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["emerging_hotspots"] == {"computed": False, "reason": "too_few_years", "years": []}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "minst 6 år" in html
