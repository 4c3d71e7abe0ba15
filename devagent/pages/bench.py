"""The bench page, `OUT/report.html`: the resolve rate with its interval, integrity flags, a
row per task, distributions of cost, steps and time, and a timeline per worker. Rendering is
pure; `write_bench_page` is the one function that touches the disk."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devagent.bench.report import TaskOutcome
from devagent.pages.blocks import card, cards, chart, pct, section, status, table
from devagent.pages.charts import Span, histogram, timeline_chart
from devagent.pages.shell import Markup, join, page, tag, write_page
from devagent.pages.stats import Rate, rate

HTML_REPORT_FILE = "report.html"
NARROW = 370
"""The distributions' width in pixels: three to a row."""
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


PASS, FAIL = tag("span", "pass", cls="badge pass"), tag("span", "fail", cls="badge fail")


def _check(outcome: TaskOutcome, name: str) -> Markup | str:
    for check in outcome.checks:
        if check.name == name:
            return PASS if check.passed else FAIL
    return "-"


def _task_rows(
    outcomes: Sequence[TaskOutcome], links: Mapping[str, str]
) -> list[list[Markup | str]]:
    rows: list[list[Markup | str]] = []
    for o in sorted(outcomes, key=lambda o: o.id):
        href = links.get(o.id)
        rows.append([
            tag("a", o.id, href=href) if href else o.id, status(o.status),
            _check(o, "fail_to_pass"), _check(o, "pass_to_pass"), str(o.steps),
            f"{o.tokens:,}", f"${o.cost_usd:.4f}", f"{o.wall_s:.1f}",
            (o.broken_reason or o.reason)[:200],
        ])  # fmt: skip
    return rows


def _summary_html(s: BenchSummary, wall_s: float, jobs: int) -> Markup:
    interval = s.rate.interval
    numbers = [
        card(pct(s.rate.value), f"resolved of {s.rate.n} graded"),
        card(f"{pct(interval.low)} to {pct(interval.high)}", "95% interval (Wilson)"),
        card(str(s.resolved), "resolved"),
        card(str(s.unresolved), "unresolved"),
        card(str(s.errors), "errors (not graded)"),
        card(str(s.broken), "broken (not graded)"),
        card(f"${s.cost_usd:.2f}", f"cost, ${s.cost_usd / max(1, s.tasks):.4f} a task"),
        card(f"{wall_s:.0f} s", f"run wall time, -j {jobs}"),
    ]
    note = tag("p", "The rate counts graded tasks (resolved + unresolved). Errors (the "
               "environment or infrastructure failed) and broken tasks (the goal was unsound "
               "before the change) are counted apart: they are no verdict on the agent.",
               cls="note")  # fmt: skip
    return join([cards(numbers), note])


def _integrity_html(outcomes: Sequence[TaskOutcome]) -> Markup:
    items = []
    for why, flagged in integrity_flags(outcomes).items():
        if flagged:
            names = ", ".join(o.id for o in flagged[:30])
            more = f" and {len(flagged) - 30} more" if len(flagged) > 30 else ""
            items.append(tag("li", join([tag("b", str(len(flagged))), f" {why}: {names}{more}"])))
    if not items:
        return tag("p", "No integrity flags: every task was graded.", cls="ok")
    return tag("ul", join(items), cls="flags")


def _charts_html(outcomes: Sequence[TaskOutcome]) -> Markup:
    drawn = [
        histogram(values, title=title, x_label=unit, width=NARROW)
        for values, title, unit in (
            ([o.cost_usd for o in outcomes], "cost per task", "USD"),
            ([float(o.steps) for o in outcomes], "steps per task", "steps"),
            ([o.wall_s for o in outcomes], "wall time per task", "seconds"),
        )
    ]
    return chart(*drawn, narrow=True)


def _timeline_html(outcomes: Sequence[TaskOutcome]) -> Markup:
    spans = timeline_spans(outcomes)
    untimed = len(outcomes) - len(spans)
    names = ("resolved", "unresolved", "broken", "error")
    legend = tag("p", join(["Bars: ", join((status(n) for n in names), " ")]), cls="note")
    note = tag("p", f"{untimed} tasks have no start time (older results).", cls="note")
    return join([chart(timeline_chart(spans, title="tasks per worker")), legend,
                 note if untimed else ""])  # fmt: skip


def _body(
    outcomes: Sequence[TaskOutcome], *, model: str, wall_s: float, jobs: int,
    links: Mapping[str, str],
) -> Markup:  # fmt: skip
    s = summarize(outcomes)
    written = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return join([
        tag("h1", f"devagent bench — {model}"),
        tag("p", f"{s.tasks} tasks · {s.steps} steps · written {written}", cls="sub"),
        section("summary", "Resolve rate", _summary_html(s, wall_s, jobs)),
        section("integrity", "Integrity", _integrity_html(outcomes)),
        section("distributions", "Distributions", _charts_html(outcomes)),
        section("timeline", "Timeline", _timeline_html(outcomes)),
        section("tasks", "Tasks", table(
            ["task", "status", "F2P", "P2P", "steps", "tokens", "cost", "wall s", "note"],
            _task_rows(outcomes, links), numeric=frozenset({4, 5, 6, 7}),
        )),
    ], "\n")  # fmt: skip


def render_bench_page(
    outcomes: Sequence[TaskOutcome],
    *,
    model: str,
    wall_s: float,
    jobs: int,
    links: Mapping[str, str] | None = None,
) -> str:
    """The whole page; `links` maps a task id to its run page (relative to the page)."""
    body = _body(outcomes, model=model, wall_s=wall_s, jobs=jobs, links=links or {})
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
    """Write OUT/report.html (OSError, e.g. a full disk, is the caller's to report; nothing
    partial is left)."""
    links = run_links(out, [o.id for o in outcomes])
    body = _body(outcomes, model=model, wall_s=wall_s, jobs=jobs, links=links)
    return write_page(out / HTML_REPORT_FILE, f"devagent bench — {model}", body)
