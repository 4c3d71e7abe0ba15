"""`devagent bench`: its flags. The run itself (`devagent.commands.benchrun`) is imported only
when the command is `bench`: its imports would cost every other command a tenth of a second."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from devagent.commands.benchexec import add_executor_flags
from devagent.commands.flags import epilog
from devagent.commands.solve import add_model_flags

if TYPE_CHECKING:
    import argparse

    from rich.console import Console


DEFAULT_OUT = Path("out/bench")
EXAMPLES = """
devagent bench --model oracle                      check the bundled tasks with their own fixes
devagent bench tasks/cli-wordcount -j 4 --model anthropic:claude-sonnet-4-5
devagent bench tasks/real --model oracle           real tasks (sdists from PyPI, cached)
devagent bench --swebench i.jsonl --repos mirrors/ --predictions p.jsonl   grade predictions
devagent bench --model oracle --json | jq .totals  the summary as JSON; progress on stderr
devagent bench --model oracle --executor ray --address HEAD:6379   jobs on a Ray cluster
devagent bench --model oracle --events jsonl       one JSON event per step, tagged with the task
devagent bench compare out/a out/b                 two runs: flipped tasks, paired difference"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="run tasks in parallel sandboxes; resolved rate, cost, time",
        epilog=epilog(EXAMPLES),
    )
    p.add_argument("tasks", nargs="*", type=Path, help="task or suite directories (default tasks/)")
    add_model_flags(p, oracle=True)
    p.add_argument("-j", "--jobs", type=int, default=1, help="tasks run in parallel")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where results and the report go (`compare`: the page; B's folder unless given)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON on stdout (the progress table goes to stderr)",
    )
    p.add_argument(
        "--events",
        choices=["jsonl"],
        help="stdout: one JSON event per step and per task (with its id), the totals last",
    )
    p.add_argument("--resume", action="store_true", help="skip tasks already in results.jsonl")
    add_executor_flags(p)
    p.add_argument("--swebench", type=Path, metavar="FILE", help="SWE-bench instances (JSONL)")
    p.add_argument("--repos", type=Path, metavar="DIR", help="local mirrors: DIR/owner__name")
    p.add_argument("--predictions", type=Path, metavar="FILE", help="evaluate these, no agent")
    p.add_argument(
        "--specs",
        type=Path,
        metavar="FILE",
        help="per-repo/per-version environments for --swebench (TOML or JSON)",
    )
    p.add_argument(
        "--export-swebench",
        type=Path,
        metavar="FILE",
        help="write the tasks as SWE-bench instances",
    )
    p.add_argument(
        "--write-wrong-predictions",
        type=Path,
        metavar="FILE",
        help="real tasks: write predictions that fix nothing (to check they resolve none)",
    )
    p.set_defaults(instances=None)


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.commands.benchcompare import is_compare, run_compare

    if is_compare(args):
        return run_compare(args, console)
    from devagent.commands.benchrun import run as run_bench_command

    return run_bench_command(args, console)
