from semverlib import Version

P = Version.parse


def test_core_versions_compare_numerically():
    assert P("1.2.10") > P("1.2.9")
    assert P("2.0.0") > P("1.99.99")
    assert P("1.0.0") == P("v1.0.0")


def test_build_metadata_is_ignored():
    assert P("1.0.0+a") == P("1.0.0+b")


def test_prerelease_sorts_before_release():
    assert P("1.0.0-rc.1") < P("1.0.0")
    assert P("1.0.0") > P("1.0.0-alpha")
    assert P("1.0.0-alpha") < P("1.0.0-alpha.1")


def test_numeric_prerelease_identifiers_compare_as_numbers():
    assert P("1.0.0-alpha.2") < P("1.0.0-alpha.10")
    assert P("1.0.0-rc.9") < P("1.0.0-rc.11")


def test_numeric_identifier_sorts_before_alphanumeric():
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-alpha.10",
               "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-rc.1", "1.0.0"]
    shuffled = ordered[::-1][3:] + ordered[::-1][:3]
    assert sorted(shuffled, key=P) == ordered
