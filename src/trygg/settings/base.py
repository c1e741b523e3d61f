"""Settings shared by every environment; values that differ come from the environment.

Read ``docs/configuration.md`` for every variable. Nothing here is secret: secrets come from
the environment (``SECRET_KEY``, ``DATABASE_URL``, ``TRYGG_FIELD_KEY``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRYGG_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Development only; production.py refuses to start without a real key.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "trygg.accounts.apps.TryggAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "trygg.core",
    "trygg.accounts",
    "trygg.areas",
    "trygg.audit",
    "trygg.jobs",
    "trygg.surveys",
    "trygg.crime",
    "trygg.situation",
    "trygg.interventions",
    "trygg.cases",
    "trygg.reports",
    "trygg.imports",
    "trygg.public",
    "trygg.residents",
    "trygg.api",
    "trygg.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trygg.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trygg.core.db_router.ReadRoutingMiddleware",
    "trygg.accounts.middleware.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "trygg.accounts.middleware.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trygg.core.middleware.NoStoreMiddleware",
    # Axes last so that it sees the outcome of authentication in the views.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trygg.urls"
WSGI_APPLICATION = "trygg.wsgi.application"
ASGI_APPLICATION = "trygg.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "trygg.core.context_processors.trygg",
            ],
        },
    },
]

# SQLite is the embedded default: WAL for concurrent readers, IMMEDIATE transactions so that
# two writers queue instead of failing with "database is locked" mid-transaction.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'trygg.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
# A PostgreSQL standby for heavy reads (trygg.core.db_router; docs/operations.md).
REPLICA_DATABASE_URL = os.environ.get("TRYGG_REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["trygg.core.db_router.ReplicaRouter"]
# A person who wrote reads from the primary for this long (the standby replays a moment later).
TRYGG_READ_YOUR_WRITES_SECONDS = int(os.environ.get("TRYGG_READ_YOUR_WRITES_SECONDS", "5"))
# A standby further behind than this is not read from.
TRYGG_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("TRYGG_REPLICA_MAX_LAG_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "trygg.accounts.backends.RolePermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: accounts are created by administrators, never by self sign-up.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "trygg.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
# Single sign-on (OpenID Connect): the identity providers are SocialApp rows in the admin
# (provider "openid_connect"), the claim-to-organisation/role table is OidcClaimMapping.
# See docs/configuration.md, "Single sign-on".
SOCIALACCOUNT_ADAPTER = "trygg.accounts.oidc.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# The claim that finds an existing Trygg account the first time a person signs in through
# the IdP: "email" or a custom claim such as "employee_id" (matched to User.employee_id).
TRYGG_OIDC_MATCH_CLAIM = os.environ.get("TRYGG_OIDC_MATCH_CLAIM", "email")
# Whether an unmatched person gets a new account when the mapping table gives them an
# organisation (otherwise the administrator creates accounts first).
TRYGG_OIDC_CREATE_ACCOUNTS = env_bool("TRYGG_OIDC_CREATE_ACCOUNTS", True)
# The IdP's own second factor counts as Trygg's when its ID token says so: any of these
# `amr` values (RFC 8176), or an `acr` in TRYGG_OIDC_MFA_ACR.
TRYGG_OIDC_MFA_AMR = env_list("TRYGG_OIDC_MFA_AMR") or ["mfa", "otp", "hwk", "swk", "sc", "fpt"]
TRYGG_OIDC_MFA_ACR = env_list("TRYGG_OIDC_MFA_ACR")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Trygg"
# Noted once a minute by trygg.accounts.middleware.SessionTimeoutMiddleware, not by allauth's
# middleware, which writes on every request.
USERSESSIONS_TRACK_ACTIVITY = True

# Lock an account (per user name and address) after five failed logins for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("TRYGG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("TRYGG_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "trygg.accounts.middleware.lockout_username"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Every per-address limit (axes, allauth, survey codes, resident reports) reads the client
# from trygg.core.client: behind a reverse proxy name the header the proxy sets and the
# proxies' addresses (CIDRs); the header is ignored otherwise, since anyone can send it.
# See docs/operations.md, "Client addresses behind a proxy".
TRYGG_TRUSTED_PROXY_HEADER = os.environ.get("TRYGG_TRUSTED_PROXY_HEADER", "")
TRYGG_TRUSTED_PROXIES = env_list("TRYGG_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "trygg.core.client.client_address"
# allauth's rate limits (logins, two-factor codes) live in the cache: it must be shared by
# every worker process and survive restarts, so it is a database table (created by
# `trygg migrate`), never the per-process memory cache.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "trygg_cache",
    }
}
# Several app processes share one cache: Redis when it is configured (the database cache
# stands in while Redis does not answer), else the database's cache table.
REDIS_URL = os.environ.get("TRYGG_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "trygg.core.cache.RedisWithDatabaseFallback",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("TRYGG_CACHE_PREFIX", "trygg"),
        }
    }

# Sessions end after TRYGG_SESSION_IDLE_MINUTES without activity and at the latest
# TRYGG_SESSION_MAX_HOURS after login, whatever the activity.
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("TRYGG_SESSION_IDLE_MINUTES", "30")))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("TRYGG_SESSION_MAX_HOURS", "10")))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Roles that can see individual cases must use two-factor login where this is on.
TRYGG_REQUIRE_TWO_FACTOR = env_bool("TRYGG_REQUIRE_TWO_FACTOR", True)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# The base map under the areas (docs/configuration.md, "Base map"). ``url`` is an XYZ
# template or a WMTS REST template in Web Mercator ({z}/{x}/{y}, optionally {s}); empty, the
# maps draw the areas on a plain background and the demo says so on the map. A relative
# URL (``/karta/{z}/{x}/{y}.png``) is a tile directory served by Trygg's own web server, so
# no third party sees where staff look.
TRYGG_MAP_TILES = {
    "url": os.environ.get("TRYGG_MAP_TILE_URL", ""),
    "attribution": os.environ.get("TRYGG_MAP_TILE_ATTRIBUTION", ""),
    "max_zoom": int(os.environ.get("TRYGG_MAP_TILE_MAX_ZOOM", "18")),
}


def tile_origin(url: str) -> str | None:
    """The origin of a tile URL template for the CSP's ``img-src`` (``{s}`` subdomains as a
    wildcard); None for a relative URL, which ``'self'`` covers."""
    scheme, _sep, rest = url.partition("://")
    if not _sep or scheme not in ("http", "https"):
        return None
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}" if host else None


# Everything the pages load comes from this server: no CDN, no inline script or style; the
# configured tile server is the one exception, for images only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [
        CSP.SELF,
        "data:",
        *filter(None, [tile_origin(TRYGG_MAP_TILES["url"])]),
        *env_list("TRYGG_MAP_TILE_HOSTS"),
    ],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "trygg.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Where the demo's "no base map" note links to: the configuration guide's section.
TRYGG_MAP_TILES_HELP_URL = os.environ.get(
    "TRYGG_MAP_TILES_HELP_URL", "/static/core/docs/base-map.html"
)
# Shown on the login page when the demo relaxes two-factor login.
TRYGG_DEMO_MODE = env_bool("TRYGG_DEMO_MODE", False)

# Individual cases (SSPF, the specialist function): see docs/sspf.md.
# Personal identity numbers are encrypted with TRYGG_FIELD_KEY (Fernet keys, comma-separated,
# the first encrypts) and found again by an HMAC keyed with TRYGG_LOOKUP_KEY. A deployed
# install (a real SECRET_KEY) refuses to start without both; development derives them.
TRYGG_FIELD_KEY = os.environ.get("TRYGG_FIELD_KEY", "")
TRYGG_LOOKUP_KEY = os.environ.get("TRYGG_LOOKUP_KEY", "")
TRYGG_CASE_KEYS_REQUIRED = env_bool(
    "TRYGG_CASE_KEYS_REQUIRED", not SECRET_KEY.startswith("insecure-")
)
# The audit log's chain is keyed (an HMAC per entry) with TRYGG_AUDIT_KEY, "<key id>:<secret>"
# (secret >= 32 characters), kept outside the database. To rotate, move the old value to
# TRYGG_AUDIT_RETIRED_KEYS (comma-separated) and set a new key with a new id. A deployed
# install refuses to start without it; development derives one. `trygg audit anchor` writes
# the chain's head to TRYGG_AUDIT_ANCHOR: a file path (appended to) or an https URL (POSTed
# to, with TRYGG_AUDIT_ANCHOR_TOKEN as a bearer token if set). See docs/operations.md.
TRYGG_AUDIT_KEY = os.environ.get("TRYGG_AUDIT_KEY", "")
TRYGG_AUDIT_RETIRED_KEYS = env_list("TRYGG_AUDIT_RETIRED_KEYS")
TRYGG_AUDIT_KEY_REQUIRED = env_bool(
    "TRYGG_AUDIT_KEY_REQUIRED", not SECRET_KEY.startswith("insecure-")
)
TRYGG_AUDIT_ANCHOR = os.environ.get("TRYGG_AUDIT_ANCHOR", "")
TRYGG_AUDIT_ANCHOR_TOKEN = os.environ.get("TRYGG_AUDIT_ANCHOR_TOKEN", "")
# Accept only synthetic personal identity numbers (wrong check digit); the demo always does.
TRYGG_SYNTHETIC_PINS = env_bool("TRYGG_SYNTHETIC_PINS", False)
# From this age the young person's own consent is needed too; from the adult age only theirs.
TRYGG_CONSENT_OWN_AGE = int(os.environ.get("TRYGG_CONSENT_OWN_AGE", "15"))
TRYGG_CONSENT_ADULT_AGE = 18
# Culling (gallring), in years: closed cases after their last entry, concerns that never
# became a case after they were closed. Check them with the municipal archivist.
TRYGG_RETENTION_YEARS = {
    "closed_case": int(os.environ.get("TRYGG_RETENTION_CLOSED_CASE_YEARS", "5")),
    "closed_concern": int(os.environ.get("TRYGG_RETENTION_CLOSED_CONCERN_YEARS", "1")),
}
# Case statistics leave the module aggregated; no count under this is shown, and further
# cells are hidden so that none can be worked out from the totals (cases/statistics.py).
TRYGG_STATISTICS_MIN_COUNT = int(os.environ.get("TRYGG_STATISTICS_MIN_COUNT", "5"))
# Warn the coordinator (case page, person page, start page, and by e-mail with
# `trygg manage consent_expiry_mail`, daily) this many days before a consent runs out.
TRYGG_CONSENT_EXPIRY_WARNING_DAYS = int(os.environ.get("TRYGG_CONSENT_EXPIRY_WARNING_DAYS", "30"))
# An open case is due for a follow-up this many days after its latest follow-up (or its
# opening, before the first one).
TRYGG_FOLLOW_UP_INTERVAL_DAYS = int(os.environ.get("TRYGG_FOLLOW_UP_INTERVAL_DAYS", "90"))
# The residents' web questionnaire (/svar/, docs/survey-web.md): the languages it offers.
# Swedish and English are shipped; add e.g. ar, so, fa, ti with their translation files and
# the questionnaire's texts in that language (right-to-left is handled).
TRYGG_SURVEY_LANGUAGES = env_list("TRYGG_SURVEY_LANGUAGES") or ["sv", "en"]
# Who is responsible for the survey's personal data (the sample's names and addresses) and
# how to reach them, printed in every letter (GDPR art. 13), e.g. "Kommunstyrelsen,
# 0123-45 67 89, kommunen@example.se; dataskyddsombud: dso@example.se". Empty: the letter
# names the municipality as the controller and asks residents to contact it.
TRYGG_SURVEY_CONTROLLER_CONTACT = os.environ.get("TRYGG_SURVEY_CONTROLLER_CONTACT", "")
# The public information pages (/tillganglighet/, /personuppgifter/): who answers questions
# about accessibility and about personal data, e.g. "Kommunstyrelsen, 0123-45 67 89,
# kommunen@example.se". Empty: the pages name the municipality and the survey's controller
# contact above. The date is when the accessibility statement was last reviewed (ISO date).
TRYGG_ACCESSIBILITY_CONTACT = os.environ.get("TRYGG_ACCESSIBILITY_CONTACT", "")
TRYGG_ACCESSIBILITY_REVIEWED = os.environ.get("TRYGG_ACCESSIBILITY_REVIEWED", "2026-12-03")
TRYGG_PRIVACY_CONTACT = os.environ.get("TRYGG_PRIVACY_CONTACT", "")

# Background work (imports, analyses) runs through Django's tasks framework on a database
# queue (trygg.jobs.backend): no broker. With TRYGG_EMBEDDED_WORKER (the default) a
# thread in the web process runs the queue; otherwise run `manage.py run_tasks`.
TASKS = {
    "default": {
        "BACKEND": "trygg.jobs.backend.DatabaseBackend",
        "OPTIONS": {
            "EMBEDDED_WORKER": env_bool("TRYGG_EMBEDDED_WORKER", True),
            # How long a claimed task stays a worker's without a renewal (docs/scale-out.md).
            "LEASE_SECONDS": int(os.environ.get("TRYGG_TASK_LEASE_SECONDS", "60")),
        },
    }
}
# Uploaded import files never imported are removed after this many days (`trygg gallra`,
# `trygg manage imports_cleanup`); an imported file is removed at once after its import.
TRYGG_IMPORT_RETENTION_DAYS = int(os.environ.get("TRYGG_IMPORT_RETENTION_DAYS", "30"))
# An XLSX upload is a ZIP archive: refused before parsing when it unpacks to more than this
# many MB, or (above 10 MB) to more than this many times its packed size (a "zip bomb").
TRYGG_XLSX_MAX_UNPACKED_MB = int(os.environ.get("TRYGG_XLSX_MAX_UNPACKED_MB", "200"))
TRYGG_XLSX_MAX_RATIO = int(os.environ.get("TRYGG_XLSX_MAX_RATIO", "100"))
# Published tables show no count below this (crimes per area and category); survey cells
# are suppressed by the questionnaire's own minimum number of answers.
TRYGG_PUBLIC_MIN_COUNT = int(os.environ.get("TRYGG_PUBLIC_MIN_COUNT", "5"))
# The public page presents areas by level (the questionnaire's colour classes), not as a
# league table of neighbourhoods; set this to also publish the staff's ranking there and in
# the open data.
TRYGG_PUBLIC_SHOW_RANK = env_bool("TRYGG_PUBLIC_SHOW_RANK", False)
TRYGG_OPEN_DATA_LICENCE = os.environ.get("TRYGG_OPEN_DATA_LICENCE", "CC BY 4.0")
TRYGG_OPEN_DATA_LICENCE_URL = os.environ.get(
    "TRYGG_OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)
# Uploads: no file above TRYGG_MAX_UPLOAD_MB is kept or read (trygg.core.uploads), and an
# imported area may have at most TRYGG_MAX_AREA_VERTICES vertices; maps draw a simplified
# copy of each boundary.
TRYGG_MAX_UPLOAD_MB = int(os.environ.get("TRYGG_MAX_UPLOAD_MB", "50"))
TRYGG_MAX_AREA_VERTICES = int(os.environ.get("TRYGG_MAX_AREA_VERTICES", "20000"))
# Form fields and JSON bodies (not files) above 2.5 MB answer 400; a file above 2.5 MB is
# written to a temporary file instead of held in memory (Django's defaults, stated here).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "trygg.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Residents' reports of unsafe places (docs/residents.md): limits per sender address (kept
# only as a keyed hash for a day), the extra question once an address has sent this many in
# an hour, the shortest plausible time to fill the form, and when a report counts as a
# duplicate of an earlier one (same reasons, this close, this recent). An empty list of
# municipality codes opens the public form for every municipality with areas.
TRYGG_RESIDENT_RATE_PER_HOUR = int(os.environ.get("TRYGG_RESIDENT_RATE_PER_HOUR", "5"))
TRYGG_RESIDENT_RATE_PER_DAY = int(os.environ.get("TRYGG_RESIDENT_RATE_PER_DAY", "20"))
TRYGG_RESIDENT_CHALLENGE_AFTER = int(os.environ.get("TRYGG_RESIDENT_CHALLENGE_AFTER", "2"))
TRYGG_RESIDENT_MIN_FILL_SECONDS = int(os.environ.get("TRYGG_RESIDENT_MIN_FILL_SECONDS", "3"))
TRYGG_RESIDENT_DUPLICATE_METRES = int(os.environ.get("TRYGG_RESIDENT_DUPLICATE_METRES", "30"))
TRYGG_RESIDENT_DUPLICATE_DAYS = int(os.environ.get("TRYGG_RESIDENT_DUPLICATE_DAYS", "7"))
TRYGG_RESIDENT_MUNICIPALITIES = env_list("TRYGG_RESIDENT_MUNICIPALITIES")
TRYGG_RESIDENT_REASONS_FILE = os.environ.get("TRYGG_RESIDENT_REASONS_FILE", "")
# The public map of residents' reports (docs/residents.md): where a report is shown ("grid":
# the centre of a square of TRYGG_RESIDENT_PUBLIC_GRID_METRES; "place": its area's centre),
# how near an open report must be to be offered on the form, how long a department's
# status link works, and the address the e-mailed links start with when no request gives it.
TRYGG_RESIDENT_PUBLIC_POSITION = os.environ.get("TRYGG_RESIDENT_PUBLIC_POSITION", "grid")
TRYGG_RESIDENT_PUBLIC_GRID_METRES = int(os.environ.get("TRYGG_RESIDENT_PUBLIC_GRID_METRES", "250"))
TRYGG_RESIDENT_NEARBY_METRES = int(os.environ.get("TRYGG_RESIDENT_NEARBY_METRES", "300"))
TRYGG_RESIDENT_STATUS_LINK_DAYS = int(os.environ.get("TRYGG_RESIDENT_STATUS_LINK_DAYS", "60"))
TRYGG_SITE_URL = os.environ.get("TRYGG_SITE_URL", "")

# API keys (trygg.api.models.ApiKey) stop working this many days after they were created.
TRYGG_API_KEY_DAYS = int(os.environ.get("TRYGG_API_KEY_DAYS", "90"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate header.
        "trygg.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "trygg.core.params.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "trygg.core.drf.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trygg API",
    "DESCRIPTION": "Areas, statistics and the joint crime-prevention work of a municipality.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI puts each operation's deep link inside the button that opens it (a link in
    # a button: axe's nested-interactive, a barrier for screen readers).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "TRYGG_MAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "trygg@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every layout step at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
