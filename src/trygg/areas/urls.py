from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.area_list, name="list"),
    path("<id:area_id>/", views.area_detail, name="detail"),
    path("import/", views.area_import, name="import"),
]
