"""Host-side soundness check of real-world tasks (`tasks/real/*.toml`).

For each task: materialize it (download both sdists, build the base mirror, diff the fix and
test files), clone the base into a scratch directory, make a throwaway venv there with this
interpreter, install pytest, the environment's `pip` requirements and the project (editable,
with the environment's `env`), then
1. apply the test patch: every `fail_to_pass` test must fail and every `pass_to_pass` pass;
2. apply the reference patch too: all of them must pass.
Per-test outcomes come from pytest's JUnit XML report. Usage:
`python tasks/check_real_tasks.py [MANIFEST_OR_DIR ...]` (default: tasks/real/). With
`--discover`, also print which tests of the test files fail before and pass after (mining).
Exit status 0 when every checked task is sound.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import shlex
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devagent.agent.junit import PYTEST_JUNIT_OPTS, parse_junit, test_status
from devagent.bench.realmirror import materialize
from devagent.bench.realtask import RealTask, load_real_tasks
from devagent.bench.sdist import DEFAULT_CACHE
from devagent.bench.swebench import SwebenchInstance

COMMAND_TIMEOUT_S = 900.0
Outcomes = dict[str, str]
"""pytest node id -> status, as `devagent.agent.junit.parse_junit` reads them."""
"""(classname, name) -> passed | failed | error | skipped."""


@dataclass
class RealCheck:
    """The outcome of checking one task; `problems` empty means sound."""

    task_id: str
    problems: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    discovered: dict[str, list[str]] = field(default_factory=dict)


def _env(task: RealTask, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(venv)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**env, **task.environment.env}


def _sh(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, -1, "", "timed out")


def _install(task: RealTask, tree: Path, env: dict[str, str]) -> str:
    """Set the venv up; return what failed, or ''."""
    spec = task.environment
    requirements = " ".join(f"'{r}'" for r in spec.pip)
    steps = [*spec.pre_install, f"python -m pip install -q pytest {requirements}"]
    # Like the environment image: the project editable with its test extras (pip only warns
    # about the ones it does not declare), unless the task says how to install.
    steps.extend(spec.install or ["python -m pip install -q -e '.[test,tests,testing]'"])
    if spec.setup_script:
        steps.append(f"bash {shlex.quote(spec.setup_script)}")
    for step in steps:
        done = _sh(step, tree, env)
        if done.returncode != 0:
            return f"`{step}` failed: {(done.stderr or done.stdout).strip()[-800:]}"
    return ""


def _run_tests(
    instance: SwebenchInstance, tests: list[str], tree: Path, env: dict[str, str]
) -> Outcomes:
    report = tree.parent / "junit.xml"
    report.unlink(missing_ok=True)
    junit = PYTEST_JUNIT_OPTS.format(path=report)
    _sh(f"{instance.select_command(tests)} -p no:cacheprovider {junit}", tree, env)
    return parse_junit(report.read_text(encoding="utf-8")) if report.is_file() else {}


def _apply(tree: Path, patch: str) -> None:
    subprocess.run(["git", "apply", "-"], cwd=tree, input=patch, text=True, check=True)


def check_task(task: RealTask, repos: Path, cache: Path, discover: bool = False) -> RealCheck:
    check = RealCheck(task.id)
    started = time.monotonic()
    instance = materialize(task, repos, cache)
    with tempfile.TemporaryDirectory(prefix=f"check-real-{task.id}-") as tmp:
        tree, venv = Path(tmp) / "repo", Path(tmp) / "venv"
        mirror = repos / instance.repo.replace("/", "__", 1)
        subprocess.run(["git", "clone", "-q", str(mirror), str(tree)], check=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        env = _env(task, venv)
        failed = _install(task, tree, env)
        if failed:
            check.problems.append(failed)
            return check
        _apply(tree, instance.test_patch)
        wanted = [*task.fail_to_pass, *task.pass_to_pass]
        tests = [f for f in task.test_files if f.endswith(".py")] if discover else wanted
        before = _run_tests(instance, tests, tree, env)
        _apply(tree, instance.patch)
        after = _run_tests(instance, tests, tree, env)
    check.problems.extend(judge(task, before, after))
    if discover:
        check.discovered = discover_lists(before, after)
    check.duration_s = time.monotonic() - started
    return check


def judge(task: RealTask, before: Outcomes, after: Outcomes) -> list[str]:
    """What makes the task unsound, from the outcomes before and after the reference fix."""
    problems = []
    for test in task.fail_to_pass:
        was, now = test_status(before, test), test_status(after, test)
        if was == "passed":
            problems.append(f"goal test passes before the fix: {test}")
        if now != "passed":
            problems.append(f"goal test does not pass after the fix ({now}): {test}")
    for test in task.pass_to_pass:
        was, now = test_status(before, test), test_status(after, test)
        if was != "passed" or now != "passed":
            problems.append(f"kept test: {was} before, {now} after: {test}")
    return problems


def discover_lists(before: Outcomes, after: Outcomes) -> dict[str, list[str]]:
    """Tests failing before and passing after, and tests passing in both."""
    f2p = [k for k, v in after.items() if v == "passed" and before.get(k) != "passed"]
    p2p = [k for k, v in after.items() if v == "passed" and before.get(k) == "passed"]
    return {"fail_to_pass": f2p, "pass_to_pass": p2p}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path(__file__).parent / "real"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="sdist cache")
    parser.add_argument("--discover", action="store_true", help="print candidate test lists")
    args = parser.parse_args(argv)
    checks = []
    with tempfile.TemporaryDirectory(prefix="check-real-repos-") as repos:
        for task in load_real_tasks(args.paths):
            check = check_task(task, Path(repos), args.cache, args.discover)
            checks.append(check)
            result = "ok" if not check.problems else "BROKEN"
            print(f"{task.id:40} {check.duration_s:7.1f}s  {result}", flush=True)
            for problem in check.problems:
                print(f"{'':10}- {problem}", flush=True)
            for name, ids in check.discovered.items():
                print(f"{'':10}{name} ({len(ids)}): {ids}", flush=True)
    return 1 if any(check.problems for check in checks) else 0


if __name__ == "__main__":
    raise SystemExit(main())
