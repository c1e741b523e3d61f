from django.urls import path
from rest_framework.routers import DefaultRouter

from trygg.situation.api import ObservationViewSet

from . import views

router = DefaultRouter()
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("areas", views.AreaViewSet, basename="area")
router.register("safety-groups", views.SafetyGroupViewSet, basename="safety-group")
router.register("observations", ObservationViewSet, basename="observation")

urlpatterns = [path("me/", views.MeView.as_view(), name="api-me"), *router.urls]
