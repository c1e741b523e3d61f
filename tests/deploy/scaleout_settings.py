"""trygg.settings.production for the scale-out proof (tests/deploy/test_scaleout.py), with one
change: static files are served from the packages, not collected into a manifest first.
collectstatic takes over a minute on a busy machine, and what it produces is
tests/deploy/test_production.py's concern; everything else is production's."""

from trygg.settings.production import *  # noqa: F403
from trygg.settings.production import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
