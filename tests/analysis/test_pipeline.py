"""`trygg analyze` end to end on a small synthetic municipality written to files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from shapely.geometry import shape

from trygg.analysis import crime as crime_mod
from trygg.analysis.errors import InputError
from trygg.analysis.pipeline import (
    AnalysisInputs,
    AnalysisParams,
    run_analysis,
    run_analysis_on_tables,
)
from trygg.demo import synth
from trygg.demo import synthetic_crime as sc
from trygg.demo import synthetic_survey as ss

CRIME_YEARS = (2022, 2023, 2024, 2025, 2026)
SURVEY_YEARS = (2024, 2025, 2026)
PLANTED = ("Nacksta", "Skönsberg", "Bredsand")


def fast_params(**kwargs) -> AnalysisParams:
    """Fewer draws and permutations than the defaults: same code paths, test-sized."""
    return AnalysisParams(**({"draws": 200, "permutations": 199} | kwargs))


def write_inputs(directory: Path) -> dict[str, Path]:
    """The demo municipality (scaled down) with survey answers and crimes planted in the
    same three areas, written as the CSV/GeoJSON files FORMATS.md describes."""
    m = synth.generate_municipality(scale=0.4, years=CRIME_YEARS)
    paths = synth.write_demo_files(m, directory)
    features = m.area_features()
    by_name = {f["properties"]["name"]: f["properties"]["code"] for f in features}
    areas = ss.area_table(features, m.population)
    survey = ss.generate_survey(areas, years=SURVEY_YEARS, n_answers=700, seed=5)
    paths["survey"] = ss.write_survey_csv(survey, directory / "survey.csv")
    pop_latest = {
        code: sum(r["count"] for r in m.population if r["area_code"] == code and r["year"] == 2026)
        for code in by_name.values()
    }
    codes = [f["properties"]["code"] for f in features]
    data = sc.synthetic_crimes(
        codes=codes,
        geometries=[shape(f["geometry"]) for f in features],
        population=[pop_latest[c] for c in codes],
        years=CRIME_YEARS,
        seed=3,
        rate_per_1000=60.0,
        hot_areas=[by_name[n] for n in PLANTED],
        hot_factor=3.0,
    )
    crimes = data.crimes.with_columns(pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    paths["crimes"] = directory / "crimes.csv"
    crimes.write_csv(paths["crimes"])
    paths["planted"] = [by_name[n] for n in PLANTED]
    return paths


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    return write_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "result"
    steps: list[tuple[str, float]] = []
    results = run_analysis(
        areas=inputs["areas"],
        crimes=inputs["crimes"],
        survey=inputs["survey"],
        population=inputs["population"],
        out=out,
        params=fast_params(),
        progress=lambda step, fraction: steps.append((step, fraction)),
    )
    return results, out, steps


def test_outputs_exist_with_required_columns(run):
    _results, out, _ = run
    required = {
        "survey_indices.csv": [
            "area_code",
            "year",
            "index",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
            "method",
        ],
        "crime_rates.csv": [
            "area_code",
            "year",
            "category",
            "count",
            "population",
            "rate_per_1000",
        ],
        "hotspots.csv": ["unit", "gi_z", "p_value", "q_value", "class"],
        "priorities.csv": ["area_code", "rank", "score", "rank_low", "rank_high"],
    }
    for name, columns in required.items():
        frame = pl.read_csv(out / name, infer_schema_length=10000)
        assert frame.columns[: len(columns)] == columns, name
        assert frame.height > 0, name
    for name in ("report.html", "report.pdf", "run.json"):
        assert (out / name).stat().st_size > 0
    priorities = pl.read_csv(out / "priorities.csv")
    assert {"problem_index_z", "harm_rate_contribution", "explanation_sv"} <= set(
        priorities.columns
    )
    methods = set(pl.read_csv(out / "survey_indices.csv")["method"].drop_nulls())
    assert methods <= {"direct", "small_area"}
    assert set(pl.read_csv(out / "hotspots.csv")["class"]) <= {"hot", "cold", "none"}
    # Nothing left behind next to out.
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_planted_priorities_rank_on_top(run, inputs):
    results, _, _ = run
    top = results.priorities.table.head(3)["area_code"].to_list()
    assert set(top) == set(inputs["planted"])


def test_run_json_checksums_match(run, inputs):
    _, out, _ = run
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for key in ("areas", "crimes", "survey", "population"):
        data = Path(inputs[key]).read_bytes()
        assert info["inputs"][key]["sha256"] == hashlib.sha256(data).hexdigest()
        assert info["inputs"][key]["bytes"] == len(data)
    for name, meta in info["outputs"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == meta["sha256"]
    assert info["parameters"]["draws"] == 200
    assert info["parameters"]["weights"]["problem_index"] == pytest.approx(0.30)
    assert info["versions"]["polars"]
    assert {"read crimes", "survey indices", "hot spots", "priorities", "report pdf"} <= set(
        info["timings_seconds"]
    )


def test_progress_reports_each_step(run):
    _, _, steps = run
    names = [s for s, f in steps if f == 1.0]
    for step in (
        "read crimes",
        "weighting",
        "crime rates",
        "hot spots",
        "priorities",
        "report html",
        "report pdf",
    ):
        assert step in names
    assert all(0.0 <= f <= 1.0 for _, f in steps)


def test_html_has_maps_and_ranked_table(run):
    _, out, _ = run
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 5  # three maps, trends, ranks
    assert 'class="chart map"' in html
    assert "<table class='ranked'>" in html
    assert "Rangordning av områden" in html and "Metod" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in html


def test_bad_crime_row_writes_nothing(inputs, tmp_path):
    text = Path(inputs["crimes"]).read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    row = text[5].split(",")
    row[header.index("occurred_at")] = "2025-13-45"
    text[5] = ",".join(row)
    bad = tmp_path / "crimes_bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        run_analysis(
            areas=inputs["areas"], crimes=bad, survey=inputs["survey"],
            population=inputs["population"], out=out, params=fast_params(),
        )  # fmt: skip
    problem = caught.value.first
    assert (problem.file, problem.line, problem.column) == ("crimes_bad.csv", 6, "occurred_at")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crimes_bad.csv"]


def test_failure_while_writing_keeps_previous_output(inputs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous run")
    import trygg.analysis.report.render as render

    def broken(html: str) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(render, "render_report_pdf", broken)
    with pytest.raises(RuntimeError):
        run_analysis(
            areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
            population=inputs["population"], out=out, params=fast_params(draws=0),
        )  # fmt: skip
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_on_tables_matches_files(run, inputs):
    results, _, _ = run
    from trygg.analysis.areas_io import load_geojson, read_population
    from trygg.analysis.survey_io import read_responses

    codes = {r for r in results.area_codes}
    tables = AnalysisInputs(
        areas=load_geojson(inputs["areas"]),
        crimes=crime_mod.read_crimes(inputs["crimes"]).crimes,
        responses=read_responses(inputs["survey"], known_areas=codes),
        population=read_population(inputs["population"]),
    )
    again = run_analysis_on_tables(tables, params=fast_params())
    assert again.priorities.table.equals(results.priorities.table)
    assert again.year == 2026 and again.survey_year == 2026


def test_observations_enter_the_score(inputs, tmp_path):
    codes = ["2281A007"] * 30 + ["2281A001"] * 2
    obs = tmp_path / "observations.csv"
    obs.write_text(
        "id;observed_at;category;severity;area_code\n"
        + "".join(f"o{i};2026-03-0{1 + i % 9};open_drug_dealing;3;{c}\n"
                  for i, c in enumerate(codes)),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "out"
    results = run_analysis(
        areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
        population=inputs["population"], observations=obs, out=out, lang="en",
        params=fast_params(draws=50, pdf=False),
    )  # fmt: skip
    assert "observation_rate" in results.priorities.components
    row = results.priorities.table.filter(pl.col("area_code") == "2281A007").row(0, named=True)
    assert row["observation_rate_z"] > 1
    assert not (out / "report.pdf").exists()
    assert "Ranking of areas" in (out / "report.html").read_text(encoding="utf-8")
    bad = tmp_path / "bad_observations.csv"
    bad.write_text("id,observed_at,category,severity,area_code\nx,2026-01-01,other,7,2281A001\n")
    with pytest.raises(InputError) as caught:
        run_analysis(
            areas=inputs["areas"], crimes=inputs["crimes"], survey=inputs["survey"],
            population=inputs["population"], observations=bad, out=tmp_path / "o2",
            params=fast_params(draws=0, pdf=False),
        )  # fmt: skip
    assert (caught.value.first.line, caught.value.first.column) == (2, "severity")
    assert not (tmp_path / "o2").exists()


def test_output_tables_neutralise_formula_like_names(run, tmp_path):
    """An area named like a formula reaches priorities.csv as text a spreadsheet shows."""
    import csv
    import dataclasses

    from tests.core.test_exports import PAYLOADS
    from trygg.analysis.pipeline import write_outputs

    results, _, _ = run
    table = results.priorities.table
    names = [PAYLOADS[i % len(PAYLOADS)] for i in range(table.height)]
    planted = dataclasses.replace(
        results,
        params=dataclasses.replace(results.params, pdf=False),
        priorities=dataclasses.replace(
            results.priorities, table=table.with_columns(pl.Series("name", names))
        ),
    )
    out = tmp_path / "out"
    write_outputs(planted, out)
    with (out / "priorities.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["'" + n for n in names]
    assert all(float(r["score"]) == float(r["score"]) for r in rows if r["score"])
