"""`devagent solve`: flags to a `SolveOptions`, the live view, the result, then delivery.

Its flags are built on every start of the CLI, so this module imports only what they need; the
settings, the model's factory, the pipeline and delivery are imported once a solve runs."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from devagent.background import in_background
from devagent.commands import deliverflags
from devagent.commands.flags import add_network_flag, add_runtime_flag, duration_text, epilog
from devagent.commands.solvecmd import SolveCommand
from devagent.errors import DevagentError
from devagent.forge.refs import is_issue_ref
from devagent.units import count, duration, usd

if TYPE_CHECKING:
    from devagent.agent.config import AgentConfig
    from devagent.agent.task import RunResult
    from devagent.agent.view import LiveView
    from devagent.commands.progress import SetupProgress
    from devagent.pipeline import SolveOptions, SolveOutcome

SECRET_ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN")
STOPPING = "stopping after this step — Ctrl-C again to stop now"
"""Said at once on the first Ctrl-C (or SIGTERM)."""


EXAMPLES = """
devagent solve issue.md --repo .                       a patch in a temp dir; your tree untouched
devagent solve issue.md --test 'pytest -q tests/x.py'  ... checked by this command
devagent solve issue.md --max-time 10m --max-usd 1     ... within these limits
devagent solve gh:owner/repo#12 --repo . --pr          ... proposed as a pull request
devagent solve issue.md --json | jq .status            the result as JSON on stdout
devagent solve issue.md --events jsonl                 one JSON event per step; the result last
devagent solve --resume RUN_DIR --max-steps 60         go on with a stopped run"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "solve", help="take an issue to a verified patch in a sandbox", epilog=epilog(EXAMPLES)
    )
    p.add_argument(
        "issue", nargs="?", default="", help="Markdown file, '-' for stdin, or gh:OWNER/REPO#N"
    )
    p.add_argument("--repo", default=".", help="local path or URL of the repository")
    p.add_argument("--base", default=None, help="revision to start from (default HEAD)")
    p.add_argument("--include-dirty", action="store_true", help="start from uncommitted changes")
    add_model_flags(p)
    add_test_flag(p)
    add_budget_flags(p)
    p.add_argument("--image", help="sandbox image (default: the repo's environment image)")
    add_network_flag(p, spill="issue")
    add_runtime_flag(p)
    p.add_argument("--out", type=Path, help="output directory (default: a new temp dir)")
    p.add_argument("--json", action="store_true", help="print only the final result as JSON")
    p.add_argument(
        "--events",
        choices=["jsonl"],
        help="stdout: one JSON event per step, the result last (schema: events.schema.json)",
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="go on with a stopped run from its folder (its issue, repo, base, image, model)",
    )
    deliverflags.add_flags(p)


def add_test_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--test",
        action="append",
        default=[],
        metavar="CMD",
        help="goal check: a command that must exit 0 (repeat for more; default: the issue's, "
        "the repo config's)",
    )


def add_budget_flags(p: argparse.ArgumentParser) -> None:
    """--max-steps, --max-tokens, --max-usd, --max-time: a run's limits (defaults: config)."""
    g = p.add_argument_group("budget (default: your config's [budget], else 40 steps, $3, 30m)")
    g.add_argument("--max-steps", type=int, metavar="N", help="model calls")
    g.add_argument("--max-tokens", type=int, metavar="N", help="input + output tokens")
    g.add_argument("--max-usd", type=float, metavar="USD", help="cost in US dollars")
    g.add_argument(
        "--max-time",
        type=duration_text,
        metavar="DURATION",
        help="wall time, e.g. 90s, 10m, 1h30m",
    )
    g.add_argument(
        "--attempts",
        type=attempt_count,
        metavar="N",
        help="N attempts at once on forked sandboxes, each with 1/N of the steps, tokens and "
        "USD (wall time shared); the one whose checks pass is kept (1-8, default 1)",
    )


def attempt_count(text: str) -> int:
    """--attempts: an integer from 1 to 8."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 8:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 8, got {text!r}")
    return value


def add_model_flags(p: argparse.ArgumentParser, *, oracle: bool = False) -> None:
    also = ", or oracle (each task's reference fix: checks the tasks)" if oracle else ""
    p.add_argument(
        "--model",
        metavar="SPEC",
        help="anthropic:M, openai:M, ollama:M, scripted:FILE, replay:FILE"
        + also
        + " (default: DEVAGENT_MODEL, your config, or the provider whose key is set)",
    )
    p.add_argument(
        "--base-url", help="OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio)"
    )
    p.add_argument(
        "--tool-protocol",
        choices=["auto", "native", "text"],
        default=None,
        help="how tools are offered: the API's tool calls, or text (default: auto)",
    )


def secrets_from_env() -> list[str]:
    from devagent.agent.redact import secret_values_from_env

    return [os.environ[k] for k in SECRET_ENV if os.environ.get(k)] + secret_values_from_env(
        os.environ
    )


def read_issue(source: str, api_url: str) -> tuple[str, Any]:
    """The issue text and, for gh: references, the forge issue; a file's front matter is
    checked here, so that an error names the file and the line."""
    from devagent.agent.issue import parse_issue

    if source == "-":
        text = sys.stdin.read()
        parse_issue(text, "stdin")
        return text, None
    if is_issue_ref(source):
        from devagent.commands.deliver import fetch_issue

        issue = fetch_issue(source, api_url)
        return issue.as_markdown(), issue
    path = Path(source)
    if not path.is_file():
        raise DevagentError(f"issue file not found: {source}")
    text = path.read_text()
    parse_issue(text, source)
    return text, None


def budget_flags(args: SolveCommand) -> dict[str, Any]:
    from devagent.agent.issue import parse_duration

    flags = {"max_steps": args.max_steps, "max_tokens": args.max_tokens, "max_usd": args.max_usd}
    if args.max_time:
        flags["max_time_s"] = parse_duration(args.max_time)
    return {k: v for k, v in flags.items() if v is not None}


def run(args: argparse.Namespace, console: Console) -> int:
    command = SolveCommand.from_args(args)
    try:
        return execute(command, console)
    except Exception as exc:  # with --events the stream ends with what went wrong
        if command.events:
            from devagent.commands.eventsresume import stream_error

            stream_error(exc, secrets_from_env())
        raise


def execute(args: SolveCommand, console: Console) -> int:
    """Run one solve and its delivery; the exit code (0 solved, 1 not, 2 error)."""
    from devagent.agent.signals import stop_on_signals
    from devagent.assembly import run_model
    from devagent.commands import deliver
    from devagent.commands.eventsresume import events_and_resume
    from devagent.config import host_environ, load_settings
    from devagent.pipeline import SolveOptions, run_pipeline
    from sandbox.hostconfig import cached_host_config

    args, extra, console = events_and_resume(args, console, secrets_from_env())
    local_repo = Path(args.repo).resolve() if Path(args.repo).exists() else None
    check_before_work(args, local_repo)
    left_out = uncommitted_later(local_repo if not (args.include_dirty or extra.point) else None)
    settings = load_settings(
        {
            "model": args.model,
            "image": args.image,
            "network": args.network,
            "runtime": args.runtime,
        },
        local_repo,
    )
    # a file's front matter is checked before the model; a forge issue is fetched after it
    issue = extra.issue() or (
        None if is_issue_ref(args.issue) else read_issue(args.issue, args.github_api_url)
    )
    model = run_model(  # the spec and its credentials, before the clone
        settings,
        model=args.model,
        base_url=args.base_url,
        tool_protocol=args.tool_protocol,
        background=True,
    )
    # pip and npm answer while the run clones (the images' keys need their configuration)
    host = in_background(
        cached_host_config, settings.cache_dir, environ=host_environ(settings, os.environ)
    )
    issue_text, forge_issue = issue or read_issue(args.issue, args.github_api_url)
    notice = dirty_notice(left_out.result())
    if notice:
        Console(stderr=True, soft_wrap=True).print(f"[yellow]{notice}[/]")
    out = args.out or Path(tempfile.mkdtemp(prefix="devagent-run-"))
    stop = threading.Event()
    diagnostics = Console(
        stderr=True, soft_wrap=True
    )  # progress and the live view; results go to `console`
    shown = not (args.json or args.quiet or extra.events)
    setup, view = live_display(diagnostics, out, verbose=args.verbose) if shown else (None, None)
    opts = SolveOptions(
        issue=issue_text,
        repo=local_repo or args.repo,
        out=out,
        model=model,
        checks=args.test + settings.test_commands,
        budget=budget_flags(args),
        budget_defaults=settings.budget.model_dump(),
        agent=with_attempts(settings.agent, args.attempts),
        image=settings.image,
        environment=settings.environment,
        network=settings.network,
        runtime=settings.runtime,
        base=args.base,
        include_dirty=args.include_dirty,
        secrets=secrets_from_env(),
        mcp=settings.mcp,
        mcp_environ=os.environ,
        mcp_host=not args.headless,  # `devagent ci` starts no server on the host
        hooks=settings.hooks,
        hooks_host=not args.headless,  # nor runs a hook on the host
        hooks_environ=os.environ,
        stop=stop,
        listeners=extra.listeners(view),
        cache_dir=settings.cache_dir,
        keep_workspace=True,
        host=host,
        on_progress=setup or (lambda m: None),
    )
    opts = extra.options(opts)
    if opts.model.name.startswith("scripted:") and not (args.json or args.quiet):
        diagnostics.print(
            f"[yellow]Model: {opts.model.name} — replies scripted in advance, not a live model.[/]"
        )

    def say_stopping() -> None:
        diagnostics.print(f"[yellow]{STOPPING}[/]")

    with stop_on_signals(stop, say_stopping), contextlib.ExitStack() as shown_while_running:
        if setup is not None and view is not None:
            shown_while_running.enter_context(setup)  # closed when the agent starts, or here
            shown_while_running.enter_context(view)
        try:
            outcome = recorded(args, opts, run_pipeline(opts))
        except KeyboardInterrupt:
            shown_while_running.close()
            if (out / "result.json").exists():
                diagnostics.print(f"stopped now; the patch, result and report are in {out}")
            raise
    try:
        delivered = deliver.deliver(args, local_repo, outcome, issue_text, forge_issue, console)
    except DevagentError:  # the run's summary first, so the person knows where the patch is
        finish(
            args,
            console,
            outcome,
            out,
            {"delivery": f"failed; the patch is in {out / 'patch.diff'}"},
        )
        raise
    return extra.finished(finish(args, console, outcome, out, delivered), outcome, out, delivered)


def check_before_work(args: SolveCommand, local_repo: Path | None) -> None:
    """Flags, budgets, branch names, --out and the delivery asked for: refused before any
    work is done."""
    from devagent.commands.preflight import check_request

    check_request(args, local_repo)
    deliverflags.check_flags(args, local_repo)


def live_display(
    diagnostics: Console, out: Path, *, verbose: bool
) -> tuple[SetupProgress, LiveView]:
    """The setup's progress (its image build log in OUT/image-build.log) and the live view of
    the agent's steps that follows it, both on `diagnostics`."""
    from devagent.agent.view import LiveView
    from devagent.commands.progress import SetupProgress

    setup = SetupProgress(diagnostics, log_path=out / "image-build.log", verbose=verbose)
    return setup, LiveView(diagnostics, before_start=setup.close)


def with_attempts(agent: AgentConfig, attempts: int | None) -> AgentConfig:
    """The settings' agent config, with --attempts when given (it wins over `agent.attempts`)."""
    return agent if attempts is None else agent.model_copy(update={"attempts": attempts})


def recorded(args: SolveCommand, opts: SolveOptions, outcome: SolveOutcome) -> SolveOutcome:
    """`outcome`, once its line is in the cost ledger (`devagent usage`; never fails the run)."""
    kind = "ci" if args.headless else "solve"
    record_usage(opts.cache_dir, kind, opts.repo, opts.model.name, outcome.result, opts.out)
    return outcome


def record_usage(
    cache_dir: Path | None, kind: str, repo: Path | str, model: str, result: RunResult, out: Path
) -> None:
    """The run's line in the cost ledger (`devagent usage`), here or after a remote solve."""
    from devagent.usage import UsageEntry, record_run

    entry = UsageEntry(
        ts=time.time(),
        kind=kind,
        repo=str(repo),
        model=model,
        verdict=result.status,
        tokens=result.usage.total_tokens,
        input_tokens=result.usage.input_tokens,
        output_tokens=result.usage.output_tokens,
        cost_usd=round(result.cost_usd, 6),
        wall_s=round(result.duration_s, 1),
        out=str(out),
    )
    record_run(cache_dir, entry)


def uncommitted_later(local_repo: Path | None) -> Future[list[str]]:
    """What the run leaves out of `local_repo` (`uncommitted_paths`), found on a daemon thread
    while the settings, the issue and the model load; [] for no repository."""
    if local_repo is None:
        done: Future[list[str]] = Future()
        done.set_result([])
        return done
    from devagent.workspace import uncommitted_paths

    return in_background(uncommitted_paths, local_repo)


def dirty_notice(left_out: list[str]) -> str:
    """The one line that says a run leaves the person's uncommitted changes out ("" if none)."""
    if not left_out:
        return ""
    more = f" and {len(left_out) - 3} more" if len(left_out) > 3 else ""
    return (
        f"Your uncommitted changes ({', '.join(left_out[:3])}{more}) are left out: the run "
        "starts from the last commit. --include-dirty starts from them."
    )


def dirty_line(paths: Sequence[str], dirty_diff: Path) -> str:
    """The line that says the person's own uncommitted changes were the starting point and
    where they are: never in the agent's patch."""
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return (
        f"started from your uncommitted changes ({', '.join(paths[:3])}{more}): they are in "
        f"{dirty_diff}, not in the patch"
    )


def finish(
    args: SolveCommand, console: Console, outcome: SolveOutcome, out: Path, delivered: dict
) -> int:
    result = outcome.result
    payload = {**result.to_dict(), "out": str(out), "image": outcome.image, **delivered}
    if args.json:
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        colour = "green" if result.solved else "red"
        console.print(
            f"[bold {colour}]{result.status}[/] — {result.reason or result.summary}".rstrip(" —")
        )
        for check in result.checks:
            console.print(
                f"  {'[green]pass[/]' if check.passed else '[red]FAIL[/]'}  {check.command}"
            )
        console.print(
            f"steps {result.steps} · tokens {count(result.usage.total_tokens)} · "
            f"{usd(result.cost_usd)} · {duration(result.duration_s)}"
        )
        for name, path in (("run folder", out), ("patch", out / "patch.diff")):
            console.print(f"{name}: {path}", highlight=False, soft_wrap=True)
        console.print(f"report: {out / 'report.md'}", highlight=False, soft_wrap=True)
        if (out / "report.html").is_file():
            console.print(f"run page: {out / 'report.html'}", highlight=False, soft_wrap=True)
        if result.dirty_paths:
            console.print(dirty_line(result.dirty_paths, out / "dirty.diff"), soft_wrap=True)
        for key, value in delivered.items():
            console.print(f"{key}: {value}", highlight=False)
    if result.status == "error":
        return 2
    return 0 if result.solved else 1
