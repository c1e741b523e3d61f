from django.urls import path

import trygg.core.http  # noqa: F401  (registers the "id" path converter)

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.index, name="index"),
    path("concerns/new/", views.concern_new, name="concern-new"),
    path("concerns/received/", views.concern_received, name="concern-received"),
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/<uuid:concern_id>/", views.concern_detail, name="concern"),
    path("people/", views.person_find, name="person-find"),
    path("people/<uuid:person_id>/", views.person_detail, name="person"),
    path("people/<uuid:person_id>/guardians/", views.guardian_add, name="guardian-add"),
    path("people/<uuid:person_id>/edit/", views.person_edit, name="person-edit"),
    path(
        "people/<uuid:person_id>/guardians/<uuid:guardian_id>/",
        views.guardian_edit,
        name="guardian-edit",
    ),
    path("people/<uuid:person_id>/consents/new/", views.consent_new, name="consent-new"),
    path("people/<uuid:person_id>/log/", views.person_log, name="person-log"),
    path("people/<uuid:person_id>/cases/new/", views.case_new, name="case-new"),
    path("consents/<uuid:consent_id>/form.pdf", views.consent_pdf, name="consent-pdf"),
    path("consents/<uuid:consent_id>/received/", views.consent_received, name="consent-received"),
    path("consents/<uuid:consent_id>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("statistics/", views.statistics, name="statistics"),
    path("log-review/", views.log_review, name="log-review"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/members/", views.member_add, name="member-add"),
    path(
        "<uuid:case_id>/members/<id:member_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("<uuid:case_id>/meetings/", views.meeting_add, name="meeting-add"),
    path("<uuid:case_id>/plan/", views.plan_add, name="plan-add"),
    path("<uuid:case_id>/plan/status/", views.plan_status, name="plan-status"),
    path("<uuid:case_id>/follow-ups/", views.follow_up_add, name="follow-up-add"),
    path("<uuid:case_id>/contacts/", views.contact_log_add, name="contact-log-add"),
    path("<uuid:case_id>/police-notes/", views.police_notes, name="police-notes"),
    path("<uuid:case_id>/close/", views.case_close, name="close"),
    path("<uuid:case_id>/reopen/", views.case_reopen, name="reopen"),
]
