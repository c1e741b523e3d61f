"""Pages of individual cases, thin, by section: the coordinators' records in
:mod:`.records`, case work in :mod:`.case_work`, statistics and the log review in
:mod:`.oversight`. Every case is read through ``access_case_by_id``, every person, consent
and concern through its own access function; all of them log the read."""

from ._common import allow, ip
from .case_work import (
    case_close,
    case_detail,
    case_new,
    case_reopen,
    contact_log_add,
    follow_up_add,
    index,
    meeting_add,
    member_add,
    member_remove,
    plan_add,
    plan_status,
    police_notes,
)
from .oversight import log_review, statistics
from .records import (
    concern_detail,
    concern_new,
    concern_received,
    concerns,
    consent_new,
    consent_pdf,
    consent_received,
    consent_withdraw,
    guardian_add,
    guardian_edit,
    person_detail,
    person_edit,
    person_find,
    person_log,
)

__all__ = [
    "allow",
    "case_close",
    "case_detail",
    "case_new",
    "case_reopen",
    "concern_detail",
    "concern_new",
    "concern_received",
    "concerns",
    "consent_new",
    "consent_pdf",
    "consent_received",
    "consent_withdraw",
    "contact_log_add",
    "follow_up_add",
    "guardian_add",
    "guardian_edit",
    "index",
    "ip",
    "log_review",
    "meeting_add",
    "member_add",
    "member_remove",
    "person_detail",
    "person_edit",
    "person_find",
    "person_log",
    "plan_add",
    "plan_status",
    "police_notes",
    "statistics",
]
