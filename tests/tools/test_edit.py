"""The edit tools on real files in a temporary workspace: writes, refusals, rollback, paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devagent.tools.base import Observation, ToolContext
from devagent.tools.edit import EDIT_TOOLS
from sandbox.local import LocalSandbox

TOOLS = {tool.name: tool for tool in EDIT_TOOLS}
MODULE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "calc.py").write_text(MODULE)
    (workspace / "notes.txt").write_text("alpha\nbeta\nalpha\n")
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text("[core]\n")
    return ToolContext(workspace=workspace, sandbox=LocalSandbox(workspace))


def call(name: str, ctx: ToolContext, **args: object) -> Observation:
    return TOOLS[name](dict(args), ctx)


def test_tools_are_exported_with_object_schemas() -> None:
    assert [t.name for t in EDIT_TOOLS] == ["apply_patch", "replace", "create"]
    assert all(t.parameters["type"] == "object" for t in EDIT_TOOLS)


def test_apply_patch_writes_and_reports_changed_paths(ctx: ToolContext) -> None:
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n"
        "-    return a + b\n+    return b + a\n"
        "--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+X = 1\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert obs.ok, obs.text
    assert obs.data == {"changed_paths": ["calc.py", "pkg/new.py"]}
    assert (ctx.workspace / "calc.py").read_text() == MODULE.replace("a + b", "b + a")
    assert (ctx.workspace / "pkg" / "new.py").read_text() == "X = 1\n"


def test_apply_patch_failure_leaves_every_file_untouched(ctx: ToolContext) -> None:
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n"
        "-    return a + b\n+    return b + a\n"
        "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,2 +1,2 @@\n-gamma\n+delta\n beta\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert not obs.ok
    assert "notes.txt, hunk 1" in obs.text and "no file was changed" in obs.text
    assert "     2 | beta" in obs.text
    assert (ctx.workspace / "calc.py").read_text() == MODULE


def test_apply_patch_says_already_applied(ctx: ToolContext) -> None:
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
        " def add(a, b):\n-    return a * b\n+    return a + b\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert not obs.ok and "already applied?" in obs.text


def test_apply_patch_rolls_back_a_syntax_error(ctx: ToolContext) -> None:
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -4,3 +4,3 @@\n"
        " \n-def sub(a, b):\n+def sub(a, b:\n     return a - b\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert not obs.ok
    assert "syntax errors in calc.py" in obs.text
    assert ">    5 | def sub(a, b:" in obs.text
    assert (ctx.workspace / "calc.py").read_text() == MODULE


def test_existing_syntax_errors_do_not_block_an_edit(ctx: ToolContext) -> None:
    (ctx.workspace / "broken.py").write_text("def f(:\n    pass\nx = 1\n")
    obs = call("replace", ctx, path="broken.py", old="x = 1", new="x = 2")
    assert obs.ok, obs.text
    assert (ctx.workspace / "broken.py").read_text() == "def f(:\n    pass\nx = 2\n"


def test_apply_patch_deletes_and_renames(ctx: ToolContext) -> None:
    patch = (
        "diff --git a/calc.py b/maths.py\nsimilarity index 100%\n"
        "rename from calc.py\nrename to maths.py\n"
        "--- a/notes.txt\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-alpha\n-beta\n-alpha\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert obs.ok, obs.text
    assert obs.data["changed_paths"] == ["calc.py", "maths.py", "notes.txt"]
    assert sorted(p.name for p in ctx.workspace.iterdir()) == [".git", "maths.py"]
    assert (ctx.workspace / "maths.py").read_text() == MODULE


def test_renaming_a_file_with_old_syntax_errors_is_allowed(ctx: ToolContext) -> None:
    (ctx.workspace / "broken.py").write_text("def f(:\n    pass\n")
    patch = "diff --git a/broken.py b/moved.py\nrename from broken.py\nrename to moved.py\n"
    obs = call("apply_patch", ctx, patch=patch)
    assert obs.ok, obs.text
    assert (ctx.workspace / "moved.py").read_text() == "def f(:\n    pass\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("../outside.txt", "'..' is refused"),
        ("/etc/passwd", "absolute paths are refused"),
        (".git/config", "never edited"),
        ("link/evil.txt", "outside the workspace"),
    ],
)
def test_apply_patch_refuses_unsafe_paths_whole(
    ctx: ToolContext, target: str, message: str
) -> None:
    outside = ctx.workspace.parent / "outside"
    outside.mkdir()
    (ctx.workspace / "link").symlink_to(outside)
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
        " def add(a, b):\n-    return a + b\n+    return 0\n"
        f"--- /dev/null\n+++ {target}\n@@ -0,0 +1 @@\n+owned\n"
    )
    obs = call("apply_patch", ctx, patch=patch)
    assert not obs.ok and message in obs.text
    assert (ctx.workspace / "calc.py").read_text() == MODULE
    assert list(outside.iterdir()) == []


def test_symlink_into_git_dir_is_refused(ctx: ToolContext) -> None:
    (ctx.workspace / "cfg").symlink_to(ctx.workspace / ".git" / "config")
    obs = call("replace", ctx, path="cfg", old="[core]", new="[hacked]")
    assert not obs.ok and "inside .git/" in obs.text


def test_apply_patch_refuses_an_empty_patch(ctx: ToolContext) -> None:
    obs = call("apply_patch", ctx, patch="")
    assert not obs.ok and "no file changes" in obs.text


def test_apply_patch_keeps_crlf_files_crlf(ctx: ToolContext) -> None:
    (ctx.workspace / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    patch = "--- win.txt\n+++ win.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
    assert call("apply_patch", ctx, patch=patch).ok
    assert (ctx.workspace / "win.txt").read_bytes() == b"one\r\nTWO\r\nthree\r\n"


def test_replace_once(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="calc.py", old="return a - b", new="return b - a")
    assert obs.ok and obs.data == {"changed_paths": ["calc.py"]}
    assert "line 6" in obs.text
    assert (ctx.workspace / "calc.py").read_text() == MODULE.replace("a - b", "b - a")


def test_replace_multiple_matches_shows_where(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="notes.txt", old="alpha", new="omega")
    assert not obs.ok
    assert "occurs 2 times" in obs.text and "lines 1, 3" in obs.text
    assert (ctx.workspace / "notes.txt").read_text() == "alpha\nbeta\nalpha\n"


def test_replace_with_count_replaces_all(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="notes.txt", old="alpha", new="omega", count=2)
    assert obs.ok
    assert (ctx.workspace / "notes.txt").read_text() == "omega\nbeta\nomega\n"


def test_replace_with_wrong_count_is_refused(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="notes.txt", old="alpha", new="omega", count=3)
    assert not obs.ok and "count=3" in obs.text


def test_replace_missing_snippet_shows_similar_lines(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="calc.py", old="def sub(a, b):\n  return a-b", new="x")
    assert not obs.ok
    assert "not found in calc.py" in obs.text
    assert "     5 | def sub(a, b):" in obs.text and "     6 |     return a - b" in obs.text


def test_replace_in_missing_file(ctx: ToolContext) -> None:
    obs = call("replace", ctx, path="nope.py", old="a", new="b")
    assert not obs.ok and "does not exist" in obs.text


def test_create_new_file_in_new_directory(ctx: ToolContext) -> None:
    obs = call("create", ctx, path="src/app.js", content="export const x = 1;\n")
    assert obs.ok and obs.data == {"changed_paths": ["src/app.js"]}
    assert (ctx.workspace / "src" / "app.js").read_text() == "export const x = 1;\n"


def test_create_refuses_to_overwrite_unless_asked(ctx: ToolContext) -> None:
    refused = call("create", ctx, path="notes.txt", content="new\n")
    assert not refused.ok and "overwrite=true" in refused.text
    assert (ctx.workspace / "notes.txt").read_text() == "alpha\nbeta\nalpha\n"
    assert call("create", ctx, path="notes.txt", content="new\n", overwrite=True).ok
    assert (ctx.workspace / "notes.txt").read_text() == "new\n"


def test_create_refuses_broken_syntax(ctx: ToolContext) -> None:
    obs = call("create", ctx, path="bad.go", content="package main\nfunc main() {\n")
    assert not obs.ok and "bad.go:2" in obs.text
    assert not (ctx.workspace / "bad.go").exists()


def test_binary_file_is_refused(ctx: ToolContext) -> None:
    (ctx.workspace / "blob.bin").write_bytes(b"\x00\x01\x02")
    obs = call("replace", ctx, path="blob.bin", old="a", new="b")
    assert not obs.ok and "binary" in obs.text


@pytest.mark.skipif(os.geteuid() != 0, reason="ownership hand-back matters (and works) as root")
def test_edits_made_as_root_keep_files_owned_by_the_workspace_user(ctx: ToolContext) -> None:
    for path in [ctx.workspace, *ctx.workspace.rglob("*")]:
        os.chown(path, 1000, 1000)
    assert call("replace", ctx, path="calc.py", old="a + b", new="b + a").ok
    assert call("create", ctx, path="pkg/sub/new.py", content="x = 1\n").ok
    for rel in ("calc.py", "pkg", "pkg/sub", "pkg/sub/new.py"):
        st = (ctx.workspace / rel).stat()
        assert (st.st_uid, st.st_gid) == (1000, 1000), rel
