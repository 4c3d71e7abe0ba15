"""A tiny MCP server on the SDK's server API (`MCPServer`, formerly FastMCP), run over stdio on
the host (stdio, or streamable HTTP with `--http PORT`). Tools: add, echo_env, danger, forbidden,
crash (exits the process), huge (1 MB)."""

import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("calc")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo_env() -> str:
    """The value of CALC_SETTING."""
    return "token is " + os.environ.get("CALC_SETTING", "<unset>")


@server.tool()
def danger() -> str:
    """Needs approval."""
    return "danger ran"


@server.tool()
def forbidden() -> str:
    """Not in the config."""
    return "forbidden ran"


@server.tool()
def crash() -> str:
    """Exits the server."""
    sys.stderr.write("calc: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool()
def huge() -> str:
    """Returns 1 MB of text."""
    return "x" * (1 << 20)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":  # streamable HTTP on 127.0.0.1:PORT/mcp
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
