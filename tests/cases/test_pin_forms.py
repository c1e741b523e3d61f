"""One personal identity number is one person, whichever digits or dash it is written with."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trygg.cases import pin as pins
from trygg.cases.models import Person
from trygg.cases.services import person_find, person_find_or_create

from .world import new_pin

pytestmark = pytest.mark.django_db

#: The zero of each decimal digit script a keyboard or phone may produce.
ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE]
DASHES = ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d"]


def written(number: str, zeros: list[int], dash: str, short: bool) -> str:
    """``number`` (12 ASCII digits) with each digit in the script of ``zeros[i]``."""
    text = number[2:] if short else number
    digits = [chr(zeros[i % len(zeros)] + int(d)) for i, d in enumerate(text)]
    cut = len(digits) - 4
    return "".join(digits[:cut]) + dash + "".join(digits[cut:])


forms = st.tuples(
    st.lists(st.sampled_from(ZEROS), min_size=1, max_size=12),
    st.sampled_from(DASHES),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(form=forms)
def test_any_digit_script_normalises_to_the_same_ascii_number(form):
    # Skatteverket's test number with a wrong check digit, born 2012 (as YYMMDD reads it).
    number = "201212121213"
    zeros, dash, short = form
    text = written(number, zeros, dash, short)
    assert pins.normalise(text) == number
    assert pins.pin_hash(pins.normalise(text)) == pins.pin_hash(number)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(forms=st.lists(forms, min_size=2, max_size=4))
def test_the_same_number_in_any_form_is_one_person(world, forms):
    number = new_pin()
    coordinator = world.users["coordinator"]
    people = set()
    for zeros, dash, short in forms:
        person, _created = person_find_or_create(
            actor=coordinator,
            municipality=world.municipality,
            pin=written(number, zeros, dash, short),
            first_name="Testa",
            last_name="Testsson",
        )
        people.add(person.pk)
        found = person_find(
            actor=coordinator,
            municipality=world.municipality,
            pin=written(number, list(reversed(zeros)), dash, not short),
        )
        assert found is not None and found.pk == person.pk
    assert len(people) == 1
    assert (
        Person.objects.filter(municipality=world.municipality)
        .filter(pin_hash=pins.pin_hash(number))
        .count()
        == 1
    )


def test_three_spellings_register_one_person(world):
    number = new_pin()
    coordinator = world.users["coordinator"]
    spellings = [
        f"{number[:8]}-{number[8:]}",
        written(number, [0x660], "-", short=False),
        written(number, [0xFF10], "\uff0d", short=False),
    ]
    created = [
        person_find_or_create(
            actor=coordinator,
            municipality=world.municipality,
            pin=spelling,
            first_name="Testa",
            last_name="Testsson",
        )[1]
        for spelling in spellings
    ]
    assert created == [True, False, False]
    assert Person.objects.filter(municipality=world.municipality).count() == len(
        Person.objects.filter(municipality=world.municipality).values("pin_hash").distinct()
    )


@pytest.mark.parametrize(
    "text",
    [
        "19121212\u00b9212",  # a superscript one is no digit of a number
        "191212121\u2462\u2462",  # circled digits
        "1912121212１",  # thirteen digits
        "٢٠٢٦١٣٠١-١٢٣٤",  # month 13, in Arabic-Indic digits
    ],
)
def test_forms_that_are_no_number_are_refused(text):
    with pytest.raises(ValidationError):
        pins.normalise(text)


def test_the_keyed_hash_is_only_taken_of_twelve_ascii_digits():
    with pytest.raises(ValueError):
        pins.pin_hash("١٩١٢١٢١٢١٢١٣")
    with pytest.raises(ValueError):
        pins.pin_hash("121212-1213")
