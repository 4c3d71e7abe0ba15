"""`devagent bench` at work: a bench run over bundled tasks or SWE-bench instances, the live
table, and the report (its flags are in `devagent.commands.bench`)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from devagent.agent.events import BenchResultEvent, TaskResultEvent
from devagent.agent.eventstream import EventTranslator, JsonlWriter
from devagent.agent.redact import Redactor
from devagent.agent.signals import stop_on_signals
from devagent.assembly import run_model
from devagent.bench.driver import run_specs
from devagent.bench.jobspec import JobSpec
from devagent.bench.oracle import ORACLE
from devagent.bench.progress import BenchTally
from devagent.bench.realmirror import materialize, not_a_fix
from devagent.bench.realtask import is_real_suite, load_real_tasks
from devagent.bench.report import REPORT_FILE, RESULTS_FILE, TaskOutcome, totals
from devagent.bench.runner import BenchOptions, BenchRun
from devagent.bench.swebench import (
    SwebenchInstance,
    SwebenchPrediction,
    apply_specs,
    dump_instances,
    load_instances,
    load_predictions,
    load_specs,
)
from devagent.bench.swebench_run import export_task
from devagent.bench.task import load_tasks
from devagent.commands.benchexec import build_executor, instance_specs, model_choice, task_specs
from devagent.commands.progress import SetupLine
from devagent.commands.solve import secrets_from_env
from devagent.config import Settings, load_settings
from devagent.errors import DevagentError
from devagent.pages.bench import HTML_REPORT_FILE
from devagent.units import stopwatch
from sandbox.imagebuild import BuildOutput


class ProgressTable:
    """The run's progress (n/N done, resolved so far, ETA) over one line per task: what it is
    doing (an image build as its step n/N, not its output) or how it ended, and its time."""

    def __init__(self, ids: list[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.tally = BenchTally(len(ids), clock)
        self._lock = threading.Lock()
        self._rows: dict[str, list[Any]] = {i: ["queued", None, None] for i in ids}
        self._setup: dict[str, SetupLine] = {}

    def update(self, task_id: str, message: str) -> None:
        now = self.clock()
        with self._lock:
            row = self._rows.setdefault(task_id, ["", None, None])
            setup = self._setup.setdefault(task_id, SetupLine(self.clock))
            if setup.feed(message) is None and isinstance(message, BuildOutput):
                return
            row[0] = (
                f"{setup.phase} · step {setup.step[0]}/{setup.step[1]}" if setup.step else message
            )
            row[1] = row[1] or now
            if message.startswith(("done", "skipped")):
                row[2] = now

    def finished(self, outcome: TaskOutcome, resumed: bool) -> None:
        with self._lock:
            self.tally.add(outcome, resumed=resumed)

    def render(self) -> Group:
        table = Table(show_header=True, header_style="bold", box=None)
        for column in ("task", "status", "time"):
            table.add_column(column)
        now = self.clock()
        with self._lock:
            for task_id, (message, started, ended) in self._rows.items():
                elapsed = "" if started is None else stopwatch((ended or now) - started)
                table.add_row(task_id, _coloured(message), elapsed)
            head = Text(self.tally.line(), style="bold")
        return Group(head, table)


def _coloured(message: str) -> str:
    if "unresolved" in message or "broken" in message or "error" in message:
        return f"[red]{message}[/]"
    if "resolved" in message:
        return f"[green]{message}[/]"
    return message


def run(args: argparse.Namespace, console: Console) -> int:
    settings = load_settings({"model": args.model}, None)
    if real_suite(args.tasks):
        return run_real(args, console, settings)
    if args.export_swebench:
        return export(args, console)
    return run_bench_cli(args, console, settings)


def run_bench_cli(args: argparse.Namespace, console: Console, settings: Any) -> int:
    opts = BenchOptions(
        out=args.out,
        model_for=lambda item: None,  # type: ignore[arg-type,return-value]  # built on the node
        model_name=model_name(args, settings),
        jobs=args.jobs,
        resume=args.resume,
        cache_dir=settings.cache_dir,
    )
    executor = build_executor(args, args.out, settings.cache_dir)
    specs = bench_specs(args, settings, opts.model_name)
    events = bench_events(args, opts, secrets_from_env())
    bench = lambda: run_specs(specs, opts, executor)  # noqa: E731
    result = live_run(Console(stderr=True), opts, [s.id for s in specs], bench)
    if events is not None:
        events.write(bench_result_event(result, opts.model_name, args.out))
    elif args.json:
        summary = bench_summary(result, opts.model_name, args.out)
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        console.print()
        console.print((args.out / REPORT_FILE).read_text(encoding="utf-8"), soft_wrap=True)
        console.print(f"results: {args.out / RESULTS_FILE}")
        if (args.out / HTML_REPORT_FILE).is_file():
            console.print(f"page: {args.out / HTML_REPORT_FILE}")
    return 0 if result.outcomes and all(o.resolved for o in result.outcomes) else 1


def bench_specs(args: argparse.Namespace, settings: Settings, name: str) -> list[JobSpec]:
    """The run's jobs: bundled tasks, or SWE-bench instances (solved, or their predictions
    evaluated)."""
    model, events = model_choice(args, settings), bool(getattr(args, "events", None))
    if not (args.swebench or args.instances is not None):
        tasks = load_tasks(args.tasks or [Path("tasks")])
        return task_specs(tasks, model, name, settings, events)
    if not args.repos:
        raise DevagentError("--swebench needs --repos DIR (local mirrors; no network)")
    instances = args.instances if args.instances is not None else load_instances(args.swebench)
    if args.specs:
        specs = load_specs(args.specs)
        instances = [apply_specs(i, specs) for i in instances]
    predictions = load_predictions(args.predictions) if args.predictions else None
    return instance_specs(instances, args.repos, predictions, (model, name, settings, events))


def bench_events(
    args: argparse.Namespace, opts: BenchOptions, secrets: list[str]
) -> JsonlWriter | None:
    """With --events: every task's events on stdout, tagged with its id, and its graded
    outcome (`task_result`); None without."""
    if not getattr(args, "events", None):
        return None
    if args.json:
        raise DevagentError(
            "--json and --events do not go together: the events end with the totals"
        )
    writer = JsonlWriter(sys.stdout, Redactor(secrets))
    opts.listeners_for = lambda task_id: [EventTranslator(writer.write, task=task_id)]
    opts.on_graded = lambda outcome: writer.write(task_result_event(outcome))
    return writer


def task_result_event(outcome: TaskOutcome) -> TaskResultEvent:
    return TaskResultEvent(
        ts=time.time(),
        task=outcome.id,
        status=outcome.status,
        agent_status=outcome.agent_status or "",
        reason=outcome.reason or outcome.broken_reason,
        steps=outcome.steps,
        tokens=outcome.tokens,
        cost_usd=outcome.cost_usd,
        wall_s=outcome.wall_s,
    )


def bench_result_event(result: BenchRun, model: str, out: Path) -> BenchResultEvent:
    return BenchResultEvent(
        ts=time.time(),
        model=model,
        totals=asdict(totals(result.outcomes)),
        results=str(out / RESULTS_FILE),
        report=str(out / REPORT_FILE),
        wall_s=round(result.wall_s, 1),
    )


def bench_summary(result: BenchRun, model: str, out: Path) -> dict[str, Any]:
    """What `bench --json` prints: the totals, one line per task, where the files are."""
    tasks = [
        {
            "id": o.id,
            "status": o.status,
            "reason": o.reason or o.broken_reason,
            "steps": o.steps,
            "tokens": o.tokens,
            "cost_usd": o.cost_usd,
            "wall_s": o.wall_s,
        }
        for o in result.outcomes
    ]
    return {
        "model": model,
        "totals": asdict(totals(result.outcomes)),
        "tasks": tasks,
        "skipped": result.skipped,
        "wall_s": round(result.wall_s, 1),
        "results": str(out / RESULTS_FILE),
        "report": str(out / REPORT_FILE),
        "page": str(out / HTML_REPORT_FILE),
    }


def live_run(
    console: Console, opts: BenchOptions, ids: list[str], bench: Callable[[], BenchRun]
) -> BenchRun:
    table = ProgressTable(ids)
    opts.on_update, opts.on_outcome = table.update, table.finished
    with (
        stop_on_signals(opts.stop),
        Live(get_renderable=table.render, console=console, refresh_per_second=4),
    ):
        return bench()


def model_name(args: argparse.Namespace, settings: Settings) -> str:
    """The name the report shows; building the CLI's model once fails fast on a bad spec."""
    if args.predictions:
        return f"predictions:{args.predictions.name}"
    if (args.model or settings.model) == ORACLE:
        return ORACLE
    if args.executor == "ray":  # the keys are the nodes', not necessarily the driver's
        return model_choice(args, settings).spec
    flags = {"model": args.model, "base_url": args.base_url, "tool_protocol": args.tool_protocol}
    return run_model(settings, **flags).name


def export(args: argparse.Namespace, console: Console) -> int:
    if not args.repos:
        raise DevagentError("--export-swebench needs --repos DIR, where the mirrors are written")
    args.repos.mkdir(parents=True, exist_ok=True)
    instances = [export_task(t, args.repos) for t in load_tasks(args.tasks or [Path("tasks")])]
    dump_instances(instances, args.export_swebench)
    console.print(f"{len(instances)} instances: {args.export_swebench}; mirrors in {args.repos}")
    return 0


def real_suite(paths: list[Path]) -> bool:
    """Whether the paths name real-task manifests (all of them; mixing is an error)."""
    real = [is_real_suite(p) for p in paths]
    if any(real) and not all(real):
        raise DevagentError("real-task manifests and bundled tasks cannot be mixed in one run")
    return bool(real) and all(real)


def run_real(args: argparse.Namespace, console: Console, settings: Any) -> int:
    """Real tasks: materialize each (sdists from PyPI, cached; mirrors under --repos or the
    cache), then run them as SWE-bench instances (agent, oracle or --predictions)."""
    cache_dir = settings.cache_dir
    args.repos = args.repos or cache_dir / "real-mirrors"
    with Console(stderr=True).status("materializing real tasks (sdists from PyPI, cached)"):
        tasks = load_real_tasks(args.tasks)
        instances = [materialize(t, args.repos, cache_dir / "sdists") for t in tasks]
    if args.export_swebench:
        dump_instances(instances, args.export_swebench)
        console.print(
            f"{len(instances)} instances: {args.export_swebench}; mirrors in {args.repos}"
        )
        return 0
    if args.write_wrong_predictions:
        wrong = [wrong_prediction(i, args.repos) for i in instances]
        lines = "".join(p.model_dump_json() + "\n" for p in wrong)
        args.write_wrong_predictions.write_text(lines, encoding="utf-8")
        console.print(f"{len(wrong)} predictions that fix nothing: {args.write_wrong_predictions}")
        return 0
    args.instances = instances
    return run_bench_cli(args, console, settings)


def wrong_prediction(instance: SwebenchInstance, repos: Path) -> SwebenchPrediction:
    return SwebenchPrediction(
        instance_id=instance.instance_id,
        model_name_or_path="not-a-fix",
        model_patch=not_a_fix(instance, repos),
    )
