"""Pages of individual cases: thin. Every case is read through ``access_case_by_id``, every
person, consent and concern through its own access function; all of them log the read."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trygg.accounts.models import Organisation
from trygg.accounts.roles import Capability
from trygg.areas.selectors import areas_for_user, municipalities_for_user
from trygg.audit.selectors import audit_sample
from trygg.core.client import client_ip
from trygg.core.exports import csv_response
from trygg.core.params import BadQuery, query_params

from . import services
from .access import (
    FOLLOW_UP,
    PLAN_ITEM,
    POLICE_NOTES,
    REOPEN,
    Purpose,
    access_case_by_id,
    access_concern_by_id,
    access_consent_by_id,
    access_person_by_id,
    consent_state,
)
from .checklists import PROTECTIVE_FACTORS, RISK_FACTORS, labels
from .forms import (
    CaseForm,
    CloseForm,
    ConcernForm,
    ConsentForm,
    FollowUpForm,
    GuardianForm,
    LogReviewForm,
    MeetingForm,
    MemberForm,
    PersonCreateForm,
    PersonEditForm,
    PersonFindForm,
    PlanItemForm,
    PlanStatusForm,
    PoliceNotesForm,
    StatisticsQuery,
)
from .models import CaseStatus, ConcernStatus, Information
from .pin import masked
from .selectors import (
    case_statistics,
    cases_for_user,
    concerns_for_coordinator,
    concerns_shown,
    coordinator_municipality,
    people_for_coordinator,
    people_shown,
    person_log_extract,
    team_candidates,
)

PDF_CSS = Path(__file__).parent / "static" / "cases" / "consent_pdf.css"


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


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _submit(request, form, apply, then) -> HttpResponse | None:
    """The one shape of every form view: on POST, validate ``form``, hand its data to
    ``apply`` (a service call) and answer with ``then(result)``; None, with the service's
    objections on the form, when there is nothing to do or either says no."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = apply(form.cleaned_data)
    except ValidationError as exc:
        _add_errors(form, exc)
        return None
    return then(result)


def _form_page(request, template: str, context: dict) -> HttpResponse:
    """A page with ``context["form"]``: 400 when the form has errors."""
    return render(request, template, context, status=400 if context["form"].errors else 200)


def _require_coordinator(request) -> None:
    _coordinator_municipality(request)


# --- lists and intake -------------------------------------------------------------------


@allow("GET")
@login_required
def index(request):
    if not request.user.can(Capability.INDIVIDUAL_CASES):
        raise Http404
    accesses = cases_for_user(request.user, purpose=Purpose.CASE_LIST, ip_address=ip(request))
    coordinator = services.coordinators_can_open(request.user)
    return render(
        request,
        "cases/index.html",
        {
            "accesses": accesses,
            "coordinator": coordinator,
            "new_concerns": (
                concerns_for_coordinator(request.user).filter(status=ConcernStatus.RECEIVED).count()
                if coordinator
                else 0
            ),
        },
    )


@allow("GET", "POST")
@login_required
def concern_new(request):
    form = ConcernForm(request.POST or None)
    return _submit(
        request,
        form,
        lambda d: services.concern_submit(actor=request.user, ip_address=ip(request), **d),
        lambda _concern: redirect("cases:concern-received"),
    ) or _form_page(request, "cases/concern_form.html", {"form": form})


@allow("GET")
@login_required
def concern_received(request):
    return render(request, "cases/concern_received.html")


@allow("GET")
@login_required
def concerns(request):
    _require_coordinator(request)
    shown = concerns_shown(
        request.user,
        concerns_for_coordinator(request.user).order_by("status", "-submitted_at")[:200],
        purpose=Purpose.CONCERN,
        ip_address=ip(request),
    )
    return render(request, "cases/concern_list.html", {"concerns": shown})


@allow("GET", "POST")
@login_required
def concern_detail(request, concern_id):
    concern = access_concern_by_id(
        request.user, concern_id, Purpose.CONCERN, ip_address=ip(request)
    )
    form = CloseForm(request.POST or None)

    def closed(_concern):
        messages.success(request, _("The concern is closed."))
        return redirect("cases:concerns")

    return _submit(
        request,
        form,
        lambda d: services.concern_close(
            actor=request.user, concern=concern, reason=d["reason"], ip_address=ip(request)
        ),
        closed,
    ) or _form_page(request, "cases/concern_detail.html", {"concern": concern, "form": form})


# --- people and consent -----------------------------------------------------------------


def _coordinator_municipality(request):
    municipality = coordinator_municipality(request.user)
    if municipality is None:
        raise Http404
    return municipality


@allow("GET", "POST")
@login_required
def person_find(request):
    """Search by personal identity number; create only when no one has it."""
    municipality = _coordinator_municipality(request)
    areas = areas_for_user(request.user, municipality=municipality)
    create = "first_name" in request.POST
    form = (PersonCreateForm if create else PersonFindForm)(
        request.POST or None, **({"areas": areas} if create else {})
    )
    found = None
    create_form = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if create:
                person, created = services.person_find_or_create(
                    actor=request.user,
                    municipality=municipality,
                    pin=data["pin"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    school=data["school"],
                    area=data["area"],
                    ip_address=ip(request),
                )
                if not created:
                    messages.info(request, _("The person was already registered."))
                return redirect("cases:person", person_id=person.public_id)
            found = services.person_find(
                actor=request.user,
                municipality=municipality,
                pin=data["pin"],
                ip_address=ip(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if found is not None:
                return redirect("cases:person", person_id=found.public_id)
            create_form = PersonCreateForm(initial={"pin": data["pin"]}, areas=areas)
    recent = people_shown(
        request.user,
        people_for_coordinator(request.user).order_by("-created_at")[:20],
        purpose=Purpose.PERSON,
        ip_address=ip(request),
    )
    return render(
        request,
        "cases/person_find.html",
        {
            "form": form if not create_form else PersonFindForm(),
            "create_form": create_form or (form if create else None),
            "recent": recent,
        },
        status=400 if form.errors else 200,
    )


def _person_context(request, person, **extra):
    state = consent_state(person)
    pin = services.person_pin(person)
    return {
        "person": person,
        "pin": pin,
        "pin_masked": masked(pin),
        "consents": person.consents.all(),
        "state": state,
        "covered": Organisation.objects.filter(pk__in=state.organisation_ids).order_by("name"),
        "information_labels": [
            str(label) for key, label in Information.choices if key in state.information
        ],
        "cases": person.cases.exclude(status="culled").order_by("-opened_at"),
        "guardian_form": GuardianForm(),
        **extra,
    }


@allow("GET")
@login_required
def person_detail(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    return render(request, "cases/person_detail.html", _person_context(request, person))


def _to_person(person):
    return redirect("cases:person", person_id=person.public_id)


@allow("POST")
@login_required
def guardian_add(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    form = GuardianForm(request.POST)
    return _submit(
        request,
        form,
        lambda d: services.guardian_add(
            actor=request.user, person=person, ip_address=ip(request), **d
        ),
        lambda _guardian: _to_person(person),
    ) or render(
        request,
        "cases/person_detail.html",
        _person_context(request, person, guardian_form=form),
        status=400,
    )


@allow("GET", "POST")
@login_required
def person_edit(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    form = PersonEditForm(
        request.POST or None,
        areas=areas_for_user(request.user, municipality=person.municipality),
        initial={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "school": person.school,
            "area": person.area_id,
        },
    )
    return _submit(
        request,
        form,
        lambda d: services.person_update(
            actor=request.user, person=person, ip_address=ip(request), **d
        ),
        _to_person,
    ) or _form_page(
        request,
        "cases/record_form.html",
        {"person": person, "form": form, "title": _("Edit the person")},
    )


@allow("GET", "POST")
@login_required
def guardian_edit(request, person_id, guardian_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    guardian = person.guardians.filter(public_id=guardian_id).first()
    if guardian is None:
        raise Http404
    fields = ("name", "phone", "email", "address", "has_custody")
    form = GuardianForm(
        request.POST or None, initial={name: getattr(guardian, name) for name in fields}
    )
    return _submit(
        request,
        form,
        lambda d: services.guardian_update(
            actor=request.user, guardian=guardian, ip_address=ip(request), **d
        ),
        lambda _guardian: _to_person(person),
    ) or _form_page(
        request,
        "cases/record_form.html",
        {"person": person, "form": form, "title": _("Edit the guardian")},
    )


def _parties(person):
    return Organisation.objects.filter(municipalities=person.municipality_id).order_by("name")


@allow("GET", "POST")
@login_required
def consent_new(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.CONSENT, ip_address=ip(request))
    form = ConsentForm(request.POST or None, person=person, organisations=_parties(person))

    def record(data):
        given_by, guardian = form.giver_and_guardian()
        return services.consent_record(
            actor=request.user,
            person=person,
            given_by=given_by,
            guardian=guardian,
            parties=list(data["parties"]),
            information=data["information"],
            purpose=data["purpose"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            received=data["received"],
            ip_address=ip(request),
        )

    def recorded(consent):
        messages.success(request, _("The consent is recorded."))
        if consent.received_at is None:
            messages.info(
                request,
                _("Print the form, have it signed, and record when the signed form is back."),
            )
        return _to_person(person)

    return _submit(request, form, record, recorded) or _form_page(
        request, "cases/consent_form.html", {"person": person, "form": form}
    )


@allow("GET")
@login_required
def consent_pdf(request, consent_id):
    from weasyprint import CSS, HTML

    consent = access_consent_by_id(request.user, consent_id, Purpose.PRINT, ip_address=ip(request))
    pin = services.person_pin(consent.person)
    html = render_to_string(
        "cases/consent_pdf.html",
        {
            "consent": consent,
            "person": consent.person,
            "pin": pin,
            "information": [
                str(label) for key, label in Information.choices if key in consent.information
            ],
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=str(PDF_CSS))]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="samtycke-{consent.public_id.hex[:8]}.pdf"'
    return response


@allow("POST")
@login_required
def consent_received(request, consent_id):
    consent = access_consent_by_id(
        request.user, consent_id, Purpose.CONSENT, ip_address=ip(request)
    )
    services.consent_mark_received(actor=request.user, consent=consent, ip_address=ip(request))
    messages.success(request, _("The signed consent form is recorded as received."))
    return redirect("cases:person", person_id=consent.person.public_id)


@allow("POST")
@login_required
def consent_withdraw(request, consent_id):
    consent = access_consent_by_id(
        request.user, consent_id, Purpose.CONSENT, ip_address=ip(request)
    )
    services.consent_withdraw(actor=request.user, consent=consent, ip_address=ip(request))
    messages.success(request, _("The consent is withdrawn. It no longer applies."))
    return redirect("cases:person", person_id=consent.person.public_id)


@allow("GET")
@login_required
def person_log(request, person_id):
    """The access-log extract a person may ask for (a data subject's request)."""
    person = access_person_by_id(
        request.user, person_id, Purpose.DATA_SUBJECT_REQUEST, ip_address=ip(request)
    )
    events = person_log_extract(person=person)
    if request.GET.get("format") == "csv":
        return csv_response(
            filename=f"logg-{person.public_id.hex[:8]}.csv",
            header=[
                "when_utc",
                "user",
                "organisation",
                "role",
                "action",
                "object",
                "purpose",
                "outcome",
                "address",
            ],
            rows=(
                [
                    e.occurred_at.astimezone(UTC).isoformat(),
                    e.actor_username,
                    e.actor_organisation,
                    e.actor_role,
                    e.action,
                    e.object_type,
                    e.purpose,
                    (e.details or {}).get("outcome", ""),
                    e.ip_address or "",
                ]
                for e in events
            ),
        )
    return render(request, "cases/person_log.html", {"person": person, "events": events})


# --- cases ------------------------------------------------------------------------------


@allow("GET", "POST")
@login_required
def case_new(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.CASE_WORK, ip_address=ip(request))
    concern = None
    concern_id = request.GET.get("concern") or request.POST.get("concern")
    if concern_id:
        concern = access_concern_by_id(
            request.user, concern_id, Purpose.CONCERN, ip_address=ip(request)
        )
    form = CaseForm(request.POST or None)

    def opened(case):
        messages.success(request, _("The case is opened. Add the team."))
        return _to_case(case)

    return _submit(
        request,
        form,
        lambda d: services.case_open(
            actor=request.user, person=person, concern=concern, ip_address=ip(request), **d
        ),
        opened,
    ) or _form_page(
        request, "cases/case_form.html", {"person": person, "form": form, "concern": concern}
    )


def _to_case(case):
    return redirect("cases:case", case_id=case.public_id)


def _case_context(request, access, **forms):
    case = access.case
    context = {
        "access": access,
        "case": case,
        "person": case.person,
        "sees": {section: True for section in access.sections},
        "risk_labels": labels(case.risk_factors, RISK_FACTORS),
        "protective_labels": labels(case.protective_factors, PROTECTIVE_FACTORS),
        "members": case.members.all(),
        "meetings": case.meetings.all() if access.sees("meetings") else [],
        "plan_items": case.plan_items.select_related("organisation") if access.sees("plan") else [],
        "follow_ups": (
            case.follow_ups.select_related("organisation") if access.sees("follow_ups") else []
        ),
        "state": consent_state(case.person) if access.sees("consents") else None,
        "plan_statuses": PlanStatusForm.base_fields["status"].choices,
    }
    context["plan_editable"] = {
        item.pk
        for item in context["plan_items"]
        if services.plan_item_editable(access, request.user, item)
    }
    if access.sees("person"):
        context["pin_masked"] = masked(services.person_pin(case.person))
    # The forms of what this user may write (the choke point decided; see access.py).
    if access.may(FOLLOW_UP):
        context["follow_up_form"] = forms.get("follow_up_form") or FollowUpForm(
            initial={"followed_up_on": timezone.localdate()}, writes=access.writes
        )
    if access.may(POLICE_NOTES):
        context["police_form"] = forms.get("police_form") or PoliceNotesForm(
            initial={"text": case.police_notes}
        )
    if access.may(REOPEN) and case.status == CaseStatus.CLOSED:
        context["reopen_form"] = forms.get("reopen_form") or CloseForm()
    if access.can_change:
        context |= {
            "member_form": forms.get("member_form") or MemberForm(candidates=team_candidates(case)),
            "meeting_form": forms.get("meeting_form")
            or MeetingForm(initial={"held_on": timezone.localdate()}),
            "plan_form": forms.get("plan_form") or PlanItemForm(organisations=_organisations(case)),
            "close_form": forms.get("close_form") or CloseForm(),
        }
    return context


@allow("GET")
@login_required
def case_detail(request, case_id):
    access = access_case_by_id(request.user, case_id, Purpose.CASE_WORK, ip_address=ip(request))
    return render(request, "cases/case_detail.html", _case_context(request, access))


def case_change_view(form_name: str, make_form, apply, *, change: bool | str = True):
    """A POST view that changes a case: the choke point with ``change`` (``True`` for the
    coordinator's own changes, or the name of a write a team member may have), then the
    form, then the service, which checks the granted access again. On an error the case
    page comes back with the form and its errors (400)."""

    @allow("POST")
    @login_required
    def view(request, case_id):
        access = access_case_by_id(
            request.user, case_id, Purpose.CASE_WORK, change=change, ip_address=ip(request)
        )
        form = make_form(request, access)
        return _submit(
            request,
            form,
            lambda data: apply(request, access, data),
            lambda _result: _to_case(access.case),
        ) or render(
            request,
            "cases/case_detail.html",
            _case_context(request, access, **{form_name: form}),
            status=400,
        )

    return view


def _organisations(case):
    return Organisation.objects.filter(municipalities=case.municipality_id).order_by("name")


member_add = case_change_view(
    "member_form",
    lambda r, a: MemberForm(r.POST, candidates=team_candidates(a.case)),
    lambda r, a, d: services.member_add(actor=r.user, access=a, user=d["user"], ip_address=ip(r)),
)
meeting_add = case_change_view(
    "meeting_form",
    lambda r, a: MeetingForm(r.POST),
    lambda r, a, d: services.meeting_add(actor=r.user, access=a, ip_address=ip(r), **d),
)
plan_add = case_change_view(
    "plan_form",
    lambda r, a: PlanItemForm(r.POST, organisations=_organisations(a.case)),
    lambda r, a, d: services.plan_item_add(actor=r.user, access=a, ip_address=ip(r), **d),
)
plan_status = case_change_view(
    "plan_status_form",
    lambda r, a: PlanStatusForm(r.POST),
    lambda r, a, d: services.plan_item_set_status(
        actor=r.user,
        access=a,
        item_id=d["item"],
        status=d["status"],
        # A form without the note field leaves the note alone.
        note=d["note"] if "note" in r.POST else None,
        ip_address=ip(r),
    ),
    change=PLAN_ITEM,
)
follow_up_add = case_change_view(
    "follow_up_form",
    lambda r, a: FollowUpForm(r.POST, writes=a.writes),
    lambda r, a, d: services.follow_up_add(actor=r.user, access=a, ip_address=ip(r), **d),
    change=FOLLOW_UP,
)
police_notes = case_change_view(
    "police_form",
    lambda r, a: PoliceNotesForm(r.POST),
    lambda r, a, d: services.police_notes_set(
        actor=r.user, access=a, text=d["text"], ip_address=ip(r)
    ),
    change=POLICE_NOTES,
)
case_close = case_change_view(
    "close_form",
    lambda r, a: CloseForm(r.POST),
    lambda r, a, d: services.case_close(
        actor=r.user, access=a, reason=d["reason"], ip_address=ip(r)
    ),
)
case_reopen = case_change_view(
    "reopen_form",
    lambda r, a: CloseForm(r.POST),
    lambda r, a, d: services.case_reopen(
        actor=r.user, access=a, reason=d["reason"], ip_address=ip(r)
    ),
    change=REOPEN,
)


@allow("POST")
@login_required
def member_remove(request, case_id, member_id):
    access = access_case_by_id(
        request.user, case_id, Purpose.CASE_WORK, change=True, ip_address=ip(request)
    )
    try:
        services.member_remove(
            actor=request.user, access=access, member_id=member_id, ip_address=ip(request)
        )
    except ValidationError:
        raise Http404 from None
    return _to_case(access.case)


# --- statistics and the log review ------------------------------------------------------


@allow("GET")
@login_required
def statistics(request):
    if not request.user.can(Capability.VIEW_CASE_STATISTICS):
        raise Http404
    year = query_params(request, StatisticsQuery)["year"]
    rows = case_statistics(request.user, year=year)
    return render(request, "cases/statistics.html", {"rows": rows, "year": year})


@allow("GET")
@login_required
def log_review(request):
    """The sampling report for the regular review of the access log (administrators)."""
    if not request.user.can(Capability.VIEW_AUDIT):
        raise Http404
    form = LogReviewForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadQuery(form.problems())
    today = timezone.localdate()
    since, until, size = today - timedelta(days=30), today + timedelta(days=1), 25
    if form.is_valid():
        since = form.cleaned_data["since"] or since
        until = (form.cleaned_data["until"] or today) + timedelta(days=1)
        size = form.cleaned_data["size"] or size
    report = audit_sample(
        since=timezone.make_aware(datetime.combine(since, time.min)),
        until=timezone.make_aware(datetime.combine(until, time.min)),
        # A reviewer reviews the access log of their own municipalities only.
        municipality_codes=municipalities_for_user(request.user).values_list("code", flat=True),
        size=size,
    )
    return render(request, "cases/log_review.html", {"form": form, "report": report})


def case_url(case) -> str:
    return reverse("cases:case", kwargs={"case_id": case.public_id})
