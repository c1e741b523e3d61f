"""Importing survey responses: atomic, idempotent, one round per municipality and year."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.questionnaire import STANDARD_FILE, parse_questionnaire
from trygg.analysis.survey_io import load_responses
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.services import ImportResult
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import RoundStatus, SurveyResponse, SurveyRound


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
    from trygg.analysis.tables import LINE_COLUMN, read_csv_text, read_xlsx_text

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
    from . import codes
    from .models import AnswerChannel, SurveyCodeUse, SurveySamplePerson

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


# --- the web questionnaire (issue 7) ----------------------------------------------------

# A client address may type this many wrong codes per hour, a browser session this many in
# all; then the form says to wait. No message says whether a code exists.
WRONG_CODES_PER_CLIENT_PER_HOUR = 10
WRONG_CODES_PER_SESSION = 5
ATTEMPT_WINDOW = timedelta(hours=1)

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
    from trygg.analysis.questionnaire import parse_questionnaire

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
    from .models import SurveyDraft, SurveySampleCell, SurveySamplePerson

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
    from trygg.analysis.survey_io import AGE_GROUPS

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
    from trygg.analysis.tables import LINE_COLUMN, read_csv_text

    from . import codes
    from .models import SurveySample, SurveySamplePerson

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


@dataclass(frozen=True)
class CodeCheck:
    """``ok`` (``person`` set), ``malformed`` (cannot be a code), ``wrong`` (no usable
    code: unknown, used or not open; deliberately one outcome) or ``limited``."""

    outcome: str
    person: object | None = None


def _client_hash(client_address: str) -> str:
    from .codes import field_crypto

    return field_crypto.lookup_hash(f"survey-client:{client_address}")


def survey_code_check(*, text: str, client_address: str, now=None) -> CodeCheck:
    """Find the open, unanswered sample row of a typed code, counting wrong codes per
    client address (at most WRONG_CODES_PER_CLIENT_PER_HOUR an hour).

    Only wrong codes count and a right code always gets through, limit or not: the limit
    is there to slow guessing, and must not shut out a resident (or a whole office behind
    one address) whose neighbour mistyped. The code space (about 40 bits) is what makes
    guessing hopeless; the limit only makes it slower still."""
    from . import codes
    from .models import SurveyCodeAttempt, SurveySamplePerson

    now = now or timezone.now()
    code = codes.code_normalise(text)
    if code is None:
        return CodeCheck("malformed")
    today = timezone.localdate(now)
    person = (
        SurveySamplePerson.objects.filter(
            code_hash=codes.code_hash(code), answered=False, round__status=RoundStatus.OPEN
        )
        .select_related("round", "round__municipality")
        .first()
    )
    if (
        person is not None
        and survey_round_accepts(person.round, today=today)
        and not survey_code_pending(code_hash=person.code_hash)
    ):
        return CodeCheck("ok", person)
    client = _client_hash(client_address)
    SurveyCodeAttempt.objects.filter(at__lt=now - ATTEMPT_WINDOW).delete()
    if SurveyCodeAttempt.objects.filter(client_hash=client).count() >= (
        WRONG_CODES_PER_CLIENT_PER_HOUR
    ):
        return CodeCheck("limited")
    SurveyCodeAttempt.objects.create(client_hash=client, at=now)
    return CodeCheck("wrong")


def survey_round_accepts(survey_round: SurveyRound, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        survey_round.status == RoundStatus.OPEN
        and (survey_round.opens_on is None or survey_round.opens_on <= today)
        and (survey_round.closes_on is None or today <= survey_round.closes_on)
    )


def survey_draft_save(*, code_hash: str, answers: dict) -> None:
    """Keep the answers so far under the code's hash: the resident continues later."""
    from .models import SurveyDraft, SurveySamplePerson

    person = SurveySamplePerson.objects.filter(code_hash=code_hash, answered=False).first()
    if person is None or survey_code_pending(code_hash=code_hash):
        return
    SurveyDraft.objects.update_or_create(
        code_hash=code_hash, defaults={"round": person.round, "answers": answers}
    )


def survey_draft_answers(*, code_hash: str) -> dict:
    from .models import SurveyDraft

    draft = SurveyDraft.objects.filter(code_hash=code_hash).first()
    return dict(draft.answers) if draft else {}


class CodeUsedError(Exception):
    """The code has answered already, or its round no longer takes answers."""


def used_hash(code_hash: str) -> str:
    """The key a used code is kept under until its sample row is marked: another keyed hash,
    so that the row cannot be joined to the sample rows' ``code_hash``."""
    from .codes import field_crypto

    return field_crypto.lookup_hash(f"survey-used:{code_hash}")


def survey_code_pending(*, code_hash: str) -> bool:
    """Whether the code has answered and waits for its sample row to be marked."""
    from .models import SurveyCodeUse

    return SurveyCodeUse.objects.filter(used_hash=used_hash(code_hash)).exists()


#: The sample rows are marked answered only once this many answers wait (or at closing,
#: or for the reminders): a batch mixes them, so a mark cannot be matched to one answer.
MARK_BATCH_MIN = 10


def survey_answer_submit(*, code_hash: str, answers: dict, channel: str) -> None:
    """Store one answer, anonymously by construction, in one transaction.

    The response gets a random id and respondent id and only the weighting cell (area, sex,
    age group) of the sample row, no reference to it, no code and no time of its own. The
    sample row is neither written nor locked here (a lock is written into the row, with
    this transaction's id): the code is recorded as used under another keyed hash
    (SurveyCodeUse), and the row is marked answered later in a shuffled batch
    (``survey_answers_mark``). A code answers once, whichever channel comes first.
    """
    from django.db import IntegrityError

    from .models import SurveyCodeUse, SurveySamplePerson
    from .web import web_questionnaire

    with transaction.atomic():
        person = (
            SurveySamplePerson.objects.filter(
                code_hash=code_hash, answered=False, round__status=RoundStatus.OPEN
            )
            .select_related("round")
            .first()
        )
        if person is None:
            raise CodeUsedError
        try:
            with transaction.atomic():
                SurveyCodeUse.objects.create(
                    round=person.round, used_hash=used_hash(code_hash), channel=channel
                )
        except IntegrityError:
            raise CodeUsedError from None
        questionnaire = web_questionnaire(person.round.questionnaire_yaml, lang="sv")
        SurveyResponse.objects.create(
            round=person.round,
            respondent_id=f"w-{uuid.uuid4().hex}",
            area_id=person.area_id,
            sex=person.sex,
            age_group=person.age_group,
            answers=questionnaire.stored(questionnaire.clean(answers)),
        )


def survey_answers_mark(*, survey_round: SurveyRound, minimum: int = MARK_BATCH_MIN) -> int:
    """Mark the sample rows of the codes that have answered, in one shuffled batch, when at
    least ``minimum`` wait; delete their drafts and the used-code rows. Returns the number
    marked. Run by the survey pages, the reminders and the closing, never by an answer."""
    import random

    from .models import SurveyCodeUse, SurveyDraft, SurveySamplePerson

    with transaction.atomic():
        uses = {
            u.used_hash: u
            for u in SurveyCodeUse.objects.select_for_update().filter(round=survey_round)
        }
        if not uses or len(uses) < minimum:
            return 0
        persons = []
        for person in SurveySamplePerson.objects.filter(round=survey_round, answered=False):
            use = uses.get(used_hash(person.code_hash))
            if use is not None:
                person.answered, person.channel = True, use.channel
                persons.append(person)
        random.SystemRandom().shuffle(persons)
        SurveySamplePerson.objects.bulk_update(persons, ["answered", "channel"], batch_size=1000)
        SurveyDraft.objects.filter(code_hash__in=[p.code_hash for p in persons]).delete()
        SurveyCodeUse.objects.filter(pk__in=[u.pk for u in uses.values()]).delete()
    return len(persons)


def letters_file_path(job) -> Path:
    """Where a letters job leaves its PDF (names and addresses: deleted at the round's close)."""
    return Path(settings.VAR_DIR) / "letters" / f"{job.public_id}.pdf"


def survey_letters_start(*, survey_round: SurveyRound, kind: str, answer_url: str, actor):
    """Queue the invitation or reminder letters of a round as a background job."""
    from trygg.jobs.models import Job, JobKind
    from trygg.jobs.services import job_create

    from .tasks import letters_task

    with transaction.atomic():
        job = job_create(kind=JobKind.LETTERS, municipality=survey_round.municipality, actor=actor)
        job.result = {"round": survey_round.pk, "kind": kind}
        job.save(update_fields=["result"])
    result = letters_task.enqueue(
        job_id=job.pk, round_id=survey_round.pk, kind=kind, answer_url=answer_url
    )
    Job.objects.filter(pk=job.pk).update(task_id=result.id)
    job.refresh_from_db()
    return job


def _letters_files_delete(survey_round: SurveyRound) -> int:
    from trygg.jobs.models import Job, JobKind

    deleted = 0
    for job in Job.objects.filter(kind=JobKind.LETTERS, municipality=survey_round.municipality):
        path = letters_file_path(job)
        if job.result.get("round") == survey_round.pk and path.exists():
            path.unlink()
            deleted += 1
    return deleted


def survey_letters_printed(
    *, survey_round: SurveyRound, kind: str, count: int, actor, what: str = "letters"
) -> None:
    """Printing letters or exporting the reminder list is logged: how many, never whom."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="survey_sample",
        object_id=str(survey_round.pk),
        municipality_code=survey_round.municipality.code,
        summary=f"Printed {count} {kind} {what} for the survey {survey_round}",
        details={"kind": kind, "count": count, "what": what},
    )
