from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "trygg.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # The key is checked where the log is written (the web and worker processes, every
        # command that runs the system checks), not in commands that never touch the log,
        # such as collectstatic in a build step.
        from . import checks  # noqa: F401
