from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import manage_views, views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", manage_views.group_create, name="create"),
    path("<id:group_id>/", views.group_detail, name="detail"),
    path("<id:group_id>/edit/", manage_views.group_edit, name="edit"),
    path("<id:group_id>/members/", manage_views.group_members, name="members"),
]
