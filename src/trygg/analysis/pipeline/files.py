"""Reading the input files of `trygg analyze` and running the whole analysis on them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from .. import crime as crime_mod
from ..areas_io import collection_as_read, load_areas, parse_areas, read_population
from ..errors import InputError, RowProblem
from ..geo import AreaLocator
from ..questionnaire import load_questionnaire, standard_questionnaire
from ..survey_io import load_responses
from ..tables import LINE_COLUMN, read_csv_text
from .on_tables import _leaf_features, run_analysis_on_tables
from .outputs import _sha256, write_outputs
from .params import AnalysisInputs, AnalysisParams, AnalysisResults, Progress, _Steps


def _source(path: Path) -> dict[str, Any]:
    return {"path": str(path), "name": path.name, "bytes": path.stat().st_size,
            "sha256": _sha256(path)}  # fmt: skip


def read_observations(
    path: str | Path, *, locator: AreaLocator, year: int | None = None
) -> pl.DataFrame:
    """Observations CSV (FORMATS.md: ``id, observed_at, category, severity (1-3),
    lat, lon | area_code | place, group, text``) -> ``area_code, count`` per area, where
    ``count`` is the number of observations weighted by severity (1–3), for ``year`` (all
    years when None). Rows placed only by ``place`` (a named place) cannot be placed here
    and are left out. Every bad row is reported."""
    path = Path(path)
    frame, dialect = read_csv_text(path, required=("id", "observed_at", "category"))
    known = set(locator.codes.tolist())
    problems: list[RowProblem] = []
    codes: list[str | None] = []
    weights: list[float] = []
    lons: list[float] = []
    lats: list[float] = []
    need: list[int] = []
    cols = set(frame.columns)
    for row in frame.iter_rows(named=True):
        line = row[LINE_COLUMN]

        def bad(column: str, reason: str, line: int = line) -> None:
            problems.append(RowProblem(file=path.name, line=line, column=column, reason=reason))

        text = (row.get("observed_at") or "").strip()
        try:
            when = dt.date.fromisoformat(text[:10])
        except ValueError:
            bad("observed_at", f"'{text}' is not an ISO 8601 date")
            continue
        if year is not None and when.year != year:
            continue
        severity_text = (row.get("severity") or "1").strip() if "severity" in cols else "1"
        if severity_text not in ("1", "2", "3"):
            bad("severity", f"'{severity_text}' is not 1, 2 or 3")
            continue
        area = (row.get("area_code") or "").strip() if "area_code" in cols else ""
        lat_text = (row.get("lat") or "").strip() if "lat" in cols else ""
        lon_text = (row.get("lon") or "").strip() if "lon" in cols else ""
        if area:
            if area not in known:
                bad("area_code", f"unknown area code '{area}'")
                continue
            codes.append(area)
        elif lat_text or lon_text:
            try:
                lat = float(lat_text.replace(",", ".") if dialect.decimal_comma else lat_text)
                lon = float(lon_text.replace(",", ".") if dialect.decimal_comma else lon_text)
            except ValueError:
                bad("lat" if lat_text else "lon", "the coordinates are not numbers")
                continue
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                bad("lat", "the coordinates are out of range")
                continue
            need.append(len(codes))
            codes.append(None)
            lats.append(lat)
            lons.append(lon)
        else:
            continue
        weights.append(float(severity_text))
    if problems:
        raise InputError(problems)
    if need:
        located = locator.locate(np.array(lons), np.array(lats))
        for position, code in zip(need, located, strict=True):
            codes[position] = code
    table = pl.DataFrame({"area_code": codes, "count": weights}, schema={
        "area_code": pl.String, "count": pl.Float64})  # fmt: skip
    return table.drop_nulls("area_code").group_by("area_code").agg(pl.col("count").sum())


def run_analysis(
    *,
    areas: Path,
    crimes: Path,
    survey: Path | None,
    population: Path,
    out: Path,
    observations: Path | None = None,
    questionnaire: Path | None = None,
    year: int | None = None,
    lang: Literal["sv", "en"] = "sv",
    params: AnalysisParams | None = None,
    progress: Progress | None = None,
) -> AnalysisResults:
    """Read the input files, analyse, and write the outputs into ``out`` atomically.

    ``year``/``lang`` override ``params``. Raises :class:`InputError` for bad input (and
    writes nothing). Returns the results (the CLI prints the priority list from them).
    """
    params = params or AnalysisParams()
    if year is not None:
        params.year = year
    params.lang = lang
    steps = _Steps(progress)
    areas, crimes, population, out = Path(areas), Path(crimes), Path(population), Path(out)
    survey = Path(survey) if survey else None
    observations = Path(observations) if observations else None

    collection = steps.run("read areas", lambda: load_areas(areas))
    features = steps.run("read areas", lambda: parse_areas(collection, file=areas.name))
    as_read = collection_as_read(collection, features)
    # The features parsed from exactly this collection can be reused (not when it was
    # rebuilt: a re-parse numbers the features differently).
    parsed = features if as_read is collection else None
    collection = as_read
    codes = {f.code for f in features}
    pop = steps.run("read population", lambda: read_population(population, known_area_codes=codes))
    q = load_questionnaire(questionnaire) if questionnaire else standard_questionnaire()
    leaves = _leaf_features(collection)
    leaf_codes = {str(f["properties"]["code"]) for f in leaves["features"]}
    responses = None
    survey_items = None
    if survey is not None:
        loaded = steps.run(
            "read survey",
            lambda: load_responses(survey, questionnaire=q, known_areas=leaf_codes),
        )
        responses = loaded.frame
        survey_items = tuple(sorted(set(loaded.item_columns.values())))
    crime_file = steps.run("read crimes", lambda: crime_mod.read_crimes(crimes, areas=leaf_codes))
    obs_table = None
    if observations is not None:
        locator = AreaLocator.from_geojson(leaves, file=areas.name)
        obs_table = steps.run(
            "read observations",
            lambda: read_observations(observations, locator=locator, year=params.year),
        )
    sources = {"areas": _source(areas), "population": _source(population),
               "crimes": _source(crimes)}  # fmt: skip
    if survey is not None:
        sources["survey"] = _source(survey)
    if observations is not None:
        sources["observations"] = _source(observations)
    if questionnaire is not None:
        sources["questionnaire"] = _source(Path(questionnaire))
    inputs = AnalysisInputs(
        areas=collection,
        crimes=crime_file.crimes,
        responses=responses,
        population=pop,
        observations=obs_table,
        questionnaire=q,
        sources=sources,
        survey_items=survey_items,
        area_features=parsed,
    )
    results = run_analysis_on_tables(inputs, params=params, progress=progress, _steps=steps)
    write_outputs(results, out, progress=progress, _steps=steps)
    return results
