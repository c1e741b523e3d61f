"""One implementation of personal-data detection and of a personal identity number's
reading, and the field encryption they share: the old homes import the one in core."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from trygg.cases import pin as case_pins
from trygg.core import field_crypto, personal_data
from trygg.residents import privacy as residents_privacy
from trygg.situation import privacy as situation_privacy


def test_the_situational_picture_and_the_residents_form_use_the_one_detector():
    assert situation_privacy.find_personal_numbers is personal_data.find_personal_numbers
    assert residents_privacy.find_personal_numbers is personal_data.find_personal_numbers
    assert residents_privacy.find_phone_numbers is personal_data.find_phone_numbers
    assert residents_privacy.find_emails is personal_data.find_emails
    assert residents_privacy.personal_data_problem is personal_data.personal_data_problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ring 070-123 45 67", "phone"),
        ("Skriv till anna@example.se", "email"),
        ("Född 121212-1212", "pin"),
        ("Möte 2024-05-01 kl 18, 350 kr", None),
    ],
)
def test_personal_data_problem_names_the_kind(text, problem):
    assert personal_data.personal_data_problem(text) == problem


def test_a_typed_number_is_read_in_core_and_the_cases_names_stay(settings):
    settings.TRYGG_SYNTHETIC_PINS = True
    number = personal_data.synthetic_personal_number(random.Random(1), date(2010, 5, 17))
    assert not personal_data.luhn_valid(number[2:])
    typed = f"{number[2:8]}\u2013{number[8:]}"  # YYMMDD–NNNN with an en dash
    assert personal_data.normalise_personal_number(typed) == number
    assert case_pins.normalise(typed) == number
    assert personal_data.birth_date_of(number) == date(2010, 5, 17)
    assert personal_data.masked_personal_number(number) == f"{number[:8]}-****"
    with pytest.raises(ValidationError):
        personal_data.normalise_personal_number("19121212-1212")  # a real check digit


def test_field_encryption_round_trips_and_a_foreign_token_reads_as_empty():
    token = field_crypto.encrypt("K7XM4QPR")
    assert token != "K7XM4QPR" and field_crypto.decrypt(token) == "K7XM4QPR"
    assert field_crypto.decrypt("not-a-token") == ""
    assert field_crypto.lookup_hash("x") == field_crypto.lookup_hash("x") != ""
    assert case_pins.encrypt is field_crypto.encrypt


def test_the_derived_development_keys_are_those_of_before(settings):
    # Data encrypted under a derived key (development, the demo) must still decrypt: the
    # derivation keeps its label.
    settings.TRYGG_FIELD_KEY = ""
    settings.TRYGG_LOOKUP_KEY = ""
    settings.SECRET_KEY = "s" * 50
    derived = hashlib.sha256(f"trygg-cases-lookup:{settings.SECRET_KEY}".encode()).digest()
    expected = hmac.new(derived, b"191212121212", hashlib.sha256).hexdigest()
    assert field_crypto.lookup_hash("191212121212") == expected
