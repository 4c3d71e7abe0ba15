"""Command-line entry point: argument parsing, terminal output and dispatch only.

It is loaded on every start, so it imports only what the parser needs: a command's heavy modules
(settings, pipeline, forge, tables) are imported when that command runs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from devagent import __version__
from devagent.commands import (
    bench,
    chat,
    ci,
    cluster,
    completion,
    images,
    replay,
    report,
    sessions,
    solve,
    usage,
)
from devagent.commands import config as config_command
from devagent.commands.flags import (
    Parser,
    add_runtime_flag,
    deprecated,
    duration,
    epilog,
    use_formatter,
)
from devagent.commands.images import BASE_IMAGE
from devagent.entry import prefetch_sdk
from devagent.errors import DevagentError
from devagent.logs import setup_logging

console = Console(soft_wrap=not sys.stdout.isatty())  # a result line is never cut in a file
err_console = Console(stderr=True, soft_wrap=True, highlight=False)
"""Diagnostics: errors, hints, progress. Never wraps a line (a redirected stderr would be cut
at 80 columns otherwise)."""


MAIN_EPILOG = epilog(
    """
devagent doctor                             check docker, the base image, git and keys
devagent solve issue.md --repo .            one issue to a verified patch
devagent solve gh:owner/repo#12 --pr        ... proposed as a pull request
devagent chat --repo .                      pair programming in the terminal
devagent report out/run --open              a run's page: verdict, diff, steps, charts
devagent sessions                           saved chat sessions and how to resume them
devagent bench tasks/ --model oracle -j 4   run the bundled tasks
devagent usage --since 7d                   recent runs: tokens, cost, verdicts
devagent images prune --dry-run             env images unused for 14 days
devagent COMMAND --help                     a command's flags"""
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="devagent",
        description="A sandboxed, code-executing developer agent.",
        epilog=MAIN_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"devagent {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")
    parser.add_argument("--log-json", action="store_true", help="logs as JSON lines on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    solve.add_parser(sub)
    replay.add_parser(sub)
    report.add_parser(sub)
    ci.add_parser(sub)
    chat.add_parser(sub)
    sessions.add_parser(sub)
    bench.add_parser(sub)
    cluster.add_parser(sub)
    usage.add_parser(sub)
    config_command.add_parser(sub)
    completion.add_parser(sub)
    doctor = sub.add_parser(
        "doctor",
        help="check the machine: python, docker, base image, git, keys",
        epilog=epilog(
            "devagent doctor\ndevagent doctor --json | jq '.checks[] | select(.ok | not)'"
        ),
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON on stdout")
    images.add_parser(sub)

    box = sub.add_parser("sandbox", help="sandbox containers")
    box_sub = box.add_subparsers(dest="sandbox_command", required=True, metavar="ACTION")
    gc = box_sub.add_parser(
        "gc", help="remove sandboxes and image build containers whose creator process is gone"
    )
    gc.add_argument("--all-hosts", action="store_true", help="also those made on other hosts")
    run = box_sub.add_parser(
        "run",
        help="run a command in a fresh sandbox on a directory",
        epilog=epilog(
            "devagent sandbox run -- ls -la\n"
            "devagent sandbox run --dir . --network --command-timeout 10m -- make test",
            environment=False,
        ),
    )
    run.add_argument("--dir", type=Path, default=None, help="host dir mounted at /workspace")
    run.add_argument("--image", default=BASE_IMAGE, help="the sandbox image")
    run.add_argument("--network", action="store_true", help="allow network access")
    add_runtime_flag(run)
    run.add_argument(
        "--command-timeout",
        dest="timeout",
        type=duration,
        default=600.0,
        metavar="DURATION",
        help="stop the command after this long, e.g. 90s, 10m (default: 10m)",
    )
    deprecated(run, "--timeout", "--command-timeout", "timeout", type=duration)
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="the command (after --)")
    return use_formatter(parser)


def cmd_doctor(args: argparse.Namespace) -> int:
    from devagent.doctor import run_checks

    checks = run_checks(os.environ, Path.cwd(), BASE_IMAGE)
    ok = all(c.ok for c in checks if c.required)
    if args.json:
        payload = {"version": __version__, "ok": ok, "checks": [asdict(c) for c in checks]}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0 if ok else 1
    from rich.table import Table

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
    return 0 if ok else 1


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
    config = sandbox_config(args.image, workspace, network=args.network, runtime=args.runtime)
    with DockerSandbox(config) as sb:
        result = sb.exec(command, timeout=args.timeout)
    sys.stdout.write(result.output)
    if result.timed_out:
        err_console.print(f"[red]timed out after {args.timeout:g}s[/]")
    return result.exit_code


HANDLERS = {
    "doctor": cmd_doctor,
    "images": lambda args: images.run(args, console, err_console),
    "sessions": lambda args: sessions.run(args, console),
    "sandbox": cmd_sandbox,
    "solve": lambda args: solve.run(args, console),
    "replay": lambda args: replay.run(args, console),
    "report": lambda args: report.run(args, console),
    "ci": lambda args: ci.run(args, console),
    "chat": chat.run,
    "bench": lambda args: bench.run(args, console),
    "cluster": lambda args: cluster.run(args, console, err_console),
    "usage": lambda args: usage.run(args, console),
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


OWNER_VARIABLE = "DEVAGENT_OWNER"
"""When set, every Docker object the run makes is labelled `devagent.owner=<its value>`
(sandbox.lifecycle.set_owner), for whoever set it to remove (a test session: tests/conftest.py)."""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    prefetch_sdk(argv, os.environ)  # begun already when started as the console script
    if os.environ.get(OWNER_VARIABLE):
        from sandbox.lifecycle import set_owner

        set_owner(os.environ[OWNER_VARIABLE])
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
    from devagent.commands.failure import explain

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
