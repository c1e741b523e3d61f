"""Values under keys that name their version, kept in this process as well as the cache.

A worker that reads the same large value many times a second (the figures of the weekly
picture while a safety group meets) would otherwise unpickle it from the cache on every
request. The key must change whenever the value may change: nothing here invalidates.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

_MISSING = object()


class VersionedMemo:
    """A small LRU of ``key → (expires, value)`` in front of Django's cache.

    Values are shared between requests, so callers must treat them as read-only.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_set(self, key: str, compute: Callable[[], Any], timeout: int) -> Any:
        now = time.monotonic()
        with self._lock:
            expires, value = self._entries.get(key, (0.0, _MISSING))
            if value is not _MISSING and expires > now:
                self._entries.move_to_end(key)
                return value
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(key, value, timeout)
        with self._lock:
            self._entries[key] = (now + timeout, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


memo = VersionedMemo()
