from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<id:round_id>/", views.round_detail, name="detail"),
    path("<id:round_id>/progress/", views.round_progress, name="progress"),
    path("<id:round_id>/settings/", views.round_settings, name="settings"),
    path("<id:round_id>/sample/", views.round_sample, name="sample"),
    path("<id:round_id>/letters/", views.round_letters, name="letters"),
    path("letters/<uuid:public_id>.pdf", views.letters_file, name="letters-file"),
    path("<id:round_id>/paper/", views.round_paper, name="paper"),
    path("<id:round_id>/close/", views.round_close, name="close"),
]
