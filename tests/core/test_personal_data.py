"""Personal identity numbers and telephone numbers in free text, in every way people and
their phones write them; ordinary text with dates, amounts and years passes."""

from __future__ import annotations

import pytest

from trygg.core.personal_data import (
    ascii_digits,
    ascii_form,
    find_personal_numbers,
    find_phone_numbers,
)
from trygg.residents.privacy import personal_data_problem
from trygg.situation.privacy import find_personal_numbers as situation_finder

# Skatteverket's test number 19121212-1212 written as phones and people write it.
PIN_FORMS = [
    "121212-1212",
    "121212\u20131212",  # en dash (iOS smart punctuation)
    "121212\u20141212",  # em dash
    "121212\u22121212",  # minus sign
    "121212.1212",
    "12 12 12-1212",
    "12 12 12 1212",
    "121212 - 1212",
    "19121212\u20131212",
    "19 12 12 12-1212",
    "121212\u00a01212",  # no-break space
    "١٢١٢١٢-١٢١٢",  # Arabic-Indic digits
    "１２１２１２－１２１２",  # full-width digits and hyphen
]


@pytest.mark.parametrize("form", PIN_FORMS)
def test_each_written_form_of_a_personal_number_is_found(form):
    text = f"Pojken med {form} stod vid kiosken"
    assert find_personal_numbers(text) == [form]
    assert situation_finder(text) == [form]
    assert personal_data_problem(text) == "pin"


PHONE_FORMS = [
    "070-123 45 67",
    "070\u2013123 45 67",
    "070\u2014123\u00a045\u00a067",
    "０７０－１２３ ４５ ６７",
    "+46 70 123 45 67",
    "08-123 456 78",
]


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_each_written_form_of_a_phone_number_is_found(form):
    text = f"Ring mig på {form} i kväll"
    assert find_phone_numbers(text) == [form]
    assert personal_data_problem(text) == "phone"


ORDINARY = [
    "Det hände 2024-05-17 vid 21.30",
    "Det hände 17.05.2024 kl 22",
    "Den 12.12.2012 var det lugnt",
    "Skadan blev 12 500 kr, försäkringen 1 250 000 kr",
    "Åren 1990 2000 2010 2020 jämfördes",
    "Buss 1212 kl 21.30, linje 12",
    "Ordernummer 20261399-0000",
    "Vecka 2026-W10 och kvartal 2026-Q1",
    "Mellan 10.00–12.00 och 18–22",
    "Område 2281C1010 och 2281A001",
    "121212-1213",  # wrong check digit
    "Priset var 1212,12 kr",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_blocked(text):
    assert find_personal_numbers(text) == []
    assert personal_data_problem(text) is None


def test_the_ascii_form_keeps_every_position():
    text = "Tel ٠٧٠–١٢٣ ٤٥ ٦٧, pnr １２１２１２－１２１２"
    assert len(ascii_form(text)) == len(text)
    assert ascii_form(text) == "Tel 070-123 45 67, pnr 121212-1212"
    assert ascii_digits("²³") == "²³"  # superscripts are not digits of a number
