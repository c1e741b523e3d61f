"""Importing survey responses: atomic, idempotent, one round per municipality and year."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.db import transaction

from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.questionnaire import STANDARD_FILE, parse_questionnaire
from trygg.analysis.survey_io import load_responses
from trygg.analysis.tables import LINE_COLUMN, read_csv_text, read_xlsx_text
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.services import ImportResult
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .. import codes
from ..models import (
    AnswerChannel,
    RoundStatus,
    SurveyCodeUse,
    SurveyResponse,
    SurveyRound,
    SurveySample,
    SurveySamplePerson,
)
from .answers import used_hash


@dataclass(frozen=True)
class SurveyImportResult(ImportResult):
    years: tuple[int, ...] = ()
    rejected: tuple[RowProblem, ...] = ()


def standard_questionnaire_yaml() -> str:
    return resources.files("trygg.analysis").joinpath("data", STANDARD_FILE).read_text("utf-8")


def survey_import_questionnaire_yaml(*, municipality: Municipality) -> str:
    """The questionnaire a response file is read with: an open round's own (its vendor
    file answers it), else the standard one. The guided import's check uses the same."""
    open_round = (
        SurveyRound.objects.filter(municipality=municipality, status=RoundStatus.OPEN)
        .order_by("-year")
        .first()
    )
    return open_round.questionnaire_yaml if open_round else standard_questionnaire_yaml()


def survey_responses_import(
    *,
    municipality: Municipality,
    path: str | Path,
    questionnaire_yaml: str | None = None,
    actor=None,
    file_name: str | None = None,
    skip_bad_rows: bool = False,
) -> SurveyImportResult:
    """Import one response file (CSV, XLSX or SPSS .sav) into the rounds of its years.

    A respondent already stored for that year is updated when the answers differ and left
    alone otherwise, so the same file twice changes nothing.
    """
    path = Path(path)
    name = file_name or path.name
    yaml_text = questionnaire_yaml or survey_import_questionnaire_yaml(municipality=municipality)
    questionnaire = parse_questionnaire(yaml_text, source=name)
    area_ids = dict(
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).values_list(
            "code", "id"
        )
    )
    try:
        loaded = load_responses(
            path,
            questionnaire=questionnaire,
            known_areas=area_ids.keys(),
            skip_bad_rows=skip_bad_rows,
        )
    except InputError as exc:
        raise exc.renamed(path.name, name) from None
    frame = loaded.frame
    file_codes = _file_codes(path, name)
    item_codes = [item.code for item in questionnaire.items if item.code in frame.columns]
    years = tuple(sorted(set(frame.get_column("year").to_list())))
    created = updated = unchanged = 0
    with transaction.atomic():
        for year in years:
            survey_round, _ = SurveyRound.objects.get_or_create(
                municipality=municipality,
                year=year,
                defaults={
                    "questionnaire_name": questionnaire.name.sv,
                    "questionnaire_yaml": yaml_text,
                },
            )
            stored = {r.respondent_id: r for r in SurveyResponse.objects.filter(round=survey_round)}
            year_rows = frame.filter(frame["year"] == year)
            if file_codes:
                _codes_mark_answered(
                    survey_round=survey_round,
                    file=name,
                    codes_by_line={
                        line: file_codes[line]
                        for line, respondent in zip(
                            year_rows["source_line"], year_rows["respondent_id"], strict=True
                        )
                        if respondent not in stored and file_codes.get(line)
                    },
                )
            new, changed = [], []
            for row in year_rows.iter_rows(named=True):
                fields = {
                    "area_id": area_ids[row["area_code"]],
                    "sex": str(row["sex"]),
                    "age_group": str(row["age_group"]),
                    "answers": {code: row[code] for code in item_codes},
                }
                existing = stored.get(row["respondent_id"])
                if existing is None:
                    new.append(
                        SurveyResponse(
                            round=survey_round, respondent_id=row["respondent_id"], **fields
                        )
                    )
                elif any(getattr(existing, k) != v for k, v in fields.items()):
                    for key, value in fields.items():
                        setattr(existing, key, value)
                    changed.append(existing)
                else:
                    unchanged += 1
            SurveyResponse.objects.bulk_create(new, batch_size=1000)
            SurveyResponse.objects.bulk_update(
                changed, ["area_id", "sex", "age_group", "answers"], batch_size=1000
            )
            created += len(new)
            updated += len(changed)
        result = SurveyImportResult(created, updated, unchanged, years, tuple(loaded.rejected))
        if result.changed:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="survey_responses",
                municipality_code=municipality.code,
                summary=f"Imported survey responses from {name}: {result}",
                details={
                    "file": name,
                    "years": list(years),
                    "created": created,
                    "updated": updated,
                    "rejected": len(loaded.rejected),
                },
            )
    return result


CODE_COLUMNS = ("code", "kod", "svarskod")


def _file_codes(path: Path, name: str) -> dict[int, str]:
    """Line -> answer code, when a vendor's CSV or XLSX file has a code column (issue 7)."""

    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw, _dialect = read_csv_text(path, file=name)
    elif suffix in (".xlsx", ".xlsm"):
        raw = read_xlsx_text(path)
    else:
        return {}
    column = next((c for c in CODE_COLUMNS if c in raw.columns), None)
    if column is None:
        return {}
    return {
        line: (code or "").strip() for line, code in zip(raw[LINE_COLUMN], raw[column], strict=True)
    }


def _codes_mark_answered(
    *, survey_round: SurveyRound, file: str, codes_by_line: dict[int, str]
) -> None:
    """Mark the sample rows of a vendor file's codes answered (channel: file), refusing the
    whole file when a code is unknown, already answered or twice in the file. The code is
    never stored on the response."""

    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    hashes: dict[int, str] = {}
    for line, text in sorted(codes_by_line.items()):
        code = codes.code_normalise(text)
        if code is None:
            problems.append(RowProblem(file, f"'{text}' is not an answer code", line, "code"))
            continue
        if code in seen:
            problems.append(
                RowProblem(file, f"the code is also on line {seen[code]}", line, "code")
            )
            continue
        seen[code] = line
        hashes[line] = codes.code_hash(code)
    persons = {
        p.code_hash: p
        for p in SurveySamplePerson.objects.filter(
            round=survey_round, code_hash__in=hashes.values()
        )
    }
    pending = set(
        SurveyCodeUse.objects.filter(
            used_hash__in=[used_hash(d) for d in hashes.values()]
        ).values_list("used_hash", flat=True)
    )
    for line, digest in hashes.items():
        person = persons.get(digest)
        if person is None:
            problems.append(
                RowProblem(file, "the code is not in this round's sample", line, "code")
            )
        elif person.answered or used_hash(digest) in pending:
            problems.append(RowProblem(file, "the code has already answered", line, "code"))
    if problems:
        raise InputError(problems)
    # Like every answer: recorded as used, the sample rows marked in the batched step.
    SurveyCodeUse.objects.bulk_create(
        SurveyCodeUse(round=survey_round, used_hash=used_hash(d), channel=AnswerChannel.FILE)
        for d in persons
    )


def survey_samples_set(
    *, survey_round: SurveyRound, sizes: dict[int, int | None], actor=None
) -> int:
    """Store the sample per area (area id -> size; None removes it). Returns the changes."""

    changed = 0
    with transaction.atomic():
        stored = {s.area_id: s for s in SurveySample.objects.filter(round=survey_round)}
        for area_id, size in sizes.items():
            current = stored.get(area_id)
            if size is None:
                if current is not None:
                    current.delete()
                    changed += 1
            elif current is None:
                SurveySample.objects.create(round=survey_round, area_id=area_id, size=size)
                changed += 1
            elif current.size != size:
                current.size = size
                current.save(update_fields=["size"])
                changed += 1
        if changed:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="survey_round",
                object_id=str(survey_round.pk),
                municipality_code=survey_round.municipality.code,
                summary=f"Changed the sample of the survey {survey_round}",
                details={"areas": changed},
            )
    return changed


def survey_round_create(*, municipality: Municipality, year: int, actor=None) -> SurveyRound:
    """A new round with the standard questionnaire (answers come by import)."""

    yaml_text = standard_questionnaire_yaml()
    questionnaire = parse_questionnaire(yaml_text)
    with transaction.atomic():
        survey_round, created = SurveyRound.objects.get_or_create(
            municipality=municipality,
            year=year,
            defaults={"questionnaire_name": questionnaire.name.sv, "questionnaire_yaml": yaml_text},
        )
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="survey_round",
                object_id=str(survey_round.pk),
                municipality_code=municipality.code,
                summary=f"Created the survey round {survey_round}",
            )
    return survey_round
