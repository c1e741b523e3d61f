"""The web toolkit every view shares.

One way to do each of the things a view does besides its own work: refuse a person who
lacks a capability (404: a page the role cannot use does not exist for that role, so its
existence leaks nothing), put a service's objections on a form, and answer with a PDF.
CSV and XLSX answers are in :mod:`trygg.core.exports`; methods and path ids in
:mod:`trygg.core.http`; the API's error answers in :mod:`trygg.core.drf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse

PDF_TYPE = "application/pdf"


def require_capability(user, *capabilities: str) -> None:
    """404 unless ``user`` holds one of ``capabilities``."""
    if not any(user.can(capability) for capability in capabilities):
        raise Http404


def capability_required(*capabilities: str):
    """A view for signed-in people who hold one of ``capabilities``; anyone else signed in
    gets 404.

    Signed-out visitors go to the login page first (``login_required``), as on every page.
    """

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            require_capability(request.user, *capabilities)
            return view(request, *args, **kwargs)

        wrapped = login_required(guarded)
        # `allow` above this decorator reads the methods from the outermost function.
        if hasattr(view, "allowed_methods"):
            wrapped.allowed_methods = view.allowed_methods
        return wrapped

    return decorate


def add_form_errors(
    form, exc: ValidationError, *, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's ``ValidationError`` on ``form``.

    A field the form does not have goes to the form as a whole; ``field_map`` names the form
    field that shows a service field's errors (a map click's ``lat`` on the ``area`` field).
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.error_dict.items():
        target = (field_map or {}).get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def render_pdf(html: str, *, stylesheet: Path | None = None, base_url: str | None = None) -> bytes:
    """``html`` printed by WeasyPrint, with ``stylesheet`` (a file) on top of the page's own."""
    # WeasyPrint loads Pango and friends: imported when a PDF is asked for, not at start-up.
    from weasyprint import CSS, HTML

    stylesheets = [CSS(filename=str(stylesheet))] if stylesheet else None
    # Tagged PDF/UA-1: headings, tables and reading order reach screen readers (DOS-lagen).
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=stylesheets, pdf_tags=True, pdf_variant="pdf/ua-1"
    )


def pdf_response(pdf: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    """A PDF answer: shown in the browser (``inline``) or downloaded as ``filename``."""
    response = HttpResponse(pdf, content_type=PDF_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
