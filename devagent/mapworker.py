"""The run's first repo map made in a child process, so that its parsing and ranking use another
core than the run's own Python (which imports the model's SDK and drives git and Docker
meanwhile, under one interpreter lock).

The child starts at once and loads its modules while the workspace is made; it is then sent one
request (a JSON line on stdin), says `read` once it has read the tree, and answers with one JSON
line. A child that fails is replaced by the same map made in this process."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

READ = "read"
"""The line the child writes once the tree has been read."""


class MapWorker:
    """A child process that makes one map (see the module doc); `make` has `MakeMap`'s shape."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[str] | None = None
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "devagent.mapworker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError as exc:
            log.info("repo map worker not started (%s); the map is made in this process", exc)

    def make(self, request: dict[str, Any], on_read: Callable[[], None]) -> tuple[str, bool]:
        """The map `request` asks for: (text, whole), as the child makes it."""
        child, self._child = self._child, None
        if child is not None:
            try:
                return _ask(child, request, on_read)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("repo map worker failed (%s); the map is made in this process", exc)
                child.kill()
        return make_map(request, on_read)

    def close(self) -> None:
        """End a child that was never asked (its stdin closes: it exits)."""
        child, self._child = self._child, None
        if child is not None and child.stdin is not None:
            child.stdin.close()


def _ask(
    child: subprocess.Popen[str], request: dict[str, Any], on_read: Callable[[], None]
) -> tuple[str, bool]:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(request) + "\n")
    child.stdin.close()
    if child.stdout.readline().strip() != READ:
        raise ValueError("no 'read' line")
    on_read()
    answer = json.loads(child.stdout.readline())
    return str(answer["text"]), bool(answer["whole"])


def make_map(request: dict[str, Any], on_read: Callable[[], None]) -> tuple[str, bool]:
    """The map `request` asks for, made in this process: (text, whether it is whole: a map
    cut short by its time limit is not)."""
    from devagent.tools.repomap import TreeSource, render_map

    cache = request["cache_dir"]
    tree = TreeSource(Path(request["tree"]), Path(cache) if cache else None)
    observation = render_map(
        tree, request["focus"], request["tokens"], request["time_limit_s"], on_read
    )
    whole = bool(observation.data) and not observation.data.get("pending") and observation.ok
    return (observation.text if observation.ok else ""), whole


def serve(request_in: IO[str], answer_out: IO[str]) -> None:
    """The child's side: read one request, write `READ`, then the answer; then wait for the
    background indexing a map cut short started (it finishes the cache for later maps)."""
    line = request_in.readline()
    if not line:
        return

    def said_read() -> None:
        answer_out.write(READ + "\n")
        answer_out.flush()

    text, whole = make_map(json.loads(line), said_read)
    answer_out.write(json.dumps({"text": text, "whole": whole}) + "\n")
    answer_out.close()
    for thread in threading.enumerate():
        if thread.name == "devagent-index":
            thread.join()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
