"""A deployed install never signs its audit log with a key derived from SECRET_KEY."""

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .keys import audit_keys_check


@register(Tags.security)
def audit_key_configured(app_configs=None, **kwargs) -> list[Error]:
    try:
        audit_keys_check()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="trygg.audit.E001")]
    return []
