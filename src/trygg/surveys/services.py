"""Importing survey responses: atomic, idempotent, one round per municipality and year."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.db import transaction

from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.questionnaire import STANDARD_FILE, parse_questionnaire
from trygg.analysis.survey_io import load_responses
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.services import ImportResult
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import SurveyResponse, SurveyRound


@dataclass(frozen=True)
class SurveyImportResult(ImportResult):
    years: tuple[int, ...] = ()
    rejected: tuple[RowProblem, ...] = ()


def standard_questionnaire_yaml() -> str:
    return resources.files("trygg.analysis").joinpath("data", STANDARD_FILE).read_text("utf-8")


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
    yaml_text = questionnaire_yaml or standard_questionnaire_yaml()
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
            new, changed = [], []
            for row in frame.filter(frame["year"] == year).iter_rows(named=True):
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


def survey_samples_set(
    *, survey_round: SurveyRound, sizes: dict[int, int | None], actor=None
) -> int:
    """Store the sample per area (area id -> size; None removes it). Returns the changes."""
    from .models import SurveySample

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
    from trygg.analysis.questionnaire import parse_questionnaire

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
