"""HTTP methods and path values that every view shares.

``allow`` restricts a function view to the methods it serves (anything else answers 405,
instead of rendering as GET) and records them for the tests that send every other method
to every route. The ``id`` path converter takes only ids a database column can hold, so an
absurd number in a path finds no route (404) instead of overflowing the database driver.
"""

from __future__ import annotations

from django.urls import register_converter
from django.views.decorators.http import require_http_methods

# The largest value of a 64-bit signed integer column (BigAutoField).
MAX_ID = 2**63 - 1


def allow(*methods: str):
    """``require_http_methods`` that also records the methods on the view."""

    def decorate(view):
        wrapped = require_http_methods(list(methods))(view)
        wrapped.allowed_methods = tuple(methods)
        return wrapped

    return decorate


class IdConverter:
    """A database id: 1 to ``MAX_ID``; anything else matches no route."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
