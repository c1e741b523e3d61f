"""Writes of the guided import: store an upload, keep its mapping, validate and import it
(as background jobs), and fail it when its job's worker is lost."""

from __future__ import annotations

import csv
import hashlib
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from trygg.analysis.areas_io import load_geojson, parse_areas
from trygg.analysis.bra_io import read_bra_municipal
from trygg.analysis.crime import read_crimes
from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.questionnaire import parse_questionnaire
from trygg.analysis.survey_io import load_responses
from trygg.areas.models import Area, AreaLevel
from trygg.areas.services import areas_import_geojson, population_import_csv, population_read
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.crime.services import crime_statistics_import, crimes_import, crimes_import_validated
from trygg.jobs.models import Job, JobKind
from trygg.jobs.services import job_create, job_progress
from trygg.surveys.services import survey_import_questionnaire_yaml, survey_responses_import

from ..models import ImportKind, ImportSource, ImportUpload, UploadStatus
from ..tasks import upload_task
from .crimes import crimes_validated, forget_validated
from .reading import (
    FIELDS,
    FILE_TYPES,
    detect_delimiter,
    detect_text,
    guess_mapping,
    normalised_file,
    read_preview,
    scb_format,
    unreadable,
)

#: The validation report keeps this many problems; the count is always complete.
MAX_STORED_PROBLEMS = 20000


class UploadRejected(ValueError):
    """The file cannot be taken at all (wrong type, unreadable); ``problems`` say why, in
    the templates of :mod:`trygg.core.problems`, when the file was read."""

    def __init__(self, message: str, problems: list[RowProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []


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
        file_type="geojson" if suffix == "json" and kind == ImportKind.AREAS else suffix,
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
        upload.encoding, text = detect_text(first)
        upload.delimiter = detect_delimiter(text.split("\n", 1)[0])
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
    if scb_format(upload) or upload.kind == ImportKind.CRIME_STATISTICS:
        return []  # read by the publisher's own layout, not by a column mapping
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


def _problem_dict(problem: RowProblem) -> dict:
    return {
        "line": problem.line,
        "feature": problem.feature,
        "column": problem.column or "",
        "reason": problem.reason,
    }


def _check(upload: ImportUpload, path: Path) -> None:
    """Read the normalised file as the importer will; raise InputError with every problem."""
    areas = Area.objects.filter(municipality=upload.municipality)
    leaf_codes = list(areas.filter(level=AreaLevel.AREA).values_list("code", flat=True))
    try:
        if upload.kind == ImportKind.AREAS:
            parse_areas(
                load_geojson(path),
                file=upload.file_name,
                known_parent_codes=list(areas.values_list("code", flat=True)),
                max_vertices=settings.TRYGG_MAX_AREA_VERTICES,
                municipality_code=upload.municipality.code,
            )
        elif upload.kind == ImportKind.POPULATION:
            population_read(municipality=upload.municipality, path=path, file_name=upload.file_name)
        elif upload.kind == ImportKind.CRIME_STATISTICS:
            read_bra_municipal(path, file=upload.file_name)
        elif upload.kind == ImportKind.SURVEY:
            questionnaire = parse_questionnaire(
                survey_import_questionnaire_yaml(municipality=upload.municipality)
            )
            load_responses(path, questionnaire=questionnaire, known_areas=leaf_codes)
        else:
            read_crimes(path, areas=leaf_codes)
    except InputError as exc:
        raise exc.renamed(path.name, upload.file_name) from None


def upload_validate(upload: ImportUpload, *, job: Job | None = None) -> bool:
    """Check every row; store the report. True when the file can be imported."""
    progress = (lambda s, f: job_progress(job, s, f)) if job else (lambda s, f: None)
    try:
        if upload.kind == ImportKind.CRIMES:
            forget_validated(upload)
            progress("check", 0.1)
            crimes_validated(upload, progress=lambda s, f: None)
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
    progress = (lambda s, f: job_progress(job, s, f)) if job else (lambda s, f: None)
    actor = upload.created_by
    try:
        if upload.kind == ImportKind.CRIMES and upload.file_type in ("csv", "txt"):
            progress("prepare", 0.05)
            crime_file = crimes_validated(upload, progress=progress)
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
                ImportKind.CRIME_STATISTICS: crime_statistics_import,
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


def upload_start(upload: ImportUpload, *, mode: str, actor=None) -> Job:
    """Queue the validation or the import of an upload as a background task."""
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


def upload_job_lost(job: Job) -> None:
    """The worker of an upload's job was lost for good: the upload waiting on it fails."""
    ImportUpload.objects.filter(
        job=job, status__in=[UploadStatus.VALIDATING, UploadStatus.IMPORTING]
    ).update(status=UploadStatus.FAILED)
