import pytest

from timeunits import format_duration, parse_duration


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("2m", 120), ("1.5h", 5400),
                                          ("250ms", 0.25), ("1d", 86400)])
def test_single_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


def test_fractional_and_whitespace():
    assert parse_duration("  0.5 m ") == 30


@pytest.mark.parametrize("text", ["", "abc", "10", "5x", "-3s", "h"])
def test_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text,seconds", [("1h30m", 5400), ("2m30s", 150), ("1d2h", 93600),
                                          ("1h 30m", 5400), ("1m1s500ms", 61.5)])
def test_compound_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("seconds", [5400, 90061.5, 3601, 0.25])
def test_round_trip_with_format(seconds):
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["30m1h", "1h1h", "1h30", "1h-30m"])
def test_compound_rejects_repeated_or_misordered_units(text):
    with pytest.raises(ValueError):
        parse_duration(text)
    assert parse_duration("1h30m") == 5400
