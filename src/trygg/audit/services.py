"""Writing to the audit log. Every write goes through :func:`audit_record`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .anchors import Anchor, anchors_read
from .keys import AuditKeys, audit_keys
from .models import AuditAction, AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x7472_7967


class UnknownAuditKey(LookupError):
    """An entry or anchor names a key that is neither current nor retired."""


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
    if event.key_id:
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()


def compute_entry_hash(event: AuditEvent, keys: AuditKeys | None = None) -> str:
    """The entry's hash: an HMAC under the key it names, or a plain SHA-256 for an entry
    from before the chain was keyed (``key_id`` empty)."""
    message = event.previous_hash.encode() + _canonical(event)
    if not event.key_id:
        return hashlib.sha256(message).hexdigest()
    keys = keys or audit_keys()
    try:
        secret = keys.secrets[event.key_id]
    except KeyError:
        raise UnknownAuditKey(event.key_id) from None
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _text(value: str) -> str:
    """What a caller passes through from a request (an unreadable id, say) may hold NUL,
    which PostgreSQL's text columns refuse: the entry keeps a visible stand-in instead of
    failing the request."""
    return value.replace("\x00", "\ufffd")


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
            object_id=_text(str(object_id)),
            municipality_code=municipality_code,
            summary=_text(summary[:500]),
            details=details or {},
            purpose=purpose,
            ip_address=ip_address,
            previous_hash=last or GENESIS_HASH,
            key_id=audit_keys().current_id,
        )
        # Round-trip details through JSON so the hash covers exactly what the database stores.
        event.details = json.loads(json.dumps(event.details, default=str))
        event.entry_hash = compute_entry_hash(event)
        event.save()
        return event


# --- anchors: the chain's head written outside the database -----------------------------


class AnchorRefused(Exception):
    """The anchor was not written; the message says why."""


def _head(now: datetime | None) -> Anchor:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The same lock as the writers: the count and the last entry belong together.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        count = AuditEvent.objects.count()
        last = AuditEvent.objects.order_by("-id").values_list("id", "entry_hash").first()
    keys = audit_keys()
    return Anchor(
        at=(now or timezone.now()).astimezone(UTC),
        count=count,
        last_id=last[0] if last else None,
        last_hash=last[1] if last else GENESIS_HASH,
        key_id=keys.current_id,
    ).signed(keys)


def _append_to_file(path: Path, line: str) -> None:
    # O_APPEND without O_TRUNC: an anchor is only ever added, never rewritten, and one
    # short write to an O_APPEND file lands whole at the end even with two writers.
    # O_NOFOLLOW: the file named in the settings, not whatever a link there points to.
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o640)
    except OSError as error:
        raise AnchorRefused(f"Cannot open the anchor file {path}: {error.strerror}.") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AnchorRefused(f"The anchor file {path} is not a regular file.")
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _post(url: str, line: str) -> None:
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    token = getattr(settings, "TRYGG_AUDIT_ANCHOR_TOKEN", "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # Only http(s) reaches here: audit_anchor sends everything else to the file writer.
    request = urllib.request.Request(url, data=line.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        raise AnchorRefused(f"Cannot reach {url}: {error}.") from None
    if not 200 <= status < 300:
        raise AnchorRefused(f"{url} answered {status}; the anchor was not recorded.")


def audit_anchor(*, target: str, now: datetime | None = None) -> Anchor:
    """Write the chain's head, signed, to ``target``: a file path (appended to) or a URL
    (POSTed to). Refuses to anchor a chain that does not verify against the anchors already
    in the file: an anchor must never record damage as the truth."""

    from .selectors import audit_verify_chain

    if not target:
        raise AnchorRefused("No anchor target: set TRYGG_AUDIT_ANCHOR to a file path or URL.")
    is_url = target.startswith(("https://", "http://"))
    if target.startswith("http://") and getattr(settings, "TRYGG_AUDIT_KEY_REQUIRED", False):
        raise AnchorRefused("A deployed install sends anchors over https only.")
    existing = []
    if not is_url:
        path = Path(target)
        if path.exists():
            anchor_file = anchors_read(path.read_text(encoding="utf-8"))
            if anchor_file.problems:
                raise AnchorRefused(" ".join(anchor_file.problems))
            existing = anchor_file.anchors
    report = audit_verify_chain(anchors=existing)
    if not report.intact:
        reason = " ".join(report.anchor_problems) or (
            f"entry {report.first_broken_id} {report.reason}"
        )
        raise AnchorRefused(f"The audit log does not verify, no anchor written: {reason}")
    anchor = _head(now)
    if is_url:
        _post(target, anchor.to_line())
    else:
        _append_to_file(Path(target), anchor.to_line())
    return anchor
