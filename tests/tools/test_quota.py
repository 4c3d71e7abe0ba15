"""The workspace quota: growth past it is a failed observation the model can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from devagent.tools import quota
from devagent.tools.registry import build_tools

from .helpers import make_ctx, write_tree

TOOLS = build_tools()


def test_measure_counts_files_and_bytes_without_following_links(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.txt": "12345", "d/b.bin": b"\0" * 10})
    (tmp_path / "link").symlink_to("/usr")
    assert quota.measure(tmp_path) == quota.Usage(files=3, bytes=15 + len("/usr"))


def test_many_new_files_make_run_fail_with_a_note(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(quota, "GROWTH_FILES", 100)
    write_tree(tmp_path, {"app.py": "x = 1\n"})
    ctx = make_ctx(tmp_path)
    fine = TOOLS["run"]({"command": "mkdir out && touch out/f{1..50}"}, ctx)
    assert fine.ok and "quota" not in fine.text
    over = TOOLS["run"]({"command": "touch out/g{1..80}"}, ctx)
    assert not over.ok and "over its quota" in over.text and "new files" in over.text
    cleaned = TOOLS["run"]({"command": "rm -r out"}, ctx)
    assert cleaned.ok


@pytest.mark.parametrize("tool", ["run", "run_tests"])
def test_a_big_file_is_over_the_byte_quota(tmp_path: Path, monkeypatch, tool: str) -> None:
    monkeypatch.setattr(quota, "GROWTH_BYTES", 1 << 20)
    write_tree(tmp_path, {"test_x.py": "def test_x():\n    pass\n"})
    ctx = make_ctx(tmp_path, test_command="truncate -s 3M dump.bin && true")
    args = {"command": "truncate -s 3M dump.bin"} if tool == "run" else {}
    obs = TOOLS[tool](args, ctx)
    assert not obs.ok and "3 MiB+ more data (quota 1 MiB)" in obs.text
