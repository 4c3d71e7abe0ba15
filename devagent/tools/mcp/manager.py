"""`McpManager`: MCP client sessions on one background event loop, called from the sync loop.

Each server gets a task that holds its transport and `ClientSession` open until `close()`;
calls are submitted to the loop with `asyncio.run_coroutine_threadsafe` and waited for with a
timeout. A server that does not start is left out (its error kept); one that dies is marked
gone, and every later call to it answers that, without touching the run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import mcp_types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from devagent.tools.mcp.render import result_text

STOP_TIMEOUT_S = 10.0
"""How long closing may wait for all servers to stop."""
SLACK_S = 5.0
"""Added to a server's own timeouts before the caller stops waiting for the loop."""


@dataclass(frozen=True)
class RemoteTool:
    """A tool as a server lists it."""

    name: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class CallOutcome:
    """What a call came to: the result's text, whether it succeeded, and the server's state."""

    text: str
    ok: bool
    lost: bool = False
    """The server is gone (it exited, or its connection broke): later calls fail at once."""


@dataclass
class ServerPlan:
    """How to reach one server: `open()` gives its transport's (read, write) stream pair."""

    open: Callable[[], AbstractAsyncContextManager[Any]]
    start_timeout_s: float = 30.0
    call_timeout_s: float = 120.0
    stderr_tail: Callable[[], str] = lambda: ""


@dataclass
class _Link:
    plan: ServerPlan
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    session: ClientSession | None = None
    task: asyncio.Task[None] | None = None
    gone: str = ""
    """Why the server is not there ('' while it is)."""


class McpStartError(Exception):
    """A server did not start, or did not list its tools."""


def describe_error(exc: BaseException) -> str:
    """One line for an error (the first leaf of an exception group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError) and exc.code == mcp_types.CONNECTION_CLOSED:
        return "it closed the connection (exited?) before it was ready"
    if isinstance(exc, MCPError):
        return exc.message
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class McpManager:
    """Sessions with MCP servers, on a daemon thread's event loop."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="devagent-mcp", daemon=True
        )
        self._thread.start()
        self._links: dict[str, _Link] = {}

    def _submit(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    # -- starting --------------------------------------------------------------------------

    def start(self, plans: Mapping[str, ServerPlan]) -> dict[str, list[RemoteTool] | str]:
        """Start every server at once; per server its tools, or why it is left out."""
        futures = {
            name: asyncio.run_coroutine_threadsafe(self._start(name, plan), self._loop)
            for name, plan in plans.items()
        }
        out: dict[str, list[RemoteTool] | str] = {}
        for name, future in futures.items():
            try:
                out[name] = future.result(plans[name].start_timeout_s + SLACK_S)
            except (McpStartError, concurrent.futures.TimeoutError) as exc:
                out[name] = str(exc) or "it did not start in time"
        return out

    async def _start(self, name: str, plan: ServerPlan) -> list[RemoteTool]:
        link = self._links[name] = _Link(plan)
        ready: asyncio.Future[list[RemoteTool]] = self._loop.create_future()
        link.task = asyncio.create_task(self._serve(link, ready), name=f"mcp-{name}")
        try:
            return await asyncio.wait_for(asyncio.shield(ready), plan.start_timeout_s)
        except TimeoutError:
            link.gone = f"it did not start within {plan.start_timeout_s:g}s"
            ready.cancel()
            link.task.cancel()
            raise McpStartError(_with_stderr(link.gone, plan)) from None
        except McpStartError:
            raise
        except Exception as exc:
            raise McpStartError(_with_stderr(describe_error(exc), plan)) from exc

    async def _serve(self, link: _Link, ready: asyncio.Future[list[RemoteTool]]) -> None:
        try:
            async with (
                link.plan.open() as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                tools = await _list_tools(session)
                if ready.done():  # the start timed out meanwhile
                    return
                link.session = session
                ready.set_result(tools)
                await link.stop.wait()
        except Exception as exc:
            link.gone = link.gone or describe_error(exc)
            if not ready.done():
                ready.set_exception(McpStartError(_with_stderr(link.gone, link.plan)))
        finally:
            link.session = None
            if not ready.done():
                ready.set_exception(McpStartError(link.gone or "it stopped while starting"))

    # -- calling ---------------------------------------------------------------------------

    def call(
        self, server: str, tool: str, arguments: dict[str, Any], timeout: float
    ) -> CallOutcome:
        """Call `tool` of `server`; every failure is an outcome, never an exception."""
        link = self._links.get(server)
        if link is None or link.session is None:
            gone = link.gone if link is not None else "it was never started"
            return CallOutcome(f"MCP server {server} is not running ({gone}).", False, lost=True)
        try:
            outcome: CallOutcome = self._submit(
                self._call(link, tool, arguments, timeout), timeout + SLACK_S
            )
        except concurrent.futures.TimeoutError:
            return CallOutcome(f"MCP tool {tool} of {server}: no answer in {timeout:g}s.", False)
        return outcome

    async def _call(
        self, link: _Link, tool: str, arguments: dict[str, Any], timeout: float
    ) -> CallOutcome:
        session = link.session
        if session is None:
            return CallOutcome(f"MCP server is not running ({link.gone}).", False, lost=True)
        try:
            result = await session.call_tool(tool, arguments, read_timeout_seconds=timeout)
        except MCPError as exc:
            if exc.code == mcp_types.REQUEST_TIMEOUT:
                return CallOutcome(f"the MCP tool did not answer in {timeout:g}s.", False)
            if exc.code != mcp_types.CONNECTION_CLOSED:
                return CallOutcome(f"the MCP server refused the call: {exc.message}", False)
            return self._lose(link, "the server exited during the call")
        except (ValidationError, RuntimeError) as exc:
            return CallOutcome(f"the MCP server's answer was not valid: {exc}", False)
        except Exception as exc:  # the transport broke (anyio's stream errors, OSError)
            return self._lose(link, f"its connection broke: {describe_error(exc)}")
        payload = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        return CallOutcome(result_text(payload), not payload.get("isError", False))

    def _lose(self, link: _Link, why: str) -> CallOutcome:
        link.gone = why
        link.session = None
        link.stop.set()
        text = f"MCP server failed: {why}; its tools are unavailable now."
        return CallOutcome(_with_stderr(text, link.plan), False, lost=True)

    # -- stopping --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every server (stdin closed, then killed) and the loop."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(concurrent.futures.TimeoutError):
            self._submit(self._stop_all(), STOP_TIMEOUT_S + SLACK_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()

    async def _stop_all(self) -> None:
        tasks = []
        for link in self._links.values():
            link.gone = link.gone or "devagent stopped it"
            link.stop.set()
            if link.task is not None:
                tasks.append(link.task)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
            for task in pending:
                task.cancel()


async def _list_tools(session: ClientSession) -> list[RemoteTool]:
    tools: list[RemoteTool] = []
    cursor: str | None = None
    while True:
        params = mcp_types.PaginatedRequestParams(cursor=cursor) if cursor else None
        listing = await session.list_tools(params=params)
        tools += [RemoteTool(t.name, t.description or "", t.input_schema) for t in listing.tools]
        cursor = listing.next_cursor
        if not cursor:
            return tools


def _with_stderr(text: str, plan: ServerPlan) -> str:
    tail = plan.stderr_tail().strip()
    if not tail:
        return text
    return f"{text}\nIts stderr ended with:\n{tail[-1000:]}"
