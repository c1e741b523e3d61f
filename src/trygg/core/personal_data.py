"""Personal data in text: the one place that finds it and reads it.

Finding personal identity numbers, telephone numbers and e-mail addresses in free text
(the situational picture and the residents' form refuse them), reading one personal
identity number typed into a form (individual cases), and the one way a number is turned
into ASCII before it is parsed, found or hashed.

Phones and keyboards write the same number in many ways: an en dash instead of a hyphen
(iOS "smart punctuation"), a full stop or spaces between the groups, Arabic-Indic or
full-width digits. :func:`ascii_form` maps each of those characters to its ASCII meaning
*one character for one*, so a match in the ASCII form is also the span of the text as it
was written. Every pattern here uses ``re.ASCII``: ``\\d`` would match any script's digits.

Swedish personal identity numbers (personnummer, and co-ordination numbers whose day is
raised by 60) count only when their date is plausible and their check digit passes the
Luhn test, so order numbers, amounts, dates and years pass.

Where ``TRYGG_SYNTHETIC_PINS`` is on (the demo, the tests) a number typed into a form is
accepted only when its check digit is *wrong*, so such an install can never hold a real
person's number.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

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


# --- one personal identity number, typed into a form ---------------------------------------

# ASCII digits only: the text is put in its ASCII form first (re.ASCII: \d is any script's).
_FORM = re.compile(r"^([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{4})$", re.ASCII)


def synthetic_only() -> bool:
    return bool(getattr(settings, "TRYGG_SYNTHETIC_PINS", False) or settings.TRYGG_DEMO_MODE)


def birth_date_of(pin: str) -> date:
    """The birth date of a normalised number (a co-ordination number's day less 60)."""
    day = int(pin[6:8])
    return date(int(pin[:4]), int(pin[4:6]), day - 60 if day > 60 else day)


def normalise_personal_number(text: str, *, today: date | None = None) -> str:
    """The number as 12 digits (YYYYMMDDNNNN), or ValidationError saying what is wrong."""
    # Arabic-Indic or full-width digits and an en dash are the same number: one person, one
    # keyed hash. Anything else that is not an ASCII digit (superscripts …) does not match.
    match = _FORM.match(re.sub(r"\s", "", ascii_form(text or "")))
    if not match:
        raise ValidationError(
            _("Write the personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN.")
        )
    century, yy, mm, dd, sign, tail = match.groups()
    today = today or timezone.localdate()
    if century is None:
        year = 2000 + int(yy)
        if year > today.year:
            year -= 100
        if sign == "+":
            year -= 100
        century = str(year // 100)
    pin = f"{century}{yy}{mm}{dd}{tail}"
    try:
        born = birth_date_of(pin)
    except ValueError:
        raise ValidationError(
            _("The date in the personal identity number does not exist.")
        ) from None
    if born > today:
        raise ValidationError(_("The personal identity number lies in the future."))
    check_ok = luhn_valid(pin[2:])
    if synthetic_only() and check_ok:
        raise ValidationError(
            _(
                "This installation holds synthetic data only: use a number with a wrong check "
                "digit, never a real person's."
            )
        )
    if not synthetic_only() and not check_ok:
        raise ValidationError(_("The check digit is wrong: check the number."))
    return pin


def masked_personal_number(pin: str) -> str:
    return f"{pin[:8]}-****" if pin else ""


def synthetic_personal_number(rng: random.Random, born: date) -> str:
    """A 12-digit number for ``born`` whose check digit is wrong: never a real person's."""
    serial = f"{rng.randint(0, 999):03d}"
    base = f"{born:%y%m%d}{serial}"
    right = next(d for d in range(10) if luhn_valid(base + str(d)))
    wrong = (right + rng.randint(1, 9)) % 10
    return f"{born:%Y%m%d}{serial}{wrong}"
