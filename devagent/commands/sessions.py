"""`devagent sessions`: the saved chat sessions, the most recent first, and how to resume each."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from devagent.commands.flags import epilog

EPILOG = epilog(
    """
devagent sessions                       the saved chat sessions, the most recent first
devagent sessions --json                the same as JSON (id, repo, model, last_used, turns)
devagent chat --resume 20261125-164500-3fa2c1   continue one"""
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sessions",
        help="list saved chat sessions and how to resume them",
        epilog=EPILOG,
    )
    p.add_argument(
        "--sessions-dir",
        type=Path,
        default=None,
        help="where sessions are saved (default: CACHE_DIR/chat)",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON on stdout")


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.chat.store import SessionStore
    from devagent.config import load_settings

    root = args.sessions_dir or load_settings({}, None, os.environ).cache_dir / "chat"
    found = SessionStore(root).summaries()
    if args.json:
        sys.stdout.write(json.dumps([s.to_dict() for s in found], indent=2) + "\n")
        return 0
    if not found:
        console.print(f"no saved chat sessions in {escape(str(root))}")
        return 0
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("id", "repo", "last used", "turns", "model"):
        table.add_column(column)
    for s in found:
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.last_used))
        table.add_row(s.id, escape(s.repo), used, str(s.turns), escape(s.model))
    console.print(table)
    console.print("resume one with: devagent chat --resume ID")
    return 0
