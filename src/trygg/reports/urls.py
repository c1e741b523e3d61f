from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.<str:fmt>", views.dashboard_export, name="dashboard-export"),
    path("compare/", views.compare, name="compare"),
    path("municipalities/", views.municipal_compare, name="municipalities"),
    path("area-tables/", views.area_export, name="area-export"),
    path("runs/new/", views.run_start, name="run-start"),
    path("runs/compare/", views.run_compare, name="run-compare"),
    path("jobs/<uuid:public_id>/", views.run_job, name="job"),
    path("<uuid:public_id>/", views.run_detail, name="detail"),
    path("<uuid:public_id>/publish/", views.run_publish, name="publish"),
    path("<uuid:public_id>/<str:name>", views.run_file, name="file"),
]
