"""The shared cache of several app processes: Redis, and the database while Redis is down."""

from __future__ import annotations

import socket
import uuid

import pytest

from trygg.core.cache import RedisWithDatabaseFallback

REDIS = ("127.0.0.1", 6379)


def redis_cache(url: str) -> RedisWithDatabaseFallback:
    # A prefix of its own: the machine's Redis is shared with other test runs.
    return RedisWithDatabaseFallback(url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


@pytest.fixture
def running_redis() -> str:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI runs one)")
    return "redis://127.0.0.1:6379/0"


def test_two_processes_see_one_value_through_redis(running_redis):
    app_1, app_2 = redis_cache(running_redis), redis_cache(running_redis)
    app_2.key_prefix = app_1.key_prefix
    app_1.set("picture:v3", {"rises": 4}, 60)
    assert app_2.get("picture:v3") == {"rises": 4}
    assert app_1.redis_available


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_leaves_the_pages_on_the_database_cache():
    # Nothing listens on port 9 of the loopback: the connection is refused at once.
    cache = redis_cache("redis://127.0.0.1:9/0")
    cache.set("count:v1", 17, 60)
    assert not cache.redis_available
    assert cache.get("count:v1") == 17
    assert cache.add("other:v1", 1, 60)
    assert cache.get_many(["count:v1", "other:v1"]) == {"count:v1": 17, "other:v1": 1}


@pytest.mark.django_db
def test_after_an_outage_redis_is_tried_again(running_redis, monkeypatch):
    cache = redis_cache("redis://127.0.0.1:9/0")
    cache.set("a:v1", 1, 60)
    assert not cache.redis_available
    monkeypatch.setattr("trygg.core.cache.time.monotonic", lambda: 10**9)
    assert cache.redis_available
