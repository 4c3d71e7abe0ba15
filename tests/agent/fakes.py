"""Fakes for the agent tests: scripted model, tiny tools, tiny git repo, forkable sandbox."""

from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from devagent.agent.budget import Budget, BudgetConfig
from devagent.agent.config import AgentConfig
from devagent.agent.forkpatch import sandbox_diff
from devagent.agent.loop import Agent
from devagent.agent.redact import Redactor
from devagent.agent.seams import AgentIO
from devagent.agent.trajectory import Trajectory
from devagent.llm.scripted import ScriptedModel, ScriptedReply
from devagent.llm.types import Message, ToolCall, Usage
from devagent.tools.base import Observation, Tool, ToolContext
from sandbox import WORKDIR, Sandbox
from sandbox.local import LocalSandbox
from tests.support import git

BUGGY_CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
FIXED_CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
BROKEN_CALC = "def add(a, b):\n    return a * b\n\n\ndef sub(a, b):\n    return a + b\n"
TESTS = (
    "from calc import add, sub\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_sub():\n    assert sub(5, 3) == 2\n"
)
PYTEST_CHECK = (
    f"PYTHONDONTWRITEBYTECODE=1 {sys.executable} -B -m pytest -q -p no:cacheprovider "
    "-c /dev/null --rootdir=. --confcutdir=. test_calc.py"
)
"""The tiny repo's test suite (slow-ish: a pytest start-up per check)."""
CHECK = f"{sys.executable} -S -B -c 'import calc; assert calc.add(2, 3) == 5, calc.add(2, 3)'"
"""A fast goal check for tests that do not need pytest's failing-test ids."""

_ids = itertools.count(1)


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(id=f"call_{next(_ids)}", name=name, arguments=arguments)


def malformed(name: str, raw: str) -> ToolCall:
    ident = f"call_{next(_ids)}"
    return ToolCall(ident, name, {}, parse_error="invalid JSON", raw_arguments=raw)


DEFAULT_USAGE = Usage(input_tokens=10, output_tokens=5)
Turn = Sequence[ToolCall] | str


class ScriptedTestModel(ScriptedModel):
    """The package's scripted model, fed turns built in Python: a list of tool calls (their ids
    kept), or plain text; every turn reports `usage` and `cost_usd`."""

    def __init__(
        self,
        turns: Sequence[Turn],
        *,
        usage: Usage = DEFAULT_USAGE,
        cost_usd: float = 0.0,
        repeat_last: bool = False,
    ) -> None:
        replies: list[ScriptedReply | Message] = [
            Message("assistant", turn)
            if isinstance(turn, str)
            else Message("assistant", "", tool_calls=tuple(turn))
            for turn in turns
        ]
        super().__init__(
            replies, "test:scripted", usage=usage, cost_usd=cost_usd, repeat_last=repeat_last
        )


def _run(args: dict[str, Any], ctx: ToolContext) -> Observation:
    result = ctx.sandbox.exec(args["command"], timeout=ctx.command_timeout)
    text = f"exit {result.exit_code}\n{result.output}"
    return Observation(text) if result.ok else Observation.failure(text)


def _write(args: dict[str, Any], ctx: ToolContext) -> Observation:
    ctx.sandbox.put(f"{WORKDIR}/{args['path']}", args["content"].encode())
    return Observation(f"wrote {args['path']}")


def _object(**props: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {"type": v} for k, v in props.items()},
        "required": list(props),
    }


def fake_tools() -> dict[str, Tool]:
    return {
        "run": Tool("run", "Run a shell command.", _object(command="string"), _run),
        "write_file": Tool(
            "write_file", "Write a file.", _object(path="string", content="string"), _write
        ),
    }


def tiny_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "calc.py").write_text(BUGGY_CALC)
    (root / "test_calc.py").write_text(TESTS)
    (root / ".gitignore").write_text("__pycache__/\n.pytest_cache/\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def reset_to(root: Path, patch: str) -> None:
    git(root, "reset", "-q", "--hard", "HEAD")
    git(root, "clean", "-fdq")
    if patch:
        git(root, "apply", "--binary", "-", stdin=patch)


class DirWorkspace:
    """A stand-in for `devagent.workspace.Workspace` over a git directory whose HEAD is the
    starting point (no carried-over changes)."""

    def __init__(self, path: Path) -> None:
        self.tree = path

    def diff(self, *, since_start: bool = False) -> str:
        del since_start  # the start is the base
        return sandbox_diff(LocalSandbox(self.tree))

    def dirty_diff(self) -> str:
        return ""

    def reset_to(self, patch: str, *, since_start: bool = False) -> None:
        del since_start
        reset_to(self.tree, patch)


class ForkableLocalSandbox(LocalSandbox):
    """A LocalSandbox whose `fork()` copies its directory (for tests of parallel attempts)."""

    def __init__(self, root: Path, *, owned: bool = False) -> None:
        super().__init__(root)
        self.owned = owned
        self.forks: list[ForkableLocalSandbox] = []

    def fork(self) -> ForkableLocalSandbox:  # type: ignore[override]
        target = Path(tempfile.mkdtemp(prefix="devagent-fork-")) / "ws"
        shutil.copytree(self.root, target, symlinks=True)
        fork = ForkableLocalSandbox(target, owned=True)
        self.forks.append(fork)
        return fork

    def close(self) -> None:
        if self.owned:
            shutil.rmtree(self.root.parent, ignore_errors=True)


def make_agent(
    repo: Path,
    model: Any,
    *,
    budget: BudgetConfig | None = None,
    sandbox: Sandbox | None = None,
    config: AgentConfig | None = None,
    secrets: Sequence[str] = (),
) -> tuple[Agent, AgentIO]:
    sb = sandbox or LocalSandbox(repo)
    io = AgentIO(
        workspace=repo,
        patch_fn=partial(sandbox_diff, sb),
        restore_fn=partial(reset_to, repo),
        trajectory=Trajectory(repo.parent / "out" / "trajectory.jsonl", Redactor(secrets)),
    )
    agent = Agent(model, fake_tools(), sb, Budget(budget or BudgetConfig()), io=io, config=config)
    return agent, io


def host_diff(root: Path) -> str:
    """The repo's patch against HEAD, read on the host (untracked files included)."""
    git(root, "add", "--all", "--intent-to-add", ".")
    return git(root, "diff", "--binary", "HEAD")


def docker_sandbox(repo: Path) -> Any:
    """The lead's DockerSandbox on the base image, with `repo` as its workspace (not started)."""
    import importlib

    backend = importlib.import_module("sandbox.docker")
    try:
        image = importlib.import_module("sandbox.images").ensure_base_image()
    except ImportError:  # the image module is merged separately; its tag is the default
        image = importlib.import_module("sandbox.config").DEFAULT_IMAGE
    return backend.DockerSandbox(backend.SandboxConfig(image=image, workspace=repo))


def containers_mounting(path: Path) -> list[str]:
    """Ids of devagent sandbox containers (any state) that mount `path`."""
    import docker

    client = docker.from_env()
    try:
        found = client.containers.list(all=True, filters={"label": "devagent.sandbox=1"})
        return [
            c.id
            for c in found
            if any(m.get("Source") == str(path) for m in c.attrs.get("Mounts", []))
        ]
    finally:
        client.close()
