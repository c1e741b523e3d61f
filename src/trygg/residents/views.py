"""Pages: the public report form and receipt, moderation, and safety walks. Thin: the
rules are in the selectors and services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from trygg.accounts.roles import Capability
from trygg.areas.selectors import area_feature_collection, areas_for_user
from trygg.core.client import client_address
from trygg.core.http import allow
from trygg.core.web import add_form_errors, capability_required, require_capability

from . import exports
from .forms import (
    ModerationForm,
    ReportFilterForm,
    ResidentReportForm,
    WalkFinishForm,
    WalkPointForm,
    WalkStartForm,
    client_key_digest,
    form_sent,
    new_challenge,
    started_token,
)
from .models import ReportStatus, WalkStatus
from .reasons import reason_labels, reasons
from .selectors import (
    can_moderate,
    moderation_map_areas,
    public_areas,
    public_municipality_get,
    report_by_receipt,
    report_dispatches,
    report_get_for_moderation,
    report_public_updates,
    reports_for_moderation,
    status_counts,
    walk_areas,
    walk_get_for_leader,
    walk_get_for_user,
    walk_point_rows,
    walk_start_areas,
    walk_summary,
    walks_for_user,
)
from .services import (
    RateLimited,
    challenge_required,
    resident_report_action_taken,
    resident_report_approve,
    resident_report_reject,
    resident_report_submit,
    walk_create,
    walk_export_record,
    walk_finish,
    walk_point_add,
    walk_route_extend,
    walk_to_observations,
)
from .svg import walk_svg

LIST_PAGE_SIZE = 50


def _wants_json(request) -> bool:
    return request.headers.get("X-Trygg-Async") == "1"


def _address(request) -> str | None:
    # Used only to count reports per sender, under a daily key; never stored with a report.
    return client_address(request) or None


# ------------------------------------------------------------------------ public


@allow("GET", "POST")
@never_cache
def report(request, code: str):
    """The public form: a resident marks a place; no account, no personal data."""
    municipality = public_municipality_get(code=code)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    address = _address(request)
    needs_challenge = challenge_required(address)
    form = ResidentReportForm(
        request.POST or None,
        municipality=municipality,
        session=request.session,
        challenge_needed=needs_challenge,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                submission = resident_report_submit(
                    municipality=municipality,
                    reasons=data["reasons"],
                    text=data["text"],
                    when=data["when"],
                    lat=data["lat"],
                    lon=data["lon"],
                    area=data["area"] if data["lat"] is None else None,
                    client_key=data["client_key"] or "",
                    address=address,
                    same_as=data["same_as"],
                    email=data["email"] or "",
                )
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                form_sent(
                    request.session, data["started"], client_key_digest(data["client_key"] or "")
                )
                url = reverse("trygghet:receipt", args=[submission.report.receipt_token])
                if submission.merged:
                    url += "?merged=1"
                elif submission.created:
                    url += "?new=1"
                if data["email"] and not submission.report.is_closed:
                    url += ("&" if "?" in url else "?") + "news=1"
                if _wants_json(request):
                    return JsonResponse(
                        {"saved": True, "merged": submission.merged, "receipt": url},
                        status=201 if submission.created else 200,
                    )
                return redirect(url)
        status = status if status != 200 else 400
        if _wants_json(request):
            challenge = None
            if needs_challenge or "answer" in form.errors:
                token, question = new_challenge(request.session)
                challenge = {"token": token, "question": question}
            return JsonResponse(
                {"saved": False, "errors": form.errors.get_json_data(), "challenge": challenge},
                status=status,
            )
    challenge_token = question = ""
    if needs_challenge or "answer" in form.errors:
        challenge_token, question = new_challenge(request.session)
    return render(
        request,
        "residents/public_report.html",
        {
            "municipality": municipality,
            "form": form,
            "reasons": reasons(),
            "areas_geojson": area_feature_collection(public_areas(municipality)),
            "started": started_token(request.session),
            "challenge_token": challenge_token,
            "challenge_question": question,
            "public_page": True,
        },
        status=status,
    )


@allow("GET")
@never_cache
def receipt(request, token: str):
    """The resident's status page; the link is the only key to it."""
    report_ = report_by_receipt(token=token)
    response = render(
        request,
        "residents/receipt.html",
        {
            "report": report_,
            "reason_labels": reason_labels(report_.reasons),
            "is_new": request.GET.get("new") == "1",
            "merged": request.GET.get("merged") == "1",
            "receipt_url": request.build_absolute_uri(request.path),
            "steps": [
                (ReportStatus.RECEIVED, ReportStatus.RECEIVED.label),
                (ReportStatus.ASSESSED, ReportStatus.ASSESSED.label),
                (ReportStatus.IN_PROGRESS, ReportStatus.IN_PROGRESS.label),
                (ReportStatus.ACTION_TAKEN, ReportStatus.ACTION_TAKEN.label),
            ],
            "reached": _reached(report_.status),
            "updates": report_public_updates(report_),
            # Right after sending, to the resident who gave an address; never the address.
            "subscribed": request.GET.get("news") == "1" and report_.subscriptions.exists(),
            "public_page": True,
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _reached(status: str) -> list[str]:
    order = [
        ReportStatus.RECEIVED,
        ReportStatus.ASSESSED,
        ReportStatus.IN_PROGRESS,
        ReportStatus.ACTION_TAKEN,
    ]
    if status == ReportStatus.REJECTED:
        return [ReportStatus.RECEIVED]
    return [s for s in order[: order.index(status) + 1]]


# -------------------------------------------------------------------- moderation


@allow("GET")
@capability_required(Capability.MODERATE_RESIDENT_REPORTS)
def queue(request):
    reports = reports_for_moderation(request.user)
    form = ReportFilterForm(request.GET or None)
    chosen = request.GET.get("status", ReportStatus.RECEIVED)
    if chosen not in ReportStatus.values:
        chosen = ""
    shown = reports.filter(status=chosen) if chosen else reports
    page = Paginator(shown.order_by("-created_on", "-id"), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"report": r, "reasons": reason_labels(r.reasons)} for r in page]
    points = [
        {
            "lat": r.lat,
            "lon": r.lon,
            "label": ", ".join(reason_labels(r.reasons)),
            "url": reverse("residents:report", args=[r.public_id]),
        }
        for r in page
        if r.lat is not None
    ]
    areas = moderation_map_areas(request.user, municipality_ids={r.municipality_id for r in page})
    return render(
        request,
        "residents/queue.html",
        {
            "form": form,
            "chosen": chosen,
            "counts": status_counts(reports),
            "statuses": ReportStatus.choices,
            "page": page,
            "rows": rows,
            "points": points,
            "areas_geojson": area_feature_collection(areas),
        },
    )


@allow("GET", "POST")
@capability_required(Capability.MODERATE_RESIDENT_REPORTS)
def report_detail(request, public_id):
    report_ = report_get_for_moderation(request.user, public_id=public_id)
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "approve":
                resident_report_approve(
                    actor=request.user,
                    report=report_,
                    severity=data["severity"] or 1,
                    public_message=data["public_message"],
                    internal_note=data["internal_note"],
                    text_public=data["text_public"],
                    base_url=request.build_absolute_uri("/"),
                )
                messages.success(request, _("Approved: the report is in the situational picture."))
            elif data["action"] == "reject":
                resident_report_reject(
                    actor=request.user,
                    report=report_,
                    reason=data["reject_reason"],
                    public_message=data["public_message"],
                    internal_note=data["internal_note"],
                    base_url=request.build_absolute_uri("/"),
                )
                messages.success(request, _("The report is rejected."))
            else:
                resident_report_action_taken(
                    actor=request.user,
                    report=report_,
                    public_message=data["public_message"],
                    internal_note=data["internal_note"] or None,
                    base_url=request.build_absolute_uri("/"),
                )
                messages.success(request, _("The action is recorded; the resident can read it."))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect("residents:report", public_id=report_.public_id)
    return render(
        request,
        "residents/report_detail.html",
        {
            "report": report_,
            "form": form,
            "reason_labels": reason_labels(report_.reasons),
            "areas_geojson": area_feature_collection(
                areas_for_user(request.user).filter(pk=report_.area_id)
            ),
            "point": report_.lat is not None,
            "dispatches": report_dispatches(report_),
            "updates": report_public_updates(report_),
            "points": [{"lat": report_.lat, "lon": report_.lon, "label": ""}],
        },
        status=400 if form.errors else 200,
    )


# -------------------------------------------------------------------- safety walks


def _require_walks(user) -> None:
    if not (user.can(Capability.REPORT_OBSERVATIONS) or can_moderate(user)):
        raise Http404


@allow("GET")
@login_required
def walk_list(request):
    _require_walks(request.user)
    walks = walks_for_user(request.user).order_by("-walked_on", "-id")
    return render(
        request,
        "residents/walk_list.html",
        {
            "walks": walks[:200],
            "can_start": request.user.can(Capability.REPORT_OBSERVATIONS),
        },
    )


@allow("GET", "POST")
@capability_required(Capability.REPORT_OBSERVATIONS)
def walk_new(request):
    form = WalkStartForm(request.POST or None, areas=walk_start_areas(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walk = walk_create(
                actor=request.user,
                title=data["title"],
                walked_on=data["walked_on"],
                areas=list(data["areas"]),
                participants=data["participants"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect("residents:walk", public_id=walk.public_id)
    return render(
        request, "residents/walk_new.html", {"form": form}, status=400 if form.errors else 200
    )


@allow("GET")
@login_required
def walk_detail(request, public_id):
    walk = walk_get_for_user(request.user, public_id=public_id)
    recording = walk.status == WalkStatus.RECORDING and walk.leader_id == request.user.pk
    points = walk_point_rows(walk)
    return render(
        request,
        "residents/walk_detail.html",
        {
            "walk": walk,
            "recording": recording,
            "points": points,
            "summary": walk_summary(walk),
            "point_form": WalkPointForm() if recording else None,
            "finish_form": WalkFinishForm(initial={"participants": walk.participants}),
            "can_convert": can_moderate(request.user) and walk.status == WalkStatus.FINISHED,
            "svg": mark_safe(  # noqa: S308 - built from numbers and escaped text only
                walk_svg(
                    walk.route_coordinates,
                    points,
                    title=_("Route and points of %(walk)s") % {"walk": walk.title},
                )
            ),
            "walk_data": {
                "route": walk.route_coordinates,
                "points": [
                    {
                        "number": p["number"],
                        "lat": p["lat"],
                        "lon": p["lon"],
                        "label": ", ".join(p["reasons"]),
                    }
                    for p in points
                ],
                "recording": recording,
                "focus": list(walk.areas.values_list("id", flat=True)),
            },
            "areas_geojson": area_feature_collection(walk_areas(request.user, walk)),
        },
    )


def _json_errors(form_or_exc) -> dict:
    if isinstance(form_or_exc, ValidationError):
        if hasattr(form_or_exc, "error_dict"):
            return {k: [{"message": m} for m in v] for k, v in form_or_exc.message_dict.items()}
        return {"__all__": [{"message": m} for m in form_or_exc.messages]}
    return form_or_exc.errors.get_json_data()


@allow("GET", "POST")
@login_required
def walk_point(request, public_id):
    """One point, sent as soon as it is added (retried by the page when offline)."""
    walk = walk_get_for_leader(request.user, public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WalkPointForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"saved": False, "errors": _json_errors(form)}, status=400)
    data = form.cleaned_data
    try:
        point, created = walk_point_add(
            actor=request.user,
            walk=walk,
            lat=data["lat"],
            lon=data["lon"],
            reasons=data["reasons"],
            text=data["text"],
            severity=data["severity"],
            client_key=data["client_key"] or "",
            recorded_at=data["recorded_at"],
        )
    except ValidationError as exc:
        return JsonResponse({"saved": False, "errors": _json_errors(exc)}, status=400)
    if not _wants_json(request):
        return redirect("residents:walk", public_id=walk.public_id)
    return JsonResponse(
        {
            "saved": True,
            "number": point.number,
            "lat": point.lat,
            "lon": point.lon,
            "area": point.area.name if point.area_id else "",
            "reasons": reason_labels(point.reasons),
        },
        status=201 if created else 200,
    )


@allow("GET", "POST")
@login_required
def walk_route(request, public_id):
    """A batch of positions: ``{"coordinates": [[lon, lat], ...]}``."""
    walk = walk_get_for_leader(request.user, public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        payload = json.loads(request.body or b"{}")
        coordinates = payload["coordinates"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"saved": False, "errors": {"route": ["not JSON"]}}, status=400)
    try:
        walk = walk_route_extend(actor=request.user, walk=walk, coordinates=coordinates)
    except ValidationError as exc:
        return JsonResponse({"saved": False, "errors": _json_errors(exc)}, status=400)
    return JsonResponse({"saved": True, "length": len(walk.route_coordinates)})


@allow("GET", "POST")
@login_required
def walk_finish_view(request, public_id):
    walk = walk_get_for_leader(request.user, public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WalkFinishForm(request.POST)
    if form.is_valid():
        try:
            walk_finish(
                actor=request.user, walk=walk, participants=form.cleaned_data["participants"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The walk is finished. Download the report below."))
    return redirect("residents:walk", public_id=walk.public_id)


@allow("GET", "POST")
@login_required
def walk_convert(request, public_id):
    walk = walk_get_for_user(request.user, public_id=public_id)
    require_capability(request.user, Capability.MODERATE_RESIDENT_REPORTS)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        created = walk_to_observations(actor=request.user, walk=walk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(n)d points are now observations in the situational picture.") % {"n": created},
        )
    return redirect("residents:walk", public_id=walk.public_id)


@allow("GET")
@login_required
def walk_export(request, public_id, fmt: str):
    walk = walk_get_for_user(request.user, public_id=public_id)
    if fmt not in exports.FORMATS:
        raise Http404
    walk_export_record(actor=request.user, walk=walk, fmt=fmt)
    if fmt == "geojson":
        return exports.walk_geojson(walk)
    if fmt == "csv":
        return exports.walk_csv(walk)
    return exports.walk_pdf(request, walk, walk_point_rows(walk))
