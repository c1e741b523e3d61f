from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.upload_list, name="index"),
    path("<uuid:public_id>/", views.upload_detail, name="detail"),
    path("<uuid:public_id>/problems.csv", views.upload_problems_csv, name="problems"),
    path("jobs/<uuid:public_id>/", views.job_status, name="job-status"),
]
