"""`trygg analyze` on files and on the database gives the FORMATS.md outputs."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from trygg.cli import main
from trygg.demo.services import demo_build
from trygg.demo.synth import generate_municipality, write_demo_files


@pytest.mark.django_db
def test_analyze_from_the_database(tmp_path):
    demo_build(work_dir=tmp_path / "demo")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["analyze", "--from-db", "--municipality", "2281", "--out", str(out), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    assert "Results in" in result.output and "1. (" in result.output
    priorities = pl.read_csv(out / "priorities.csv")
    assert priorities.columns[:5] == ["area_code", "rank", "score", "rank_low", "rank_high"]
    assert priorities.height == 29
    top = set(priorities.sort("rank").head(3)["name"].to_list())
    assert top == {"Nacksta", "Skönsberg", "Centrum"}  # the demo's planted priorities
    indices = pl.read_csv(out / "survey_indices.csv")
    assert {"area_code", "year", "index", "estimate", "ci_low", "ci_high", "n", "method"} <= set(
        indices.columns
    )
    assert sorted(indices["year"].unique().to_list()) == [2024, 2025, 2026]
    run = json.loads((out / "run.json").read_text())
    assert run["inputs"]["database"]["municipality"] == "2281"


def test_analyze_files_refuses_bad_input_and_writes_nothing(tmp_path):
    files = write_demo_files(generate_municipality(), tmp_path)
    crimes = tmp_path / "brott.csv"
    crimes.write_text("id,occurred_at,category,lat,lon\n1,2025-02-30,violence,62.39,17.30\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "analyze",
            "--areas",
            str(files["areas"]),
            "--population",
            str(files["population"]),
            "--crimes",
            str(crimes),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "brott.csv, line 2, column 'occurred_at'" in result.output
    assert not out.exists()


def test_analyze_needs_inputs_or_the_database(tmp_path):
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--from-db" in result.output
