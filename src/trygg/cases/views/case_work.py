"""Pages of case work: the case list, opening a case, the case page and every change to a
case. Every case is read through ``access_case_by_id``, which logs the read; the page and
the API show the same :class:`~trygg.cases.selectors.CaseView`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.roles import Capability
from trygg.core.params import query_params
from trygg.core.web import capability_required

from .. import services
from ..access import (
    CaseWrite,
    Purpose,
    Rule,
    access_case_by_id,
    access_concern_by_id,
    access_person_by_id,
    is_adult,
    is_coordinator,
)
from ..forms import (
    CaseForm,
    CaseListQuery,
    CloseForm,
    ContactLogForm,
    FollowUpForm,
    MeetingForm,
    MemberForm,
    PlanItemForm,
    PlanStatusForm,
    PoliceNotesForm,
)
from ..models import CaseStatus, Concern, ContactKind
from ..selectors import (
    case_coordinators_for,
    case_view,
    cases_for_user,
    consent_expiry,
    open_concern_count,
    organisations_in,
    team_candidates,
)
from ._common import allow, form_page, ip, submit, to_case


@allow("GET")
@capability_required(Capability.INDIVIDUAL_CASES)
def index(request):
    coordinators = case_coordinators_for(request.user)
    filters = query_params(request, CaseListQuery, coordinators=coordinators)
    accesses = cases_for_user(
        request.user,
        purpose=Purpose.CASE_LIST,
        ip_address=ip(request),
        status=filters["status"],
        programme=filters["programme"],
        coordinator=filters["coordinator"],
        follow_up_due=filters["follow_up_due"],
    )
    coordinator = is_coordinator(request.user)
    return render(
        request,
        "cases/index.html",
        {
            "accesses": accesses,
            "filter_form": CaseListQuery(request.GET or None, coordinators=coordinators),
            "filtered": any(filters.values()),
            "today": timezone.localdate(),
            "coordinator": coordinator,
            "new_concerns": open_concern_count(request.user) if coordinator else 0,
        },
    )


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
        return to_case(case)

    return submit(
        request,
        form,
        lambda d: services.case_open(
            actor=request.user, person=person, concern=concern, ip_address=ip(request), **d
        ),
        opened,
    ) or form_page(
        request, "cases/case_form.html", {"person": person, "form": form, "concern": concern}
    )


def _concern_of(case) -> Concern | None:
    """The concern the case was opened from (its coordinator's to see)."""
    try:
        return case.concern
    except Concern.DoesNotExist:
        return None


def _case_context(request, access, **forms):
    view = case_view(access)
    case = access.case
    concern = view.concern
    context = {
        "access": access,
        "case": case,
        "person": view.person,
        "sees": {section: True for section in view.sections},
        "risk_labels": concern.risk_labels if concern else [],
        "protective_labels": concern.protective_labels if concern else [],
        "members": view.members or [],
        "meetings": view.meetings or [],
        "plan_items": view.plan_items or [],
        "follow_ups": view.follow_ups or [],
        "contact_log": view.contact_log or [],
        "adult": is_adult(case.person),
        "concern_record": _concern_of(case) if access.rule == Rule.COORDINATOR else None,
        "consent_warning": consent_expiry(case.person) if view.consent is not None else None,
        "today": timezone.localdate(),
        "state": view.consent,
        "plan_statuses": PlanStatusForm.base_fields["status"].choices,
        "plan_editable": {
            item.pk
            for item in view.plan_items or []
            if services.plan_item_editable(access, request.user, item)
        },
    }
    if view.pin_masked is not None:
        context["pin_masked"] = view.pin_masked
    # The forms of what this user may write (the choke point decided; see access.py).
    if access.may(CaseWrite.FOLLOW_UP):
        context["follow_up_form"] = forms.get("follow_up_form") or FollowUpForm(
            initial={"followed_up_on": timezone.localdate()}, writes=access.writes
        )
    if access.may(CaseWrite.CONTACT_LOG):
        context["contact_form"] = forms.get("contact_form") or ContactLogForm(
            initial={"contacted_on": timezone.localdate(), "kind": ContactKind.MEETING}
        )
    if access.may(CaseWrite.POLICE_NOTES):
        context["police_form"] = forms.get("police_form") or PoliceNotesForm(
            initial={"text": case.police_notes}
        )
    if access.may(CaseWrite.REOPEN) and case.status == CaseStatus.CLOSED:
        context["reopen_form"] = forms.get("reopen_form") or CloseForm()
    if access.may(CaseWrite.COORDINATE):
        context |= {
            "member_form": forms.get("member_form") or MemberForm(candidates=team_candidates(case)),
            "meeting_form": forms.get("meeting_form")
            or MeetingForm(initial={"held_on": timezone.localdate()}),
            "plan_form": forms.get("plan_form")
            or PlanItemForm(organisations=organisations_in(case.municipality_id)),
            "close_form": forms.get("close_form") or CloseForm(),
        }
    return context


@allow("GET")
@login_required
def case_detail(request, case_id):
    access = access_case_by_id(request.user, case_id, Purpose.CASE_WORK, ip_address=ip(request))
    return render(request, "cases/case_detail.html", _case_context(request, access))


def case_change_view(form_name: str, make_form, apply, *, write: CaseWrite):
    """A POST view that changes a case: the choke point with ``write``, then the form, then
    the service, which checks the granted access again. On an error the case page comes
    back with the form and its errors (400)."""

    @allow("POST")
    @login_required
    def view(request, case_id):
        access = access_case_by_id(
            request.user, case_id, Purpose.CASE_WORK, write=write, ip_address=ip(request)
        )
        form = make_form(request, access)
        return submit(
            request,
            form,
            lambda data: apply(request, access, data),
            lambda _result: to_case(access.case),
        ) or render(
            request,
            "cases/case_detail.html",
            _case_context(request, access, **{form_name: form}),
            status=400,
        )

    return view


member_add = case_change_view(
    "member_form",
    lambda r, a: MemberForm(r.POST, candidates=team_candidates(a.case)),
    lambda r, a, d: services.member_add(actor=r.user, access=a, user=d["user"], ip_address=ip(r)),
    write=CaseWrite.COORDINATE,
)
meeting_add = case_change_view(
    "meeting_form",
    lambda r, a: MeetingForm(r.POST),
    lambda r, a, d: services.meeting_add(actor=r.user, access=a, ip_address=ip(r), **d),
    write=CaseWrite.COORDINATE,
)
plan_add = case_change_view(
    "plan_form",
    lambda r, a: PlanItemForm(r.POST, organisations=organisations_in(a.case.municipality_id)),
    lambda r, a, d: services.plan_item_add(actor=r.user, access=a, ip_address=ip(r), **d),
    write=CaseWrite.COORDINATE,
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
    write=CaseWrite.PLAN_ITEM,
)
follow_up_add = case_change_view(
    "follow_up_form",
    lambda r, a: FollowUpForm(r.POST, writes=a.writes),
    lambda r, a, d: services.follow_up_add(actor=r.user, access=a, ip_address=ip(r), **d),
    write=CaseWrite.FOLLOW_UP,
)
contact_log_add = case_change_view(
    "contact_form",
    lambda r, a: ContactLogForm(r.POST),
    lambda r, a, d: services.contact_log_add(actor=r.user, access=a, ip_address=ip(r), **d),
    write=CaseWrite.CONTACT_LOG,
)
police_notes = case_change_view(
    "police_form",
    lambda r, a: PoliceNotesForm(r.POST),
    lambda r, a, d: services.police_notes_set(
        actor=r.user, access=a, text=d["text"], ip_address=ip(r)
    ),
    write=CaseWrite.POLICE_NOTES,
)
case_close = case_change_view(
    "close_form",
    lambda r, a: CloseForm(r.POST),
    lambda r, a, d: services.case_close(
        actor=r.user, access=a, reason=d["reason"], ip_address=ip(r)
    ),
    write=CaseWrite.COORDINATE,
)
case_reopen = case_change_view(
    "reopen_form",
    lambda r, a: CloseForm(r.POST),
    lambda r, a, d: services.case_reopen(
        actor=r.user, access=a, reason=d["reason"], ip_address=ip(r)
    ),
    write=CaseWrite.REOPEN,
)


@allow("POST")
@login_required
def member_remove(request, case_id, member_id):
    access = access_case_by_id(
        request.user, case_id, Purpose.CASE_WORK, write=CaseWrite.COORDINATE, ip_address=ip(request)
    )
    try:
        services.member_remove(
            actor=request.user, access=access, member_id=member_id, ip_address=ip(request)
        )
    except ValidationError:
        raise Http404 from None
    return to_case(access.case)
