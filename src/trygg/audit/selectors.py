"""Reading the audit log, and proving that it has not been changed."""

from __future__ import annotations

from collections.abc import Iterable
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


# --- individual data (issue 5): the data subject's extract and the sampling review --------


def audit_events_about(*, refs: list[tuple[str, object]], person_id: str = ""):
    """Every event about the given objects, or whose details name ``person_id``, oldest
    first."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    for object_type, object_id in refs:
        condition |= Q(object_type=object_type, object_id=str(object_id))
    if person_id:
        condition |= Q(details__person=person_id)
    return AuditEvent.objects.filter(condition).order_by("id")


@dataclass(frozen=True)
class SampleReport:
    since: object
    until: object
    total: int
    refused: int
    outside_office_hours: int
    by_user: list[tuple[str, str, int]]
    sample: list[AuditEvent]


def audit_sample(
    *,
    since,
    until,
    municipality_codes: Iterable[str],
    size: int = 25,
    seed: int | None = None,
    object_type_prefix: str = "cases.",
    office_hours: tuple[int, int] = (7, 18),
) -> SampleReport:
    """A random sample of reads and changes of individual data in a period, with the figures
    a regular log review starts from: how many, how many refused, how many outside office
    hours (local time), and who read most.

    Only entries about the given municipalities count; a refused look-up of an object that
    does not exist names no municipality and belongs to the municipalities of the user who
    tried it.
    """
    import random
    from collections import Counter

    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from django.utils import timezone

    codes = sorted(set(municipality_codes))
    local_actors = (
        get_user_model().objects.filter(organisation__municipalities__code__in=codes).values("pk")
    )
    events = AuditEvent.objects.filter(
        Q(municipality_code__in=codes) | Q(municipality_code="", actor_id__in=local_actors),
        occurred_at__gte=since,
        occurred_at__lt=until,
        object_type__startswith=object_type_prefix,
    )
    rows = list(
        events.values_list("id", "actor_username", "actor_organisation", "details", "occurred_at")
    )
    refused = sum(1 for r in rows if (r[3] or {}).get("outcome") not in (None, "granted"))
    late = sum(
        1 for r in rows if not office_hours[0] <= timezone.localtime(r[4]).hour < office_hours[1]
    )
    counts = Counter((r[1], r[2]) for r in rows)
    picked = random.Random(seed).sample([r[0] for r in rows], min(size, len(rows)))
    return SampleReport(
        since=since,
        until=until,
        total=len(rows),
        refused=refused,
        outside_office_hours=late,
        by_user=[(user, org, n) for (user, org), n in counts.most_common(10)],
        sample=list(events.filter(pk__in=picked).order_by("occurred_at", "id")),
    )
