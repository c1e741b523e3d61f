from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "trygg.demo"
    verbose_name = "Demo"
