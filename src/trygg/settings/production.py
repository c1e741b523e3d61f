"""Production: PostgreSQL, HTTPS only, secure cookies, two-factor login enforced."""

import os

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")

SECURE_SSL_REDIRECT = env_bool("TRYGG_SSL_REDIRECT", True)
# A load balancer's health check speaks plain HTTP to the application and counts a redirect
# as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("TRYGG_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
TRYGG_REQUIRE_TWO_FACTOR = True
# The audit log is signed with a key from the environment, never one derived here.
TRYGG_AUDIT_KEY_REQUIRED = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
# Source maps (7 MB of the API docs' bundles) are fetched only by developer tools; compressing
# them took most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "TRYGG_MAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
        ),
        "OPTIONS": {
            "host": os.environ.get("TRYGG_SMTP_HOST", "localhost"),
            "port": int(os.environ.get("TRYGG_SMTP_PORT", "587")),
            "username": os.environ.get("TRYGG_SMTP_USER", ""),
            "password": os.environ.get("TRYGG_SMTP_PASSWORD", ""),
            "use_tls": env_bool("TRYGG_SMTP_TLS", True),
        },
    }
}
