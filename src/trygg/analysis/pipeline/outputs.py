"""Writing the outputs of a run into its folder, atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import uuid
from importlib import metadata
from pathlib import Path

import polars as pl

from ..report import render as report_render
from ..safe_csv import write_frame_csv
from .params import (
    CRIME_RATE_COLUMNS,
    HOTSPOT_COLUMNS,
    OUTPUT_FILES,
    SURVEY_CHANGE_COLUMNS,
    SURVEY_INDEX_COLUMNS,
    AnalysisResults,
    Progress,
    _Steps,
)

#: The packages whose versions run.json records.
_PACKAGES = ("trygg", "numpy", "polars", "duckdb", "scipy", "shapely", "h3", "weasyprint")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _write_changes(results: AnalysisResults, folder: Path) -> None:
    """The year-over-year tests as ``survey_changes.csv`` and ``crime_changes.csv``; a
    suppressed pair keeps its row with every figure empty."""
    changes = results.survey_changes
    if changes is None:
        changes = pl.DataFrame(
            schema={
                c: pl.Boolean if c in ("significant", "suppressed") else pl.String
                for c in SURVEY_CHANGE_COLUMNS
            }
        )
    figures = [c for c in SURVEY_CHANGE_COLUMNS
               if c not in ("level", "area_code", "index", "year_from", "year_to",
                            "significant", "suppressed")]  # fmt: skip
    changes = changes.select(SURVEY_CHANGE_COLUMNS).with_columns(
        [pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in figures]
    )
    write_frame_csv(changes, folder / "survey_changes.csv")
    if results.crime_changes is not None:
        write_frame_csv(results.crime_changes, folder / "crime_changes.csv")


def _emerging_record(results: AnalysisResults) -> dict:
    """What run.json says about the emerging hot spots: the years, and how many units of
    each level got each category (or why there are none)."""
    if not results.emerging_span:
        return {"computed": False, "reason": "too_few_years", "years": []}
    counts: dict[str, dict[str, int]] = {}
    for level, category, n in (
        results.emerging.group_by("level", "category").len().sort("level", "category").iter_rows()
    ):
        counts.setdefault(level, {})[category] = int(n)
    return {
        "computed": True,
        "years": results.emerging_span,
        "categories": counts,
        "grid_rows": "cells with a pattern only",
    }


def write_outputs(
    results: AnalysisResults,
    out: Path,
    *,
    progress: Progress | None = None,
    _steps: _Steps | None = None,
) -> dict[str, Path]:
    """Write the output files into ``out`` via a temporary folder next to it.

    An existing ``out`` is replaced only after every file has been written.
    """
    steps = _steps or _Steps(progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:

        def csv_step() -> None:
            survey = results.survey_indices
            cols = [c for c in survey.columns if c in SURVEY_INDEX_COLUMNS]
            rest = [c for c in survey.columns if c not in SURVEY_INDEX_COLUMNS]
            # Area names are text people typed: written so that no spreadsheet runs them.
            write_frame_csv(survey.select(*cols, *rest), tmp / "survey_indices.csv")
            write_frame_csv(results.crime_rates.select(CRIME_RATE_COLUMNS), tmp / "crime_rates.csv")
            _write_changes(results, tmp)
            hs = results.hotspots
            write_frame_csv(
                hs.select(*HOTSPOT_COLUMNS, *[c for c in hs.columns if c not in HOTSPOT_COLUMNS]),
                tmp / "hotspots.csv",
            )
            write_frame_csv(results.priorities.table, tmp / "priorities.csv")
            if results.emerging_span:
                write_frame_csv(results.emerging, tmp / "emerging_hotspots.csv")
                write_frame_csv(results.emerging_years, tmp / "emerging_hotspot_years.csv")

        steps.run("write tables", csv_step)
        html = steps.run(
            "report html",
            lambda: report_render.render_report_html(results, lang=results.params.lang),
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        if results.params.pdf:
            pdf = steps.run("report pdf", lambda: report_render.render_report_pdf(html))
            (tmp / "report.pdf").write_bytes(pdf)
        run = {
            "tool": "trygg analyze",
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "year": results.year,
            "survey_year": results.survey_year,
            "municipality": results.municipality,
            "inputs": results.sources,
            "parameters": results.params.as_dict() | {"weights_used": results.priorities.weights},
            "versions": _versions(),
            "counts": results.counts,
            "survey_items": results.survey_items,
            "components": results.components,
            "emerging_hotspots": _emerging_record(results),
            "timings_seconds": results.timings,
            "outputs": {
                p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
                for p in sorted(tmp.iterdir())
            },
        }
        (tmp / "run.json").write_text(
            json.dumps(run, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        backup = None
        if out.exists():
            backup = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            out.rename(backup)
        tmp.rename(out)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {name: out / name for name in OUTPUT_FILES if (out / name).exists()}
