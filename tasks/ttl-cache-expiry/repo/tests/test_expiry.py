from ttlcache import ManualClock, TTLCache


def make(ttl=10):
    clock = ManualClock()
    return TTLCache(default_ttl=ttl, clock=clock), clock


def test_fresh_entry_is_served():
    cache, clock = make()
    cache.set("k", "v")
    clock.advance(9.9)
    assert cache.get("k") == "v"


def test_entry_gone_after_ttl():
    cache, clock = make()
    cache.set("k", "v")
    clock.advance(11)
    assert cache.get("k") is None
    assert cache.get("k", "dflt") == "dflt"


def test_per_entry_ttl_overrides_default():
    cache, clock = make(ttl=100)
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    clock.advance(50)
    assert cache.get("short") is None
    assert cache.get("long") == 2


def test_delete_and_missing():
    cache, _ = make()
    cache.set("k", "v")
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    assert cache.get("k") is None


def test_entry_expires_exactly_at_ttl():
    cache, clock = make(ttl=30)
    cache.set("tok", "alice")
    clock.advance(30)
    assert cache.get("tok") is None


def test_len_ignores_expired_entries():
    cache, clock = make(ttl=10)
    cache.set("a", 1)
    cache.set("b", 2, ttl=100)
    clock.advance(50)
    assert len(cache) == 1


def test_items_skips_expired_entries():
    cache, clock = make(ttl=10)
    cache.set("a", 1)
    cache.set("b", 2, ttl=100)
    clock.advance(50)
    assert cache.items() == [("b", 2)]
    assert list(cache) == ["b"]
