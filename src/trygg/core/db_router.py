"""Heavy reads on a PostgreSQL standby, when one is configured; everything else on the primary.

A read goes to the ``replica`` database only when all of these hold:

* a replica is configured (``TRYGG_REPLICA_DATABASE_URL``);
* the read happens inside :func:`replica_reads`: the views named in ``REPLICA_VIEWS`` (the
  dashboard, the area pages, the exports, the public pages) and commands such as
  ``analyze --from-db`` ask for it; a page that writes never does;
* the person has not written in the last ``TRYGG_READ_YOUR_WRITES_SECONDS`` (a standby
  replays the primary's changes a moment later, and a person must see their own change);
* the replica answers and lags at most ``TRYGG_REPLICA_MAX_LAG_SECONDS`` (checked at most
  every ``CHECK_SECONDS`` per process); otherwise the primary answers, without an error.

Writes, migrations and everything outside :func:`replica_reads` use the primary.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
CHECK_SECONDS = 5.0
WROTE_COOKIE = "trygg_wrote"
_WROTE_KEY = "trygg-wrote:{}"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# URL names whose reads may come from the replica: pages and downloads that only read and
# are read most. A name here must never write.
REPLICA_VIEWS = frozenset(
    {
        "reports:dashboard",
        "reports:dashboard-export",
        "reports:area-export",
        "reports:compare",
        "areas:detail",
        "areas:list",
        "public:index",
        "public:municipality",
        "public:data-csv",
        "public:data-geojson",
    }
)

_wanted: ContextVar[bool] = ContextVar("trygg_replica_wanted", default=False)
_pinned: ContextVar[bool] = ContextVar("trygg_primary_pinned", default=False)
_counts = {"replica": 0, "primary_fallback": 0}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Reads inside may come from the replica (when it is healthy and the person did not
    just write)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


@contextmanager
def primary_only():
    """Reads inside come from the primary, even in :func:`replica_reads`."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class _Health:
    """Per process: is the replica usable, checked at most every ``CHECK_SECONDS``."""

    def __init__(self):
        self._checked_at = float("-inf")
        self._usable = False
        self._lock = threading.Lock()

    def usable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < CHECK_SECONDS:
            return self._usable
        with self._lock:
            if now - self._checked_at >= CHECK_SECONDS:
                lag = replica_lag_seconds()
                self._usable = lag is not None and lag <= settings.TRYGG_REPLICA_MAX_LAG_SECONDS
                self._checked_at = now
        return self._usable

    def forget(self) -> None:
        self._checked_at = float("-inf")

    def mark_down(self) -> None:
        """The standby failed a query: read from the primary until the next check."""
        with self._lock:
            self._usable = False
            self._checked_at = time.monotonic()


health = _Health()

# On a standby: 0 when it has replayed all it received, else the age of the last replayed
# transaction. (now() - the replay time alone grows on an idle primary with no lag at all.)
_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_lag_seconds() -> float | None:
    """How far the replica is behind, in seconds; None when it does not answer."""
    if not replica_configured():
        return None
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_LAG_SQL if connection.vendor == "postgresql" else "SELECT 0")
            return float(cursor.fetchone()[0])
    except Exception as exc:  # any failure of the standby means: read from the primary
        log.warning("replica unavailable (%s): reading from the primary", exc)
        try:
            connection.close()
        except Exception:
            log.debug("closing the replica connection failed", exc_info=True)
        return None


def in_write_transaction() -> bool:
    """A read inside a transaction on the primary decides what is written (the audit chain's
    last entry, a counter): it must see the primary."""
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


def read_counts() -> dict[str, int]:
    """Reads routed to the replica, and reads that wanted it but fell back, in this process."""
    return dict(_counts)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not (_wanted.get() and replica_configured()) or _pinned.get():
            return None
        if in_write_transaction():
            return None
        if health.usable():
            _counts["replica"] += 1
            return REPLICA
        _counts["primary_fallback"] += 1
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may be related to one
        # read on the primary.
        both = {obj1._state.db or DEFAULT_DB_ALIAS, obj2._state.db or DEFAULT_DB_ALIAS}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA


def _wrote_recently(request) -> bool:
    window = settings.TRYGG_READ_YOUR_WRITES_SECONDS
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        wrote_at = cache.get(_WROTE_KEY.format(user.pk))
        if wrote_at is not None and time.time() - wrote_at < window:
            return True
    try:
        request.get_signed_cookie(WROTE_COOKIE, salt=WROTE_COOKIE, max_age=window)
    except (KeyError, signing.BadSignature):
        return False
    return True


class ReadRoutingMiddleware:
    """Routes the reads of ``REPLICA_VIEWS`` to the replica and keeps a person who just
    wrote on the primary (their own change must show at once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        configured = replica_configured()
        writes = request.method not in SAFE_METHODS
        pinned = _pinned.set(configured and (writes or _wrote_recently(request)))
        # process_view turns this on for REPLICA_VIEWS; reset here, so no request leaves it on.
        wanted = _wanted.set(False)
        try:
            response = self.get_response(request)
        finally:
            _wanted.reset(wanted)
            _pinned.reset(pinned)
        if configured and writes and response.status_code < 400:
            self._remember_write(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in REPLICA_VIEWS:
            _wanted.set(True)
            request._trygg_replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request, exception):
        """A standby that fails between two health checks (stopped, restarting) costs the
        request nothing: the view, which only reads, runs again on the primary."""
        retry = getattr(request, "_trygg_replica_view", None)
        if retry is None or not isinstance(exception, DatabaseError) or _pinned.get():
            return None
        log.warning(
            "replica failed during %s (%s): reading from the primary", request.path, exception
        )
        health.mark_down()
        _counts["primary_fallback"] += 1
        with contextlib.suppress(Exception):
            connections[REPLICA].close()
        view_func, view_args, view_kwargs = retry
        with primary_only():
            return view_func(request, *view_args, **view_kwargs)

    @staticmethod
    def _remember_write(request, response) -> None:
        window = settings.TRYGG_READ_YOUR_WRITES_SECONDS
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            cache.set(_WROTE_KEY.format(user.pk), time.time(), window)
        response.set_signed_cookie(
            WROTE_COOKIE,
            "1",
            salt=WROTE_COOKIE,
            max_age=window,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
