from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.municipality, name="municipality"),
    path("<str:code>/<int:year>/data.csv", views.data_csv, name="data-csv"),
    path("<str:code>/<int:year>/data.geojson", views.data_geojson, name="data-geojson"),
    path("<str:code>/<int:year>/<str:name>", views.report_file, name="report"),
]
