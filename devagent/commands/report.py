"""`devagent report RUN_DIR`: write (again) the run page, RUN_DIR/report.html, and say where."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from devagent.commands.flags import epilog
from devagent.errors import DevagentError

EPILOG = epilog(
    """
devagent report out/run                 write out/run/report.html from the run's files
devagent report out/run --open          ... and open it in the default browser
devagent report ~/.cache/devagent/chat/SESSION   a chat session's page"""
)


class RunFolderError(DevagentError):
    """The folder given is not a devagent run (no trajectory.jsonl)."""

    hint = "give the folder a run wrote (--out), or a chat session's folder"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="write a run's page (report.html): verdict, diff, steps, charts",
        epilog=EPILOG,
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run's folder (OUT)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.agent.redact import Redactor, secret_values_from_env
    from devagent.pages.run import write_run_page

    run_dir: Path = args.run_dir
    if not (run_dir / "trajectory.jsonl").is_file():
        raise RunFolderError(f"{run_dir} has no trajectory.jsonl: not a devagent run folder")
    redactor = Redactor(secret_values_from_env(os.environ))
    patch = _session_patch(run_dir)
    path = write_run_page(run_dir, redact=redactor.text, patch=patch)
    console.print(f"run page: {escape(str(path))}")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0


def _session_patch(run_dir: Path) -> str | None:
    """A chat session's current change (session.json), when the folder has no patch.diff."""
    if (run_dir / "patch.diff").is_file() or not (run_dir / "session.json").is_file():
        return None
    import json

    try:
        state = json.loads((run_dir / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(state.get("patch") or "")
