"""PR title, body, draft state and issue comment rendered from a run report."""

from __future__ import annotations

import pytest

from devagent.forge import ForgeError, IssueRef, branch_for_issue, is_issue_ref, parse_issue_ref
from devagent.forge.prbody import (
    MARKER,
    CheckResult,
    RunReport,
    defang,
    is_draft,
    pr_title,
    render_issue_comment,
    render_pr_body,
)

REF = IssueRef("acme", "widgets", 7)
SOLVED = RunReport(
    issue=REF,
    issue_title="Parser drops ints",
    status="solved",
    summary="Parse ints before floats.",
    checks=(
        CheckResult("tests/test_parse.py::test_ints", True, "1 passed"),
        CheckResult("full suite", False, "3 passed | 1 failed"),
    ),
    cost_usd=0.1234,
    steps=12,
    model="openai:gpt-x",
    changed_files=("src/parse.py",),
)


def test_pr_body_carries_issue_summary_checks_cost_steps_and_origin():
    body = render_pr_body(SOLVED)
    assert body.splitlines()[:2] == [MARKER, "Closes acme/widgets#7"]
    assert "Parse ints before floats." in body
    assert "| tests/test_parse.py::test_ints | ✅ passed | 1 passed |" in body
    assert "| full suite | ❌ failed | 3 passed \\| 1 failed |" in body
    assert "- steps: 12" in body and "- cost: $0.1234" in body and "`openai:gpt-x`" in body
    assert "Changed files: `src/parse.py`" in body
    assert "Produced by devagent" in body
    assert "Draft" not in body


def test_unsolved_run_is_a_draft_that_only_refers_to_the_issue():
    report = RunReport(REF, "Parser drops ints", "budget_exhausted", "Partial fix.")
    body = render_pr_body(report)
    assert is_draft(report) and not is_draft(SOLVED)
    assert "Refs acme/widgets#7" in body and "Closes" not in body
    assert "the run ended `budget_exhausted`" in body
    assert "_No checks ran._" in body


def test_pr_title_names_the_issue_and_is_bounded():
    assert pr_title(SOLVED) == "Parser drops ints (#7)"
    long = RunReport(None, "word " * 50, "solved", "")
    assert len(pr_title(long)) == 100 and pr_title(long).endswith("…")


def test_issue_comment_links_the_pr():
    comment = render_issue_comment(SOLVED, "https://github.example/acme/widgets/pull/3")
    assert comment == (
        "devagent finished with status `solved` after 12 steps (cost $0.1234).\n\n"
        "Checks: 1/2 passed.\n\n"
        "Pull request: https://github.example/acme/widgets/pull/3\n"
    )
    unsolved = RunReport(REF, "t", "unsolved", "", steps=3)
    assert "Draft pull request: u" in render_issue_comment(unsolved, "u")
    assert "No pull request was opened." in render_issue_comment(unsolved, None)


def test_parse_issue_ref():
    assert parse_issue_ref("gh:acme/widgets.py#123") == IssueRef("acme", "widgets.py", 123)
    assert str(parse_issue_ref(" gh:a-b/c_d#1 ")) == "a-b/c_d#1"
    assert is_issue_ref("gh:a/b#1") and not is_issue_ref("issue.md")
    assert branch_for_issue(REF) == "devagent/issue-7"


MALFORMED = ["a/b#1", "gh:acme#1", "gh:acme/widgets", "gh:a/b#0", "gh:a/../b#1", "gh:a/b#x"]


@pytest.mark.parametrize("text", MALFORMED)
def test_parse_issue_ref_rejects_malformed(text):
    with pytest.raises(ForgeError, match="expected gh:OWNER/REPO#NUMBER"):
        parse_issue_ref(text)


def test_model_text_cannot_ping_people_or_close_other_issues():
    summary = "Fixes #12 and closes other/repo#3; thanks @octocat, see a@b.c and Fixed: #4"
    assert defang(summary) == (
        "`Fixes #12` and `closes other/repo#3`; thanks `@octocat`, see a@b.c and `Fixed: #4`"
    )
    body = render_pr_body(RunReport(REF, "t", "solved", summary))
    assert body.count("Closes acme/widgets#7") == 1 and "`Fixes #12`" in body


def test_forge_package_exports_what_it_lists():
    import devagent.forge as forge

    assert all(hasattr(forge, name) for name in forge.__all__)
    assert sorted(forge.__all__) == forge.__all__
