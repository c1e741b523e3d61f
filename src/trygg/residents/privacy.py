"""Keeping contact details and identity numbers out of residents' free text.

A resident writes without an account and the text may be read by the safety group, so
the form refuses personal identity numbers (see :mod:`trygg.situation.privacy`), e-mail
addresses and telephone numbers, each with its own explanation.
"""

from __future__ import annotations

import re

from trygg.situation.privacy import find_personal_numbers

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A Swedish or international number: starts with 0, +46 or 00, then 7–12 more digits with
# spaces or hyphens between groups. Dates and years start otherwise and pass.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s()-]{6,18}\d(?!\w)")


def find_emails(text: str) -> list[str]:
    return _EMAIL.findall(text or "")


def find_phone_numbers(text: str) -> list[str]:
    found = []
    for match in _PHONE.finditer(text or ""):
        candidate = match.group(0)
        digits = re.sub(r"\D", "", candidate)
        starts = candidate.startswith(("+", "00")) or (
            candidate.startswith("0") and not candidate.startswith("00")
        )
        if starts and 8 <= len(digits) <= 15:
            found.append(candidate.strip())
    return found


def personal_data_problem(text: str) -> str | None:
    """Which kind of personal data the text holds ("pin", "email", "phone"), or None."""
    if find_personal_numbers(text):
        return "pin"
    if find_emails(text):
        return "email"
    if find_phone_numbers(text):
        return "phone"
    return None
