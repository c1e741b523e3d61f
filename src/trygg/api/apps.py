from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "trygg.api"
    verbose_name = "API"
