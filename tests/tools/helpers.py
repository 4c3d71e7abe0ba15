"""Shared builders for tool tests: a workspace context on a LocalSandbox."""

from __future__ import annotations

from pathlib import Path

from devagent.tools.base import ToolContext
from sandbox.local import LocalSandbox


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def make_ctx(root: Path, **kwargs: object) -> ToolContext:
    return ToolContext(workspace=root, sandbox=LocalSandbox(root), **kwargs)  # type: ignore[arg-type]
