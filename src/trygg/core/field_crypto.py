"""Field encryption and keyed lookup hashes for personal data kept in the database.

A value is kept encrypted with Fernet under ``TRYGG_FIELD_KEY`` (several comma-separated
keys rotate: the first encrypts, all decrypt) and, where it must be found again without
decrypting, as an HMAC-SHA256 under ``TRYGG_LOOKUP_KEY``. Both keys come from the
environment; a deployed install (``TRYGG_CASE_KEYS_REQUIRED``) refuses to start without
them, development, the demo and the tests derive keys from ``SECRET_KEY``.

Individual cases (personal identity numbers) and surveys (answer codes, contact details)
use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived(label: str) -> bytes:
    # The label keeps its historical "trygg-cases-" prefix: data encrypted under a derived
    # key (development, the demo) must still decrypt.
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


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The plain text, or "" for a token no configured key opens."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(text: str) -> str:
    return hmac.new(_lookup_key(), text.encode(), hashlib.sha256).hexdigest()
