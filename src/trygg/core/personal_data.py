"""Finding personal identity numbers and telephone numbers in free text, and the one way a
number is turned into ASCII before it is parsed, found or hashed.

Phones and keyboards write the same number in many ways: an en dash instead of a hyphen
(iOS "smart punctuation"), a full stop or spaces between the groups, Arabic-Indic or
full-width digits. :func:`ascii_form` maps each of those characters to its ASCII meaning
*one character for one*, so a match in the ASCII form is also the span of the text as it
was written. Every pattern here uses ``re.ASCII``: ``\\d`` would match any script's digits.

Swedish personal identity numbers (personnummer, and co-ordination numbers whose day is
raised by 60) count only when their date is plausible and their check digit passes the
Luhn test, so order numbers, amounts, dates and years pass.
"""

from __future__ import annotations

import re
import unicodedata

# Dashes and minus signs people (or their phones) type for a hyphen.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u00a0\u2007\u2009\u202f\u3000"
_MAP = {ord(c): "-" for c in _DASHES} | {ord(c): " " for c in _SPACES} | {0xFF0B: "+"}


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of any script written as its ASCII digit."""
    return "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text or ""
    )


def ascii_form(text: str) -> str:
    """ASCII digits, hyphens and spaces for their look-alikes; one character for one."""
    return ascii_digits(text).translate(_MAP)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# YYMMDD or YYYYMMDD, the date's pairs optionally spaced ("12 12 12"), then the last four
# digits after an optional hyphen, plus sign or full stop (with or without spaces round it).
_PIN = re.compile(
    r"(?<![0-9-])(?:([0-9]{2}) ?)?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2})"
    r" ?(?:[-+.] ?)?([0-9]{4})(?![0-9])",
    re.ASCII,
)


def find_personal_numbers(text: str) -> list[str]:
    """Every personal identity number in ``text``, as written there."""
    found = []
    for match in _PIN.finditer(ascii_form(text)):
        century, yy, mm, dd, tail = match.groups()
        month, day = int(mm), int(dd)
        if not 1 <= month <= 12:
            continue
        if not (1 <= day <= 31 or 61 <= day <= 91):
            continue
        if century is not None and century not in ("18", "19", "20"):
            continue
        if luhn_valid(yy + mm + dd + tail):
            found.append(text[match.start() : match.end()])
    return found


# A Swedish or international number: starts with 0, +46 or 00, then 7–12 more digits with
# spaces, hyphens or brackets between groups. Dates and years start otherwise and pass.
# The digits are ASCII (the text is in its ASCII form); letters round it are any script's.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?[0-9][0-9\s()-]{6,18}[0-9](?!\w)")


def find_phone_numbers(text: str) -> list[str]:
    """Every telephone number in ``text``, as written there."""
    found = []
    for match in _PHONE.finditer(ascii_form(text)):
        candidate = match.group(0)
        digits = re.sub(r"[^0-9]", "", candidate)
        starts = candidate.startswith(("+", "00")) or (
            candidate.startswith("0") and not candidate.startswith("00")
        )
        if starts and 8 <= len(digits) <= 15:
            found.append(text[match.start() : match.end()].strip())
    return found
