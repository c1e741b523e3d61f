"""Writes: residents' reports (public), their moderation, and safety walks.

Every write is atomic and audited. The public submission is audited without an actor and
without the sender's address: the report itself is all the log needs.

* :mod:`.common`: the checks reports and walks share, and their way into the picture;
* :mod:`.limits`: how many reports one address may send;
* :mod:`.reports`: submission and moderation;
* :mod:`.routing`: departments, routing, their status links, residents' news;
* :mod:`.walks`: safety walks.
"""

from __future__ import annotations

from ..geo import distance_metres
from .common import (
    OBSERVATION_CATEGORY,
    WHEN_HOUR,
    observation_text,
    personal_data_refusal,
    reasons_check,
    text_check,
)
from .limits import (
    RateLimited,
    challenge_required,
    rate_check,
    rate_counts,
    rate_record,
)
from .reports import (
    Submission,
    resident_report_action_taken,
    resident_report_approve,
    resident_report_reject,
    resident_report_submit,
)
from .routing import (
    DEPARTMENT_STATUSES,
    department_delete,
    department_save,
    departments_for,
    dispatch_for_token,
    report_route,
    report_status_changed,
    report_subscribe,
    resident_report_department_status,
    routing_rule_create,
    routing_rule_delete,
    status_token,
    token_expired,
)
from .walks import (
    ROUTE_MAX_POINTS,
    WALK_POINTS_MAX,
    walk_create,
    walk_export_record,
    walk_finish,
    walk_point_add,
    walk_route_extend,
    walk_to_observations,
)

__all__ = [
    "DEPARTMENT_STATUSES",
    "OBSERVATION_CATEGORY",
    "ROUTE_MAX_POINTS",
    "WALK_POINTS_MAX",
    "WHEN_HOUR",
    "RateLimited",
    "Submission",
    "challenge_required",
    "department_delete",
    "department_save",
    "departments_for",
    "dispatch_for_token",
    "distance_metres",
    "observation_text",
    "personal_data_refusal",
    "rate_check",
    "rate_counts",
    "rate_record",
    "reasons_check",
    "report_route",
    "report_status_changed",
    "report_subscribe",
    "resident_report_action_taken",
    "resident_report_approve",
    "resident_report_department_status",
    "resident_report_reject",
    "resident_report_submit",
    "routing_rule_create",
    "routing_rule_delete",
    "status_token",
    "text_check",
    "token_expired",
    "walk_create",
    "walk_export_record",
    "walk_finish",
    "walk_point_add",
    "walk_route_extend",
    "walk_to_observations",
]
