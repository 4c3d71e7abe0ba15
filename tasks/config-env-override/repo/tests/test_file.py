import json

import pytest

from layercfg import ConfigError, load

DEFAULTS = {"debug": False, "db": {"host": "localhost", "port": 5432}}


def test_file_overrides_defaults_deeply(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"db": {"host": "db.internal"}}))
    cfg = load(DEFAULTS, path=path, env={})
    assert cfg == {"debug": False, "db": {"host": "db.internal", "port": 5432}}


def test_missing_file_is_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load(DEFAULTS, path=tmp_path / "nope.json", env={})


def test_defaults_not_mutated(tmp_path):
    load(DEFAULTS, env={"APP_DEBUG": "1"})
    assert DEFAULTS == {"debug": False, "db": {"host": "localhost", "port": 5432}}
