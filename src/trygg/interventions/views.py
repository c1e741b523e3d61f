from __future__ import annotations

import contextlib
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.core.exports import csv_response
from trygg.core.http import allow
from trygg.core.params import (
    DateField,
    IdField,
    IdListField,
    QueryForm,
    TextListField,
)
from trygg.core.web import add_form_errors, capability_required, pdf_response, render_pdf
from trygg.situation.categories import category_label
from trygg.situation.selectors import action_get_for_user

from .evaluation import CSV_HEADER, evaluation_csv_rows, operation_evaluation
from .forms import ActionForm, ActionStatusForm, OperationForm, PictureLinkForm, PromiseForm
from .models import OperationAction, OperationStatus
from .selectors import (
    operation_get_for_user,
    operations_for_user,
    pictures_for_linking,
    promise_get_for_user,
    promise_municipalities_public,
    promises_for_user,
    promises_public_of,
)
from .services import (
    operation_action_add,
    operation_action_set_status,
    operation_create,
    operation_update,
    promise_save,
)

OPERATION_PDF_CSS = Path(__file__).parent / "static" / "interventions" / "operation_pdf.css"


def _picture_url(picture) -> str:
    week = f"{picture.iso_year}-W{picture.iso_week:02d}"
    if picture.group_id:
        return reverse("situation:week-group", args=[picture.group_id, week])
    return reverse("situation:week-municipality", args=[picture.municipality.code, week])


@allow("GET")
@capability_required(Capability.VIEW_SITUATION, Capability.MANAGE_OPERATIONS)
def operation_list(request):
    operations = operations_for_user(request.user).prefetch_related("actions")
    return render(
        request,
        "interventions/operation_list.html",
        {
            "operations": operations,
            "can_manage": request.user.can(Capability.MANAGE_OPERATIONS),
        },
    )


@allow("GET", "POST")
@login_required
def operation_detail(request, operation_id: int):
    operation = operation_get_for_user(request.user, operation_id=operation_id)
    can_manage = request.user.can(Capability.MANAGE_OPERATIONS)
    action_form = ActionForm(
        request.POST if request.POST.get("form") == "action" else None, user=request.user
    )
    picture_form = PictureLinkForm(
        request.POST if request.POST.get("form") == "pictures" else None,
        pictures=pictures_for_linking(request.user, operation),
        initial={"weekly_pictures": list(operation.weekly_pictures.all())},
    )
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if request.POST.get("form") == "action" and action_form.is_valid():
            try:
                operation_action_add(
                    actor=request.user, operation=operation, **action_form.cleaned_data
                )
            except ValidationError as exc:
                add_form_errors(action_form, exc)
            else:
                messages.success(request, _("The action is added."))
                return redirect("interventions:detail", operation.pk)
        elif request.POST.get("form") == "pictures" and picture_form.is_valid():
            try:
                operation_update(
                    actor=request.user,
                    operation=operation,
                    weekly_pictures=list(picture_form.cleaned_data["weekly_pictures"]),
                )
            except ValidationError as exc:
                add_form_errors(picture_form, exc)
            else:
                messages.success(request, _("The linked weekly pictures are saved."))
                return redirect("interventions:detail", operation.pk)
        elif request.POST.get("form") == "status":
            status_form = ActionStatusForm(request.POST)
            if status_form.is_valid():
                try:
                    action = operation.actions.get(pk=status_form.cleaned_data["action_id"])
                except OperationAction.DoesNotExist:
                    raise Http404 from None
                operation_action_set_status(
                    actor=request.user, action=action, status=status_form.cleaned_data["status"]
                )
                return redirect("interventions:detail", operation.pk)
    return render(
        request,
        "interventions/operation_detail.html",
        {
            "operation": operation,
            "problem": [category_label(c) for c in operation.categories],
            "actions": operation.actions.select_related("owner_organisation"),
            "action_form": action_form if can_manage else None,
            "picture_form": picture_form if can_manage else None,
            "status_choices": OperationAction._meta.get_field("status").choices,
            "evaluation": operation_evaluation(operation),
            "pictures": [
                (p, _picture_url(p))
                for p in operation.weekly_pictures.select_related("group", "municipality")
            ],
            "can_manage": can_manage,
        },
    )


@allow("GET")
@login_required
def operation_evaluation_csv(request, operation_id: int):
    """The evaluation's weekly series (both outcomes), as the chart draws them."""
    operation = operation_get_for_user(request.user, operation_id=operation_id)
    return csv_response(
        filename=f"insats-{operation.pk}-utvardering.csv",
        header=CSV_HEADER,
        rows=evaluation_csv_rows(operation_evaluation(operation)),
    )


@allow("GET")
@login_required
def operation_evaluation_pdf(request, operation_id: int):
    """The operation with its evaluation, for print."""
    operation = operation_get_for_user(request.user, operation_id=operation_id)
    html = render_to_string(
        "interventions/operation_pdf.html",
        {
            "operation": operation,
            "problem": [category_label(c) for c in operation.categories],
            "evaluation": operation_evaluation(operation),
            "printed": timezone.now(),
        },
        request=request,
    )
    return pdf_response(
        render_pdf(html, stylesheet=OPERATION_PDF_CSS), filename=f"insats-{operation.pk}.pdf"
    )


class PrefillQuery(QueryForm):
    municipality = IdField()
    areas = IdListField()
    categories = TextListField()
    starts_on = DateField()
    ends_on = DateField()


def _readable(form: PrefillQuery) -> dict:
    """The values of a pre-fill link one by one: each list item and each field that reads."""
    found: dict = {"municipality": None, "areas": [], "categories": [], "starts_on": None}
    found["ends_on"] = None
    one_id = IdField()
    for key in ("municipality", "starts_on", "ends_on"):
        if key in form.cleaned_data:
            found[key] = form.cleaned_data[key]
    for value in form.data.getlist("areas"):
        with contextlib.suppress(ValidationError):
            found["areas"].append(one_id.clean(value))
    found["categories"] = [c for c in form.data.getlist("categories") if len(c) <= 100]
    return found


def _initial_from_query(request) -> dict:
    """A pre-filled form from a link (the quarterly view's "plan an operation here"): only
    values the form offers this user are kept, the rest is ignored; a value that cannot be
    read at all is left out with a notice (the form is still there to fill in)."""
    form = PrefillQuery(request.GET)
    query = form.cleaned_data if form.is_valid() else _readable(form)
    if not form.is_valid():
        messages.warning(request, _("Some values of the link could not be read and were left out."))
    initial: dict = {"status": OperationStatus.PLANNED}
    form = OperationForm(user=request.user)
    if query["municipality"]:
        municipality = form.fields["municipality"].queryset.filter(pk=query["municipality"])
        if municipality.exists():
            initial["municipality"] = query["municipality"]
    if area_ids := query["areas"]:
        initial["areas"] = list(form.fields["areas"].queryset.filter(pk__in=area_ids))
    known = {key for key, _label in form.fields["categories"].choices}
    if categories := [c for c in query["categories"] if c in known]:
        initial["categories"] = categories
    for key in ("starts_on", "ends_on"):
        if query[key] is not None:
            initial[key] = query[key]
    return initial


def _decided_action(request):
    """The safety group's decided action named by ``?action=``, if the user may see it."""
    if "action" not in request.GET:
        return None
    return action_get_for_user(request.user, action_id=request.GET.get("action"))


def _initial_from_action(action) -> dict:
    """An operation pre-filled from a decided action: its text, the group's areas, from
    today until the action's date, led by the organisation that answers for it."""
    today = timezone.localdate()
    initial: dict = {
        "status": OperationStatus.PLANNED,
        "municipality": action.municipality_id,
        "title": action.what[:200],
        "description": _("Decided by %(group)s in week %(week)d, %(year)d.")
        % {
            "group": action.group.name if action.group_id else action.municipality.name,
            "week": action.picture.iso_week,
            "year": action.picture.iso_year,
        },
        "starts_on": today,
        "ends_on": max(action.due_on, today),
    }
    if action.group_id:
        initial["areas"] = list(action.group.areas.all())
    if action.responsible_organisation_id:
        initial["lead_organisation"] = action.responsible_organisation_id
    return initial


@allow("GET", "POST")
@capability_required(Capability.MANAGE_OPERATIONS)
def operation_create_view(request):
    decided = _decided_action(request)
    initial = _initial_from_action(decided) if decided else _initial_from_query(request)
    form = OperationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            operation = operation_create(
                actor=request.user, decided_action=decided, **form.cleaned_data
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The operation is created."))
            return redirect("interventions:detail", operation.pk)
    return render(
        request,
        "interventions/operation_form.html",
        {"form": form, "operation": None, "decided_action": decided},
    )


@allow("GET", "POST")
@capability_required(Capability.MANAGE_OPERATIONS)
def operation_edit(request, operation_id: int):
    operation = operation_get_for_user(request.user, operation_id=operation_id)
    initial = {
        "municipality": operation.municipality_id,
        "title": operation.title,
        "description": operation.description,
        "categories": operation.categories,
        "areas": list(operation.areas.all()),
        "starts_on": operation.starts_on,
        "ends_on": operation.ends_on,
        "lead_organisation": operation.lead_organisation_id,
        "organisations": list(operation.organisations.all()),
        "status": operation.status,
        "before_weeks": operation.before_weeks,
        "after_weeks": operation.after_weeks,
    }
    form = OperationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.pop("municipality") != operation.municipality:
            form.add_error("municipality", _("An operation stays in its municipality."))
        else:
            try:
                operation_update(actor=request.user, operation=operation, **data)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The operation is updated."))
                return redirect("interventions:detail", operation.pk)
    return render(
        request, "interventions/operation_form.html", {"form": form, "operation": operation}
    )


@allow("GET")
def promise_list_public(request):
    """Open to everyone, signed in or not: the promises are public commitments. The overview
    lists the municipalities with current promises; each has its own page."""
    return render(
        request,
        "interventions/promise_list.html",
        {"municipalities": promise_municipalities_public()},
    )


@allow("GET")
def promise_list_municipality(request, code: str):
    """One municipality's current citizen promises, open to everyone."""
    municipality, promises = promises_public_of(code=code)
    return render(
        request,
        "interventions/promise_municipality.html",
        {"municipality": municipality, "promises": promises},
    )


@allow("GET")
@capability_required(Capability.MANAGE_OPERATIONS)
def promise_manage(request):
    return render(
        request,
        "interventions/promise_manage.html",
        {"promises": promises_for_user(request.user).prefetch_related("operations")},
    )


@allow("GET", "POST")
@capability_required(Capability.MANAGE_OPERATIONS)
def promise_edit(request, promise_id: int | None = None):
    promise = promise_get_for_user(request.user, promise_id=promise_id) if promise_id else None
    initial = {}
    if promise is not None:
        initial = {
            "municipality": promise.municipality_id,
            "title": promise.title,
            "text": promise.text,
            "starts_on": promise.starts_on,
            "ends_on": promise.ends_on,
            "operations": list(promise.operations.all()),
            "is_public": promise.is_public,
        }
    form = PromiseForm(
        request.POST or None,
        user=request.user,
        operations=operations_for_user(request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            promise_save(actor=request.user, promise=promise, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The citizen promise is saved."))
            return redirect("interventions:promise-manage")
    return render(request, "interventions/promise_form.html", {"form": form, "promise": promise})
