"""What every page of individual cases shares: the allowed methods, the client's address,
the one shape of a form view."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from trygg.core.client import client_ip
from trygg.core.web import add_form_errors

from ..selectors import coordinator_municipality

CONSENT_PDF_CSS = Path(__file__).resolve().parent.parent / "static" / "cases" / "consent_pdf.css"


def allow(*methods: str):
    """``require_http_methods`` that also records the methods for the authorisation
    matrix's meta-test (tests/cases/test_matrix.py)."""

    def decorate(view):
        wrapped = require_http_methods(list(methods))(view)
        wrapped.allowed_methods = tuple(methods)
        return wraps(view)(wrapped)

    return decorate


def ip(request) -> str | None:
    # The client's own address behind a trusted proxy, not the proxy's (core/client.py).
    return client_ip(request) or None


def submit(request, form, apply, then) -> HttpResponse | None:
    """The one shape of every form view: on POST, validate ``form``, hand its data to
    ``apply`` (a service call) and answer with ``then(result)``; None, with the service's
    objections on the form, when there is nothing to do or either says no."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = apply(form.cleaned_data)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return None
    return then(result)


def form_page(request, template: str, context: dict) -> HttpResponse:
    """A page with ``context["form"]``: 400 when the form has errors."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


def coordinator_municipality_or_404(user):
    """The municipality an SSPF coordinator works in; 404 for anybody else."""
    municipality = coordinator_municipality(user)
    if municipality is None:
        raise Http404
    return municipality


def to_person(person):
    return redirect("cases:person", person_id=person.public_id)


def to_case(case):
    return redirect("cases:case", case_id=case.public_id)
