"""`trygg analyze`: from input files (or loaded tables) to the outputs of docs/analysis.md.

:func:`run_analysis` reads the files, :func:`run_analysis_on_tables` does the work on tables
already loaded (the Django side feeds these from the database for ``--from-db``), and
:func:`write_outputs` writes ``survey_indices.csv, survey_changes.csv, crime_rates.csv,
crime_changes.csv, hotspots.csv, priorities.csv, run.json, report.html, report.pdf`` and,
with crimes from ``emerging_min_years`` years or more, ``emerging_hotspots.csv,
emerging_hotspot_years.csv``.

Nothing is written to ``out`` unless the whole run succeeds: every file goes to a
temporary folder next to ``out`` (same file system), which is then renamed into place. A
bad input raises :class:`~trygg.analysis.errors.InputError` (file, line, column, reason)
before anything is written at all.

Steps and their defaults (all recorded in ``run.json``):

* survey: raking to the population margins (sex, age group within area × year), weighted
  indices with design-based intervals, Fay–Herriot small-area estimates shrunk towards the
  parent district, suppression below the questionnaire's minimum n;
* crime: points placed in areas, counts and rates per 1,000 per area × year × category,
  yearly trend per area (quasi-Poisson), harm-weighted rate (category table weights), the
  change between consecutive years by an exact test (:mod:`trygg.analysis.crime.changes`);
* hot spots: Gi* on the areas' crime rate in the analysis year (queen contiguity, two-sided
  test under total randomisation with adaptive draws, Benjamini–Hochberg at ``alpha``;
  ADR 0012) and, with ``h3_resolution``, on the H3 grid;
* emerging hot spots: the same test per year up to the analysis year, Mann–Kendall on the
  yearly z-values and ArcGIS Pro's categories (:mod:`trygg.analysis.hotspots.emerging`);
* priorities: :mod:`trygg.analysis.priority` with bootstrap rank intervals.

Progress: ``progress(step, fraction)`` is called with ``fraction`` 0.0 when a step starts and
1.0 when it ends, so a CLI can draw one bar per step.

Pure Python: no Django import (the report renderer, :mod:`trygg.analysis.report.render`, is
plain Python too).
"""

from .files import read_observations, run_analysis
from .on_tables import run_analysis_on_tables
from .outputs import write_outputs
from .params import (
    CRIME_RATE_COLUMNS,
    HOTSPOT_COLUMNS,
    OUTPUT_FILES,
    SURVEY_INDEX_COLUMNS,
    AnalysisInputs,
    AnalysisParams,
    AnalysisResults,
    Progress,
)

__all__ = [
    "CRIME_RATE_COLUMNS",
    "HOTSPOT_COLUMNS",
    "OUTPUT_FILES",
    "SURVEY_INDEX_COLUMNS",
    "AnalysisInputs",
    "AnalysisParams",
    "AnalysisResults",
    "Progress",
    "read_observations",
    "run_analysis",
    "run_analysis_on_tables",
    "write_outputs",
]
