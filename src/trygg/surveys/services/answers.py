"""The web questionnaire (issue 7): a resident's code, draft and answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import codes
from ..codes import field_crypto
from ..models import (
    RoundStatus,
    SurveyCodeAttempt,
    SurveyCodeUse,
    SurveyDraft,
    SurveyResponse,
    SurveyRound,
    SurveySamplePerson,
)
from ..web import web_questionnaire

# A client address may type this many wrong codes per hour, a browser session this many in
# all; then the form says to wait. No message says whether a code exists.
WRONG_CODES_PER_CLIENT_PER_HOUR = 10
WRONG_CODES_PER_SESSION = 5
ATTEMPT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class CodeCheck:
    """``ok`` (``person`` set), ``malformed`` (cannot be a code), ``wrong`` (no usable
    code: unknown, used or not open; deliberately one outcome) or ``limited``."""

    outcome: str
    person: object | None = None


def _client_hash(client_address: str) -> str:

    return field_crypto.lookup_hash(f"survey-client:{client_address}")


def survey_code_check(*, text: str, client_address: str, now=None) -> CodeCheck:
    """Find the open, unanswered sample row of a typed code, counting wrong codes per
    client address (at most WRONG_CODES_PER_CLIENT_PER_HOUR an hour).

    Only wrong codes count and a right code always gets through, limit or not: the limit
    is there to slow guessing, and must not shut out a resident (or a whole office behind
    one address) whose neighbour mistyped. The code space (about 40 bits) is what makes
    guessing hopeless; the limit only makes it slower still."""

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

    person = SurveySamplePerson.objects.filter(code_hash=code_hash, answered=False).first()
    if person is None or survey_code_pending(code_hash=code_hash):
        return
    SurveyDraft.objects.update_or_create(
        code_hash=code_hash, defaults={"round": person.round, "answers": answers}
    )


def survey_draft_answers(*, code_hash: str) -> dict:

    draft = SurveyDraft.objects.filter(code_hash=code_hash).first()
    return dict(draft.answers) if draft else {}


class CodeUsedError(Exception):
    """The code has answered already, or its round no longer takes answers."""


def used_hash(code_hash: str) -> str:
    """The key a used code is kept under until its sample row is marked: another keyed hash,
    so that the row cannot be joined to the sample rows' ``code_hash``."""

    return field_crypto.lookup_hash(f"survey-used:{code_hash}")


def survey_code_pending(*, code_hash: str) -> bool:
    """Whether the code has answered and waits for its sample row to be marked."""

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
