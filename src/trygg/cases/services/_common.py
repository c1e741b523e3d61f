"""What every write of individual data shares: the access-log entry and the coordinator's
rule."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ..access import Rule, is_coordinator_in, log_access


def log_change(
    actor, *, action, object_type, object_id, person, purpose, municipality, ip=None, **extra
):
    log_access(
        actor,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        outcome="granted",
        rule=Rule.CHANGE,
        person_id=person.public_id if person is not None else None,
        municipality_code=municipality.code,
        ip_address=ip,
        action=action,
        extra=extra or None,
    )


def require_coordinator(actor, municipality_id: int) -> None:
    if not is_coordinator_in(actor, municipality_id):
        raise PermissionDenied
