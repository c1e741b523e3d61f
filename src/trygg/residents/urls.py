"""Signed-in pages: moderation of residents' reports and safety walks (under /residents/)."""

from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report"),
    path("walks/", views.walk_list, name="walks"),
    path("walks/new/", views.walk_new, name="walk-new"),
    path("walks/<uuid:public_id>/", views.walk_detail, name="walk"),
    path("walks/<uuid:public_id>/points/", views.walk_point, name="walk-point"),
    path("walks/<uuid:public_id>/route/", views.walk_route, name="walk-route"),
    path("walks/<uuid:public_id>/finish/", views.walk_finish_view, name="walk-finish"),
    path("walks/<uuid:public_id>/convert/", views.walk_convert, name="walk-convert"),
    path("walks/<uuid:public_id>/export/<str:fmt>/", views.walk_export, name="walk-export"),
]
