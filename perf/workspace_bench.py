"""Print how long the private workspace takes on a synthetic repo (clone, diff, reset, apply).

Usage: python perf/workspace_bench.py [FILES] [KB_PER_FILE]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from devagent.workspace import Workspace

ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@b",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@b",
}


def make_repo(root: Path, files: int, kb: int) -> Path:
    repo = root / "user"
    for i in range(files):
        path = repo / f"pkg{i % 50}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# module {i}\n" + "x = 1\n" * (kb * 170))
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "bench"]):
        subprocess.run(["git", *args], cwd=repo, env=ENV, check=True)
    return repo


def timed(label: str, fn: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<28} {time.perf_counter() - start:7.3f} s")
    return result


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    kb = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp), files, kb)
        print(f"repo: {files} files x {kb} KB")
        ws = timed("create (clone + sandbox .git)", lambda: Workspace.create(repo, Path(tmp, "ws")))
        assert isinstance(ws, Workspace)
        timed("diff, nothing changed", ws.diff)
        for i in range(10):
            (ws.tree / f"pkg{i}" / f"mod{i}.py").write_text("changed\n")
            (ws.tree / f"new{i}.py").write_text("new\n")
        patch = str(timed("diff, 20 files changed", ws.diff))
        timed("changed_files", ws.changed_files)
        timed("reset_to(patch)", lambda: ws.reset_to(patch))


if __name__ == "__main__":
    main()
