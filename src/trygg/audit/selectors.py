"""Reading the audit log, and proving that it has not been changed."""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .anchors import Anchor
from .keys import audit_keys
from .models import AuditEvent
from .services import GENESIS_HASH, UnknownAuditKey, compute_entry_hash


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str
    # Entries in the table, and what the anchors say that the chain does not bear out.
    total: int = 0
    anchors_checked: int = 0
    anchor_problems: tuple[str, ...] = ()
    # Entries from before the chain was keyed (plain SHA-256).
    unkeyed: int = 0

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None and not self.anchor_problems


def _when(anchor: Anchor) -> str:
    return f"{anchor.at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def audit_verify_chain(*, anchors: Sequence[Anchor] = (), batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in id order; name the first entry that does not fit the chain,
    and every anchor the chain no longer agrees with.

    An edited row fails its own hash (the hash is keyed: recomputing it needs the key); a
    deleted or reordered row breaks the link of the row after it. Deleting the newest rows
    leaves a valid but shorter chain: only an anchor written before shows that.
    """
    keys = audit_keys()
    by_count: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_count.setdefault(anchor.count, []).append(anchor)
    problems: list[str] = []
    previous = GENESIS_HASH
    checked = 0
    position = 0
    broken: tuple[int, str] | None = None
    keyed_seen = False
    unkeyed = 0
    for anchor in by_count.get(0, []):
        if anchor.last_hash != GENESIS_HASH:
            problems.append(
                f"The anchor of {_when(anchor)} recorded an empty chain ending in a hash."
            )
    # Past a break, keep walking: the anchors are compared with every position.
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        position += 1
        for anchor in by_count.get(position, []):
            if anchor.last_hash != event.entry_hash or (
                anchor.last_id is not None and anchor.last_id != event.id
            ):
                problems.append(
                    f"Entry number {position} (id {event.id}) is not the one the anchor of "
                    f"{_when(anchor)} recorded: the chain was changed or rewritten since."
                )
        if broken is not None:
            continue
        if event.previous_hash != previous:
            broken = (event.id, "links to a different predecessor")
        elif not event.key_id and keyed_seen:
            broken = (event.id, "is not signed, after signed entries")
        else:
            try:
                expected = compute_entry_hash(event, keys)
            except UnknownAuditKey:
                broken = (event.id, f"names an unknown audit key ({event.key_id!r})")
            else:
                if not hmac.compare_digest(expected, event.entry_hash):
                    broken = (event.id, "content does not match its hash")
        if broken is None:
            keyed_seen = keyed_seen or bool(event.key_id)
            unkeyed += 0 if event.key_id else 1
            previous = event.entry_hash
            checked += 1
    total = position
    for count in sorted(c for c in by_count if c > total):
        for anchor in by_count[count]:
            problems.append(
                f"The chain has {total} entries but the anchor of {_when(anchor)} recorded "
                f"{anchor.count}: entries were deleted."
            )
    return ChainReport(
        checked=checked,
        first_broken_id=broken[0] if broken else None,
        reason=broken[1] if broken else "",
        total=total,
        anchors_checked=len(anchors),
        anchor_problems=tuple(problems),
        unkeyed=unkeyed,
    )


# --- individual data (issue 5): the data subject's extract and the sampling review --------


def audit_events_about(*, refs: list[tuple[str, object]], person_id: str = ""):
    """Every event about the given objects, or whose details name ``person_id``, oldest
    first."""

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
