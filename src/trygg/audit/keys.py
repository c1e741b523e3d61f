"""The keys of the audit chain.

Each entry's hash is an HMAC under a key that lives outside the database, so that someone
who can write to the database but does not hold the key cannot recompute the chain after an
edit. ``TRYGG_AUDIT_KEY`` is ``<key id>:<secret>``; entries record the id of the key that
signed them, and ``TRYGG_AUDIT_RETIRED_KEYS`` (comma-separated, same form) keeps old keys
for verification after a rotation. A deployed install refuses to start without a key;
development and the tests derive one from ``SECRET_KEY``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_ID = "dev"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class AuditKeys:
    current_id: str
    secrets: dict[str, bytes]

    @property
    def current(self) -> bytes:
        return self.secrets[self.current_id]


def _parse(value: str, name: str) -> tuple[str, bytes]:
    key_id, sep, secret = value.strip().partition(":")
    if not sep or not _KEY_ID.match(key_id):
        raise ImproperlyConfigured(
            f"{name} must be written <key id>:<secret>, the id of 1-32 letters, digits, "
            "'.', '_' or '-'."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"The secret of audit key {key_id!r} in {name} must be at least "
            f"{MIN_SECRET_LENGTH} characters."
        )
    return key_id, secret.encode()


def audit_keys() -> AuditKeys:
    """The current key and every retired one, by id (read from the settings on each call,
    so that a test or a rotation takes effect at once)."""
    secrets: dict[str, bytes] = {}
    for value in getattr(settings, "TRYGG_AUDIT_RETIRED_KEYS", []) or []:
        key_id, secret = _parse(value, "TRYGG_AUDIT_RETIRED_KEYS")
        if key_id in secrets:
            raise ImproperlyConfigured(f"Audit key id {key_id!r} is listed twice.")
        secrets[key_id] = secret
    configured = getattr(settings, "TRYGG_AUDIT_KEY", "")
    if configured:
        current_id, secret = _parse(configured, "TRYGG_AUDIT_KEY")
        if current_id in secrets:
            raise ImproperlyConfigured(
                f"Audit key id {current_id!r} is both current and retired: give a new key a new id."
            )
    elif getattr(settings, "TRYGG_AUDIT_KEY_REQUIRED", False):
        # Never sign with the derived key where a real one is required: fail the write.
        audit_keys_check()
    else:
        current_id = DEV_KEY_ID
        secret = hashlib.sha256(f"trygg-audit-chain:{settings.SECRET_KEY}".encode()).digest()
    secrets.setdefault(current_id, secret)
    return AuditKeys(current_id=current_id, secrets=secrets)


def audit_keys_check() -> None:
    """Refuse to start a deployed install without a key, or with a malformed one."""
    if getattr(settings, "TRYGG_AUDIT_KEY_REQUIRED", False) and not getattr(
        settings, "TRYGG_AUDIT_KEY", ""
    ):
        raise ImproperlyConfigured(
            "Set TRYGG_AUDIT_KEY to <key id>:<secret> (at least 32 random characters): it "
            "signs the audit log. Keep it outside the database, with SECRET_KEY."
        )
    audit_keys()
