"""Settings layering and parsing."""

from __future__ import annotations

import pytest

from devagent.config import ConfigError, load_settings


def test_cli_beats_env_beats_repo_file_beats_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.devagent]\nmodel = "openai:from-pyproject"\nimage = "img:repo"\n'
        "[tool.devagent.budget]\nmax_steps = 7\nmax_usd = 1.5\n"
    )
    env = {"DEVAGENT_MODEL": "anthropic:from-env"}
    settings = load_settings({"budget": {"max_usd": 0.25}, "network": None}, tmp_path, env)
    assert settings.model == "anthropic:from-env"
    assert settings.image == "img:repo"
    assert (settings.budget.max_steps, settings.budget.max_usd) == (7, 0.25)
    assert settings.budget.max_time_s == 1800.0
    assert settings.network is False
    settings = load_settings({"model": "scripted:x.yaml"}, tmp_path, env)
    assert settings.model == "scripted:x.yaml"


def test_devagent_toml_wins_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.devagent]\nmodel = "a:b"\n')
    (tmp_path / "devagent.toml").write_text('model = "c:d"\n')
    assert load_settings({}, tmp_path, {}).model == "c:d"


def test_unknown_keys_are_rejected(tmp_path):
    (tmp_path / "devagent.toml").write_text('modle = "typo"\n')
    with pytest.raises(ConfigError, match="modle"):
        load_settings({}, tmp_path, {})
