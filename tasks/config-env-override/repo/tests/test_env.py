import pytest

from layercfg import ConfigError, load

DEFAULTS = {"debug": True, "name": "svc", "workers": 2, "timeout": 1.5,
            "db": {"host": "localhost", "port": 5432}}


def test_string_override():
    assert load(DEFAULTS, env={"APP_NAME": "billing"})["name"] == "billing"


def test_unrelated_variables_ignored():
    cfg = load(DEFAULTS, env={"HOME": "/root", "OTHER_NAME": "x"})
    assert cfg == DEFAULTS


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "off"])
def test_false_string_disables_flag(raw):
    assert load(DEFAULTS, env={"APP_DEBUG": raw})["debug"] is False
    assert load({"debug": False}, env={"APP_DEBUG": "yes"})["debug"] is True


def test_numbers_take_type_of_default():
    cfg = load(DEFAULTS, env={"APP_WORKERS": "8", "APP_TIMEOUT": "2.5"})
    assert cfg["workers"] == 8 and isinstance(cfg["workers"], int)
    assert cfg["timeout"] == 2.5


def test_nested_key_with_double_underscore():
    cfg = load(DEFAULTS, env={"APP_DB__PORT": "6432", "APP_DB__HOST": "db"})
    assert cfg["db"] == {"host": "db", "port": 6432}
    assert "db__port" not in cfg


def test_invalid_number_names_the_variable():
    with pytest.raises(ConfigError, match="APP_WORKERS"):
        load(DEFAULTS, env={"APP_WORKERS": "eight"})
