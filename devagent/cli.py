"""Command-line entry point: argument parsing, terminal output and dispatch only."""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from devagent import __version__
from devagent.commands import bench, chat, ci, completion, replay, solve
from devagent.commands import config as config_command
from devagent.commands.failure import explain
from devagent.errors import DevagentError
from devagent.logs import setup_logging

console = Console()
err_console = Console(stderr=True, soft_wrap=True, highlight=False)
"""Diagnostics: errors, hints, progress. Never wraps a line (a redirected stderr would be cut
at 80 columns otherwise)."""
BASE_IMAGE = "devagent/base:latest"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devagent", description="A sandboxed, code-executing developer agent."
    )
    parser.add_argument("--version", action="version", version=f"devagent {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")
    parser.add_argument("--log-json", action="store_true", help="logs as JSON lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    solve.add_parser(sub)
    replay.add_parser(sub)
    ci.add_parser(sub)
    chat.add_parser(sub)
    bench.add_parser(sub)
    config_command.add_parser(sub)
    completion.add_parser(sub)
    sub.add_parser("doctor", help="check the machine: python, docker, base image, git, keys")

    images = sub.add_parser("images", help="sandbox images")
    images_sub = images.add_subparsers(dest="images_command", required=True)
    ensure = images_sub.add_parser("ensure", help="build the base image unless it exists")
    ensure.add_argument("--rebuild", action="store_true", help="build even if present")
    ensure.add_argument("--repo", type=Path, default=None, help="also the repo's env image")
    env = images_sub.add_parser("env", help="build (or reuse) the environment image of a repo")
    env.add_argument("path", type=Path, nargs="?", default=Path("."))
    env.add_argument("--rebuild", action="store_true", help="build even if present")

    box = sub.add_parser("sandbox", help="sandbox containers")
    box_sub = box.add_subparsers(dest="sandbox_command", required=True)
    gc = box_sub.add_parser("gc", help="remove sandboxes whose creator process is gone")
    gc.add_argument("--all-hosts", action="store_true", help="also those made on other hosts")
    run = box_sub.add_parser("run", help="run a command in a fresh sandbox on a directory")
    run.add_argument("--dir", type=Path, default=None, help="host dir mounted at /workspace")
    run.add_argument("--image", default=BASE_IMAGE)
    run.add_argument("--network", action="store_true", help="allow network access")
    run.add_argument("--timeout", type=float, default=600.0)
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="the command (after --)")
    return parser


def cmd_doctor(args: argparse.Namespace) -> int:
    from devagent.doctor import run_checks

    checks = run_checks(os.environ, Path.cwd(), BASE_IMAGE)
    table = Table(title=f"devagent {__version__} doctor")
    for column in ("check", "status", "detail", "fix"):
        table.add_column(column)
    for check in checks:
        mark = (
            "[green]ok[/]"
            if check.ok
            else ("[red]FAIL[/]" if check.required else "[yellow]warn[/]")
        )
        table.add_row(check.name, mark, check.detail, check.fix)
    console.print(table)
    return 0 if all(c.ok for c in checks if c.required) else 1


def cmd_images(args: argparse.Namespace) -> int:
    from sandbox import images
    from sandbox.hostconfig import read_host_config

    host = read_host_config(environ=os.environ)
    with err_console.status("images") as status:
        if args.images_command == "ensure":
            image_id = images.ensure_base_image(
                rebuild=args.rebuild, host=host, on_progress=status.update
            )
            console.print(f"{BASE_IMAGE} ready ({image_id[:19]})")
        repo = args.repo if args.images_command == "ensure" else args.path
        if repo is not None:
            from devagent.config import load_settings

            spec = load_settings({}, repo.resolve()).environment
            tag = images.ensure_env_image(
                repo.resolve(), env=spec, host=host, rebuild=args.rebuild, on_progress=status.update
            )
            console.print(f"{tag} ready for {repo}")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from sandbox.client import docker_client

    if args.sandbox_command == "gc":
        from sandbox.lifecycle import gc

        removed = gc(docker_client(), all_hosts=args.all_hosts)
        console.print(f"removed {len(removed)} orphaned sandbox(es) {' '.join(removed)}".rstrip())
        return 0
    from devagent.assembly import sandbox_config
    from sandbox.docker import DockerSandbox

    command = " ".join(args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd)
    if not command:
        raise DevagentError("give a command after --, e.g. devagent sandbox run -- ls -la")
    workspace = args.dir.resolve() if args.dir else None
    config = sandbox_config(args.image, workspace, network=args.network)
    with DockerSandbox(config) as sb:
        result = sb.exec(command, timeout=args.timeout)
    sys.stdout.write(result.output)
    if result.timed_out:
        err_console.print(f"[red]timed out after {args.timeout:g}s[/]")
    return result.exit_code


HANDLERS = {
    "doctor": cmd_doctor,
    "images": cmd_images,
    "sandbox": cmd_sandbox,
    "solve": lambda args: solve.run(args, console),
    "replay": lambda args: replay.run(args, console),
    "ci": lambda args: ci.run(args, console),
    "chat": chat.run,
    "bench": lambda args: bench.run(args, console),
    "config": lambda args: config_command.run(args, console),
    "completion": lambda args: completion.run(args, build_parser()),
}


GLOBAL_FLAGS = frozenset({"-v", "--verbose", "-q", "--quiet", "--log-json"})


def hoist_global_flags(argv: list[str]) -> list[str]:
    """`devagent solve X -q` as `devagent -q solve X`: the global flags are taken anywhere
    before a `--` (after it, everything is a command's own)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    head, tail = argv[:cut], argv[cut:]
    return (
        [a for a in head if a in GLOBAL_FLAGS] + [a for a in head if a not in GLOBAL_FLAGS] + tail
    )


RUN_COMMANDS = frozenset({"solve", "ci", "bench", "chat"})


def sdk_for(argv: list[str], env: Mapping[str, str]) -> str | None:
    """The provider SDK a run will import (its import takes about half a second), guessed from
    `--model` or DEVAGENT_MODEL before anything else is done; None when no model is called."""
    if not RUN_COMMANDS & set(argv):
        return None
    spec = env.get("DEVAGENT_MODEL", "")
    for flag, value in itertools.pairwise(argv):
        if flag == "--model":
            spec = value
    provider = spec.partition(":")[0]
    if provider in ("scripted", "replay", "oracle"):
        return None
    if provider == "anthropic" or (not provider and env.get("ANTHROPIC_API_KEY")):
        return "anthropic"
    return "openai"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sdk = sdk_for(argv, os.environ)
    if sdk:  # imported on a daemon thread while the run starts; the run waits on it if needed
        threading.Thread(target=importlib.import_module, args=(sdk,), daemon=True).start()
    args = build_parser().parse_args(hoist_global_flags(argv))
    setup_logging(verbose=args.verbose, quiet=args.quiet, json_lines=args.log_json)
    try:
        return HANDLERS[args.command](args)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        return 130
    except Exception as exc:  # the one top-level handler: one line, a hint, non-zero
        report_failure(exc, args)
        return 2


def report_failure(exc: Exception, args: argparse.Namespace) -> None:
    """`error: <what is wrong and what to do>` on stderr; the traceback and the details only
    with --verbose; a hint only when it helps."""
    failure = explain(exc, getattr(args, "out", None))
    if args.verbose:
        err_console.print_exception()
    err_console.print(f"[red]error:[/] {escape(failure.message)}")
    if args.verbose and failure.details:
        err_console.print(escape(failure.details))
    hint = failure.hint_for(args.verbose)
    if hint:
        err_console.print(f"[dim]hint: {escape(hint)}[/]")


if __name__ == "__main__":
    sys.exit(main())
