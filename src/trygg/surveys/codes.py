"""One-time answer codes: generate, print, read back what a resident typed, hash, encrypt.

A code is 8 characters from an alphabet without the look-alikes 0/O, 1/I/L (31 symbols,
about 40 bits: guessing one of a few thousand live codes at ten tries an hour is hopeless).
It is printed in two groups, ``K7XM-4QPR``. The database keeps it encrypted (the reminder
letter prints it again) and as an HMAC for lookup; the answer never sees either.
"""

from __future__ import annotations

import json
import re
import secrets

from trygg.core import field_crypto

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-_.·–—]+")


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_format(code: str) -> str:
    """``K7XM4QPR`` -> ``K7XM-4QPR`` for print."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def code_normalise(text: str) -> str | None:
    """The code a resident typed, cleaned (case, spaces, dashes); None when it cannot be a
    code at all. Look-alikes need no mapping: neither 0/O nor 1/I/L is ever printed, so a
    typed one is reported as not a code (with the rule), not guessed into another code."""
    cleaned = _SEPARATORS.sub("", (text or "").upper())
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    # Domain-separated from the personal identity numbers that share the lookup key.
    return field_crypto.lookup_hash(f"survey-code:{code}")


def encrypt(text: str) -> str:
    return field_crypto.encrypt(text)


def decrypt(token: str) -> str:
    return field_crypto.decrypt(token)


def contact_encrypt(*, name: str, street: str, postcode: str, city: str) -> str:
    return encrypt(json.dumps({"name": name, "street": street, "postcode": postcode, "city": city}))


def contact_decrypt(token: str) -> dict[str, str]:
    raw = decrypt(token)
    return json.loads(raw) if raw else {"name": "", "street": "", "postcode": "", "city": ""}
