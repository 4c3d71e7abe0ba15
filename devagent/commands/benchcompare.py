"""`devagent bench compare A B`: two bench output folders side by side, as a terminal table
(or JSON) and a page."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from devagent.bench.report import RESULTS_FILE, TaskOutcome, read_results
from devagent.commands.bench import DEFAULT_OUT
from devagent.errors import DevagentError
from devagent.pages.compare import (
    COMPARE_FILE,
    Comparison,
    Side,
    compare_runs,
    comparison_json,
    write_compare_page,
)

USAGE = "devagent bench compare A B [--json] [--out DIR]: two bench output folders"


def is_compare(args: argparse.Namespace) -> bool:
    """`bench compare …` (a folder named `compare` is a suite, not the subcommand)."""
    return bool(args.tasks) and str(args.tasks[0]) == "compare" and not args.tasks[0].is_dir()


def run_compare(args: argparse.Namespace, console: Console) -> int:
    folders = list(args.tasks[1:])
    if len(folders) != 2:
        raise DevagentError(f"give two folders: {USAGE}")
    a, b = (_outcomes(f) for f in folders)
    names = [f.name for f in folders]
    if len(set(names)) < 2:
        names = [str(f) for f in folders]
    comparison = compare_runs(a, b, *names)
    out = folders[1] if args.out == DEFAULT_OUT else args.out
    page = write_compare_page(out / COMPARE_FILE, comparison)
    if args.json:
        sys.stdout.write(json.dumps({**comparison_json(comparison), "page": str(page)}, indent=2))
        sys.stdout.write("\n")
        return 0
    console.print(terminal_table(comparison))
    console.print(difference_line(comparison))
    for label, ids in (
        ("to resolved", comparison.to_resolved),
        ("to unresolved", comparison.to_unresolved),
    ):
        console.print(f"flipped {label} ({len(ids)}): {escape(', '.join(ids) or 'none')}")
    if comparison.not_compared:
        console.print(f"not compared: {len(comparison.not_compared)} (error, broken or in one run)")
    console.print(f"page: {page}", highlight=False, soft_wrap=True)
    return 0


def _outcomes(folder: Path) -> list[TaskOutcome]:
    results = folder / RESULTS_FILE
    if not results.is_file():
        raise DevagentError(f"{folder} has no {RESULTS_FILE}: is it a bench's --out folder?")
    return read_results(results)


def terminal_table(c: Comparison) -> Table:
    table = Table(box=None, header_style="bold")
    for column in ("run", "resolved", "rate", "95% interval", "cost $", "task time s"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for label, side in (("A", c.a), ("B", c.b)):
        table.add_row(*_row(label, side))
    return table


def _row(label: str, s: Side) -> list[str]:
    i = s.rate.interval
    return [
        f"{label} {escape(s.name)}",
        f"{s.rate.successes}/{s.rate.n}",
        f"{100 * s.rate.value:.1f}%",
        f"{100 * i.low:.1f} to {100 * i.high:.1f}%",
        f"{s.cost_usd:.2f}",
        f"{s.wall_s:.0f}",
    ]


def difference_line(c: Comparison) -> str:
    p = c.paired
    return (
        f"B - A: {100 * p.difference:+.1f} points, 95% interval {100 * p.interval.low:+.1f} to "
        f"{100 * p.interval.high:+.1f} (paired, Newcombe), McNemar p = {p.p_value:.3f}, "
        f"on {p.counts.n} tasks graded in both"
    )
