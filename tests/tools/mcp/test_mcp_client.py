"""MCP servers started for a run: on the host through the SDK's stdio client, and through
devagent's own pipe transport (here a `LocalSandbox`; tests/tools/mcp/test_mcp_docker.py runs it
in a container). Crashes, servers that never start, and huge results."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devagent.tools.base import ToolContext
from devagent.tools.mcp.config import McpConfig
from devagent.tools.mcp.session import McpTools, open_mcp
from devagent.tools.run import MAX_OUTPUT_CHARS
from sandbox.local import LocalSandbox
from tests.tools.mcp.servers import (
    PLAIN_SERVER,
    SDK_SERVER,
    SECRET,
    SECRET_VAR,
    calc_config,
    host_sdk_config,
)

ENVIRON = {SECRET_VAR: SECRET, "UNRELATED": "not passed"}


@pytest.fixture(params=["host-sdk", "pipe"])
def calc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[McpTools, ToolContext]]:
    """The calc server started one of two ways, and a tool context to call it with."""
    sandbox = LocalSandbox(tmp_path)
    if request.param == "host-sdk":
        config = host_sdk_config()
    else:
        config = calc_config([sys.executable, str(PLAIN_SERVER)])
    with open_mcp(config, sandbox, ENVIRON, host_allowed=True) as mcp:
        yield mcp, ToolContext(workspace=tmp_path, sandbox=sandbox)


def test_allowed_tools_are_listed_by_their_mcp_names_and_called(calc) -> None:
    mcp, ctx = calc
    listed = sorted(name for name, tool in mcp.tools.items() if tool.listed)
    assert listed == [f"mcp__calc__{t}" for t in ("add", "crash", "echo_env", "huge")]
    assert mcp.warnings == []
    assert mcp.secrets == [SECRET]
    tool = mcp.tools["mcp__calc__add"]
    assert tool.parameters["required"] == ["a", "b"]
    observation = tool({"a": 2, "b": 3}, ctx)
    assert (observation.text, observation.ok) == ("5", True)
    assert observation.data == {"mcp": {"server": "calc", "tool": "add"}}


def test_the_server_gets_the_named_variables_only(calc) -> None:
    mcp, ctx = calc
    assert mcp.tools["mcp__calc__echo_env"]({}, ctx).text == f"token is {SECRET}"


def test_unlisted_and_ask_tools_answer_with_a_refusal_and_never_reach_the_server(calc) -> None:
    mcp, ctx = calc
    for name, why in [("forbidden", "does not list it"), ("danger", "approval")]:
        tool = mcp.tools[f"mcp__calc__{name}"]
        observation = tool({}, ctx)
        assert not tool.listed and not observation.ok
        assert why in observation.text and "ran" not in observation.text


def test_a_huge_result_is_clipped_to_the_tool_output_cap_with_a_note(calc) -> None:
    mcp, ctx = calc
    observation = mcp.tools["mcp__calc__huge"]({}, ctx)
    assert observation.ok
    assert len(observation.text) == MAX_OUTPUT_CHARS
    assert "1,048,576 chars in all, the middle cut" in observation.text


def test_a_crash_mid_call_is_an_error_observation_and_later_calls_say_it_is_gone(calc) -> None:
    mcp, ctx = calc
    crashed = mcp.tools["mcp__calc__crash"]({}, ctx)
    assert not crashed.ok and crashed.data["mcp"]["lost"]
    assert "exited during the call" in crashed.text
    assert "crashing on purpose" in crashed.text  # the tail of its stderr
    again = mcp.tools["mcp__calc__add"]({"a": 1, "b": 1}, ctx)
    assert not again.ok and "not running" in again.text


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, str(PLAIN_SERVER), "--no-start"],
        ["/nonexistent/mcp-server"],
    ],
    ids=["exits-at-once", "no-such-command"],
)
@pytest.mark.parametrize("where", ["host", "sandbox"])
def test_a_server_that_never_starts_is_left_out_with_a_warning(
    command: list[str], where: str, tmp_path: Path
) -> None:
    config = calc_config(command, where)
    started = time.monotonic()
    with open_mcp(config, LocalSandbox(tmp_path), ENVIRON, host_allowed=True) as mcp:
        assert mcp.tools == {}
        (warning,) = mcp.warnings
    assert "MCP server calc did not start, so its tools are not offered" in warning
    assert time.monotonic() - started < 10


def test_a_server_that_hangs_at_start_is_left_out_after_its_timeout(tmp_path: Path) -> None:
    config = calc_config(["sleep", "60"], start_timeout_s=1)
    started = time.monotonic()
    with open_mcp(config, LocalSandbox(tmp_path), ENVIRON, host_allowed=True) as mcp:
        assert mcp.tools == {}
        assert "did not start within 1s" in mcp.warnings[0]
    assert time.monotonic() - started < 8


def test_host_servers_are_not_started_where_the_host_is_off_limits(tmp_path: Path) -> None:
    config = host_sdk_config()
    with open_mcp(config, LocalSandbox(tmp_path), ENVIRON, host_allowed=False) as mcp:
        assert mcp.tools == {} and mcp.manager is None
        assert "servers on the host are not started here" in mcp.warnings[0]


def test_no_servers_no_sdk_import(tmp_path: Path) -> None:
    before = set(sys.modules)
    with open_mcp(McpConfig(), LocalSandbox(tmp_path), {}, host_allowed=True) as mcp:
        assert mcp.tools == {} and mcp.warnings == []
    assert not any(name == "mcp" or name.startswith("mcp.") for name in set(sys.modules) - before)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_server() -> Iterator[str]:
    """The SDK server over streamable HTTP on a loopback port; its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SDK_SERVER), "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_streamable_http_server_is_reached_from_the_host(http_server: str, tmp_path: Path):
    server = {
        "url": http_server,
        "env": [SECRET_VAR],
        "headers": {"X-Calc": f"${{{SECRET_VAR}}}"},
        "tools": {"add": "allow"},
    }
    config = McpConfig.model_validate({"servers": {"calc": server}})
    sandbox = LocalSandbox(tmp_path)
    with open_mcp(config, sandbox, ENVIRON, host_allowed=True) as mcp:
        ctx = ToolContext(workspace=tmp_path, sandbox=sandbox)
        assert mcp.tools["mcp__calc__add"]({"a": 20, "b": 22}, ctx).text == "42"
        assert mcp.secrets == [SECRET]
    with open_mcp(config, sandbox, ENVIRON, host_allowed=False) as mcp:
        assert mcp.tools == {}  # not in ci
