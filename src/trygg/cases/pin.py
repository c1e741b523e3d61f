"""Personal identity numbers: parse, encrypt, hash for lookup, and make synthetic ones.

A number is kept in two forms: encrypted with Fernet under ``TRYGG_FIELD_KEY`` (several
comma-separated keys rotate: the first encrypts, all decrypt) and as an HMAC-SHA256 under
``TRYGG_LOOKUP_KEY`` for search-or-create. Both keys come from the environment; a deployed
install (``TRYGG_CASE_KEYS_REQUIRED``) refuses to start without them, development, the demo
and the tests derive keys from ``SECRET_KEY``.

Where ``TRYGG_SYNTHETIC_PINS`` is on (the demo, the tests) only numbers whose check digit
is *wrong* are accepted, so such an install can never hold a real person's number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
from datetime import date

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.core.personal_data import ascii_form, luhn_valid

# ASCII digits only: the text is put in its ASCII form first (re.ASCII: \d is any script's).
_FORM = re.compile(r"^([0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})([-+]?)([0-9]{4})$", re.ASCII)
_NORMALISED = re.compile(r"[0-9]{12}", re.ASCII)


def synthetic_only() -> bool:
    return bool(getattr(settings, "TRYGG_SYNTHETIC_PINS", False) or settings.TRYGG_DEMO_MODE)


def _derived(label: str) -> bytes:
    return hashlib.sha256(f"trygg-cases-{label}:{settings.SECRET_KEY}".encode()).digest()


def keys_check() -> None:
    required = getattr(settings, "TRYGG_CASE_KEYS_REQUIRED", False)
    if required and not (settings.TRYGG_FIELD_KEY and settings.TRYGG_LOOKUP_KEY):
        raise ImproperlyConfigured(
            "Set TRYGG_FIELD_KEY (a Fernet key) and TRYGG_LOOKUP_KEY (at least 32 random "
            "characters): they protect the personal identity numbers in individual cases."
        )
    if settings.TRYGG_LOOKUP_KEY and len(settings.TRYGG_LOOKUP_KEY) < 32:
        raise ImproperlyConfigured("TRYGG_LOOKUP_KEY must be at least 32 characters.")


def _fernet() -> MultiFernet:
    configured = [k.strip() for k in (settings.TRYGG_FIELD_KEY or "").split(",") if k.strip()]
    keys = configured or [base64.urlsafe_b64encode(_derived("field")).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def _lookup_key() -> bytes:
    return (settings.TRYGG_LOOKUP_KEY or "").encode() or _derived("lookup")


def birth_date_of(pin: str) -> date:
    day = int(pin[6:8])
    return date(int(pin[:4]), int(pin[4:6]), day - 60 if day > 60 else day)


def normalise(text: str, *, today: date | None = None) -> str:
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


def encrypt(pin: str) -> str:
    return _fernet().encrypt(pin.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(text: str) -> str:
    return hmac.new(_lookup_key(), text.encode(), hashlib.sha256).hexdigest()


def pin_hash(pin: str) -> str:
    """The keyed hash a person is found by: only ever of a normalised number (12 ASCII
    digits, see :func:`normalise`), so that one number is one person."""
    if not _NORMALISED.fullmatch(pin or ""):
        raise ValueError("pin_hash takes a normalised number: 12 ASCII digits")
    return lookup_hash(pin)


def masked(pin: str) -> str:
    return f"{pin[:8]}-****" if pin else ""


def synthetic_pin(rng: random.Random, born: date) -> str:
    """A 12-digit number for ``born`` whose check digit is wrong: never a real person's."""
    serial = f"{rng.randint(0, 999):03d}"
    base = f"{born:%y%m%d}{serial}"
    right = next(d for d in range(10) if luhn_valid(base + str(d)))
    wrong = (right + rng.randint(1, 9)) % 10
    return f"{born:%Y%m%d}{serial}{wrong}"
