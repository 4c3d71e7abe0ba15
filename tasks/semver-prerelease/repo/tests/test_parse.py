import pytest

from semverlib import Version


def test_parse_full_version():
    v = Version.parse("1.2.3-rc.1+build.5")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ("rc", "1")
    assert v.build == ("build", "5")


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-", "abc", "1.2.3+"])
def test_parse_rejects_garbage(text):
    with pytest.raises(ValueError):
        Version.parse(text)


def test_str_round_trip():
    for text in ["0.0.1", "10.20.30-alpha.1", "1.0.0+sha.abc"]:
        assert str(Version.parse(text)) == text
