"""Images shared through an operator's registry: what is pulled, under which name, and the
registry setting from the environment and the person's config."""

from __future__ import annotations

import pytest

from devagent.config import ConfigError, host_environ, load_settings
from sandbox.hostconfig import check_registry, read_host_config
from sandbox.registry import registry_name

NO_TOOLS = {"pip_command": ("true",), "npm_command": ("true",)}


def test_an_image_is_stored_under_its_content_hash_in_the_registry():
    digest = "0123456789abcdef" + "f" * 48
    assert registry_name("10.0.0.5:5000", "devagent/env:0123456789abcdef", digest) == (
        "10.0.0.5:5000/devagent/env",
        "0123456789abcdef",
    )
    assert registry_name("reg:5000", "devagent/base:latest", digest) == (
        "reg:5000/devagent/base",
        "0123456789abcdef",
    )


@pytest.mark.parametrize("text", ["http://10.0.0.5:5000", "10.0.0.5:5000/path", "a b", ":5000"])
def test_a_registry_is_host_and_port_only(text):
    with pytest.raises(ValueError, match="HOST:PORT"):
        check_registry(text)


def test_the_registry_comes_from_devagent_registry(tmp_path):
    env = {"HOME": str(tmp_path), "DEVAGENT_REGISTRY": "10.0.0.5:5000"}
    assert read_host_config(environ=env, apt_dir=tmp_path, **NO_TOOLS).image_registry == (
        "10.0.0.5:5000"
    )
    assert read_host_config(environ={"HOME": str(tmp_path)}, **NO_TOOLS).image_registry == ""


def test_the_persons_config_sets_the_registry_and_the_environment_wins(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('registry = "10.0.0.5:5000"\n')
    env = {"DEVAGENT_CONFIG": str(config), "HOME": str(tmp_path)}
    settings = load_settings({}, None, env)
    assert host_environ(settings, env)["DEVAGENT_REGISTRY"] == "10.0.0.5:5000"
    over = {**env, "DEVAGENT_REGISTRY": "10.0.0.6:5000"}
    assert load_settings({}, None, over).registry == "10.0.0.6:5000"
    unset = load_settings({}, None, {"HOME": str(tmp_path)})
    assert "DEVAGENT_REGISTRY" not in host_environ(unset, {"DEVAGENT_REGISTRY": "stale:5000"})


def test_a_bad_registry_names_its_variable(tmp_path):
    env = {"HOME": str(tmp_path), "DEVAGENT_REGISTRY": "https://reg.example:5000"}
    with pytest.raises(ConfigError, match=r"^DEVAGENT_REGISTRY: .*HOST:PORT"):
        load_settings({}, None, env)


def test_a_repository_cannot_choose_the_registry(tmp_path):
    (tmp_path / "devagent.toml").write_text('registry = "evil.example:5000"\n')
    assert load_settings({}, tmp_path, {"HOME": str(tmp_path)}).registry is None
