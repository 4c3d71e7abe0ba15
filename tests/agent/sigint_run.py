"""Run one agent on a tiny repo under `stop_on_sigint` (driven by the SIGINT test).

Usage: python -m tests.agent.sigint_run WORKDIR [docker]. The first tool call touches
WORKDIR/repo/started and waits for WORKDIR/repo/go, so the test can send SIGINT mid-step.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from devagent.agent.report import write_outputs
from devagent.agent.signals import stop_on_sigint
from devagent.agent.task import Task
from tests.agent.fakes import (
    CHECK,
    ScriptedTestModel,
    call,
    docker_sandbox,
    make_agent,
    tiny_repo,
)


def main(workdir: Path, backend: str) -> int:
    repo = tiny_repo(workdir / "repo")
    # The sandbox sees the workspace only: the flags live in the repo (ignored by git).
    (repo / ".git" / "info" / "exclude").write_text("started\ngo\n")
    wait = "touch started; while [ ! -f go ]; do sleep 0.02; done"
    model = ScriptedTestModel(
        [[call("run", command=wait)], [call("run", command="true")]], repeat_last=True
    )
    task = Task(issue="add is wrong", checks=(CHECK,))
    if backend == "docker":
        with docker_sandbox(repo) as sandbox:
            agent, io = make_agent(repo, model, sandbox=sandbox)
            with stop_on_sigint(io.stop):
                result = agent.run(task)
    else:
        agent, io = make_agent(repo, model)
        with stop_on_sigint(io.stop):
            result = agent.run(task)
    io.trajectory.close()
    write_outputs(workdir / "out", task, result, io.trajectory.redactor)
    print(threading.active_count(), result.status)
    return 0 if result.solved else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "local"))
