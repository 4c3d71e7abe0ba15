"""MCP servers inside a real sandbox container, over devagent's exec-channel transport."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devagent.tools.base import ToolContext
from devagent.tools.mcp.session import McpTools, open_mcp
from devagent.tools.run import MAX_OUTPUT_CHARS
from tests.agent.fakes import docker_sandbox
from tests.tools.mcp.servers import PLAIN_SERVER, SECRET, SECRET_VAR, calc_config

pytestmark = pytest.mark.docker
SERVER = ["python3", "/workspace/plain_server.py"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copy(PLAIN_SERVER, workspace / "plain_server.py")
    with docker_sandbox(workspace) as box:
        yield box


@pytest.fixture
def calc(sandbox, tmp_path: Path) -> Iterator[tuple[McpTools, ToolContext]]:
    with open_mcp(calc_config(SERVER), sandbox, {SECRET_VAR: SECRET}, host_allowed=False) as mcp:
        yield mcp, ToolContext(workspace=tmp_path / "ws", sandbox=sandbox)


def test_a_server_in_the_sandbox_answers_and_survives_the_commands_between_calls(calc) -> None:
    mcp, ctx = calc
    assert mcp.warnings == []
    assert mcp.tools["mcp__calc__add"]({"a": 2, "b": 3}, ctx).text == "5"
    assert ctx.sandbox.exec("sleep 301 & echo started").ok  # the sweep after it spares the server
    assert ctx.sandbox.exec("ps -e -o args | grep -c '[p]lain_server'").output.strip() == "1"
    assert ctx.sandbox.exec("ps -e -o args | grep -c '^sleep 301'").output.strip() == "0"
    assert mcp.tools["mcp__calc__add"]({"a": 40, "b": 2}, ctx).text == "42"
    assert mcp.tools["mcp__calc__echo_env"]({}, ctx).text == f"token is {SECRET}"


def test_the_server_runs_as_the_sandbox_user_without_network(calc) -> None:
    _, ctx = calc
    listing = ctx.sandbox.exec("ps -o user=,args= -C python3").output
    assert "plain_server" in listing and "root" not in listing


def test_huge_and_crash_in_the_sandbox(calc) -> None:
    mcp, ctx = calc
    huge = mcp.tools["mcp__calc__huge"]({}, ctx)
    assert huge.ok and len(huge.text) == MAX_OUTPUT_CHARS
    crashed = mcp.tools["mcp__calc__crash"]({}, ctx)
    assert not crashed.ok and "exited during the call" in crashed.text
    assert "crashing on purpose" in crashed.text
    assert ctx.sandbox.exec("sleep 302 & echo still usable").output.strip() == "still usable"
    assert ctx.sandbox.exec("ps -e -o args | grep -c '^sleep 302'").output.strip() == "0"


@pytest.mark.parametrize(
    "command", [[*SERVER, "--no-start"], ["/nonexistent/mcp-server"]], ids=["exits", "missing"]
)
def test_a_server_that_never_starts_in_the_sandbox_is_left_out(sandbox, command) -> None:
    with open_mcp(calc_config(command), sandbox, {}, host_allowed=False) as mcp:
        assert mcp.tools == {}
        (warning,) = [w for w in mcp.warnings if "did not start" in w]
    assert "cannot start (on purpose)" in warning or "No such file" in warning


def test_closing_stops_the_server_in_the_sandbox(sandbox) -> None:
    with open_mcp(calc_config(SERVER), sandbox, {}, host_allowed=False) as mcp:
        assert "mcp__calc__add" in mcp.tools
    assert sandbox.exec("ps -e -o args | grep -c '[p]lain_server'").output.strip() == "0"


def test_the_sweep_after_a_command_spares_a_server_s_children_not_the_command_s(sandbox) -> None:
    spawning = ["bash", "-c", "sleep 300 & exec python3 /workspace/plain_server.py"]
    with open_mcp(calc_config(spawning), sandbox, {}, host_allowed=False) as mcp:
        assert "mcp__calc__add" in mcp.tools
        assert sandbox.exec("sleep 301 & echo left running").ok  # swept after it
        count = "ps -e -o args | grep -c '^sleep {}'"
        assert sandbox.exec(count.format(301)).output.strip() == "0"
        assert sandbox.exec(count.format(300)).output.strip() == "1"
    assert sandbox.exec(count.format(300)).output.strip() == "0"  # closing stopped its session
