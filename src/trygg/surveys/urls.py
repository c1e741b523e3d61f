from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<int:round_id>/", views.round_detail, name="detail"),
]
