"""Fixtures: real git repositories for the workspace and delivery tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gitrepo import git, write

MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """`make_repo(files, name="user")`: a repo on branch main with `files` committed."""

    def make(files: dict[str, str | bytes], name: str = "user") -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "--initial-branch=main")
        write(repo, files)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
        return repo

    return make
