"""What `devagent solve` prints at the end: the run folder always, human units, and where the
patch is when --apply did not apply it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from devagent.agent.checks import CheckResult
from devagent.agent.task import RunResult
from devagent.commands import deliver
from devagent.commands.solve import finish
from devagent.commands.solvecmd import SolveCommand
from devagent.llm.types import Usage
from devagent.pipeline import SolveOutcome

OUT = Path("/tmp/devagent-run-xyz")
PATCH = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"


def outcome(status: str = "solved") -> SolveOutcome:
    result = RunResult(
        status=status,
        patch=PATCH,
        checks=[CheckResult("pytest -q", status == "solved", 0, "")],
        steps=7,
        usage=Usage(input_tokens=12_000, output_tokens=345),
        cost_usd=0.00396506,
        duration_s=123.4,
        reason="the goal checks passed",
    )
    return SolveOutcome(result, "abc123", PATCH, "devagent/env:1", out=OUT)


def printed(args: SolveCommand, delivered: dict[str, str], status: str = "solved") -> str:
    console = Console(record=True, width=200, force_terminal=False)
    finish(args, console, outcome(status), OUT, delivered)
    return console.export_text()


def test_summary_prints_the_run_folder_and_human_units() -> None:
    text = printed(SolveCommand(issue="i.md"), {})
    assert f"run folder: {OUT}\n" in text
    assert "steps 7 · tokens 12,345 · $0.0040 · 2 min 3 s" in text
    assert "0.00396506" not in text and "123.4" not in text


def test_apply_of_an_unsolved_run_says_where_the_patch_is(tmp_path: Path) -> None:
    args = SolveCommand(issue="i.md", apply=True)
    done = deliver.deliver(args, tmp_path, outcome("unsolved"), "# t", None, Console())
    assert done == {"applied": f"no: the run was not solved (the patch is in {OUT}/patch.diff)"}
    assert f"applied: no: the run was not solved (the patch is in {OUT}/patch.diff)" in printed(
        args, done, "unsolved"
    )


def test_a_finished_solve_and_a_ci_run_each_leave_a_ledger_line(tmp_path: Path) -> None:
    from devagent.commands.solve import recorded
    from devagent.llm.scripted import ScriptedModel
    from devagent.pipeline import SolveOptions
    from devagent.usage import ledger_path, read_ledger

    model = ScriptedModel([], name="scripted:x.yaml")
    opts = SolveOptions(issue="# i", repo="/src/app", out=OUT, model=model, cache_dir=tmp_path)
    done = outcome("unsolved")
    assert recorded(SolveCommand(issue="i.md"), opts, done) is done
    recorded(SolveCommand(issue="i.md", headless=True), opts, outcome())
    lines = read_ledger(ledger_path(tmp_path))
    assert [(e.kind, e.verdict, e.repo, e.model) for e in lines] == [
        ("solve", "unsolved", "/src/app", "scripted:x.yaml"),
        ("ci", "solved", "/src/app", "scripted:x.yaml"),
    ]
    first = lines[0]
    assert (first.tokens, first.input_tokens, first.cost_usd, first.wall_s) == (
        12_345,
        12_000,
        0.003965,
        123.4,
    )
    assert first.out == str(OUT)
