"""API views: thin wrappers around the selectors, which decide what a user may see."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from trygg.accounts.selectors import safety_groups_for_user
from trygg.areas.selectors import (
    area_feature_collection,
    area_get_for_user,
    areas_for_user,
    municipalities_for_user,
)
from trygg.core.params import YearSerializerField, api_query_params
from trygg.public.selectors import publication_public_get, publication_rows
from trygg.reports.selectors import (
    analysis_run_get_for_user,
    analysis_runs_for_user,
    area_statistics,
    dashboard_rows,
    latest_run_for_user,
)

from .serializers import (
    AnalysisRunSerializer,
    AreaSerializer,
    MeSerializer,
    MunicipalitySerializer,
    PriorityRowSerializer,
    PublishedAreaSerializer,
    SafetyGroupSerializer,
)


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    lookup_field = "code"

    def get_queryset(self):
        return municipalities_for_user(self.request.user).order_by("code")


# Query parameters (trygg.core.params): a malformed value answers 400 with DRF's JSON.
CODE = {"required": False, "max_length": 100}

MUNICIPALITY_FILTER = OpenApiParameter("municipality", str, description="Municipality code")
LEVEL_FILTER = OpenApiParameter("level", str, enum=["district", "area"])


class AreaQuery(serializers.Serializer):
    municipality = serializers.CharField(**CODE)
    level = serializers.CharField(**CODE)


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer

    def get_queryset(self):
        areas = areas_for_user(self.request.user).order_by("municipality__code", "code")
        params = api_query_params(self.request, AreaQuery)
        if params.get("municipality"):
            areas = areas.filter(municipality__code=params["municipality"])
        if params.get("level"):
            areas = areas.filter(level=params["level"])
        return areas

    @extend_schema(parameters=[MUNICIPALITY_FILTER, LEVEL_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[MUNICIPALITY_FILTER, LEVEL_FILTER],
        responses={200: dict},
        description="The areas with their boundaries as a GeoJSON FeatureCollection (WGS84).",
    )
    @action(detail=False, methods=["get"])
    def geojson(self, request):
        return Response(area_feature_collection(self.get_queryset()))


class SafetyGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SafetyGroupSerializer

    def get_queryset(self):
        return safety_groups_for_user(self.request.user).order_by("municipality__code", "name")


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        if not request.user.is_authenticated:
            raise Http404
        return Response(MeSerializer(request.user).data)


# --- survey and statistics (issue 6) ----------------------------------------------------


class AnalysisRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Analysis runs with their parameters and top priorities (roles that read results)."""

    serializer_class = AnalysisRunSerializer
    lookup_field = "public_id"

    def get_queryset(self):
        return analysis_runs_for_user(self.request.user).order_by("-created_at")


YEAR_FILTER = OpenApiParameter("year", int, description="Year of the analysis (latest run)")
RUN_FILTER = OpenApiParameter("run", str, description="Public id of a run (default: latest)")
DISTRICT_FILTER = OpenApiParameter("district", str, description="Code of a district")


class PrioritiesQuery(serializers.Serializer):
    municipality = serializers.CharField(**CODE)
    year = YearSerializerField()
    run = serializers.UUIDField(required=False)
    district = serializers.CharField(**CODE)


class PrioritiesView(APIView):
    """The ranked areas of a run with rank intervals and standardised components: the same
    rows as the priority dashboard, limited to the areas the user may see."""

    @extend_schema(
        parameters=[MUNICIPALITY_FILTER, YEAR_FILTER, RUN_FILTER, DISTRICT_FILTER],
        responses=PriorityRowSerializer(many=True),
    )
    def get(self, request):
        params = api_query_params(request, PrioritiesQuery)
        if params.get("run"):
            run = analysis_run_get_for_user(request.user, public_id=params["run"])
        else:
            municipalities = municipalities_for_user(request.user)
            if params.get("municipality"):
                municipalities = municipalities.filter(code=params["municipality"])
            run = latest_run_for_user(
                request.user, municipality=municipalities.first(), year=params.get("year")
            )
            if run is None:
                raise Http404
        areas = areas_for_user(request.user, municipality=run.municipality)
        if params.get("district"):
            areas = areas.filter(parent__code=params["district"])
        rows = dashboard_rows(run, areas=areas)
        return Response(PriorityRowSerializer(rows, many=True).data)


class AreaStatisticsView(APIView):
    """Everything the latest run says about one area: survey indices per year with
    intervals, reported crime per category and year, hot-spot class, emerging hot-spot
    category with its yearly z-values, rank and explanation."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        from trygg.accounts.roles import Capability

        area = area_get_for_user(request.user, area_id=pk)
        if not request.user.can(Capability.VIEW_REPORTS):
            raise Http404
        stats = area_statistics(request.user, area=area)
        if stats is None:
            raise Http404
        priority = stats["priority"]
        if priority:
            priority = {
                **priority,
                "components": [
                    {k: v for k, v in c.items() if k != "bar"} for c in priority["components"]
                ],
            }
        return Response(
            {
                "area": area.code,
                "run": str(stats["run"].public_id),
                "year": stats["run"].year,
                "survey": [
                    {k: v for k, v in s.items() if k != "sparkline"} for s in stats["survey"]
                ],
                "crime": {
                    "years": stats["crime"]["years"],
                    "categories": stats["crime"]["rows"],
                    "total": {
                        k: v for k, v in (stats["crime"]["total"] or {}).items() if k != "sparkline"
                    },
                },
                "hotspot": stats["hotspot"],
                "priority": priority,
                # The emerging hot-spot category and the yearly Gi* z-values (no chart).
                "emerging": {k: v for k, v in (stats.get("emerging") or {}).items() if k != "chart"}
                or None,
            }
        )


class YearQuery(serializers.Serializer):
    year = YearSerializerField()


class OpenDataView(APIView):
    """Published results of a municipality (no login): small cells are suppressed."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        parameters=[OpenApiParameter("year", int)],
        responses=PublishedAreaSerializer(many=True),
    )
    def get(self, request, code: str):
        year = api_query_params(request, YearQuery).get("year")
        publication = publication_public_get(code=code, year=year)
        return Response(
            {
                "municipality": code,
                "year": publication.year,
                "licence": publication.licence,
                "areas": PublishedAreaSerializer(publication_rows(publication), many=True).data,
            }
        )
