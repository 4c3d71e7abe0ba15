"""What every test package shares: plain git for setting up and inspecting repositories (never
how the code under test runs git), and a fake clock."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.llm.fakes import FakeClock

GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Test User",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test User",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
"""A person's git without this machine's config; a fixed identity."""


def docker_environ() -> dict[str, str]:
    """What a `devagent` started with a clean environment takes from this one: the same Docker
    daemon, and this session's owner label (DEVAGENT_OWNER, tests/conftest.py) on what it
    makes, so that the session removes it."""
    return {k: os.environ[k] for k in ("DOCKER_HOST", "DEVAGENT_OWNER") if k in os.environ}


def git(
    repo: Path, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """`git ARGS` in `repo` as a person would run it (`env` over `GIT_ENV`); its stdout. A
    repository handed to the sandbox user stays readable (safe.directory)."""
    done = subprocess.run(
        ["git", "-c", "safe.directory=*", *args],
        cwd=repo,
        env={**GIT_ENV, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def committed_repo(path: Path, files: Mapping[str, str], message: str = "start") -> Path:
    """A new repository at `path` holding `files` (relative path -> text) in one commit."""
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return path


__all__ = ["GIT_ENV", "FakeClock", "committed_repo", "git"]
