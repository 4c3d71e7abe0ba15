from ratelimit import KeyedLimiter, ManualClock


def test_keys_are_independent():
    limiter = KeyedLimiter(rate=1, capacity=2, clock=ManualClock())
    assert [limiter.try_acquire("a") for _ in range(3)] == [True, True, False]
    assert limiter.try_acquire("b") is True


def test_keyed_limiter_burst_after_idle_is_capped():
    clock = ManualClock()
    limiter = KeyedLimiter(rate=5, capacity=10, clock=clock)
    limiter.try_acquire("user")
    clock.advance(120)
    assert sum(limiter.try_acquire("user") for _ in range(100)) == 10
