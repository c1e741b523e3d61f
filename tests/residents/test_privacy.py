"""Contact details and identity numbers in residents' free text."""

from __future__ import annotations

import pytest

from trygg.residents.privacy import find_emails, find_phone_numbers, personal_data_problem


@pytest.mark.parametrize(
    "text",
    ["070-123 45 67", "0701234567", "+46 70 123 45 67", "060-12 34 56", "0046701234567"],
)
def test_telephone_numbers_are_found(text):
    assert find_phone_numbers(f"Ring {text} efter sex") and personal_data_problem(text) == "phone"


@pytest.mark.parametrize(
    "text",
    ["2026-11-28", "kl 17-23", "lampa 12345", "år 2026", "buss 8 och 19", "Storgatan 12, 852 30"],
)
def test_dates_times_and_house_numbers_pass(text):
    assert find_phone_numbers(text) == [] and personal_data_problem(text) is None


def test_e_mail_addresses_are_found():
    assert find_emails("skriv till a.b@example.se") == ["a.b@example.se"]
    assert personal_data_problem("a@b.se") == "email"


def test_personal_identity_numbers_are_found_first():
    assert personal_data_problem("19121212-1212") == "pin"
    # A number with a wrong check digit is not an identity number (and starts with 1).
    assert personal_data_problem("19121212-1213") is None
