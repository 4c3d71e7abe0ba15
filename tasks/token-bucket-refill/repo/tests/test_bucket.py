import pytest

from ratelimit import ManualClock, TokenBucket


def make(rate=5, capacity=10):
    clock = ManualClock()
    return TokenBucket(rate=rate, capacity=capacity, clock=clock), clock


def test_starts_full():
    bucket, _ = make()
    assert sum(bucket.try_acquire() for _ in range(20)) == 10


def test_refills_at_rate():
    bucket, clock = make(rate=5, capacity=10)
    for _ in range(10):
        bucket.try_acquire()
    clock.advance(1)
    assert sum(bucket.try_acquire() for _ in range(20)) == 5


def test_rejects_cost_above_capacity():
    bucket, _ = make(capacity=3)
    with pytest.raises(ValueError):
        bucket.try_acquire(4)


def test_retry_after():
    bucket, _ = make(rate=2, capacity=2)
    bucket.try_acquire(2)
    assert bucket.retry_after() == pytest.approx(0.5)


def test_idle_bucket_never_exceeds_capacity():
    bucket, clock = make(rate=5, capacity=10)
    clock.advance(60)
    assert bucket.tokens == pytest.approx(10)
    assert sum(bucket.try_acquire() for _ in range(1000)) == 10


def test_frequent_small_waits_accumulate_tokens():
    bucket, clock = make(rate=5, capacity=1)
    assert bucket.try_acquire()
    granted = 0
    for _ in range(10):
        clock.advance(0.05)
        granted += bucket.try_acquire()
    assert granted == 2
