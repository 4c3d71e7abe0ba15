"""The run page's content from a run folder (no browser): steps in lanes, marks, the verdict,
the next commands, chat sessions, redaction; and `devagent report`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devagent import cli
from devagent.pages.run import SECTIONS, load_run, write_run_page
from devagent.pages.sample import sample_records, write_sample_run
from devagent.pages.timeline import build_timeline


def test_the_timeline_groups_records_into_steps_per_lane_with_marks() -> None:
    timeline = build_timeline(sample_records(steps=30))
    assert timeline.lanes == ["0", "0.1", "0.2"]
    assert [len([s for s in timeline.steps if s.agent == lane]) for lane in timeline.lanes] == [
        30, 3, 3,
    ]  # fmt: skip
    first = timeline.steps[0]
    assert (first.number, first.calls[0]["name"], first.input_tokens) == (1, "view", 2540)
    assert first.observations["c-0-0"]["ok"] is False
    assert first.seconds == pytest.approx(1.0 + 0.05 + 0.2)  # completion, call, observation
    assert timeline.marks() == {11: "stuck: repeated_action", 32: "budget warning"}


def test_every_section_is_written_and_secrets_are_redacted(tmp_path: Path) -> None:
    run_dir = write_sample_run(tmp_path / "out", steps=12, secret="sk-page-secret-1")
    page = write_run_page(run_dir, redact=lambda t: t.replace("sk-page-secret-1", "[REDACTED]"))
    html = page.read_text()
    assert all(f'<section id="{name}">' in html for name in SECTIONS)
    assert "sk-page-secret-1" not in html and "API_KEY=[REDACTED]" in html
    assert html.count('class="step"') == 18
    assert f"devagent report {run_dir}" in html


def test_a_run_without_result_json_takes_its_verdict_from_the_end_record(tmp_path: Path) -> None:
    run_dir = write_sample_run(tmp_path / "out", steps=3)
    (run_dir / "result.json").unlink()
    with (run_dir / "trajectory.jsonl").open("a") as handle:
        end = {"type": "end", "agent": "0", "step": 3, "status": "budget_exhausted"}
        handle.write(json.dumps(end) + "\n{torn")
    run = load_run(run_dir)
    assert run.result["status"] == "budget_exhausted"
    html = write_run_page(run_dir).read_text()
    assert "<title>devagent: budget_exhausted</title>" in html
    assert f"devagent solve --resume {run_dir}" in html


def test_devagent_report_writes_the_page_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = write_sample_run(tmp_path / "out", steps=2)
    assert cli.main(["report", str(run_dir)]) == 0
    assert f"run page: {run_dir / 'report.html'}" in capsys.readouterr().out
    assert (run_dir / "report.html").read_text().startswith("<!doctype html>")


def test_devagent_report_on_a_folder_that_is_no_run_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "has no trajectory.jsonl: not a devagent run folder" in capsys.readouterr().err


def test_a_check_before_the_change_is_labelled_so_and_not_red() -> None:
    from devagent.pages.lanes import render_lanes

    check = {"command": "pytest", "passed": False, "exit_code": 1, "failing_ids": ["t::a"]}
    records = [{"type": "check", "agent": "0", "step": 0, "phase": "precheck", "result": check}]
    html = render_lanes(build_timeline(records))
    assert '<span class="badge note">before the change: failed</span>' in html
    assert "pytest → exit 1; failing: t::a" in html


def test_devagent_report_on_a_chat_session_shows_its_current_change(tmp_path: Path) -> None:
    from devagent.pages.sample import SAMPLE_PATCH

    session = tmp_path / "20261202-080000-abc123"
    session.mkdir()
    user = {"type": "user", "agent": "0", "step": 0, "text": "please fix add", "ts": 1.0}
    (session / "trajectory.jsonl").write_text(json.dumps(user) + "\n")
    (session / "session.json").write_text(json.dumps({"id": session.name, "patch": SAMPLE_PATCH}))
    assert cli.main(["report", str(session)]) == 0
    html = (session / "report.html").read_text()
    assert "please fix add" in html and "+    return a + b" in html
    assert "<title>devagent: chat session</title>" in html
