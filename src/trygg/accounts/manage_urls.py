"""The municipal administrator's pages, mounted at /manage/."""

from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import manage_views as views

app_name = "manage"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<id:user_id>/", views.user_detail, name="user"),
    path("users/<id:user_id>/password/", views.user_password, name="user-password"),
    path(
        "users/<id:user_id>/two-factor/",
        views.user_authenticators_view,
        name="user-authenticators",
    ),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<id:organisation_id>/", views.organisation_detail, name="organisation"),
    path(
        "organisations/<id:organisation_id>/sign-on/",
        views.organisation_sign_on,
        name="organisation-sign-on",
    ),
    path("areas/", views.area_list, name="areas"),
    path("areas/<id:area_id>/", views.area_edit, name="area"),
]
