"""Tests: fast hashing, in-memory mail, and the database from DATABASE_URL (SQLite by default)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key-" + "x" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
TRYGG_REQUIRE_TWO_FACTOR = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# allauth's own rate limit would hide the lockout that axes is tested for.
ACCOUNT_RATE_LIMITS = False
# WhiteNoise indexes every static file when its middleware is built, and the test client
# builds the middleware afresh for every client (about 10 ms, a couple of thousand times a run):
# in tests it looks a file up when one is asked for instead.
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # Tests that commit (browser tests, the test database's migrations) need not wait for the
    # disk: a crash loses a test database, nothing else. Per connection, not the server's.
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
        "options": "-c synchronous_commit=off",
    }
# Tests without a database use the cache too; the limits' tests switch to the database cache
# of base.py where sharing between processes is what they test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
