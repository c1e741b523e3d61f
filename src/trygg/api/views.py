"""API views: thin wrappers around the selectors, which decide what a user may see."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from trygg.accounts.selectors import safety_groups_for_user
from trygg.areas.selectors import (
    area_feature_collection,
    areas_for_user,
    municipalities_for_user,
)

from .serializers import AreaSerializer, MeSerializer, MunicipalitySerializer, SafetyGroupSerializer


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    lookup_field = "code"

    def get_queryset(self):
        return municipalities_for_user(self.request.user).order_by("code")


MUNICIPALITY_FILTER = OpenApiParameter("municipality", str, description="Municipality code")
LEVEL_FILTER = OpenApiParameter("level", str, enum=["district", "area"])


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer

    def get_queryset(self):
        areas = areas_for_user(self.request.user).order_by("municipality__code", "code")
        params = self.request.query_params
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
