"""Grading on real sandboxes: a synthetic SWE-bench instance evaluated with right, wrong,
test-editing and broken patches, and instances that are broken or cannot run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devagent.bench.gitrepo import commit_all, git
from devagent.bench.runner import BenchOptions
from devagent.bench.swebench import SwebenchInstance
from devagent.bench.swebench_run import evaluate_patch
from sandbox.hostconfig import read_host_config

pytestmark = pytest.mark.docker

CALC = (
    "def add(a, b):\n    return a - b\n\n\n"
    "def sub(a, b):\n    return a - b\n\n\n"
    "def shout(text):\n    return text\n"
)
TESTS = (
    "import pytest\n\nfrom calcpkg.calc import add, shout, sub\n\n\n"
    "def test_sub():\n    assert sub(5, 3) == 2\n"
)
FILES = {
    "pyproject.toml": '[project]\nname = "calcpkg"\nversion = "0.1.0"\n',
    "requirements-dev.txt": "pytest\n",
    "calcpkg/__init__.py": "",
    "calcpkg/calc.py": CALC,
    "tests/test_calc.py": TESTS,
}
NEW_TESTS = (
    "\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    '@pytest.mark.parametrize("text", ["a b", "c]d"])\n'
    "def test_shout(text):\n    assert shout(text) == text.upper()\n"
)
FIXED_ADD = CALC.replace("return a - b", "return a + b", 1)
FIXED_ALL = FIXED_ADD.replace("return text", "return text.upper()")
REPRO = "\n\ndef test_repro():\n    assert add(1, 1) == 2\n"
CHEAT = (
    "def pytest_collection_modifyitems(items):\n"
    "    for item in items:\n"
    "        item.obj = lambda *a, **k: None\n"
)
F2P = ["tests/test_calc.py::test_add", "tests/test_calc.py::test_shout[a b]"]
P2P = ["tests/test_calc.py::test_sub"]


def diff(mirror: Path, changes: dict[str, str]) -> str:
    """The patch turning the base into the base with `changes` (path -> new text)."""
    for name, text in changes.items():
        (mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / name).write_text(text)
    git(mirror, "add", "-A")
    patch = git(mirror, "diff", "--cached")
    git(mirror, "reset", "-q", "--hard", "HEAD")
    return patch


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repos")
    mirror = root / "acme__calc"
    for name, text in FILES.items():
        (mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / name).write_text(text)
    git(mirror, "init", "-q", "-b", "main")
    commit_all(mirror, "base")
    PATCHES.update(
        test=diff(mirror, {"tests/test_calc.py": TESTS + NEW_TESTS}),
        gold=diff(mirror, {"calcpkg/calc.py": FIXED_ALL}),
        add_only=diff(mirror, {"calcpkg/calc.py": FIXED_ADD}),
        gold_and_test_edit=diff(
            mirror, {"calcpkg/calc.py": FIXED_ALL, "tests/test_calc.py": TESTS + REPRO}
        ),
        add_and_cheat=diff(mirror, {"calcpkg/calc.py": FIXED_ADD, "tests/conftest.py": CHEAT}),
    )
    return root


PATCHES: dict[str, str] = {}


def instance(repos: Path, **fields) -> SwebenchInstance:
    base = git(repos / "acme__calc", "rev-parse", "HEAD").strip()
    record = dict(
        instance_id="acme__calc-1", repo="acme/calc", base_commit=base, patch=PATCHES["gold"],
        test_patch=PATCHES["test"], FAIL_TO_PASS=F2P, PASS_TO_PASS=P2P,
    )  # fmt: skip
    return SwebenchInstance.model_validate({**record, **fields})


def grade(repos: Path, patch: str, tmp_path: Path, **fields):
    opts = BenchOptions(
        out=tmp_path, model_for=lambda i: None, model_name="t",
        host=read_host_config(environ=os.environ),
    )  # fmt: skip
    return evaluate_patch(instance(repos, **fields), patch, repos, opts)


def test_gold_patch_resolves_with_exact_parametrized_ids(repos, tmp_path):
    outcome = grade(repos, PATCHES["gold"], tmp_path)
    assert (outcome.status, outcome.reason) == (
        "resolved",
        "every goal and PASS_TO_PASS test passes",
    )
    assert outcome.checks[0].tests == dict.fromkeys(F2P, "passed")
    assert outcome.prechecks[0].tests["tests/test_calc.py::test_shout[a b]"] == "failed"


def test_partial_fix_is_unresolved_naming_the_test_with_spaces(repos, tmp_path):
    outcome = grade(repos, PATCHES["add_only"], tmp_path)
    assert outcome.status == "unresolved"
    assert "tests/test_calc.py::test_shout[a b] (failed)" in outcome.reason


def test_agent_edit_to_a_test_file_does_not_break_the_test_patch(repos, tmp_path):
    outcome = grade(repos, PATCHES["gold_and_test_edit"], tmp_path)
    assert outcome.status == "resolved"


def test_patch_that_rewrites_the_tests_instead_of_the_code_is_not_resolved(repos, tmp_path):
    outcome = grade(repos, PATCHES["add_and_cheat"], tmp_path)
    assert outcome.status == "unresolved"


def test_goal_tests_passing_before_make_the_instance_broken_and_never_resolved(repos, tmp_path):
    already = ["tests/test_calc.py::test_sub", "tests/test_calc.py::test_add"]
    outcome = grade(repos, "not a patch at all", tmp_path, FAIL_TO_PASS=already, PASS_TO_PASS=[])
    assert outcome.status == "broken"
    assert outcome.reason == (
        "goal tests already pass before the change: tests/test_calc.py::test_sub"
    )


def test_test_patch_that_does_not_apply_is_an_error(repos, tmp_path):
    bad = PATCHES["test"].replace("assert sub(5, 3) == 2", "assert sub(9, 3) == 6")
    outcome = grade(repos, PATCHES["gold"], tmp_path, test_patch=bad)
    assert outcome.status == "error"
    assert outcome.reason.startswith("the test patch does not apply to the base")


def test_tests_that_cannot_import_are_an_error_not_unresolved(repos, tmp_path):
    needs_missing = (
        PATCHES["test"]
        .replace("+def test_add():", "+import hypothesis_not_installed\n+\n+\n+def test_add():")
        .replace("@@ -5,3 +5,12 @@", "@@ -5,3 +5,15 @@")
    )
    outcome = grade(repos, PATCHES["gold"], tmp_path, test_patch=needs_missing)
    assert outcome.status == "error"
    assert "hypothesis_not_installed" in outcome.reason


def test_bundled_task_agent_that_rewrites_the_goal_tests_is_not_resolved(tmp_path):
    from devagent.bench.runner import run_bench
    from devagent.bench.task import load_task
    from devagent.llm.scripted import ScriptedModel

    task = load_task(Path(__file__).resolve().parents[2] / "tasks" / "lru-cache-eviction")
    names = [t.split("::")[1] for t in (*task.config.fail_to_pass, *task.config.pass_to_pass)]
    hollow = "".join(f"def {name}():\n    pass\n\n\n" for name in names)
    cheat = ScriptedModel.from_replies(
        [
            {"tool_calls": [{"name": "create", "arguments": {
                "path": "tests/test_lru.py", "content": hollow, "overwrite": True}}]},
            {"tool_calls": [{"name": "submit", "arguments": {"summary": "tests pass"}}]},
        ]
    )  # fmt: skip
    opts = BenchOptions(
        out=tmp_path, model_for=lambda t: cheat, model_name="cheat",
        host=read_host_config(environ=os.environ),
    )  # fmt: skip
    (outcome,) = run_bench([task], opts).outcomes
    assert outcome.agent_status == "solved"  # its own checks passed on the hollow tests
    assert outcome.status == "unresolved"
    assert outcome.reason == "the patch changes only test files"
