"""What a person sees at a terminal during `devagent solve` (a pty, as a person has one)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from tests.e2e.scenario import CHECK, FIX
from tests.support import docker_environ

pytestmark = pytest.mark.docker
_CONTROL = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\r")


def test_a_terminal_sees_the_transcript_and_the_run_folder(
    buggy_repo: Path, issue_file: Path, script, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    argv = ["-m", "devagent.cli", "solve", str(issue_file), "--repo", str(buggy_repo)]
    argv += ["--model", script(FIX), "--image", "devagent/base:latest", "--test", CHECK]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DEVAGENT_CACHE_DIR": str(tmp_path / "cache"),
        "TERM": "xterm-256color",
        **docker_environ(),
    }
    child = pexpect.spawn(
        sys.executable, [*argv, "--out", str(out)], env=env, dimensions=(40, 200), timeout=300
    )
    child.expect(pexpect.EOF)
    child.close()
    text = _CONTROL.sub(b"", child.before).decode()
    assert child.exitstatus == 0, text
    assert "  ✓ view calc.py" in text and "  ✓ replace calc.py" in text
    assert f"  ✓ check {CHECK}" in text
    assert f"run folder: {out}" in text
    assert "last check" not in text and '{"' not in text


def test_an_apply_that_fails_still_says_where_the_run_and_its_patch_are(solve, buggy_repo):
    (buggy_repo / "calc.py").write_text("def add(a, b):\n    return b - a  # my own try\n")
    result = solve(FIX, "--image", "devagent/base:latest", "--test", CHECK, "--apply")
    assert result.returncode == 2
    folder = re.search(r"^run folder: (\S+)$", result.stdout, re.M)
    assert folder is not None, result.stdout
    assert f"delivery: failed; the patch is in {folder[1]}/patch.diff" in result.stdout
    assert "conflicts with uncommitted changes" in result.stderr
