import pytest

from ttlcache import ManualClock


def test_manual_clock_advances():
    clock = ManualClock(start=5)
    clock.advance(2.5)
    assert clock.now() == 7.5
    with pytest.raises(ValueError):
        clock.advance(-1)
