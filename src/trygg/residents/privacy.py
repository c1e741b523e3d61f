"""Keeping contact details and identity numbers out of residents' free text.

A resident writes without an account and the text may be read by the safety group, so
the form refuses personal identity numbers and telephone numbers (both found by
:mod:`trygg.core.personal_data`, in every way people write them) and e-mail addresses,
each with its own explanation.
"""

from __future__ import annotations

import re

from trygg.core.personal_data import find_personal_numbers, find_phone_numbers

__all__ = ["find_emails", "find_personal_numbers", "find_phone_numbers", "personal_data_problem"]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def find_emails(text: str) -> list[str]:
    return _EMAIL.findall(text or "")


def personal_data_problem(text: str) -> str | None:
    """Which kind of personal data the text holds ("pin", "email", "phone"), or None."""
    if find_personal_numbers(text):
        return "pin"
    if find_emails(text):
        return "email"
    if find_phone_numbers(text):
        return "phone"
    return None
