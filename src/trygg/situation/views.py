"""Pages of the situational picture: thin, every rule is in the selectors and services."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError
from trygg.analysis.situation import QUARTER_PRIOR_OBSERVATIONS, IsoWeek, week_of
from trygg.areas.selectors import area_feature_collection
from trygg.core.http import allow
from trygg.core.params import MAX_YEAR, MIN_YEAR, BadQuery, query_params
from trygg.core.web import add_form_errors, capability_required

from . import exports
from .categories import category_label, category_table
from .display import plan_url, quarter_url, week_context, week_url
from .forms import (
    ActionForm,
    ActionStatusForm,
    GroupMeetingForm,
    MemberRoleForm,
    ObservationFilterForm,
    ObservationForm,
    ObservationImportForm,
    PictureForm,
    QuarterQuery,
)
from .periods import Quarter, planning_period
from .selectors import (
    PictureScope,
    current_week,
    is_police,
    observation_get_for_user,
    observations_filtered,
    observations_for_user,
    own_group_area_ids,
    picture_areas_geojson,
    picture_figures_keyed,
    picture_for_viewer,
    picture_get,
    picture_scope_for_user,
    picture_scopes_for_user,
    pictures_published,
    quarter_view,
)
from .selectors.actions import (
    action_get_for_user,
    actions_overdue,
    actions_pending,
    group_meeting_of,
    group_members_with_roles,
    overdue_actions_for,
    picture_actions,
    pictures_of_group,
)
from .services import (
    action_create,
    action_delete,
    action_update,
    action_update_status,
    export_record,
    group_meeting_save,
    group_member_role_set,
    observation_create,
    observation_update,
    observations_import_upload,
    weekly_picture_publish,
    weekly_picture_save,
    weekly_picture_send_digest,
    weekly_picture_send_municipal_digest,
)

LIST_PAGE_SIZE = 50
CSV_LIMIT = 100_000


@allow("GET")
@capability_required(Capability.VIEW_SITUATION, Capability.REPORT_OBSERVATIONS)
def index(request):
    week = current_week()
    scopes = [
        {
            "scope": scope,
            "url": week_url(scope, week),
            "quarter_url": quarter_url(scope),
            "published": pictures_published(scope).order_by("-iso_year", "-iso_week")[:4],
        }
        for scope in picture_scopes_for_user(request.user)
    ]
    return render(request, "situation/index.html", {"scopes": scopes, "week": week})


def _wants_json(request) -> bool:
    return request.headers.get("X-Trygg-Async") == "1"


@allow("GET", "POST")
@capability_required(Capability.REPORT_OBSERVATIONS)
def report(request):
    """The phone form: one request saves the report; a retry with the same key is harmless."""
    form = ObservationForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                observation, created = observation_create(
                    actor=request.user,
                    category=data["category"],
                    severity=data["severity"],
                    observed_at=data["observed_at"],
                    text=data["text"],
                    lat=data["lat"],
                    lon=data["lon"],
                    place=data["place"],
                    area=data["area"],
                    group=data["group"],
                    municipality=data["municipality"],
                    people_count=data["people_count"],
                    restricted=data["restricted"],
                    source_id=data["client_key"] or "",
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                week = week_of(observation.observed_at)
                message = _("Thank you: your report is saved (%(category)s, week %(week)s).") % {
                    "category": category_label(observation.category),
                    "week": week.week,
                }
                url = reverse("situation:observation", args=[observation.public_id])
                if _wants_json(request):
                    return JsonResponse(
                        {"saved": True, "created": created, "message": message, "url": url},
                        status=201 if created else 200,
                    )
                messages.success(request, message)
                return redirect("situation:report")
        if _wants_json(request):
            return JsonResponse({"saved": False, "errors": form.errors.get_json_data()}, status=400)
    areas = area_feature_collection(form.fields["area"].queryset)
    focus = own_group_area_ids(request.user, form.fields["area"].queryset)
    return render(
        request,
        "situation/report.html",
        {
            "form": form,
            "areas_geojson": areas,
            "places": [
                {"id": p.pk, "name": p.name, "lat": p.lat, "lon": p.lon}
                for p in form.fields["place"].queryset
            ],
            "is_police": is_police(request.user),
            "focus": focus,
        },
        status=400 if form.errors else 200,
    )


@allow("GET")
@capability_required(Capability.REPORT_OBSERVATIONS, Capability.VIEW_ALL_OBSERVATIONS)
def observation_list(request):
    observations = observations_for_user(request.user)
    form = ObservationFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise BadQuery(form.problems())
    observations = observations_filtered(observations, **form.filters()).order_by("-observed_at")
    if request.GET.get("export") == "csv":
        rows = exports.observations_csv_rows(observations[:CSV_LIMIT])
        export_record(
            actor=request.user,
            what="observations",
            details={
                "rows": rows.height,
                "filters": {k: str(v) for k, v in form.filters().items()},
            },
        )
        return exports.observations_csv(rows)
    page = Paginator(observations, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "situation/observation_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "labels": dict((c["key"], c["label"]) for c in category_table()),
        },
    )


@allow("GET", "POST")
@login_required
def observation_detail(request, public_id):
    observation = observation_get_for_user(request.user, public_id=public_id)
    can_edit = observation.reporter_id == request.user.pk
    form = None
    if can_edit:
        initial = ObservationForm.initial_of(observation)
        form = ObservationForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            changes = form.changes()
            try:
                observation_update(actor=request.user, observation=observation, **changes)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The report is updated."))
                return redirect("situation:observation", observation.public_id)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "situation/observation_detail.html",
        {
            "observation": observation,
            "label": category_label(observation.category),
            "form": form,
            "week_of": week_of(observation.observed_at),
        },
    )


@allow("GET", "POST")
@capability_required(Capability.ANALYSE_SITUATION)
def observation_import(request):
    form = ObservationImportForm(request.POST or None, request.FILES or None, user=request.user)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = observations_import_upload(
                actor=request.user,
                municipality=form.cleaned_data["municipality"],
                upload=upload,
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except InputError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("Imported %(file)s: %(new)d new, %(same)d already there, %(bad)d skipped.")
                % {
                    "file": upload.name,
                    "new": result.created,
                    "same": result.unchanged,
                    "bad": len(result.rejected),
                },
            )
            problems = list(result.rejected)
            if not problems:
                return redirect("situation:import")
    return render(request, "situation/import.html", {"form": form, "problems": problems})


def _parse_week(text: str) -> IsoWeek:
    try:
        week = IsoWeek.parse(text)
    except ValueError:
        raise Http404 from None
    # The page links the weeks before and after: the calendar's edges (0001, 9999) overflow.
    if not MIN_YEAR <= week.year <= MAX_YEAR:
        raise Http404
    return week


@allow("GET", "POST")
@login_required
def week_group(request, group_id: int, week: str):
    scope = picture_scope_for_user(request.user, group_id=group_id)
    return _week(request, scope, _parse_week(week))


@allow("GET", "POST")
@login_required
def week_municipality(request, code: str, week: str):
    scope = picture_scope_for_user(request.user, municipality_code=code)
    return _week(request, scope, _parse_week(week))


def _week(request, scope: PictureScope, week: IsoWeek):
    user = request.user
    can_analyse = user.can(Capability.ANALYSE_SITUATION)
    if request.method == "POST":
        if not can_analyse:
            raise Http404
        return _week_post(request, scope, week)
    picture, figures, figures_key = picture_figures_keyed(scope, week)
    shown = picture_for_viewer(user, figures, figures_key=figures_key)
    export = request.GET.get("export")
    if export in ("csv", "pdf"):
        return _week_export(request, export, scope, week, picture, shown)

    form = None
    editable = can_analyse and not (picture and picture.is_published)
    if editable:
        form = PictureForm(
            initial={
                "assessment": picture.assessment if picture else "",
                "decided_actions": picture.decided_actions if picture else "",
            }
        )
    return render(
        request,
        "situation/week.html",
        week_context(scope, week, picture, shown)
        | {
            "form": form,
            "can_analyse": can_analyse,
            # Called by the template only when its cached fragment has expired.
            "areas_geojson": lambda: picture_areas_geojson(scope, figures),
            "points": shown["points"],
            "category_labels": {c["key"]: c["label"] for c in category_table()},
            "figures_key": figures_key,
            "viewer_key": shown["viewer_key"],
            "is_current": week == current_week(),
            "previous_url": week_url(scope, week.shifted(-1)),
            "next_url": week_url(scope, week.shifted(1)) if week < current_week() else None,
            "actions": picture_actions(scope, week, picture),
            "action_form": _action_form(scope, week) if editable else None,
            "actions_editable": editable,
            "group_url": reverse("situation:group", args=[scope.group.pk]) if scope.group else None,
        },
    )


def _next_meeting(scope: PictureScope, week: IsoWeek):
    """The default date of a new action: the group's next meeting, else a week on."""
    meeting = group_meeting_of(scope.group) if scope.group else None
    if meeting and meeting.weekday:
        return week.shifted(1).monday + timedelta(days=meeting.weekday - 1)
    return week.monday + timedelta(days=7)


def _action_form(scope: PictureScope, week: IsoWeek, data=None) -> ActionForm:
    return ActionForm(
        data,
        municipality=scope.municipality,
        initial={"due_on": _next_meeting(scope, week)},
        prefix="action",
    )


def _week_post(request, scope, week):
    action = request.POST.get("action")
    url = week_url(scope, week)
    try:
        if action == "save":
            form = PictureForm(request.POST)
            form.is_valid()
            weekly_picture_save(
                actor=request.user,
                scope=scope,
                week=week,
                assessment=form.cleaned_data.get("assessment", ""),
                decided_actions=form.cleaned_data.get("decided_actions", ""),
            )
            messages.success(request, _("The assessment is saved."))
        elif action == "publish":
            form = PictureForm(request.POST)
            form.is_valid()
            weekly_picture_publish(
                actor=request.user,
                scope=scope,
                week=week,
                # A form without the fields keeps what was saved; the page always sends them.
                assessment=form.cleaned_data.get("assessment", "")
                if "assessment" in request.POST
                else None,
                decided_actions=form.cleaned_data.get("decided_actions", "")
                if "decided_actions" in request.POST
                else None,
            )
            messages.success(request, _("The picture is published; its figures are now frozen."))
        elif action == "action_add":
            form = _action_form(scope, week, request.POST)
            if not form.is_valid():
                raise ValidationError(_form_messages(form))
            action_create(actor=request.user, scope=scope, week=week, **form.cleaned_data)
            messages.success(request, _("The action is added."))
            url += "#actions"
        elif action == "action_status":
            decided = _scope_action(request, scope)
            form = ActionStatusForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_form_messages(form))
            action_update_status(
                actor=request.user,
                action=decided,
                week=week,
                status=form.cleaned_data["status"],
                due_on=form.cleaned_data["due_on"],
            )
            messages.success(
                request,
                _("Marked “%(what)s”: %(status)s.")
                % {
                    "what": decided.what,
                    "status": decided.get_status_display(),
                },
            )
            url += "#actions"
        elif action == "digest":
            picture = picture_get(scope, week)
            if picture is None:
                raise ValidationError(_("Publish the picture before sending it."))
            sent = weekly_picture_send_digest(
                actor=request.user, picture=picture, link=request.build_absolute_uri(url)
            )
            messages.success(request, _("The digest was sent to %(n)d members.") % {"n": sent})
        elif action == "municipal_digest":
            picture = picture_get(scope, week)
            if picture is None:
                raise ValidationError(_("Publish the picture before sending it."))
            sent = weekly_picture_send_municipal_digest(
                actor=request.user, picture=picture, link=request.build_absolute_uri(url)
            )
            messages.success(
                request,
                _("The municipal digest was sent to %(n)d coordinators, analysts and managers.")
                % {"n": sent},
            )
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(url)


def _form_messages(form) -> list[str]:
    return [
        f"{form.fields[field].label}: {message}" if field in form.fields else message
        for field, errors in form.errors.items()
        for message in errors
    ]


def _scope_action(request, scope: PictureScope):
    """The posted action, if it belongs to this picture's group (or municipality)."""
    action = action_get_for_user(request.user, action_id=request.POST.get("action_id"))
    if action.municipality_id != scope.municipality.pk or action.group_id != (
        scope.group.pk if scope.group else None
    ):
        raise Http404
    return action


def _week_export(request, export: str, scope: PictureScope, week: IsoWeek, picture, shown):
    if export == "csv":
        response = exports.week_csv(scope, week, shown)
        details = {"scope": scope.name, "week": str(week)}
    else:
        response = exports.week_pdf(request, scope, week, picture, shown)
        details = {"scope": scope.name, "week": str(week), "rows": len(shown["rows"])}
    export_record(
        actor=request.user,
        what=f"weekly_picture_{export}",
        municipality_code=scope.municipality.code,
        details=details,
    )
    return response


@allow("GET")
@login_required
def quarter_group(request, group_id: int):
    return _quarter(request, picture_scope_for_user(request.user, group_id=group_id))


@allow("GET")
@login_required
def quarter_municipality(request, code: str):
    return _quarter(request, picture_scope_for_user(request.user, municipality_code=code))


def _quarter(request, scope: PictureScope):
    today = Quarter.of(timezone.localdate())
    text = query_params(request, QuarterQuery)["q"]
    quarter = Quarter.parse(text) if text else today
    rows = quarter_view(scope, year=quarter.year, quarter=quarter.number)
    by_change = sorted(rows, key=lambda r: r["change_rank"])[:5]
    plan_all = None
    if request.user.can(Capability.MANAGE_OPERATIONS):
        period = planning_period(quarter.year, quarter.number)
        for row in rows:
            row["plan_url"] = plan_url(scope, [row], period)
        changeable = [r for r in by_change if r["changeable"] > 0]
        plan_all = plan_url(scope, changeable, period) if len(changeable) > 1 else None
    following = quarter.following()
    return render(
        request,
        "situation/quarter.html",
        {
            "scope": scope,
            "label": quarter.label,
            "rows": rows,
            "by_change": by_change,
            "plan_all_url": plan_all,
            "previous": str(quarter.previous()),
            "following": str(following) if following <= today else None,
            "prior_observations": QUARTER_PRIOR_OBSERVATIONS,
        },
    )


# --- decided actions, the groups' pages and the overdue list ------------------------------


@allow("GET", "POST")
@login_required
def action_detail(request, action_id: int):
    """One decided action: its history, the operation made of it, and (while the picture
    that decided it is a draft) the form to correct it."""
    action = action_get_for_user(request.user, action_id=action_id)
    scope = PictureScope(action.municipality, action.group)
    week = IsoWeek(action.picture.iso_year, action.picture.iso_week)
    editable = request.user.can(Capability.ANALYSE_SITUATION) and not action.picture.is_published
    form = None
    if editable:
        initial = {
            "what": action.what,
            "responsible_organisation": action.responsible_organisation,
            "responsible_user": action.responsible_user,
            "responsible_name": action.responsible_name,
            "due_on": action.due_on,
        }
        form = ActionForm(
            request.POST if request.POST.get("action") == "save" else None,
            municipality=action.municipality,
            initial=initial,
            prefix="action",
        )
    if request.method == "POST":
        if not editable:
            raise Http404
        try:
            if request.POST.get("action") == "delete":
                action_delete(actor=request.user, action=action)
                messages.success(request, _("The action is removed."))
                return redirect(week_url(scope, week) + "#actions")
            if request.POST.get("action") != "save":
                raise Http404
            if form.is_valid():
                action_update(actor=request.user, action=action, **form.cleaned_data)
                messages.success(request, _("The action is saved."))
                return redirect(week_url(scope, week) + "#actions")
        except ValidationError as exc:
            add_form_errors(form, exc)
    make_operation = None
    if request.user.can(Capability.MANAGE_OPERATIONS) and action.is_pending:
        make_operation = f"{reverse('interventions:create')}?action={action.pk}"
    return render(
        request,
        "situation/action_detail.html",
        {
            "action": action,
            "scope": scope,
            "week": week,
            "week_url": week_url(scope, week),
            "reviews": action.reviews.select_related("picture", "reviewed_by"),
            "operations": action.operations.all(),
            "form": form,
            "make_operation_url": make_operation,
            "today": timezone.localdate(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _group_scope(request, group_id: int) -> PictureScope:
    scope = picture_scope_for_user(request.user, group_id=group_id)
    if scope.group is None:
        raise Http404
    return scope


@allow("GET")
@login_required
def group_page(request, group_id: int):
    """The group's working page: how it meets, who is in it, its weekly pictures (this week
    and the ones before) and the actions still open, the overdue first."""
    scope = _group_scope(request, group_id)
    group, week = scope.group, current_week()
    pictures = [
        {"picture": p, "week": IsoWeek(p.iso_year, p.iso_week)} for p in pictures_of_group(group)
    ]
    for item in pictures:
        item["url"] = week_url(scope, item["week"])
    today = timezone.localdate()
    return render(
        request,
        "situation/group.html",
        {
            "scope": scope,
            "group": group,
            "meeting": group_meeting_of(group),
            "members": group_members_with_roles(group),
            "current_url": week_url(scope, week),
            "week": week,
            "pictures": [p for p in pictures if p["week"] != week],
            "overdue": actions_overdue(scope, today=today),
            "pending": actions_pending(scope).exclude(due_on__lt=today),
            "can_settle": _can_settle(request.user),
            "today": today,
        },
    )


def _can_settle(user) -> bool:
    """The municipality's coordinator sets how a group meets (not the administrator, who
    manages accounts, nor the analyst)."""
    return user.can(Capability.MANAGE_GROUPS) and user.can(Capability.ANALYSE_SITUATION)


@allow("GET", "POST")
@login_required
def group_settings(request, group_id: int):
    if not _can_settle(request.user):
        raise Http404
    scope = _group_scope(request, group_id)
    group = scope.group
    meeting = group_meeting_of(group)
    posted = request.POST.get("action")
    form = GroupMeetingForm(
        request.POST if posted == "meeting" else None,
        group=group,
        initial={
            "weekday": meeting.weekday if meeting else None,
            "time": meeting.time if meeting else None,
            "contact_person": meeting.contact_person if meeting else None,
            "mailing_list": meeting.mailing_list if meeting else "",
        },
    )
    if request.method == "POST":
        try:
            if posted == "meeting":
                if form.is_valid():
                    group_meeting_save(actor=request.user, group=group, **form.cleaned_data)
                    messages.success(request, _("The group's meeting is saved."))
                    return redirect("situation:group", group.pk)
            elif posted == "role":
                role_form = MemberRoleForm(request.POST)
                if not role_form.is_valid():
                    raise Http404
                member = group.members.filter(pk=role_form.cleaned_data["user"]).first()
                if member is None:
                    raise Http404
                group_member_role_set(
                    actor=request.user,
                    group=group,
                    user=member,
                    role=role_form.cleaned_data["role"],
                )
                messages.success(request, _("The role of %(name)s is saved.") % {"name": member})
                return redirect("situation:group-settings", group.pk)
            else:
                raise Http404
        except ValidationError as exc:
            add_form_errors(form, exc)
    members = [
        (m, MemberRoleForm(initial={"user": m.user_id, "role": role.role if role else ""}))
        for m, role in group_members_with_roles(group)
    ]
    return render(
        request,
        "situation/group_settings.html",
        {"group": group, "form": form, "members": members},
        status=400 if form.errors else 200,
    )


@allow("GET")
@capability_required(Capability.VIEW_SITUATION)
def overdue(request):
    """The actions past their date that this person should chase (the coordinator: every
    group's in the municipality)."""
    actions = list(overdue_actions_for(request.user)[:500])
    for action in actions:
        scope = PictureScope(action.municipality, action.group)
        action.group_page = (
            reverse("situation:group", args=[action.group_id]) if action.group_id else None
        )
        action.scope_name = scope.name
    return render(
        request,
        "situation/overdue.html",
        {"actions": actions, "today": timezone.localdate()},
    )
