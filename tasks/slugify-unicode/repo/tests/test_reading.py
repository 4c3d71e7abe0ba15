from blogtools import reading_time


def test_reading_time_minutes():
    assert reading_time("word " * 460) == 2
    assert reading_time("word " * 461) == 3


def test_reading_time_at_least_one_minute():
    assert reading_time("") == 1
