import pytest

from lrucache import LRUCache, memoize


def test_evicts_oldest_when_full():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert "a" not in cache
    assert cache.get("b") == 2 and cache.get("c") == 3
    assert cache.stats.evictions == 1


def test_put_updates_existing_key():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.get("a") == 10
    assert "b" not in cache


def test_missing_key_returns_default():
    cache = LRUCache(1)
    assert cache.get("nope") is None
    assert cache.get("nope", 42) == 42


def test_stats_count_hits_and_misses():
    cache = LRUCache(4)
    cache.put("x", 1)
    cache.get("x")
    cache.get("y")
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert cache.stats.hit_rate == 0.5


def test_rejects_non_positive_capacity():
    with pytest.raises(ValueError):
        LRUCache(0)


def test_get_marks_entry_as_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert "a" in cache
    assert "b" not in cache


def test_memoize_keeps_hot_key_cached():
    calls = []

    @memoize(maxsize=2)
    def square(x):
        calls.append(x)
        return x * x

    square(1)
    square(2)
    square(1)
    square(3)
    square(1)
    assert calls == [1, 2, 3]
