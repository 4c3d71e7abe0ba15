"""`devagent replay`: re-run a trajectory's recorded model replies and report any divergence."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from devagent.commands.flags import epilog

EXAMPLES = """
devagent replay OUT/trajectory.jsonl               re-run a solve's recorded replies
devagent replay OUT/trajectory.jsonl --repo ../x   the repository has moved
devagent replay SESSION/trajectory.jsonl --json    a chat session; the verdict as JSON"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "replay",
        help="re-run a recorded trajectory against a fresh sandbox",
        epilog=epilog(EXAMPLES, environment=False),
    )
    p.add_argument("trajectory", type=Path, help="a run's or a chat session's trajectory.jsonl")
    p.add_argument(
        "--repo", help="the repository, when it has moved since the run (default: as recorded)"
    )
    p.add_argument("--json", action="store_true", help="print the verdict as JSON on stdout")


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.agent.replay import load_recording
    from devagent.chat.replay import is_chat, replay_session
    from devagent.pipeline import replay_agent_run, replay_run

    chat = is_chat(load_recording(args.trajectory).start)
    report = replay_run(args.trajectory, args.repo, replay_session if chat else replay_agent_run)
    div = report.divergence
    if args.json:
        payload = {
            "reproduced": report.reproduced,
            "interrupted": report.interrupted,
            "compared": report.compared,
            "expected": report.expected,
            "divergence": None
            if div is None
            else {"step": div.step, "tool": div.tool, "recorded": div.expected, "now": div.actual},
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0 if report.reproduced else 1
    if report.reproduced and report.interrupted:
        console.print(
            f"[yellow]interrupted[/]: the run was stopped at step {report.last_step}; "
            f"all {report.compared} observations before the stop match"
        )
        return 0
    if report.reproduced:
        console.print(f"[green]reproduced[/]: all {report.compared} observations match")
        return 0
    if report.interrupted:
        console.print(f"[dim]the recorded run was interrupted at step {report.last_step}[/]")
    if div is None:
        console.print(f"[red]incomplete[/]: compared {report.compared} of {report.expected}")
        return 1
    console.print(f"[red]diverged[/] at step {div.step} ({div.tool})")
    console.print(f"[dim]recorded:[/]\n{div.expected}\n[dim]now:[/]\n{div.actual}")
    return 1
