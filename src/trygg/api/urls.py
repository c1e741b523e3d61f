from django.urls import path
from rest_framework.routers import DefaultRouter

import trygg.core.http  # noqa: F401  (registers the "id" path converter)
from trygg.cases.api import CaseViewSet, ConcernViewSet, ConsentViewSet, PersonViewSet
from trygg.situation.api import ObservationViewSet

from . import views

router = DefaultRouter()
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("areas", views.AreaViewSet, basename="area")
router.register("safety-groups", views.SafetyGroupViewSet, basename="safety-group")
router.register("observations", ObservationViewSet, basename="observation")
router.register("analysis-runs", views.AnalysisRunViewSet, basename="analysis-run")
router.register("cases", CaseViewSet, basename="case")
router.register("people", PersonViewSet, basename="person")
router.register("consents", ConsentViewSet, basename="consent")
router.register("concerns", ConcernViewSet, basename="concern")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("priorities/", views.PrioritiesView.as_view(), name="api-priorities"),
    path(
        "areas/<id:pk>/statistics/",
        views.AreaStatisticsView.as_view(),
        name="api-area-statistics",
    ),
    path("open/<str:code>/", views.OpenDataView.as_view(), name="api-open-data"),
    *router.urls,
]
