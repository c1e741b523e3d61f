"""Pages of the coordinators' records: concerns, people, guardians, consents, and the
person's log extract. Every record is read through its access function, which logs it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from trygg.areas.selectors import areas_for_user
from trygg.core.exports import csv_response
from trygg.core.web import add_form_errors, pdf_response, render_pdf

from .. import services
from ..access import (
    Purpose,
    access_concern_by_id,
    access_consent_by_id,
    access_person_by_id,
    is_adult,
)
from ..forms import (
    CloseForm,
    ConcernForm,
    ConsentForm,
    GuardianForm,
    PersonCreateForm,
    PersonEditForm,
    PersonFindForm,
    WithdrawForm,
)
from ..selectors import (
    PERSON_LOG_HEADER,
    cases_of_person,
    concern_duplicates,
    concerns_for_coordinator,
    concerns_shown,
    consent_expiry,
    consent_form_context,
    information_labels,
    organisations_in,
    people_for_coordinator,
    people_shown,
    person_log_extract,
    person_log_rows,
    person_record,
)
from ._common import (
    CONSENT_PDF_CSS,
    allow,
    coordinator_municipality_or_404,
    form_page,
    ip,
    submit,
    to_person,
)

# --- concerns ---------------------------------------------------------------------------


@allow("GET", "POST")
@login_required
def concern_new(request):
    form = ConcernForm(request.POST or None)
    return submit(
        request,
        form,
        lambda d: services.concern_submit(actor=request.user, ip_address=ip(request), **d),
        lambda _concern: redirect("cases:concern-received"),
    ) or form_page(request, "cases/concern_form.html", {"form": form})


@allow("GET")
@login_required
def concern_received(request):
    return render(request, "cases/concern_received.html")


@allow("GET")
@login_required
def concerns(request):
    coordinator_municipality_or_404(request.user)
    shown = concerns_shown(
        request.user,
        concerns_for_coordinator(request.user).order_by("status", "-submitted_at")[:200],
        purpose=Purpose.CONCERN,
        ip_address=ip(request),
    )
    duplicates = concern_duplicates(request.user, shown)
    return render(
        request,
        "cases/concern_list.html",
        {"rows": [(concern, len(duplicates.get(concern.pk, []))) for concern in shown]},
    )


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

    return submit(
        request,
        form,
        lambda d: services.concern_close(
            actor=request.user, concern=concern, reason=d["reason"], ip_address=ip(request)
        ),
        closed,
    ) or form_page(
        request,
        "cases/concern_detail.html",
        {
            "concern": concern,
            "form": form,
            # Other concerns about the same person: their reads are logged like the list's.
            "duplicates": concerns_shown(
                request.user,
                concern_duplicates(request.user, [concern])[concern.pk],
                purpose=Purpose.CONCERN,
                ip_address=ip(request),
            ),
        },
    )


# --- people -----------------------------------------------------------------------------


@allow("GET", "POST")
@login_required
def person_find(request):
    """Search by personal identity number; create only when no one has it."""
    municipality = coordinator_municipality_or_404(request.user)
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
                return to_person(person)
            found = services.person_find(
                actor=request.user,
                municipality=municipality,
                pin=data["pin"],
                ip_address=ip(request),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            if found is not None:
                return to_person(found)
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
    record = person_record(person)
    # The person's cases go through the case rule like every other case read, and are
    # logged: a coordinator sees here only the cases they may open.
    accesses = cases_of_person(request.user, person, purpose=Purpose.PERSON, ip_address=ip(request))
    return {
        "person": person,
        "pin": record.pin,
        "pin_masked": record.pin_masked,
        "consents": person.consents.all(),
        "state": record.consent,
        "covered": record.covered,
        "information_labels": record.information_labels,
        "cases": [access.case for access in accesses],
        "guardian_form": GuardianForm(),
        "consent_warning": consent_expiry(person),
        # An adult (the specialist function, bridge builders) consents alone: no guardians.
        "adult": is_adult(person),
        **extra,
    }


@allow("GET")
@login_required
def person_detail(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    return render(request, "cases/person_detail.html", _person_context(request, person))


@allow("POST")
@login_required
def guardian_add(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.PERSON, ip_address=ip(request))
    form = GuardianForm(request.POST)
    return submit(
        request,
        form,
        lambda d: services.guardian_add(
            actor=request.user, person=person, ip_address=ip(request), **d
        ),
        lambda _guardian: to_person(person),
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
    return submit(
        request,
        form,
        lambda d: services.person_update(
            actor=request.user, person=person, ip_address=ip(request), **d
        ),
        to_person,
    ) or form_page(
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
    return submit(
        request,
        form,
        lambda d: services.guardian_update(
            actor=request.user, guardian=guardian, ip_address=ip(request), **d
        ),
        lambda _guardian: to_person(person),
    ) or form_page(
        request,
        "cases/record_form.html",
        {"person": person, "form": form, "title": _("Edit the guardian")},
    )


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
            header=PERSON_LOG_HEADER,
            rows=person_log_rows(events),
        )
    return render(request, "cases/person_log.html", {"person": person, "events": events})


# --- consent ----------------------------------------------------------------------------


@allow("GET", "POST")
@login_required
def consent_new(request, person_id):
    person = access_person_by_id(request.user, person_id, Purpose.CONSENT, ip_address=ip(request))
    form = ConsentForm(
        request.POST or None, person=person, organisations=organisations_in(person.municipality_id)
    )

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
        return to_person(person)

    return submit(request, form, record, recorded) or form_page(
        request, "cases/consent_form.html", {"person": person, "form": form}
    )


@allow("GET")
@login_required
def consent_pdf(request, consent_id):
    consent = access_consent_by_id(request.user, consent_id, Purpose.PRINT, ip_address=ip(request))
    html = render_to_string(
        "cases/consent_pdf.html", consent_form_context(consent), request=request
    )
    pdf = render_pdf(html, stylesheet=CONSENT_PDF_CSS, base_url=request.build_absolute_uri("/"))
    return pdf_response(pdf, filename=f"samtycke-{consent.public_id.hex[:8]}.pdf", inline=True)


@allow("POST")
@login_required
def consent_received(request, consent_id):
    consent = access_consent_by_id(
        request.user, consent_id, Purpose.CONSENT, ip_address=ip(request)
    )
    services.consent_mark_received(actor=request.user, consent=consent, ip_address=ip(request))
    messages.success(request, _("The signed consent form is recorded as received."))
    return to_person(consent.person)


@allow("GET", "POST")
@login_required
def consent_withdraw(request, consent_id):
    """A confirmation step: the page asks how the withdrawal was received and for a tick
    that the coordinator means it; only the confirmed POST withdraws."""
    consent = access_consent_by_id(
        request.user, consent_id, Purpose.CONSENT, ip_address=ip(request)
    )
    form = WithdrawForm(request.POST or None)

    def withdrawn(_consent):
        messages.success(request, _("The consent is withdrawn. It no longer applies."))
        return to_person(consent.person)

    return submit(
        request,
        form,
        lambda d: services.consent_withdraw(
            actor=request.user,
            consent=consent,
            received_how=d["received_how"],
            note=d["note"],
            ip_address=ip(request),
        ),
        withdrawn,
    ) or form_page(
        request,
        "cases/consent_withdraw.html",
        {
            "consent": consent,
            "person": consent.person,
            "form": form,
            "information_labels": information_labels(consent.information),
        },
    )
