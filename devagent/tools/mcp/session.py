"""`open_mcp`: the person's MCP servers started for one run, and the tools the model gets.

Only servers from the person's own config reach here. A server runs in the run's sandbox over
its exec channel unless its config says `where = "host"` (or it is a `url`); host servers are
left out when `host_allowed` is False (`devagent ci`). A server that does not start is left out
with a warning; the run goes on. The SDK is imported only when a server is configured.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.mcp.config import McpConfig, McpServerConfig, ToolPolicy
from devagent.tools.mcp.render import clip, description, name_problem, object_schema, tool_name
from sandbox import Sandbox

if TYPE_CHECKING:
    from devagent.tools.mcp.manager import McpManager, RemoteTool, ServerPlan

log = logging.getLogger(__name__)

ANY_OBJECT: dict[str, Any] = {"type": "object"}


@dataclass
class McpTools:
    """The run's MCP tools, what went wrong starting them, and the secrets they were given."""

    tools: dict[str, Tool] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    """The values of the servers' `env` variables: redact them everywhere."""
    manager: McpManager | None = None
    _files: list[TextIO] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """For the trajectory's meta record: the tools as offered (replay serves them from the
        recording) and the warnings."""
        specs = [
            {"name": t.name, "description": t.description, "parameters": t.parameters}
            | {"listed": t.listed, "asks": t.asks}
            for t in self.tools.values()
        ]
        return {"tools": specs, "warnings": list(self.warnings)}

    def close(self) -> None:
        if self.manager is not None:
            self.manager.close()
            self.manager = None
        for handle in self._files:
            handle.close()
        self._files.clear()

    def __enter__(self) -> McpTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_mcp(
    config: McpConfig,
    sandbox: Sandbox,
    environ: Mapping[str, str],
    *,
    host_allowed: bool,
    can_ask: bool = False,
) -> McpTools:
    """Start the servers of `config` (`environ`: the host environment their `env` names are
    read from) and build their tools; `can_ask`: a person approves each call of an `ask` tool
    (a chat: such tools are listed, with `Tool.asks`); else they are refused."""
    out = McpTools()
    if not config.servers:
        return out
    values = config.env_values(environ)
    out.secrets = sorted({v for server in values.values() for v in server.values() if v})
    plans = {}
    for name, server in config.servers.items():
        missing = [var for var in server.env if var not in values[name]]
        if missing:
            out.warnings.append(f"MCP server {name}: {', '.join(missing)} not set on the host")
        if server.on_host and not host_allowed:
            out.warnings.append(
                f"MCP server {name} left out: servers on the host are not started here (ci)"
            )
            continue
        plan = _plan(server, sandbox, values[name], out)
        if isinstance(plan, str):
            out.warnings.append(f"MCP server {name} left out: {plan}")
        else:
            plans[name] = plan
    if plans:
        _start(out, config, plans, can_ask)
    for warning in out.warnings:
        log.warning("%s", warning)
    return out


def _start(out: McpTools, config: McpConfig, plans: dict[str, ServerPlan], can_ask: bool) -> None:
    from devagent.tools.mcp.manager import McpManager

    out.manager = manager = McpManager()
    for name, listing in manager.start(plans).items():
        if isinstance(listing, str):
            out.warnings.append(
                f"MCP server {name} did not start, so its tools are not offered: {listing}"
            )
            continue
        server = config.servers[name]
        offered = {remote.name for remote in listing}
        unknown = sorted(set(server.tools) - offered)
        if unknown:
            out.warnings.append(f"MCP server {name} has no tool(s) {', '.join(unknown)}")
        for remote in listing:
            problem = name_problem(name, remote.name)
            if problem:
                out.warnings.append(f"MCP server {name}: tool not offered: {problem}")
                continue
            tool = _tool(manager, name, server, remote, can_ask)
            out.tools[tool.name] = tool


def _plan(
    server: McpServerConfig, sandbox: Sandbox, env: dict[str, str], out: McpTools
) -> ServerPlan | str:
    from devagent.tools.mcp import transport
    from devagent.tools.mcp.manager import ServerPlan

    plan = ServerPlan(_no_open, server.start_timeout_s, server.call_timeout_s)
    if server.url:
        url, headers = server.url, server.header_values(env)
        plan.open = lambda: transport.http_transport(url, headers)
        return plan
    argv, cwd = list(server.command), server.cwd
    if server.where == "host":
        errlog = tempfile.TemporaryFile("w+", prefix="devagent-mcp-")  # noqa: SIM115
        out._files.append(errlog)
        plan.open = lambda: transport.host_stdio_transport(argv, env, cwd, errlog)
        plan.stderr_tail = lambda: _file_tail(errlog)
        return plan
    open_pipe = getattr(sandbox, "open_pipe", None)
    if open_pipe is None:
        return f"this sandbox ({type(sandbox).__name__}) cannot run a server"
    pipes: list[Any] = []

    def start() -> Any:
        pipes.append(open_pipe(argv, env=env, cwd=cwd))
        return pipes[-1]

    plan.open = lambda: transport.pipe_transport(start)
    plan.stderr_tail = lambda: pipes[-1].stderr_tail() if pipes else ""
    return plan


def _no_open() -> Any:
    raise NotImplementedError


def _file_tail(handle: TextIO, size: int = 4000) -> str:
    """The end of a file the server writes to (read without moving the shared offset)."""
    fd = handle.fileno()
    end = os.fstat(fd).st_size
    return os.pread(fd, size, max(end - size, 0)).decode("utf-8", "replace")


def _tool(
    manager: McpManager, server: str, config: McpServerConfig, remote: RemoteTool, can_ask: bool
) -> Tool:
    name = tool_name(server, remote.name)
    policy: ToolPolicy | None = config.tools.get(remote.name)
    text = description(server, remote.description)
    if policy == "allow" or (policy == "ask" and can_ask):
        fn = _caller(manager, server, remote.name, config.call_timeout_s)
        return Tool(name, text, object_schema(remote.schema), fn, asks=policy == "ask")
    return Tool(name, text, ANY_OBJECT, _refusal(server, remote.name, policy), listed=False)


def _caller(manager: McpManager, server: str, tool: str, timeout: float) -> Any:
    def call(args: dict[str, Any], ctx: ToolContext) -> Observation:
        outcome = manager.call(server, tool, args, min(timeout, ctx.command_timeout))
        data: dict[str, Any] = {"server": server, "tool": tool}
        if outcome.lost:
            data["lost"] = True
        return Observation(clip(outcome.text), ok=outcome.ok, data={"mcp": data})

    return call


def refusal_text(server: str, tool: str, policy: ToolPolicy | None) -> str:
    name = tool_name(server, tool)
    if policy == "deny":
        why = "the person's config denies it"
    elif policy == "ask":
        why = "it needs the person's approval for each call, and no person is here to ask"
    else:
        why = f"the person's config does not list it under [mcp.servers.{server}.tools]"
    return f"{name} is not allowed: {why}. Do without it; the tools you were given are allowed."


def _refusal(server: str, tool: str, policy: ToolPolicy | None) -> Any:
    text = refusal_text(server, tool, policy)

    def refuse(args: dict[str, Any], ctx: ToolContext) -> Observation:
        del args, ctx
        return Observation.failure(text, mcp={"server": server, "tool": tool, "denied": True})

    return refuse
