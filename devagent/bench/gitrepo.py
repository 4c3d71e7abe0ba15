"""Throwaway git repositories for bench runs: a task's files as one commit, clones, patches."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from devagent.errors import DevagentError

_IDENTITY = ("-c", "user.name=devagent-bench", "-c", "user.email=bench@devagent.invalid")


class BenchGitError(DevagentError):
    """A git command on a bench repository failed (the message carries git's output)."""

    hint = "is the mirror a git repository holding that commit? does the patch apply?"


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """Run `git args` in `repo`; return stdout, raise `BenchGitError` on a non-zero exit."""
    proc = subprocess.run(
        ["git", *_IDENTITY, "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise BenchGitError(f"git {' '.join(args[:2])} in {repo} failed: {detail}")
    return proc.stdout


def materialize(files: Path, dest: Path, message: str = "initial") -> str:
    """Copy `files` into a new repository at `dest` as one commit; return its sha."""
    shutil.copytree(files, dest, symlinks=True)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-gpg-sign", "-m", message)
    return git(dest, "rev-parse", "HEAD").strip()


def clone_at(mirror: Path, dest: Path, commit: str) -> None:
    """A local clone of `mirror` at `dest`, checked out (detached) at `commit`."""
    proc = subprocess.run(
        ["git", "clone", "-q", "--no-checkout", str(mirror), str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchGitError(f"cannot clone {mirror}: {proc.stderr.strip()[-2000:]}")
    git(dest, "checkout", "-q", "--detach", commit)


def apply(repo: Path, patch: str) -> None:
    """`git apply` a patch at the repository root (strict: no fuzz)."""
    if patch.strip():
        git(repo, "apply", "--whitespace=nowarn", "-", stdin=patch)


def commit_all(repo: Path, message: str) -> str:
    """Commit every change in the worktree; return the new HEAD sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()
