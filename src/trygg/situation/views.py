"""Pages of the situational picture: thin, every rule is in the selectors and services."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError
from trygg.analysis.situation import QUARTER_PRIOR_OBSERVATIONS, IsoWeek, week_of
from trygg.areas.selectors import area_feature_collection
from trygg.core.exports import csv_response, frame_csv_response
from trygg.core.http import allow
from trygg.core.params import MAX_YEAR, MIN_YEAR, BadQuery, query_params

from .categories import category_label, category_table, crime_label
from .forms import (
    ObservationFilterForm,
    ObservationForm,
    ObservationImportForm,
    PictureForm,
    QuarterQuery,
)
from .selectors import (
    PictureScope,
    current_week,
    is_police,
    observation_get_for_user,
    observations_filtered,
    observations_for_user,
    picture_figures_keyed,
    picture_for_viewer,
    picture_scope_for_user,
    picture_scopes_for_user,
    pictures_published,
    planning_period,
    quarter_view,
)
from .services import (
    export_record,
    observation_create,
    observation_update,
    observations_csv_rows,
    observations_import_csv,
    weekly_picture_publish,
    weekly_picture_save,
    weekly_picture_send_digest,
    weekly_picture_send_municipal_digest,
)
from .static_map import picture_map_svg

LIST_PAGE_SIZE = 50
PDF_CSS = Path(__file__).parent / "static" / "situation" / "week_pdf.css"
CSV_LIMIT = 100_000


def _require(user, capability: str) -> None:
    if not user.can(capability):
        raise Http404


def _week_url(scope: PictureScope, week: IsoWeek) -> str:
    if scope.group is not None:
        return reverse("situation:week-group", args=[scope.group.pk, str(week)])
    return reverse("situation:week-municipality", args=[scope.municipality.code, str(week)])


@allow("GET")
@login_required
def index(request):
    if not (
        request.user.can(Capability.VIEW_SITUATION)
        or request.user.can(Capability.REPORT_OBSERVATIONS)
    ):
        raise Http404
    week = current_week()
    scopes = [
        {
            "scope": scope,
            "url": _week_url(scope, week),
            "quarter_url": (
                reverse("situation:quarter-group", args=[scope.group.pk])
                if scope.group
                else reverse("situation:quarter-municipality", args=[scope.municipality.code])
            ),
            "published": pictures_published(scope).order_by("-iso_year", "-iso_week")[:4],
        }
        for scope in picture_scopes_for_user(request.user)
    ]
    return render(request, "situation/index.html", {"scopes": scopes, "week": week})


def _wants_json(request) -> bool:
    return request.headers.get("X-Trygg-Async") == "1"


@allow("GET", "POST")
@login_required
def report(request):
    """The phone form: one request saves the report; a retry with the same key is harmless."""
    _require(request.user, Capability.REPORT_OBSERVATIONS)
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
                _add_errors(form, exc)
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
    focus = list(
        form.fields["area"]
        .queryset.filter(safety_groups__memberships__user=request.user)
        .values_list("id", flat=True)
    )
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


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@allow("GET")
@login_required
def observation_list(request):
    observations = observations_for_user(request.user)
    if not (
        request.user.can(Capability.REPORT_OBSERVATIONS)
        or request.user.can(Capability.VIEW_ALL_OBSERVATIONS)
    ):
        raise Http404
    form = ObservationFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise BadQuery(form.problems())
    observations = observations_filtered(observations, **form.filters()).order_by("-observed_at")
    if request.GET.get("export") == "csv":
        rows = observations_csv_rows(observations[:CSV_LIMIT])
        export_record(
            actor=request.user,
            what="observations",
            details={
                "rows": rows.height,
                "filters": {k: str(v) for k, v in form.filters().items()},
            },
        )
        return frame_csv_response(rows, filename="observations.csv")
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
        initial = {
            "category": observation.category,
            "observed_at": observation.observed_at,
            "severity": observation.severity,
            "lat": observation.lat,
            "lon": observation.lon,
            "place": observation.place_id,
            "area": observation.area_id,
            "group": observation.group_id,
            "text": observation.text,
            "people_count": observation.people_count,
            "restricted": observation.restricted,
        }
        form = ObservationForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            changes = {
                k: data[k]
                for k in (
                    "category",
                    "severity",
                    "observed_at",
                    "text",
                    "people_count",
                    "restricted",
                    "group",
                )
            }
            for key in ("lat", "lon", "place", "area"):
                if data[key] != initial[key] and not (
                    key in ("place", "area") and data[key] and data[key].pk == initial[key]
                ):
                    changes[key] = data[key]
            try:
                observation_update(actor=request.user, observation=observation, **changes)
            except ValidationError as exc:
                _add_errors(form, exc)
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
@login_required
def observation_import(request):
    _require(request.user, Capability.ANALYSE_SITUATION)
    form = ObservationImportForm(request.POST or None, request.FILES or None, user=request.user)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.csv"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = observations_import_csv(
                    actor=request.user,
                    municipality=form.cleaned_data["municipality"],
                    path=path,
                    file_name=upload.name,
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
    if export == "csv":
        return _week_csv(request, scope, week, shown)
    if export == "pdf":
        return _week_pdf(request, scope, week, picture, shown)

    def areas():
        # Called by the template only when its cached fragment has expired.
        collection = area_feature_collection(
            scope.areas().select_related("municipality", "parent").order_by("code")
        )
        counts = {r["area_id"]: r for r in figures["by_area"]}
        for feature in collection["features"]:
            row = counts.get(feature["properties"]["id"], {})
            feature["properties"]["count"] = row.get("observed", 0)
            feature["properties"]["rise"] = row.get("rise", False)
        return collection

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
        _week_context(scope, week, picture, shown)
        | {
            "form": form,
            "can_analyse": can_analyse,
            "areas_geojson": areas,
            "points": shown["points"],
            "category_labels": {c["key"]: c["label"] for c in category_table()},
            "figures_key": figures_key,
            "viewer_key": shown["viewer_key"],
            "is_current": week == current_week(),
            "previous_url": _week_url(scope, week.shifted(-1)),
            "next_url": _week_url(scope, week.shifted(1)) if week < current_week() else None,
        },
    )


def _week_context(scope, week, picture, shown) -> dict:
    grid_max = max((max(row) for row in shown["grid"]), default=0) or 1
    blocks = 24 // shown["block_hours"]
    return {
        "scope": scope,
        "week": week,
        "picture": picture,
        "figures": shown,
        "monday": week.monday,
        "sunday": week.shifted(1).monday - timedelta(days=1),
        "by_category": [(category_label(r["category"]), r) for r in shown["by_category"]],
        "changes": [(category_label(r["category"]), r) for r in shown["changes"]],
        "crime_rows": [
            (crime_label(r["category"]), r)
            for r in (shown.get("crimes") or {}).get("by_category", [])
        ],
        "grid": [
            (day, [(n, min(5, (5 * n + grid_max - 1) // grid_max)) for n in row])
            for day, row in zip(_weekdays(), shown["grid"], strict=True)
        ],
        "grid_blocks": [
            f"{h:02d}–{h + shown['block_hours']:02d}" for h in range(0, 24, shown["block_hours"])
        ][:blocks],
    }


def _weekdays() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _week_post(request, scope, week):
    action = request.POST.get("action")
    url = _week_url(scope, week)
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
            from .selectors import picture_get

            picture = picture_get(scope, week)
            if picture is None:
                raise ValidationError(_("Publish the picture before sending it."))
            sent = weekly_picture_send_digest(
                actor=request.user, picture=picture, link=request.build_absolute_uri(url)
            )
            messages.success(request, _("The digest was sent to %(n)d members.") % {"n": sent})
        elif action == "municipal_digest":
            from .selectors import picture_get

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


def _week_csv(request, scope, week, shown) -> HttpResponse:
    header = [
        "section",
        "category",
        "area_code",
        "area_name",
        "observed",
        "usual",
        "ratio",
        "p_value",
        "q_value",
        "rise",
    ]
    rows = [
        [
            section,
            r.get("category", ""),
            r.get("area_code", ""),
            r.get("area_name", ""),
            r["observed"],
            r["usual"],
            "" if r["ratio"] is None else r["ratio"],
            f"{r['p_value']:.4g}",
            f"{r['q_value']:.4g}",
            int(r["rise"]),
        ]
        for section, section_rows in (
            ("category", shown["by_category"]),
            ("area", shown["by_area"]),
            ("change", shown["changes"]),
        )
        for r in section_rows
    ]
    export_record(
        actor=request.user,
        what="weekly_picture_csv",
        municipality_code=scope.municipality.code,
        details={"scope": scope.name, "week": str(week)},
    )
    name = f"lagesbild-{scope.group.key if scope.group else scope.municipality.code}-{week}.csv"
    return csv_response(filename=name, header=header, rows=rows)


def _week_pdf(request, scope, week, picture, shown) -> HttpResponse:
    from weasyprint import CSS, HTML

    html = render_to_string(
        "situation/week_pdf.html",
        _week_context(scope, week, picture, shown)
        | {"printed": timezone.now(), "map_svg": _map_svg(scope, shown)},
        request=request,
    )
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])
    export_record(
        actor=request.user,
        what="weekly_picture_pdf",
        municipality_code=scope.municipality.code,
        details={"scope": scope.name, "week": str(week), "rows": len(shown["rows"])},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"lagesbild-{scope.group.key if scope.group else scope.municipality.code}-{week}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _map_svg(scope: PictureScope, shown: dict) -> str:
    """The PDF's map: the scope's areas shaded by count and the points this reader may see."""
    counts = {r["area_id"]: r for r in shown["by_area"]}
    areas = [
        {
            "geometry": geometry,
            "name": name,
            "count": counts.get(pk, {}).get("observed", 0),
            "rise": counts.get(pk, {}).get("rise", False),
            "label_at": (lon, lat),
        }
        for pk, name, geometry, lon, lat in scope.areas().values_list(
            "pk", "name", "map_geometry", "centroid_lon", "centroid_lat"
        )
    ]
    title = _("Map of the week: areas shaded by observations, points where they were made")
    return mark_safe(picture_map_svg(areas, shown["points"], title=title))  # noqa: S308 (escaped)


@allow("GET")
@login_required
def quarter_group(request, group_id: int):
    return _quarter(request, picture_scope_for_user(request.user, group_id=group_id))


@allow("GET")
@login_required
def quarter_municipality(request, code: str):
    return _quarter(request, picture_scope_for_user(request.user, municipality_code=code))


def _quarter(request, scope: PictureScope):
    today = timezone.localdate()
    default = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    text = query_params(request, QuarterQuery)["q"] or default
    year, quarter = (int(x) for x in text.split("-Q"))
    rows = quarter_view(scope, year=year, quarter=quarter)
    previous = f"{year - (quarter == 1)}-Q{4 if quarter == 1 else quarter - 1}"
    following = f"{year + (quarter == 4)}-Q{1 if quarter == 4 else quarter + 1}"
    by_change = sorted(rows, key=lambda r: r["change_rank"])[:5]
    plan_all = None
    if request.user.can(Capability.MANAGE_OPERATIONS):
        period = planning_period(year, quarter)
        for row in rows:
            row["plan_url"] = _plan_url(scope, [row], period)
        changeable = [r for r in by_change if r["changeable"] > 0]
        plan_all = _plan_url(scope, changeable, period) if len(changeable) > 1 else None
    return render(
        request,
        "situation/quarter.html",
        {
            "scope": scope,
            "label": f"{year} Q{quarter}",
            "rows": rows,
            "by_change": by_change,
            "plan_all_url": plan_all,
            "previous": previous,
            "following": following if following <= default else None,
            "prior_observations": QUARTER_PRIOR_OBSERVATIONS,
        },
    )


def _plan_url(scope: PictureScope, rows: list[dict], period) -> str:
    """The new-operation form, pre-filled with these areas, their most reported
    categories and the proposed period."""
    query = [("municipality", scope.municipality.pk)]
    query += [("areas", r["area_id"]) for r in rows]
    query += [("categories", c) for c in dict.fromkeys(r["top_category"] for r in rows) if c]
    query += [("starts_on", period[0].isoformat()), ("ends_on", period[1].isoformat())]
    return f"{reverse('interventions:create')}?{urlencode(query)}"
