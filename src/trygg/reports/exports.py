"""A table as a CSV or XLSX download (the dashboard's and the area page's downloads)."""

from __future__ import annotations

import polars as pl
from django.http import HttpResponse

from trygg.core.exports import frame_csv_response, frame_xlsx_response


def table_download(table: pl.DataFrame, *, fmt: str, filename: str, sheet: str) -> HttpResponse:
    # Area names are text an administrator typed: the writers keep them from being formulas.
    if fmt == "csv":
        return frame_csv_response(table, filename=f"{filename}.csv")
    return frame_xlsx_response(table, filename=f"{filename}.xlsx", sheet=sheet)


# ----------------------------------------------------------------------------- GIS files

#: A run's files for analysts' own tools, made from its CSV tables when asked for:
#: each table as GeoPackage and Parquet, all of them in one GeoPackage, and the styles of
#: the problem-index and crime-rate choropleths (docs/qgis.md).
GIS_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "parquet": "application/vnd.apache.parquet",
    "qml": "application/xml",
    "sld": "application/vnd.ogc.sld+xml",
}
ALL_TABLES_GPKG = "analysis.gpkg"
STYLE_FILES = ("problem_index.qml", "problem_index.sld", "crime_rates.qml", "crime_rates.sld")


def run_gis_files(run) -> list[str]:
    """The GIS files the run offers (its tables that exist, in every format)."""
    from .selectors.results import RUN_TABLES

    tables = [t for t in RUN_TABLES if (run.directory / f"{t}.csv").is_file()]
    if not tables:
        return []
    files = [ALL_TABLES_GPKG]
    files += [f"{t}.{ext}" for t in tables for ext in ("gpkg", "parquet")]
    if "survey_indices" in tables:
        files += [f for f in STYLE_FILES if f.startswith("problem_index")]
    if "crime_rates" in tables:
        files += [f for f in STYLE_FILES if f.startswith("crime_rates")]
    return files


def run_gis_file(run, name: str, directory) -> tuple[str, str] | None:
    """Write the GIS file ``name`` of the run into ``directory``: (path, content type), or
    None when the run has no such file. Made afresh each time, with the areas' boundaries
    as they are now."""
    from pathlib import Path

    from trygg.analysis import gis_export
    from trygg.areas.models import Area

    from .selectors.dashboard import index_colour_classes
    from .selectors.results import run_table

    if name not in run_gis_files(run):
        return None
    stem, ext = name.rsplit(".", 1)
    out = Path(directory) / name
    if ext in ("qml", "sld"):
        if stem == "problem_index":
            table = run_table(run, "survey_indices")
            layer = "survey_indices"
            year = int(table["year"].max()) if "year" in table.columns and table.height else None
            rules = gis_export.index_rules(index_colour_classes(run.municipality), year=year)
        else:
            layer = "crime_rates"
            rules = gis_export.rate_rules(run_table(run, "crime_rates"))
        text = (
            gis_export.qml(rules)
            if ext == "qml"
            else gis_export.sld(rules, layer=layer, title=stem.replace("_", " "))
        )
        out.write_text(text, encoding="utf-8")
        return str(out), GIS_TYPES[ext]
    if ext == "parquet":
        gis_export.write_parquet(run_table(run, stem), out)
        return str(out), GIS_TYPES[ext]
    from .selectors.results import RUN_TABLES

    names = [t for t in RUN_TABLES if (run.directory / f"{t}.csv").is_file()]
    tables = {t: run_table(run, t) for t in (names if name == ALL_TABLES_GPKG else [stem])}
    areas = dict(Area.objects.filter(municipality=run.municipality).values_list("code", "geometry"))
    gis_export.write_geopackage(tables, areas=areas, path=out)
    return str(out), GIS_TYPES[ext]
