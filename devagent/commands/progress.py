"""The one line that shows a run's preparation (cloning, image builds step by step, starting the
sandbox) while it happens; the whole build log goes to a file and, with --verbose, the screen.

`SetupLine` is the pure part: fed progress messages, it knows the phase, the build step n/N and
how long the phase has taken. `SetupProgress` draws it with rich and writes the log.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from devagent.agent.actions import one_line
from devagent.units import duration, stopwatch
from sandbox.imagebuild import BuildOutput

_STEP = re.compile(r"^Step (\d+)/(\d+) : (?:RUN )?(.*)$")
_BUILDING = re.compile(r"^building (devagent/[\w.-]+):\S+")
IMAGE_NAMES = {
    "devagent/base": "base image",
    "devagent/rootfs": "base system",
    "devagent/envdeps": "environment image (dependencies)",
    "devagent/env": "environment image",
}
"""What a person calls each image repository in the progress line."""
STEP_WIDTH = 50


_ABSOLUTE = re.compile(r"(?<!\S)/(?:[\w.@+-]+/)+([\w.@+-]+)")
_CHAIN = re.compile(r"\s+(?:&&|\|\||;)\s+|;\s+")


def step_text(instruction: str) -> str:
    """A Dockerfile step as a person reads it: `RUN /opt/x/bin/python /opt/x/install.py deps
    && rm -rf /tmp/c` becomes `python install.py deps …` (the first command of a chain, paths
    by their last part), cut to `STEP_WIDTH`."""
    first, *rest = _CHAIN.split(instruction.strip(), maxsplit=1)
    short = _ABSOLUTE.sub(r"\1", first) + (" …" if rest else "")
    return one_line(short, STEP_WIDTH)


class SetupLine:
    """The state of a run's preparation, from its progress messages (pure but for `clock`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.phase = "preparing"
        self.since = clock()
        self.step: tuple[int, int, str] | None = None
        self.builds = 0
        """How many image builds (or bootstraps) ran."""

    def feed(self, message: str) -> str | None:
        """Take one message; return the step line when it starts a build step, else None."""
        if isinstance(message, BuildOutput):
            step = _STEP.match(message)
            if step is None:
                return None
            self.step = (int(step[1]), int(step[2]), step_text(step[3]))
            return f"step {self.step[0]}/{self.step[1]} {self.step[2]}"
        building = _BUILDING.match(message)
        if building:
            self.builds += 1
            name = IMAGE_NAMES.get(building[1], building[1])
            self.phase = f"building {name}"
        elif message.startswith("bootstrapping "):
            self.builds += 1
            self.phase = "building the base system (debootstrap, about a minute)"
        else:
            self.phase = one_line(message, 70)
        self.since, self.step = self.clock(), None
        return None

    def line(self) -> str:
        """`building environment image · step 3/5 pip install -e . · 12s`."""
        step = f" · step {self.step[0]}/{self.step[1]} {self.step[2]}" if self.step else ""
        return f"{self.phase}{step} · {stopwatch(self.clock() - self.since)}"


class SetupProgress:
    """An `on_progress` for a run: one live line on a terminal, the phases and build steps as
    plain lines elsewhere, every message with --verbose; the build log in `log_path` (created
    when a build prints its first line)."""

    def __init__(
        self,
        console: Console,
        *,
        log_path: Path | None = None,
        verbose: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console, self.log_path, self.verbose = console, log_path, verbose
        self.state = SetupLine(clock)
        self.started = clock()
        self._pending: list[str] = []
        self._log: IO[str] | None = None
        self._live: Live | None = None
        self._spinner = Spinner("dots", style="cyan")
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, message: str) -> None:
        with self._lock:
            if self._closed:
                return
            step = self.state.feed(message)
            self._write_log(message)
            if self.verbose:
                self.console.print(Text(message, style="dim"), highlight=False)
            elif not self.console.is_terminal:
                if step or not isinstance(message, BuildOutput):
                    self.console.print(Text(f"· {step or message}", style="dim"), highlight=False)
            elif self._live is None:
                self._live = Live(get_renderable=self.render, console=self.console, transient=True)
                self._live.start()

    def __enter__(self) -> SetupProgress:
        return self

    def render(self) -> Spinner:
        """The spinner and the line, cut to the terminal's width (a live line must not wrap)."""
        text = Text(self.state.line())
        text.truncate(max(self.console.width - 2, 10), overflow="ellipsis")
        self._spinner.update(text=text)
        return self._spinner

    def _write_log(self, message: str) -> None:
        if self._log is None and self.log_path is not None and isinstance(message, BuildOutput):
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("w", encoding="utf-8")
            self._log.writelines(f"{line}\n" for line in self._pending)
        if self._log is not None:
            self._log.write(f"{message}\n")
            self._log.flush()
        else:
            self._pending.append(message)

    def close(self, *, failed: bool = False) -> None:
        """Stop the line; say how long the preparation took (unless it `failed`) and where the
        build log is. Later messages go nowhere."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._live is not None:
                self._live.stop()
                self._live = None
            log = f"build log: {self.log_path}" if self._log is not None else ""
            if self._log is not None:
                self._log.close()
            if failed:
                if log:
                    self.console.print(Text(log, style="dim"), highlight=False, soft_wrap=True)
                return
            took = duration(self.state.clock() - self.started)
            built = self.state.builds
            what = f", {built} image build{'s' * (built > 1)}" if built else ""
            text = f"ready in {took}{what}" + (f" · {log}" if log else "")
            self.console.print(Text(text, style="dim"), highlight=False, soft_wrap=True)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(failed=kind is not None)
