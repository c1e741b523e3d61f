"""The cases API: the same choke point, access functions and services as the pages.

A role that cannot use an endpoint gets 404, as on the pages; a team member who may read a
case but not change it gets 403; anonymous callers get 401.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from trygg.accounts.roles import Capability
from trygg.areas.models import Area
from trygg.core.web import require_capability

from . import services
from .access import (
    SECTIONS,
    Purpose,
    access_case_by_id,
    access_concern_by_id,
    access_consent_by_id,
    access_person_by_id,
    consent_state,
)
from .checklists import PROTECTIVE_FACTORS, RISK_FACTORS
from .models import ConsentGiver, Information, Level, Programme, WithdrawalReceived
from .pin import masked
from .selectors import (
    case_view,
    cases_for_user,
    concerns_for_coordinator,
    concerns_shown,
    organisations_in,
    people_for_coordinator,
    people_shown,
)
from .views._common import coordinator_municipality_or_404, ip


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Missing, or not yours to see: the answer is the same."
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="You may read this case but not change it."
)
INVALID = OpenApiResponse(description="The input is wrong; the body names the fields.")


# --- cases ------------------------------------------------------------------------------


class CaseMemberOut(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField()
    organisation_kind = serializers.CharField()


class MeetingOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    held_on = serializers.DateField()
    kind = serializers.CharField()
    participants = serializers.CharField()
    minutes = serializers.CharField()


class PlanItemOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    what = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name")
    responsible = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.CharField()
    note = serializers.CharField()


class FollowUpOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    followed_up_on = serializers.DateField()
    school_attendance = serializers.IntegerField(allow_null=True)
    # null: not reported in this entry (a team member reports their own measure only).
    new_suspicions = serializers.BooleanField(allow_null=True)
    leisure_activity = serializers.BooleanField(allow_null=True)
    outcome = serializers.CharField()
    recorded_by = serializers.CharField(source="organisation.name", allow_null=True, default=None)


class ContactOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    contacted_on = serializers.DateField()
    kind = serializers.CharField()
    note = serializers.CharField()


class CaseOut(serializers.Serializer):
    """A case as the caller may see it: sections the field-level rules withhold are absent."""

    id = serializers.UUIDField()
    programme = serializers.CharField()
    level = serializers.CharField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    sections = serializers.ListField(child=serializers.ChoiceField(choices=SECTIONS))
    person = serializers.DictField(required=False)
    coordinator = serializers.CharField()
    team = CaseMemberOut(many=True, required=False)
    concern = serializers.DictField(required=False)
    meetings = MeetingOut(many=True, required=False)
    plan = PlanItemOut(many=True, required=False)
    follow_ups = FollowUpOut(many=True, required=False)
    police_notes = serializers.CharField(required=False)
    contact_log = ContactOut(many=True, required=False, help_text="Adults' cases only")


def case_payload(access) -> dict:
    """The API's form of :func:`~trygg.cases.selectors.case_view`, the page's too: a section
    the rule withholds is absent."""
    view = case_view(access)
    case = view.case
    data = {
        "id": case.public_id,
        "programme": case.programme,
        "level": case.level,
        "status": case.status,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "sections": list(view.sections),
        "coordinator": case.coordinator.display_name,
        "person": {"name": str(view.person)},
    }
    if view.pin_masked is not None:
        data["person"] |= {
            "id": str(view.person.public_id),
            "birth_date": view.person.birth_date.isoformat(),
            "personal_identity_number": view.pin_masked,
            "school": view.person.school,
        }
    if view.members is not None:
        data["team"] = [
            {
                "name": m.user.display_name,
                "organisation": m.organisation.name,
                "organisation_kind": m.organisation.kind,
            }
            for m in view.members
        ]
    if view.concern is not None:
        data["concern"] = {
            "reason": view.concern.reason,
            "risk_factors": view.concern.risk_factors,
            "protective_factors": view.concern.protective_factors,
        }
    if view.meetings is not None:
        data["meetings"] = MeetingOut(view.meetings, many=True).data
    if view.plan_items is not None:
        data["plan"] = PlanItemOut(view.plan_items, many=True).data
    if view.follow_ups is not None:
        data["follow_ups"] = FollowUpOut(view.follow_ups, many=True).data
    if view.police_notes is not None:
        data["police_notes"] = view.police_notes
    if view.contact_log is not None:
        data["contact_log"] = ContactOut(view.contact_log, many=True).data
    return data


class CaseSummaryOut(serializers.Serializer):
    id = serializers.UUIDField()
    programme = serializers.CharField()
    level = serializers.CharField()
    status = serializers.CharField()
    person = serializers.CharField()


class CaseIn(serializers.Serializer):
    person = serializers.UUIDField()
    programme = serializers.ChoiceField(choices=Programme.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=RISK_FACTORS), required=False, default=list
    )
    protective_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=PROTECTIVE_FACTORS), required=False, default=list
    )
    concern = serializers.UUIDField(required=False, allow_null=True, default=None)


class CaseViewSet(viewsets.ViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: CaseSummaryOut(many=True), 404: NOT_FOUND})
    def list(self, request):
        require_capability(request.user, Capability.INDIVIDUAL_CASES)
        accesses = cases_for_user(request.user, purpose=Purpose.API, ip_address=ip(request))
        return Response(
            [
                {
                    "id": str(a.case.public_id),
                    "programme": a.case.programme,
                    "level": a.case.level,
                    "status": a.case.status,
                    "person": str(a.case.person),
                }
                for a in accesses
            ]
        )

    @extend_schema(responses={200: CaseOut, 404: NOT_FOUND})
    def retrieve(self, request, public_id=None):
        access = access_case_by_id(request.user, public_id, Purpose.API, ip_address=ip(request))
        return Response(case_payload(access))

    @extend_schema(
        request=CaseIn,
        responses={201: CaseOut, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        description="Open a case (SSPF coordinators); the caller becomes its coordinator.",
    )
    def create(self, request):
        payload = CaseIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = access_person_by_id(
            request.user, data.pop("person"), Purpose.API, ip_address=ip(request)
        )
        concern_id = data.pop("concern")
        concern = (
            access_concern_by_id(request.user, concern_id, Purpose.API, ip_address=ip(request))
            if concern_id
            else None
        )
        case = services.case_open(
            actor=request.user, person=person, concern=concern, ip_address=ip(request), **data
        )
        access = access_case_by_id(request.user, case.public_id, Purpose.API)
        return Response(case_payload(access), status=status.HTTP_201_CREATED)


# --- people -----------------------------------------------------------------------------


class PersonOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField()
    school = serializers.CharField()
    personal_identity_number = serializers.SerializerMethodField()
    consent_active = serializers.SerializerMethodField()

    def get_personal_identity_number(self, person) -> str:
        return masked(services.person_pin(person))

    def get_consent_active(self, person) -> bool:
        return consent_state(person).active


class PersonIn(serializers.Serializer):
    personal_identity_number = serializers.CharField(max_length=20)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    school = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    area = serializers.CharField(required=False, allow_null=True, default=None)


class PersonViewSet(viewsets.ViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: PersonOut(many=True), 404: NOT_FOUND})
    def list(self, request):
        coordinator_municipality_or_404(request.user)
        people = people_shown(
            request.user,
            people_for_coordinator(request.user).order_by("last_name", "first_name")[:500],
            purpose=Purpose.API,
            ip_address=ip(request),
        )
        return Response(PersonOut(people, many=True).data)

    @extend_schema(responses={200: PersonOut, 404: NOT_FOUND})
    def retrieve(self, request, public_id=None):
        person = access_person_by_id(request.user, public_id, Purpose.API, ip_address=ip(request))
        return Response(PersonOut(person).data)

    @extend_schema(
        request=PersonIn,
        responses={200: PersonOut, 201: PersonOut, 400: INVALID, 404: NOT_FOUND},
        description="Search-or-create by personal identity number: 200 with the person "
        "already registered, 201 with a new one. Never two records for one number.",
    )
    def create(self, request):
        municipality = coordinator_municipality_or_404(request.user)
        payload = PersonIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        area = None
        if data["area"]:
            area = Area.objects.filter(municipality=municipality, code=data["area"]).first()
            if area is None:
                raise ValidationError({"area": "unknown area code"})
        person, created = services.person_find_or_create(
            actor=request.user,
            municipality=municipality,
            pin=data["personal_identity_number"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            school=data["school"],
            area=area,
            ip_address=ip(request),
        )
        return Response(
            PersonOut(person).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- consents ---------------------------------------------------------------------------


class ConsentOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    person = serializers.UUIDField(source="person.public_id")
    given_by = serializers.CharField()
    guardian = serializers.CharField(source="guardian.name", allow_null=True, default=None)
    parties = serializers.SerializerMethodField()
    information = serializers.ListField(child=serializers.CharField())
    purpose = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    received_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)

    def get_parties(self, consent) -> list[str]:
        return [o.key for o in consent.parties.all()]


class ConsentIn(serializers.Serializer):
    person = serializers.UUIDField()
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    guardian = serializers.UUIDField(required=False, allow_null=True, default=None)
    parties = serializers.ListField(child=serializers.SlugField(), help_text="Organisation keys")
    information = serializers.ListField(child=serializers.ChoiceField(choices=Information.choices))
    purpose = serializers.CharField(max_length=500)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    received = serializers.BooleanField(required=False, default=False)


class WithdrawIn(serializers.Serializer):
    received_how = serializers.ChoiceField(
        choices=WithdrawalReceived.choices,
        required=False,
        default="",
        help_text="How the withdrawal reached the coordinator",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ConsentViewSet(viewsets.ViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"

    @extend_schema(
        parameters=[OpenApiParameter("person", str, required=True, description="Person id")],
        responses={200: ConsentOut(many=True), 404: NOT_FOUND},
    )
    def list(self, request):
        person = access_person_by_id(
            request.user, request.query_params.get("person"), Purpose.API, ip_address=ip(request)
        )
        return Response(ConsentOut(person.consents.all(), many=True).data)

    @extend_schema(responses={200: ConsentOut, 404: NOT_FOUND})
    def retrieve(self, request, public_id=None):
        consent = access_consent_by_id(request.user, public_id, Purpose.API, ip_address=ip(request))
        return Response(ConsentOut(consent).data)

    @extend_schema(request=ConsentIn, responses={201: ConsentOut, 400: INVALID, 404: NOT_FOUND})
    def create(self, request):
        payload = ConsentIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = access_person_by_id(
            request.user, data.pop("person"), Purpose.API, ip_address=ip(request)
        )
        guardian_id = data.pop("guardian")
        guardian = person.guardians.filter(public_id=guardian_id).first() if guardian_id else None
        parties = list(organisations_in(person.municipality_id).filter(key__in=data.pop("parties")))
        consent = services.consent_record(
            actor=request.user,
            person=person,
            guardian=guardian,
            parties=parties,
            ip_address=ip(request),
            **data,
        )
        return Response(ConsentOut(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawIn, responses={200: ConsentOut, 400: INVALID, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, public_id=None):
        consent = access_consent_by_id(request.user, public_id, Purpose.API, ip_address=ip(request))
        payload = WithdrawIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.consent_withdraw(
            actor=request.user, consent=consent, ip_address=ip(request), **payload.validated_data
        )
        return Response(ConsentOut(consent).data)


# --- concerns ---------------------------------------------------------------------------


class ConcernIn(serializers.Serializer):
    subject_name = serializers.CharField(max_length=200)
    subject_age = serializers.IntegerField(
        min_value=0, max_value=30, required=False, allow_null=True
    )
    description = serializers.CharField(max_length=4000)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReceivedOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["received"])


class ConcernOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    submitted_at = serializers.DateTimeField()
    submitter_organisation = serializers.CharField()
    subject_name = serializers.CharField()
    subject_age = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    contact = serializers.CharField()
    status = serializers.CharField()
    closed_reason = serializers.CharField()


class ConcernViewSet(viewsets.ViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[^/]+"

    @extend_schema(responses={200: ConcernOut(many=True), 404: NOT_FOUND})
    def list(self, request):
        coordinator_municipality_or_404(request.user)
        shown = concerns_shown(
            request.user,
            concerns_for_coordinator(request.user).order_by("-submitted_at")[:500],
            purpose=Purpose.API,
            ip_address=ip(request),
        )
        return Response(ConcernOut(shown, many=True).data)

    @extend_schema(responses={200: ConcernOut, 404: NOT_FOUND})
    def retrieve(self, request, public_id=None):
        concern = access_concern_by_id(request.user, public_id, Purpose.API, ip_address=ip(request))
        return Response(ConcernOut(concern).data)

    @extend_schema(
        request=ConcernIn,
        responses={201: ReceivedOut, 400: INVALID},
        description="Any signed-in member sends a concern to the SSPF coordinator. The answer "
        "says only that it was received. The duty to report a child at risk to social services "
        "(Social Services Act, chapter 14, section 1) is separate; this does not replace it.",
    )
    def create(self, request):
        payload = ConcernIn(data=request.data)
        payload.is_valid(raise_exception=True)
        services.concern_submit(
            actor=request.user, ip_address=ip(request), **payload.validated_data
        )
        return Response({"status": "received"}, status=status.HTTP_201_CREATED)
