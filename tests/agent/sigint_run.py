"""Run one agent on a tiny repo under `stop_on_sigint` (driven by the SIGINT test).

Usage: python -m tests.agent.sigint_run WORKDIR. The first tool call touches WORKDIR/started and
waits for WORKDIR/go, so the test can send SIGINT while a step is in flight.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from devagent.agent.report import write_outputs
from devagent.agent.signals import stop_on_sigint
from devagent.agent.task import Task
from tests.agent.fakes import CHECK, ScriptedTestModel, call, make_agent, tiny_repo


def main(workdir: Path) -> int:
    repo = tiny_repo(workdir / "repo")
    wait = f"touch {workdir}/started; while [ ! -f {workdir}/go ]; do sleep 0.02; done"
    model = ScriptedTestModel(
        [[call("run", command=wait)], [call("run", command="true")]], repeat_last=True
    )
    agent, io = make_agent(repo, model)
    task = Task(issue="add is wrong", checks=(CHECK,))
    with stop_on_sigint(io.stop):
        result = agent.run(task)
    io.trajectory.close()
    write_outputs(workdir / "out", task, result, io.trajectory.redactor)
    print(threading.active_count(), result.status)
    return 0 if result.solved else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
