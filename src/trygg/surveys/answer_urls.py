from django.urls import path

from . import answer_views

app_name = "answer"
urlpatterns = [
    path("", answer_views.start, name="start"),
    path("fragor/", answer_views.questions, name="questions"),
    path("tack/", answer_views.done, name="done"),
]
