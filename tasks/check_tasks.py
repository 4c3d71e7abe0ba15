"""Host-side sanity check of bundled tasks: goal tests fail before the fix and pass after it.

For each task: copy repo/ to a temp dir, make it a git repository, then
1. run each `fail_to_pass` test on its own: each must FAIL;
2. run the `pass_to_pass` tests: they must PASS;
3. `git apply solution.patch` (which must touch no test file);
4. run `fail_to_pass` + `pass_to_pass`, and the full `test_command`: all must PASS.

Uses the host's toolchains (`python` resolves to the interpreter running this script, so its
pytest is used). Usage: `python tasks/check_tasks.py [TASK_OR_SUITE_DIR ...]` (default: tasks/).
Exit status 0 when every checked task is sound.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devagent.bench.task import Task, load_tasks

TOOLCHAIN = {"python": "python", "node": "node", "go": "go"}
TEST_FILE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.(py|go)$|[^/]*\.test\.[cm]?js$)")
COMMAND_TIMEOUT_S = 120.0
_JUNK = ("__pycache__", ".pytest_cache", "node_modules", ".git")


@dataclass
class TaskCheck:
    """The outcome of checking one task; `problems` empty means sound."""

    task_id: str
    language: str
    problems: list[str] = field(default_factory=list)
    skipped: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.skipped


def missing_toolchain(task: Task) -> str:
    """Why this host cannot run the task's tests, or '' when it can."""
    tool = TOOLCHAIN[task.config.language]
    return "" if shutil.which(tool, path=_env()["PATH"]) else f"`{tool}` not found on this host"


def check_task(task: Task) -> TaskCheck:
    """Check one task in a scratch copy of its repo."""
    check = TaskCheck(task.id, task.config.language)
    check.skipped = missing_toolchain(task)
    if check.skipped:
        return check
    started = time.monotonic()
    check.problems.extend(_patch_touches_tests(task))
    _check_in_scratch_repo(task, check)
    check.duration_s = time.monotonic() - started
    return check


def _check_in_scratch_repo(task: Task, check: TaskCheck) -> None:
    with tempfile.TemporaryDirectory(prefix=f"check-{task.id}-") as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(task.repo_dir, repo, ignore=shutil.ignore_patterns(*_JUNK))
        _git(repo, "init", "-q")
        cfg = task.config
        for test_id in cfg.fail_to_pass:
            if _run(cfg.select_command([test_id]), repo) == 0:
                check.problems.append(f"goal test passes before the fix: {test_id}")
        if _run(cfg.select_command(cfg.pass_to_pass), repo) != 0:
            check.problems.append("pass_to_pass tests fail before the fix")
        applied = _git(repo, "apply", str(task.solution_patch))
        if applied.returncode != 0:
            check.problems.append(f"solution.patch does not apply: {applied.stderr.strip()}")
            return
        if _run(cfg.select_command([*cfg.fail_to_pass, *cfg.pass_to_pass]), repo) != 0:
            check.problems.append("goal or pass_to_pass tests fail after the fix")
        if _run(cfg.test_command, repo) != 0:
            check.problems.append("full test_command fails after the fix")


def _patch_touches_tests(task: Task) -> list[str]:
    text = task.solution_patch.read_text(encoding="utf-8")
    paths = re.findall(r"^\+\+\+ b/(\S+)", text, flags=re.MULTILINE)
    if not paths:
        return ["solution.patch changes no file"]
    return [f"solution.patch touches a test file: {p}" for p in paths if TEST_FILE.search(p)]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # tasks use bare pytest, as in their image
    env["GOFLAGS"] = "-count=1"
    env.setdefault("GOCACHE", str(Path(tempfile.gettempdir()) / "check-tasks-gocache"))
    return env


def _run(command: str, cwd: Path) -> int:
    try:
        done = subprocess.run(
            command, shell=True, cwd=cwd, env=_env(), capture_output=True, timeout=COMMAND_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return -1
    return done.returncode


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(Path(__file__).resolve().parent)])
    args = parser.parse_args(argv)
    checks = [check_task(task) for task in load_tasks(args.paths)]
    print(f"{'task':32} {'lang':7} {'check s':>7}  result")
    for check in checks:
        result = f"SKIP ({check.skipped})" if check.skipped else "ok" if check.ok else "BROKEN"
        print(f"{check.task_id:32} {check.language:7} {check.duration_s:7.1f}  {result}")
        for problem in check.problems:
            print(f"{'':50}- {problem}")
    return 1 if any(check.problems for check in checks) else 0


if __name__ == "__main__":
    raise SystemExit(main())
