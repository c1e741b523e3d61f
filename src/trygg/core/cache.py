"""The shared cache of several app processes: Redis, with the database as the fallback.

Every value Trygg caches is derived and keyed by its version (:mod:`trygg.core.memo`), and
limit counters live in the database, so losing the cache loses nothing but time. When Redis
does not answer, a call goes to the database cache (``trygg_cache``) instead of failing the
page, and Redis is left alone for ``RETRY_SECONDS`` so that every request does not wait for
its connect timeout. Both caches hold values under the same keys, so after an outage a
process may read a value the other cache had; the keys name their version, so it is still
right.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0
FALLBACK_TABLE = "trygg_cache"
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_FORWARDED = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class RedisWithDatabaseFallback(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        # A cache that does not answer within a second is down for this request's purposes.
        options.setdefault("socket_connect_timeout", 1.0)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        fallback_params = {
            key: value for key, value in params.items() if key in ("TIMEOUT", "KEY_PREFIX")
        }
        self._fallback = DatabaseCache(FALLBACK_TABLE, fallback_params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def redis_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, name: str, *args, **kwargs):
        if self.redis_available:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _UNAVAILABLE as exc:
                with self._lock:
                    self._down_until = time.monotonic() + RETRY_SECONDS
                log.warning("Redis cache unavailable (%s); using the database cache", exc)
        return getattr(self._fallback, name)(*args, **kwargs)


def _forward(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _FORWARDED:
    setattr(RedisWithDatabaseFallback, _name, _forward(_name))
