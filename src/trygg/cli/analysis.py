"""`trygg analyze`: the analysis from files or from the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import (
    INPUT_FILE,
    InputFailure,
    _existing_municipality,
    _setup,
    main,
)


class _StepBars:
    """One progress bar per analysis step, drawn on standard error."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, step: str, fraction: float) -> None:
        from tqdm import tqdm

        if fraction <= 0.0:
            self.bar = tqdm(
                total=100,
                desc=f"{step:<24}",
                file=sys.stderr,
                leave=True,
                bar_format="{desc} {bar:20} {elapsed}",
            )
        elif self.bar is not None:
            self.bar.update(round(fraction * 100) - self.bar.n)
            if fraction >= 1.0:
                self.bar.close()
                self.bar = None


def _parse_pairs(text: str | None, option: str) -> dict[str, float] | None:
    if not text:
        return None
    pairs = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            pairs[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"'{part}' is not NAME=NUMBER", param_hint=option)
    return pairs


@main.command()
@click.option(
    "--areas",
    type=INPUT_FILE,
    help="Areas: GeoJSON (WGS84, or naming its crs such as EPSG:3006) or GeoPackage.",
)
@click.option(
    "--crimes",
    type=INPUT_FILE,
    help="Reported crimes: CSV, Parquet or the police's events JSON.",
)
@click.option(
    "--survey",
    type=INPUT_FILE,
    help="Survey responses: CSV, XLSX or SPSS .sav.",
)
@click.option(
    "--population",
    type=INPUT_FILE,
    help="Population by area, year, sex and age group (CSV or XLSX).",
)
@click.option(
    "--observations",
    type=INPUT_FILE,
    help="Observations from the situational picture (CSV), optional.",
)
@click.option(
    "--questionnaire",
    type=INPUT_FILE,
    help="Questionnaire YAML (default: the standard police question set).",
)
@click.option("--from-db", is_flag=True, help="Analyse what is imported instead of files.")
@click.option("--municipality", "code", help="With --from-db: the municipality code.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the results; written only if the whole run succeeds.",
)
@click.option("--year", type=int, help="The year to report (default: the latest with data).")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("--weights", help="Priority weights, e.g. problem_index=0.3,harm_rate=0.25.")
@click.option("--harm-weights", help="Harm weight per crime category, e.g. violence=8,theft=1.")
@click.option(
    "--permutations",
    type=int,
    help="Permutations for the hot-spot test (default: enough for the number of units).",
)
@click.option(
    "--alpha",
    type=float,
    default=0.05,
    show_default=True,
    help="False-discovery rate for hot spots.",
)
@click.option("--seed", type=int, help="Random seed (default: fixed, so runs repeat).")
@click.option(
    "--h3-resolution",
    type=click.IntRange(4, 12),
    help="Also find hot spots on an H3 grid of this resolution.",
)
@click.option(
    "--pdf",
    "pdf_mode",
    type=click.Choice(["later", "now", "none"]),
    default="later",
    show_default=True,
    help="later: return once the tables and report.html are written and render report.pdf "
    "in a background process; now: wait for the PDF; none: no PDF.",
)
@click.option("--no-pdf", is_flag=True, help="Write report.html but not report.pdf (--pdf none).")
def analyze(
    areas,
    crimes,
    survey,
    population,
    observations,
    questionnaire,
    from_db,
    code,
    out,
    year,
    lang,
    weights,
    harm_weights,
    permutations,
    alpha,
    seed,
    h3_resolution,
    pdf_mode,
    no_pdf,
) -> None:
    """Survey indices, crime rates, hot spots, priorities and the annual report.

    Works on files alone (no database), or with --from-db on what has been imported.
    Writes survey_indices.csv, crime_rates.csv, hotspots.csv, priorities.csv, run.json,
    report.html and report.pdf into --out, and with crimes from three years or more
    emerging_hotspots.csv and emerging_hotspot_years.csv. By default the PDF is rendered in
    the background after the command returns (it takes WeasyPrint seconds); the command says
    where it will appear.
    """
    from trygg.analysis import pipeline
    from trygg.analysis.errors import InputError
    from trygg.analysis.priority import format_weights

    params = pipeline.AnalysisParams(
        year=year,
        lang=lang,
        weights=_parse_pairs(weights, "--weights"),
        harm_weights=_parse_pairs(harm_weights, "--harm-weights"),
        permutations=permutations,
        alpha=alpha,
        h3_resolution=h3_resolution,
        pdf=pdf_mode == "now" and not no_pdf,
    )
    pdf_later = pdf_mode == "later" and not no_pdf
    if seed is not None:
        params.seed = seed
    progress = _StepBars()
    try:
        if from_db:
            _setup()
            from trygg.reports.selectors import analysis_inputs_from_db

            municipality = _existing_municipality(code) if code else _only_municipality()
            params.municipality_name = municipality.name
            from trygg.core.db_router import replica_reads

            # A whole municipality's tables: a heavy read the standby may serve.
            with replica_reads():
                inputs = analysis_inputs_from_db(municipality=municipality)
            results = pipeline.run_analysis_on_tables(inputs, params=params, progress=progress)
            pipeline.write_outputs(results, out, progress=progress)
        else:
            missing = [
                name
                for name, value in (
                    ("--areas", areas),
                    ("--crimes", crimes),
                    ("--population", population),
                )
                if value is None
            ]
            if missing:
                raise click.UsageError(f"missing {', '.join(missing)} (or use --from-db)")
            results = pipeline.run_analysis(
                areas=areas,
                crimes=crimes,
                survey=survey,
                population=population,
                out=out,
                observations=observations,
                questionnaire=questionnaire,
                params=params,
                progress=progress,
            )
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"Weights: {format_weights(results.priorities.weights, lang=lang)}")
    # What the survey indices came from and which components are in the ranking (issue 16).
    from trygg.analysis.report.render import coverage_lines

    labels = {code: text.get(lang) for code, text in results.questionnaire.groups.items()}
    for line in coverage_lines(results.survey_items, results.components, lang, labels):
        click.echo(f"  {line}")
    top = results.priorities.table.sort("rank").head(5)
    for row in top.iter_rows(named=True):
        click.echo(f"  {row['rank']:>3}. ({row['rank_low']}–{row['rank_high']}) {row['name']}")
    click.echo(f"Results in {out}/")
    if pdf_later:
        from trygg.analysis.report.pdf_file import ERROR_NAME, start_in_background

        pdf = start_in_background(out)
        click.echo(
            f"The PDF is being rendered in the background and will appear as {pdf} "
            f"(if it fails, the reason goes to {pdf.parent / ERROR_NAME})."
        )


def _only_municipality():
    from trygg.areas.models import Municipality

    municipalities = list(Municipality.objects.all()[:2])
    if len(municipalities) != 1:
        raise click.UsageError("name the municipality with --municipality CODE")
    return municipalities[0]
