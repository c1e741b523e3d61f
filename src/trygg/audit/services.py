"""Writing to the audit log. Every write goes through :func:`audit_record`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditAction, AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x7472_7967


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_organisation": event.actor_organisation,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "municipality_code": event.municipality_code,
        "summary": event.summary,
        "details": event.details,
        "purpose": event.purpose,
        "ip_address": event.ip_address,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def compute_entry_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.previous_hash.encode() + _canonical(event)).hexdigest()


def audit_record(
    *,
    actor: Any | None,
    action: AuditAction | str,
    object_type: str = "",
    object_id: str | int = "",
    municipality_code: str = "",
    summary: str = "",
    details: dict | None = None,
    purpose: str = "",
    ip_address: str | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain; call it inside the transaction of the change it logs."""
    # No savepoint of its own: an entry that fails must take the change it logs with it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Serialise writers so that two events never claim the same predecessor.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        event = AuditEvent(
            occurred_at=occurred_at or timezone.now(),
            actor=actor if authenticated else None,
            actor_username=actor.get_username() if authenticated else "",
            actor_organisation=str(getattr(actor, "organisation", "") or "")
            if authenticated
            else "",
            actor_role=getattr(actor, "role", "") if authenticated else "",
            action=str(action),
            object_type=object_type,
            object_id=str(object_id),
            municipality_code=municipality_code,
            summary=summary[:500],
            details=details or {},
            purpose=purpose,
            ip_address=ip_address,
            previous_hash=last or GENESIS_HASH,
        )
        # Round-trip details through JSON so the hash covers exactly what the database stores.
        event.details = json.loads(json.dumps(event.details, default=str))
        event.entry_hash = compute_entry_hash(event)
        event.save()
        return event
