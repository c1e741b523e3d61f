from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "trygg.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        # A deployed install never signs its audit log with a key derived from SECRET_KEY.
        from .keys import audit_keys_check

        audit_keys_check()
