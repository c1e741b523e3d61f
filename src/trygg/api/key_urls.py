from django.urls import path

from . import key_views

app_name = "api-keys"
urlpatterns = [path("", key_views.api_keys, name="list")]
