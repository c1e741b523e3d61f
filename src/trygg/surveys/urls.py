from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<int:round_id>/", views.round_detail, name="detail"),
    path("<int:round_id>/progress/", views.round_progress, name="progress"),
    path("<int:round_id>/settings/", views.round_settings, name="settings"),
    path("<int:round_id>/sample/", views.round_sample, name="sample"),
    path("<int:round_id>/letters/", views.round_letters, name="letters"),
    path("letters/<uuid:public_id>.pdf", views.letters_file, name="letters-file"),
    path("<int:round_id>/paper/", views.round_paper, name="paper"),
    path("<int:round_id>/close/", views.round_close, name="close"),
]
