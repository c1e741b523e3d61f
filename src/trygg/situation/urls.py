from django.urls import path, register_converter

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import views


class IsoWeekConverter:
    regex = r"\d{4}-W\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(IsoWeekConverter, "isoweek")

app_name = "situation"
urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("observations/", views.observation_list, name="observations"),
    path("observations/<uuid:public_id>/", views.observation_detail, name="observation"),
    path("import/", views.observation_import, name="import"),
    path("groups/<id:group_id>/", views.group_page, name="group"),
    path("groups/<id:group_id>/settings/", views.group_settings, name="group-settings"),
    path("actions/overdue/", views.overdue, name="overdue"),
    path("actions/<id:action_id>/", views.action_detail, name="action"),
    path("groups/<id:group_id>/<isoweek:week>/", views.week_group, name="week-group"),
    path("groups/<id:group_id>/quarter/", views.quarter_group, name="quarter-group"),
    path(
        "municipality/<str:code>/<isoweek:week>/",
        views.week_municipality,
        name="week-municipality",
    ),
    path(
        "municipality/<str:code>/quarter/",
        views.quarter_municipality,
        name="quarter-municipality",
    ),
]
