"""Observations imported from a CSV file (FORMATS.md): every row passes the rules of the
phone form, and a file with bad rows imports nothing unless told to skip them."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.situation import LOCAL
from trygg.analysis.tables import LINE_COLUMN, read_csv_text
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from ..categories import category_keys
from ..models import Observation, ObservationSource, Place
from .checks import actor_require, text_check
from .observations import _check_fields, _where, observation_create

IMPORT_COLUMNS = ("id", "observed_at", "category", "severity")


@dataclass(frozen=True)
class ObservationImportResult:
    created: int
    unchanged: int
    rejected: tuple[RowProblem, ...] = ()

    def __str__(self) -> str:
        return f"{self.created} new, {self.unchanged} already there, {len(self.rejected)} rejected"


def observations_import_csv(
    *,
    actor,
    municipality: Municipality,
    path: str | Path,
    file_name: str | None = None,
    skip_bad_rows: bool = False,
) -> ObservationImportResult:
    """Import observations (FORMATS.md): ``id, observed_at, category, severity`` and
    ``lat, lon`` or ``area_code`` or ``place``, optional ``group`` (key) and ``text``.

    Every row passes the same rules as the form. A file with bad rows imports nothing
    unless ``skip_bad_rows``; rows are keyed by ``id``, so a second import changes nothing.
    """
    actor_require(actor, Capability.ANALYSE_SITUATION)
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied("municipality")
    path = Path(path)
    name = file_name or path.name
    frame, _dialect = read_csv_text(path, required=IMPORT_COLUMNS, file=name)
    areas = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    places = {p.name.casefold(): p for p in Place.objects.filter(municipality=municipality)}
    groups = {g.key: g for g in SafetyGroup.objects.filter(municipality=municipality)}
    problems: list[RowProblem] = []
    prepared: list[tuple[int, dict]] = []
    seen: set[str] = set()

    def cell(row: dict, column: str) -> str:
        return (row.get(column) or "").strip()

    for row in frame.iter_rows(named=True):
        line = row[LINE_COLUMN]

        def bad(column: str, reason: str, line=line) -> None:
            problems.append(RowProblem(file=name, line=line, column=column, reason=reason))

        before = len(problems)
        source_id = cell(row, "id")
        if not source_id:
            bad("id", "empty")
        elif source_id in seen:
            bad("id", f"'{source_id}' appears twice in the file")
        seen.add(source_id)
        observed_at = _parse_time(cell(row, "observed_at"))
        if observed_at is None:
            bad("observed_at", "not an ISO 8601 time (e.g. 2026-03-14T21:30)")
        category = cell(row, "category")
        if category not in category_keys():
            bad("category", f"unknown category '{category}'")
        try:
            severity = int(cell(row, "severity"))
            if severity not in (1, 2, 3):
                raise ValueError
        except ValueError:
            severity = None
            bad("severity", "must be 1, 2 or 3")
        lat = lon = None
        if cell(row, "lat") or cell(row, "lon"):
            try:
                lat = float(cell(row, "lat").replace(",", "."))
                lon = float(cell(row, "lon").replace(",", "."))
            except ValueError:
                bad("lat", "latitude and longitude must both be numbers")
        area = areas.get(cell(row, "area_code")) if cell(row, "area_code") else None
        if cell(row, "area_code") and area is None:
            bad("area_code", f"no area '{cell(row, 'area_code')}' in {municipality.name}")
        place = places.get(cell(row, "place").casefold()) if cell(row, "place") else None
        if cell(row, "place") and place is None:
            bad("place", f"no named place '{cell(row, 'place')}'")
        group = groups.get(cell(row, "group")) if cell(row, "group") else None
        if cell(row, "group") and group is None:
            bad("group", f"no safety group '{cell(row, 'group')}'")
        if len(problems) > before:
            continue
        fields = {
            "category": category,
            "severity": severity,
            "observed_at": observed_at,
            "text": cell(row, "text"),
            "lat": lat,
            "lon": lon,
            "place": place,
            "area": area,
            "group": group,
            "municipality": municipality,
            "source": ObservationSource.IMPORT,
            "source_id": source_id,
        }
        try:
            _check_fields(
                category=category, severity=severity, observed_at=observed_at, people_count=None
            )
            text_check(fields["text"])
            _where(
                actor,
                municipality=municipality,
                group=group,
                lat=lat,
                lon=lon,
                place=place,
                area=area,
            )
        except ValidationError as exc:
            for column, messages in _error_items(exc):
                bad(column, "; ".join(messages))
            continue
        prepared.append((line, fields))
    if problems and not skip_bad_rows:
        raise InputError(problems)
    created = unchanged = 0
    stored = set(
        Observation.objects.filter(
            municipality=municipality, source=ObservationSource.IMPORT
        ).values_list("source_id", flat=True)
    )
    with transaction.atomic():
        for _line, fields in prepared:
            if fields["source_id"] in stored:
                unchanged += 1
                continue
            _obs, was_created = observation_create(actor=actor, **fields)
            created += was_created
            unchanged += not was_created
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="observations",
                municipality_code=municipality.code,
                summary=f"Imported observations from {name}: {created} new",
                details={"file": name, "created": created, "rejected": len(problems)},
            )
    return ObservationImportResult(created, unchanged, tuple(problems))


def observations_import_upload(
    *, actor, municipality: Municipality, upload, skip_bad_rows: bool = False
) -> ObservationImportResult:
    """:func:`observations_import_csv` of an uploaded file, kept on disk only meanwhile."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return observations_import_csv(
            actor=actor,
            municipality=municipality,
            path=path,
            file_name=upload.name,
            skip_bad_rows=skip_bad_rows,
        )


def _error_items(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return [(k, [m for e in v for m in e.messages]) for k, v in exc.error_dict.items()]
    return [("", exc.messages)]


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)  # local Swedish time, as people write it
    return value
