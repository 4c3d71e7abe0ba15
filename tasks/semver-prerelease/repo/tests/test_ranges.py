from semverlib import max_satisfying, satisfies


def test_satisfies_simple_range():
    assert satisfies("1.4.0", ">=1.2 <2")
    assert not satisfies("2.0.0", ">=1.2 <2")
    assert satisfies("1.2.0", "=1.2.0")


def test_max_satisfying_prefers_release():
    assert max_satisfying(["1.0.0-rc.1", "1.0.0"], ">=1.0.0-rc.1") == "1.0.0"
    assert max_satisfying(["0.9.0", "1.0.0-rc.2", "1.0.0-rc.10"], ">=0.9") == "1.0.0-rc.10"
