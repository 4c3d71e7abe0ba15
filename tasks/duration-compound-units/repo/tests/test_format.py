import pytest

from timeunits import format_duration


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (59, "59s"), (5400, "1h30m"),
                                          (90061.5, "1d1h1m1s500ms"), (0.25, "250ms")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_rejects_negative():
    with pytest.raises(ValueError):
        format_duration(-1)
