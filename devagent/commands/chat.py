"""`devagent chat`: its flags here (cheap to import); the session itself in devagent.chat."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from devagent.commands.flags import add_network_flag, add_runtime_flag, deprecated, duration, epilog

EXAMPLES = """
devagent chat --repo .                            a session on this repository
devagent chat --test 'pytest -q' --max-usd 2      /test runs this; stop at $2
devagent chat --command-timeout 10m --network     longer commands, network on
devagent chat --network allow:registries          only the package indexes
devagent sessions                                 saved sessions
devagent chat --resume 20261125-164500-3fa2c1     continue one"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    chat = subparsers.add_parser(
        "chat", help="a pair-programming session in the terminal", epilog=epilog(EXAMPLES)
    )
    chat.add_argument("--repo", type=Path, default=Path("."), help="the git repository")
    chat.add_argument(
        "--model",
        metavar="SPEC",
        default=None,
        help="e.g. anthropic:claude-sonnet-4-6 (default: DEVAGENT_MODEL, your config, or the "
        "provider whose key is set)",
    )
    chat.add_argument("--base-url", default=None, help="OpenAI-compatible server URL")
    chat.add_argument(
        "--auto", action="store_true", default=None, help="approve every edit without asking"
    )
    chat.add_argument(
        "--resume",
        metavar="ID",
        default=None,
        help="continue a saved session (its repo and base; --model may switch); "
        "`devagent sessions` lists them",
    )
    chat.add_argument(
        "--test",
        dest="test_cmd",
        metavar="CMD",
        default=None,
        help="the tests /test runs, e.g. 'pytest -q' (default: chat.test_command, else found "
        "in the repository)",
    )
    deprecated(chat, "--test-cmd", "--test", "test_cmd")
    chat.add_argument("--image", default=None, help="sandbox image (default: the repo's)")
    add_network_flag(chat)
    add_runtime_flag(chat)
    chat.add_argument(
        "--command-timeout",
        dest="timeout",
        type=duration,
        metavar="DURATION",
        default=None,
        help="how long a command may run without asking, e.g. 90s, 10m "
        "(default: chat.command_timeout, 2m)",
    )
    deprecated(chat, "--timeout", "--command-timeout", "timeout", type=duration)
    chat.add_argument(
        "--max-usd", type=float, metavar="USD", default=None, help="stop the session at this cost"
    )
    chat.add_argument(
        "--sessions-dir",
        type=Path,
        default=None,
        help="where sessions are saved (default: CACHE_DIR/chat)",
    )
    return chat


def run(args: argparse.Namespace) -> int:
    from devagent.chat.run import run_chat

    return run_chat(args, os.environ)
