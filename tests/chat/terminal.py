"""Drive `devagent chat` (`python -m devagent.cli chat`) through a pseudo-terminal, as a person
would."""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pexpect
import yaml

from tests.support import docker_environ

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
IMAGE = "devagent/base:latest"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def plain(text: str) -> str:
    return ANSI.sub("", text)


def write_script(path: Path, replies: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(replies, sort_keys=False))
    return path


def spawn_chat(tmp_path: Path, repo: Path, *args: str) -> pexpect.spawn:
    """The chat on `repo` with sessions under tmp_path/sessions, in a clean environment."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "dumb",
           "COLUMNS": "100", "LANG": "C.UTF-8", **docker_environ()}  # fmt: skip
    argv = ["-m", "devagent.cli", "chat", "--repo", str(repo), "--image", IMAGE,
            "--sessions-dir", str(tmp_path / "sessions"), "--test",
            "python3 -B -m unittest -q", *args]  # fmt: skip
    return pexpect.spawn(
        PYTHON, argv, cwd=str(ROOT), env=env, encoding="utf-8", timeout=120, dimensions=(50, 100)
    )


def session_id(child: pexpect.spawn) -> str:
    child.expect(r"devagent chat --resume (\d{8}-\d{6}-[0-9a-f]{6})")
    return str(child.match.group(1))


def containers_of(pid: int) -> list[str]:
    client = docker.from_env()
    try:
        found = client.containers.list(all=True, filters={"label": f"devagent.creator_pid={pid}"})
        return [c.id for c in found]
    finally:
        client.close()


def wait_for(condition: Callable[[], object], child: pexpect.spawn, timeout: float = 120) -> None:
    """Poll `condition` until it holds, while the chat lives (its output is read meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert child.isalive(), "the chat ended"
        assert time.monotonic() < deadline, f"not within {timeout}s"
        with contextlib.suppress(pexpect.TIMEOUT):
            child.expect(pexpect.TIMEOUT, timeout=0.05)
