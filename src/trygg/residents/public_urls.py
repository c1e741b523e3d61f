"""Public pages without login (under /trygghet/): the report form, the receipt, the public
map of reports, and the department's status page."""

from django.urls import path

from . import map_views, views

app_name = "trygghet"
urlpatterns = [
    # The receipt first: "kvitto" is not a municipality code (those are four digits).
    path("kvitto/<str:token>/", views.receipt, name="receipt"),
    path("status/<str:token>/", map_views.department_status, name="department-status"),
    path("<str:code>/", views.report, name="report"),
    path("<str:code>/karta/", map_views.public_map, name="map"),
    path("<str:code>/karta.csv", map_views.public_map_csv, name="map-csv"),
    path("<str:code>/nara/", map_views.nearby, name="nearby"),
]
