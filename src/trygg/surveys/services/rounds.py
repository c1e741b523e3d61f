"""The web questionnaire (issue 7): a round's settings, opening and closing, and its
sample of residents."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.questionnaire import parse_questionnaire
from trygg.analysis.survey_io import AGE_GROUPS
from trygg.analysis.tables import LINE_COLUMN, read_csv_text
from trygg.areas.models import Area, AreaLevel
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .. import codes
from ..models import (
    RoundStatus,
    SurveyDraft,
    SurveyRound,
    SurveySample,
    SurveySampleCell,
    SurveySamplePerson,
)
from .answers import survey_answers_mark
from .letters import _letters_files_delete

_SEX_WORDS = {"F": "F", "K": "F", "KVINNA": "F", "M": "M", "MAN": "M", "1": "M", "2": "F"}
SAMPLE_COLUMNS = ("area_code", "sex", "age_group", "name", "street", "postcode", "city")
_SAMPLE_ALIASES = {
    "område": "area_code",
    "omrade": "area_code",
    "områdeskod": "area_code",
    "kön": "sex",
    "kon": "sex",
    "åldersgrupp": "age_group",
    "aldersgrupp": "age_group",
    "ålder": "age_group",
    "alder": "age_group",
    "age": "age_group",
    "namn": "name",
    "adress": "street",
    "utdelningsadress": "street",
    "address": "street",
    "postnummer": "postcode",
    "postort": "city",
    "ort": "city",
}


class SurveyStateError(Exception):
    """An action the round's state does not allow; the message is for the user."""


def _audit(survey_round: SurveyRound, *, actor, action, summary: str, details=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="survey_round",
        object_id=str(survey_round.pk),
        municipality_code=survey_round.municipality.code,
        summary=summary,
        details=details or {},
    )


def survey_round_settings_update(
    *,
    survey_round: SurveyRound,
    actor,
    opens_on: date | None,
    closes_on: date | None,
    questionnaire_yaml: str | None = None,
    file_name: str = "questionnaire.yaml",
) -> SurveyRound:
    """Dates, and (before the round opens) the round's own questionnaire, validated with the
    analysis' parser so that every problem is named (InputError)."""

    if survey_round.status == RoundStatus.CLOSED:
        raise SurveyStateError(gettext("The round is closed."))
    fields = {"opens_on": opens_on, "closes_on": closes_on}
    if questionnaire_yaml is not None:
        if survey_round.status != RoundStatus.DRAFT:
            raise SurveyStateError(
                gettext("The questionnaire can only be changed before the round opens.")
            )
        questionnaire = parse_questionnaire(questionnaire_yaml, source=file_name)
        fields |= {
            "questionnaire_yaml": questionnaire_yaml,
            "questionnaire_name": questionnaire.name.sv,
        }
    with transaction.atomic():
        for key, value in fields.items():
            setattr(survey_round, key, value)
        survey_round.save(update_fields=list(fields))
        _audit(
            survey_round,
            actor=actor,
            action=AuditAction.UPDATE,
            summary=f"Changed the settings of the survey {survey_round}",
            details={"questionnaire": questionnaire_yaml is not None},
        )
    return survey_round


def survey_round_open(*, survey_round: SurveyRound, actor) -> SurveyRound:
    if survey_round.status != RoundStatus.DRAFT:
        raise SurveyStateError(gettext("Only a draft round can be opened."))
    with transaction.atomic():
        survey_round.status = RoundStatus.OPEN
        survey_round.save(update_fields=["status"])
        _audit(
            survey_round,
            actor=actor,
            action=AuditAction.UPDATE,
            summary=f"Opened the survey {survey_round} for answers",
        )
    return survey_round


def survey_round_close(*, survey_round: SurveyRound, actor) -> int:
    """Close the round: keep the counts per area, sex and age group, delete every sampled
    person (names, addresses, codes) and every unsent draft, refuse further answers.
    Returns the number of persons culled."""

    if survey_round.status == RoundStatus.CLOSED:
        raise SurveyStateError(gettext("The round is already closed."))
    with transaction.atomic():
        survey_answers_mark(survey_round=survey_round, minimum=0)
        persons = SurveySamplePerson.objects.filter(round=survey_round)
        cells: dict[tuple, dict] = {}
        for area_id, sex, age, answered, channel in persons.values_list(
            "area_id", "sex", "age_group", "answered", "channel"
        ).iterator():
            cell = cells.setdefault(
                (area_id, sex, age), {"sampled": 0, "web": 0, "paper": 0, "file": 0}
            )
            cell["sampled"] += 1
            if answered:
                cell[channel or "file"] += 1
        if cells:
            SurveySampleCell.objects.filter(round=survey_round).delete()
            SurveySampleCell.objects.bulk_create(
                SurveySampleCell(
                    round=survey_round,
                    area_id=area_id,
                    sex=sex,
                    age_group=age,
                    sampled=c["sampled"],
                    answered_web=c["web"],
                    answered_paper=c["paper"],
                    answered_file=c["file"],
                )
                for (area_id, sex, age), c in cells.items()
            )
        culled = persons.count()
        persons.delete()
        drafts = SurveyDraft.objects.filter(round=survey_round).delete()[0]
        letter_files = _letters_files_delete(survey_round)
        survey_round.status = RoundStatus.CLOSED
        survey_round.closed_at = timezone.now()
        survey_round.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CULL,
            object_type="survey_round",
            object_id=str(survey_round.pk),
            municipality_code=survey_round.municipality.code,
            summary=f"Closed the survey {survey_round}: the sample of {culled} persons was culled",
            details={
                "persons": culled,
                "drafts": drafts,
                "cells": len(cells),
                "letter_files": letter_files,
            },
        )
    return culled


def _sample_sex(value: str) -> str | None:
    return _SEX_WORDS.get(value.strip().upper())


def _sample_age_group(value: str) -> str | None:

    value = value.strip()
    if value in AGE_GROUPS:
        return value
    if value.isdigit():
        age = int(value)
        if age < 16:
            return None
        if age >= 75:
            return "75+"
        if age < 25:
            return "16-24"
        return AGE_GROUPS[(age - 15) // 10]
    return None


def survey_sample_import(
    *, survey_round: SurveyRound, path: str | Path, actor, file_name: str | None = None
) -> int:
    """Import the sample frame (CSV: area_code, sex, age_group, name, street, postcode, city)
    and give every person a one-time code. A file with any bad row imports nothing; before
    the round opens a new file replaces the old one. Returns the number of persons."""

    path = Path(path)
    name = file_name or path.name
    if survey_round.status == RoundStatus.CLOSED:
        raise SurveyStateError(gettext("The round is closed."))
    existing = SurveySamplePerson.objects.filter(round=survey_round)
    if survey_round.status == RoundStatus.OPEN and existing.exists():
        raise SurveyStateError(
            gettext("The round is open and has its sample: it can no longer be replaced.")
        )
    try:
        frame, _dialect = read_csv_text(path, file=name)
    except InputError as exc:
        raise exc.renamed(path.name, name) from None
    frame = frame.rename({c: _SAMPLE_ALIASES[c] for c in frame.columns if c in _SAMPLE_ALIASES})
    missing = [c for c in SAMPLE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            [
                RowProblem(file=name, line=1, column=c, reason="the column is missing")
                for c in missing
            ]
        )
    area_ids = dict(
        Area.objects.filter(
            municipality=survey_round.municipality, level=AreaLevel.AREA
        ).values_list("code", "id")
    )
    problems: list[RowProblem] = []
    rows = []
    for row in frame.iter_rows(named=True):
        line = row[LINE_COLUMN]
        values = {c: (row[c] or "").strip() for c in SAMPLE_COLUMNS}
        sex = _sample_sex(values["sex"])
        age = _sample_age_group(values["age_group"])
        checks = (
            ("area_code", values["area_code"] in area_ids, "unknown area code"),
            ("sex", sex is not None, "use F or M (K/kvinna, M/man also accepted)"),
            ("age_group", age is not None, "use an age group such as 25-34, or the age (16+)"),
            ("name", bool(values["name"]), "the name is empty"),
            ("street", bool(values["street"]), "the address is empty"),
            ("postcode", bool(values["postcode"]), "the postcode is empty"),
            ("city", bool(values["city"]), "the city is empty"),
        )
        bad = [
            RowProblem(file=name, line=line, column=c, reason=r) for c, ok, r in checks if not ok
        ]
        problems += bad
        if not bad:
            rows.append((values, area_ids[values["area_code"]], sex, age))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(RowProblem(file=name, reason="the file has no persons"))
    with transaction.atomic():
        existing.delete()
        taken = set(SurveySamplePerson.objects.values_list("code_hash", flat=True))
        persons = []
        for values, area_id, sex, age in rows:
            code = codes.code_generate()
            while codes.code_hash(code) in taken:
                code = codes.code_generate()
            taken.add(codes.code_hash(code))
            persons.append(
                SurveySamplePerson(
                    round=survey_round,
                    area_id=area_id,
                    sex=sex,
                    age_group=age,
                    contact_encrypted=codes.contact_encrypt(
                        name=values["name"],
                        street=values["street"],
                        postcode=values["postcode"],
                        city=values["city"],
                    ),
                    code_encrypted=codes.encrypt(code),
                    code_hash=codes.code_hash(code),
                )
            )
        SurveySamplePerson.objects.bulk_create(persons, batch_size=1000)
        sizes: dict[int, int] = {}
        for _values, area_id, _sex, _age in rows:
            sizes[area_id] = sizes.get(area_id, 0) + 1
        SurveySample.objects.filter(round=survey_round).delete()
        SurveySample.objects.bulk_create(
            SurveySample(round=survey_round, area_id=a, size=n) for a, n in sizes.items()
        )
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="survey_sample",
            object_id=str(survey_round.pk),
            municipality_code=survey_round.municipality.code,
            summary=f"Imported the sample frame of the survey {survey_round} from {name}",
            details={"file": name, "persons": len(persons)},
        )
    return len(persons)
