"""The in-process memo in front of the cache: versioned keys, read once, bounded."""

from __future__ import annotations

from django.core.cache import cache

from trygg.core.memo import VersionedMemo


def test_a_value_is_computed_once_and_then_served_from_the_process():
    memo, calls = VersionedMemo(size=4), []
    cache.delete("t:v1")

    def compute():
        calls.append(1)
        return {"n": 1}

    first = memo.get_or_set("t:v1", compute, 60)
    assert memo.get_or_set("t:v1", compute, 60) is first  # no unpickling
    assert calls == [1]
    # Another process (here: a fresh memo) finds it in the shared cache.
    assert VersionedMemo().get_or_set("t:v1", compute, 60) == {"n": 1}
    assert calls == [1]


def test_the_oldest_entries_go_first_and_expired_ones_are_recomputed(monkeypatch):
    memo, clock = VersionedMemo(size=2), [1000.0]
    monkeypatch.setattr("trygg.core.memo.time.monotonic", lambda: clock[0])
    for key in ("a", "b", "c"):
        cache.delete(f"t:{key}")
        memo.get_or_set(f"t:{key}", lambda key=key: key, 60)
    assert list(memo._entries) == ["t:b", "t:c"]
    cache.delete("t:c")
    clock[0] += 61
    assert memo.get_or_set("t:c", lambda: "new", 60) == "new"
