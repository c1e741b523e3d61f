"""The demo municipality on a laptop: plain HTTP on localhost, two-factor login optional.

The login page says that two-factor login is relaxed here.
"""

from .base import *  # noqa: F403

DEBUG = False
TRYGG_DEMO_MODE = True
TRYGG_REQUIRE_TWO_FACTOR = False
