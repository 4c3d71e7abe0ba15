"""Settings, layered: CLI flags > environment > the person's config file
(`~/.config/devagent/config.toml`, or $DEVAGENT_CONFIG) > the repo's devagent.toml /
[tool.devagent] (harmless keys only: `REPO_KEYS`) > defaults.

Besides cli.py, the only module that reads the environment."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from devagent.agent.budget import BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.errors import DevagentError
from sandbox.envspec import EnvironmentSpec, EnvironmentSpecError, load_environment

log = logging.getLogger(__name__)


class ConfigError(DevagentError):
    """A settings file or value is invalid."""


class ChatConfig(BaseModel):
    """A chat session: approvals, its limits, its tests (flags of `devagent chat` win)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    auto: bool = False
    """Approve every edit without asking (commands that need the network still ask)."""
    command_timeout: float = Field(default=120.0, gt=0)
    """Seconds a `run` may take without asking; a call asking for more is confirmed first."""
    max_steps_per_turn: int = Field(default=30, ge=1)
    """Model calls in one turn before it is ended and the person asked to continue."""
    max_output_tokens: int = 4096
    test_command: str | None = None
    """The tests `/test` runs (default: found in the repository)."""
    network: bool = False
    """Give the sandbox network access."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    model: str | None = None
    """Provider spec, e.g. 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o', 'scripted:file.yaml'."""
    base_url: str | None = None
    """OpenAI-compatible server URL (vLLM, Ollama, llama.cpp, LM Studio)."""
    tool_protocol: Literal["native", "text"] | None = None
    image: str | None = None
    """Sandbox image; default: the repo's environment image."""
    network: bool = False
    """Give the sandbox network access (off by default)."""
    test_commands: list[str] = Field(default_factory=list)
    """Goal checks: shell commands that must exit 0."""
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    """The agent loop: delegation, check and command timeouts, output tokens, its context."""
    chat: ChatConfig = Field(default_factory=ChatConfig)
    """`devagent chat` sessions."""
    """A run's limits (40 steps, 2M tokens, $3, 30 min unless set)."""
    cache_dir: Path = Path.home() / ".cache" / "devagent"
    """Repo-map index, memory across runs."""
    environment: EnvironmentSpec = Field(default_factory=EnvironmentSpec)
    """How the sandbox image is set up (the `[environment]` table; a repository may set it:
    its commands run at image build time, never with the agent's sandbox policy)."""


ENV_KEYS = {
    "DEVAGENT_MODEL": "model",
    "DEVAGENT_BASE_URL": "base_url",
    "OPENAI_BASE_URL": "base_url",
    "DEVAGENT_TOOL_PROTOCOL": "tool_protocol",
    "DEVAGENT_IMAGE": "image",
    "DEVAGENT_CACHE_DIR": "cache_dir",
}


REPO_KEYS = frozenset({"test_commands", "environment"})
"""What a repository's own config may set: how to test it and how to set up its environment
(run at image build time). Everything else is security policy (network, image, cache and state
paths, model and endpoint, budgets) and comes only from the person: flags, environment, their
own config. A repository file is hostile input; so is anything the agent writes into one."""


def repo_settings(repo: Path) -> dict[str, Any]:
    """The harmless part (`REPO_KEYS`) of the [tool.devagent] table of pyproject.toml, or of
    devagent.toml (which wins). Policy keys are dropped with a warning; unknown keys are kept so
    that validation names them; the [environment] table is checked here, so that a bad key is
    one line naming the file."""
    data: dict[str, Any] = {}
    source = str(repo / "devagent.toml")
    try:
        if (repo / "pyproject.toml").is_file():
            source = f"{repo / 'pyproject.toml'} [tool.devagent]"
            data = tomllib.loads((repo / "pyproject.toml").read_text())
            data = data.get("tool", {}).get("devagent", {})
        if (repo / "devagent.toml").is_file():
            source = str(repo / "devagent.toml")
            data = tomllib.loads((repo / "devagent.toml").read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from exc
    policy = sorted(key for key in data if key in Settings.model_fields and key not in REPO_KEYS)
    if policy:
        log.warning(
            "%s sets %s: security policy a repository may not set; ignored (set it with a flag, "
            "an environment variable or your own config)",
            source,
            ", ".join(policy),
        )
    if isinstance(data.get("environment"), dict):
        try:
            load_environment(data["environment"], source)
        except EnvironmentSpecError as exc:
            raise ConfigError(str(exc)) from exc
    return {key: value for key, value in data.items() if key not in policy}


def user_config_path(env: Mapping[str, str]) -> Path:
    """$DEVAGENT_CONFIG, else $XDG_CONFIG_HOME/devagent/config.toml (~/.config by default)."""
    if env.get("DEVAGENT_CONFIG"):
        return Path(env["DEVAGENT_CONFIG"]).expanduser()
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "devagent" / "config.toml"


def user_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The person's own config file (every key allowed: it is theirs); {} when there is none."""
    path = user_config_path(env)
    if not path.is_file():
        if env.get("DEVAGENT_CONFIG"):
            raise ConfigError(f"DEVAGENT_CONFIG names {path}, which does not exist")
        return {}
    try:
        return tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def env_settings(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {key: env[name] for name, key in ENV_KEYS.items() if env.get(name)}
    if env.get("DEVAGENT_MAX_USD"):
        out["budget"] = {"max_usd": float(env["DEVAGENT_MAX_USD"])}
    return out


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if value is None:
            continue
        out[key] = (
            merge(out[key], value)
            if isinstance(out.get(key), dict) and isinstance(value, dict)
            else value
        )
    return out


def load_settings(
    cli: dict[str, Any], repo: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Layer the sources; `cli` holds only flags the user gave (None means not given)."""
    env = os.environ if env is None else env
    layered: dict[str, Any] = {}
    layers = (repo_settings(repo) if repo else {}, user_settings(env), env_settings(env), cli)
    for layer in layers:
        layered = merge(layered, layer)
    try:
        return Settings.model_validate(layered)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
