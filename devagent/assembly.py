"""One builder for what every run is made of, used by `solve`, `ci`, `bench`, `chat` and
`replay`: the model (flags over the settings: spec, endpoint, tool protocol) and the sandbox's
configuration (the sandbox environment is set here and nowhere else)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devagent.config import Settings
from devagent.llm.factory import build_model, default_model_spec, model_config_from_env
from devagent.llm.types import Model
from sandbox.config import SandboxConfig
from sandbox.egress import (
    EgressRule,
    is_allowlist,
    needs_registries,
    parse_allowlist,
    registry_rules,
)
from sandbox.hostconfig import read_host_config

SANDBOX_ENV = {"PYTHONDONTWRITEBYTECODE": "1"}
"""In every sandbox. No bytecode caches: an edit within the same second and of the same size as
the file it replaces would otherwise run the stale .pyc (seen in our own tests)."""


def run_model(
    settings: Settings,
    *,
    model: str | None = None,
    base_url: str | None = None,
    tool_protocol: str | None = None,
    env: Mapping[str, str] | None = None,
    background: bool = False,
) -> Model:
    """The run's model: the `--model` flag, else the settings' model, else the default for the
    keys in `env` (see `model_named` for the rest)."""
    env = os.environ if env is None else env
    spec = default_model_spec(env, flag=model, configured=settings.model)
    return model_named(
        spec, settings, base_url=base_url, tool_protocol=tool_protocol, env=env,
        background=background,
    )  # fmt: skip


def model_named(
    spec: str,
    settings: Settings,
    *,
    base_url: str | None = None,
    tool_protocol: str | None = None,
    env: Mapping[str, str] | None = None,
    background: bool = False,
) -> Model:
    """The model `spec` with its endpoint and tool protocol from the flags given here, else the
    settings (environment, the person's config); keys from `env`. `background` makes the
    provider's client on a background thread once the configuration is checked."""
    env = os.environ if env is None else env
    overrides: dict[str, Any] = {}
    if base_url or settings.base_url:
        overrides["base_url"] = base_url or settings.base_url
    if tool_protocol or settings.tool_protocol:
        overrides["tool_protocol"] = tool_protocol or settings.tool_protocol
    return build_model(spec, model_config_from_env(env, **overrides), background=background)


@functools.lru_cache(maxsize=1)
def _host_registries() -> tuple[EgressRule, ...]:
    return registry_rules(read_host_config(environ=os.environ))


def network_fields(network: bool | str) -> dict[str, Any]:
    """SandboxConfig's `network` and `allow` for a network setting (`allow:LIST` with its
    `registries` preset read from the host's pip and npm configuration)."""
    if isinstance(network, str) and is_allowlist(network):
        registries = _host_registries() if needs_registries(network) else ()
        allow = tuple(str(rule) for rule in parse_allowlist(network, registries))
        return {"network": "allow", "allow": allow}
    return {"network": "bridge" if network else "none"}


def sandbox_config(
    image: str,
    workspace: Path | None,
    *,
    network: bool | str = False,
    env: Mapping[str, str] | None = None,
    egress_log: Path | None = None,
    runtime: str | None = None,
) -> SandboxConfig:
    """A sandbox on `image` mounting `workspace`, offline unless `network` (True, or an
    `allow:LIST` whose connections go to `egress_log`), with `env` (e.g. the repository's
    [environment] variables) and `SANDBOX_ENV` over it, under Docker's `runtime` (None: its
    default)."""
    return SandboxConfig(
        image=image,
        workspace=workspace,
        runtime=runtime,
        env={**(env or {}), **SANDBOX_ENV},
        egress_log=egress_log,
        **network_fields(network),
    )
