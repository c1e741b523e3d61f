from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import views

app_name = "interventions"
urlpatterns = [
    path("", views.operation_list, name="list"),
    path("new/", views.operation_create_view, name="create"),
    path("<id:operation_id>/", views.operation_detail, name="detail"),
    path("<id:operation_id>/edit/", views.operation_edit, name="edit"),
    path(
        "<id:operation_id>/evaluation.csv",
        views.operation_evaluation_csv,
        name="evaluation-csv",
    ),
    path("<id:operation_id>/operation.pdf", views.operation_evaluation_pdf, name="pdf"),
    path("promises/", views.promise_list_public, name="promises"),
    path("promises/manage/", views.promise_manage, name="promise-manage"),
    path("promises/new/", views.promise_edit, name="promise-create"),
    path("promises/<id:promise_id>/edit/", views.promise_edit, name="promise-edit"),
    # After the fixed paths above, so that "manage" and "new" are never taken for a code.
    path("promises/<str:code>/", views.promise_list_municipality, name="promises-municipality"),
]
