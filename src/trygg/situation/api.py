"""The observations API: the same selector and services as the pages, so the rules agree."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import Http404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from trygg.accounts.roles import Capability
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area
from trygg.areas.selectors import areas_for_user
from trygg.core.params import (
    DATE_RANGE_MESSAGE,
    MAX_DATE,
    MAX_YEAR,
    MIN_DATE,
    MIN_YEAR,
    IdSerializerField,
    LimitOffsetPagination,
    api_query_params,
)
from trygg.core.web import require_capability

from .categories import category_keys
from .models import Observation, ObservationSource, Place
from .selectors import (
    group_branches,
    observation_get_for_user,
    observations_count,
    observations_filtered,
    observations_for_user,
    observations_slice,
    places_for_user,
    reporting_groups_by_id,
)
from .services import EARLIEST_OBSERVATION, observation_create, observation_update


class ObservationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    area_code = serializers.CharField(source="area.code", read_only=True, allow_null=True)
    group = serializers.IntegerField(source="group_id", read_only=True, allow_null=True)
    place = serializers.CharField(source="place_name", read_only=True)
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Observation
        fields = [
            "id",
            "observed_at",
            "category",
            "severity",
            "lat",
            "lon",
            "area_code",
            "place",
            "group",
            "people_count",
            "restricted",
            "text",
            "mine",
        ]

    def get_mine(self, observation) -> bool:
        return observation.reporter_id == self.context["request"].user.pk


LIST_FIELDS = (
    "id", "public_id", "observed_at", "category", "severity", "lat", "lon", "area__code",
    "place_name", "group_id", "people_count", "restricted", "text", "reporter_id",
)  # fmt: skip


class ObservedAtField(serializers.DateTimeField):
    """A time such as 0001-01-01T00:00 in Swedish time has no UTC equivalent, which DRF's
    own check does not survive; it is refused like any other time before the earliest."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise ValidationError(
                _("The time lies before %(year)d; check the year.")
                % {"year": EARLIEST_OBSERVATION.year}
            ) from None


class ObservationWriteSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=[])
    severity = serializers.IntegerField(min_value=1, max_value=3)
    observed_at = ObservedAtField(required=False)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    place = serializers.IntegerField(required=False, allow_null=True, default=None)
    area = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="Area code"
    )
    group = serializers.IntegerField(required=False, allow_null=True, default=None)
    people_count = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0
    )
    restricted = serializers.BooleanField(required=False, default=False)
    client_key = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="Your own key for this report: sending it again returns the saved report.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_keys()

    def resolve(self, user) -> dict:
        data = dict(self.validated_data)
        if data.get("place") is not None:
            try:
                data["place"] = places_for_user(user).get(pk=data["place"])
            except Place.DoesNotExist:
                raise ValidationError(
                    {
                        "place": _(
                            "Unknown place: use the id of one of your municipality's named places."
                        )
                    }
                ) from None
        if data.get("area"):
            try:
                # Neither the area's boundary nor its district is needed to file a report.
                data["area"] = (
                    areas_for_user(user)
                    .select_related(None)
                    .select_related("municipality")
                    .defer("geometry")
                    .get(code=data["area"])
                )
            except (Area.DoesNotExist, Area.MultipleObjectsReturned):
                raise ValidationError(
                    {
                        "area": _(
                            "Unknown area code: use the code of one of your municipality's areas."
                        )
                    }
                ) from None
        if data.get("group") is not None:
            data["group"] = reporting_groups_by_id(user).get(data["group"])
            if data["group"] is None:
                raise ValidationError({"group": _("You do not report to that safety group.")})
        return data


class MomentField(serializers.Field):
    """An ISO date (the whole Swedish day) or date and time, within the years Trygg holds."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data):
        text = str(data).strip()
        try:
            moment = parse_datetime(text) if len(text) <= 64 else None
            day = parse_date(text) if moment is None and len(text) <= 64 else None
        except ValueError:  # well-formed but impossible, such as 2026-02-30
            moment = day = None
        if moment is None and day is None:
            raise ValidationError(
                _("Use an ISO date or time, such as 2026-05-17 or 2026-05-17T21:30.")
            )
        if not MIN_YEAR <= (moment or day).year <= MAX_YEAR:
            raise ValidationError(
                DATE_RANGE_MESSAGE % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
            )
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
        if self.end:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=LOCAL)


class ObservationQuery(serializers.Serializer):
    group = IdSerializerField()
    area = serializers.CharField(required=False, max_length=100)
    category = serializers.CharField(required=False, max_length=100)
    since = MomentField()
    until = MomentField(end=True)


FILTERS = [
    OpenApiParameter("group", int, description="Safety group id"),
    OpenApiParameter("area", str, description="Area code"),
    OpenApiParameter("category", str),
    OpenApiParameter("since", str, description="ISO date or time (inclusive)"),
    OpenApiParameter("until", str, description="ISO date (inclusive) or time (exclusive)"),
]


class ObservationPagination(LimitOffsetPagination):
    """The documented limit/offset pages with their count, fetched through
    :func:`observations_slice` so that a group's page reads along the indexes."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        filters = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
        self.count = observations_count(request.user, queryset, filters=filters)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return observations_slice(
            queryset,
            start=self.offset,
            stop=self.offset + self.limit,
            branches=getattr(view, "branches", None),
        )


class ObservationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Observations of the situational picture that the caller may read."""

    serializer_class = ObservationSerializer
    pagination_class = ObservationPagination
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_capability(
            request.user, Capability.REPORT_OBSERVATIONS, Capability.VIEW_ALL_OBSERVATIONS
        )

    def get_queryset(self):
        params = api_query_params(self.request, ObservationQuery)
        area = None
        if params.get("area"):
            area = (
                areas_for_user(self.request.user)
                .filter(code=params["area"])
                .values_list("id", flat=True)
                .first()
            ) or -1
        group = params.get("group")
        self.branches = group_branches(group) if group and not area else None
        return (
            observations_filtered(
                observations_for_user(self.request.user),
                group=group,
                area=area,
                category=params.get("category"),
                since=params.get("since"),
                until=params.get("until"),
            )
            # Only what the serializer reads.
            .select_related(None)
            .select_related("area")
            .only(*LIST_FIELDS)
            .order_by("-observed_at", "-id")
        )

    def get_object(self):
        return observation_get_for_user(self.request.user, public_id=self.kwargs["public_id"])

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ObservationWriteSerializer, responses={201: ObservationSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ObservationWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.resolve(request.user)
        key = data.pop("client_key")
        # A service's ValidationError is answered as a 400 by trygg.core.drf.
        observation, created = observation_create(
            actor=request.user, source=ObservationSource.API, source_id=key, **data
        )
        return Response(
            ObservationSerializer(observation, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=ObservationWriteSerializer, responses={200: ObservationSerializer})
    def partial_update(self, request, *args, **kwargs):
        observation = self.get_object()
        if observation.reporter_id != request.user.pk:
            raise Http404
        incoming = ObservationWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.resolve(request.user)
        changes = {k: data[k] for k in request.data if k in data and k != "client_key"}
        observation_update(actor=request.user, observation=observation, **changes)
        return Response(ObservationSerializer(observation, context={"request": request}).data)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return self.partial_update(request, *args, **kwargs)
