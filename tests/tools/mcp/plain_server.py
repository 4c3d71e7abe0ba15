"""A tiny MCP server in plain Python (standard library only: the sandbox image has no SDK),
speaking newline-delimited JSON-RPC over stdio. Tools: add, echo_env, danger, forbidden, crash
(exits the process), huge (1 MB of text). `--no-start` exits at once: a server that never
starts."""

import json
import os
import sys

TOOLS = [
    {
        "name": "add",
        "description": "Add two integers.",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
    *(
        {"name": name, "description": text, "inputSchema": {"type": "object"}}
        for name, text in (
            ("echo_env", "The value of CALC_SETTING."),
            ("danger", "Needs approval."),
            ("forbidden", "Not in the config."),
            ("crash", "Exits the server."),
            ("huge", "Returns 1 MB of text."),
        )
    ),
]


def text(value):
    return {"content": [{"type": "text", "text": value}], "isError": False}


def call(name, args):
    if name == "add":
        return text(str(args["a"] + args["b"]))
    if name == "echo_env":
        return text("token is " + os.environ.get("CALC_SETTING", "<unset>"))
    if name in ("danger", "forbidden"):
        return text(f"{name} ran")
    if name == "crash":
        sys.stderr.write("calc: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)
    if name == "huge":
        return text("x" * (1 << 20))
    return None


def answer(request):
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        return {
            "protocolVersion": params.get("protocolVersion"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "plain-calc", "version": "1"},
        }
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        return call(params.get("name"), params.get("arguments") or {})
    if method == "ping":
        return {}
    return None


def main():
    if "--no-start" in sys.argv:
        sys.stderr.write("calc: cannot start (on purpose)\n")
        sys.exit(1)
    sys.stderr.write("calc: ready\n")
    sys.stderr.flush()
    for line in sys.stdin:
        request = json.loads(line)
        if "id" not in request:
            continue  # a notification
        result = answer(request)
        if result is None:
            error = {"code": -32601, "message": "unknown method"}
            reply = {"jsonrpc": "2.0", "id": request["id"], "error": error}
        else:
            reply = {"jsonrpc": "2.0", "id": request["id"], "result": result}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
