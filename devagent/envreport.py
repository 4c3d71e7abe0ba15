"""A run's OUT/environment.json, written on a daemon thread once the first model request is out.

Reading the report takes a container made from the image and two archive reads (0.1-0.2 s of
the daemon's time and some of the interpreter's); started beside the sandbox, it held up the
goal checks and the first request by about 0.1 s on two cores. No model request needs it, so
it starts with the run's first `request` record (as the provider SDK's import waits for the
first request to be out, devagent.llm.sdkclient), or when the run ends without one."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import docker
import docker.errors

from devagent.background import in_background
from sandbox.errors import SandboxError
from sandbox.images import env_report

log = logging.getLogger(__name__)


def write_environment(image: str, out: Path, client: docker.DockerClient | None = None) -> None:
    """OUT/environment.json: the interpreter, packages and import check of the image."""
    try:
        report = env_report(image, client=client)
    except (SandboxError, docker.errors.DockerException) as exc:
        report = {"image": image, "error": f"no environment report: {exc}"}
    try:
        (out / "environment.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    except OSError as exc:  # a full disk: the run goes on; the files that matter come later
        log.warning("environment.json could not be written in %s: %s", out, exc.strerror)


class EnvironmentReport:
    """`write_environment` for one run, started by `on_record` at the first model request (a
    trajectory listener) or by `wait`, once."""

    def __init__(self, image: str, out: Path, client: docker.DockerClient | None = None) -> None:
        self.image, self.out, self.client = image, out, client
        self._written: Future[None] | None = None
        self._lock = threading.Lock()

    def on_record(self, record: dict[str, Any]) -> None:
        if record.get("type") == "request":
            self.start()

    @property
    def started(self) -> bool:
        return self._written is not None

    def start(self) -> None:
        with self._lock:
            if self._written is None:
                self._written = in_background(write_environment, self.image, self.out, self.client)

    def wait(self) -> None:
        """Start it if nothing did, and wait until the file is written (or could not be)."""
        self.start()
        assert self._written is not None
        self._written.result()
