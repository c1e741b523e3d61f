"""Signed-in pages: moderation of residents' reports and safety walks (under /residents/)."""

from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import routing_views, views

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
    path("routing/", routing_views.routing_index, name="routing-index"),
    path("routing/<str:code>/", routing_views.routing, name="routing"),
    path(
        "routing/departments/<id:department_id>/",
        routing_views.department_edit,
        name="department",
    ),
    path("routing/rules/<id:rule_id>/delete/", routing_views.rule_delete, name="rule-delete"),
]
