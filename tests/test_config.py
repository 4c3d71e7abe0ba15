"""Settings layering and parsing."""

from __future__ import annotations

import pytest

from devagent.config import ConfigError, load_settings, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1h30m", 5400.0), ("2.5s", 2.5)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "5x"])
def test_parse_duration_rejects_nonsense(text):
    with pytest.raises(ConfigError):
        parse_duration(text)


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
