"""`devagent usage`: recent runs from the cost ledger, with model, tokens, cost, verdict and
time, filtered by repository and date, and their totals."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from devagent.commands.flags import epilog
from devagent.errors import DevagentError
from devagent.units import count, duration, usd

if TYPE_CHECKING:
    from rich.table import Table

    from devagent.usage import UsageEntry

EXAMPLES = """
devagent usage                               the last runs and their totals
devagent usage --since 7d --repo myproject   this week's runs on one repository
devagent usage --since 2026-12-01 --json     as JSON, e.g. for a spreadsheet"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "usage",
        help="recent runs: model, tokens, cost, verdict, time, with totals",
        epilog=epilog(EXAMPLES),
    )
    p.add_argument("--repo", metavar="TEXT", help="only runs whose repository contains TEXT")
    p.add_argument("--since", metavar="WHEN", help="only runs since WHEN: 7d, 12h, 2w, 2026-12-01")
    p.add_argument("--limit", type=int, default=30, help="rows shown (totals count them all)")
    p.add_argument("--json", action="store_true", help="every selected run and the totals")


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.config import load_settings
    from devagent.usage import ledger_path, read_ledger, select, since_timestamp, totals

    path = ledger_path(load_settings({}, None).cache_dir)
    since = None
    if args.since:
        try:
            since = since_timestamp(args.since, time.time())
        except ValueError as exc:
            raise DevagentError(str(exc)) from exc
    entries = select(read_ledger(path), repo=args.repo, since=since)
    summed = totals(entries)
    if args.json:
        payload = {"ledger": str(path), "runs": [asdict(e) for e in entries],
                   "totals": asdict(summed)}  # fmt: skip
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    if not entries:
        console.print(
            f"no runs recorded{' that match' if args.repo or args.since else ''} in {path}"
        )
        return 0
    # in a file or a pipe a row stays on one line, however long (a terminal cuts with "…")
    table = runs_table(entries[-max(1, args.limit) :], cut=console.is_terminal)
    wide = console if console.is_terminal else Console(file=console.file, width=400)
    wide.print(table)
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(summed.verdicts.items()))
    console.print(
        f"{summed.runs} runs ({verdicts}) · {count(summed.tokens)} tokens · "
        f"{usd(summed.cost_usd)} · {duration(summed.wall_s)}"
    )
    return 0


def runs_table(entries: list[UsageEntry], *, cut: bool = True) -> Table:
    """The runs, one line each; `cut`: long repos and models end in "…" (a terminal's width)."""
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("ended", "kind", "repo", "model", "verdict", "tokens", "cost", "time"):
        table.add_column(  # one line a run: long repos and models end in "…" (whole in --json)
            column,
            justify="right" if column in ("tokens", "cost", "time") else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=32 if cut and column in ("repo", "model") else None,
        )
    for e in entries:
        table.add_row(
            time.strftime("%m-%d %H:%M", time.localtime(e.ts)), e.kind, escape(e.repo),
            escape(e.model), e.verdict, count(e.tokens), usd(e.cost_usd), duration(e.wall_s),
        )  # fmt: skip
    return table
