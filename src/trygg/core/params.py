"""Query-string parameters, parsed by a form (pages) or a serializer (API).

A value that cannot be what the parameter means (``?year=²``, a date that does not exist, a
number no column can hold) is refused with 400 and a message that names the parameter, in
the reader's language: a page answers with an HTML page (:func:`bad_request`), the API with
DRF's JSON. Well-formed values that match nothing (an area id the user cannot see) keep the
view's own answer: ignored, or 404.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from rest_framework import pagination, serializers

from .http import MAX_ID

# Years and dates the platform can hold and compute with: the statistics start long after
# 1900, and 2100 leaves room for plans without reaching the calendar's edges (0001, 9999)
# where adding a day or a time zone overflows.
MIN_YEAR, MAX_YEAR = 1900, 2100
MIN_DATE, MAX_DATE = datetime.date(MIN_YEAR, 1, 1), datetime.date(MAX_YEAR, 12, 31)
DATE_RANGE_MESSAGE = gettext_lazy("Enter a date between %(min)s and %(max)s.")


class BadQuery(BadRequest):
    """A query parameter the view cannot use; ``problems`` are (parameter, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdListField(forms.Field):
    """Repeated ``?name=1&name=2``: database ids."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        one = IdField()
        return [one.clean(v) for v in value or [] if v not in (None, "")]


class TextListField(forms.Field):
    """Repeated ``?name=a&name=b``: short texts such as codes or keys."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        one = forms.CharField(required=False, max_length=100)
        return [one.clean(v) for v in value or [] if v not in (None, "")]


class DateField(forms.DateField):
    """An ISO date within ``MIN_DATE``..``MAX_DATE``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise forms.ValidationError(
                DATE_RANGE_MESSAGE,
                code="date_range",
                params={"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
            )


class QueryForm(forms.Form):
    """A form over ``request.GET``; every field optional unless it says otherwise."""

    def problems(self) -> list[tuple[str, str]]:
        return [(name, " ".join(errors)) for name, errors in self.errors.items()]


def query_params(request, form_class: type[QueryForm], **kwargs) -> dict:
    """The cleaned query parameters of ``request``, or :class:`BadQuery` (400)."""
    form = form_class(request.GET, **kwargs)
    if not form.is_valid():
        raise BadQuery(form.problems())
    return form.cleaned_data


def bad_request(request, exception=None, template_name="core/400.html"):
    """The site's 400 page: the problems of a :class:`BadQuery`, never the text of other
    exceptions (a ``SuspiciousOperation`` must not tell an attacker what tripped it)."""
    problems = exception.problems if isinstance(exception, BadQuery) else []
    return render(request, template_name, {"problems": problems}, status=400)


# --- API -------------------------------------------------------------------------------


class YearSerializerField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


class IdSerializerField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class DateSerializerField(serializers.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not MIN_DATE <= day <= MAX_DATE:
            raise serializers.ValidationError(
                DATE_RANGE_MESSAGE % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
            )
        return day


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's limit/offset pages with bounds: a page holds at most ``max_limit`` rows, and an
    offset past any table (``?offset=99999999999999999999``) is an empty page, not an
    integer the database cannot bind."""

    max_limit = 1000
    max_offset = 10**12

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)


def api_query_params(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The validated query parameters of an API request; DRF answers 400 with JSON."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


__all__ = [
    "BadQuery",
    "DateField",
    "DateSerializerField",
    "IdField",
    "IdListField",
    "IdSerializerField",
    "LimitOffsetPagination",
    "QueryForm",
    "TextListField",
    "YearField",
    "YearSerializerField",
    "api_query_params",
    "bad_request",
    "query_params",
]
