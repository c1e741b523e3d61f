"""Reading the audit log, and proving that it has not been changed."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEvent
from .services import GENESIS_HASH, compute_entry_hash


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def audit_verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in id order; name the first entry that does not fit the chain.

    An edited row fails its own hash; a deleted or reordered row breaks the link of the row
    after it.
    """
    previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.previous_hash != previous:
            return ChainReport(checked, event.id, "links to a different predecessor")
        if compute_entry_hash(event) != event.entry_hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        previous = event.entry_hash
        checked += 1
    return ChainReport(checked, None, "")


def audit_events_for_user(*, user, limit: int = 200):
    """What the audit log says a user did, newest first (the user's own activity page)."""
    return AuditEvent.objects.filter(actor=user).order_by("-id")[:limit]
