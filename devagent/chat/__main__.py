"""`python -m devagent.chat`: the chat command on its own (until it is wired into the CLI)."""

from __future__ import annotations

import argparse
import sys

from devagent.chat.cli import run_chat
from devagent.commands.chat import add_parser
from devagent.errors import DevagentError
from sandbox import SandboxError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devagent")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["chat", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run_chat(args)
    except (DevagentError, SandboxError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
