"""Writes of individual data, by section: the coordinators' records (concerns, people,
guardians, consents) in :mod:`.records`, case work in :mod:`.case_work`. Every write is
atomic and writes the access log with the person it concerns."""

from ..pin import person_pin
from .case_work import (
    case_close,
    case_open,
    case_reopen,
    follow_up_add,
    meeting_add,
    member_add,
    member_remove,
    plan_item_add,
    plan_item_editable,
    plan_item_set_status,
    police_notes_set,
)
from .records import (
    concern_close,
    concern_municipality,
    concern_submit,
    consent_mark_received,
    consent_record,
    consent_withdraw,
    guardian_add,
    guardian_update,
    person_find,
    person_find_or_create,
    person_store,
    person_update,
)

__all__ = [
    "case_close",
    "case_open",
    "case_reopen",
    "concern_close",
    "concern_municipality",
    "concern_submit",
    "consent_mark_received",
    "consent_record",
    "consent_withdraw",
    "follow_up_add",
    "guardian_add",
    "guardian_update",
    "meeting_add",
    "member_add",
    "member_remove",
    "person_find",
    "person_find_or_create",
    "person_pin",
    "person_store",
    "person_update",
    "plan_item_add",
    "plan_item_editable",
    "plan_item_set_status",
    "police_notes_set",
]
