"""Importing reported crimes: validated, placed in areas, atomic and idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.db import connection, transaction

from trygg.analysis.crime import CrimeFile, read_crimes
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
_INSERT_COLUMNS = ("municipality_id", "source", "source_id", *_FIELDS)
_TIME = pl.Datetime("us", "UTC")


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
    area_ids = _area_ids(municipality)
    try:
        crime_file = read_crimes(path, areas=area_ids.keys(), skip_bad_rows=skip_bad_rows)
    except InputError as exc:
        raise exc.renamed(path.name, name) from None
    return crimes_import_validated(
        municipality=municipality, crime_file=crime_file, actor=actor, file_name=name,
        area_ids=area_ids,
    )  # fmt: skip


def _area_ids(municipality: Municipality) -> dict[str, int]:
    return dict(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).values_list(
            "code", "id"
        )
    )


def crimes_import_validated(
    *,
    municipality: Municipality,
    crime_file: CrimeFile,
    actor=None,
    file_name: str,
    area_ids: dict[str, int] | None = None,
) -> CrimeImportResult:
    """Store an already validated crime table (:class:`CrimeFile`), e.g. the one the guided
    import kept from its check, so that a big file is not read and checked twice."""
    name = file_name
    area_ids = area_ids if area_ids is not None else _area_ids(municipality)
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

    # Compare the file with what is stored as tables, not row by row: a police extract has
    # hundreds of thousands of rows.
    incoming = crimes.select(
        pl.col("source").cast(pl.String),
        pl.col("id").cast(pl.String).alias("source_id"),
        *[pl.col(c).cast(_TIME) for c in ("occurred_at", "occurred_to", "reported_at")],
        pl.col("category").cast(pl.String),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
        pl.col("area_code")
        .replace_strict(area_ids, default=None, return_dtype=pl.Int64)
        .alias("area_id"),
    )
    with transaction.atomic():
        _lock_keys(
            municipality, area_ids=incoming.get_column("area_id").drop_nulls().unique(), name=name
        )
        result = _store(municipality, incoming, crime_file=crime_file, name=name, actor=actor)
    return result


def _lock_keys(municipality: Municipality, *, area_ids: pl.Series, name: str) -> None:
    """What the database's foreign keys would do, once per import instead of once per row.

    The municipality is locked against a second import of its crimes at the same time, its
    areas against deletion until the import commits. An area that is gone since the file
    was checked stops the import before anything is written.
    """
    Municipality.objects.select_for_update(no_key=True).get(pk=municipality.pk)
    wanted = set(area_ids.to_list())
    if not wanted:
        return
    if connection.vendor == "postgresql":
        # FOR KEY SHARE, the lock a foreign key check takes: it lets others read and edit
        # the areas, only not delete them.
        table = connection.ops.quote_name(Area._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {table} WHERE municipality_id = %s AND id = ANY(%s) "  # noqa: S608
                "FOR KEY SHARE",
                [municipality.pk, sorted(wanted)],
            )
            present = {row[0] for row in cursor.fetchall()}
    else:
        # SQLite: the import's write transaction already keeps every other writer out.
        areas = Area.objects.filter(municipality=municipality, pk__in=wanted)
        present = set(areas.values_list("pk", flat=True))
    if missing := wanted - present:
        raise InputError(
            RowProblem(
                file=name,
                column="area_code",
                reason=f"{len(missing)} of the file's areas were removed while it was being "
                "imported; nothing was stored, import the file again",
            )
        )


def _store(
    municipality: Municipality,
    incoming: pl.DataFrame,
    *,
    crime_file: CrimeFile,
    name: str,
    actor,
) -> CrimeImportResult:
    outside = incoming.get_column("area_id").null_count()
    stored = _stored_crimes(municipality)
    joined = incoming.join(stored, on=["source", "source_id"], how="left", suffix="_stored")
    is_new = pl.col("id").is_null()
    same = pl.all_horizontal([pl.col(f).eq_missing(pl.col(f"{f}_stored")) for f in _FIELDS])
    changed = joined.filter(~is_new & ~same).get_column("id").to_list()
    unchanged = joined.filter(~is_new & same).height
    to_insert = joined.filter(is_new | ~same).select("source", "source_id", *_FIELDS)
    result = CrimeImportResult(
        to_insert.height - len(changed),
        len(changed),
        unchanged,
        outside=outside,
        excluded=crime_file.excluded,
        rejected=tuple(
            RowProblem(file=name, line=r["line"], column=r["column"], reason=r["reason"])
            for r in crime_file.rejected.iter_rows(named=True)
        ),
    )
    # A corrected row is replaced: deleting and inserting in bulk is far quicker than
    # updating many rows one CASE expression at a time. Nothing refers to a crime's pk.
    for start in range(0, len(changed), 5000):
        ReportedCrime.objects.filter(pk__in=changed[start : start + 5000]).delete()
    _insert_new(to_insert, municipality_id=municipality.pk)
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


_STORED_SCHEMA = {
    "id": pl.Int64,
    "source": pl.String,
    "source_id": pl.String,
    "occurred_at": _TIME,
    "occurred_to": _TIME,
    "reported_at": _TIME,
    "category": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "area_id": pl.Int64,
}


def _stored_crimes(municipality: Municipality) -> pl.DataFrame:
    if connection.vendor == "postgresql":
        return _stored_crimes_copy(municipality)
    rows = ReportedCrime.objects.filter(municipality=municipality).values_list(
        "id", "source", "source_id", *_FIELDS
    )
    return pl.DataFrame(list(rows.iterator(chunk_size=50_000)), schema=_STORED_SCHEMA, orient="row")


def _stored_crimes_copy(municipality: Municipality) -> pl.DataFrame:
    """The stored rows through COPY … TO STDOUT: a million rows as one CSV stream that
    Polars parses, instead of a million tuples built by the database driver. Times travel
    as microseconds since the epoch, so no time zone or format is involved."""
    import io

    def micros(column: str) -> str:
        return f"(extract(epoch from {column}) * 1000000)::bigint"

    table = connection.ops.quote_name(ReportedCrime._meta.db_table)
    # Table and column names come from the model, never from input.
    select = (
        f"SELECT id, source, source_id, {micros('occurred_at')}, {micros('occurred_to')}, "  # noqa: S608
        f"{micros('reported_at')}, category, lat, lon, area_id FROM {table} "
        "WHERE municipality_id = %s"
    )
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", (municipality.pk,)
        ) as copy,
    ):
        for block in copy:
            buffer.write(block)
    times = ("occurred_at", "occurred_to", "reported_at")
    if not buffer.tell():
        return pl.DataFrame(schema=_STORED_SCHEMA)
    buffer.seek(0)
    frame = pl.read_csv(
        buffer,
        has_header=False,
        new_columns=list(_STORED_SCHEMA),
        schema_overrides={
            name: (pl.Int64 if name in times else dtype) for name, dtype in _STORED_SCHEMA.items()
        },
    )
    return frame.with_columns(
        pl.col(c).cast(pl.Datetime("us")).dt.replace_time_zone("UTC") for c in times
    )


def _insert_new(frame: pl.DataFrame, *, municipality_id: int) -> None:
    """Insert many crimes at once: COPY on PostgreSQL, one prepared INSERT on SQLite.

    Building a model instance per row (bulk_create) costs several times the insert itself.
    """
    if frame.is_empty():
        return
    frame = frame.select(pl.lit(municipality_id).alias("municipality_id"), *frame.columns)
    table = connection.ops.quote_name(ReportedCrime._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
            with cursor.cursor.copy(copy_sql) as copy:
                for chunk in frame.iter_slices(200_000):
                    copy.write(
                        chunk.write_csv(
                            include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f%:z"
                        )
                    )
            return
        # SQLite keeps datetimes as UTC text, the way Django writes them.
        text = frame.with_columns(
            pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
            for c in ("occurred_at", "occurred_to", "reported_at")
        )
        placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        # Table and column names come from the model, never from input.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        for chunk in text.iter_slices(100_000):
            cursor.executemany(sql, chunk.rows())


def crime_statistics_import(
    *, municipality: Municipality, path: str | Path, actor=None, file_name: str | None = None
) -> ImportResult:
    """Import Brå's reported crimes per municipality and year into the municipality's
    comparison table; a row for the same municipality, year and crime replaces the stored
    one, so the same file twice changes nothing. Nothing is stored if any row is wrong."""
    from trygg.analysis.bra_io import read_bra_municipal

    from .models import MunicipalCrimeStatistic

    path = Path(path)
    name = file_name or path.name
    frame = read_bra_municipal(path, file=name)
    stored = {
        (s.region_code, s.year, s.category): s
        for s in MunicipalCrimeStatistic.objects.filter(municipality=municipality)
    }
    new_rows, changed_rows, unchanged = [], [], 0
    for code, region, year, category, count, rate in frame.iter_rows():
        old = stored.get((code, year, category))
        if old is None:
            new_rows.append(
                MunicipalCrimeStatistic(
                    municipality=municipality, region_code=code, region_name=region, year=year,
                    category=category, count=count, rate_per_100k=rate,
                )
            )  # fmt: skip
        elif (old.region_name, old.count, old.rate_per_100k) != (region, count, rate):
            old.region_name, old.count, old.rate_per_100k = region, count, rate
            changed_rows.append(old)
        else:
            unchanged += 1
    result = ImportResult(len(new_rows), len(changed_rows), unchanged)
    with transaction.atomic():
        MunicipalCrimeStatistic.objects.bulk_create(new_rows, batch_size=2000)
        MunicipalCrimeStatistic.objects.bulk_update(
            changed_rows, ["region_name", "count", "rate_per_100k"], batch_size=2000
        )
        if result.changed:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="crime_statistics",
                municipality_code=municipality.code,
                summary=f"Imported municipal crime statistics from {name}: {result}",
                details={"file": name, "created": result.created, "updated": result.updated},
            )
    return result
