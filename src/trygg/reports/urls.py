from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("<uuid:public_id>/", views.run_detail, name="detail"),
    path("<uuid:public_id>/<str:name>", views.run_file, name="file"),
]
