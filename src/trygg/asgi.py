import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trygg.settings.base")
application = get_asgi_application()

# A web process never starts without the audit log's key where one is required.
from trygg.audit.keys import audit_keys_check  # noqa: E402

audit_keys_check()
