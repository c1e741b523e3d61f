from django.urls import path

from . import manage_views, views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", manage_views.group_create, name="create"),
    path("<int:group_id>/", views.group_detail, name="detail"),
    path("<int:group_id>/edit/", manage_views.group_edit, name="edit"),
    path("<int:group_id>/members/", manage_views.group_members, name="members"),
]
