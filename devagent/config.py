"""Settings, layered: CLI flags > environment > the person's config file
(`~/.config/devagent/config.toml`, or $DEVAGENT_CONFIG) > the repo's devagent.toml /
[tool.devagent] (harmless keys only: `REPO_KEYS`) > defaults.

Besides cli.py, the only module that reads the environment."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from devagent.agent.budget import BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.hooks import HooksConfig
from devagent.errors import DevagentError
from devagent.problems import Problem, dotted, key_line, located, problems, toml_position
from devagent.tools.mcp.config import McpConfig
from sandbox.egress import is_allowlist, parse_allowlist
from sandbox.envspec import EnvironmentSpec, EnvironmentSpecError, load_environment
from sandbox.hostconfig import REGISTRY_ENV, check_registry

log = logging.getLogger(__name__)


class ConfigError(DevagentError):
    """A settings file or value is invalid."""


def network_setting(value: bool | str) -> bool | str:
    """The sandbox's network as a setting: False (none), True (the whole bridge network) or
    `allow:LIST` (only LIST, through a proxy; its entries checked here). 'none' and 'bridge'
    mean False and True."""
    if isinstance(value, bool):
        return value
    word = value.strip()
    if word.lower() in ("none", "off", "false"):
        return False
    if word.lower() in ("bridge", "on", "true"):
        return True
    if not is_allowlist(word):
        raise ValueError(f"network must be true, false or allow:LIST, not {value!r}")
    parse_allowlist(word)  # raises AllowlistError (a ValueError) naming a bad entry
    return word


NetworkSetting = Annotated[bool | str, AfterValidator(network_setting)]
"""`network = true`, `false` or `"allow:registries,example.com:8443"`."""


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
    network: NetworkSetting = False
    """Give the sandbox network access: true, or `allow:LIST` (only those hosts)."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    model: str | None = None
    """Provider spec, e.g. 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o', 'scripted:file.yaml'."""
    base_url: str | None = None
    """OpenAI-compatible server URL (vLLM, Ollama, llama.cpp, LM Studio)."""
    tool_protocol: Literal["native", "text"] | None = None
    image: str | None = None
    """Sandbox image; default: the repo's environment image."""
    network: NetworkSetting = False
    """Give the sandbox network access (off by default): true for all of it, or `allow:LIST`
    for only the hosts listed (`host`, `host:port`, `*.domain`, the preset `registries`)."""
    runtime: str | None = None
    """Docker runtime of the sandbox: 'runsc' runs it under gVisor (see README); None: Docker's
    default (runc)."""
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
    mcp: McpConfig = Field(default_factory=McpConfig)
    """MCP servers whose tools the agent may call (`[mcp.servers.NAME]`; only from the person's
    own config: a repository's is ignored)."""
    hooks: HooksConfig = Field(default_factory=HooksConfig)
    """Your hooks (`[[hooks.PreToolUse]]` tables, or `file` = a hooks.json); they run in the
    sandbox unless one says `where = "host"` (never in `devagent ci`). A repository's hooks
    come only from its .devagent/hooks.json and run only in the sandbox."""
    registry: str | None = None
    """HOST:PORT of your private image registry: env images are pulled from it instead of built,
    and pushed to it after a build ($DEVAGENT_REGISTRY; see README, "Many machines")."""
    environment: EnvironmentSpec = Field(default_factory=EnvironmentSpec)
    """How the sandbox image is set up (the `[environment]` table; a repository may set it:
    its commands run at image build time, never with the agent's sandbox policy)."""

    @field_validator("registry")
    @classmethod
    def _registry_address(cls, value: str | None) -> str | None:
        """A registry address is HOST:PORT: nothing else reaches `docker pull`."""
        return None if value is None else (check_registry(value) or None)


ENV_KEYS = {
    "DEVAGENT_MODEL": "model",
    "DEVAGENT_BASE_URL": "base_url",
    "OPENAI_BASE_URL": "base_url",
    "DEVAGENT_TOOL_PROTOCOL": "tool_protocol",
    "DEVAGENT_IMAGE": "image",
    "DEVAGENT_RUNTIME": "runtime",
    "DEVAGENT_CACHE_DIR": "cache_dir",
    REGISTRY_ENV: "registry",
}


REPO_KEYS = frozenset({"test_commands", "environment"})
"""What a repository's own config may set: how to test it and how to set up its environment
(run at image build time). Everything else is security policy (network, image, cache and state
paths, model and endpoint, budgets) and comes only from the person: flags, environment, their
own config. A repository file is hostile input; so is anything the agent writes into one."""


@dataclass(frozen=True)
class Layer:
    """One source of settings: its values, and how to name it in an error."""

    name: str
    """A file's path, 'environment' or 'flags'."""
    values: dict[str, Any]
    text: str = ""
    """A file's text (to find the line of a bad key); '' for the environment and flags."""
    table: tuple[str, ...] = ()
    """Where in the file the values are (`('tool', 'devagent')` in pyproject.toml)."""


def repo_settings(repo: Path) -> dict[str, Any]:
    """The harmless part (`REPO_KEYS`) of the repo's config (see `repo_layer`)."""
    return repo_layer(repo).values


def repo_layer(repo: Path) -> Layer:
    """The harmless part (`REPO_KEYS`) of the [tool.devagent] table of pyproject.toml, or of
    devagent.toml (which wins). Policy keys are dropped with a warning; unknown keys are kept so
    that validation names them; the [environment] table is checked here, so that a bad key is
    one line naming the file."""
    data: dict[str, Any] = {}
    source, text = str(repo / "devagent.toml"), ""
    table: tuple[str, ...] = ()
    if (repo / "pyproject.toml").is_file():
        source = f"{repo / 'pyproject.toml'} [tool.devagent]"
        text = (repo / "pyproject.toml").read_text()
        data = _toml(text, repo / "pyproject.toml").get("tool", {}).get("devagent", {})
        table = ("tool", "devagent")
    if (repo / "devagent.toml").is_file():
        source = str(repo / "devagent.toml")
        text = (repo / "devagent.toml").read_text()
        data = _toml(text, repo / "devagent.toml")
        table = ()
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
    values = {key: value for key, value in data.items() if key not in policy}
    return Layer(source.removesuffix(" [tool.devagent]"), values, text, table)


def _toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = toml_position(exc)
        raise ConfigError(f"{located(str(path), line)}: invalid TOML: {message}") from exc


def user_config_path(env: Mapping[str, str]) -> Path:
    """$DEVAGENT_CONFIG, else $XDG_CONFIG_HOME/devagent/config.toml (~/.config by default)."""
    if env.get("DEVAGENT_CONFIG"):
        return Path(env["DEVAGENT_CONFIG"]).expanduser()
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "devagent" / "config.toml"


def user_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The person's own config file (every key allowed: it is theirs); {} when there is none."""
    return user_layer(env).values


def user_layer(env: Mapping[str, str]) -> Layer:
    path = user_config_path(env)
    if not path.is_file():
        if env.get("DEVAGENT_CONFIG"):
            raise ConfigError(f"DEVAGENT_CONFIG names {path}, which does not exist")
        return Layer(str(path), {})
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; a config file is TOML") from exc
    return Layer(str(path), _toml(text, path), text)


ENV_PATHS = {
    **{name: (key,) for name, key in ENV_KEYS.items()},
    "DEVAGENT_MAX_USD": ("budget", "max_usd"),
}
"""Which setting each environment variable sets."""


def env_settings(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {key: env[name] for name, key in ENV_KEYS.items() if env.get(name)}
    if env.get("DEVAGENT_MAX_USD"):
        out["budget"] = {"max_usd": env["DEVAGENT_MAX_USD"]}
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
    """Layer the sources; `cli` holds only flags the user gave (None means not given). A bad
    value is a `ConfigError` naming where it was set: `file:line: key: what is wrong`, the
    environment variable, or the flag."""
    env = os.environ if env is None else env
    layers = [
        *([repo_layer(repo)] if repo else []),
        user_layer(env),
        Layer("environment", env_settings(env)),
        Layer("flags", cli),
    ]
    layered: dict[str, Any] = {}
    for layer in layers:
        layered = merge(layered, layer.values)
    try:
        return Settings.model_validate(layered)
    except ValidationError as exc:
        lines = [where(p, layers, env) for p in problems(exc)]
        raise ConfigError("; ".join(dict.fromkeys(lines))) from exc


def where(problem: Problem, layers: list[Layer], env: Mapping[str, str]) -> str:
    """`problem` named by the source that set its key (the last layer that has it)."""
    layer = next((lay for lay in reversed(layers) if _has(lay.values, problem.loc)), None)
    if layer is None:
        return f"settings: {problem.key}: {problem.message}"
    if layer.name == "flags":
        return f"--{str(problem.loc[0]).replace('_', '-')}: {problem.message}"
    if layer.name == "environment":
        names = [n for n, path in ENV_PATHS.items() if path == problem.loc[: len(path)]]
        name = next((n for n in names if env.get(n)), "environment")
        return f"{name}: {problem.message}"
    loc = layer.table + problem.loc
    line = key_line(layer.text, loc) if layer.text else None
    return f"{located(layer.name, line)}: {dotted(loc)}: {problem.message}"


def _has(values: Any, loc: tuple[str | int, ...]) -> bool:
    for part in loc:
        found = isinstance(values, dict) and values.get(part) is not None
        indexed = isinstance(values, list) and isinstance(part, int) and part < len(values)
        if not (found or indexed):
            return False
        values = values[part]
    return True


def host_environ(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The environment the host's image configuration is read with (`read_host_config`):
    `env`, with the registry the settings chose (flags > environment > your config)."""
    out = {k: v for k, v in env.items() if k != REGISTRY_ENV}
    return {**out, REGISTRY_ENV: settings.registry} if settings.registry else out
