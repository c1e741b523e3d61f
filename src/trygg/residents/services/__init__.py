"""Writes: residents' reports (public), their moderation, and safety walks.

Every write is atomic and audited. The public submission is audited without an actor and
without the sender's address: the report itself is all the log needs.

* :mod:`.common`: the checks reports and walks share, and their way into the picture;
* :mod:`.limits`: how many reports one address may send;
* :mod:`.reports`: submission and moderation;
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
    "OBSERVATION_CATEGORY",
    "ROUTE_MAX_POINTS",
    "WALK_POINTS_MAX",
    "WHEN_HOUR",
    "RateLimited",
    "Submission",
    "challenge_required",
    "distance_metres",
    "observation_text",
    "personal_data_refusal",
    "rate_check",
    "rate_counts",
    "rate_record",
    "reasons_check",
    "resident_report_action_taken",
    "resident_report_approve",
    "resident_report_reject",
    "resident_report_submit",
    "text_check",
    "walk_create",
    "walk_export_record",
    "walk_finish",
    "walk_point_add",
    "walk_route_extend",
    "walk_to_observations",
]
