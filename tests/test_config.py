"""Settings layering and parsing."""

from __future__ import annotations

import pytest

from devagent.config import ConfigError, load_settings


def test_cli_beats_env_beats_repo_file_beats_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.devagent]\ntest_commands = ["pytest -q tests/a.py"]\n'
    )
    env = {"DEVAGENT_MODEL": "anthropic:from-env"}
    settings = load_settings({"budget": {"max_usd": 0.25}, "network": None}, tmp_path, env)
    assert settings.model == "anthropic:from-env"
    assert settings.test_commands == ["pytest -q tests/a.py"]
    assert settings.budget.max_usd == 0.25
    assert settings.budget.max_time_s == 1800.0
    assert settings.network is False
    settings = load_settings({"model": "scripted:x.yaml"}, tmp_path, env)
    assert settings.model == "scripted:x.yaml"
    settings = load_settings({"test_commands": ["make check"]}, tmp_path, env)
    assert settings.test_commands == ["make check"]


def test_devagent_toml_wins_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.devagent]\ntest_commands = ["a"]\n')
    (tmp_path / "devagent.toml").write_text('test_commands = ["b"]\n')
    assert load_settings({}, tmp_path, {}).test_commands == ["b"]


def test_repository_config_cannot_change_security_policy(tmp_path, caplog):
    """A committed devagent.toml (or one the agent adds to its patch) may shape the work, never
    the policy: network, image, cache paths, model, endpoint and budgets come from the person."""
    (tmp_path / "devagent.toml").write_text(
        'network = true\ncache_dir = "/etc/evil"\nimage = "attacker/image"\n'
        'model = "openai:gpt-x"\nbase_url = "http://attacker.example"\n'
        'tool_protocol = "text"\ntest_commands = ["pytest -q"]\n'
        "[budget]\nmax_usd = 500.0\nmax_steps = 10000\n"
    )
    settings = load_settings({}, tmp_path, {})
    defaults = load_settings({}, None, {})
    assert settings.network is False
    assert settings.cache_dir == defaults.cache_dir
    assert settings.image is None and settings.model is None and settings.base_url is None
    assert settings.tool_protocol is None
    assert settings.budget == defaults.budget
    assert settings.test_commands == ["pytest -q"]
    ignored = " ".join(r.getMessage() for r in caplog.records)
    for key in ("network", "cache_dir", "image", "model", "base_url", "budget"):
        assert key in ignored


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


def test_the_persons_config_file_sits_between_the_environment_and_the_repo(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "devagent").mkdir(parents=True)
    (home / ".config" / "devagent" / "config.toml").write_text(
        'model = "openai:from-config"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'test_commands = ["from-config"]\n[budget]\nmax_time = "10m"\nmax_steps = 12\n'
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "devagent.toml").write_text('test_commands = ["from-repo"]\n')
    env = {"HOME": str(home), "DEVAGENT_MODEL": "openai:from-env"}

    settings = load_settings({"budget": {"max_steps": 3}}, repo, env)

    assert settings.model == "openai:from-env"
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert settings.test_commands == ["from-config"]
    assert (settings.budget.max_steps, settings.budget.max_time_s) == (3, 600.0)
    assert settings.budget.max_usd == 3.0


def test_a_config_file_named_by_devagent_config_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({}, None, {"DEVAGENT_CONFIG": str(tmp_path / "nope.toml")})


def test_the_budget_in_the_config_file_is_the_budget_a_run_gets(tmp_path):
    from devagent.pipeline import SolveOptions, build_task

    config = tmp_path / "config.toml"
    config.write_text('[budget]\nmax_usd = 0.5\nmax_time = "2m"\n')
    settings = load_settings({}, None, {"DEVAGENT_CONFIG": str(config)})
    issue = "+++\n[budget]\nmax_steps = 9\n+++\nFix it.\n"
    opts = SolveOptions(
        issue=issue, repo=tmp_path, out=tmp_path / "out", model=None,  # type: ignore[arg-type]
        budget={"max_tokens": 1000}, budget_defaults=settings.budget.model_dump(),
    )  # fmt: skip
    _, budget = build_task(opts)
    assert budget.model_dump() == {
        "max_steps": 9, "max_tokens": 1000, "max_usd": 0.5, "max_time_s": 120.0,
        "wrap_up_at": 0.8,
    }  # fmt: skip


def test_a_chat_gets_the_settings_chat_table_under_its_flags(tmp_path):
    import argparse

    from devagent.chat.run import chat_config

    config = tmp_path / "config.toml"
    config.write_text("[chat]\ncommand_timeout = 30\nauto = true\nmax_steps_per_turn = 5\n")
    settings = load_settings({}, None, {"DEVAGENT_CONFIG": str(config)})
    flags = argparse.Namespace(auto=None, timeout=None, network=None)
    chat = chat_config(settings, flags)
    assert (chat.command_timeout, chat.auto, chat.max_steps_per_turn) == (30.0, True, 5)
    assert chat.network is False
    chat = chat_config(settings, argparse.Namespace(auto=None, timeout=300.0, network=True))
    assert (chat.command_timeout, chat.network) == (300.0, True)


def test_the_agent_table_reaches_a_solve(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[agent]\ncommand_timeout = 42\nmax_depth = 0\n")
    settings = load_settings({}, None, {"DEVAGENT_CONFIG": str(config)})
    assert (settings.agent.command_timeout, settings.agent.max_depth) == (42.0, 0)


@pytest.mark.parametrize(
    ("key", "value"),
    [("max_steps", "0"), ("max_tokens", "-5"), ("max_usd", "0"), ("max_usd", "nan"),
     ("max_time", '"0s"'), ("max_time_s", "inf")],
)  # fmt: skip
def test_a_budget_that_cannot_run_is_refused_naming_the_file_and_key(tmp_path, key, value) -> None:
    mine = tmp_path / "config.toml"
    mine.write_text(f"[budget]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=rf"config\.toml:2: budget\.{key}"):
        load_settings({}, tmp_path, {"DEVAGENT_CONFIG": str(mine)})
