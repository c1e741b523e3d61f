"""The API's one exception handler.

Services raise Django's ``ValidationError``; the API answers it as DRF does its own: 400
with the messages per field (or a list when the error names no field). Views therefore
call services without translating their errors one by one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def validation_error(exc: DjangoValidationError) -> ValidationError:
    """DRF's 400 error carrying the messages of a service's ``ValidationError``."""
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    return drf_exception_handler(exc, context)
