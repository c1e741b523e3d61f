"""The municipal administrator's pages (/manage/): users, organisations and areas of the
administrator's municipalities, and safety-group management under /groups/.

A page the role cannot use, and an object of another municipality, answer 404 alike. Every
change goes through a service that checks the scope again and writes the audit log.
"""

from __future__ import annotations

from functools import wraps

from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from trygg.core.http import allow

from . import services
from .forms import (
    AreaForm,
    MemberAddForm,
    OidcMappingForm,
    OrganisationCreateForm,
    OrganisationEditForm,
    SafetyGroupForm,
    UserCreateForm,
    UserFilterForm,
    UserUpdateForm,
)
from .models import OidcClaimMapping, User
from .oidc import CLAIM_REFUSED_ROLES
from .roles import Capability, Role
from .scoping import area_get_for_user, areas_for_user, municipalities_for_user
from .selectors import (
    administers,
    group_member_candidates,
    organisation_get_for_administrator,
    organisations_for_administrator,
    organisations_working_in,
    safety_group_get_for_user,
    safety_group_members,
    user_authenticators,
    user_get_for_administrator,
    users_for_administrator,
)


def administrator_page(view):
    """Signed in, an administrator, GET or POST only, never cached (the pages show
    one-time passwords and personal details)."""

    @login_required
    @allow("GET", "POST")
    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not administers(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def group_manager_page(view):
    @login_required
    @allow("GET", "POST")
    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.can(Capability.MANAGE_GROUPS):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _refusal(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _one_time_password(request, *, user: User, password: str, created: bool):
    return render(
        request,
        "accounts/manage/password_once.html",
        {"managed": user, "password": password, "created": created},
    )


@administrator_page
def index(request):
    organisations = organisations_for_administrator(request.user)
    return render(
        request,
        "accounts/manage/index.html",
        {
            "users": users_for_administrator(request.user).count(),
            "organisations": organisations.count(),
            "municipality_names": ", ".join(
                municipalities_for_user(request.user).values_list("name", flat=True)
            ),
        },
    )


@administrator_page
def user_list(request):
    organisations = organisations_for_administrator(request.user)
    form = UserFilterForm(request.GET or None, organisations=organisations)
    users = users_for_administrator(request.user, **form.filters())
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/manage/user_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@administrator_page
def user_create(request):
    form = UserCreateForm(
        request.POST or None, organisations=organisations_for_administrator(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.managed_user_create(actor=request.user, **data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            return _one_time_password(request, user=user, password=password, created=True)
    return render(request, "accounts/manage/user_form.html", {"form": form})


@administrator_page
def user_detail(request, user_id: int):
    managed = user_get_for_administrator(request.user, user_id=user_id)
    initial = {
        "first_name": managed.first_name,
        "last_name": managed.last_name,
        "email": managed.email,
        "organisation": managed.organisation,
        "role": managed.role,
        "is_active": managed.is_active,
    }
    form = UserUpdateForm(
        request.POST or None,
        initial=initial,
        organisations=organisations_for_administrator(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=managed, **form.cleaned_data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved the changes to %(name)s.") % {"name": managed})
            return redirect("manage:user", user_id=managed.pk)
    return render(
        request,
        "accounts/manage/user_detail.html",
        {
            "managed": managed,
            "form": form,
            "authenticators": user_authenticators(user=managed),
            "is_self": managed.pk == request.user.pk,
        },
    )


@administrator_page
def user_password(request, user_id: int):
    managed = user_get_for_administrator(request.user, user_id=user_id)
    error = None
    if request.method == "POST":
        try:
            password = services.user_password_reset(actor=request.user, user=managed)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            return _one_time_password(request, user=managed, password=password, created=False)
    return render(
        request, "accounts/manage/user_password.html", {"managed": managed, "error": error}
    )


@administrator_page
def user_authenticators_view(request, user_id: int):
    managed = user_get_for_administrator(request.user, user_id=user_id)
    error = None
    if request.method == "POST":
        try:
            services.user_authenticators_remove(actor=request.user, user=managed)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                _("Removed the two-factor login of %(name)s: they set it up again at next sign-in.")
                % {"name": managed},
            )
            return redirect("manage:user", user_id=managed.pk)
    return render(
        request,
        "accounts/manage/user_authenticators.html",
        {"managed": managed, "authenticators": user_authenticators(user=managed), "error": error},
    )


@administrator_page
def organisation_list(request):
    organisations = organisations_for_administrator(request.user).annotate(
        user_count=Count("users", distinct=True)
    )
    return render(
        request, "accounts/manage/organisation_list.html", {"organisations": organisations}
    )


@administrator_page
def organisation_create(request):
    form = OrganisationCreateForm(
        request.POST or None, municipalities=municipalities_for_user(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Created %(name)s.") % {"name": organisation})
            return redirect("manage:organisations")
    return render(request, "accounts/manage/organisation_form.html", {"form": form})


@administrator_page
def organisation_detail(request, organisation_id: int):
    organisation = organisation_get_for_administrator(request.user, organisation_id=organisation_id)
    form = OrganisationEditForm(
        request.POST or None,
        initial={
            "name": organisation.name,
            "kind": organisation.kind,
            "local_passwords_enabled": organisation.local_passwords_enabled,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved the changes to %(name)s.") % {"name": organisation})
            return redirect("manage:organisations")
    return render(
        request,
        "accounts/manage/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "users": users_for_administrator(request.user, organisation=organisation),
            "mappings": organisation.oidc_mappings.all(),
        },
    )


@administrator_page
def organisation_sign_on(request, organisation_id: int):
    """The single sign-on mapping table of one organisation: which claim values of which
    identity provider give new accounts this organisation, and with which role."""
    organisation = organisation_get_for_administrator(request.user, organisation_id=organisation_id)
    providers = list(
        SocialApp.objects.filter(provider="openid_connect").values_list("provider_id", "name")
    )
    form = OidcMappingForm(
        request.POST if request.POST.get("action") == "add" else None,
        providers=providers,
        roles=Role.choices,
    )
    if request.method == "POST" and request.POST.get("action") == "delete":
        mapping = organisation.oidc_mappings.filter(pk=request.POST.get("mapping")).first()
        if mapping is None:
            raise Http404
        services.oidc_mapping_delete(actor=request.user, mapping=mapping)
        messages.success(request, _("Removed the mapping."))
        return redirect("manage:organisation-sign-on", organisation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.oidc_mapping_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Added the mapping."))
            return redirect("manage:organisation-sign-on", organisation.pk)
    return render(
        request,
        "accounts/manage/organisation_sign_on.html",
        {
            "organisation": organisation,
            "form": form,
            "providers": providers,
            "mappings": OidcClaimMapping.objects.filter(organisation=organisation),
            "refused_roles": CLAIM_REFUSED_ROLES,
        },
    )


@administrator_page
def area_list(request):
    areas = areas_for_user(request.user).order_by("municipality__name", "level", "name")
    return render(request, "accounts/manage/area_list.html", {"areas": areas})


@administrator_page
def area_edit(request, area_id: int):
    area = area_get_for_user(request.user, area_id=area_id)
    form = AreaForm(
        request.POST or None, initial={"name": area.name, "population": area.population}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.area_update(actor=request.user, area=area, **form.cleaned_data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved the changes to %(name)s.") % {"name": area.name})
            return redirect("manage:areas")
    return render(request, "accounts/manage/area_form.html", {"form": form, "area": area})


# --- safety groups (under /groups/, for every role that manages groups) ----------------


def _group_form(request, *, group=None):
    municipalities = municipalities_for_user(request.user)
    scope = [group.municipality] if group else municipalities
    initial = {}
    if group is not None:
        initial = {
            "name": group.name,
            "lead_organisation": group.lead_organisation,
            "areas": list(group.areas.all()),
        }
    return SafetyGroupForm(
        request.POST or None,
        initial=initial,
        municipalities=municipalities,
        organisations=organisations_working_in(municipalities=scope).order_by("name"),
        areas=areas_for_user(request.user)
        .filter(municipality__in=scope)
        .order_by("municipality__name", "name"),
        fixed_municipality=group.municipality if group else None,
    )


@group_manager_page
def group_create(request):
    form = _group_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.safety_group_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Created %(name)s.") % {"name": group})
            return redirect("groups:detail", group_id=group.pk)
    return render(request, "accounts/group_form.html", {"form": form})


@group_manager_page
def group_edit(request, group_id: int):
    group = safety_group_get_for_user(request.user, group_id=group_id)
    form = _group_form(request, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as error:
            _refusal(form, error)
        else:
            messages.success(request, _("Saved the changes to %(name)s.") % {"name": group})
            return redirect("groups:detail", group_id=group.pk)
    return render(request, "accounts/group_form.html", {"form": form, "group": group})


@group_manager_page
def group_members(request, group_id: int):
    group = safety_group_get_for_user(request.user, group_id=group_id)
    form = MemberAddForm(
        request.POST if request.POST.get("action") == "add" else None,
        candidates=group_member_candidates(group=group),
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                member = _member(group, request.POST.get("user"))
                services.safety_group_member_remove(actor=request.user, group=group, user=member)
                messages.success(request, _("Removed %(name)s from the group.") % {"name": member})
                return redirect("groups:members", group_id=group.pk)
            if form.is_valid():
                services.safety_group_member_add(
                    actor=request.user, group=group, **form.cleaned_data
                )
                messages.success(
                    request,
                    _("Added %(name)s to the group.") % {"name": form.cleaned_data["user"]},
                )
                return redirect("groups:members", group_id=group.pk)
        except ValidationError as error:
            _refusal(form, error)
    return render(
        request,
        "accounts/group_members.html",
        {"group": group, "memberships": safety_group_members(group=group), "form": form},
    )


def _member(group, user_id) -> User:
    """A member of the group by id; anything else is 404, whoever it names."""
    try:
        return group.members.get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
