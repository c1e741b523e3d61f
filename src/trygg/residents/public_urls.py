"""Public pages without login (under /trygghet/): the report form and the receipt."""

from django.urls import path

from . import views

app_name = "trygghet"
urlpatterns = [
    # The receipt first: "kvitto" is not a municipality code (those are four digits).
    path("kvitto/<str:token>/", views.receipt, name="receipt"),
    path("<str:code>/", views.report, name="report"),
]
