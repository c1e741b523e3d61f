"""Writes of the situational picture: reports, imports, the weekly picture. Every write is
atomic and audited; every rule that a form, the API and an import share lives here.

* :mod:`.checks`: the checks shared with the residents' app (capability, free text, place);
* :mod:`.observations`: filing and correcting a report, and logging an export;
* :mod:`.imports`: observations from a CSV file;
* :mod:`.pictures`: the weekly picture, its publication and digests;
* :mod:`.actions`: the meeting's decided actions and how each group meets.
"""

from __future__ import annotations

from .actions import (
    action_create,
    action_delete,
    action_update,
    action_update_status,
    group_meeting_save,
    group_member_role_set,
)
from .checks import text_check
from .imports import (
    IMPORT_COLUMNS,
    ObservationImportResult,
    observations_import_csv,
    observations_import_upload,
)
from .observations import (
    CLOCK_SLACK,
    EARLIEST_OBSERVATION,
    EDITABLE,
    Where,
    export_record,
    observation_create,
    observation_update,
)
from .pictures import (
    weekly_picture_publish,
    weekly_picture_save,
    weekly_picture_send_digest,
    weekly_picture_send_municipal_digest,
)

__all__ = [
    "CLOCK_SLACK",
    "EARLIEST_OBSERVATION",
    "EDITABLE",
    "IMPORT_COLUMNS",
    "ObservationImportResult",
    "Where",
    "action_create",
    "action_delete",
    "action_update",
    "action_update_status",
    "export_record",
    "group_meeting_save",
    "group_member_role_set",
    "observation_create",
    "observation_update",
    "observations_import_csv",
    "observations_import_upload",
    "text_check",
    "weekly_picture_publish",
    "weekly_picture_save",
    "weekly_picture_send_digest",
    "weekly_picture_send_municipal_digest",
]
