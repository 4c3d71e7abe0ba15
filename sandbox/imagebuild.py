"""Running one Docker image build through the low-level API, turning failures into ImageBuildError.

`BuildLog` is the pure part: it follows the build's JSON stream, remembers the current Dockerfile
step and the last lines of output, and knows the image id once the build has finished.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.images import Image

from sandbox import lifecycle
from sandbox.client import DAEMON_HINT
from sandbox.errors import DaemonUnavailableError, ImageBuildError

Progress = Callable[[str], None]
"""Told messages about the work (`building devagent/env:…`) and, as `BuildOutput`, every line
a build prints."""
HASH_LABEL = "devagent.image.hash"
TAIL_LINES = 30
_STEP = re.compile(r"^Step \d+/\d+ : (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]+)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildOutput(str):
    """A line a build printed (docker's `Step 3/5 : RUN …`, pip's, debootstrap's), as opposed to
    a message about the build: a progress display shows the steps and logs the rest."""

    __slots__ = ()


class BuildLog:
    """The state of a build, fed one decoded stream chunk at a time."""

    def __init__(self, tail_lines: int = TAIL_LINES) -> None:
        self.step = ""
        self.image_id = ""
        self.error = ""
        self._tail: deque[str] = deque(maxlen=tail_lines)
        self._partial = ""
        """The start of a line whose end has not come yet (tools write lines in pieces)."""

    @property
    def tail(self) -> str:
        return "\n".join([*self._tail, *([self._partial] if self._partial.strip() else [])])

    def feed(self, chunk: Mapping[str, Any]) -> list[str]:
        """Take one chunk; return the complete output lines it carried."""
        if "error" in chunk:
            self.error = _ANSI.sub("", str(chunk.get("error", ""))).strip()
            return [self.error]
        aux = chunk.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
        pieces = (self._partial + _ANSI.sub("", str(chunk.get("stream", "")))).split("\n")
        self._partial = pieces.pop()
        lines = [ln.rstrip() for ln in pieces if ln.strip()]
        for line in lines:
            step = _STEP.match(line)
            if step:
                self.step = step.group(1)
                self._tail.clear()
            built = _BUILT.match(line)
            if built and not self.image_id:
                self.image_id = built.group(1)
            self._tail.append(line)
        return lines

    def failure(self, what: str) -> ImageBuildError:
        """The error for a build that failed at the current step."""
        step = self.step or "(before the first step)"
        message = (
            f"building {what} failed at step `{step}`: {self.error or 'no image was produced'}\n"
            f"--- last lines of the step's log ---\n{self.tail}"
        )
        return ImageBuildError(message, step=step, log_tail=self.tail)


def labelled_image(client: docker.DockerClient, tag: str, digest: str) -> str | None:
    """The id of `tag` when it exists and was built from the recipe with hash `digest`."""
    image = labelled(client, tag, digest)
    return str(image.id) if image is not None else None


def labelled(client: docker.DockerClient, tag: str, digest: str) -> Image | None:
    """`labelled_image`'s image, as one inspect read it (its attributes serve the caller's
    other questions without asking the daemon again)."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    labels = image.attrs.get("Config", {}).get("Labels") or {}
    return image if labels.get(HASH_LABEL) == digest else None


@dataclass(frozen=True)
class BuildSpec:
    """One image build: `context/Dockerfile` built as `tag`."""

    context: Path
    tag: str
    buildargs: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    nocache: bool = False
    """Ignore the daemon's layer cache (a rebuild that fetches packages afresh)."""
    target: str | None = None
    """The stage of a multi-stage Dockerfile to stop at (None: the last)."""


def run_build(
    client: docker.DockerClient, spec: BuildSpec, on_progress: Progress | None = None
) -> str:
    """Run the build (network on during the build only); return the image id."""
    log = BuildLog()
    tag = spec.tag
    try:
        stream: Iterable[Mapping[str, Any]] = client.api.build(
            path=str(spec.context),
            tag=tag,
            buildargs=dict(spec.buildargs),
            labels={**spec.labels, **lifecycle.image_owner_labels()},
            network_mode="bridge",
            rm=True,
            forcerm=True,
            pull=False,
            nocache=spec.nocache,
            target=spec.target,
            decode=True,
        )
        for chunk in stream:
            for line in log.feed(chunk):
                if on_progress is not None:
                    on_progress(BuildOutput(line))
    except docker.errors.APIError as exc:
        log.error = str(exc.explanation or exc)
        raise log.failure(tag) from exc
    except requests.exceptions.ConnectionError as exc:
        message = f"the Docker daemon went away during a build; {DAEMON_HINT}"
        raise DaemonUnavailableError(message) from exc
    if log.error or not log.image_id:
        raise log.failure(tag)
    return log.image_id


def write_context(context: Path, files: dict[str, bytes]) -> None:
    """Lay out a build context: each file at its relative name under `context`."""
    for name, data in files.items():
        path = context / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
