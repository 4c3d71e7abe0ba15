"""The run page: OUT/report.html from a run folder (trajectory.jsonl, result.json, patch.diff).

Rendered from the trajectory as written (already redacted); `redact`, when the run's secrets
are known, goes over every text once more before it reaches the page. Linear in the
trajectory's size: a 100-step run writes in tens of milliseconds (perf/pages_bench.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devagent.pages.charts import bar_chart, cumulative, line_chart
from devagent.pages.diffview import render_diff
from devagent.pages.lanes import render_lanes
from devagent.pages.shell import Markup, esc, excerpt, fold, join, page, tag, write_page
from devagent.pages.timeline import Timeline, build_timeline
from devagent.units import count, duration, usd

PAGE_NAME = "report.html"
SECTIONS = ("verdict", "checks", "issue", "changes", "charts", "timeline", "next")
"""The page's sections, by element id, in order."""

Redact = Callable[[str], str]


@dataclass
class RunRecords:
    """What the page is made from."""

    records: list[dict[str, Any]]
    result: dict[str, Any] = field(default_factory=dict)
    """result.json, else the main agent's `end` record, else {} (a run still going or torn)."""
    patch: str = ""
    out: Path | None = None


def load_run(run_dir: Path, *, patch: str | None = None) -> RunRecords:
    """The run folder's files; those missing count as empty (a chat session has no result)."""
    records = list(_read_jsonl(run_dir / "trajectory.jsonl"))
    result: dict[str, Any] = {}
    result_path = run_dir / "result.json"
    if result_path.is_file():
        result = json.loads(result_path.read_text(encoding="utf-8"))
    else:
        ends = [r for r in records if r.get("type") == "end" and r.get("agent", "0") == "0"]
        result = dict(ends[-1]) if ends else {}
    if patch is None:
        diff = run_dir / "patch.diff"
        patch = diff.read_text(encoding="utf-8") if diff.is_file() else ""
    return RunRecords(records, result, patch, run_dir)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def _scrub(value: Any, redact: Redact) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_scrub(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, redact) for k, v in value.items()}
    return value


def write_run_page(
    run_dir: Path, *, redact: Redact | None = None, patch: str | None = None
) -> Path:
    """Write `run_dir/report.html` from the run's files and return its path. `patch` stands
    in for patch.diff (a chat session's current change). Raises `OSError` when the page
    cannot be written."""
    title, body = _rendered(run_dir, redact, patch)
    return write_page(run_dir / PAGE_NAME, title, body)


def run_page_html(run_dir: Path, *, redact: Redact | None = None, patch: str | None = None) -> str:
    """The whole page as text, for a caller that writes it itself (see `write_run_page`)."""
    return page(*_rendered(run_dir, redact, patch))


def _rendered(run_dir: Path, redact: Redact | None, patch: str | None) -> tuple[str, Markup]:
    run = load_run(run_dir, patch=patch)
    if redact is not None:
        run.records, run.result = _scrub(run.records, redact), _scrub(run.result, redact)
        run.patch = redact(run.patch)
    body = render_run_body(run)
    return _title(run), Markup(redact(str(body))) if redact is not None else body


def _title(run: RunRecords) -> str:
    chat = any(r.get("type") == "user" for r in run.records)
    status = run.result.get("status") or ("chat session" if chat else "in progress")
    return f"devagent: {status}"


def render_run_body(run: RunRecords) -> Markup:
    """The page's body: every section of `SECTIONS`, in order."""
    meta = _meta(run.records)
    timeline = build_timeline(run.records)
    sections = [
        _verdict(run, meta, timeline),
        _checks(run.result.get("checks") or []),
        _section("issue", "Issue", excerpt(_issue(run.records), chars=4000, lines=60)),
        _section("changes", "Changes", render_diff(run.patch)),
        _section("charts", "Charts", _charts(timeline)),
        _section("timeline", "Steps", render_lanes(timeline)),
        _section("next", "Next", _next(run, meta)),
    ]
    return join(sections)


def _section(anchor: str, title: str, content: Markup) -> Markup:
    return tag("section", join([tag("h2", title), content]), id=anchor)


def _meta(records: list[dict[str, Any]]) -> dict[str, Any]:
    for record in records:
        if record.get("type") in ("meta", "resume") and isinstance(record.get("meta"), dict):
            return dict(record["meta"])
    return {}


def _issue(records: list[dict[str, Any]]) -> str:
    for record in records:
        if record.get("type") == "start":
            return str((record.get("task") or {}).get("issue", ""))
    return "(no issue recorded: a chat session's requests are in the steps below)"


def _verdict(run: RunRecords, meta: Mapping[str, Any], timeline: Timeline) -> Markup:
    result = run.result
    status = _title(run).removeprefix("devagent: ")
    usage = result.get("usage") or {}
    steps = timeline.steps
    tokens = usage.get("total_tokens") or sum(s.input_tokens + s.output_tokens for s in steps)
    cost = result.get("cost_usd", sum(s.cost_usd for s in steps))
    facts = {
        "Model": meta.get("model", ""),
        "Repository": meta.get("repo", ""),
        "Base commit": meta.get("base", ""),
        "Image": meta.get("image", ""),
        "Steps": str(result.get("steps", len(steps))),
        "Tokens": count(int(tokens)),
        "Cost": usd(float(cost)),
        "Time": duration(float(result.get("duration_s") or _span(run.records))),
        "Run folder": str(run.out or ""),
    }
    rows = join(join([tag("dt", k), tag("dd", v, cls="mono")]) for k, v in facts.items() if v)
    reason = result.get("reason") or ""
    head = join([tag("span", status, cls=f"badge {status}"), esc(f"  {reason}")])
    summary = result.get("summary") or ""
    said = tag("p", join([tag("strong", "Agent's summary: "), summary])) if summary else ""
    return join(
        [tag("h1", "devagent run"), tag("section", join([tag("div", head, cls="verdict"), said,
         tag("dl", rows, cls="facts")]), id="verdict")]
    )  # fmt: skip


def _span(records: list[dict[str, Any]]) -> float:
    stamps = [float(r["ts"]) for r in records if r.get("ts")]
    return max(stamps) - min(stamps) if stamps else 0.0


def _checks(checks: list[dict[str, Any]]) -> Markup:
    if not checks:
        return _section("checks", "Checks", tag("p", "No goal checks were run.", cls="muted"))
    rows = [join(tag("th", h) for h in ("", "command", "exit", "time", "failing tests"))]
    for check in checks:
        passed = bool(check.get("passed"))
        mark = tag(
            "span", "PASS" if passed else "FAIL", cls=f"badge {'pass' if passed else 'fail'}"
        )
        exit_text = f"{check.get('exit_code')}" + (" (timed out)" if check.get("timed_out") else "")
        ids = check.get("failing_ids") or []
        failing = join([tag("code", i) for i in ids], "<br>") if ids else esc("—")
        cells = [mark, tag("code", check.get("command", "")), exit_text,
                 duration(float(check.get("duration_s") or 0.0)), failing]  # fmt: skip
        rows.append(join(tag("td", c) for c in cells))
    outputs = [fold(join(["output of ", tag("code", c.get("command", ""))]),
                    excerpt(str(c.get("output_tail", "")), chars=3000, lines=40))
               for c in checks if str(c.get("output_tail", "")).strip()]  # fmt: skip
    table = tag("table", join(tag("tr", r) for r in rows))
    return _section("checks", "Checks", join([table, *outputs]))


def _charts(timeline: Timeline) -> Markup:
    steps = timeline.steps
    if not steps:
        return tag("p", "No model steps were recorded.", cls="muted")
    marks = timeline.marks()
    tokens = line_chart(
        {"context (input)": [s.input_tokens for s in steps],
         "output": [s.output_tokens for s in steps]},
        title="Tokens per step", y_label="tokens", marks=marks,
    )  # fmt: skip
    cost = line_chart(
        {"cost": cumulative([s.cost_usd for s in steps])},
        title="Cumulative cost", y_label="USD", fmt=_dollars, marks=marks,
    )  # fmt: skip
    labels = [f"{s.agent}:{s.number}" for s in steps]
    seconds = bar_chart(
        labels, [s.seconds for s in steps], title="Time per step", x_label="step", y_label="s"
    )
    return tag("div", join(tag("div", Markup(svg), cls="chart") for svg in (tokens, cost, seconds)),
               cls="charts")  # fmt: skip


def _dollars(value: float) -> str:
    return f"${value:.2f}" if value >= 1 or value == 0 else f"${value:.3g}"


def _next(run: RunRecords, meta: Mapping[str, Any]) -> Markup:
    out = str(run.out) if run.out else "OUT"
    repo = str(meta.get("repo") or "REPO")
    lines: list[tuple[str, str]] = []
    if run.patch.strip():
        lines.append(
            ("Apply the patch to your working tree", f"git -C {repo} apply {out}/patch.diff")
        )
    if meta.get("session"):
        lines.append(("Continue the session", f"devagent chat --resume {meta['session']}"))
    elif run.result.get("status") == "budget_exhausted":
        lines.append(("Go on with more room", f"devagent solve --resume {out} --max-steps N"))
    lines.append(("Re-run the recorded replies", f"devagent replay {out}/trajectory.jsonl"))
    lines.append(("Write this page again", f"devagent report {out}"))
    items = [tag("li", join([f"{what}: ", tag("code", command)])) for what, command in lines]
    return tag("ul", join(items), cls="next")


__all__ = ["PAGE_NAME", "SECTIONS", "RunRecords", "load_run", "render_run_body",
           "run_page_html", "write_run_page"]  # fmt: skip
