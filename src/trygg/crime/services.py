"""Importing reported crimes: validated, placed in areas, atomic and idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from django.db import connection, transaction

from trygg.analysis.crime import read_crimes
from trygg.analysis.errors import InputError, RowProblem
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import locate_points
from trygg.areas.services import ImportResult
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import ReportedCrime

# A file without a source column is the police analyst's own extract.
DEFAULT_SOURCE = "extract"
_FIELDS = ("occurred_at", "occurred_to", "reported_at", "category", "lat", "lon", "area_id")


@dataclass(frozen=True)
class CrimeImportResult(ImportResult):
    outside: int = 0
    excluded: int = 0
    rejected: tuple[RowProblem, ...] = ()


def crimes_import(
    *,
    municipality: Municipality,
    path: str | Path,
    actor=None,
    file_name: str | None = None,
    skip_bad_rows: bool = False,
) -> CrimeImportResult:
    """Import a crime file (CSV, Parquet or the police's events JSON).

    Points are placed in the municipality's areas with the spatial index; a row that names
    its area keeps it. Rows are keyed by (source, id): the same file twice changes nothing,
    a corrected row replaces the stored one.
    """
    path = Path(path)
    name = file_name or path.name
    area_ids = dict(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).values_list(
            "code", "id"
        )
    )
    try:
        crime_file = read_crimes(path, areas=area_ids.keys(), skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        raise exc.renamed(path.name, name) from None
    crimes = crime_file.crimes
    if "area_code" not in crimes.columns:
        crimes = crimes.with_columns(pl.lit(None, pl.String).alias("area_code"))
    need = crimes.get_column("area_code").is_null() & crimes.get_column("lat").is_not_null()
    if need.any():
        located = locate_points(
            municipality=municipality,
            lon=crimes.filter(need).get_column("lon").to_numpy(),
            lat=crimes.filter(need).get_column("lat").to_numpy(),
        )
        codes = crimes.get_column("area_code").to_list()
        for index, code in zip(need.arg_true().to_list(), located, strict=True):
            codes[index] = code or None
        crimes = crimes.with_columns(pl.Series("area_code", codes, dtype=pl.String))
    source = (
        pl.col("source").fill_null(DEFAULT_SOURCE)
        if "source" in crimes.columns
        else pl.lit(DEFAULT_SOURCE)
    )
    crimes = crimes.with_columns(source.alias("source"))

    stored = {
        (c.source, c.source_id): c
        for c in ReportedCrime.objects.filter(municipality=municipality).only(
            "id", "source", "source_id", *_FIELDS
        )
    }
    new, changed, unchanged, outside = [], [], 0, 0
    for row in crimes.iter_rows(named=True):
        area_id = area_ids.get(row["area_code"]) if row["area_code"] else None
        outside += area_id is None
        fields = {
            "occurred_at": _aware(row["occurred_at"]),
            "occurred_to": _aware(row["occurred_to"]),
            "reported_at": _aware(row["reported_at"]),
            "category": row["category"],
            "lat": row["lat"],
            "lon": row["lon"],
            "area_id": area_id,
        }
        existing = stored.get((row["source"], str(row["id"])))
        if existing is None:
            new.append((municipality.pk, row["source"], str(row["id"]), *fields.values()))
        elif any(getattr(existing, k) != v for k, v in fields.items()):
            changed.append(existing.pk)
            new.append((municipality.pk, row["source"], str(row["id"]), *fields.values()))
        else:
            unchanged += 1
    result = CrimeImportResult(
        len(new) - len(changed),
        len(changed),
        unchanged,
        outside=outside,
        excluded=crime_file.excluded,
        rejected=tuple(
            RowProblem(file=name, line=r["line"], column=r["column"], reason=r["reason"])
            for r in crime_file.rejected.iter_rows(named=True)
        ),
    )
    with transaction.atomic():
        # A corrected row is replaced: deleting and inserting in bulk is far quicker than
        # updating many rows one CASE expression at a time. Nothing refers to a crime's pk.
        for start in range(0, len(changed), 5000):
            ReportedCrime.objects.filter(pk__in=changed[start : start + 5000]).delete()
        _insert_new(new)
        if result.changed:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="reported_crimes",
                municipality_code=municipality.code,
                summary=f"Imported reported crimes from {name}: {result}",
                details={
                    "file": name,
                    "created": result.created,
                    "updated": result.updated,
                    "outside": outside,
                    "excluded": crime_file.excluded,
                    "rejected": len(result.rejected),
                },
            )
    return result


_INSERT_COLUMNS = ("municipality_id", "source", "source_id", *_FIELDS)


def _insert_new(rows: list[tuple]) -> None:
    """Insert many crimes at once: COPY on PostgreSQL, one prepared INSERT on SQLite.

    A police extract has hundreds of thousands of rows; building a model instance for each
    (bulk_create) costs several times the insert itself.
    """
    if not rows:
        return
    table = connection.ops.quote_name(ReportedCrime._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        prepared = [
            (*row[:3], adapt(row[3]), adapt(row[4]), adapt(row[5]), *row[6:]) for row in rows
        ]
        placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        # Table and column names come from the model, never from input.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, prepared)


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
