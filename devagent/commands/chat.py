"""`devagent chat`: its flags here (cheap to import); the session itself in devagent.chat."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    chat = subparsers.add_parser("chat", help="a pair-programming session in the terminal")
    chat.add_argument("--repo", type=Path, default=Path("."), help="the git repository")
    chat.add_argument("--model", default=None, help="e.g. anthropic:claude-sonnet-4-6")
    chat.add_argument("--base-url", default=None, help="OpenAI-compatible server URL")
    chat.add_argument(
        "--auto", action="store_true", default=None, help="approve every edit without asking"
    )
    chat.add_argument(
        "--resume",
        metavar="ID",
        default=None,
        help="continue a saved session (its repo and base; --model may switch)",
    )
    chat.add_argument("--test-cmd", default=None, help="the tests, e.g. 'pytest -q'")
    chat.add_argument("--image", default=None, help="sandbox image (default: the repo's)")
    chat.add_argument(
        "--network", action="store_true", default=None, help="give the sandbox network access"
    )
    chat.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds a command may run without asking (default 120, or chat.command_timeout)",
    )
    chat.add_argument("--max-usd", type=float, default=None, help="stop the session at this cost")
    chat.add_argument("--sessions-dir", type=Path, default=None, help="where sessions are saved")
    return chat


def run(args: argparse.Namespace) -> int:
    from devagent.chat.run import run_chat

    return run_chat(args, os.environ)
