"""Pages of the situational picture: thin, every rule is in the selectors and services."""

from __future__ import annotations

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
from .services import (
    export_record,
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
    if can_analyse and not (picture and picture.is_published):
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
        },
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
