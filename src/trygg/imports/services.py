"""Writes of the guided import and of background jobs.

The steps: :func:`upload_create` stores the file and detects how to read it (encoding,
separator, columns, a first column mapping, or the one saved for the source);
:func:`upload_set_mapping` keeps the user's mapping (and saves it for the source);
:func:`upload_validate` and :func:`upload_import` run as background tasks
(:mod:`trygg.imports.tasks`): the file is rewritten once with the mapping applied
(streamed, so a million rows need little memory), checked by the same readers the
importers use, and imported atomically and idempotently by the apps' own services.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.tables import check_xlsx_size, text_encoding
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import (
    ImportKind,
    ImportSource,
    ImportUpload,
    Job,
    JobKind,
    JobStatus,
    TaskRecord,
    UploadStatus,
)

#: What each kind of file must (and may) hold, in the contract's names (FORMATS.md).
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ImportKind.AREAS: (("code", "name"), ("parent_code", "population")),
    ImportKind.POPULATION: (("area_code", "year", "sex", "age_group", "count"), ()),
    ImportKind.SURVEY: (("respondent_id", "year", "area_code", "sex", "age_group"), ()),
    ImportKind.CRIMES: (
        ("id", "occurred_at", "category"),
        ("lat", "lon", "area_code", "occurred_to", "reported_at", "source"),
    ),
}

#: Column names that vendors and Swedish spreadsheets use for the contract's fields.
ALIASES: dict[str, tuple[str, ...]] = {
    "area_code": ("omrade", "område", "omradeskod", "områdeskod", "area", "deso", "regso"),
    "code": ("kod", "omradeskod", "områdeskod", "deso"),
    "name": ("namn", "omradesnamn", "områdesnamn"),
    "parent_code": ("parent", "stadsdel", "district"),
    "population": ("befolkning", "invanare", "invånare"),
    "year": ("ar", "år", "arsmatning", "årtal"),
    "sex": ("kon", "kön", "gender"),
    "age_group": ("alder", "ålder", "aldersgrupp", "åldersgrupp", "age"),
    "count": ("antal", "n"),
    "respondent_id": ("id", "respondent", "lopnummer", "löpnummer", "svarsid"),
    "id": ("anmalan", "anmälan", "diarienummer", "arende", "ärende"),
    "occurred_at": ("brottsdatum", "datum", "tid", "date", "datetime"),
    "category": ("kategori", "brottskategori", "brottstyp", "type"),
    "lat": ("latitud", "latitude", "y"),
    "lon": ("longitud", "longitude", "lng", "x"),
    "occurred_to": ("brottsdatum_till", "till"),
    "reported_at": ("anmalningsdatum", "anmälningsdatum"),
    "source": ("kalla", "källa"),
}

FILE_TYPES = {
    ImportKind.AREAS: ("geojson", "json"),
    ImportKind.POPULATION: ("csv", "txt", "xlsx"),
    ImportKind.SURVEY: ("csv", "txt", "xlsx", "sav"),
    ImportKind.CRIMES: ("csv", "txt"),
}
PREVIEW_ROWS = 10
#: The validation report keeps this many problems; the count is always complete.
MAX_STORED_PROBLEMS = 20000


class UploadRejected(ValueError):
    """The file cannot be taken at all (wrong type, unreadable); ``problems`` say why, in
    the templates of :mod:`trygg.core.problems`, when the file was read."""

    def __init__(self, message: str, problems: list[RowProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []


# ----------------------------------------------------------------------------- jobs


def job_create(*, kind: str, municipality, actor=None) -> Job:
    return Job.objects.create(
        kind=kind,
        municipality=municipality,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def job_progress(job: Job, step: str, fraction: float) -> None:
    """Record progress; an UPDATE outside any transaction, so the page sees it at once."""
    fields = {"step": step[:100], "progress": max(0.0, min(1.0, fraction))}
    if job.status == JobStatus.QUEUED:
        fields |= {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    Job.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def job_task_lost(*, task_id: str, attempts: int, retried: bool, timed_out: bool = False) -> None:
    """The worker of a job's task stopped (or the task ran past its timeout): the job goes
    back to the queue, or fails, and an upload waiting on it fails with it."""
    job = Job.objects.filter(task_id=task_id).first()
    if job is None:
        return
    if retried:
        job.status, job.step, job.progress = JobStatus.QUEUED, "", 0.0
        job.lost_attempts = attempts
        job.message = f"The worker stopped during attempt {attempts}; queued again."
    else:
        job.status = JobStatus.FAILED
        job.finished_at = timezone.now()
        job.timed_out = timed_out
        if timed_out:
            job.message = "The task ran past its timeout and was stopped."
        else:
            job.lost_attempts = attempts
            job.message = f"The worker stopped; failed after {attempts} attempts."
    job.save(
        update_fields=[
            "status", "step", "progress", "lost_attempts", "timed_out", "message", "finished_at",
        ]
    )  # fmt: skip
    if not retried:
        ImportUpload.objects.filter(
            job=job, status__in=[UploadStatus.VALIDATING, UploadStatus.IMPORTING]
        ).update(status=UploadStatus.FAILED)


def job_finish(job: Job, *, ok: bool, message: str = "", result: dict | None = None) -> None:
    job.status = JobStatus.DONE if ok else JobStatus.FAILED
    job.progress = 1.0 if ok else job.progress
    job.message = message
    job.result = result or {}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "progress", "message", "result", "finished_at"])


# ----------------------------------------------------------------------------- detection


def _detect_text(raw: bytes) -> tuple[str, str]:
    """(encoding, text) of a sample: UTF-16 by its byte-order mark (Excel's "Unicode
    text"), UTF-8 (with or without BOM), else Windows-1252."""
    if text_encoding(raw) == "utf-16":
        sample = raw[: len(raw) - len(raw) % 2]
        text = sample.decode("utf-16", errors="replace")
        cut = text.rfind("\n")
        return "utf-16", text[: cut + 1] if cut > 0 else text
    cut = raw.rfind(b"\n")
    sample = raw[: cut + 1] if cut > 0 else raw
    try:
        return "utf-8-sig", sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "cp1252", sample.decode("cp1252", errors="replace")


def _detect_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_preview(upload: ImportUpload) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows of the stored file, as the user sees them (nothing once
    the file was removed after its import)."""
    path = upload.path
    if not path.is_file():
        return [], []
    if upload.file_type in ("csv", "txt"):
        with path.open(encoding=upload.encoding or "utf-8-sig", errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=upload.delimiter or ",")
            try:
                rows = [row for _, row in zip(range(PREVIEW_ROWS + 1), reader, strict=False)]
            except csv.Error as exc:
                raise unreadable(upload, exc, line=reader.line_num + 1) from exc
    elif upload.file_type == "xlsx":
        from openpyxl import load_workbook

        check_xlsx_size(path, file=upload.file_name)
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = [
                [_cell(v) for v in row]
                for row in sheet.iter_rows(max_row=PREVIEW_ROWS + 1, values_only=True)
            ]
        finally:
            book.close()
    elif upload.file_type == "sav":
        import pyreadstat

        data, _meta = pyreadstat.read_sav(str(path), row_limit=PREVIEW_ROWS)
        rows = [list(data.columns)] + [[_cell(v) for v in r] for r in data.itertuples(index=False)]
    else:
        features = json.loads(path.read_text(encoding="utf-8-sig")).get("features") or []
        keys: list[str] = []
        for feature in features[:50]:
            for key in feature.get("properties") or {}:
                if key not in keys:
                    keys.append(key)
        rows = [keys] + [
            [_cell((f.get("properties") or {}).get(k)) for k in keys]
            for f in features[:PREVIEW_ROWS]
        ]
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    return header, [r + [""] * (len(header) - len(r)) for r in rows[1:]]


def guess_mapping(kind: str, columns: list[str]) -> dict[str, str]:
    """Contract field -> column, for the columns whose names say what they hold."""
    required, optional = FIELDS[kind]
    lowered = {c.strip().lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for target in (*required, *optional):
        for name in (target, *ALIASES.get(target, ())):
            if name in lowered and lowered[name] not in mapping.values():
                mapping[target] = lowered[name]
                break
    return mapping


# ----------------------------------------------------------------------------- upload


def upload_create(*, municipality, kind: str, uploaded_file, actor=None, source_name: str = ""):
    """Store an uploaded file and detect how to read it."""
    suffix = Path(uploaded_file.name).suffix.lower().lstrip(".")
    if suffix not in FILE_TYPES[kind]:
        raise UploadRejected(
            f"'.{suffix}' is not a file type for this import; use "
            + ", ".join(f".{t}" for t in FILE_TYPES[kind])
        )
    source = None
    if source_name.strip():
        source, _ = ImportSource.objects.get_or_create(
            municipality=municipality, kind=kind, name=source_name.strip()[:100]
        )
    upload = ImportUpload(
        municipality=municipality,
        kind=kind,
        source=source,
        file_name=Path(uploaded_file.name).name[:255],
        file_type="geojson" if suffix == "json" else suffix,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    upload.directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    first = b""
    with upload.path.open("wb") as out:
        for chunk in uploaded_file.chunks():
            if len(first) < 65536:
                first += chunk[: 65536 - len(first)]
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    upload.size, upload.sha256 = size, digest.hexdigest()
    if upload.file_type in ("csv", "txt"):
        upload.encoding, text = _detect_text(first)
        upload.delimiter = _detect_delimiter(text.split("\n", 1)[0])
    if source is not None:
        upload.encoding = source.encoding or upload.encoding
        upload.delimiter = source.delimiter or upload.delimiter
    try:
        header, _ = read_preview(upload)
    except Exception as exc:
        shutil.rmtree(upload.directory, ignore_errors=True)
        problems = unreadable(upload, exc).problems
        raise UploadRejected(str(problems[0]), problems) from exc
    upload.columns = header
    upload.mapping = guess_mapping(kind, header)
    if source is not None and source.mapping:
        upload.mapping |= {t: c for t, c in source.mapping.items() if c in header}
    upload.save()
    return upload


def upload_set_mapping(
    upload: ImportUpload, *, mapping: dict[str, str], delimiter: str, encoding: str, save: bool
):
    """Keep the user's reading settings and mapping; ``save`` stores them for the source."""
    upload.mapping = {t: c for t, c in mapping.items() if c and c in upload.columns}
    if upload.file_type in ("csv", "txt"):
        upload.delimiter = delimiter or upload.delimiter
        upload.encoding = encoding or upload.encoding
        header, _ = read_preview(upload)
        upload.columns = header
    upload.status = UploadStatus.UPLOADED
    upload.problems, upload.problem_count = [], 0
    upload.save()
    if save and upload.source is not None:
        upload.source.mapping = upload.mapping
        upload.source.delimiter = upload.delimiter
        upload.source.encoding = upload.encoding
        upload.source.save()
    return upload


def missing_fields(upload: ImportUpload) -> list[str]:
    required, _ = FIELDS[upload.kind]
    mapped = set(upload.mapping)
    # A column already named as the field needs no mapping.
    present = {c.strip().lower() for c in upload.columns}
    missing = [f for f in required if f not in mapped and f not in present]
    if upload.kind == ImportKind.CRIMES and not (
        {"lat", "lon"} <= (mapped | present) or "area_code" in (mapped | present)
    ):
        missing.append("lat, lon | area_code")
    return missing


def _renamed_header(upload: ImportUpload) -> list[str]:
    rename = {column: target for target, column in upload.mapping.items()}
    taken = set(rename.values())
    header = []
    for column in upload.columns:
        if column in rename:
            header.append(rename[column])
        elif column.strip().lower() in taken:
            header.append(f"original_{column}")  # keep it, out of the way of the mapped one
        else:
            header.append(column)
    return header


def normalised_file(upload: ImportUpload) -> Path:
    """The file with the mapping applied, as UTF-8 (written once, streamed row by row)."""
    header = _renamed_header(upload)
    if upload.file_type == "geojson":
        out = upload.directory / "normalised.geojson"
        data = json.loads(upload.path.read_text(encoding="utf-8-sig"))
        rename = dict(zip(upload.columns, header, strict=True))
        for feature in data.get("features") or []:
            props = feature.get("properties") or {}
            feature["properties"] = {rename.get(k, k): v for k, v in props.items()}
        out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return out
    out = upload.directory / "normalised.csv"
    delimiter = upload.delimiter or ","
    if (
        upload.file_type in ("csv", "txt")
        and header == upload.columns
        and upload.encoding in ("utf-8-sig", "utf-8")
    ):
        return upload.path  # already what the importers read: no second copy of a big file
    if upload.file_type == "sav" and header == upload.columns:
        return upload.path  # nothing to rename: keep the value labels of the .sav
    with out.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target, delimiter=delimiter)
        writer.writerow(header)
        if upload.file_type in ("csv", "txt"):
            with upload.path.open(encoding=upload.encoding or "utf-8-sig", newline="") as f:
                reader = csv.reader(f, delimiter=delimiter)
                try:
                    next(reader, None)
                    writer.writerows(reader)
                except (UnicodeError, csv.Error) as exc:
                    raise unreadable(upload, exc, line=reader.line_num + 1) from exc
        elif upload.file_type == "xlsx":
            from openpyxl import load_workbook

            check_xlsx_size(upload.path, file=upload.file_name)
            book = load_workbook(upload.path, read_only=True, data_only=True)
            try:
                rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
                writer.writerows([_cell(v) for v in row] for row in rows)
            finally:
                book.close()
        else:
            import pyreadstat

            data, _meta = pyreadstat.read_sav(str(upload.path))
            writer.writerows([_cell(v) for v in row] for row in data.itertuples(index=False))
    return out


ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
}
KIND_NAMES = {"csv": "CSV", "txt": "CSV", "xlsx": "XLSX", "sav": "SPSS", "geojson": "GeoJSON"}


def _decode_error_line(upload: ImportUpload, encoding: str) -> int | None:
    """The line of the first byte that is not text in ``encoding`` (the text layer reads
    ahead, so the reader's own count may be past it)."""
    raw = upload.path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
    return None


def unreadable(upload: ImportUpload, exc: Exception, *, line: int | None = None) -> InputError:
    """A reading failure as a problem naming the file, the line and the reason in the
    templates of :mod:`trygg.core.problems`: never the exception's own text."""
    name = upload.file_name
    if isinstance(exc, InputError):
        return exc.renamed(upload.path.name, name)
    if isinstance(exc, UnicodeError):
        encoding = upload.encoding or "utf-8-sig"
        label = ENCODING_NAMES.get(encoding, encoding)
        return InputError(
            RowProblem(
                file=name,
                line=_decode_error_line(upload, encoding) or line,
                reason=f"the file is not {label} text; choose the encoding it was saved in "
                "and check it again",
            )
        )
    if isinstance(exc, csv.Error):
        text = str(exc)
        if "NUL" in text:
            reason = (
                "the line holds a NUL character, so the file is not text in the chosen "
                "encoding (is it UTF-16?)"
            )
        elif "field limit" in text:
            reason = f"a field is longer than {csv.field_size_limit()} characters"
        else:
            reason = "the line cannot be read as CSV"
        return InputError(RowProblem(file=name, line=line, reason=reason))
    kind = KIND_NAMES.get(upload.file_type, upload.file_type.upper())
    return InputError(
        RowProblem(
            file=name,
            reason=f"the file cannot be read as {kind}; save it again and upload it again",
        )
    )


def _problem_dict(problem: RowProblem) -> dict:
    return {
        "line": problem.line,
        "feature": problem.feature,
        "column": problem.column or "",
        "reason": problem.reason,
    }


def _check(upload: ImportUpload, path: Path) -> None:
    """Read the normalised file as the importer will; raise InputError with every problem."""
    from django.conf import settings

    from trygg.analysis.areas_io import load_geojson, parse_areas, read_population
    from trygg.analysis.crime import read_crimes
    from trygg.analysis.questionnaire import parse_questionnaire
    from trygg.analysis.survey_io import load_responses
    from trygg.areas.models import Area, AreaLevel
    from trygg.surveys.services import survey_import_questionnaire_yaml

    areas = Area.objects.filter(municipality=upload.municipality)
    leaf_codes = list(areas.filter(level=AreaLevel.AREA).values_list("code", flat=True))
    try:
        if upload.kind == ImportKind.AREAS:
            parse_areas(
                load_geojson(path),
                file=upload.file_name,
                known_parent_codes=list(areas.values_list("code", flat=True)),
                max_vertices=settings.TRYGG_MAX_AREA_VERTICES,
            )
        elif upload.kind == ImportKind.POPULATION:
            read_population(
                path,
                known_area_codes=areas.values_list("code", flat=True),
                file=upload.file_name,
            )
        elif upload.kind == ImportKind.SURVEY:
            questionnaire = parse_questionnaire(
                survey_import_questionnaire_yaml(municipality=upload.municipality)
            )
            load_responses(path, questionnaire=questionnaire, known_areas=leaf_codes)
        else:
            read_crimes(path, areas=leaf_codes)
    except InputError as exc:
        raise exc.renamed(path.name, upload.file_name) from None


# ----------------------------------------------------------------------------- crimes
# A police extract can have a million rows. Its mapping is applied while the file is read
# (the columns are renamed as Polars parses them; no second copy of the file is written),
# and the validated table is kept as Parquet in the upload's folder, so that the import
# reads the file's rows once more only if the file, its reading settings or the areas
# changed since the check.

VALIDATED = "validated.parquet"
VALIDATED_KEY = "validated.json"


def _leaf_codes(municipality) -> list[str]:
    from trygg.areas.models import Area, AreaLevel

    return sorted(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).values_list(
            "code", flat=True
        )
    )


def _validation_key(upload: ImportUpload, leaf_codes: list[str]) -> dict:
    """What the validated table depends on: the file, how it is read, and the areas."""
    return {
        "sha256": upload.sha256,
        "mapping": upload.mapping,
        "columns": upload.columns,
        "delimiter": upload.delimiter,
        "encoding": upload.encoding,
        "areas": hashlib.sha256("\n".join(leaf_codes).encode()).hexdigest(),
    }


def read_crimes_mapped(upload: ImportUpload, *, leaf_codes: list[str]):
    """Read and validate the uploaded crime CSV with the column mapping applied as Polars
    parses it. Raises InputError with every problem (file, line, column, reason)."""
    import polars as pl

    from trygg.analysis.crime import _check_duplicate_columns, validate_crimes

    name = upload.file_name
    header = [h.lstrip("\ufeff").strip().lower() for h in _renamed_header(upload)]
    _check_duplicate_columns(name, header)
    utf8 = (upload.encoding or "utf-8-sig").replace("-sig", "") in ("utf-8", "utf8")
    try:
        frame = pl.read_csv(
            upload.path,
            separator=upload.delimiter or ",",
            infer_schema=False,
            encoding="utf8" if utf8 else upload.encoding,
            truncate_ragged_lines=False,
            new_columns=header,
        )
    except UnicodeError as exc:
        raise unreadable(upload, exc) from exc
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise InputError(
            RowProblem(file=name, reason=f"the file cannot be read as CSV ({exc})")
        ) from exc
    if frame.width != len(header):
        raise InputError(RowProblem(file=name, line=1, reason="the header changed since upload"))
    # Line numbers as the file counts them (header = 1; a newline quoted inside a field
    # adds a line); blank lines are numbered, then dropped.
    newlines = pl.sum_horizontal(
        [pl.col(c).fill_null("").str.count_matches("\n") for c in frame.columns]
    )
    frame = frame.with_columns(
        (
            pl.int_range(pl.len(), dtype=pl.Int64) + 2 + newlines.cum_sum().shift(1, fill_value=0)
        ).alias("line")
    )
    blank = pl.all_horizontal(
        [pl.col(c).fill_null("").str.strip_chars() == "" for c in frame.columns if c != "line"]
    )
    return validate_crimes(frame.filter(~blank), file=name, areas=leaf_codes)


def _crimes_validated(upload: ImportUpload, *, progress) -> object:
    """The validated crime table: the one kept by the check when it still applies, else
    the file read and checked again (and kept)."""
    import polars as pl

    from trygg.analysis.crime import CrimeFile

    leaf_codes = _leaf_codes(upload.municipality)
    key = _validation_key(upload, leaf_codes)
    table, key_file = upload.directory / VALIDATED, upload.directory / VALIDATED_KEY
    if table.is_file() and key_file.is_file():
        kept = json.loads(key_file.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            return CrimeFile(
                crimes=pl.read_parquet(table),
                rejected=pl.DataFrame(schema=_rejected_schema()),
                excluded=kept.get("excluded", 0),
                file=upload.file_name,
            )
    progress("read", 0.1)
    crime_file = read_crimes_mapped(upload, leaf_codes=leaf_codes)
    crime_file.crimes.write_parquet(table, compression="lz4")
    key_file.write_text(json.dumps({"key": key, "excluded": crime_file.excluded}), encoding="utf-8")
    return crime_file


def _rejected_schema() -> dict:
    import polars as pl

    return {"line": pl.Int64, "column": pl.String, "reason": pl.String, "id": pl.String}


def _forget_validated(upload: ImportUpload) -> None:
    for name in (VALIDATED, VALIDATED_KEY):
        (upload.directory / name).unlink(missing_ok=True)


def upload_validate(upload: ImportUpload, *, job: Job | None = None) -> bool:
    """Check every row; store the report. True when the file can be imported."""
    progress = (lambda s, f: job_progress(job, s, f)) if job else (lambda s, f: None)
    try:
        if upload.kind == ImportKind.CRIMES:
            _forget_validated(upload)
            progress("check", 0.1)
            _crimes_validated(upload, progress=lambda s, f: None)
        else:
            progress("prepare", 0.1)
            try:
                path = normalised_file(upload)
            except (InputError, UnicodeError, csv.Error, zipfile.BadZipFile) as exc:
                raise unreadable(upload, exc) from exc
            progress("check", 0.4)
            _check(upload, path)
    except InputError as exc:
        upload.problems = [_problem_dict(p) for p in exc.problems[:MAX_STORED_PROBLEMS]]
        upload.problem_count = len(exc.problems)
        upload.status = UploadStatus.INVALID
    else:
        upload.problems, upload.problem_count = [], 0
        upload.status = UploadStatus.VALID
    upload.save(update_fields=["problems", "problem_count", "status"])
    progress("checked", 1.0)
    return upload.status == UploadStatus.VALID


def upload_import(upload: ImportUpload, *, job: Job | None = None) -> dict:
    """Import the file atomically with the app's own importer; the same file twice changes
    nothing. Returns the counts."""
    from trygg.areas.services import areas_import_geojson, population_import_csv
    from trygg.crime.services import crimes_import, crimes_import_validated
    from trygg.surveys.services import survey_responses_import

    progress = (lambda s, f: job_progress(job, s, f)) if job else (lambda s, f: None)
    actor = upload.created_by
    try:
        if upload.kind == ImportKind.CRIMES and upload.file_type in ("csv", "txt"):
            progress("prepare", 0.05)
            crime_file = _crimes_validated(upload, progress=progress)
            progress("store", 0.3)
            result = crimes_import_validated(
                municipality=upload.municipality,
                crime_file=crime_file,
                actor=actor,
                file_name=upload.file_name,
            )
        else:
            progress("prepare", 0.05)
            path = normalised_file(upload)
            importer = {
                ImportKind.AREAS: areas_import_geojson,
                ImportKind.POPULATION: population_import_csv,
                ImportKind.SURVEY: survey_responses_import,
                ImportKind.CRIMES: crimes_import,
            }[upload.kind]
            progress("store", 0.2)
            result = importer(
                municipality=upload.municipality,
                path=path,
                actor=actor,
                file_name=upload.file_name,
            )
    except InputError as exc:
        upload.problems = [_problem_dict(p) for p in exc.problems[:MAX_STORED_PROBLEMS]]
        upload.problem_count = len(exc.problems)
        upload.status = UploadStatus.INVALID
        upload.save(update_fields=["problems", "problem_count", "status"])
        raise
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    upload.result = counts
    upload.status = UploadStatus.IMPORTED
    upload.save(update_fields=["result", "status"])
    # The rows are in the database now; the uploaded copy (and what was derived from it)
    # would only keep data that is culled elsewhere.
    upload_files_remove(upload)
    progress("stored", 1.0)
    return counts


def upload_files_remove(upload: ImportUpload) -> None:
    shutil.rmtree(upload.directory, ignore_errors=True)


@dataclass
class CleanupReport:
    uploads: list[ImportUpload] = field(default_factory=list)
    leftover_directories: list[Path] = field(default_factory=list)
    tasks: int = 0

    @property
    def empty(self) -> bool:
        return not (self.uploads or self.leftover_directories or self.tasks)


def imports_cleanup(
    *, older_than_days: int | None = None, simulate: bool = False, now=None
) -> CleanupReport:
    """Remove abandoned uploads (never imported, older than the retention) with their files,
    leftover files of imported uploads and of uploads no longer known, and finished tasks
    of the queue. ``simulate`` lists what would go and changes nothing."""
    from django.conf import settings

    days = older_than_days
    if days is None:
        days = getattr(settings, "TRYGG_IMPORT_RETENTION_DAYS", 30)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    busy_jobs = Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    abandoned = (
        ImportUpload.objects.filter(created_at__lt=cutoff)
        .exclude(status=UploadStatus.IMPORTED)
        .exclude(job__in=busy_jobs)
        .select_related("municipality")
    )
    report = CleanupReport(uploads=list(abandoned))
    known = set(ImportUpload.objects.values_list("public_id", flat=True))
    known -= {u.public_id for u in report.uploads}
    root = settings.VAR_DIR / "imports"
    imported = set(
        ImportUpload.objects.filter(status=UploadStatus.IMPORTED).values_list(
            "public_id", flat=True
        )
    )
    going = {u.public_id for u in report.uploads}
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            public_id = uuid.UUID(directory.name)
        except ValueError:
            continue
        old = dt.datetime.fromtimestamp(directory.stat().st_mtime, tz=dt.UTC) < cutoff
        unknown = public_id not in known and public_id not in going
        if (unknown and old) or public_id in imported:
            report.leftover_directories.append(directory)
    finished_tasks = TaskRecord.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff
    )
    report.tasks = finished_tasks.count()
    if simulate:
        return report
    for upload in report.uploads:
        with transaction.atomic():
            upload_files_remove(upload)
            audit_record(
                actor=None,
                action=AuditAction.CULL,
                object_type="import_upload",
                object_id=str(upload.public_id),
                municipality_code=upload.municipality.code,
                summary=f"Removed the abandoned upload {upload.file_name} ({upload.kind}, "
                f"{upload.get_status_display()}, uploaded {upload.created_at:%Y-%m-%d})",
            )
            upload.delete()
    for directory in report.leftover_directories:
        shutil.rmtree(directory, ignore_errors=True)
    finished_tasks.delete()
    return report


def upload_start(upload: ImportUpload, *, mode: str, actor=None) -> Job:
    """Queue the validation or the import of an upload as a background task."""
    from .tasks import upload_task

    kind = JobKind.VALIDATE if mode == "validate" else JobKind.IMPORT
    with transaction.atomic():
        job = job_create(kind=kind, municipality=upload.municipality, actor=actor)
        upload.job = job
        upload.status = UploadStatus.VALIDATING if mode == "validate" else UploadStatus.IMPORTING
        upload.save(update_fields=["job", "status"])
        if mode == "import":
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="import_job",
                object_id=str(job.public_id),
                municipality_code=upload.municipality.code,
                summary=f"Started the import of {upload.file_name} ({upload.kind})",
                details={"file": upload.file_name, "sha256": upload.sha256},
            )
    result = upload_task.enqueue(upload_id=upload.pk, job_id=job.pk, mode=mode)
    Job.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()
    return job
