"""The demo's current survey round as a web survey: open, with a synthetic sample frame.

Every imported answer of the latest round gets an answered sample row in its weighting cell
(as if it had come by web, paper or the vendor's file), and about one and a half times as
many residents have not answered yet, so the response-rate dashboard and the reminder
letters have something to show. Names and addresses are obviously invented.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import codes
from .models import (
    AnswerChannel,
    RoundStatus,
    SurveyResponse,
    SurveyRound,
    SurveySample,
    SurveySamplePerson,
)

FIRST_NAMES = ("Alva", "Bo", "Cecilia", "Dragan", "Elsa", "Farah", "Gustav", "Hanna", "Idris")
LAST_NAMES = ("Exempelsson", "Demodotter", "Provberg", "Testlund", "Påhittad", "Låtsasson")
NOT_ANSWERED_PER_ANSWER = 1.5


def demo_survey_sample_build(*, municipality, seed: int = 2281) -> int:
    """Once only: returns the number of sampled persons created (0 when already there)."""
    rounds = SurveyRound.objects.filter(municipality=municipality).order_by("-year")
    current = rounds.first()
    if current is None or current.status == RoundStatus.CLOSED or current.persons.exists():
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    cells = list(
        SurveyResponse.objects.filter(round=current).values_list("area_id", "sex", "age_group")
    )
    persons: list[SurveySamplePerson] = []
    taken: set[str] = set()

    def person(cell, answered: bool) -> SurveySamplePerson:
        code = codes.code_generate()
        while codes.code_hash(code) in taken:
            code = codes.code_generate()
        taken.add(codes.code_hash(code))
        channel = rng.choices(
            [AnswerChannel.WEB, AnswerChannel.PAPER, AnswerChannel.FILE], [5, 3, 2]
        )[0]
        n = len(persons) + 1
        return SurveySamplePerson(
            round=current,
            area_id=cell[0],
            sex=cell[1],
            age_group=cell[2],
            contact_encrypted=codes.contact_encrypt(
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (påhittad)",
                street=f"Påhittade vägen {n}",
                postcode=f"999 {n % 100:02d}",
                city="Demostad",
            ),
            code_encrypted=codes.encrypt(code),
            code_hash=codes.code_hash(code),
            answered=answered,
            channel=channel if answered else "",
        )

    for cell in cells:
        persons.append(person(cell, True))
    for _ in range(int(len(cells) * NOT_ANSWERED_PER_ANSWER)):
        persons.append(person(rng.choice(cells), False))
    with transaction.atomic():
        SurveySamplePerson.objects.bulk_create(persons, batch_size=1000)
        sizes: dict[int, int] = {}
        for p in persons:
            sizes[p.area_id] = sizes.get(p.area_id, 0) + 1
        SurveySample.objects.filter(round=current).delete()
        SurveySample.objects.bulk_create(
            SurveySample(round=current, area_id=a, size=n) for a, n in sizes.items()
        )
        current.status = RoundStatus.OPEN
        current.opens_on = today - timedelta(days=21)
        current.closes_on = today + timedelta(days=30)
        current.save(update_fields=["status", "opens_on", "closes_on"])
        # Earlier rounds were run by the vendor and are over.
        rounds.exclude(pk=current.pk).filter(status=RoundStatus.DRAFT).update(
            status=RoundStatus.CLOSED
        )
    return len(persons)
