"""The shared web toolkit: capability checks, form errors, PDF answers, API errors."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied

from trygg.core.drf import exception_handler
from trygg.core.http import allow
from trygg.core.web import (
    add_form_errors,
    capability_required,
    pdf_response,
    render_pdf,
    require_capability,
)


class Person:
    is_authenticated = True

    def __init__(self, *capabilities: str):
        self.capabilities = set(capabilities)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


@allow("GET")
@capability_required("view_cases")
def case_page(request):
    return HttpResponse("the cases")


def get(user):
    request = RequestFactory().get("/cases/")
    request.user = user
    return request


def test_a_person_without_the_capability_finds_no_page():
    with pytest.raises(Http404):
        require_capability(Person("view_statistics"), "view_cases")
    require_capability(Person("view_cases"), "view_cases")


def test_the_decorated_view_runs_only_for_a_holder_of_the_capability():
    assert case_page(get(Person("view_cases"))).content == b"the cases"
    with pytest.raises(Http404):
        case_page(get(Person("view_statistics")))


def test_a_signed_out_visitor_is_sent_to_sign_in_not_told_the_page_is_missing():
    response = case_page(get(AnonymousUser()))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_method_list_survives_the_capability_decorator():
    assert case_page.allowed_methods == ("GET",)
    request = RequestFactory().post("/cases/")
    request.user = Person("view_cases")
    assert case_page(request).status_code == 405


class PlaceForm(forms.Form):
    area = forms.CharField(required=False)
    text = forms.CharField(required=False)


def bound_form() -> PlaceForm:
    form = PlaceForm(data={})
    assert form.is_valid()
    return form


def test_a_service_error_on_a_field_lands_on_that_field():
    form = bound_form()
    add_form_errors(form, ValidationError({"text": "Too long.", "owner": "Not yours."}))
    assert form.errors["text"] == ["Too long."]
    assert form.non_field_errors() == ["Not yours."]


def test_an_error_without_a_field_lands_on_the_form():
    form = bound_form()
    add_form_errors(form, ValidationError("The week is closed."))
    assert form.non_field_errors() == ["The week is closed."]


def test_a_mapped_field_shows_a_service_fields_error():
    form = bound_form()
    add_form_errors(form, ValidationError({"lat": "Outside."}), field_map={"lat": "area"})
    assert form.errors["area"] == ["Outside."]


def test_a_pdf_answer_is_a_real_pdf_shown_or_downloaded():
    pdf = render_pdf("<h1>Lägesbild</h1>")
    assert pdf.startswith(b"%PDF")
    shown = pdf_response(pdf, filename="a.pdf", inline=True)
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"] == 'inline; filename="a.pdf"'
    assert pdf_response(pdf, filename="b.pdf")["Content-Disposition"].startswith("attachment;")


def test_the_api_answers_a_services_field_errors_with_400_per_field():
    response = exception_handler(ValidationError({"text": ["Too long."]}), {})
    assert response.status_code == 400
    assert response.data == {"text": ["Too long."]}


def test_the_api_answers_a_services_general_error_with_400_and_its_messages():
    response = exception_handler(ValidationError("The week is closed."), {})
    assert response.status_code == 400
    assert response.data == ["The week is closed."]


def test_the_api_keeps_drfs_own_answers_for_everything_else():
    assert exception_handler(DrfPermissionDenied(), {}).status_code == 403
    assert exception_handler(ValueError("bug"), {}) is None


@allow("GET")
@capability_required("view_situation", "report_observations")
def situation_page(request):
    return HttpResponse("the week")


def test_a_page_for_several_capabilities_opens_for_a_holder_of_any_of_them():
    assert situation_page(get(Person("report_observations"))).content == b"the week"
    assert situation_page(get(Person("view_situation"))).content == b"the week"
    with pytest.raises(Http404):
        situation_page(get(Person("view_cases")))


def test_a_pdf_is_tagged_for_screen_readers_with_its_language():
    from io import BytesIO

    from pypdf import PdfReader

    pdf = render_pdf('<html lang="sv"><title>Lägesbild</title><h1>Lägesbild</h1><p>Text</p></html>')
    root = PdfReader(BytesIO(pdf)).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "sv"
