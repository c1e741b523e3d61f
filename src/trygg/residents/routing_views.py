"""The municipality administrator's pages for routing residents' reports: departments and
the rules (reason, optional area → department), kept as data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trygg.accounts.manage_views import administrator_page
from trygg.core.http import allow
from trygg.core.web import add_form_errors

from .forms import DepartmentForm, RoutingRuleForm
from .models import Department, RoutingRule
from .reasons import reason_label
from .selectors import (
    department_get_for_admin,
    routing_municipalities,
    routing_municipality_get,
    routing_rule_get_for_admin,
)
from .services import (
    department_delete,
    department_save,
    routing_rule_create,
    routing_rule_delete,
)


@administrator_page
@allow("GET", "POST")
def routing_index(request):
    """The administrator's municipalities; one goes straight to its page."""
    municipalities = list(routing_municipalities(request.user))
    if len(municipalities) == 1:
        return redirect("residents:routing", code=municipalities[0].code)
    return render(request, "residents/routing_index.html", {"municipalities": municipalities})


@administrator_page
@allow("GET", "POST")
def routing(request, code: str):
    municipality = routing_municipality_get(request.user, code=code)
    which = request.POST.get("form") if request.method == "POST" else None
    department_form = DepartmentForm(request.POST if which == "department" else None)
    rule_form = RoutingRuleForm(
        request.POST if which == "rule" else None, municipality=municipality
    )
    if which == "department" and department_form.is_valid():
        data = department_form.cleaned_data
        try:
            department_save(
                actor=request.user,
                municipality=municipality,
                name=data["name"],
                email=data["email"],
                active=data["active"],
            )
        except ValidationError as exc:
            add_form_errors(department_form, exc)
        else:
            messages.success(request, _("The department is added."))
            return redirect("residents:routing", code=code)
    if which == "rule" and rule_form.is_valid():
        data = rule_form.cleaned_data
        try:
            routing_rule_create(
                actor=request.user,
                municipality=municipality,
                reason=data["reason"],
                area=data["area"],
                department=data["department"],
            )
        except ValidationError as exc:
            add_form_errors(rule_form, exc)
        else:
            messages.success(request, _("The rule is added."))
            return redirect("residents:routing", code=code)
    rules = RoutingRule.objects.filter(municipality=municipality).select_related(
        "area", "department"
    )
    return render(
        request,
        "residents/routing.html",
        {
            "municipality": municipality,
            "departments": Department.objects.filter(municipality=municipality),
            "rules": [(rule, reason_label(rule.reason)) for rule in rules],
            "department_form": department_form,
            "rule_form": rule_form,
        },
        status=400 if (department_form.errors or rule_form.errors) else 200,
    )


@administrator_page
@allow("GET", "POST")
def department_edit(request, department_id: int):
    department = department_get_for_admin(request.user, department_id=department_id)
    code = department.municipality.code
    if request.method == "POST" and request.POST.get("delete"):
        department_delete(actor=request.user, department=department)
        messages.success(request, _("The department and its rules are removed."))
        return redirect("residents:routing", code=code)
    form = DepartmentForm(
        request.POST or None,
        initial={"name": department.name, "email": department.email, "active": department.active},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department_save(
                actor=request.user,
                municipality=department.municipality,
                department=department,
                name=data["name"],
                email=data["email"],
                active=data["active"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The department is saved."))
            return redirect("residents:routing", code=code)
    return render(
        request,
        "residents/department_edit.html",
        {"department": department, "form": form},
        status=400 if form.errors else 200,
    )


@administrator_page
@allow("GET", "POST")
def rule_delete(request, rule_id: int):
    rule = routing_rule_get_for_admin(request.user, rule_id=rule_id)
    code = rule.municipality.code
    if request.method == "POST":
        routing_rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("The rule is removed."))
    return redirect("residents:routing", code=code)
