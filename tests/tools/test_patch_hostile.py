"""Diffs a hostile or confused model writes that must be refused, not half-applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from devagent.tools.diffparse import PatchFormatError, parse_patch
from devagent.tools.patch import apply_file_patches
from devagent.tools.registry import build_tools

from .helpers import make_ctx as ctx

TOOLS = build_tools()


@pytest.mark.parametrize("name", [".GIT/config", "src/.Git/hooks/x", ".git./config", "a/.GIT"])
def test_git_directory_case_variants_are_refused(tmp_path: Path, name: str) -> None:
    patch = f"--- /dev/null\n+++ b/{name}\n@@ -0,0 +1 @@\n+[core]\n"
    obs = TOOLS["apply_patch"]({"patch": patch}, ctx(tmp_path))
    assert not obs.ok and ".git" in obs.text
    obs = TOOLS["create"]({"path": name, "content": "x\n"}, ctx(tmp_path))
    assert not obs.ok
    assert not any(p.name.lower().startswith(".git") for p in tmp_path.rglob("*"))


def test_git_binary_patch_is_refused() -> None:
    patch = (
        "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000..1111111\n"
        "GIT binary patch\nliteral 10\nRcmZ?wbhEHbRA2}J\n\nliteral 0\nHcmV?d00001\n"
    )
    with pytest.raises(PatchFormatError, match="binary"):
        parse_patch(patch)


def test_rename_headers_that_disagree_with_the_diff_line_are_refused() -> None:
    patch = (
        "diff --git a/a.py b/b.py\nsimilarity index 90%\nrename from other.py\nrename to b.py\n"
        "--- a/a.py\n+++ b/b.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    )
    with pytest.raises(PatchFormatError, match="disagree"):
        parse_patch(patch)


def test_too_many_hunks_are_refused_quickly() -> None:
    hunks = "".join(f"@@ -{i},1 +{i},1 @@\n-l{i}\n+L{i}\n" for i in range(1, 10_001))
    with pytest.raises(PatchFormatError, match="hunks"):
        parse_patch("--- a/x\n+++ b/x\n" + hunks)


def test_a_hunk_that_changes_nothing_is_not_reported_applied() -> None:
    patch = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n b\n"
    result = apply_file_patches(parse_patch(patch), {"x": "a\nb\n"})
    assert not result.ok
    assert "changes nothing" in result.failures[0].reason
