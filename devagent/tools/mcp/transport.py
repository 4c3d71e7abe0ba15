"""MCP transports as async context managers that yield the SDK's (read, write) stream pair:
newline-delimited JSON-RPC over a `ProcessPipe` (a server in the sandbox), the SDK's stdio
client (a server on the host), and its streamable HTTP client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, TextIO

import anyio
import anyio.to_thread
import mcp_types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.message import SessionMessage

from sandbox.pipe import ProcessPipe

MAX_LINE_BYTES = 32 * 1024 * 1024
"""A message longer than this (no newline yet) ends the connection: a flood from the server
must not fill the host's memory."""
STOP_GRACE_S = 2.0
"""How long a server whose stdin was closed may take to end its output before it is killed."""

Streams = tuple[
    MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]
]


def parse_message(line: bytes) -> SessionMessage | Exception:
    """One line from the server as a message, or the error that says why it is not one."""
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line))
    except ValueError as exc:
        return exc


def encode_message(message: SessionMessage) -> bytes:
    return (message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n").encode()


async def _pump_in(pipe: ProcessPipe, sink: MemoryObjectSendStream[SessionMessage | Exception]):
    """Server stdout -> session, one message per line, until the end of the stream."""
    buffer = bytearray()
    async with sink:
        while True:
            chunk = await anyio.to_thread.run_sync(pipe.read, abandon_on_cancel=True)
            if not chunk:
                return
            buffer += chunk
            while (end := buffer.find(b"\n")) >= 0:
                line = bytes(buffer[:end]).strip()
                del buffer[: end + 1]
                if line:
                    await sink.send(parse_message(line))
            if len(buffer) > MAX_LINE_BYTES:
                await sink.send(ValueError(f"a message over {MAX_LINE_BYTES} bytes"))
                return


async def _pump_out(
    pipe: ProcessPipe,
    source: MemoryObjectReceiveStream[SessionMessage],
    sink: MemoryObjectSendStream[SessionMessage | Exception],
) -> None:
    """Session -> server stdin; a broken pipe closes the session's read side."""
    try:
        async with source:
            async for message in source:
                await anyio.to_thread.run_sync(pipe.write, encode_message(message))
    except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await sink.aclose()


@contextlib.asynccontextmanager
async def pipe_transport(open_pipe: Callable[[], ProcessPipe]) -> AsyncIterator[Streams]:
    """A server started by `open_pipe` (blocking: run on a worker thread), spoken to over its
    stdin and stdout; on exit its stdin is closed, then it is stopped."""
    pipe = await anyio.to_thread.run_sync(open_pipe)
    to_session, from_server = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    to_server, from_session = anyio.create_memory_object_stream[SessionMessage](0)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_pump_in, pipe, to_session)
            tasks.start_soon(_pump_out, pipe, from_session, to_session)
            try:
                yield from_server, to_server
            finally:
                with anyio.CancelScope(shield=True):
                    await to_server.aclose()
                    await anyio.to_thread.run_sync(pipe.close_stdin)
                    with anyio.move_on_after(STOP_GRACE_S):
                        await _until_closed(from_server)
                tasks.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(pipe.close)
            for stream in (from_server, to_session, from_session):
                await stream.aclose()


async def _until_closed(stream: MemoryObjectReceiveStream[Any]) -> None:
    """Drain `stream` until its sender closes it (the server ended its output)."""
    with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
        while True:
            await stream.receive()


@contextlib.asynccontextmanager
async def host_stdio_transport(
    argv: Sequence[str], env: Mapping[str, str], cwd: str | None, errlog: TextIO
) -> AsyncIterator[Any]:
    """A server on the host, started by the SDK's stdio client (stderr to `errlog`)."""
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=argv[0], args=list(argv[1:]), env=dict(env), cwd=cwd)
    async with stdio_client(params, errlog=errlog) as streams:
        yield streams


@contextlib.asynccontextmanager
async def http_transport(url: str, headers: Mapping[str, str]) -> AsyncIterator[Any]:
    """A streamable HTTP server, with `headers` on every request."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=dict(headers), timeout=timeout) as client,
        streamable_http_client(url, http_client=client) as streams,
    ):
        yield streams
