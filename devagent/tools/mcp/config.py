"""The person's MCP servers: how each is reached and which of its tools the agent may call."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ToolPolicy = Literal["allow", "ask", "deny"]
"""`allow`: listed and called; `ask`: a person approves each call (denied where there is no
person: solve, ci, bench); `deny`: refused. A tool the config does not list is denied."""

SERVER_NAME = re.compile(r"^[A-Za-z0-9-]+(_[A-Za-z0-9-]+)*$")
"""Letters, digits, '-' and single '_' (a double '_' separates the parts of a tool's name)."""
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")


class McpServerConfig(BaseModel):
    """One MCP server: a command speaking MCP over stdio (in the sandbox or on the host), or a
    streamable HTTP endpoint (reached from the host: the sandbox has no network)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    command: list[str] = Field(default_factory=list)
    """The server's command line, e.g. ["python3", "/opt/calc_server.py"] (stdio)."""
    url: str | None = None
    """A streamable HTTP endpoint, e.g. "http://127.0.0.1:8000/mcp" (instead of `command`)."""
    where: Literal["sandbox", "host"] = "sandbox"
    """Where `command` runs: in the run's sandbox (default; it must exist in the image) or on
    the host ('host': never in `devagent ci`). A `url` server is always reached from the host."""
    env: list[str] = Field(default_factory=list)
    """Names of host environment variables the server gets (never values: those are read from
    the host's environment at start, and redacted from everything devagent writes)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """HTTP headers of a `url` server; `${NAME}` in a value is replaced by the variable NAME,
    which must be listed in `env`, e.g. {Authorization = "Bearer ${CALC_TOKEN}"}."""
    cwd: str | None = None
    """The server's working directory (default: /workspace in the sandbox, devagent's own on
    the host)."""
    tools: dict[str, ToolPolicy] = Field(default_factory=dict)
    """Tool name -> allow | ask | deny. Tools not listed here are denied."""
    start_timeout_s: float = Field(default=30.0, gt=0)
    """Seconds the server may take to start and list its tools; past that it is left out."""
    call_timeout_s: float = Field(default=120.0, gt=0)
    """Seconds one tool call may take (no more than the run's command timeout)."""

    @field_validator("env")
    @classmethod
    def _env_names(cls, names: list[str]) -> list[str]:
        bad = [name for name in names if not ENV_NAME.match(name)]
        if bad:
            raise ValueError(f"not environment variable names: {bad} (give names, not values)")
        return names

    @model_validator(mode="after")
    def _one_way_in(self) -> McpServerConfig:
        if bool(self.command) == bool(self.url):
            raise ValueError("give either `command` (stdio) or `url` (streamable HTTP)")
        if self.url and "where" in self.model_fields_set and self.where == "sandbox":
            raise ValueError("a `url` server is reached from the host (the sandbox has no network)")
        if self.headers and not self.url:
            raise ValueError("`headers` are for a `url` server")
        for value in self.headers.values():
            unknown = [n for n in _REFERENCE.findall(value) if n not in self.env]
            if unknown:
                raise ValueError(f"headers name {unknown}, which `env` does not list")
        return self

    @property
    def on_host(self) -> bool:
        """Whether devagent reaches the server from the host (a host command or a URL)."""
        return bool(self.url) or self.where == "host"

    def header_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """`headers` with `${NAME}` replaced from `values` (the server's resolved `env`)."""
        return {
            key: _REFERENCE.sub(lambda m: values.get(m.group(1), ""), value)
            for key, value in self.headers.items()
        }


class McpConfig(BaseModel):
    """MCP servers whose tools the agent may call (`[mcp.servers.NAME]` in the person's config;
    a repository's own config may not add any)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    servers: dict[str, McpServerConfig] = Field(default_factory=dict)
    """Servers by name; their tools are called `mcp__<server>__<tool>`."""

    @field_validator("servers")
    @classmethod
    def _server_names(cls, servers: dict[str, McpServerConfig]) -> dict[str, McpServerConfig]:
        bad = [name for name in servers if not SERVER_NAME.match(name)]
        if bad:
            raise ValueError(f"server names may hold letters, digits, '-' and single '_': {bad}")
        return servers

    def env_values(self, environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """Per server, the values of the variables its `env` names (unset ones left out)."""
        return {
            name: {var: environ[var] for var in server.env if var in environ}
            for name, server in self.servers.items()
        }
