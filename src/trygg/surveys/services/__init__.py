"""Writes for surveys, one module per part (split from one long module; the names are
re-exported here, where callers have always imported them)."""

from .answers import (
    ATTEMPT_WINDOW,
    MARK_BATCH_MIN,
    WRONG_CODES_PER_CLIENT_PER_HOUR,
    WRONG_CODES_PER_SESSION,
    CodeCheck,
    CodeUsedError,
    survey_answer_submit,
    survey_answers_mark,
    survey_code_check,
    survey_code_pending,
    survey_draft_answers,
    survey_draft_save,
    survey_round_accepts,
    used_hash,
)
from .letters import (
    letters_file_path,
    survey_letters_printed,
    survey_letters_start,
)
from .responses import (
    CODE_COLUMNS,
    SurveyImportResult,
    standard_questionnaire_yaml,
    survey_import_questionnaire_yaml,
    survey_responses_import,
    survey_round_create,
    survey_samples_set,
)
from .rounds import (
    SAMPLE_COLUMNS,
    SurveyStateError,
    survey_round_close,
    survey_round_open,
    survey_round_settings_update,
    survey_sample_import,
)

__all__ = [
    "ATTEMPT_WINDOW",
    "CODE_COLUMNS",
    "MARK_BATCH_MIN",
    "SAMPLE_COLUMNS",
    "WRONG_CODES_PER_CLIENT_PER_HOUR",
    "WRONG_CODES_PER_SESSION",
    "CodeCheck",
    "CodeUsedError",
    "SurveyImportResult",
    "SurveyStateError",
    "letters_file_path",
    "standard_questionnaire_yaml",
    "survey_answer_submit",
    "survey_answers_mark",
    "survey_code_check",
    "survey_code_pending",
    "survey_draft_answers",
    "survey_draft_save",
    "survey_import_questionnaire_yaml",
    "survey_letters_printed",
    "survey_letters_start",
    "survey_responses_import",
    "survey_round_accepts",
    "survey_round_close",
    "survey_round_create",
    "survey_round_open",
    "survey_round_settings_update",
    "survey_sample_import",
    "survey_samples_set",
    "used_hash",
]
