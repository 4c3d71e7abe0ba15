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


def test_the_environment_table_comes_from_the_repository(tmp_path):
    (tmp_path / "devagent.toml").write_text(
        '[environment]\npython = "3.9"\npip = ["pytest==7.4.4"]\ntest_command = "pytest -x"\n'
    )
    environment = load_settings({}, tmp_path, {}).environment
    assert (environment.python, environment.pip) == ("3.9", ["pytest==7.4.4"])
    assert environment.test_command == "pytest -x"


def test_an_unknown_environment_key_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.devagent.environment]\npyhton = "3.9"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path, {})
    assert str(caught.value).startswith(
        f"{tmp_path / 'pyproject.toml'} [tool.devagent]: [environment] unknown key 'pyhton'"
    )
    assert "\n" not in str(caught.value)
