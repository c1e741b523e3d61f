import pytest
from django.core.cache import cache

from trygg.core.memo import memo


@pytest.fixture(autouse=True)
def empty_cache():
    """The picture's caches live in the process's memory: no test sees another's entries."""
    cache.clear()
    memo.clear()
    yield
    cache.clear()
    memo.clear()
