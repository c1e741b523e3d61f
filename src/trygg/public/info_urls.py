from django.urls import path

from . import info_views

urlpatterns = [
    path("tillganglighet/", info_views.accessibility, name="accessibility"),
    path("personuppgifter/", info_views.privacy, name="privacy"),
]
