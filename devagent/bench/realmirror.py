"""Real tasks made concrete: a one-commit mirror of the base sdist, and a SWE-bench instance.

The mirror `repos/devagent-real__<id>` holds the base release's sdist tree as its only commit,
dated at the sdist's upload time (so date-based dependency resolution picks what existed then).
The reference `patch` is the diff of `fix_files` from the base to the fix release, `test_patch`
the diff of `test_files`. Cost: two sdist downloads per task on first use (cached), then one
unpack and a few git commands each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from devagent.bench.gitrepo import git
from devagent.bench.realtask import RealTask, RealTaskError
from devagent.bench.sdist import DEFAULT_CACHE, Fetch, http_get, unpack_release
from devagent.bench.swebench import SwebenchInstance

OWNER = "devagent-real"
_GIT_IDENTITY = ("git", "-c", "user.name=devagent-bench", "-c", "user.email=bench@devagent.invalid")
NOT_A_FIX = "# devagent: this line changes nothing\n"


def repo_name(task: RealTask) -> str:
    """The instance's `repo`: `devagent-real/<id>` (mirror `devagent-real__<id>`)."""
    return f"{OWNER}/{task.id}"


def to_instance(task: RealTask, base_commit: str, patch: str, test_patch: str) -> SwebenchInstance:
    """The SWE-bench instance of a materialized task. The environment travels as
    `devagent_environment` (kept by an instance model that declares it, ignored otherwise)."""
    record: dict[str, Any] = {
        "instance_id": task.id,
        "repo": repo_name(task),
        "base_commit": base_commit,
        "patch": patch,
        "test_patch": test_patch,
        "problem_statement": task.issue,
        "FAIL_TO_PASS": list(task.fail_to_pass),
        "PASS_TO_PASS": list(task.pass_to_pass),
        "devagent_test_select_command": task.test_select_command,
        "devagent_test_command": task.environment.test_command,
        "devagent_environment": task.environment.model_dump(exclude_defaults=True),
    }
    return SwebenchInstance.model_validate(record)


def materialize(
    task: RealTask, repos: Path, cache_dir: Path = DEFAULT_CACHE, fetch: Fetch = http_get
) -> SwebenchInstance:
    """Build (or rebuild) the task's mirror under `repos` and return its instance."""
    mirror = repos / f"{OWNER}__{task.id}"
    with tempfile.TemporaryDirectory(prefix=f"devagent-real-{task.id}-") as tmp:
        fix_tree = Path(tmp) / "fix"
        base = unpack_release(task.project, task.base_version, mirror, cache_dir, fetch)
        unpack_release(task.project, task.fix_version, fix_tree, cache_dir, fetch)
        base_commit = _commit_tree(mirror, f"{task.project} {task.base_version}", base.upload_time)
        patch = release_diff(task, mirror, fix_tree, base_commit, task.fix_files)
        test_patch = release_diff(task, mirror, fix_tree, base_commit, task.test_files)
    return to_instance(task, base_commit, patch, test_patch)


def _commit_tree(repo: Path, message: str, date: str) -> str:
    """Make `repo`'s files (ignored ones too: the tree is the sdist's) one commit at `date`."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A", "-f")
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(
        [*_GIT_IDENTITY, "-C", str(repo), "commit", "-q", "--no-gpg-sign", "-m", message],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RealTaskError(f"cannot commit {repo}: {done.stderr.strip()[-500:]}")
    return git(repo, "rev-parse", "HEAD").strip()


def release_diff(
    task: RealTask, repo: Path, fix_tree: Path, base_commit: str, files: list[str]
) -> str:
    """`git diff` of `files` from `base_commit` to their fix-release versions (a file absent
    from the fix release is deleted); `repo` is reset to `base_commit` afterwards."""
    for name in files:
        source, target = fix_tree / name, repo / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        elif target.is_file():
            target.unlink()
        else:
            raise RealTaskError(f"{task.id}: {name} is in neither release")
    try:
        git(repo, "add", "-A", "-f", "--", *files)
        diff = git(repo, "diff", "--cached", "--binary", base_commit, "--", *files)
    finally:
        git(repo, "reset", "-q", "--hard", base_commit)
    unchanged = [f for f in files if f"diff --git a/{f} b/{f}\n" not in diff]
    if unchanged:
        raise RealTaskError(f"{task.id}: unchanged between the releases: {unchanged}")
    return diff


def not_a_fix(instance: SwebenchInstance, repos: Path) -> str:
    """A patch that applies and fixes nothing: a comment appended to the first file the
    reference patch changes (for predictions that must come out unresolved)."""
    first = _first_path(instance.patch)
    with tempfile.TemporaryDirectory(prefix="devagent-real-wrong-") as tmp:
        tree = Path(tmp) / "repo"
        mirror = repos / instance.repo.replace("/", "__", 1)
        subprocess.run(["git", "clone", "-q", str(mirror), str(tree)], check=True)
        git(tree, "checkout", "-q", "--detach", instance.base_commit)
        path = tree / first
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + NOT_A_FIX, "utf-8")
        return git(tree, "diff", "--", first)


def _first_path(patch: str) -> str:
    for line in patch.splitlines():
        if line.startswith("+++ b/"):
            return line[len("+++ b/") :]
    raise RealTaskError("the reference patch changes no file")
