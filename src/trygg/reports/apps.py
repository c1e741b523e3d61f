from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "trygg.reports"
    verbose_name = "Reports"

    def ready(self):
        # Function-level: the tasks module needs the models, which are loaded only now.
        from .tasks import register_jobs

        register_jobs()
