"""The personal identity number of a person in a case: read, stored, found again.

Reading a typed number is :mod:`trygg.core.personal_data`'s, encrypting it and the keyed
lookup hash are :mod:`trygg.core.field_crypto`'s; this module puts them together for
:class:`~trygg.cases.models.Person` (and keeps the names the cases app and its tests use).
"""

from __future__ import annotations

import re

from trygg.core.field_crypto import decrypt, encrypt, keys_check, lookup_hash
from trygg.core.personal_data import (
    birth_date_of,
    luhn_valid,
    synthetic_only,
)
from trygg.core.personal_data import masked_personal_number as masked
from trygg.core.personal_data import normalise_personal_number as normalise
from trygg.core.personal_data import synthetic_personal_number as synthetic_pin

from .models import Person

__all__ = [
    "birth_date_of",
    "decrypt",
    "encrypt",
    "keys_check",
    "lookup_hash",
    "luhn_valid",
    "masked",
    "normalise",
    "person_pin",
    "pin_hash",
    "synthetic_only",
    "synthetic_pin",
]

_NORMALISED = re.compile(r"[0-9]{12}", re.ASCII)


def pin_hash(pin: str) -> str:
    """The keyed hash a person is found by: only ever of a normalised number (12 ASCII
    digits, see :func:`normalise`), so that one number is one person."""
    if not _NORMALISED.fullmatch(pin or ""):
        raise ValueError("pin_hash takes a normalised number: 12 ASCII digits")
    return lookup_hash(pin)


def person_pin(person: Person) -> str:
    """The person's number, decrypted ("" for an anonymised person)."""
    return decrypt(person.pin_encrypted) if person.pin_encrypted else ""
