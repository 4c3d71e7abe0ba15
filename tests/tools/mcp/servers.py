"""The test MCP servers and configs that start them (on the host, or in a sandbox)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from devagent.tools.mcp.config import McpConfig

HERE = Path(__file__).parent
SDK_SERVER = HERE / "sdk_server.py"
"""On the SDK's server API; runs on the host (the sandbox image has no SDK)."""
PLAIN_SERVER = HERE / "plain_server.py"
"""Standard library only; runs anywhere with a python3."""
POLICIES = {"add": "allow", "echo_env": "allow", "danger": "ask", "crash": "allow", "huge": "allow"}
"""`forbidden` is not listed: denied."""
SECRET = "calc-s3cret-value-42"
SECRET_VAR = "CALC_SETTING"
"""A name that does not look secret: the value is redacted because the MCP config names it."""


def calc_config(command: list[str], where: str = "sandbox", **more: Any) -> McpConfig:
    server = {"command": command, "where": where, "env": [SECRET_VAR], "tools": POLICIES}
    return McpConfig.model_validate({"servers": {"calc": {**server, **more}}})


def host_sdk_config(**more: Any) -> McpConfig:
    return calc_config([sys.executable, str(SDK_SERVER)], "host", **more)
