from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.area_list, name="list"),
    path("<int:area_id>/", views.area_detail, name="detail"),
    path("import/", views.area_import, name="import"),
]
