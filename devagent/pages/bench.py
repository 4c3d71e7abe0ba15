"""The bench page, `OUT/report.html`: the resolve rate with its interval, integrity flags, a
row per task, distributions of cost, steps and time, and a timeline per worker. Rendering is
pure; `write_bench_page` is the one function that touches the disk."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from devagent.bench.report import TaskOutcome
from devagent.pages.benchcharts import Span, histogram_svg, timeline_svg
from devagent.pages.benchshell import card, page, pct, section, table
from devagent.pages.stats import Rate, rate

HTML_REPORT_FILE = "report.html"
RUN_PAGES = ("report.html", "report.md")
"""What a task's row links to in its run folder (OUT/runs/<id>/), the first that exists."""


@dataclass(frozen=True)
class BenchSummary:
    """What the page heads with. The rate counts graded tasks only: a `broken` task (its goal
    was unsound) and an `error` (the environment failed) say nothing about the agent."""

    tasks: int
    resolved: int
    unresolved: int
    broken: int
    errors: int
    rate: Rate
    cost_usd: float
    steps: int


def summarize(outcomes: Sequence[TaskOutcome]) -> BenchSummary:
    count = {s: sum(o.status == s for o in outcomes) for s in ("resolved", "unresolved")}
    graded = count["resolved"] + count["unresolved"]
    return BenchSummary(
        tasks=len(outcomes),
        resolved=count["resolved"],
        unresolved=count["unresolved"],
        broken=sum(o.status == "broken" for o in outcomes),
        errors=sum(o.status == "error" for o in outcomes),
        rate=rate(count["resolved"], graded),
        cost_usd=sum(o.cost_usd for o in outcomes),
        steps=sum(o.steps for o in outcomes),
    )


def goal_already_passed(outcome: TaskOutcome) -> bool:
    """Whether the task's goal check passed before any change (the task cannot be graded)."""
    before = [c for c in outcome.prechecks if c.name == "fail_to_pass"]
    return outcome.status == "broken" and (
        any(c.passed for c in before) or "already pass" in outcome.broken_reason
    )


def integrity_flags(outcomes: Sequence[TaskOutcome]) -> dict[str, list[TaskOutcome]]:
    """The tasks whose result is not a verdict on the agent, by why."""
    already = [o for o in outcomes if goal_already_passed(o)]
    return {
        "goal already passed before the change": already,
        "broken task (its other tests fail before the change)": [
            o for o in outcomes if o.status == "broken" and o not in already
        ],
        "environment or infrastructure error": [o for o in outcomes if o.status == "error"],
    }


def timeline_spans(outcomes: Sequence[TaskOutcome]) -> list[Span]:
    """Each timed task as a bar: per worker, and per node too when several machines ran."""
    timed = [o for o in outcomes if o.started_at > 0]
    if not timed:
        return []
    origin = min(o.started_at for o in timed)
    several = len({o.node for o in timed}) > 1
    return [
        Span(
            lane=f"{o.node} · worker {o.worker}" if several else f"worker {o.worker or 0}",
            start=o.started_at - origin,
            length=o.wall_s,
            status=o.status,
            label=o.id,
        )
        for o in timed
    ]


def _check(outcome: TaskOutcome, name: str) -> str:
    for check in outcome.checks:
        if check.name == name:
            return (
                '<span class="resolved">pass</span>'
                if check.passed
                else ('<span class="unresolved">fail</span>')
            )
    return "-"


def _task_rows(outcomes: Sequence[TaskOutcome], links: Mapping[str, str]) -> list[list[str]]:
    rows = []
    for o in sorted(outcomes, key=lambda o: o.id):
        name = escape(o.id)
        href = links.get(o.id)
        cell = f'<a href="{escape(href)}">{name}</a>' if href else name
        note = escape((o.broken_reason or o.reason)[:200])
        rows.append([
            cell, f'<span class="{escape(o.status)}">{escape(o.status)}</span>',
            _check(o, "fail_to_pass"), _check(o, "pass_to_pass"), str(o.steps),
            f"{o.tokens:,}", f"${o.cost_usd:.4f}", f"{o.wall_s:.1f}", note,
        ])  # fmt: skip
    return rows


def _summary_html(s: BenchSummary, wall_s: float, jobs: int) -> str:
    interval = s.rate.interval
    cards = [
        card(pct(s.rate.value), f"resolved of {s.rate.n} graded"),
        card(f"{pct(interval.low)} to {pct(interval.high)}", "95% interval (Wilson)"),
        card(str(s.resolved), "resolved"),
        card(str(s.unresolved), "unresolved"),
        card(str(s.errors), "errors (not graded)"),
        card(str(s.broken), "broken (not graded)"),
        card(f"${s.cost_usd:.2f}", f"cost, ${s.cost_usd / max(1, s.tasks):.4f} a task"),
        card(f"{wall_s:.0f} s", f"run wall time, -j {jobs}"),
    ]
    note = (
        '<p class="note">The rate counts graded tasks (resolved + unresolved). Errors (the '
        "environment or infrastructure failed) and broken tasks (the goal was unsound before "
        "the change) are counted apart: they are no verdict on the agent.</p>"
    )
    return f'<div class="cards">{"".join(cards)}</div>{note}'


def _integrity_html(outcomes: Sequence[TaskOutcome]) -> str:
    items = []
    for why, flagged in integrity_flags(outcomes).items():
        if flagged:
            names = ", ".join(escape(o.id) for o in flagged[:30])
            more = f" and {len(flagged) - 30} more" if len(flagged) > 30 else ""
            items.append(f"<li><b>{len(flagged)}</b> {escape(why)}: {names}{more}</li>")
    if not items:
        return '<p class="ok">No integrity flags: every task was graded.</p>'
    return f'<ul class="flags">{"".join(items)}</ul>'


def _charts_html(outcomes: Sequence[TaskOutcome]) -> str:
    return '<div class="charts">' + "".join([
        histogram_svg([o.cost_usd for o in outcomes], title="cost per task", unit="USD"),
        histogram_svg([float(o.steps) for o in outcomes], title="steps per task", unit="steps"),
        histogram_svg([o.wall_s for o in outcomes], title="wall time per task", unit="seconds"),
    ]) + "</div>"  # fmt: skip


def _timeline_html(outcomes: Sequence[TaskOutcome]) -> str:
    spans = timeline_spans(outcomes)
    untimed = len(outcomes) - len(spans)
    note = f'<p class="note">{untimed} tasks have no start time (older results).</p>'
    legend = (
        '<p class="note">Bars: <span class="resolved">resolved</span> · '
        '<span class="unresolved">unresolved</span> · <span class="broken">broken</span> · '
        '<span class="error">error</span></p>'
    )
    chart = timeline_svg(spans, title="tasks per worker")
    return f'<div class="charts">{chart}</div>{legend}' + (note if untimed else "")


def render_bench_page(
    outcomes: Sequence[TaskOutcome],
    *,
    model: str,
    wall_s: float,
    jobs: int,
    links: Mapping[str, str] | None = None,
) -> str:
    """The whole page; `links` maps a task id to its run page (relative to the page)."""
    s = summarize(outcomes)
    body = "\n".join([
        f"<h1>devagent bench — {escape(model)}</h1>",
        f'<p class="sub">{s.tasks} tasks · {s.steps} steps · written '
        f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}</p>',
        section("summary", "Resolve rate", _summary_html(s, wall_s, jobs)),
        section("integrity", "Integrity", _integrity_html(outcomes)),
        section("distributions", "Distributions", _charts_html(outcomes)),
        section("timeline", "Timeline", _timeline_html(outcomes)),
        section("tasks", "Tasks", table(
            ["task", "status", "F2P", "P2P", "steps", "tokens", "cost", "wall s", "note"],
            _task_rows(outcomes, links or {}), numeric=frozenset({4, 5, 6, 7}),
        )),
    ])  # fmt: skip
    return page(f"devagent bench — {model}", body)


def run_links(out: Path, ids: Sequence[str]) -> dict[str, str]:
    """Each task's run page under OUT/runs/<id>/, relative to OUT, where one exists."""
    links = {}
    for task_id in ids:
        for name in RUN_PAGES:
            if (out / "runs" / task_id / name).is_file():
                links[task_id] = f"runs/{task_id}/{name}"
                break
    return links


def write_bench_page(
    out: Path, outcomes: Sequence[TaskOutcome], *, model: str, wall_s: float, jobs: int
) -> Path:
    """Write OUT/report.html (OSError, e.g. a full disk, is the caller's to report)."""
    links = run_links(out, [o.id for o in outcomes])
    html = render_bench_page(outcomes, model=model, wall_s=wall_s, jobs=jobs, links=links)
    path = out / HTML_REPORT_FILE
    path.write_text(html, encoding="utf-8")
    return path
