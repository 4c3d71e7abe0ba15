"""End-to-end fixtures: a tiny buggy repo, scripted models, and the CLI run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.scenario import BUGGY, ISSUE
from tests.support import docker_environ, git


@pytest.fixture
def buggy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user-repo"
    repo.mkdir()
    (repo / "calc.py").write_text(BUGGY)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "calc")
    return repo


@pytest.fixture
def issue_file(tmp_path: Path) -> Path:
    path = tmp_path / "issue.md"
    path.write_text(ISSUE)
    return path


@pytest.fixture
def script(tmp_path: Path):
    def write(replies: list[dict], name: str = "model.yaml") -> str:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(replies))
        return f"scripted:{path}"

    return write


@pytest.fixture
def devagent(tmp_path: Path):
    """Run the CLI as a user would; a clean environment plus `extra`."""

    def run(*args: str, extra: dict[str, str] | None = None, timeout: float = 300):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "DEVAGENT_CACHE_DIR": str(tmp_path / "cache"),
            "COLUMNS": "120",
            **docker_environ(),
            **(extra or {}),
        }
        return subprocess.run(
            [sys.executable, "-m", "devagent.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=Path.cwd(),
        )

    return run


@pytest.fixture
def solve(devagent, issue_file: Path, buggy_repo: Path, script):
    """`devagent solve ISSUE --repo REPO --model scripted:<replies> ARGS...`."""

    def run(replies: list[dict], *args: str, **kwargs):
        return devagent(
            "solve",
            str(issue_file),
            "--repo",
            str(buggy_repo),
            "--model",
            script(replies),
            *args,
            **kwargs,
        )

    return run
