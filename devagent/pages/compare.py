"""Two bench runs on the same tasks compared: which tasks flipped either way, the paired
difference of resolve rates with its interval, cost and time. `compare_runs` is pure; the page
is rendered from its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devagent.bench.report import TaskOutcome
from devagent.pages.blocks import card, cards, chart, pct, section, status, table
from devagent.pages.charts import Estimate, interval_chart
from devagent.pages.shell import Markup, join, page, tag, write_page
from devagent.pages.stats import PairedCounts, PairedDifference, Rate, paired_difference, rate

GRADED = ("resolved", "unresolved")
COMPARE_FILE = "compare.html"


@dataclass(frozen=True)
class Side:
    """One run over the compared tasks: its rate, cost and time there."""

    name: str
    rate: Rate
    cost_usd: float
    wall_s: float
    steps: int


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    paired: PairedDifference
    """B's rate minus A's on the tasks graded in both."""
    to_resolved: list[str]
    """Unresolved in A, resolved in B."""
    to_unresolved: list[str]
    """Resolved in A, unresolved in B."""
    not_compared: dict[str, str]
    """Task id -> why it is left out: in one run only, or an error or broken in either."""
    rows: list[tuple[str, TaskOutcome | None, TaskOutcome | None]]
    """Every task of either run, by id."""


def _side(name: str, outcomes: Sequence[TaskOutcome]) -> Side:
    resolved = sum(o.resolved for o in outcomes)
    return Side(
        name=name,
        rate=rate(resolved, len(outcomes)),
        cost_usd=sum(o.cost_usd for o in outcomes),
        wall_s=sum(o.wall_s for o in outcomes),
        steps=sum(o.steps for o in outcomes),
    )


def _left_out(a: TaskOutcome | None, b: TaskOutcome | None) -> str:
    if a is None or b is None:
        return f"only in run {'B' if a is None else 'A'}"
    odd = [f"{run}: {o.status}" for run, o in (("A", a), ("B", b)) if o.status not in GRADED]
    return ", ".join(odd)


def compare_runs(
    a: Sequence[TaskOutcome], b: Sequence[TaskOutcome], name_a: str = "A", name_b: str = "B"
) -> Comparison:
    """Pair the runs' outcomes by task id; only tasks graded (resolved or unresolved) in both
    count toward the rates and the difference."""
    by_a, by_b = {o.id: o for o in a}, {o.id: o for o in b}
    rows = [(i, by_a.get(i), by_b.get(i)) for i in sorted(by_a.keys() | by_b.keys())]
    not_compared = {i: why for i, x, y in rows if (why := _left_out(x, y))}
    pairs = [(x, y) for i, x, y in rows if i not in not_compared and x and y]
    counts = PairedCounts(
        both=sum(x.resolved and y.resolved for x, y in pairs),
        a_only=sum(x.resolved and not y.resolved for x, y in pairs),
        b_only=sum(y.resolved and not x.resolved for x, y in pairs),
        neither=sum(not x.resolved and not y.resolved for x, y in pairs),
    )
    return Comparison(
        a=_side(name_a, [x for x, _ in pairs]),
        b=_side(name_b, [y for _, y in pairs]),
        paired=paired_difference(counts),
        to_resolved=sorted(y.id for x, y in pairs if y.resolved and not x.resolved),
        to_unresolved=sorted(x.id for x, y in pairs if x.resolved and not y.resolved),
        not_compared=not_compared,
        rows=rows,
    )


def comparison_json(c: Comparison) -> dict[str, Any]:
    """What `bench compare --json` prints."""

    def side(s: Side) -> dict[str, Any]:
        interval = s.rate.interval
        return {
            "name": s.name,
            "resolved": s.rate.successes,
            "graded": s.rate.n,
            "rate": round(s.rate.value, 4),
            "interval": [round(interval.low, 4), round(interval.high, 4)],
            "cost_usd": round(s.cost_usd, 4),
            "wall_s": round(s.wall_s, 1),
            "steps": s.steps,
        }

    p = c.paired
    return {
        "a": side(c.a),
        "b": side(c.b),
        "difference": {
            "b_minus_a": round(p.difference, 4),
            "interval": [round(p.interval.low, 4), round(p.interval.high, 4)],
            "method": "Newcombe hybrid score, paired (method 10), 95%",
            "mcnemar_p": round(p.p_value, 4),
            "paired_tasks": p.counts.n,
        },
        "flipped_to_resolved": c.to_resolved,
        "flipped_to_unresolved": c.to_unresolved,
        "not_compared": c.not_compared,
    }


def _summary_html(c: Comparison) -> Markup:
    p = c.paired
    sign = "+" if p.difference >= 0 else ""
    numbers = [
        card(f"{pct(c.a.rate.value)} → {pct(c.b.rate.value)}", f"{c.a.name} → {c.b.name}"),
        card(f"{sign}{100 * p.difference:.1f} pts", "difference (B - A)"),
        card(
            f"{100 * p.interval.low:+.1f} to {100 * p.interval.high:+.1f}",
            "95% interval (points, paired)",
        ),
        card(f"{p.p_value:.3f}", "McNemar exact p"),
        card(str(len(c.to_resolved)), "flipped to resolved"),
        card(str(len(c.to_unresolved)), "flipped to unresolved"),
        card(str(p.counts.n), "tasks graded in both"),
    ]
    forest = interval_chart(
        [
            Estimate(c.a.name, c.a.rate.value, c.a.rate.interval.low, c.a.rate.interval.high),
            Estimate(c.b.name, c.b.rate.value, c.b.rate.interval.low, c.b.rate.interval.high),
            Estimate("B - A", p.difference, p.interval.low, p.interval.high),
        ],
        title="resolve rates and their difference, 95% intervals",
        unit="share of tasks",
        fmt=pct,
    )
    note = tag("p", "Paired on the tasks graded in both runs; the interval of the difference "
               "is Newcombe's hybrid score interval for paired proportions (method 10), each "
               "rate's is Wilson's.", cls="note")  # fmt: skip
    return join([cards(numbers), note, chart(forest)])


def _flips_html(c: Comparison) -> Markup:
    def flipped(to: str, ids: list[str]) -> Markup:
        badge = tag("span", f"to {to}", cls=f"badge task-{to}")
        return tag("p", join([badge, f" ({len(ids)}): {', '.join(ids) or 'none'}"]))

    left = join(tag("li", f"{i}: {why}") for i, why in c.not_compared.items())
    return join([
        flipped("resolved", c.to_resolved), flipped("unresolved", c.to_unresolved),
        join([tag("p", "Not compared:"), tag("ul", left, cls="flags")]) if left else "",
    ])  # fmt: skip


def _cost_html(c: Comparison) -> Markup:
    n = max(1, c.paired.counts.n)
    rows = [
        [s.name, f"${s.cost_usd:.2f}", f"${s.cost_usd / n:.4f}", f"{s.wall_s:.0f}",
         f"{s.wall_s / n:.1f}", str(s.steps)]
        for s in (c.a, c.b)
    ]  # fmt: skip
    head = ["run", "cost", "cost a task", "task time s", "a task s", "steps"]
    return table(head, rows, numeric=frozenset({1, 2, 3, 4, 5}))


def _status(o: TaskOutcome | None) -> Markup | str:
    return "-" if o is None else status(o.status)


def _tasks_html(c: Comparison) -> Markup:
    rows = [
        [i, _status(x), _status(y),
         "-" if x is None else f"${x.cost_usd:.4f}", "-" if y is None else f"${y.cost_usd:.4f}",
         "-" if x is None else f"{x.wall_s:.1f}", "-" if y is None else f"{y.wall_s:.1f}"]
        for i, x, y in c.rows
    ]  # fmt: skip
    head = ["task", "A", "B", "cost A", "cost B", "wall s A", "wall s B"]
    return table(head, rows, numeric=frozenset({3, 4, 5, 6}))


def _body(c: Comparison) -> Markup:
    return join([
        tag("h1", f"devagent bench compare: {c.a.name} (A) vs {c.b.name} (B)"),
        section("summary", "Resolve rate", _summary_html(c)),
        section("flips", "Tasks that flipped", _flips_html(c)),
        section("cost", "Cost and time (tasks graded in both)", _cost_html(c)),
        section("tasks", "Tasks", _tasks_html(c)),
    ], "\n")  # fmt: skip


def _title(c: Comparison) -> str:
    return f"devagent bench compare — {c.a.name} vs {c.b.name}"


def render_compare_page(c: Comparison) -> str:
    return page(_title(c), _body(c))


def write_compare_page(path: Path, c: Comparison) -> Path:
    """Write the page to `path` (its folder made; nothing partial left on an `OSError`)."""
    return write_page(path, _title(c), _body(c))
