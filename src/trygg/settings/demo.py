"""The demo municipality on a laptop: plain HTTP on localhost, two-factor login optional.

The login page says that two-factor login is relaxed here. Mail goes to a local development
mailbox: one file per message in $TRYGG_VAR_DIR/mail/ (the weekly pictures' digests, the
departments' report links, news to residents), unless TRYGG_MAIL_BACKEND says otherwise.
"""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
TRYGG_DEMO_MODE = True
TRYGG_REQUIRE_TWO_FACTOR = False
# Links in the mailed messages (a department's status link) lead to the local server.
TRYGG_SITE_URL = os.environ.get("TRYGG_SITE_URL") or "http://127.0.0.1:8000"

DEMO_MAILBOX = VAR_DIR / "mail"
if "TRYGG_MAIL_BACKEND" not in os.environ:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DEMO_MAILBOX)},
        }
    }
