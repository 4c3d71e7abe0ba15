"""Real git helpers for the workspace and delivery tests: set-up and inspection only."""

from __future__ import annotations

from pathlib import Path

from tests.support import GIT_ENV, git

__all__ = ["GIT_ENV", "git", "snapshot", "write"]


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a delivery must not change: status, HEAD, index, branches, file bytes."""
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "status": git(repo, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
        "head": git(repo, "rev-parse", "HEAD"),
        "symbolic": git(repo, "symbolic-ref", "-q", "HEAD"),
        "index": (repo / ".git" / "index").read_bytes(),
        "files": files,
    }
