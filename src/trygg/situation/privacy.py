"""Keeping personal data out of the situational picture's free text.

Swedish personal identity numbers (personnummer, and co-ordination numbers whose day is
raised by 60) are found in the forms ``YYMMDD-XXXX``, ``YYMMDD+XXXX``, ``YYYYMMDD-XXXX``,
``YYYYMMDDXXXX`` and ``YYMMDDXXXX``; a candidate counts only when its date is plausible and
its check digit passes the Luhn test, so order numbers and phone numbers pass.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<![\d-])(?:(\d{2}))?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{4})(?![\d])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def find_personal_numbers(text: str) -> list[str]:
    """Every personal identity number in ``text``, as written there."""
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        century, yy, mm, dd, tail = match.groups()
        month, day = int(mm), int(dd)
        if not 1 <= month <= 12:
            continue
        if not (1 <= day <= 31 or 61 <= day <= 91):
            continue
        if century is not None and century not in ("18", "19", "20"):
            continue
        if luhn_valid(yy + mm + dd + tail):
            found.append(match.group(0))
    return found
