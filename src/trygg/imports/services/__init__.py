"""Writes of the guided import.

The steps: :func:`upload_create` stores the file and detects how to read it (encoding,
separator, columns, a first column mapping, or the one saved for the source);
:func:`upload_set_mapping` keeps the user's mapping (and saves it for the source);
:func:`upload_validate` and :func:`upload_import` run as background tasks
(:mod:`trygg.imports.tasks`): the file is rewritten once with the mapping applied
(streamed, so a million rows need little memory), checked by the same readers the
importers use, and imported atomically and idempotently by the apps' own services.

The modules: :mod:`.reading` (detection, preview, the normalised file), :mod:`.crimes`
(the police extract, read with its mapping and kept validated), :mod:`.uploads` (the
writes), :mod:`.cleanup`. The background jobs themselves are :mod:`trygg.jobs`.
"""

from .cleanup import CleanupReport, imports_cleanup
from .crimes import VALIDATED, VALIDATED_KEY, read_crimes_mapped
from .reading import (
    ALIASES,
    ENCODING_NAMES,
    FIELDS,
    FILE_TYPES,
    KIND_NAMES,
    PREVIEW_ROWS,
    guess_mapping,
    normalised_file,
    read_preview,
    scb_format,
    unreadable,
)
from .uploads import (
    MAX_STORED_PROBLEMS,
    UploadRejected,
    missing_fields,
    upload_create,
    upload_files_remove,
    upload_import,
    upload_job_lost,
    upload_set_mapping,
    upload_start,
    upload_validate,
)

__all__ = [
    "ALIASES",
    "ENCODING_NAMES",
    "FIELDS",
    "FILE_TYPES",
    "KIND_NAMES",
    "MAX_STORED_PROBLEMS",
    "PREVIEW_ROWS",
    "VALIDATED",
    "VALIDATED_KEY",
    "CleanupReport",
    "UploadRejected",
    "guess_mapping",
    "imports_cleanup",
    "missing_fields",
    "normalised_file",
    "read_crimes_mapped",
    "read_preview",
    "scb_format",
    "unreadable",
    "upload_create",
    "upload_files_remove",
    "upload_import",
    "upload_job_lost",
    "upload_set_mapping",
    "upload_start",
    "upload_validate",
]
