"""`trygg import ...`: areas, population, crimes and survey responses from files."""

from __future__ import annotations

from pathlib import Path

import click

from .base import (
    INPUT_FILE,
    InputFailure,
    _existing_municipality,
    _setup,
    main,
)


@main.group(name="import")
def import_group() -> None:
    """Import data files (atomic: a file with any error imports nothing)."""


def _municipality(code: str, name: str | None):
    from trygg.areas.services import municipality_get_or_create

    return municipality_get_or_create(code=code, name=name)


@import_group.command(name="areas")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option("--name", default=None, help="Municipality name (when it is new).")
@click.option("--layer", default=None, help="The GeoPackage layer to read (when it has several).")
def import_areas(file: Path, code: str, name: str | None, layer: str | None) -> None:
    """Import areas from a GeoJSON FeatureCollection (WGS84, or naming its crs such as
    EPSG:3006) or a GeoPackage (reprojected to WGS84)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.areas.services import areas_import_geojson

    try:
        result = areas_import_geojson(
            municipality=_municipality(code, name), path=file, layer=layer
        )
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"{file.name}: {result}")


@import_group.command(name="population")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
def import_population(file: Path, code: str) -> None:
    """Import population by area, year, sex and age group (CSV)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.areas.services import population_import_csv

    municipality = _existing_municipality(code)
    try:
        result = population_import_csv(municipality=municipality, path=file)
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(f"{file.name}: {result}")


def _write_rejects(source: Path, problems) -> Path | None:
    """With --skip-bad-rows, the rows left out go to a reject file beside the input."""
    from trygg.analysis.safe_csv import write_rows

    rows = list(problems)
    if not rows:
        return None
    target = source.with_name(source.name + ".rejected.csv")
    with target.open("w", newline="", encoding="utf-8") as handle:
        write_rows(
            handle,
            ["file", "line", "column", "reason"],
            (
                [
                    problem.file,
                    problem.line or problem.feature or "",
                    problem.column or "",
                    problem.reason,
                ]
                for problem in rows
            ),
        )
    return target


@import_group.command(name="crimes")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; write the bad ones to FILE.rejected.csv.",
)
def import_crimes(file: Path, code: str, skip_bad_rows: bool) -> None:
    """Import reported crimes (CSV, Parquet or the police's events JSON)."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.crime.services import crimes_import

    municipality = _existing_municipality(code)
    try:
        result = crimes_import(municipality=municipality, path=file, skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        raise InputFailure(exc) from exc
    click.echo(
        f"{file.name}: {result}; {result.outside} outside every area, "
        f"{result.excluded} not crimes (e.g. traffic accidents)"
    )
    target = _write_rejects(file, result.rejected)
    if target:
        click.echo(f"{len(result.rejected)} bad rows were skipped and written to {target}")


@import_group.command(name="survey")
@click.argument("file", type=INPUT_FILE)
@click.option("--municipality", "code", required=True, help="Four-digit municipality code.")
@click.option(
    "--questionnaire",
    type=INPUT_FILE,
    help="Questionnaire YAML (default: the standard police question set).",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; write the bad ones to FILE.rejected.csv.",
)
def import_survey(file: Path, code: str, questionnaire: Path | None, skip_bad_rows: bool) -> None:
    """Import survey responses (CSV, XLSX or SPSS .sav), one row per respondent."""
    _setup()
    from trygg.analysis.errors import InputError
    from trygg.surveys.services import survey_responses_import

    municipality = _existing_municipality(code)
    yaml_text = questionnaire.read_text(encoding="utf-8") if questionnaire else None
    try:
        result = survey_responses_import(
            municipality=municipality,
            path=file,
            questionnaire_yaml=yaml_text,
            skip_bad_rows=skip_bad_rows,
        )
    except InputError as exc:
        raise InputFailure(exc) from exc
    years = ", ".join(str(y) for y in result.years)
    click.echo(f"{file.name} ({years}): {result}")
    target = _write_rejects(file, result.rejected)
    if target:
        click.echo(f"{len(result.rejected)} bad rows were skipped and written to {target}")
