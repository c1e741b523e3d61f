"""The reminder address list: names from the sample frame never run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from tests.core.test_exports import PAYLOADS
from tests.factories import survey_sample_world
from tests.surveys.test_survey_admin import admin, municipality  # noqa: F401 (fixtures)
from trygg.surveys import codes
from trygg.surveys.models import SurveySamplePerson

pytestmark = pytest.mark.django_db


def test_names_are_neutralised_in_the_reminder_list(admin, municipality):  # noqa: F811
    survey_round, _found = survey_sample_world(municipality, persons=4)
    for person, payload in zip(SurveySamplePerson.objects.order_by("id"), PAYLOADS, strict=True):
        person.contact_encrypted = codes.contact_encrypt(
            name=payload, street="Exempelgatan 1", postcode="999 99", city="-Testby"
        )
        person.save()
    listing = admin.post(f"/surveys/{survey_round.id}/letters/", {"kind": "reminder_csv"})
    text = listing.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert sorted(r["name"] for r in rows) == sorted("'" + p for p in PAYLOADS)
    assert {r["city"] for r in rows} == {"'-Testby"}
